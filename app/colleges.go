package app

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/college"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Selections by electoral college: the procedure's sections each have their own
// electorate (members who may do the section's action, or a roll the staff enter),
// marked register and ballots, stored beside the selection's under the key
// rulebook.CollegeKey gives; a person may vote in several sections. Ballots stay
// secret: each section's are kept only added up by ranking, sealed a round at a
// time, and the college counted from the seals (count/college).

// collegeSpec is the college a selection opens with: its procedure's.
func collegeSpec(proc *rules.Selection) *rulebook.CollegeSpec {
	if proc.College == nil {
		return nil
	}
	c := &rulebook.CollegeSpec{Rounds: proc.College.Rounds}
	for _, s := range proc.College.Sections {
		c.Sections = append(c.Sections, rulebook.CollegeSectionSpec{ID: s.ID, Name: s.Name, Weight: s.Weight, Vote: s.Vote, Roll: s.Roll})
	}
	return c
}

// section returns a college selection's section, or an error naming the field.
func section(s *rulebook.Selection, id string) (*rulebook.CollegeSectionSpec, error) {
	if s.CollegeSpec == nil {
		return nil, fieldErr("section", "selection %s is not decided by an electoral college: it has no sections", s.ID)
	}
	sec := s.CollegeSpec.Section(id)
	if sec == nil {
		return nil, fieldErr("section", "selection %s has no section %q (sections: %s)", s.ID, id, strings.Join(s.CollegeSpec.SectionIDs(), ", "))
	}
	return sec, nil
}

// needSection refuses a whole-selection ballot in a college selection.
func needSection(s *rulebook.Selection) error {
	if s.CollegeSpec == nil {
		return nil
	}
	return fieldErr("section", "selection %s is decided by an electoral college: give the section the ballot is in (%s)", s.ID, strings.Join(s.CollegeSpec.SectionIDs(), ", "))
}

// RollVoter is a voter on a section's roll: an id the organisation gives them
// (they need not be a member) and their name.
type RollVoter struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// EnterRoll records the roll of a section whose voters the staff list (the
// members of affiliated organisations), replacing any entered before; it is
// taken until the electorates are frozen.
func (a *App) EnterRoll(ctx context.Context, id, sectionID string, voters []RollVoter, d rulebook.Date) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	r := rulebook.RollEntered{Section: sectionID, Voters: []string{}, Names: map[string]string{}}
	seen := map[string]int{}
	for i, v := range voters {
		v.ID, v.Name = trim(v.ID), trim(v.Name)
		field := fmt.Sprintf("voters[%d]", i)
		if !rulebook.ValidID(v.ID) {
			return nil, fieldErr(field+".id", "%q is not a valid id (letters, digits, '-', '_' and '.')", v.ID)
		}
		if j, dup := seen[v.ID]; dup {
			return nil, fieldErr(field+".id", "%s is on the roll twice (voters[%d] too)", v.ID, j)
		}
		if err := rulebook.CheckText(field+".name", v.Name, rulebook.MaxNameLen); err != nil {
			return nil, err
		}
		seen[v.ID] = i
		r.Voters = append(r.Voters, v.ID)
		if v.Name != "" {
			r.Names[v.ID] = v.Name
		}
	}
	if len(r.Voters) == 0 {
		return nil, fieldErr("voters", "the roll is empty")
	}
	slices.Sort(r.Voters)
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		sec, err := section(s, sectionID)
		if err != nil {
			return nil, err
		}
		if !sec.Roll {
			return nil, fieldErr("section", "the voters of section %s are the members who may %s: it has no roll", sec.ID, sec.Vote)
		}
		if err := inState(s, "a roll is entered", rulebook.SelectionNominations); err != nil {
			return nil, err
		}
		if d < s.Opened {
			return nil, fieldErr("date", "%s is before the selection opened (%s)", d, s.Opened)
		}
		e, err := selectionEvent(rulebook.EventRollEntered, s.ID, p.Actor(), d, r)
		return []*rulebook.Event{e}, err
	})
}

