package app

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/fptp"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Candidate selections: a procedure the rule book declares, run as events on the
// subject selection/ID. Every front end calls these methods; the policy decides
// first. The ballots are secret: a member's ballot is never written in an event or
// a row that names them — the marked register says who voted, and the ballots are
// kept only added up by ranking, then sealed in that form and counted.

// OpenSelectionInput is what opening a selection takes.
type OpenSelectionInput struct {
	ID        string        `json:"id"`
	Procedure string        `json:"procedure"`
	Contest   string        `json:"contest"`
	Unit      string        `json:"unit,omitempty"`
	Date      rulebook.Date `json:"date"`
	rulebook.Timetable
	cause string // the trigger ballot opening it, if one does
}

// procedureOf returns the procedure a selection runs under: the one in force on
// the day it was opened, whatever later versions say.
func (a *App) procedureOf(s *rulebook.Selection) (*rules.Version, *rules.Selection, error) {
	v, err := a.Rules().VersionAt(s.Opened)
	if err != nil {
		return nil, nil, err
	}
	p := v.Selection(s.Procedure)
	if p == nil {
		return nil, nil, rulebook.Errorf(rulebook.EInvalid, "selection %s: rule book version %s has no selection procedure %q", s.ID, v.ID, s.Procedure)
	}
	return v, p, nil
}

// OpenSelection opens a selection under a procedure the rule book in force on its
// date declares.
func (a *App) OpenSelection(ctx context.Context, in OpenSelectionInput) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	e, err := a.openingEvent(ctx, p, in)
	if err != nil {
		return nil, err
	}
	ap, err := a.db().Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer ap.Rollback()
	s, err := a.putOpening(ap, in.ID, e)
	if err != nil {
		return nil, err
	}
	return s, ap.Commit()
}

// openingEvent checks what opening a selection takes and returns the event
// opening it.
func (a *App) openingEvent(ctx context.Context, p *Principal, in OpenSelectionInput) (*rulebook.Event, error) {
	in.Contest = trim(in.Contest)
	switch {
	case !rulebook.ValidID(in.ID):
		return nil, fieldErr("id", "%q is not a valid id (letters, digits, '-', '_' and '.')", in.ID)
	case in.Date.IsZero():
		return nil, fieldErr("date", "the day the selection opens is required")
	case in.Contest == "":
		return nil, fieldErr("contest", "name the office or election the candidate is selected for")
	case in.FreezeDate.IsZero():
		return nil, fieldErr("freeze_date", "is required: the day qualifying conditions are measured at")
	case in.NominationsClose.IsZero() || in.NominationsClose < in.Date:
		return nil, fieldErr("nominations_close", "give the day nominations close, on or after the opening %s", in.Date)
	case in.Ballot.IsZero() || in.Ballot < in.NominationsClose:
		return nil, fieldErr("ballot", "give the day of the ballot, on or after nominations close (%s)", in.NominationsClose)
	}
	if in.BallotCloses.IsZero() {
		in.BallotCloses = in.Ballot
	} else if in.BallotCloses < in.Ballot {
		return nil, fieldErr("ballot_closes", "%s is before the ballot opens (%s)", in.BallotCloses, in.Ballot)
	}
	if err := rulebook.CheckText("contest", in.Contest, rulebook.MaxLineLen); err != nil {
		return nil, err
	}
	v, err := a.Rules().VersionAt(in.Date)
	if err != nil {
		return nil, withField(err, "date")
	}
	proc := v.Selection(in.Procedure)
	if proc == nil {
		return nil, fieldErr("procedure", "rule book version %s (in force on %s) has no selection procedure %q (its procedures: %s)",
			v.ID, in.Date, in.Procedure, orNoneList(v.SelectionOrder))
	}
	if in.Unit != "" {
		units, err := a.db().Units(ctx)
		if err != nil {
			return nil, err
		}
		if err := knownUnit(rulebook.NewUnits(units), in.Unit); err != nil {
			return nil, err
		}
	}
	o := rulebook.SelectionOpened{ID: in.ID, Procedure: proc.ID, Contest: in.Contest, Unit: in.Unit, Seats: proc.Seats, Method: proc.Method, List: proc.List,
		Version: v.ID, Timetable: in.Timetable, CollegeSpec: collegeSpec(proc), Cause: in.cause}
	return register.Event(rulebook.EventSelectionOpened, rulebook.SelectionSubjectPrefix+in.ID, p.Actor(), in.Date, o)
}

// putOpening records the opening of selection id in ap's transaction.
func (a *App) putOpening(ap *sqldb.Appender, id string, e *rulebook.Event) (*rulebook.Selection, error) {
	if _, err := ap.SelectionData(id); err == nil {
		return nil, rulebook.Errorf(rulebook.EConflict, "selection %s is already open", id)
	} else if rulebook.ErrorCode(err) != rulebook.ENotFound {
		return nil, err
	}
	s := &rulebook.Selection{}
	return s, a.putSelectionEvents(ap, s, []*rulebook.Event{e})
}

func orNoneList(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// putSelectionEvents adds events to the record, folds the selection's into s,
// writes what each implies (the marked register, dated list entries), and stores
// s: all in ap's transaction.
func (a *App) putSelectionEvents(ap *sqldb.Appender, s *rulebook.Selection, evs []*rulebook.Event) error {
	for _, e := range evs {
		if err := ap.Add(e); err != nil {
			return err
		}
		if err := projectSelectionEvent(ap, s, e); err != nil {
			return err
		}
	}
	return putSelection(ap, s)
}

// projectSelectionEvent folds e into s and writes the rows it implies, beside the
// selection's own row.
func projectSelectionEvent(ap *sqldb.Appender, s *rulebook.Selection, e *rulebook.Event) error {
	switch {
	case e.Type == discipline.EventListEntry:
		var l discipline.ListEntry
		if err := json.Unmarshal(e.Data, &l); err != nil {
			return err
		}
		return ap.PutListEntry(l.List, l.ID, e.Data)
	case rulebook.IsSelectionEvent(e.Type):
		if err := s.Apply(e); err != nil {
			return err
		}
		if err := projectCollegeEvent(ap, s, e); err != nil {
			return err
		}
		if e.Type == rulebook.EventVoted {
			var v rulebook.Voted
			if err := json.Unmarshal(e.Data, &v); err != nil {
				return err
			}
			return ap.MarkVoted(s.ID, v.Member)
		}
	}
	return nil
}

func putSelection(ap *sqldb.Appender, s *rulebook.Selection) error {
	data, err := rulebook.MarshalData(s)
	if err != nil {
		return err
	}
	return ap.PutSelection(sqldb.SelectionRow{ID: s.ID, Procedure: s.Procedure, Unit: s.Unit, State: s.State, Opened: s.Opened, Updated: s.Updated, Data: data})
}

// change is one change to a selection, decided on the selection as stored under
// the writer's lock: decide returns the events to record (a refusal is an event
// too, recorded and returned, not an error).
func (a *App) change(ctx context.Context, id string, decide func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error)) (*rulebook.Selection, error) {
	ap, err := a.db().Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer ap.Rollback()
	data, err := ap.SelectionData(id)
	if err != nil {
		return nil, err
	}
	s := &rulebook.Selection{}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, err
	}
	v, proc, err := a.procedureOf(s)
	if err != nil {
		return nil, err
	}
	evs, err := decide(ap, s, v, proc)
	if err != nil {
		return nil, err
	}
	if err := a.putSelectionEvents(ap, s, evs); err != nil {
		return nil, err
	}
	return s, ap.Commit()
}

