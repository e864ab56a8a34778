package discipline

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// GenerateCases writes n cases with full histories into the database, for benchmarks
// and load tests: a long record of a Labour-style party, built in minutes where
// taking each case through Take (a transaction a step) would take hours.
//
// Case i (from 0) is about a new member b%06d ("Member i", constituency c%03d of
// i mod 650, joined 2010-01-01 as active) and has the id B%06d. It is opened on a
// day from 2016-01-04 on (the days repeat every 1450 days, about four years), on
// the conduct of the day before, and is then taken through one of the scripts:
// a complaint (BC%06d, clause 2.I.8) acknowledged and closed with no further action,
// investigated, reported and warned, referred to a hearing of the NCC with findings,
// mitigation and a reprimand or a suspension; an exclusion for standing against an
// official candidate proposed and confirmed or declined; and, for one case in ten,
// a script left open in each open state. Steps are a few days apart. Each step is
// checked by Decide, its effects on the member (an administrative suspension, a
// sanction, an exclusion) by the register service, as Take does; the events are
// appended to the record and the step statistics counted. GenerateCases first adds
// the entry "bench-cand" (Official Candidate, from 2016-01-01) to the
// official_candidates list, which the exclusions name.
//
// Many cases are written to a transaction, and the case rows (the projection, its
// deadlines, clauses, complaints and people, and the running totals behind the
// statistics) in multi-row statements, but they are what Service.put would store:
// the record verifies, and replaying or rebuilding the cases changes nothing.
//
// The Service's rule book must be the Labour-modelled example
// (examples/labour-2016.yaml): the scripts use its bodies, criteria, sanctions and
// triggers, and GenerateCases returns an error at once if the version in force
// from 2016 lacks any of them. The database must not already hold generated cases
// or members. It returns the case ids, in order. Cases are committed 5,000 at a
// time: after an error, those already committed stay.
func (s *Service) GenerateCases(ctx context.Context, n int) ([]string, error) {
	scripts := genScripts()
	base := rulebook.MustDate("2016-01-04")
	// The cases are opened within 1450 days of base; their steps (at most 20 days
	// apart), hearings and sanctions follow within a year or so.
	if err := genCheckBook(s.rb(), scripts, base.AddDays(-1), base.AddDays(1450+20*10+400)); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	if _, err := s.db().CaseData(ctx, genCaseID(0)); err == nil {
		return nil, fmt.Errorf("generate cases: case %s already exists: the database already holds generated cases", genCaseID(0))
	}
	if _, err := s.db().History(ctx, genMemberID(0)); err == nil {
		return nil, fmt.Errorf("generate cases: member %s already exists: the database already holds generated members", genMemberID(0))
	}
	listEntry := &ListEntry{List: "official_candidates", ID: "bench-cand", Name: "Official Candidate", From: rulebook.MustDate("2016-01-01")}
	if _, err := s.AddListEntry(ctx, genActor, *listEntry); err != nil {
		return nil, fmt.Errorf("generate cases: adding the official candidate %s: %w", listEntry.ID, err)
	}
	histories := map[string]*rulebook.History{}
	env := Env{Rules: s.rb(), Member: func(id string) *rulebook.History { return histories[id] },
		List: func(list, id string) *ListEntry {
			if list == listEntry.List && id == listEntry.ID {
				return listEntry
			}
			return nil
		}}
	sqlite := s.db().Dialect() == "sqlite"
	ids := make([]string, 0, n)
	const perTx = 5000
	for start := 0; start < n; start += perTx {
		a, err := s.db().Begin(ctx)
		if err != nil {
			return nil, err
		}
		batch, err := s.genBatch(a, env, histories, scripts, base, start, min(n, start+perTx))
		if err == nil {
			err = putRows(ctx, a, sqlite, batch)
		}
		if err == nil {
			err = a.Commit()
		}
		if err != nil {
			a.Rollback()
			return nil, err
		}
		for _, r := range batch {
			ids = append(ids, r.row.ID)
		}
	}
	return ids, nil
}