// projectCollegeEvent writes the rows a college event implies: a section's roll
// (its electorate), and a section's marked register.
func projectCollegeEvent(ap *sqldb.Appender, s *rulebook.Selection, e *rulebook.Event) error {
	switch e.Type {
	case rulebook.EventRollEntered:
		var r rulebook.RollEntered
		if err := json.Unmarshal(e.Data, &r); err != nil {
			return err
		}
		return ap.PutElectorate(rulebook.CollegeKey(s.ID, r.Section, 0), r.Voters)
	case rulebook.EventSectionVoted:
		var v rulebook.SectionVoted
		if err := json.Unmarshal(e.Data, &v); err != nil {
			return err
		}
		return ap.MarkVoted(rulebook.CollegeKey(s.ID, v.Section, v.Round), v.Member)
	}
	return nil
}

// sectionProcedure is the procedure as a member section sees it: its voters are
// those who may do the section's action.
func sectionProcedure(proc *rules.Selection, sec *rulebook.CollegeSectionSpec) *rules.Selection {
	pc := *proc
	pc.Vote = sec.Vote
	return &pc
}

// freezeCollege freezes every section's electorate: a member section's worked out
// from the register as FreezeElectorate does, a roll section's the roll entered.
func (a *App) freezeCollege(ctx context.Context, ap *sqldb.Appender, s *rulebook.Selection, proc *rules.Selection, actor string, d rulebook.Date) ([]*rulebook.Event, error) {
	hs, err := a.db().VoterHistories(ctx)
	if err != nil {
		return nil, err
	}
	units, err := a.db().Units(ctx)
	if err != nil {
		return nil, err
	}
	v, err := a.Rules().VersionAt(s.Ballot)
	if err != nil {
		return nil, err
	}
	var f rulebook.CollegeFrozen
	for i := range s.CollegeSpec.Sections {
		sec := &s.CollegeSpec.Sections[i]
		key := rulebook.CollegeKey(s.ID, sec.ID, 0)
		if sec.Roll {
			ids, err := a.db().Electorate(ctx, key)
			if err != nil {
				return nil, err
			}
			if len(ids) == 0 {
				return nil, notPermitted("section %s of selection %s has no roll: enter it first (selection roll %s --section %s --file F)", sec.ID, s.ID, s.ID, sec.ID)
			}
			f.Sections = append(f.Sections, rulebook.SectionElectorate{Section: sec.ID, FrozenElectorate: rulebook.FrozenElectorate{
				Count: len(ids), Digest: rulebook.ElectorateDigest(ids), Version: v.ID, Date: s.Ballot, FreezeDate: s.FreezeDate}})
			continue
		}
		ids, fe, err := a.electorateOf(hs, rulebook.NewUnits(units), s, sectionProcedure(proc, sec))
		if err != nil {
			return nil, err
		}
		if err := ap.PutElectorate(key, ids); err != nil {
			return nil, err
		}
		f.Sections = append(f.Sections, rulebook.SectionElectorate{Section: sec.ID, FrozenElectorate: *fe})
	}
	e, err := selectionEvent(rulebook.EventCollegeFrozen, s.ID, actor, d, f)
	return []*rulebook.Event{e}, err
}