// selectionEvent builds an event of a selection, with its id, which answers name.
func selectionEvent(typ, id, actor string, d rulebook.Date, data any) (*rulebook.Event, error) {
	e, err := register.Event(typ, rulebook.SelectionSubjectPrefix+id, actor, d, data)
	if err == nil {
		e.ID = rulebook.NewEventID()
	}
	return e, err
}

func notPermitted(format string, args ...any) error {
	return rulebook.Errorf(rulebook.ENotPermitted, format, args...)
}

// inState refuses a change a selection is not at the stage for.
func inState(s *rulebook.Selection, what string, states ...string) error {
	if slices.Contains(states, s.State) {
		return nil
	}
	return notPermitted("selection %s is at the stage %q: %s only at the stage %s", s.ID, s.State, what, strings.Join(states, " or "))
}

// listEntry returns the event that puts (or, with until, ends) an entry on a
// dated list, as discipline.AddListEntry records one.
func listEntry(actor string, eff rulebook.Date, l discipline.ListEntry) (*rulebook.Event, error) {
	return register.Event(discipline.EventListEntry, "list/"+l.List+"/"+l.ID, actor, eff, l)
}

// candidateEntryID is the id of a candidate's entry on a selection's lists.
func candidateEntryID(selection, member string) string { return selection + "-" + member }

// NominationInput is a nomination: the candidate and who nominates them.
type NominationInput struct {
	Candidate  string        `json:"candidate"`
	Nominators []string      `json:"nominators"`
	Date       rulebook.Date `json:"date"`
}

// NominationResult is a nomination recorded, or refused with the clause.
type NominationResult struct {
	Selection *rulebook.Selection         `json:"selection"`
	Refused   *rulebook.NominationRefusal `json:"refused,omitempty"`
}

// Nominate records a nomination, or its refusal: a candidate who may not stand, a
// nominator who may not nominate (or is not of the selection's unit), or fewer
// nominators than the procedure needs. The refusal cites the clause that decides.
func (a *App) Nominate(ctx context.Context, id string, in NominationInput) (*NominationResult, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	if !rulebook.ValidID(in.Candidate) {
		return nil, fieldErr("candidate", "%q is not a member id", in.Candidate)
	}
	units, err := a.db().Units(ctx)
	if err != nil {
		return nil, err
	}
	tree := rulebook.NewUnits(units)
	out := &NominationResult{}
	s, err := a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		if err := inState(s, "nominations are taken", rulebook.SelectionNominations); err != nil {
			return nil, err
		}
		if in.Date.IsZero() {
			return nil, fieldErr("date", "the day of the nomination is required")
		}
		if in.Date < s.Opened || in.Date > s.NominationsClose {
			return nil, notPermitted("nominations to selection %s are taken from %s to %s, not on %s (rule book %s, clause %s)", s.ID, s.Opened, s.NominationsClose, in.Date, v.ID, proc.Clause)
		}
		if c := s.Candidate(in.Candidate); c != nil && c.Withdrawn.IsZero() {
			return nil, rulebook.Errorf(rulebook.EConflict, "%s is already nominated (event %s)", in.Candidate, c.Event)
		}
		nominators := []string{}
		for _, n := range in.Nominators {
			if n = trim(n); n != "" && !slices.Contains(nominators, n) {
				nominators = append(nominators, n)
			}
		}
		q := eligibility.Question{Date: in.Date, FreezeDate: s.FreezeDate}
		refuse := func(who, action, clause, reason string) ([]*rulebook.Event, error) {
			r := rulebook.NominationRefusal{Candidate: in.Candidate, Nominators: nominators, Who: who, Action: action, Clause: clause, Reason: reason}
			out.Refused = &r
			e, err := selectionEvent(rulebook.EventNominationRefused, s.ID, p.Actor(), in.Date, r)
			return []*rulebook.Event{e}, err
		}
		// The candidate first, then each nominator: the first refused decides.
		q.Action = proc.Stand
		if ok, clause, reason, err := a.may(ctx, in.Candidate, q, proc); err != nil {
			return nil, err
		} else if !ok {
			return refuse(in.Candidate, proc.Stand, clause, reason)
		}
		for _, n := range nominators {
			if !rulebook.ValidID(n) {
				return nil, fieldErr("nominators", "%q is not a member id", n)
			}
			h, err := a.db().History(ctx, n)
			if rulebook.ErrorCode(err) == rulebook.ENotFound {
				return refuse(n, proc.Nominate, proc.Clause, fmt.Sprintf("%s is not on the register", n))
			} else if err != nil {
				return nil, err
			}
			if s.Unit != "" && !tree.Below(s.Unit)[h.Member.Unit] {
				return refuse(n, proc.Nominate, proc.Clause, fmt.Sprintf("%s is a member of %s, not of %s or a unit within it", n, orNoUnit(h.Member.Unit), s.Unit))
			}
			if proc.Nominate == "" {
				continue
			}
			q.Action = proc.Nominate
			ans, err := eligibility.Check(a.Rules(), h, q)
			if err != nil {
				return nil, err
			}
			if !ans.Allowed {
				return refuse(n, proc.Nominate, clauseOf(ans, proc), ans.Reason)
			}
		}
		if len(nominators) < proc.Nominations.Min {
			return refuse("", proc.Nominate, proc.Clause, fmt.Sprintf("%s; %s needs %d", rulebook.Plural(len(nominators), "valid nominator", "valid nominators"), proc.Name, proc.Nominations.Min))
		}
		e, err := selectionEvent(rulebook.EventNominated, s.ID, p.Actor(), in.Date, rulebook.Nomination{Candidate: in.Candidate, Nominators: nominators})
		if err != nil {
			return nil, err
		}
		evs := []*rulebook.Event{e}
		if proc.CandidatesList != "" {
			le, err := a.candidateListEntry(ctx, p.Actor(), s, proc, in.Candidate, in.Date, rulebook.NoDate)
			if err != nil {
				return nil, err
			}
			evs = append(evs, le)
		}
		return evs, nil
	})
	if err != nil {
		return nil, err
	}
	out.Selection = s
	return out, nil
}

// candidateListEntry puts a candidate on the procedure's list of candidates in
// open selections from from, or (until set) takes them off it.
func (a *App) candidateListEntry(ctx context.Context, actor string, s *rulebook.Selection, proc *rules.Selection, member string, from, until rulebook.Date) (*rulebook.Event, error) {
	name := member
	if names, err := a.db().MemberNames(ctx, []string{member}); err == nil && names[member] != "" {
		name = names[member]
	}
	l := discipline.ListEntry{List: proc.CandidatesList, ID: candidateEntryID(s.ID, member), Name: name, About: s.Contest, From: from, Until: until, Member: member}
	eff := from
	if !until.IsZero() {
		eff = until
	}
	return listEntry(actor, eff, l)
}