// genActor is the actor of every generated event.
const genActor = "t"

func genCaseID(i int) string   { return fmt.Sprintf("B%06d", i) }
func genMemberID(i int) string { return fmt.Sprintf("b%06d", i) }

// genScript is a history a generated case is taken through, after opening: a list
// of commands, whose dates are filled in as it is taken (see dated).
type genScript struct {
	kind  string
	steps []Command
}

// genMitigation in a script records mitigation heard rather than taking a step.
const genMitigation = "*mitigation"

func genScripts() []genScript {
	ack := Command{Transition: "acknowledge", Body: "compliance_unit"}
	inv := Command{Transition: "investigate", Body: "compliance_unit", Criteria: []string{"INV-BREACH"}, Rationale: "would breach 2.I.8"}
	invSusp := Command{Transition: "investigate_and_suspend", Body: "general_secretary", Criteria: []string{"SUSP-SERIOUS"}, Rationale: "serious"}
	report := Command{Transition: "report", Body: "compliance_unit"}
	refer := Command{Transition: "refer", Body: "nec_disputes_panel", Criteria: []string{"REF-PRIMA-FACIE"}, Rationale: "prima facie",
		Charges: []Charge{{Count: 1, Clause: "2.I.8", Particulars: "remarks"}, {Count: 2, Clause: "2.I.8", Particulars: "repetition"}}}
	list := Command{Transition: "list_hearing", Body: "ncc", Panel: &Panel{Body: "ncc", Members: []PanelMember{
		{ID: "ncc-01", Name: "Alun Rees", Section: "trade_union"},
		{ID: "ncc-04", Name: "Grace Obi", Section: "clp"},
		{ID: "ncc-05", Name: "Basil Coombe", Section: "clp"},
	}}}
	find := Command{Transition: "record_findings", Body: "ncc", Findings: []Finding{{Count: 1, Finding: "proved"}, {Count: 2, Finding: "not_proved"}}}
	mitigate := Command{Transition: genMitigation}
	reprimand := Command{Transition: "impose_sanction", Body: "ncc", Rationale: "r", Sanction: &SanctionOrder{Sanction: "reprimand", Factors: []string{"AGG-PUBLIC"},
		Conditions: []Condition{{What: "equality course", Due: 120}}}}
	suspend := Command{Transition: "impose_sanction", Body: "ncc", Rationale: "r", Sanction: &SanctionOrder{Sanction: "suspension_office_representation", Until: 365, Factors: []string{"MIT-SERVED"}}}
	nfa := Command{Transition: "no_further_action", Body: "compliance_unit", Criteria: []string{"NFA-EVIDENCE"}, Rationale: "no evidence"}
	warn := Command{Transition: "formal_warning", Body: "nec_disputes_panel", Criteria: []string{"INV-BREACH"}, Rationale: "a breach"}
	propose := Command{Transition: "propose_exclusion", Body: "compliance_unit", Trigger: &TriggerClaim{Trigger: "stood_against_official_candidate", Entry: "bench-cand"}, Evidence: []string{"papers"}}
	confirm := Command{Transition: "confirm_exclusion", Body: "general_secretary", Rationale: "public record"}
	decline := Command{Transition: "decline_exclusion", Body: "general_secretary", Rationale: "not support"}
	c := func(kind string, s ...Command) genScript { return genScript{kind, s} }
	closed := []genScript{
		c("complaint", ack, nfa), c("complaint", ack, inv, nfa), c("complaint", ack, inv, report, warn), c("complaint", ack, inv, report, nfa),
		c("complaint", ack, inv, report, refer, list, find, mitigate, reprimand), c("complaint", ack, invSusp, report, refer, list, find, mitigate, suspend),
		c("complaint", ack, invSusp, report, warn), c("exclusion", propose, confirm), c("exclusion", propose, decline),
	}
	open := []genScript{
		c("complaint"), c("complaint", ack), c("complaint", ack, inv), c("complaint", ack, invSusp), c("complaint", ack, invSusp, report),
		c("complaint", ack, inv, report, refer), c("complaint", ack, inv, report, refer, list), c("exclusion", propose),
	}
	// Most of a long record is closed: nine closed for each open case, the open
	// ones spread over every open state.
	var out []genScript
	for _, sc := range closed {
		for range 8 {
			out = append(out, sc)
		}
	}
	return append(out, open...)
}