// CastCollegeBallot records a ballot in a section of a college selection, as
// CastBallot does for a whole selection: the voter marked on the section's
// register for the round, the ranking added to the section's ballots of that
// ranking, nothing linking the two. A voter not in the section's frozen
// electorate (or no longer eligible, in a member section) is refused, recorded
// with the clause.
func (a *App) CastCollegeBallot(ctx context.Context, id, sectionID, voter string, ranking []string, d rulebook.Date) (*BallotResult, error) {
	p, err := a.allow(ctx, VoteInSelection, Resource{Member: voter})
	if err != nil {
		return nil, err
	}
	out := &BallotResult{Selection: id, Member: voter}
	_, err = a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		sec, err := section(s, sectionID)
		if err != nil {
			return nil, err
		}
		if err := inState(s, "ballots are cast", rulebook.SelectionBallot); err != nil {
			return nil, err
		}
		c := s.College
		if d < c.Ballot || d > c.BallotCloses {
			return nil, notPermitted("ballot %d of selection %s is open from %s to %s, not on %s", c.Round, s.ID, c.Ballot, c.BallotCloses, d)
		}
		if err := rulebook.CheckRanking(ranking, s.CollegeOnBallot()); err != nil {
			return nil, err
		}
		key := rulebook.CollegeKey(s.ID, sec.ID, c.Round)
		if voted, err := ap.HasVoted(key, voter); err != nil {
			return nil, err
		} else if voted {
			return nil, rulebook.Errorf(rulebook.EConflict, "%s has voted in section %s of selection %s (ballot %d) already", voter, sec.ID, s.ID, c.Round)
		}
		refuse := func(clause, reason string) ([]*rulebook.Event, error) {
			return out.refused(s.ID, p.Actor(), d, clause, reason)
		}
		in, err := ap.InElectorate(rulebook.CollegeKey(s.ID, sec.ID, 0), voter)
		if err != nil {
			return nil, err
		}
		if sec.Roll {
			if !in {
				return refuse(proc.Clause, fmt.Sprintf("%s is not on the roll of section %s (%s)", voter, sec.ID, sec.Name))
			}
		} else {
			h, err := a.db().History(ctx, voter)
			if rulebook.ErrorCode(err) == rulebook.ENotFound {
				return refuse(proc.Clause, fmt.Sprintf("%s is not on the register", voter))
			} else if err != nil {
				return nil, err
			}
			admitted := slices.Contains(s.Admitted, voter)
			ans, err := a.mayVote(h, s, sec.Vote, in, d)
			if err != nil {
				return nil, err
			}
			switch {
			case !ans.Allowed && !admitted:
				return refuse(clauseOf(ans, proc), fmt.Sprintf("section %s: %s", sec.ID, ans.Reason))
			case !in && !admitted:
				return refuse(proc.Clause, fmt.Sprintf("%s is not in the electorate of section %s frozen for selection %s", voter, sec.ID, s.ID))
			}
		}
		if err := ap.AddBallots(key, rulebook.RankingKey(ranking), 1); err != nil {
			return nil, err
		}
		e, err := selectionEvent(rulebook.EventSectionVoted, s.ID, p.Actor(), d, rulebook.SectionVoted{Member: voter, Section: sec.ID, Round: c.Round})
		return out.record(e, err)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EnterCollegePapers records ballot papers of a section the tellers counted
// (an affiliate's ballot, a meeting), added up by ranking, for the current round.
func (a *App) EnterCollegePapers(ctx context.Context, id, sectionID string, d rulebook.Date, ballots []rulebook.BallotCount, rejected int64) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	if rejected < 0 {
		return nil, fieldErr("rejected", "%d: cannot be negative", rejected)
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		sec, err := section(s, sectionID)
		if err != nil {
			return nil, err
		}
		if err := inState(s, "ballot papers are entered", rulebook.SelectionBallot); err != nil {
			return nil, err
		}
		c := s.College
		if d < c.Ballot {
			return nil, notPermitted("ballot %d of selection %s opens on %s", c.Round, s.ID, c.Ballot)
		}
		x, err := enterPapers(ap, rulebook.CollegeKey(s.ID, sec.ID, c.Round), s.CollegeOnBallot(), ballots, rejected)
		if err != nil {
			return nil, err
		}
		e, err := selectionEvent(rulebook.EventSectionPapers, s.ID, p.Actor(), d, rulebook.SectionPapers{Section: sec.ID, Round: c.Round, PapersEntered: x})
		return []*rulebook.Event{e}, err
	})
}