// endCandidacies takes the candidates named off the list of candidates in open
// selections from d (a withdrawal, a shortlist, the selection concluded).
func (a *App) endCandidacies(ctx context.Context, actor string, s *rulebook.Selection, proc *rules.Selection, members []string, d rulebook.Date) ([]*rulebook.Event, error) {
	if proc.CandidatesList == "" {
		return nil, nil
	}
	var out []*rulebook.Event
	for _, m := range members {
		c := s.Candidate(m)
		if c == nil {
			continue
		}
		until := max(d, c.Nominated.AddDays(1)) // an entry lasts a day at least
		e, err := a.candidateListEntry(ctx, actor, s, proc, m, c.Nominated, until)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// may answers whether member may do q.Action, with the clause and reason that
// decide: someone not on the register may not, under the procedure's clause.
func (a *App) may(ctx context.Context, member string, q eligibility.Question, proc *rules.Selection) (bool, string, string, error) {
	h, err := a.db().History(ctx, member)
	if rulebook.ErrorCode(err) == rulebook.ENotFound {
		return false, proc.Clause, fmt.Sprintf("%s is not on the register", member), nil
	} else if err != nil {
		return false, "", "", err
	}
	ans, err := eligibility.Check(a.Rules(), h, q)
	if err != nil {
		return false, "", "", err
	}
	return ans.Allowed, clauseOf(ans, proc), ans.Reason, nil
}

func clauseOf(ans *eligibility.Answer, proc *rules.Selection) string {
	if ans.Clause != nil {
		return ans.Clause.ID
	}
	return proc.Clause
}

func orNoUnit(s string) string {
	if s == "" {
		return "no unit"
	}
	return s
}

// Withdraw records a candidate's withdrawal; until the count, a withdrawn
// candidate's preferences pass to the next.
func (a *App) Withdraw(ctx context.Context, id, candidate string, d rulebook.Date, reason string) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		if err := inState(s, "a candidate withdraws", rulebook.SelectionNominations, rulebook.SelectionBallot, rulebook.SelectionSealed); err != nil {
			return nil, err
		}
		c := s.Candidate(candidate)
		if c == nil || !c.Withdrawn.IsZero() {
			return nil, fieldErr("candidate", "%q is not a candidate in selection %s (candidates: %s)", candidate, s.ID, orNoneList(s.OnBallot()))
		}
		if d < c.Nominated {
			return nil, fieldErr("date", "%s is before the nomination (%s)", d, c.Nominated)
		}
		e, err := selectionEvent(rulebook.EventCandidateWithdrawn, s.ID, p.Actor(), d, rulebook.Withdrawal{Candidate: candidate, Reason: trim(reason)})
		if err != nil {
			return nil, err
		}
		more, err := a.endCandidacies(ctx, p.Actor(), s, proc, []string{candidate}, d)
		return append([]*rulebook.Event{e}, more...), err
	})
}

// Shortlist records which candidates go to the ballot; the others are taken off
// the list of candidates.
func (a *App) Shortlist(ctx context.Context, id string, d rulebook.Date, l rulebook.Shortlist) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	if l.Body != "" {
		if err := a.Policy.Decide(p, DecideForSelection, Resource{Body: l.Body}); err != nil {
			return nil, err
		}
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		if err := inState(s, "a shortlist is made", rulebook.SelectionNominations); err != nil {
			return nil, err
		}
		if l.Body != "" && v.Bodies[l.Body] == nil {
			return nil, fieldErr("body", "unknown body %q (known: %s)", l.Body, strings.Join(v.BodyOrder, ", "))
		}
		nominated := []string{}
		for _, c := range s.Candidates {
			if c.Withdrawn.IsZero() {
				nominated = append(nominated, c.Member)
			}
		}
		var dropped []string
		for _, c := range l.Candidates {
			if !slices.Contains(nominated, c) {
				return nil, fieldErr("candidates", "%q is not a candidate in selection %s (candidates: %s)", c, s.ID, orNoneList(nominated))
			}
		}
		if len(l.Candidates) < s.Seats {
			return nil, fieldErr("candidates", "%d shortlisted for %s", len(l.Candidates), rulebook.Plural(s.Seats, "seat", "seats"))
		}
		for _, c := range nominated {
			if !slices.Contains(l.Candidates, c) {
				dropped = append(dropped, c)
			}
		}
		l.Reasons = trim(l.Reasons)
		e, err := selectionEvent(rulebook.EventShortlisted, s.ID, p.Actor(), d, l)
		if err != nil {
			return nil, err
		}
		more, err := a.endCandidacies(ctx, p.Actor(), s, proc, dropped, d)
		return append([]*rulebook.Event{e}, more...), err
	})
}

// electorateOf works out a selection's electorate from the register's histories:
// everyone of its unit (and the units within it) who may vote on the ballot
// day, conditions measured at the freeze date (waivers in force counting).
func (a *App) electorateOf(hs []*rulebook.History, tree rulebook.Units, s *rulebook.Selection, proc *rules.Selection) ([]string, *rulebook.FrozenElectorate, error) {
	return a.electorateFrom(func(f func(*rulebook.History) error) error {
		for _, h := range hs {
			if err := f(h); err != nil {
				return err
			}
		}
		return nil
	}, tree, s, proc, nil)
}

// electorateChunk is how many members electorateFrom gathers before it hands
// them on to be stored: small enough that storing starts early and little is
// left to store once the last member is decided (PostgreSQL streams them into
// one COPY), large enough that a chunk costs little more than its rows.
const electorateChunk = 8192

// electorateFrom is electorateOf over the histories each reads, one at a time
// (the register's, as it is read: not half a million held at once). emit, if
// set, is given the members decided a chunk at a time as they are, the last
// chunk before it returns.
func (a *App) electorateFrom(each func(func(*rulebook.History) error) error, tree rulebook.Units, s *rulebook.Selection, proc *rules.Selection, emit func([]string)) ([]string, *rulebook.FrozenElectorate, error) {
	var below map[string]bool
	if s.Unit != "" {
		below = tree.Below(s.Unit)
	}
	q := eligibility.Question{Action: proc.Vote, Date: s.Ballot, FreezeDate: s.FreezeDate}
	dc, err := eligibility.NewDecider(a.Rules(), q)
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	emitted := 0
	err = each(func(h *rulebook.History) error {
		if below != nil && !below[h.Member.Unit] {
			return nil
		}
		ok, _, err := dc.Decide(h)
		if ok {
			ids = append(ids, h.Member.ID)
			if emit != nil && len(ids)-emitted == electorateChunk {
				emit(ids[emitted:len(ids):len(ids)])
				emitted = len(ids)
			}
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if emit != nil && len(ids) > emitted {
		emit(ids[emitted:len(ids):len(ids)])
	}
	if ids == nil {
		ids = []string{}
	}
	// Bytewise, as the digest is taken (the register is read in that order
	// already); sorted in a copy, the chunks emitted being another's to read.
	if !slices.IsSorted(ids) {
		ids = slices.Clone(ids)
		slices.Sort(ids)
	}
	return ids, &rulebook.FrozenElectorate{Action: proc.Vote, Count: len(ids), Digest: rulebook.ElectorateDigest(ids), Version: dc.Version().ID,
		Date: s.Ballot, FreezeDate: s.FreezeDate, Unit: s.Unit}, nil
}

// FreezeElectorate works out the electorate from the register and freezes it
// with the selection: its members are stored, and the record keeps their number
// and digest. Ballots may be cast from then on.
func (a *App) FreezeElectorate(ctx context.Context, id string, d rulebook.Date) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		if err := inState(s, "the electorate is frozen", rulebook.SelectionNominations); err != nil {
			return nil, err
		}
		if d < s.Opened {
			return nil, fieldErr("date", "%s is before the selection opened (%s)", d, s.Opened)
		}
		if len(s.OnBallot()) == 0 {
			return nil, notPermitted("selection %s has no candidate on the ballot", s.ID)
		}
		if s.CollegeSpec != nil {
			return a.freezeCollege(ctx, ap, s, proc, p.Actor(), d)
		}
		// Read holding the writer's lock, so that the register read is the record
		// up to the freeze event, which the check derives the electorate from.
		units, err := a.db().Units(ctx)
		if err != nil {
			return nil, err
		}
		// The members are stored as they are decided, by a goroutine of their
		// own on the writer's connection, while the register is read on another.
		chunks, stored := make(chan []string, 2), make(chan error, 1)
		go func() { stored <- ap.PutElectorateFrom(s.ID, chunks) }()
		_, f, err := a.electorateFrom(func(f func(*rulebook.History) error) error {
			return a.db().EachVoter(ctx, false, f)
		}, rulebook.NewUnits(units), s, proc, func(chunk []string) { chunks <- chunk })
		close(chunks)
		if perr := <-stored; err == nil {
			err = perr
		}
		if err != nil {
			return nil, err
		}
		e, err := selectionEvent(rulebook.EventElectorateFrozen, s.ID, p.Actor(), d, f)
		return []*rulebook.Event{e}, err
	})
}