// genOpening is the state each kind of generated case is opened in, and
// genClause the clause its complaints cite.
var genOpening = map[string]string{"complaint": "received", "exclusion": "exclusion_proposed"}

const genClause = "2.I.8"

// genCheckBook returns an error unless every version of rb in force from from to
// to has what the scripts use: the opening states, transitions, bodies, criteria,
// factors, sanctions, triggers and clauses they name.
func genCheckBook(rb *rules.RuleBook, scripts []genScript, from, to rulebook.Date) error {
	const need = "generate cases: the rule book must be the Labour-modelled example (examples/labour-2016.yaml)"
	if rb == nil || len(rb.Versions) == 0 {
		return fmt.Errorf("%s: there is none", need)
	}
	first, err := rb.VersionAt(from)
	if err != nil {
		return fmt.Errorf("%s: %w", need, err)
	}
	for _, v := range rb.Versions {
		if v != first && (v.InForceFrom <= from || v.InForceFrom > to) {
			continue
		}
		missing := func(what, id string) error {
			return fmt.Errorf("%s: version %s has no %s %q", need, v.ID, what, id)
		}
		x := v.Discipline
		if x == nil {
			return fmt.Errorf("%s: version %s has no disciplinary procedure", need, v.ID)
		}
		for kind, state := range genOpening {
			if x.Initial[kind] != state {
				return fmt.Errorf("%s: version %s opens %s cases in %q, not %q", need, v.ID, kind, x.Initial[kind], state)
			}
		}
		active := false
		for _, st := range v.Statuses {
			active = active || st.ID == "active"
		}
		if !active {
			return missing("status", "active")
		}
		if v.Clauses[genClause] == nil {
			return missing("clause", genClause)
		}
		for _, sc := range scripts {
			for _, cmd := range sc.steps {
				if cmd.Transition == genMitigation {
					continue
				}
				if x.Transitions[cmd.Transition] == nil {
					return missing("transition", cmd.Transition)
				}
				if v.Bodies[cmd.Body] == nil {
					return missing("body", cmd.Body)
				}
				if cmd.Panel != nil && v.Bodies[cmd.Panel.Body] == nil {
					return missing("body", cmd.Panel.Body)
				}
				for _, cr := range cmd.Criteria {
					if x.Criteria[cr] == nil {
						return missing("criterion", cr)
					}
				}
				for _, ch := range cmd.Charges {
					if v.Clauses[ch.Clause] == nil {
						return missing("clause", ch.Clause)
					}
				}
				if so := cmd.Sanction; so != nil {
					if v.Sanctions[so.Sanction] == nil {
						return missing("sanction", so.Sanction)
					}
					for _, f := range so.Factors {
						if x.Factors[f] == nil {
							return missing("factor", f)
						}
					}
				}
				if tc := cmd.Trigger; tc != nil && v.Triggers[tc.Trigger] == nil {
					return missing("trigger", tc.Trigger)
				}
			}
		}
	}
	return nil
}