// tally returns a section's tally for a round (zero if nothing was cast).
func tally(c *rulebook.CollegeRun, sectionID string, round int) rulebook.SectionTally {
	for _, t := range c.Tallies {
		if t.Section == sectionID && t.Round == round {
			return t
		}
	}
	return rulebook.SectionTally{Section: sectionID, Round: round}
}

// sealCollege seals the current round's ballots in every section; each
// section's papers stored must be its marked register and papers entered.
func (a *App) sealCollege(ap *sqldb.Appender, s *rulebook.Selection, actor string, d rulebook.Date) (*rulebook.Event, error) {
	if err := inState(s, "the ballots are sealed", rulebook.SelectionBallot); err != nil {
		return nil, err
	}
	c := s.College
	if d < c.Ballot {
		return nil, notPermitted("ballot %d of selection %s opens on %s", c.Round, s.ID, c.Ballot)
	}
	all := make([]string, len(s.Candidates))
	for i, x := range s.Candidates {
		all[i] = x.Member
	}
	x := rulebook.CollegeSealed{Round: c.Round, Standing: s.CollegeOnBallot()}
	for _, sec := range s.CollegeSpec.Sections {
		ballots, err := ap.Ballots(rulebook.CollegeKey(s.ID, sec.ID, c.Round))
		if err != nil {
			return nil, err
		}
		sealed, err := rulebook.SealBallots(all, ballots)
		if err != nil {
			return nil, err
		}
		t := tally(c, sec.ID, c.Round)
		sealed.Marked, sealed.Entered, sealed.Rejected = t.Marked, t.Entered, t.Rejected
		if sealed.Papers != t.Marked+t.Entered {
			return nil, rulebook.Errorf(rulebook.ETampered, "selection %s, section %s, ballot %d: %d papers are stored, but the marked register (%d) and the papers entered (%d) make %d: the ballots were changed outside rulebook, and are not sealed",
				s.ID, sec.ID, c.Round, sealed.Papers, t.Marked, t.Entered, t.Marked+t.Entered)
		}
		x.Sections = append(x.Sections, rulebook.SectionSealed{Section: sec.ID, Sealed: *sealed})
	}
	return selectionEvent(rulebook.EventCollegeSealed, s.ID, actor, d, x)
}

// CountCollege counts a college selection from its sealed rounds (sealing the
// current round first if its ballot is still open). If an exhaustive college
// needs another ballot, it is held from next.Ballot to next.BallotCloses (by
// default from the day of the count, as long as the first ballot ran).
func (a *App) CountCollege(ctx context.Context, id string, d rulebook.Date, next rulebook.Timetable) (*rulebook.Selection, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	return a.change(ctx, id, func(ap *sqldb.Appender, s *rulebook.Selection, v *rules.Version, proc *rules.Selection) ([]*rulebook.Event, error) {
		return a.countCollege(ap, s, p.Actor(), d, next)
	})
}

func (a *App) countCollege(ap *sqldb.Appender, s *rulebook.Selection, actor string, d rulebook.Date, next rulebook.Timetable) ([]*rulebook.Event, error) {
	if s.CollegeSpec == nil {
		return nil, notPermitted("selection %s is not decided by an electoral college", s.ID)
	}
	var evs []*rulebook.Event
	work := s
	if s.State == rulebook.SelectionBallot {
		e, err := a.sealCollege(ap, s, actor, d)
		if err != nil {
			return nil, err
		}
		// Count from a copy with the seal folded in; s folds it in order later.
		var sealed rulebook.CollegeSealed
		if err := json.Unmarshal(e.Data, &sealed); err != nil {
			return nil, err
		}
		cp, run := *s, *s.College
		run.Sealed = append(slices.Clone(run.Sealed), sealed)
		cp.College, cp.State = &run, rulebook.SelectionSealed
		work = &cp
		evs = append(evs, e)
	}
	if err := inState(work, "the ballots are counted", rulebook.SelectionSealed); err != nil {
		return nil, err
	}
	res, sum, err := CountCollegeSealed(work)
	if err != nil {
		return nil, err
	}
	x := rulebook.CollegeCounted{Round: work.College.Round, College: res, Result: sum}
	if !res.Complete {
		if next.Ballot.IsZero() {
			next.Ballot = d
		}
		if next.Ballot < d {
			return nil, fieldErr("ballot", "the next ballot opens on %s, before the count (%s)", next.Ballot, d)
		}
		if next.BallotCloses.IsZero() {
			next.BallotCloses = next.Ballot.AddDays(int(s.BallotCloses - s.Ballot))
		} else if next.BallotCloses < next.Ballot {
			return nil, fieldErr("ballot_closes", "%s is before the next ballot opens (%s)", next.BallotCloses, next.Ballot)
		}
		x.Ballot, x.BallotCloses = next.Ballot, next.BallotCloses
	}
	e, err := selectionEvent(rulebook.EventCollegeCounted, s.ID, actor, d, x)
	return append(evs, e), err
}