// BallotResult is a ballot cast, or refused with the clause.
type BallotResult struct {
	Selection string                 `json:"selection"`
	Member    string                 `json:"member"`
	Refused   *rulebook.VoterRefusal `json:"refused,omitempty"`
	// Event is the event marking the register (or recording the refusal).
	Event string `json:"event"`
}

// record returns the event that marks the register (or records the refusal),
// its id kept in the result.
func (out *BallotResult) record(e *rulebook.Event, err error) ([]*rulebook.Event, error) {
	if err == nil {
		out.Event = e.ID
	}
	return []*rulebook.Event{e}, err
}

// refused records that the voter was refused a ballot, citing clause: an event,
// not an error.
func (out *BallotResult) refused(selection, actor string, d rulebook.Date, clause, reason string) ([]*rulebook.Event, error) {
	r := rulebook.VoterRefusal{Member: out.Member, Clause: clause, Reason: reason}
	out.Refused = &r
	return out.record(selectionEvent(rulebook.EventVoterRefused, selection, actor, d, r))
}

// CastBallot records a member's ballot: the member is marked on the register and
// the ranking added to the ballots of that ranking, nothing linking the two. A
// member not in the frozen electorate (nor admitted on a challenge), or no longer
// eligible on the day, is refused, the refusal recorded with the clause that
// decides it. A member voting online casts their own ballot; the command line
// holds the database itself.
func (a *App) CastBallot(ctx context.Context, id, member string, ranking []string, d rulebook.Date) (*BallotResult, error) {
	p, err := a.allow(ctx, VoteInSelection, Resource{Member: member})
	if err != nil {
		return nil, err
	}
	out := &BallotResult{Selection: id, Member: member}
	_, err = a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		if err := needSection(s); err != nil {
			return nil, err
		}
		if err := inState(s, "ballots are cast", rulebook.SelectionBallot); err != nil {
			return nil, err
		}
		if d < s.Ballot || d > s.BallotCloses {
			return nil, notPermitted("the ballot of selection %s is open from %s to %s, not on %s", s.ID, s.Ballot, s.BallotCloses, d)
		}
		if err := rulebook.CheckRanking(ranking, s.OnBallot()); err != nil {
			return nil, err
		}
		if voted, err := ap.HasVoted(s.ID, member); err != nil {
			return nil, err
		} else if voted {
			return nil, rulebook.Errorf(rulebook.EConflict, "%s has voted in selection %s already", member, s.ID)
		}
		refuse := func(clause, reason string) ([]*rulebook.Event, error) {
			return out.refused(s.ID, p.Actor(), d, clause, reason)
		}
		h, err := a.db().History(ctx, member)
		if rulebook.ErrorCode(err) == rulebook.ENotFound {
			return refuse(proc.Clause, fmt.Sprintf("%s is not on the register", member))
		} else if err != nil {
			return nil, err
		}
		in, err := ap.InElectorate(s.ID, member)
		if err != nil {
			return nil, err
		}
		admitted := slices.Contains(s.Admitted, member)
		ans, err := a.mayVote(h, s, proc.Vote, in, d)
		if err != nil {
			return nil, err
		}
		switch {
		case !ans.Allowed && !admitted:
			return refuse(clauseOf(ans, proc), ans.Reason)
		case !in && !admitted:
			return refuse(proc.Clause, a.notInElectorate(ctx, s, h))
		}
		if err := ap.AddBallots(s.ID, rulebook.RankingKey(ranking), 1); err != nil {
			return nil, err
		}
		e, err := selectionEvent(rulebook.EventVoted, s.ID, p.Actor(), d, rulebook.Voted{Member: member})
		return out.record(e, err)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// mayVote answers whether a voter may vote by the rule book. Whoever is in the
// electorate must still be eligible on the day they vote (a suspension since
// the freeze); whoever is not is told the rule that kept them out.
func (a *App) mayVote(h *rulebook.History, s *rulebook.Selection, action string, in bool, d rulebook.Date) (*eligibility.Answer, error) {
	q := eligibility.Question{Action: action, Date: s.Ballot, FreezeDate: s.FreezeDate}
	if in {
		q.Date = d
	}
	return eligibility.Check(a.Rules(), h, q)
}

// notInElectorate says why an eligible member is not in a selection's electorate.
func (a *App) notInElectorate(ctx context.Context, s *rulebook.Selection, h *rulebook.History) string {
	if s.Unit != "" {
		if units, err := a.db().Units(ctx); err == nil && !rulebook.NewUnits(units).Below(s.Unit)[h.Member.Unit] {
			return fmt.Sprintf("%s is a member of %s, not of %s or a unit within it", h.Member.ID, orNoUnit(h.Member.Unit), s.Unit)
		}
	}
	return fmt.Sprintf("%s is not in the electorate frozen for selection %s (%d members)", h.Member.ID, s.ID, s.Electorate.Count)
}

// EnterPapers records ballot papers the tellers counted by hand, added up by
// ranking; rejected papers are counted apart.
func (a *App) EnterPapers(ctx context.Context, id string, d rulebook.Date, ballots []rulebook.BallotCount, rejected int64) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	if rejected < 0 {
		return nil, fieldErr("rejected", "%d: cannot be negative", rejected)
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		if err := needSection(s); err != nil {
			return nil, err
		}
		if err := inState(s, "ballot papers are entered", rulebook.SelectionBallot); err != nil {
			return nil, err
		}
		if d < s.Ballot {
			return nil, notPermitted("the ballot of selection %s opens on %s", s.ID, s.Ballot)
		}
		x, err := enterPapers(ap, s.ID, s.OnBallot(), ballots, rejected)
		if err != nil {
			return nil, err
		}
		e, err := selectionEvent(rulebook.EventPapersEntered, s.ID, p.Actor(), d, x)
		return []*rulebook.Event{e}, err
	})
}