// genBatch writes the events of cases start to end-1 through a, and returns their
// case rows, to be written by putRows.
func (s *Service) genBatch(a *sqldb.Appender, env Env, histories map[string]*rulebook.History, scripts []genScript,
	base rulebook.Date, start, end int) ([]genRow, error) {
	var rows []genRow
	for i := start; i < end; i++ {
		sc := scripts[i%len(scripts)]
		day := base.AddDays((i * 7) % 1450)
		m := rulebook.Member{ID: genMemberID(i), Name: fmt.Sprintf("Member %d", i), Constituency: fmt.Sprintf("c%03d", i%650), Joined: rulebook.MustDate("2010-01-01")}
		h := &rulebook.History{Member: m}
		histories[m.ID] = h
		id := genCaseID(i)
		fail := func(what string, err error) error { return fmt.Errorf("generate case %s: %s: %w", id, what, err) }
		join, err := genEvent(rulebook.EventMemberJoined, m.ID, m.Joined, rulebook.MemberJoined{Member: m, Status: "active"})
		if err == nil {
			err = a.Add(join)
		}
		if err != nil {
			return nil, fail("joining member "+m.ID, err)
		}
		h.Points = append(h.Points, rulebook.StatusPoint{From: m.Joined, Status: "active", EventID: join.ID, Seq: join.Seq})

		o := Opened{ID: id, Kind: sc.kind, Respondent: m.ID, Conduct: day.AddDays(-1), Summary: "benchmark case", State: genOpening[sc.kind]}
		var clauses []string
		if sc.kind == "complaint" {
			cr := rulebook.ComplaintReceived{ID: "BC" + id[1:], Respondent: m.ID, Complainant: "someone", From: "member", Via: "email",
				Conduct: o.Conduct, Clauses: []string{genClause}, Summary: "complaint"}
			e, err := genEvent(rulebook.EventComplaintReceived, rulebook.ComplaintSubjectPrefix+cr.ID, day, cr)
			if err == nil {
				err = a.Add(e)
			}
			if err != nil {
				return nil, fail("receiving complaint "+cr.ID, err)
			}
			o.Complaints, o.Complainants = []string{cr.ID}, []string{cr.Complainant}
			clauses = append(clauses, cr.Clauses...)
		}
		c := &Case{}
		e, err := genEvent(EventCaseOpened, subject(id), day, o)
		if err == nil {
			err = a.Add(e)
		}
		if err == nil {
			err = c.Apply(e)
		}
		if err != nil {
			return nil, fail("opening", err)
		}
		for k, cmd := range sc.steps {
			day = day.AddDays(3 + (i+k)%17)
			if cmd.Transition == genMitigation {
				e, err := genEvent(EventMitigation, subject(id), day, Mitigation{Summary: "long service"})
				if err == nil {
					err = a.Add(e)
				}
				if err == nil {
					err = c.Apply(e)
				}
				if err != nil {
					return nil, fail(fmt.Sprintf("step %d, mitigation on %s", k+1, day), err)
				}
				continue
			}
			cmd.Date = day
			cmd = dated(cmd, c, day)
			if err := s.genStep(a, env, h, c, cmd, day); err != nil {
				return nil, fail(fmt.Sprintf("step %d, %s on %s", k+1, cmd.Transition, day), err)
			}
		}
		// As store does, the row is as of the case's last event (not the member
		// events that may follow it).
		r, err := s.caseRow(c, c.lastSeq, clauses)
		if err != nil {
			return nil, fail("projection", err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// genStep decides cmd on c and appends the step, dated day, with its effects on the
// member h, as Take and store do.
func (s *Service) genStep(a *sqldb.Appender, env Env, h *rulebook.History, c *Case, cmd Command, day rulebook.Date) error {
	dec, err := Decide(env, c, cmd)
	if err != nil {
		return err
	}
	// As Take does: member effects checked by the register, ids given first so
	// the step names the suspension it imposes.
	var member []*rulebook.Event
	for _, eff := range dec.Effects {
		if eff.Status == nil {
			return fmt.Errorf("unexpected effect %+v", eff)
		}
		me, err := s.Reg.StatusEvent(h, genActor, eff.From, *eff.Status, eff.CreditFrom)
		if err != nil {
			return err
		}
		me.ID = rulebook.NewEventID()
		dec.Step.MemberEvents = append(dec.Step.MemberEvents, me.ID)
		member = append(member, me)
	}
	step, err := genEvent(EventStep, subject(c.ID), day, dec.Step)
	if err != nil {
		return err
	}
	prevState, prevSince := c.State, c.StateSince
	if err := a.Add(step); err != nil {
		return err
	}
	for _, me := range member {
		if err := a.Add(me); err != nil {
			return err
		}
		var ch rulebook.StatusChange
		if err := json.Unmarshal(me.Data, &ch); err != nil {
			return err
		}
		h.Points = append(h.Points, rulebook.StatusPoint{From: me.Effective, Status: ch.Status, Rights: ch.Rights, EventID: me.ID, Seq: me.Seq})
		if !ch.Until.IsZero() {
			h.Points = append(h.Points, rulebook.StatusPoint{From: ch.Until, Status: ch.Then, EventID: me.ID, Seq: me.Seq})
		}
		sort.SliceStable(h.Points, func(i, j int) bool { return h.Points[i].From < h.Points[j].From })
	}
	if err := c.Apply(step); err != nil {
		return err
	}
	return s.recordStep(a, c, step, prevState, prevSince)
}

// dated turns the relative dates of a script's command (days after the step) into
// dates, and copies what the case will keep.
func dated(cmd Command, c *Case, day rulebook.Date) Command {
	switch cmd.Transition {
	case "list_hearing":
		cmd.Hearing = &Hearing{Date: day.AddDays(21)}
	case "record_findings":
		cmd.Date = c.Hearing.Date
	case "impose_sanction":
		so := *cmd.Sanction
		so.From = day
		if so.Until != 0 {
			so.Until = day.AddDays(int(so.Until))
		}
		so.Conditions = nil
		for _, cd := range cmd.Sanction.Conditions {
			so.Conditions = append(so.Conditions, Condition{What: cd.What, Due: day.AddDays(int(cd.Due))})
		}
		cmd.Sanction = &so
	case "propose_exclusion":
		tc := *cmd.Trigger
		tc.Conduct = c.Conduct
		cmd.Trigger = &tc
	}
	return cmd
}

func genEvent(typ, subj string, eff rulebook.Date, data any) (*rulebook.Event, error) {
	b, err := rulebook.MarshalData(data)
	if err != nil {
		return nil, err
	}
	return &rulebook.Event{Type: typ, Subject: subj, Actor: genActor, Effective: eff, Data: b, Payload: data}, nil
}

// genRow is what put stores for one case.
type genRow struct {
	row        sqldb.CaseRow
	deadlines  []sqldb.DeadlineRow
	clauses    []string // sorted, without duplicates
	complaints []string
}

// caseRow computes what Service.put stores for c; complaintClauses are the clauses
// of its complaints (which put reads back from the record).
func (s *Service) caseRow(c *Case, seq int64, complaintClauses []string) (genRow, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return genRow{}, err
	}
	last := c.Opened
	if n := len(c.Steps); n > 0 {
		last = c.Steps[n-1].Date
	}
	var deadlines []sqldb.DeadlineRow
	if proc, _, err := Versions(s.rb(), c, last); err == nil {
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
	clauses = compact(clauses)
	opened := c.State
	if len(c.Steps) > 0 {
		opened = c.Steps[0].From
	}
	return genRow{sqldb.CaseRow{ID: c.ID, Kind: c.Kind, Respondent: c.Respondent, State: c.State, Closed: c.Closed, Outcome: c.Outcome,
		Opened: c.Opened, Conduct: c.Conduct, Updated: seq, Data: b, Unit: c.Unit, StateSince: c.StateSince, OpenedIn: opened,
		People: c.People(), Sanction: c.SanctionImposed()}, deadlines, clauses, c.Complaints}, nil
}

// compact removes adjacent duplicates from a sorted list.
func compact(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// putRows writes what PutCase would for new cases, in multi-row statements: the
// case rows with their people, deadlines, clauses and complaints, and their part
// of the running totals (cases by clause and outcome, by clause and sanction, and
// each opening as a move into the first state). The steps' rows and totals are
// the Appender's, from recordStep.
func putRows(ctx context.Context, a *sqldb.Appender, sqlite bool, rows []genRow) error {
	var cases, deadlines, clauses, complaints, people [][]any
	type flow struct{ quarter, to string }
	byOutcome, bySanction, openings := map[[2]string]int64{}, map[[2]string]int64{}, map[flow]int64{}
	for _, r := range rows {
		closed := 0
		if r.row.Closed {
			closed = 1
		}
		cases = append(cases, []any{r.row.ID, r.row.Kind, r.row.Respondent, r.row.State, closed, r.row.Outcome, int64(r.row.Opened), int64(r.row.Conduct), r.row.Updated, string(r.row.Data),
			r.row.Unit, int64(r.row.StateSince), r.row.Sanction})
		seen := map[sqldb.CasePerson]bool{}
		for _, p := range r.row.People {
			if p.Person != "" && !seen[p] {
				seen[p] = true
				people = append(people, []any{p.Person, r.row.ID, p.Relation})
			}
		}
		for i, dl := range r.deadlines {
			deadlines = append(deadlines, []any{r.row.ID, i, dl.Kind, dl.What, int64(dl.Due)})
		}
		for _, cl := range r.clauses {
			clauses = append(clauses, []any{r.row.ID, cl})
			byOutcome[[2]string{cl, r.row.Outcome}]++
			if r.row.Sanction != "" {
				bySanction[[2]string{cl, r.row.Sanction}]++
			}
		}
		for _, cp := range r.complaints {
			complaints = append(complaints, []any{cp, r.row.ID})
		}
		openings[flow{r.row.Opened.Quarter(), r.row.OpenedIn}]++
	}
	var outcomeCounts, sanctionCounts, flowCounts [][]any
	for k, n := range byOutcome {
		outcomeCounts = append(outcomeCounts, []any{k[0], k[1], n})
	}
	for k, n := range bySanction {
		sanctionCounts = append(sanctionCounts, []any{k[0], k[1], n})
	}
	for k, n := range openings {
		flowCounts = append(flowCounts, []any{k.quarter, "", k.to, 0, n, int64(0)})
	}
	for _, t := range []struct {
		table, cols string
		rows        [][]any
		// then adds to the running totals already there (the Appender's, or an
		// earlier transaction's).
		then string
	}{
		{"cases", "id, kind, respondent, state, closed, outcome, opened, conduct, updated, data, unit, state_since, sanction", cases, ""},
		{"case_people", "person, case_id, relation", people, ""},
		{"case_deadlines", "case_id, n, kind, what, due", deadlines, ""},
		{"case_clauses", "case_id, clause", clauses, ""},
		{"case_complaints", "complaint, case_id", complaints, ""},
		{"case_clause_counts", "clause, outcome, cases", outcomeCounts,
			"ON CONFLICT (clause, outcome) DO UPDATE SET cases = case_clause_counts.cases + excluded.cases"},
		{"case_sanction_counts", "clause, sanction, cases", sanctionCounts,
			"ON CONFLICT (clause, sanction) DO UPDATE SET cases = case_sanction_counts.cases + excluded.cases"},
		{"case_flow_counts", "quarter, from_state, to_state, closing, moves, days_open", flowCounts,
			"ON CONFLICT (quarter, from_state, to_state, closing) DO UPDATE SET moves = case_flow_counts.moves + excluded.moves, " +
				"days_open = case_flow_counts.days_open + excluded.days_open"},
	} {
		for lo := 0; lo < len(t.rows); lo += 500 {
			chunk := t.rows[lo:min(len(t.rows), lo+500)]
			var q strings.Builder
			var args []any
			q.WriteString("INSERT INTO " + t.table + " (" + t.cols + ") VALUES ")
			for i, r := range chunk {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(")
				for j, v := range r {
					if j > 0 {
						q.WriteString(", ")
					}
					args = append(args, v)
					// As the Appender does: SQLite's driver looks named parameters up
					// one by one, which makes a long insert quadratic.
					if sqlite {
						q.WriteByte('?')
					} else {
						fmt.Fprintf(&q, "$%d", len(args))
					}
				}
				q.WriteString(")")
			}
			if t.then != "" {
				q.WriteString(" " + t.then)
			}
			if _, err := a.Tx().ExecContext(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("generate cases: %s: %w", t.table, err)
			}
		}
	}
	return nil
}
