package discipline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
)

// replayAll rebuilds every case, and the step rows, from the record alone.
func (s *Service) replayAll(ctx context.Context) (map[string]*Case, []sqldb.StepRow, error) {
	evs, err := s.db().EventsWithSubjectPrefix(ctx, SubjectPrefix)
	if err != nil {
		return nil, nil, err
	}
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

// RebuildCases throws away the stored cases, deadlines and step statistics and
// rebuilds them from the events, in one transaction.
func (s *Service) RebuildCases(ctx context.Context) (int, error) {
	cases, steps, err := s.replayAll(ctx)
	if err != nil {
		return 0, err
	}
	a, err := s.db().Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer a.Rollback()
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
	if err := a.Commit(); err != nil {
		return 0, err
	}
	return len(cases), s.db().Analyze(ctx, sqldb.CaseTables...)
}

// CheckCases compares every stored case with its replay from the events and
// returns one line per difference (at most 20).
func (s *Service) CheckCases(ctx context.Context) ([]string, error) {
	cases, _, err := s.replayAll(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db().CaseRows(ctx, sqldb.CaseFilter{})
	if err != nil {
		return nil, err
	}
	var diffs []string
	add := func(format string, args ...any) {
		if len(diffs) < 20 {
			diffs = append(diffs, fmt.Sprintf(format, args...))
		}
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.ID] = true
		c := cases[r.ID]
		if c == nil {
			add("case %s is stored but no event opens it", r.ID)
			continue
		}
		want, _ := json.Marshal(c)
		if !bytes.Equal(want, r.Data) {
			add("case %s: stored projection differs from its events", r.ID)
		}
	}
	for id := range cases {
		if !seen[id] {
			add("case %s is in the events but missing from the projection", id)
		}
	}
	sort.Strings(diffs)
	return diffs, nil
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