// enterPapers checks papers counted by hand against the candidates on the
// ballot and adds them to the ballots stored under key; whole selections and
// college sections enter papers alike.
func enterPapers(ap *sqldb.Appender, key string, onBallot []string, ballots []rulebook.BallotCount, rejected int64) (rulebook.PapersEntered, error) {
	for i, b := range ballots {
		if b.Papers <= 0 {
			return rulebook.PapersEntered{}, fieldErr(fmt.Sprintf("ballots[%d].papers", i), "%d: a number of papers, at least one", b.Papers)
		}
		if err := rulebook.CheckRanking(b.Ranking, onBallot); err != nil {
			return rulebook.PapersEntered{}, fieldErr(fmt.Sprintf("ballots[%d].ranking", i), "%s", strings.TrimPrefix(err.Error(), "ranking: "))
		}
	}
	// Added up as the seal will have them, so that the event holds no order.
	sealed, err := rulebook.SealBallots(onBallot, ballots)
	if err != nil {
		return rulebook.PapersEntered{}, err
	}
	if sealed.Papers == 0 && rejected == 0 {
		return rulebook.PapersEntered{}, fieldErr("ballots", "no papers to enter")
	}
	counts, err := sealed.Counts()
	if err != nil {
		return rulebook.PapersEntered{}, err
	}
	for _, b := range counts {
		if err := ap.AddBallots(key, rulebook.RankingKey(b.Ranking), b.Papers); err != nil {
			return rulebook.PapersEntered{}, err
		}
	}
	return rulebook.PapersEntered{Papers: sealed.Papers, Rejected: rejected, Ballots: counts}, nil
}

// RefuseVoter records that a member was refused a ballot (at a meeting: not
// shown to be who they said), citing the clause.
func (a *App) RefuseVoter(ctx context.Context, id string, d rulebook.Date, r rulebook.VoterRefusal) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	r.Reason = trim(r.Reason)
	if !rulebook.ValidID(r.Member) {
		return nil, fieldErr("member", "%q is not a member id", r.Member)
	}
	if r.Reason == "" {
		return nil, fieldErr("reason", "a refusal must say why")
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		if err := inState(s, "a voter is refused", rulebook.SelectionBallot); err != nil {
			return nil, err
		}
		vd, err := a.Rules().VersionAt(d)
		if err != nil {
			return nil, withField(err, "date")
		}
		if r.Clause == "" {
			r.Clause = proc.Clause
		} else if vd.Clauses[r.Clause] == nil {
			return nil, fieldErr("clause", "clause %q is not in rule book version %s", r.Clause, vd.ID)
		}
		e, err := selectionEvent(rulebook.EventVoterRefused, s.ID, p.Actor(), d, r)
		return []*rulebook.Event{e}, err
	})
}

// ChallengeRefusal records a member's challenge to their latest refusal.
func (a *App) ChallengeRefusal(ctx context.Context, id, member string, d rulebook.Date, reason string) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		if err := inState(s, "a refusal is challenged", rulebook.SelectionBallot); err != nil {
			return nil, err
		}
		r := s.VoterRefusal(member)
		switch {
		case r == nil:
			return nil, fieldErr("member", "%s has not been refused a ballot in selection %s", member, s.ID)
		case r.Challenge != nil:
			return nil, rulebook.Errorf(rulebook.EConflict, "the refusal of %s (event %s) was challenged on %s already", member, r.Event, r.Challenged)
		case d < r.Date:
			return nil, fieldErr("date", "%s is before the refusal (%s)", d, r.Date)
		}
		e, err := selectionEvent(rulebook.EventRefusalChallenged, s.ID, p.Actor(), d, rulebook.Challenge{Member: member, Refusal: r.Event, Reason: trim(reason)})
		return []*rulebook.Event{e}, err
	})
}

// DecideChallenge records a body's decision on a challenge: upheld, the member is
// admitted to vote.
func (a *App) DecideChallenge(ctx context.Context, id, member string, d rulebook.Date, body string, upheld bool, reasons string) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, DecideForSelection, Resource{Body: body})
	if err != nil {
		return nil, err
	}
	if trim(reasons) == "" {
		return nil, fieldErr("reasons", "a decision on a challenge gives its reasons")
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		if !slices.Contains(proc.Challengers(), body) {
			return nil, notPermitted("a challenge in %s is decided by %s (rule book %s, clause %s), not %s", proc.Name, strings.Join(proc.Challengers(), " or "), v.ID, proc.Clause, body)
		}
		r := s.VoterRefusal(member)
		switch {
		case r == nil || r.Challenge == nil:
			return nil, fieldErr("member", "%s has not challenged a refusal in selection %s", member, s.ID)
		case !r.Decided.IsZero():
			return nil, rulebook.Errorf(rulebook.EConflict, "the challenge of %s was decided on %s already", member, r.Decided)
		case d < r.Challenged:
			return nil, fieldErr("date", "%s is before the challenge (%s)", d, r.Challenged)
		}
		if upheld {
			if err := inState(s, "a voter is admitted", rulebook.SelectionBallot); err != nil {
				return nil, err
			}
		}
		e, err := selectionEvent(rulebook.EventChallengeDecided, s.ID, p.Actor(), d,
			rulebook.Challenge{Member: member, Refusal: r.Event, Body: body, Upheld: upheld, Reasons: trim(reasons)})
		return []*rulebook.Event{e}, err
	})
}

// CloseSelection seals the ballots: the papers stored must be the marked register
// and the papers entered, or the ballots were changed outside rulebook and are
// not sealed.
func (a *App) CloseSelection(ctx context.Context, id string, d rulebook.Date) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		seal := a.seal
		if s.CollegeSpec != nil {
			seal = a.sealCollege
		}
		e, err := seal(ap, s, p.Actor(), d)
		return []*rulebook.Event{e}, err
	})
}

func (a *App) seal(ap *sqldb.Appender, s *rulebook.Selection, actor string, d rulebook.Date) (*rulebook.Event, error) {
	if err := inState(s, "the ballots are sealed", rulebook.SelectionBallot); err != nil {
		return nil, err
	}
	if d < s.Ballot {
		return nil, notPermitted("the ballot of selection %s opens on %s", s.ID, s.Ballot)
	}
	ballots, err := ap.Ballots(s.ID)
	if err != nil {
		return nil, err
	}
	all := make([]string, len(s.Candidates))
	for i, c := range s.Candidates {
		all[i] = c.Member
	}
	sealed, err := rulebook.SealBallots(all, ballots)
	if err != nil {
		return nil, err
	}
	sealed.Marked, sealed.Entered, sealed.Rejected = s.Marked, s.Entered, s.Rejected
	if sealed.Papers != s.Marked+s.Entered {
		return nil, rulebook.Errorf(rulebook.ETampered, "selection %s: %d papers are stored, but the marked register (%d) and the papers entered (%d) make %d: the ballots were changed outside rulebook, and are not sealed",
			s.ID, sealed.Papers, s.Marked, s.Entered, s.Marked+s.Entered)
	}
	return selectionEvent(rulebook.EventBallotsSealed, s.ID, actor, d, sealed)
}

