package discipline

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
)

// RebuildCases throws away the stored cases, deadlines, step statistics and dated
// lists and rebuilds them from the events, in one transaction.
func (s *Service) RebuildCases(ctx context.Context) (int, error) {
	a, err := s.db().Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer a.Rollback()
	n, err := s.rebuild(a)
	if err != nil {
		return 0, err
	}
	a.AnalyzeAtCommit(sqldb.CaseTables...)
	if err := a.Commit(); err != nil {
		return 0, err
	}
	return n, nil
}

// rebuild replaces, inside a's transaction, the case projection and the dated
// lists with what the events make them, and returns how many cases there are.
// The events are read in the same transaction, under the write lock: read before
// it, an event appended in between would be projected and then cleared away.
// They are read a case at a time, and the cases written many to a statement, so
// that memory does not grow with the record.
func (s *Service) rebuild(a sqldb.CaseWriter) (int, error) {
	if err := a.ClearCases(); err != nil {
		return 0, err
	}
	a.HoldCounts()
	n := 0
	var batch []*Case
	// put writes a batch of cases, reading the clauses of all their complaints
	// at once.
	put := func() error {
		var subjects []string
		for _, c := range batch {
			for _, id := range c.Complaints {
				subjects = append(subjects, rulebook.ComplaintSubjectPrefix+id)
			}
		}
		received, err := a.FirstEvents(subjects, rulebook.EventComplaintReceived)
		if err != nil {
			return err
		}
		rows := make([]sqldb.NewCase, 0, len(batch))
		for _, c := range batch {
			var clauses []string
			for _, id := range c.Complaints {
				var cr rulebook.ComplaintReceived
				if e, ok := received[rulebook.ComplaintSubjectPrefix+id]; ok && json.Unmarshal(e.Data, &cr) == nil {
					clauses = append(clauses, cr.Clauses...)
				}
			}
			r, err := s.caseRow(c, c.lastSeq, clauses)
			if err != nil {
				return err
			}
			rows = append(rows, r)
		}
		batch = batch[:0]
		return a.PutNewCases(rows)
	}
	err := a.EachSubject(SubjectPrefix, func(evs []rulebook.Event) error {
		c, steps, err := s.replay(evs)
		if err != nil {
			return err
		}
		for _, st := range steps {
			a.AddCaseStep(st)
		}
		n++
		if batch = append(batch, c); len(batch) >= 500 {
			return put()
		}
		return nil
	})
	if err == nil {
		err = put()
	}
	if err == nil {
		err = a.ReleaseCounts()
	}
	if err != nil {
		return 0, err
	}
	return n, s.rebuildLists(a)
}

// rebuildLists puts every dated list's entries back as AddListEntry stored them:
// each entry as its latest list.entry event has it.
func (s *Service) rebuildLists(a sqldb.CaseWriter) error {
	evs, err := a.EventsWithSubjectPrefix(listSubjectPrefix)
	if err != nil {
		return err
	}
	if err := a.ClearListEntries(); err != nil {
		return err
	}
	for _, e := range evs {
		if e.Type != EventListEntry {
			continue
		}
		var l ListEntry
		if err := json.Unmarshal(e.Data, &l); err != nil {
			return fmt.Errorf("event %s: %w", e.ID, err)
		}
		if err := a.PutListEntry(l.List, l.ID, e.Data); err != nil {
			return err
		}
	}
	return nil
}

// listSubjectPrefix begins the subject of every list.entry event ("list/LIST/ID").
const listSubjectPrefix = "list/"

// CheckCases compares every table of the case projection and the dated lists
// with what a rebuild from the events would write: by digests of the rows the
// rebuild makes, written nowhere, and, if these differ, by rebuilding them in
// a transaction that is rolled back and comparing row by row and column by
// column (sqldb.DB.CheckCaseProjection). It returns one line per difference
// (naming the table, the case and the column), at most sqldb.MaxDiffs, and a
// line counting the rest. Like a rebuild, it holds the write lock while it
// runs.
func (s *Service) CheckCases(ctx context.Context) ([]string, error) {
	return s.db().CheckCaseProjection(ctx, s.rebuildOnly)
}

// WithCaseCheck returns a context under which a VerifyProjection compares the
// case projection by digests beside its check of the register, and
// CheckCases under it then takes that comparison (sqldb.CaseCheck).
func (s *Service) WithCaseCheck(ctx context.Context) context.Context {
	return sqldb.WithCaseCheck(ctx, s.rebuildOnly)
}

func (s *Service) rebuildOnly(a sqldb.CaseWriter) error {
	_, err := s.rebuild(a)
	return err
}

// stepRow is the row of step event e, of case c as it stands after it; st is
// the step e holds, if already decoded.
func (s *Service) stepRow(c *Case, e *rulebook.Event, st *Step, prevState string, prevSince rulebook.Date) (sqldb.StepRow, error) {
	if st == nil {
		st = &Step{}
		if err := json.Unmarshal(e.Data, st); err != nil {
			return sqldb.StepRow{}, err
		}
	}
	kind := ""
	if v, err := s.rb().VersionAt(e.Effective); err == nil {
		if b := v.Bodies[st.Body]; b != nil {
			kind = b.Kind
		}
	}
	days := 0
	if !prevSince.IsZero() {
		days = int(e.Effective - prevSince)
	}
	to := st.To
	if to == "" {
		to = prevState
	}
	return sqldb.StepRow{Seq: e.Seq, Case: c.ID, Transition: st.Transition, From: st.From, To: to, Day: e.Effective, Quarter: Quarter(e.Effective),
		Body: st.Body, BodyKind: kind, Clause: st.Clause, Outcome: st.Outcome, Sanction: st.Sanctioned, DaysInState: days,
		Closing: st.Closed && st.To != "", DaysOpen: int(e.Effective - c.Opened)}, nil
}