// CountCollegeSealed counts a college selection's sealed rounds: the college
// count, and (when complete) a summary in the form every selection's result
// takes, whose tallies are the weighted totals in percent. Ties drawn by lot draw
// from a seed made from the selection's id, as CountSealed's do.
func CountCollegeSealed(s *rulebook.Selection) (*college.Result, *count.Result, error) {
	spec, run := s.CollegeSpec, s.College
	if spec == nil || run == nil || len(run.Sealed) == 0 {
		return nil, nil, notPermitted("selection %s has no sealed college ballot", s.ID)
	}
	first := run.Sealed[0]
	if len(first.Sections) != len(spec.Sections) {
		return nil, nil, fmt.Errorf("selection %s: ballot 1 sealed %d sections of %d", s.ID, len(first.Sections), len(spec.Sections))
	}
	cands := first.Sections[0].Candidates
	e := &college.Election{Title: s.Contest, Candidates: cands, Rounds: spec.Rounds, Withdrawn: make([]bool, len(cands))}
	for i, c := range cands {
		e.Withdrawn[i] = !slices.Contains(first.Standing, c)
	}
	for i, sec := range spec.Sections {
		w, err := college.ParseWeight(sec.Weight)
		if err != nil {
			return nil, nil, fmt.Errorf("selection %s: section %s: %v", s.ID, sec.ID, err)
		}
		cs := college.Section{ID: sec.ID, Name: sec.Name, Weight: w}
		for _, round := range run.Sealed {
			ss := round.Sections[i]
			if ss.Section != sec.ID || !slices.Equal(ss.Candidates, cands) {
				return nil, nil, fmt.Errorf("selection %s: ballot %d sealed section %s where %s was expected, or other candidates", s.ID, round.Round, ss.Section, sec.ID)
			}
			var bs []count.Ballot
			for _, b := range ss.Ballots {
				ranks := make([][]int, len(b)-1)
				for k, c := range b[1:] {
					ranks[k] = []int{int(c)}
				}
				bs = append(bs, count.Ballot{Weight: b[0], Ranks: ranks})
			}
			cs.Ballots = append(cs.Ballots, bs)
		}
		e.Sections = append(e.Sections, cs)
	}
	h := sha256.Sum256([]byte(s.ID))
	res, err := college.Count(e, college.Options{Seed: int64(binary.BigEndian.Uint64(h[:8]) >> 1)})
	if err != nil {
		return nil, nil, rulebook.Errorf(rulebook.EInvalid, "selection %s: %v", s.ID, err)
	}
	if !res.Complete {
		return res, nil, nil
	}
	sum := &count.Result{Method: res.Method, Title: s.Contest, Seats: 1, Candidates: cands, Elected: res.Elected,
		QuotaName: "more than half of the college's weighted total (tallies are weighted percentages)", TieBreaks: res.TieBreaks, Notes: res.Notes}
	for _, r := range res.Rounds {
		sum.Rounds = append(sum.Rounds, count.Round{Number: r.Number, Action: r.Action, Tally: r.Total, Elected: r.Elected, Eliminated: r.Eliminated})
	}
	for _, u := range res.Upsets {
		sum.Warnings = append(sum.Warnings, college.UpsetLine(u, func(c string) string { return c }))
	}
	return res, sum, nil
}

