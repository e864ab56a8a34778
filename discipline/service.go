package discipline

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Service runs cases: every command is checked by Decide and stored, with its
// effects on the member, in one transaction.
type Service struct {
	Reg *register.Service
	// Notify, if set, is called after a step that sends a notice has been stored;
	// it returns the message id of each letter sent, which is then recorded.
	Notify func(ctx context.Context, c *Case, template string) (to []string, messageID string, err error)
}

// New returns a Service over the register service.
func New(reg *register.Service) *Service { return &Service{Reg: reg} }

func (s *Service) db() *sqldb.DB       { return s.Reg.DB }
func (s *Service) rb() *rules.RuleBook { return s.Reg.Rules }
func subject(id string) string         { return SubjectPrefix + id }

// Case returns a case from the projection.
func (s *Service) Case(ctx context.Context, id string) (*Case, error) {
	b, seq, err := s.db().CaseDataSeq(ctx, id)
	if err != nil {
		return nil, err
	}
	c := Case{lastSeq: seq}
	return &c, json.Unmarshal(b, &c)
}

// Cases returns the stored cases named (those that exist), by id, read at once.
func (s *Service) Cases(ctx context.Context, ids []string) (map[string]*Case, error) {
	data, seqs, err := s.db().CasesData(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Case, len(data))
	for id, b := range data {
		c := &Case{lastSeq: seqs[id]}
		if err := json.Unmarshal(b, c); err != nil {
			return nil, err
		}
		out[id] = c
	}
	return out, nil
}

