package discipline

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
)

// replayAll rebuilds every case, and the step rows, from the case events given
// (in stored order).
func (s *Service) replayAll(evs []rulebook.Event) (map[string]*Case, []sqldb.StepRow, error) {
	bySubject := map[string][]rulebook.Event{}
	var order []string
	for _, e := range evs {
		if _, ok := bySubject[e.Subject]; !ok {
			order = append(order, e.Subject)
		}
		bySubject[e.Subject] = append(bySubject[e.Subject], e)
	}
	cases := map[string]*Case{}
	var steps []sqldb.StepRow
	for _, sub := range order {
		c, rows, err := s.replay(bySubject[sub])
		if err != nil {
			return nil, nil, err
		}
		cases[strings.TrimPrefix(sub, SubjectPrefix)] = c
		steps = append(steps, rows...)
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].Seq < steps[j].Seq })
	return cases, steps, nil
}

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
	if err := a.Commit(); err != nil {
		return 0, err
	}
	return n, s.db().Analyze(ctx, sqldb.CaseTables...)
}

// rebuild replaces, inside a's transaction, the case projection and the dated
// lists with what the events make them, and returns how many cases there are.
// The events are read in the same transaction, under the write lock: read before
// it, an event appended in between would be projected and then cleared away.
func (s *Service) rebuild(a *sqldb.Appender) (int, error) {
	evs, err := a.EventsWithSubjectPrefix(SubjectPrefix)
	if err != nil {
		return 0, err
	}
	cases, steps, err := s.replayAll(evs)
	if err != nil {
		return 0, err
	}
	if err := a.ClearCases(); err != nil {
		return 0, err
	}
	ids := make([]string, 0, len(cases))
	for id := range cases {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := s.put(a, cases[id], cases[id].lastSeq); err != nil {
			return 0, err
		}
	}
	for _, r := range steps {
		a.AddCaseStep(r)
	}
	return len(cases), s.rebuildLists(a)
}

// rebuildLists puts every dated list's entries back as AddListEntry stored them:
// each entry as its latest list.entry event has it.
func (s *Service) rebuildLists(a *sqldb.Appender) error {
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

// CheckCases rebuilds the case projection and the dated lists from the events, in
// a transaction that is rolled back, and compares every table of them with what
// is stored, row by row and column by column. It returns one line per difference
// (naming the table, the case and the column), at most sqldb.MaxDiffs, and a line
// counting the rest. Like a rebuild, it holds the write lock while it runs.
func (s *Service) CheckCases(ctx context.Context) ([]string, error) {
	return s.db().CheckCaseProjection(ctx, func(a *sqldb.Appender) error {
		_, err := s.rebuild(a)
		return err
	})
}

func (s *Service) stepRow(c *Case, e *rulebook.Event, prevState string, prevSince rulebook.Date) (sqldb.StepRow, error) {
	var st Step
	if err := json.Unmarshal(e.Data, &st); err != nil {
		return sqldb.StepRow{}, err
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