// rebuildCollege writes, in a rebuild, what a college selection's events imply
// beyond the rows projectCollegeEvent writes: each sealed round's ballots, and
// each member section's electorate re-derived from the register as recorded when
// it was frozen (which must give the digest recorded).
func (a *App) rebuildCollege(ap *sqldb.Appender, s *rulebook.Selection) error {
	run := s.College
	if run == nil {
		return nil
	}
	for _, round := range run.Sealed {
		for _, sec := range round.Sections {
			counts, err := sec.Counts()
			if err != nil {
				return fmt.Errorf("selection %s, section %s: %w", s.ID, sec.Section, err)
			}
			if err := ap.ReplaceBallots(rulebook.CollegeKey(s.ID, sec.Section, round.Round), counts); err != nil {
				return err
			}
		}
	}
	if len(run.Frozen) == 0 {
		return nil
	}
	_, proc, err := a.procedureOf(s)
	if err != nil {
		return err
	}
	through, err := ap.EventsThrough(s.FrozenSeq)
	if err != nil {
		return err
	}
	for _, f := range run.Frozen {
		sec := s.CollegeSpec.Section(f.Section)
		if sec == nil || sec.Roll {
			continue // a roll's electorate is the roll event's, written as it is replayed
		}
		ids, err := a.deriveElectorate(through, s, sectionProcedure(proc, sec))
		if err != nil {
			return err
		}
		if dg := rulebook.ElectorateDigest(ids); len(ids) != f.Count || dg != f.Digest {
			return rulebook.Errorf(rulebook.ETampered, "selection %s, section %s: the register as recorded when the electorate was frozen makes %d members (digest %s), the record says %d (digest %s)",
				s.ID, f.Section, len(ids), dg, f.Count, f.Digest)
		}
		if err := ap.PutElectorate(rulebook.CollegeKey(s.ID, f.Section, 0), ids); err != nil {
			return err
		}
	}
	return nil
}

// checkCollegeBallots compares, for a college selection whose ballot is open,
// each section's stored papers with its marked register and papers entered.
func (a *App) checkCollegeBallots(ctx context.Context, s *rulebook.Selection) ([]string, error) {
	var diffs []string
	for _, sec := range s.CollegeSpec.Sections {
		bs, err := a.db().Ballots(ctx, rulebook.CollegeKey(s.ID, sec.ID, s.College.Round))
		if err != nil {
			return nil, err
		}
		var papers int64
		for _, b := range bs {
			papers += b.Papers
		}
		if t := tally(s.College, sec.ID, s.College.Round); papers != t.Marked+t.Entered {
			diffs = append(diffs, fmt.Sprintf("selection_ballots: selection %s, section %s, ballot %d: %d papers stored, the marked register (%d) and the papers entered (%d) make %d",
				s.ID, sec.ID, s.College.Round, papers, t.Marked, t.Entered, t.Marked+t.Entered))
		}
	}
	return diffs, nil
}

// SectionElectorate returns the frozen electorate (or, before the freeze, the
// roll) of a section of a college selection, with names where the register has
// them.
func (a *App) SectionElectorate(ctx context.Context, id, sectionID string) ([]eligibility.Entry, error) {
	p, s, err := a.viewSelection(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := section(s, sectionID); err != nil {
		return nil, err
	}
	ids, err := a.db().Electorate(ctx, rulebook.CollegeKey(id, sectionID, 0))
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
	return out, a.logAccess(ctx, p, "selection_electorate", rulebook.SelectionSubjectPrefix+id, "section "+sectionID)
}