// CountSelection counts the sealed ballots (sealing them first if the ballot is
// still open) by the procedure's method, and records the result round by round.
func (a *App) CountSelection(ctx context.Context, id string, d rulebook.Date) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		if s.CollegeSpec != nil {
			return a.countCollege(ap, s, p.Actor(), d, rulebook.Timetable{})
		}
		var evs []*rulebook.Event
		if s.State == rulebook.SelectionBallot {
			e, err := a.seal(ap, s, p.Actor(), d)
			if err != nil {
				return nil, err
			}
			// Fold the seal in now: the count runs from it.
			var sealed rulebook.Sealed
			if err := json.Unmarshal(e.Data, &sealed); err != nil {
				return nil, err
			}
			s.Sealed, s.State = &sealed, rulebook.SelectionSealed
			evs = append(evs, e)
		}
		if err := inState(s, "the ballots are counted", rulebook.SelectionSealed); err != nil {
			return nil, err
		}
		res, err := CountSealed(s)
		if err != nil {
			return nil, err
		}
		e, err := selectionEvent(rulebook.EventSelectionCounted, s.ID, p.Actor(), d, rulebook.Counted{Result: res})
		if err != nil {
			return nil, err
		}
		if len(evs) > 0 {
			// The seal was folded in ahead: fold it again in order with the rest.
			s.Sealed, s.State = nil, rulebook.SelectionBallot
		}
		return append(evs, e), nil
	})
}

// CountSealed counts a selection's sealed ballots by its method: fptp by first
// preferences, any other by the registered ranked method. Candidates withdrawn
// or left off the shortlist are counted as withdrawn. Ties drawn by lot draw from
// a seed made from the selection's id, so the count can be run again and checked.
func CountSealed(s *rulebook.Selection) (*count.Result, error) {
	if s.Sealed == nil {
		return nil, notPermitted("selection %s is not sealed", s.ID)
	}
	counts, err := s.Sealed.Counts()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(s.ID))
	seed := int64(binary.BigEndian.Uint64(sum[:8]) >> 1)
	onBallot := s.OnBallot()
	if s.Method == rules.MethodFPTP {
		first := map[string]int64{}
		for _, b := range counts {
			first[b.Ranking[0]] += b.Papers
		}
		c := &fptp.Contest{Title: s.Contest}
		for _, m := range onBallot {
			c.Candidates = append(c.Candidates, fptp.Candidate{Name: m, Votes: first[m]})
		}
		return fptp.Count(c, s.Seats, seed)
	}
	method, ok := count.LookupRanked(s.Method)
	if !ok {
		return nil, rulebook.Errorf(rulebook.EInvalid, "selection %s: no counting method %q (known: %s)", s.ID, s.Method, strings.Join(rules.SelectionMethods(), ", "))
	}
	if s.List != "" {
		return countList(s, method, seed)
	}
	e := &count.Election{Title: s.Contest, Seats: s.Seats, Candidates: s.Sealed.Candidates, Withdrawn: make([]bool, len(s.Sealed.Candidates))}
	for i, c := range s.Sealed.Candidates {
		e.Withdrawn[i] = !slices.Contains(onBallot, c)
	}
	for _, b := range s.Sealed.Ballots {
		ranks := make([][]int, len(b)-1)
		for k, c := range b[1:] {
			ranks[k] = []int{int(c)}
		}
		e.Ballots = append(e.Ballots, count.Ballot{Weight: b[0], Ranks: ranks})
	}
	return method(e, count.Options{Seats: s.Seats, Seed: seed})
}

// Endorse records a body's endorsement of the winners (or of those named among
// them): each enters the procedure's official list from the day, for the
// contest, in the same transaction; the candidates leave the list of candidates
// in open selections.
func (a *App) Endorse(ctx context.Context, id string, d rulebook.Date, en rulebook.Endorsement) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, DecideForSelection, Resource{Body: en.Body})
	if err != nil {
		return nil, err
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		if err := inState(s, "the winners are endorsed", rulebook.SelectionCounted); err != nil {
			return nil, err
		}
		if !slices.Contains(proc.EndorsedBy, en.Body) {
			return nil, notPermitted("the winners of %s are endorsed by %s (rule book %s, clause %s), not %s", proc.Name, strings.Join(proc.EndorsedBy, " or "), v.ID, proc.Clause, en.Body)
		}
		if d < s.Counted {
			return nil, fieldErr("date", "%s is before the count (%s)", d, s.Counted)
		}
		if !en.Until.IsZero() && en.Until <= d {
			return nil, fieldErr("until", "%s is not after %s", en.Until, d)
		}
		winners := s.Result.Elected
		if len(en.Candidates) == 0 {
			en.Candidates = winners
		}
		for _, c := range en.Candidates {
			if !slices.Contains(winners, c) {
				return nil, fieldErr("candidates", "%q did not win selection %s (elected: %s)", c, s.ID, orNoneList(winners))
			}
		}
		en.Clause, en.Reasons, en.Entries = proc.Clause, trim(en.Reasons), map[string]string{}
		var evs []*rulebook.Event
		if proc.OfficialList != "" {
			names, err := a.db().MemberNames(ctx, en.Candidates)
			if err != nil {
				return nil, err
			}
			for _, c := range en.Candidates {
				entry := candidateEntryID(s.ID, c)
				name := names[c]
				if name == "" {
					name = c
				}
				le, err := listEntry(p.Actor(), d, discipline.ListEntry{List: proc.OfficialList, ID: entry, Name: name, About: s.Contest, From: d, Until: en.Until, Member: c})
				if err != nil {
					return nil, err
				}
				en.Entries[c] = entry
				evs = append(evs, le)
			}
		}
		e, err := selectionEvent(rulebook.EventEndorsed, s.ID, p.Actor(), d, en)
		if err != nil {
			return nil, err
		}
		more, err := a.endCandidacies(ctx, p.Actor(), s, proc, s.OnBallot(), d)
		return append(append([]*rulebook.Event{e}, evs...), more...), err
	})
}

// RefuseEndorsement records a body's refusal to endorse the winners, with reasons.
func (a *App) RefuseEndorsement(ctx context.Context, id string, d rulebook.Date, en rulebook.Endorsement) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, DecideForSelection, Resource{Body: en.Body})
	if err != nil {
		return nil, err
	}
	if trim(en.Reasons) == "" {
		return nil, fieldErr("reasons", "a refusal to endorse gives its reasons")
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		if err := inState(s, "an endorsement is refused", rulebook.SelectionCounted); err != nil {
			return nil, err
		}
		if !slices.Contains(proc.EndorsedBy, en.Body) {
			return nil, notPermitted("the winners of %s are endorsed by %s (rule book %s, clause %s), not %s", proc.Name, strings.Join(proc.EndorsedBy, " or "), v.ID, proc.Clause, en.Body)
		}
		en.Candidates, en.Clause, en.Reasons, en.Entries, en.Until = s.Result.Elected, proc.Clause, trim(en.Reasons), nil, rulebook.NoDate
		e, err := selectionEvent(rulebook.EventEndorsementRefused, s.ID, p.Actor(), d, en)
		if err != nil {
			return nil, err
		}
		more, err := a.endCandidacies(ctx, p.Actor(), s, proc, s.OnBallot(), d)
		return append([]*rulebook.Event{e}, more...), err
	})
}