// Replay builds a case from its events alone (the record, not the projection).
func (s *Service) Replay(ctx context.Context, id string) (*Case, error) {
	evs, err := s.db().Events(ctx, sqldb.EventFilter{Subject: subject(id)})
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, rulebook.Errorf(rulebook.ENotFound, "no case %q", id)
	}
	var c Case
	skip := Retracted(evs)
	for i := range evs {
		if skip[evs[i].ID] {
			continue
		}
		if err := c.Apply(&evs[i]); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// OpenInput opens a case.
type OpenInput struct {
	ID         string        `json:"id,omitempty"`
	Kind       string        `json:"kind"`
	Respondent string        `json:"respondent"`
	Date       rulebook.Date `json:"date"`
	Conduct    rulebook.Date `json:"conduct,omitempty"`
	Summary    string        `json:"summary"`
	Complaints []string      `json:"complaints,omitempty"`
	Linked     []string      `json:"linked,omitempty"`
	// Unit is the body that will handle the case; the rule book's handled_by when empty.
	Unit string `json:"unit,omitempty"`
}

// Opening is what opening a case produced, with anything staff must know at once.
type Opening struct {
	Case *Case `json:"case"`
	// Warnings draw attention to the respondent's record (e.g. resigned while a
	// case was open, and now applies to rejoin).
	Warnings []string `json:"warnings,omitempty"`
}

// Open opens a case. A complaint case is built on received complaints (the
// complainants and the conduct date come from them); an exclusion case on a
// conduct date; a readmission case on an application by someone outside
// membership.
func (s *Service) Open(ctx context.Context, actor string, in OpenInput) (*Opening, error) {
	if in.Date.IsZero() {
		return nil, rulebook.FieldError("date", "the date the case is opened is required")
	}
	if in.ID == "" {
		// Three random bytes a year collide often once a year has thousands of
		// cases: draw again rather than refuse the opening.
		for range 100 {
			in.ID = newCaseID(in.Date)
			if _, err := s.db().CaseData(ctx, in.ID); rulebook.ErrorCode(err) == rulebook.ENotFound {
				break
			}
		}
	} else if !rulebook.ValidID(in.ID) {
		return nil, rulebook.FieldError("id", "%q is not a valid case id", in.ID)
	}
	if _, err := s.db().CaseData(ctx, in.ID); err == nil {
		return nil, rulebook.Errorf(rulebook.EConflict, "case %s already exists", in.ID)
	}
	if in.Respondent == "" && len(in.Complaints) > 0 {
		// A complaint names the member it is about: the case is about them.
		cr, err := s.complaint(ctx, in.Complaints[0])
		if err != nil {
			return nil, err
		}
		in.Respondent = cr.Respondent
	}
	if in.Respondent == "" {
		return nil, rulebook.FieldError("respondent", "is required: the member the case is about")
	}
	h, err := s.db().History(ctx, in.Respondent)
	if err != nil {
		return nil, rulebook.FieldError("respondent", "no member %q on the register", in.Respondent)
	}
	o := Opened{ID: in.ID, Kind: in.Kind, Respondent: in.Respondent, Conduct: in.Conduct, Summary: strings.TrimSpace(in.Summary), Linked: in.Linked}
	var warnings []string
	if kinds := s.kinds(); !has(kinds, in.Kind) {
		return nil, rulebook.FieldError("kind", "the rule book has no procedure for %q cases (its kinds: %s)", in.Kind, strings.Join(kinds, ", "))
	}
	switch in.Kind {
	case "complaint":
		if len(in.Complaints) == 0 {
			return nil, rulebook.FieldError("complaints", "a complaint case is opened on at least one received complaint")
		}
		for _, cid := range in.Complaints {
			cr, err := s.complaint(ctx, cid)
			if err != nil {
				return nil, err
			}
			if cr.Respondent != in.Respondent {
				return nil, rulebook.FieldError("complaints", "complaint %s is about %s, not the respondent given, %s", cid, cr.Respondent, in.Respondent)
			}
			if other, err := s.caseOfComplaint(ctx, cid); err != nil {
				return nil, err
			} else if other != "" {
				return nil, rulebook.Errorf(rulebook.EConflict, "complaint %s is already part of case %s: link duplicates to it instead", cid, other)
			}
			o.Complaints = append(o.Complaints, cid)
			for _, p := range cr.Complainants() {
				if !has(o.Complainants, p) {
					o.Complainants = append(o.Complainants, p)
				}
			}
			if o.Conduct.IsZero() || cr.Conduct < o.Conduct {
				o.Conduct = cr.Conduct
			}
			if o.Summary == "" {
				o.Summary = cr.Summary
			}
		}
	case "readmission":
		o.Conduct = in.Date
		prior, err := s.db().CaseRows(ctx, sqldb.CaseFilter{Respondent: in.Respondent})
		if err != nil {
			return nil, err
		}
		for _, p := range prior {
			var pc Case
			if err := json.Unmarshal(p.Data, &pc); err != nil {
				return nil, err
			}
			if pc.RespondentLeft {
				warnings = append(warnings, fmt.Sprintf("%s resigned while case %s was open: that case should be considered with this application", in.Respondent, p.ID))
			}
		}
	default:
		// Any other kind the procedure declares (an exclusion, a standard
		// punishment…) is opened on the conduct it concerns.
		if o.Conduct.IsZero() {
			return nil, rulebook.FieldError("conduct", "the date of the conduct the case concerns is required")
		}
	}
	if o.Summary == "" {
		return nil, rulebook.FieldError("summary", "say what the case is about")
	}
	if o.Conduct > in.Date {
		return nil, rulebook.FieldError("conduct", "the conduct (%s) cannot be after the case is opened (%s)", o.Conduct, in.Date)
	}
	for _, l := range in.Linked {
		if _, err := s.db().CaseData(ctx, l); err != nil {
			return nil, rulebook.FieldError("linked", "no case %q to link to", l)
		}
	}
	c := &Case{ID: o.ID, Conduct: o.Conduct}
	proc, _, err := Versions(s.rb(), c, in.Date)
	if err != nil {
		return nil, err
	}
	o.Unit = in.Unit
	if o.Unit == "" {
		o.Unit = proc.Discipline.HandledBy
	} else if proc.Bodies[o.Unit] == nil {
		return nil, rulebook.FieldError("unit", "rule book %s has no body %q to handle the case", proc.ID, o.Unit)
	}
	o.State = proc.Discipline.Initial[in.Kind]
	if o.State == "" {
		return nil, rulebook.FieldError("kind", "rule book %s has no procedure for %q cases (its kinds: %s)", proc.ID, in.Kind, strings.Join(sortedKinds(proc.Discipline.Initial), ", "))
	}
	if in.Kind == "readmission" {
		r := proc.Readmission
		if r == nil {
			return nil, rulebook.Errorf(rulebook.ENotPermitted, "rule book %s has no readmission rule", proc.ID)
		}
		if p := h.StatusAt(in.Date); p == nil || !has(r.From, p.Status) {
			return nil, rulebook.Errorf(rulebook.ENotPermitted, "readmission is for people who are %s; on %s %s is %s", strings.Join(r.From, " or "), in.Date, in.Respondent, statusOf(p))
		}
	}
	e, err := register.Event(EventCaseOpened, subject(o.ID), actor, in.Date, o)
	if err != nil {
		return nil, err
	}
	c, err = s.store(ctx, nil, []*rulebook.Event{e}, nil)
	if err != nil {
		return nil, err
	}
	warnings = append(warnings, s.listWarnings(ctx, in.Respondent, in.Date, "a case is opened about them")...)
	return &Opening{Case: c, Warnings: warnings}, nil
}

// listWarnings flags that member is on a list the rule book marks as warning (a
// candidate in an open selection) on d.
func (s *Service) listWarnings(ctx context.Context, member string, d rulebook.Date, what string) []string {
	v, err := s.rb().VersionAt(d)
	if err != nil {
		return nil
	}
	env := s.env(ctx)
	var out []string
	for _, id := range v.ListOrder {
		if l := v.Lists[id]; l.Warns {
			if e := env.onList(id, member, d); e != nil {
				about := ""
				if e.About != "" {
					about = " (" + e.About + ")"
				}
				out = append(out, fmt.Sprintf("%s is on the list of %s on %s: %s%s; %s", member, strings.ToLower(l.Name), d, e.Name, about, what))
			}
		}
	}
	return out
}

// kinds lists the kinds of case any version's procedure declares.
func (s *Service) kinds() []string {
	seen := map[string]string{}
	for _, v := range s.rb().Versions {
		if v.Discipline != nil {
			for k := range v.Discipline.Initial {
				seen[k] = k
			}
		}
	}
	return sortedKinds(seen)
}

func sortedKinds(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// newCaseID draws a case id for a case opened on d; a variable so tests can
// force collisions.
var newCaseID = func(d rulebook.Date) string {
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("K%d-%X", d.Time().Year(), b)
}

func (s *Service) complaint(ctx context.Context, id string) (*rulebook.ComplaintReceived, error) {
	evs, err := s.db().Events(ctx, sqldb.EventFilter{Subject: rulebook.ComplaintSubjectPrefix + id, Type: rulebook.EventComplaintReceived})
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, rulebook.FieldError("complaints", "no complaint %q has been received", id)
	}
	var c rulebook.ComplaintReceived
	return &c, json.Unmarshal(evs[0].Data, &c)
}

func (s *Service) caseOfComplaint(ctx context.Context, complaint string) (string, error) {
	return s.db().CaseOfComplaint(ctx, complaint)
}

// Link adds a further complaint about the same conduct to a case: many letters
// about one member are one matter with several complainants, and none is lost.
func (s *Service) Link(ctx context.Context, actor, caseID, complaintID string, date rulebook.Date) (*Case, error) {
	c, err := s.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	cr, err := s.complaint(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	if cr.Respondent != c.Respondent {
		return nil, rulebook.FieldError("complaint", "complaint %s is about %s, not the respondent %s", complaintID, cr.Respondent, c.Respondent)
	}
	if other, err := s.caseOfComplaint(ctx, complaintID); err != nil {
		return nil, err
	} else if other != "" {
		return nil, rulebook.Errorf(rulebook.EConflict, "complaint %s is already part of case %s", complaintID, other)
	}
	e, err := register.Event(EventComplaintLinked, subject(caseID), actor, date, Opened{Complaints: []string{complaintID}, Complainants: cr.Complainants(), Conduct: cr.Conduct})
	if err != nil {
		return nil, err
	}
	return s.store(ctx, c, []*rulebook.Event{e}, nil)
}

// Outcome is the result of a command: the case after it, the events written, and
// for a refused demand, the refusal.
type Outcome struct {
	Case *Case `json:"case"`
	// Warnings flag what the step affects beyond the case: a member who is a
	// candidate or applicant in an open selection.
	Warnings []string          `json:"warnings,omitempty"`
	Events   []string          `json:"events"`
	Refused  *RefusedData      `json:"refused,omitempty"`
	Notice   string            `json:"notice,omitempty"`
	Effects  []*rulebook.Event `json:"-"`
}

func (s *Service) env(ctx context.Context) Env {
	entries := map[string][]ListEntry{}
	return Env{Rules: s.rb(),
		Member: func(id string) *rulebook.History {
			h, err := s.db().History(ctx, id)
			if err != nil {
				return nil
			}
			return h
		},
		List: func(list, id string) *ListEntry {
			m, err := s.db().ListEntries(ctx, list)
			if err != nil || m[id] == nil {
				return nil
			}
			var e ListEntry
			if json.Unmarshal(m[id], &e) != nil {
				return nil
			}
			return &e
		},
		Entries: func(list string) []ListEntry {
			// One step checks several panel members against the same lists: each
			// list is read once per step.
			if es, ok := entries[list]; ok {
				return es
			}
			m, err := s.db().ListEntries(ctx, list)
			if err != nil {
				return nil
			}
			out := make([]ListEntry, 0, len(m))
			for _, b := range m {
				var e ListEntry
				if json.Unmarshal(b, &e) == nil {
					out = append(out, e)
				}
			}
			entries[list] = out
			return out
		},
		Units: func() rulebook.Units {
			us, err := s.db().Units(ctx)
			if err != nil {
				return nil
			}
			return rulebook.NewUnits(us)
		}}
}

// Take takes a step on a case. A step the rule book declares not permitted is
// recorded with the clause that forbids it and returned as refused.
func (s *Service) Take(ctx context.Context, actor, caseID string, cmd Command) (*Outcome, error) {
	if actor == "" {
		return nil, rulebook.FieldError("actor", "who is taking the step must be recorded")
	}
	c, err := s.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	d, err := Decide(s.env(ctx), c, cmd)
	if err != nil {
		return nil, err
	}
	if d.Refused != nil {
		e, err := register.Event(EventRefused, subject(caseID), actor, cmd.Date, d.Refused)
		if err != nil {
			return nil, err
		}
		c, err = s.store(ctx, c, []*rulebook.Event{e}, nil)
		if err != nil {
			return nil, err
		}
		return &Outcome{Case: c, Events: []string{e.ID}, Refused: d.Refused}, nil
	}
	var member []*rulebook.Event
	h, err := s.db().History(ctx, c.Respondent)
	if err != nil {
		return nil, err
	}
	for _, eff := range d.Effects {
		var e *rulebook.Event
		switch {
		case eff.Status != nil:
			e, err = s.Reg.StatusEvent(h, actor, eff.From, *eff.Status, eff.CreditFrom)
		case eff.Restrict != nil:
			e, err = s.Reg.RestrictEvent(actor, c.Respondent, eff.From, *eff.Restrict)
		case eff.Waiver != nil:
			e, err = s.Reg.WaiverEvent(h, actor, eff.From, *eff.Waiver)
		case eff.Withdraw != "":
			e, err = s.Reg.CorrectionEvent(ctx, actor, eff.Withdraw, fmt.Sprintf("suspension lifted before it began, by step %s of case %s", d.Step.Transition, c.ID))
		}
		if err != nil {
			return nil, fmt.Errorf("%s: effect on the member: %w", d.Step.Transition, err)
		}
		// Ids are fixed now so that the step can name the events it causes.
		e.ID = rulebook.NewEventID()
		d.Step.MemberEvents = append(d.Step.MemberEvents, e.ID)
		if eff.Sanction > 0 {
			d.Step.Sanctions[eff.Sanction-1].MemberEvent = e.ID
		}
		member = append(member, e)
	}
	step, err := register.Event(EventStep, subject(caseID), actor, cmd.Date, d.Step)
	if err != nil {
		return nil, err
	}
	evs := []*rulebook.Event{step}
	c, err = s.store(ctx, c, evs, member)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Case: c, Notice: d.Notice, Effects: member}
	if len(member) > 0 {
		out.Warnings = s.listWarnings(ctx, c.Respondent, cmd.Date, "this step affects them")
	}
	for _, e := range append(evs, member...) {
		out.Events = append(out.Events, e.ID)
	}
	if d.Notice != "" && s.Notify != nil {
		to, msg, err := s.Notify(ctx, c, d.Notice)
		if err != nil {
			return out, fmt.Errorf("the step is recorded, but the notice %q could not be sent: %w", d.Notice, err)
		}
		if len(to) == 0 {
			return out, nil // no one to e-mail: the letter goes by post, outside rulebook
		}
		e, err := register.Event(EventNoticeSent, subject(caseID), actor, cmd.Date, NoticeData{Template: d.Notice, To: to, MessageID: msg})
		if err != nil {
			return out, err
		}
		if out.Case, err = s.store(ctx, c, []*rulebook.Event{e}, nil); err != nil {
			return out, err
		}
		out.Events = append(out.Events, e.ID)
	}
	return out, nil
}

// store appends case events and member events in one transaction and updates the
// case projection. c is the case before (nil when opening).
func (s *Service) store(ctx context.Context, c *Case, caseEvents, memberEvents []*rulebook.Event) (*Case, error) {
	a, err := s.db().Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer a.Rollback()
	if c == nil {
		// Checked again under the appender's lock: two openings with one id must
		// not both be stored (the second would overwrite the first's projection
		// and mix their events).
		var n int
		if err := a.Tx().QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE id = $1`, caseEvents[0].Subject[len(SubjectPrefix):]).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, rulebook.Errorf(rulebook.EConflict, "case %s already exists", caseEvents[0].Subject[len(SubjectPrefix):])
		}
	}
	var next Case
	if c != nil {
		// Decisions were checked against c; refuse them if the case has moved on
		// since it was read (another step taken at the same time).
		if seq, err := a.CaseUpdated(c.ID); err != nil {
			return nil, err
		} else if seq != c.lastSeq {
			return nil, rulebook.Errorf(rulebook.EConflict, "case %s changed while this step was being decided: look at it again and retry", c.ID)
		}
		b, _ := json.Marshal(c)
		json.Unmarshal(b, &next)
	}
	prevState, prevSince := next.State, next.StateSince
	for _, e := range caseEvents {
		if err := a.Add(e); err != nil {
			return nil, err
		}
	}
	for _, e := range memberEvents {
		if err := a.Add(e); err != nil {
			return nil, err
		}
	}
	correcting := false
	for _, e := range caseEvents {
		correcting = correcting || e.Type == EventCaseCorrected
	}
	if correcting {
		// A withdrawn event changes the past: replay the case from its events.
		evs, err := a.CaseEvents(subject(c.ID))
		if err != nil {
			return nil, err
		}
		rebuilt, steps, err := s.replay(evs)
		if err != nil {
			return nil, err
		}
		if err := a.DeleteCaseSteps(c.ID); err != nil {
			return nil, err
		}
		for _, r := range steps {
			a.AddCaseStep(r)
		}
		next = *rebuilt
	} else {
		for _, e := range caseEvents {
			if err := next.Apply(e); err != nil {
				return nil, err
			}
			if e.Type == EventStep {
				if err := s.recordStep(a, &next, e, prevState, prevSince); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := s.put(a, &next, next.lastSeq); err != nil {
		return nil, err
	}
	return &next, a.Commit()
}

func (s *Service) recordStep(a *sqldb.Appender, c *Case, e *rulebook.Event, prevState string, prevSince rulebook.Date) error {
	row, err := s.stepRow(c, e, nil, prevState, prevSince)
	if err != nil {
		return err
	}
	a.AddCaseStep(row)
	return nil
}

// put stores the case projection with its deadlines and clauses.
func (s *Service) put(a *sqldb.Appender, c *Case, seq int64) error {
	var complaintClauses []string
	for _, id := range c.Complaints {
		if cr, err := s.complaintTx(a, id); err == nil {
			complaintClauses = append(complaintClauses, cr.Clauses...)
		}
	}
	r, err := s.caseRow(c, seq, complaintClauses)
	if err != nil {
		return err
	}
	return a.PutCase(r.Row, r.Deadlines, r.Clauses, r.Complaints)
}

// caseRow computes what put stores for c; complaintClauses are the clauses
// of its complaints (which put reads back from the record).
func (s *Service) caseRow(c *Case, seq int64, complaintClauses []string) (sqldb.NewCase, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return sqldb.NewCase{}, err
	}
	var deadlines []sqldb.DeadlineRow
	if proc, _, err := Versions(s.rb(), c, c.LastDate()); err == nil {
		deadlines = c.Deadlines(proc.Discipline)
	}
	var clauses []string
	for _, ch := range c.Charges {
		clauses = append(clauses, ch.Clause)
	}
	clauses = append(clauses, complaintClauses...)
	if c.Trigger != nil {
		if v, err := s.rb().VersionAt(c.Trigger.Conduct); err == nil && v.Triggers[c.Trigger.Trigger] != nil {
			clauses = append(clauses, v.Triggers[c.Trigger.Trigger].Clause)
		}
	}
	sort.Strings(clauses)
	clauses = slices.Compact(clauses)
	opened := c.State
	if len(c.Steps) > 0 {
		opened = c.Steps[0].From
	}
	factors := c.Factors()
	return sqldb.NewCase{Row: sqldb.CaseRow{ID: c.ID, Kind: c.Kind, Respondent: c.Respondent, State: c.State, Closed: c.Closed, Outcome: c.Outcome,
		Opened: c.Opened, Conduct: c.Conduct, Updated: seq, Data: b, Unit: c.Unit, StateSince: c.StateSince, OpenedIn: opened,
		People: c.People(), Sanction: strings.Join(c.SanctionsImposed(), "+"), Factors: factors}, Deadlines: deadlines, Clauses: clauses, Complaints: c.Complaints}, nil
}

func (s *Service) complaintTx(a *sqldb.Appender, id string) (*rulebook.ComplaintReceived, error) {
	st, err := a.Prepared(`SELECT data FROM events WHERE subject = $1 AND type = $2 ORDER BY seq LIMIT 1`)
	if err != nil {
		return nil, err
	}
	var data string
	if err := st.QueryRowContext(context.Background(), rulebook.ComplaintSubjectPrefix+id, rulebook.EventComplaintReceived).Scan(&data); err != nil {
		return nil, err
	}
	var c rulebook.ComplaintReceived
	return &c, json.Unmarshal([]byte(data), &c)
}

// simple appends one case event of a kind that needs no rule-book decision.
func (s *Service) simple(ctx context.Context, actor, caseID, typ string, date rulebook.Date, data any) (*Case, error) {
	if actor == "" {
		return nil, rulebook.FieldError("actor", "who is recording this must be named")
	}
	c, err := s.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if date < c.Opened {
		return nil, rulebook.FieldError("date", "%s is before the case was opened (%s)", date, c.Opened)
	}
	e, err := register.Event(typ, subject(caseID), actor, date, data)
	if err != nil {
		return nil, err
	}
	return s.store(ctx, c, []*rulebook.Event{e}, nil)
}

// DeclareConflict records that a person has a conflict of interest in the case:
// they cannot then be empanelled to hear it.
func (s *Service) DeclareConflict(ctx context.Context, actor, caseID string, date rulebook.Date, cf Conflict) (*Case, error) {
	if cf.Person == "" || strings.TrimSpace(cf.Reason) == "" {
		return nil, rulebook.FieldError("reason", "a conflict needs the person and the reason")
	}
	return s.simple(ctx, actor, caseID, EventConflictDeclared, date, cf)
}

// Recuse records that a panel member stands down from the case.
func (s *Service) Recuse(ctx context.Context, actor, caseID string, date rulebook.Date, cf Conflict) (*Case, error) {
	if cf.Person == "" || strings.TrimSpace(cf.Reason) == "" {
		return nil, rulebook.FieldError("reason", "a recusal needs the person and the reason")
	}
	return s.simple(ctx, actor, caseID, EventRecusal, date, cf)
}

// HearMitigation records that the respondent's mitigation was heard, which must
// follow the findings and precede a sanction.
func (s *Service) HearMitigation(ctx context.Context, actor, caseID string, date rulebook.Date, summary string) (*Case, error) {
	c, err := s.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if len(c.ProvedCounts()) == 0 {
		return nil, rulebook.Errorf(rulebook.ENotPermitted, "mitigation is heard after a count is found proved; case %s has none", caseID)
	}
	if strings.TrimSpace(summary) == "" {
		return nil, rulebook.FieldError("summary", "summarise the mitigation put")
	}
	if date < c.StateSince {
		return nil, rulebook.FieldError("date", "%s is before the findings were recorded (%s): mitigation is heard after them", date, c.StateSince)
	}
	return s.simple(ctx, actor, caseID, EventMitigation, date, Mitigation{Summary: summary})
}

// LogContact records an approach about the case from someone outside its roles
// (the interference register), shown to oversight.
func (s *Service) LogContact(ctx context.Context, actor, caseID string, date rulebook.Date, d ContactData) (*Case, error) {
	if strings.TrimSpace(d.From) == "" || strings.TrimSpace(d.Summary) == "" {
		return nil, rulebook.FieldError("summary", "record who made contact and what they said or asked")
	}
	return s.simple(ctx, actor, caseID, EventContact, date, d)
}

// GrantRole gives a person a role in one case (an investigator, the respondent's
// representative).
func (s *Service) GrantRole(ctx context.Context, actor, caseID string, date rulebook.Date, r CaseRole) (*Case, error) {
	if r.Role != RoleInvestigator && r.Role != RoleRepresentative {
		return nil, rulebook.FieldError("role", "must be %s or %s, not %q", RoleInvestigator, RoleRepresentative, r.Role)
	}
	if strings.TrimSpace(r.Person) == "" {
		return nil, rulebook.FieldError("person", "is required")
	}
	c, err := s.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	for _, x := range c.Roles {
		if x.Person == r.Person && x.Role == r.Role {
			return nil, rulebook.Errorf(rulebook.EConflict, "%s is already %s in case %s", r.Person, r.Role, caseID)
		}
	}
	if r.Role == RoleInvestigator && (r.Person == c.Respondent || has(c.Complainants, r.Person)) {
		return nil, rulebook.Errorf(rulebook.ENotPermitted, "%s is a party to case %s and cannot investigate it", r.Person, caseID)
	}
	return s.simple(ctx, actor, caseID, EventCaseRoleGranted, date, CaseRole{Person: r.Person, Role: r.Role, Reason: strings.TrimSpace(r.Reason)})
}

// EndRole ends a person's role in a case.
func (s *Service) EndRole(ctx context.Context, actor, caseID string, date rulebook.Date, r CaseRole) (*Case, error) {
	c, err := s.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	for _, x := range c.Roles {
		if x.Person == r.Person && x.Role == r.Role {
			return s.simple(ctx, actor, caseID, EventCaseRoleEnded, date, CaseRole{Person: r.Person, Role: r.Role, Reason: strings.TrimSpace(r.Reason)})
		}
	}
	return nil, rulebook.FieldError("person", "%s is not %s in case %s", r.Person, r.Role, caseID)
}

// AddMessage records something written about the case by a party or the case team.
func (s *Service) AddMessage(ctx context.Context, actor, caseID string, date rulebook.Date, m Message) (*Case, error) {
	m.Text = strings.TrimSpace(m.Text)
	if m.Text == "" {
		return nil, rulebook.FieldError("text", "write something")
	}
	if len(m.Text) > 20000 {
		return nil, rulebook.FieldError("text", "is longer than 20,000 characters")
	}
	if m.From == "" || m.As == "" {
		return nil, rulebook.FieldError("from", "who wrote, and as what, must be recorded")
	}
	return s.simple(ctx, actor, caseID, EventMessage, date, Message{From: m.From, As: m.As, Text: m.Text})
}

// WithholdIdentity records a decision to withhold a complainant's identity from
// the respondent, with its reason: a decision in the case, not a rule-book switch.
func (s *Service) WithholdIdentity(ctx context.Context, actor, caseID string, date rulebook.Date, w Withholding) (*Case, error) {
	c, err := s.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	w.Person, w.Reason = strings.TrimSpace(w.Person), strings.TrimSpace(w.Reason)
	if !has(c.Complainants, w.Person) {
		return nil, rulebook.FieldError("person", "%q is not a complainant in case %s", w.Person, caseID)
	}
	if w.Reason == "" {
		return nil, rulebook.FieldError("reason", "withholding a complainant's identity needs a recorded reason")
	}
	if c.withheld(w.Person) {
		return nil, rulebook.Errorf(rulebook.EConflict, "the identity of %s is already withheld in case %s", w.Person, caseID)
	}
	return s.simple(ctx, actor, caseID, EventIdentityWithheld, date, Withholding{Person: w.Person, Reason: w.Reason})
}

// UpdateComplainants records a progress update sent to the complainants; the
// next is due when the rule book says (discipline.complainant_updates).
func (s *Service) UpdateComplainants(ctx context.Context, actor, caseID string, date rulebook.Date, text string) (*Case, error) {
	if strings.TrimSpace(text) == "" {
		return nil, rulebook.FieldError("text", "say what the complainants were told")
	}
	return s.simple(ctx, actor, caseID, EventComplainantsUpdated, date, Update{Text: strings.TrimSpace(text)})
}

// ConditionMet records that a condition of a sanction was met.
func (s *Service) ConditionMet(ctx context.Context, actor, caseID string, date rulebook.Date, what string) (*Case, error) {
	c, err := s.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	for _, cd := range c.Conditions {
		if cd.What == what && cd.Met.IsZero() {
			return s.simple(ctx, actor, caseID, EventConditionMet, date, Condition{What: what})
		}
	}
	return nil, rulebook.FieldError("what", "case %s has no outstanding condition %q", caseID, what)
}

// AddListEntry records an entry on a dated list that triggers are checked against.
func (s *Service) AddListEntry(ctx context.Context, actor string, e ListEntry) (*rulebook.Event, error) {
	if lists := s.rb().Lists(); !has(lists, e.List) {
		return nil, rulebook.FieldError("list", "the rule book declares no list %q (its lists: %s)", e.List, strings.Join(lists, ", "))
	}
	if !rulebook.ValidID(e.ID) || strings.TrimSpace(e.Name) == "" || e.From.IsZero() {
		return nil, rulebook.FieldError("id", "an entry needs an id, a name and the date it is on the list from")
	}
	if !e.Until.IsZero() && e.Until <= e.From {
		return nil, rulebook.FieldError("until", "%s is not after %s: the entry would never be on the list", e.Until, e.From)
	}
	if e.Member != "" && !rulebook.ValidID(e.Member) {
		// A person's id: a member, or someone not on the register (a lay panel
		// member) known by an id.
		return nil, rulebook.FieldError("member", "%q is not a valid id", e.Member)
	}
	if err := rosterSection(s.rb(), e); err != nil {
		return nil, err
	}
	ev, err := register.Event(EventListEntry, "list/"+e.List+"/"+e.ID, actor, e.From, e)
	if err != nil {
		return nil, err
	}
	a, err := s.db().Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer a.Rollback()
	if err := a.Add(ev); err != nil {
		return nil, err
	}
	if err := a.PutListEntry(e.List, e.ID, ev.Data); err != nil {
		return nil, err
	}
	return ev, a.Commit()
}

// rosterSection refuses an entry on a panel's roster, under the version in
// force from its first day, whose section that panel does not declare: a
// misspelt section would otherwise surface only when the panel could not be
// composed.
func rosterSection(rb *rules.RuleBook, e ListEntry) error {
	v, err := rb.VersionAt(e.From)
	if err != nil || v.Discipline == nil || e.Section == "" {
		return nil
	}
	for _, b := range slices.Sorted(maps.Keys(v.Discipline.Panels)) {
		pr := v.Discipline.Panels[b]
		if pr.Roster != e.List || len(pr.Sections) == 0 || pr.Section(e.Section) != nil {
			continue
		}
		ids := make([]string, len(pr.Sections))
		for i, sec := range pr.Sections {
			ids[i] = sec.ID
		}
		body := b
		if x := v.Bodies[b]; x != nil {
			body = x.InText()
		}
		return rulebook.FieldError("section", "the panels of %s, whose roster this is, have no section %q under rule book %s (theirs: %s)", body, e.Section, v.ID, strings.Join(ids, ", "))
	}
	return nil
}

// replay builds one case, and its step rows, from its events, leaving out withdrawn ones.
func (s *Service) replay(evs []rulebook.Event) (*Case, []sqldb.StepRow, error) {
	skip := Retracted(evs)
	var c Case
	var steps []sqldb.StepRow
	for i := range evs {
		e := &evs[i]
		if skip[e.ID] {
			continue
		}
		prevState, prevSince := c.State, c.StateSince
		st, err := c.apply(e)
		if err != nil {
			return nil, nil, err
		}
		if e.Type == EventStep {
			row, err := s.stepRow(&c, e, st, prevState, prevSince)
			if err != nil {
				return nil, nil, err
			}
			steps = append(steps, row)
		}
	}
	return &c, steps, nil
}

// Correct withdraws an event of a case entered in error, with a reason. Only the
// latest step can be withdrawn (later steps were decided on the state it made); a
// withdrawn step's effects on the member are withdrawn with it. Records such as a
// contact, a conflict or a mitigation can be withdrawn at any time. The events stay
// in the record.
func (s *Service) Correct(ctx context.Context, actor, caseID, eventID, reason string, date rulebook.Date) (*Case, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, rulebook.FieldError("reason", "a correction must say why")
	}
	c, err := s.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	old, err := s.db().Event(ctx, eventID)
	if err != nil {
		return nil, err
	}
	if old.Subject != subject(caseID) {
		return nil, rulebook.FieldError("event", "event %s is not an event of case %s", eventID, caseID)
	}
	for _, k := range c.Corrections {
		if k.Corrects == eventID {
			return nil, rulebook.Errorf(rulebook.EConflict, "event %s was already withdrawn by %s", eventID, k.Event)
		}
	}
	var member []*rulebook.Event
	switch old.Type {
	case EventCaseOpened, EventCaseCorrected, EventNoticeSent:
		return nil, rulebook.Errorf(rulebook.ENotPermitted, "a %s event cannot be withdrawn", old.Type)
	case EventStep:
		if n := len(c.Steps); n == 0 || c.Steps[n-1].Event != eventID {
			return nil, rulebook.Errorf(rulebook.ENotPermitted, "only the latest step of a case can be withdrawn: later steps were decided on the state it made")
		}
		var st Step
		if err := json.Unmarshal(old.Data, &st); err != nil {
			return nil, err
		}
		for _, id := range st.MemberEvents {
			e, err := s.Reg.CorrectionEvent(ctx, actor, id, fmt.Sprintf("step %s of case %s withdrawn: %s", st.Transition, caseID, reason))
			if err != nil {
				return nil, fmt.Errorf("withdrawing the step's effect %s: %w", id, err)
			}
			member = append(member, e)
		}
	}
	if date.IsZero() {
		date = old.Effective
	}
	e, err := register.Event(EventCaseCorrected, subject(caseID), actor, date, rulebook.Correction{Corrects: eventID, Reason: reason})
	if err != nil {
		return nil, err
	}
	return s.store(ctx, c, []*rulebook.Event{e}, member)
}