// EndEndorsement ends an endorsed candidate's standing from a day: deselected by a
// body the procedure names to deselect, or the endorsement withdrawn by a body
// that endorses. Their entry on the official list ends that day.
func (a *App) EndEndorsement(ctx context.Context, id, candidate string, d rulebook.Date, body, reasons string, deselect bool) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, DecideForSelection, Resource{Body: body})
	if err != nil {
		return nil, err
	}
	if trim(reasons) == "" {
		return nil, fieldErr("reasons", "the decision gives its reasons")
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		typ, who, what := rulebook.EventEndorsementWithdrawn, proc.EndorsedBy, "withdraws an endorsement"
		if deselect {
			typ, who, what = rulebook.EventCandidateDeselected, proc.DeselectedBy, "deselects a candidate"
		}
		if !slices.Contains(who, body) {
			return nil, notPermitted("in %s, %s %s (rule book %s, clause %s), not %s", proc.Name, orNoneList(who), what, v.ID, proc.Clause, body)
		}
		x := s.Endorsed(candidate)
		if x == nil {
			return nil, fieldErr("candidate", "%q has no endorsement in force in selection %s", candidate, s.ID)
		}
		if d <= x.Date {
			return nil, fieldErr("date", "%s is not after the endorsement (%s): correct an endorsement made in error instead", d, x.Date)
		}
		en := rulebook.Endorsement{Candidates: []string{candidate}, Body: body, Clause: proc.Clause, Reasons: trim(reasons), Entries: map[string]string{}}
		var evs []*rulebook.Event
		if entry := x.Entries[candidate]; entry != "" && proc.OfficialList != "" {
			m, err := a.db().ListEntries(ctx, proc.OfficialList)
			if err != nil {
				return nil, err
			}
			var l discipline.ListEntry
			if err := json.Unmarshal(m[entry], &l); err != nil {
				return nil, fmt.Errorf("entry %s on %s: %w", entry, proc.OfficialList, err)
			}
			if l.Until.IsZero() || l.Until > d {
				l.Until = d
			}
			le, err := listEntry(p.Actor(), d, l)
			if err != nil {
				return nil, err
			}
			en.Entries[candidate] = entry
			evs = append(evs, le)
		}
		e, err := selectionEvent(typ, s.ID, p.Actor(), d, en)
		return append([]*rulebook.Event{e}, evs...), err
	})
}

// SelectionView is a selection as its readers see it: with the procedure, the
// candidates' names, and each candidate's standing re-checked on a day.
type SelectionView struct {
	*rulebook.Selection
	Name string `json:"procedure_name"`
	// UnitName is the name of the unit whose members select, if one does.
	UnitName string            `json:"unit_name,omitempty"`
	Clause   string            `json:"clause"`
	Names    map[string]string `json:"names"`
	Standing []Standing        `json:"standing"`
	// On is the day the standing was checked.
	On rulebook.Date `json:"on"`
}

// Standing is whether a candidate on the ballot may still stand on a day: one who
// became ineligible mid-contest (suspended, lapsed) is flagged with the clause.
type Standing struct {
	Member  string `json:"member"`
	Allowed bool   `json:"allowed"`
	Clause  string `json:"clause,omitempty"`
	Reason  string `json:"reason"`
}

// Selection returns a selection, its candidates' standing checked on the day on.
func (a *App) Selection(ctx context.Context, id string, on rulebook.Date) (*SelectionView, error) {
	p, s, err := a.viewSelection(ctx, id)
	if err != nil {
		return nil, err
	}
	_, proc, err := a.procedureOf(s)
	if err != nil {
		return nil, err
	}
	if on.IsZero() {
		on = a.Today()
	}
	ids := []string{}
	for _, c := range s.Candidates {
		ids = append(ids, c.Member)
		ids = append(ids, c.Nominators...)
	}
	for _, r := range s.Refused {
		ids = append(ids, r.Candidate)
	}
	names, err := a.db().MemberNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	view := &SelectionView{Selection: s, Name: proc.Name, Clause: proc.Clause, Names: names, Standing: []Standing{}, On: on}
	if s.Unit != "" {
		chain, err := a.db().UnitChain(ctx, s.Unit)
		if err != nil {
			return nil, err
		}
		if len(chain) > 0 {
			view.UnitName = chain[0].Name
		}
	}
	for _, m := range s.OnBallot() {
		ok, clause, reason, err := a.may(ctx, m, eligibility.Question{Action: proc.Stand, Date: on, FreezeDate: s.FreezeDate}, proc)
		if err != nil {
			return nil, err
		}
		st := Standing{Member: m, Allowed: ok, Reason: reason}
		if !ok {
			st.Clause = clause
		}
		view.Standing = append(view.Standing, st)
	}
	return view, a.logAccess(ctx, p, "view_selection", rulebook.SelectionSubjectPrefix+id, "")
}

// Selections lists the selections, the latest opened first.
func (a *App) Selections(ctx context.Context) ([]sqldb.SelectionRow, error) {
	if _, err := a.allow(ctx, ViewSelections, Resource{}); err != nil {
		return nil, err
	}
	rows, err := a.db().Selections(ctx)
	return orEmpty(rows), err
}

// SelectionElectorate returns the members of a selection's frozen electorate, by
// id, with their names.
func (a *App) SelectionElectorate(ctx context.Context, id string) ([]eligibility.Entry, error) {
	p, err := a.allow(ctx, ViewSelections, Resource{})
	if err != nil {
		return nil, err
	}
	if _, err := a.db().SelectionData(ctx, id); err != nil {
		return nil, err
	}
	ids, err := a.db().Electorate(ctx, id)
	if err != nil {
		return nil, err
	}
	names, err := a.db().MemberNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]eligibility.Entry, len(ids))
	for i, m := range ids {
		out[i] = eligibility.Entry{Member: m, Name: names[m]}
	}
	return out, a.logAccess(ctx, p, "selection_electorate", rulebook.SelectionSubjectPrefix+id, "")
}

// ElectorateCheck compares a frozen electorate with the record: the stored table
// against the digest the record holds, and the electorate re-derived from the
// register as the record stood when it was frozen.
type ElectorateCheck struct {
	Selection string                     `json:"selection"`
	Frozen    *rulebook.FrozenElectorate `json:"frozen"`
	Stored    ElectorateSum              `json:"stored"`
	Derived   ElectorateSum              `json:"derived"`
	OK        bool                       `json:"ok"`
	// Differences name members stored and not derived, or derived and not
	// stored (at most sqldb.MaxDiffs).
	Differences []string `json:"differences,omitempty"`
}

// ElectorateSum is an electorate's size and digest.
type ElectorateSum struct {
	Count  int           `json:"count"`
	Digest rulebook.Hash `json:"sha256"`
}

// CheckElectorate re-derives a selection's frozen electorate from the record and
// says whether it, and the stored electorate, match what was frozen.
func (a *App) CheckElectorate(ctx context.Context, id string) (*ElectorateCheck, error) {
	if _, err := a.allow(ctx, ViewSelections, Resource{}); err != nil {
		return nil, err
	}
	data, err := a.db().SelectionData(ctx, id)
	if err != nil {
		return nil, err
	}
	s := &rulebook.Selection{}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, err
	}
	if s.CollegeSpec != nil {
		return nil, notPermitted("selection %s is decided by an electoral college: verify --projection checks each section's electorate against the record", id)
	}
	if s.Electorate == nil {
		return nil, notPermitted("the electorate of selection %s is not frozen", id)
	}
	_, proc, err := a.procedureOf(s)
	if err != nil {
		return nil, err
	}
	stored, err := a.db().Electorate(ctx, id)
	if err != nil {
		return nil, err
	}
	evs, err := a.db().EventsThrough(ctx, s.FrozenSeq)
	if err != nil {
		return nil, err
	}
	derived, err := a.deriveElectorate(evs, s, proc)
	if err != nil {
		return nil, err
	}
	c := &ElectorateCheck{Selection: id, Frozen: s.Electorate,
		Stored:  ElectorateSum{len(stored), rulebook.ElectorateDigest(stored)},
		Derived: ElectorateSum{len(derived), rulebook.ElectorateDigest(derived)}}
	want := ElectorateSum{s.Electorate.Count, s.Electorate.Digest}
	c.OK = c.Stored == want && c.Derived == want
	c.Differences = diffIDs(stored, derived)
	return c, nil
}

// deriveElectorate works out a selection's electorate from the events of the
// record up to its freeze.
func (a *App) deriveElectorate(evs []rulebook.Event, s *rulebook.Selection, proc *rules.Selection) ([]string, error) {
	reg, err := rulebook.Project(evs, "", time.Time{})
	if err != nil {
		return nil, err
	}
	hs := make([]*rulebook.History, 0, len(reg.Members))
	for _, id := range reg.SortedMemberIDs() {
		hs = append(hs, reg.Members[id])
	}
	ids, _, err := a.electorateOf(hs, reg.Units, s, proc)
	return ids, err
}

// diffIDs names the ids only one of two sorted lists holds.
func diffIDs(stored, derived []string) []string {
	var out []string
	i, j := 0, 0
	for (i < len(stored) || j < len(derived)) && len(out) < sqldb.MaxDiffs {
		switch {
		case j >= len(derived) || i < len(stored) && stored[i] < derived[j]:
			out = append(out, fmt.Sprintf("%s is stored in the electorate, but the record does not put them in it", stored[i]))
			i++
		case i >= len(stored) || derived[j] < stored[i]:
			out = append(out, fmt.Sprintf("%s is in the electorate the record makes, but not stored", derived[j]))
			j++
		default:
			i++
			j++
		}
	}
	return out
}

// OfficialCandidates lists the entries of the lists the selection procedures put
// endorsed candidates on (those on them on a day, when given).
func (a *App) OfficialCandidates(ctx context.Context, on rulebook.Date) ([]discipline.ListEntry, error) {
	out := []discipline.ListEntry{}
	for _, l := range a.Rules().OfficialLists() {
		es, err := a.ListEntries(ctx, l, on)
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}

// rebuildSelections replaces, inside ap's transaction, the selection projection
// with what the events make it: each selection folded from its events, its marked
// register, its sealed ballots, and its electorate re-derived from the register as
// the record stood when it was frozen (which must give the digest recorded).
func (a *App) rebuildSelections(ap *sqldb.Appender) (int, error) {
	evs, err := ap.EventsWithSubjectPrefix(rulebook.SelectionSubjectPrefix)
	if err != nil {
		return 0, err
	}
	if err := ap.ClearSelections(); err != nil {
		return 0, err
	}
	bySubject := map[string][]rulebook.Event{}
	var order []string
	for _, e := range evs {
		if _, ok := bySubject[e.Subject]; !ok {
			order = append(order, e.Subject)
		}
		bySubject[e.Subject] = append(bySubject[e.Subject], e)
	}
	for _, sub := range order {
		s := &rulebook.Selection{}
		for i := range bySubject[sub] {
			if err := projectSelectionEvent(ap, s, &bySubject[sub][i]); err != nil {
				return 0, err
			}
		}
		if err := putSelection(ap, s); err != nil {
			return 0, err
		}
		if s.Sealed != nil {
			counts, err := s.Sealed.Counts()
			if err != nil {
				return 0, fmt.Errorf("selection %s: %w", s.ID, err)
			}
			if err := ap.ReplaceBallots(s.ID, counts); err != nil {
				return 0, err
			}
		}
		if s.Electorate != nil {
			_, proc, err := a.procedureOf(s)
			if err != nil {
				return 0, err
			}
			through, err := ap.EventsThrough(s.FrozenSeq)
			if err != nil {
				return 0, err
			}
			ids, err := a.deriveElectorate(through, s, proc)
			if err != nil {
				return 0, err
			}
			if d := rulebook.ElectorateDigest(ids); len(ids) != s.Electorate.Count || d != s.Electorate.Digest {
				return 0, rulebook.Errorf(rulebook.ETampered, "selection %s: the register as recorded when the electorate was frozen makes %d members (digest %s), the record says %d (digest %s)",
					s.ID, len(ids), d, s.Electorate.Count, s.Electorate.Digest)
			}
			if err := ap.PutElectorate(s.ID, ids); err != nil {
				return 0, err
			}
		}
		if err := a.rebuildCollege(ap, s); err != nil {
			return 0, err
		}
	}
	return len(order), nil
}

// RebuildSelections rebuilds the selection projection from the events.
func (a *App) RebuildSelections(ctx context.Context) (int, error) {
	if p := PrincipalFrom(ctx); p.Operator == "" {
		return 0, forbidden("the projections are rebuilt from the command line")
	}
	ap, err := a.db().Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer ap.Rollback()
	n, err := a.rebuildSelections(ap)
	if err != nil {
		return 0, err
	}
	return n, ap.Commit()
}

// checkSelections compares the stored selection tables with a rebuild, and the
// ballots of a selection not yet sealed with its marked register and the papers
// entered (until sealed, no event holds them).
func (a *App) checkSelections(ctx context.Context) ([]string, error) {
	diffs, err := a.db().CheckSelectionProjection(ctx, func(ap *sqldb.Appender) error {
		_, err := a.rebuildSelections(ap)
		return err
	})
	if err != nil {
		return nil, err
	}
	open, err := a.selectionsAt(ctx, rulebook.SelectionBallot)
	if err != nil {
		return nil, err
	}
	for _, s := range open {
		if s.CollegeSpec != nil && s.College != nil {
			more, err := a.checkCollegeBallots(ctx, s)
			if err != nil {
				return nil, err
			}
			diffs = append(diffs, more...)
			continue
		}
		bs, err := a.db().Ballots(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		var papers int64
		for _, b := range bs {
			papers += b.Papers
		}
		if papers != s.Marked+s.Entered {
			diffs = append(diffs, fmt.Sprintf("selection_ballots: selection %s: %d papers stored, the marked register (%d) and the papers entered (%d) make %d",
				s.ID, papers, s.Marked, s.Entered, s.Marked+s.Entered))
		}
	}
	return diffs, nil
}
