package discipline

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// The benchmarks build 100,000 cases with full histories. Taking each through
// Service.Take would cost a transaction per step, so the builder does what Take
// and store do — the engine's Decide on the case, the member effects checked by the
// register service, the events appended, the steps recorded — but many cases to a
// transaction, and writes the case projection rows in multi-row statements. A
// sample of cases is then re-stored through the service's own code and compared.

const benchCases = 100_000

// script is a history a case is taken through, after opening: a list of commands
// with the days between them.
type script struct {
	kind  string
	steps []Command
}

func benchScripts() []script {
	ack := Command{Transition: "acknowledge", Body: "compliance_unit"}
	inv := Command{Transition: "investigate", Body: "compliance_unit", Criteria: []string{"INV-BREACH"}, Rationale: "would breach 2.I.8"}
	invSusp := Command{Transition: "investigate_and_suspend", Body: "general_secretary", Criteria: []string{"SUSP-SERIOUS"}, Rationale: "serious"}
	report := Command{Transition: "report", Body: "compliance_unit"}
	refer := Command{Transition: "refer", Body: "nec_disputes_panel", Criteria: []string{"REF-PRIMA-FACIE"}, Rationale: "prima facie",
		Charges: []Charge{{Count: 1, Clause: "2.I.8", Particulars: "remarks"}, {Count: 2, Clause: "2.I.8", Particulars: "repetition"}}}
	list := Command{Transition: "list_hearing", Body: "ncc", Panel: nccPanel("ncc-01", "ncc-04", "ncc-05")}
	find := Command{Transition: "record_findings", Body: "ncc", Findings: []Finding{{Count: 1, Finding: "proved"}, {Count: 2, Finding: "not_proved"}}}
	mitigate := Command{Transition: "*mitigation"}
	reprimand := Command{Transition: "impose_sanction", Body: "ncc", Rationale: "r", Sanction: &SanctionOrder{Sanction: "reprimand", Factors: []string{"AGG-PUBLIC"},
		Conditions: []Condition{{What: "equality course", Due: 120}}}}
	suspend := Command{Transition: "impose_sanction", Body: "ncc", Rationale: "r", Sanction: &SanctionOrder{Sanction: "suspension_office_representation", Until: 365, Factors: []string{"MIT-SERVED"}}}
	nfa := Command{Transition: "no_further_action", Body: "compliance_unit", Criteria: []string{"NFA-EVIDENCE"}, Rationale: "no evidence"}
	warn := Command{Transition: "formal_warning", Body: "nec_disputes_panel", Criteria: []string{"INV-BREACH"}, Rationale: "a breach"}
	propose := Command{Transition: "propose_exclusion", Body: "compliance_unit", Trigger: &TriggerClaim{Trigger: "stood_against_official_candidate", Entry: "bench-cand"}, Evidence: []string{"papers"}}
	confirm := Command{Transition: "confirm_exclusion", Body: "general_secretary", Rationale: "public record"}
	decline := Command{Transition: "decline_exclusion", Body: "general_secretary", Rationale: "not support"}
	c := func(kind string, s ...Command) script { return script{kind, s} }
	closed := []script{
		c("complaint", ack, nfa), c("complaint", ack, inv, nfa), c("complaint", ack, inv, report, warn), c("complaint", ack, inv, report, nfa),
		c("complaint", ack, inv, report, refer, list, find, mitigate, reprimand), c("complaint", ack, invSusp, report, refer, list, find, mitigate, suspend),
		c("complaint", ack, invSusp, report, warn), c("exclusion", propose, confirm), c("exclusion", propose, decline),
	}
	open := []script{
		c("complaint"), c("complaint", ack), c("complaint", ack, inv), c("complaint", ack, invSusp), c("complaint", ack, invSusp, report),
		c("complaint", ack, inv, report, refer), c("complaint", ack, inv, report, refer, list), c("exclusion", propose),
	}
	// Most of a long record is closed: nine closed for each open case, the open
	// ones spread over every open state.
	var out []script
	for _, sc := range closed {
		for range 8 {
			out = append(out, sc)
		}
	}
	return append(out, open...)
}

// buildCases writes n cases into the fixture's database, and returns their ids.
func buildCases(tb testing.TB, f *fixture, n int) []string {
	s := f.s
	scripts := benchScripts()
	if _, err := s.AddListEntry(ctx, "t", ListEntry{List: "official_candidates", ID: "bench-cand", Name: "Official Candidate", From: d("2016-01-01")}); err != nil {
		tb.Fatal(err)
	}
	listEntry := &ListEntry{List: "official_candidates", ID: "bench-cand", Name: "Official Candidate", From: d("2016-01-01")}
	histories := map[string]*rulebook.History{}
	env := Env{Rules: s.rb(), Member: func(id string) *rulebook.History { return histories[id] },
		List: func(list, id string) *ListEntry {
			if list == listEntry.List && id == listEntry.ID {
				return listEntry
			}
			return nil
		}}
	var ids []string
	base := d("2016-01-04")
	const perTx = 5000
	for start := 0; start < n; start += perTx {
		a, err := s.db().Begin(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		var rows []benchRow
		for i := start; i < min(n, start+perTx); i++ {
			sc := scripts[i%len(scripts)]
			day := base.AddDays((i * 7) % 1450)
			m := rulebook.Member{ID: fmt.Sprintf("b%06d", i), Name: fmt.Sprintf("Member %d", i), Constituency: fmt.Sprintf("c%03d", i%650), Joined: d("2010-01-01")}
			h := &rulebook.History{Member: m}
			histories[m.ID] = h
			add := func(e *rulebook.Event) {
				if err := a.Add(e); err != nil {
					tb.Fatal(err)
				}
			}
			join, err := benchEvent(rulebook.EventMemberJoined, m.ID, m.Joined, rulebook.MemberJoined{Member: m, Status: "active"})
			if err != nil {
				tb.Fatal(err)
			}
			add(join)
			h.Points = append(h.Points, rulebook.StatusPoint{From: m.Joined, Status: "active", EventID: join.ID, Seq: join.Seq})

			id := fmt.Sprintf("B%06d", i)
			o := Opened{ID: id, Kind: sc.kind, Respondent: m.ID, Conduct: day.AddDays(-1), Summary: "benchmark case", State: "received"}
			var clauses []string
			if sc.kind == "complaint" {
				cr := rulebook.ComplaintReceived{ID: "BC" + id[1:], Respondent: m.ID, Complainant: "someone", From: "member", Via: "email",
					Conduct: o.Conduct, Clauses: []string{"2.I.8"}, Summary: "complaint"}
				e, err := benchEvent(rulebook.EventComplaintReceived, rulebook.ComplaintSubjectPrefix+cr.ID, day, cr)
				if err != nil {
					tb.Fatal(err)
				}
				add(e)
				o.Complaints, o.Complainants = []string{cr.ID}, []string{cr.Complainant}
				clauses = append(clauses, cr.Clauses...)
			} else {
				o.State = "exclusion_proposed"
			}
			c := &Case{}
			e, err := benchEvent(EventCaseOpened, subject(id), day, o)
			if err != nil {
				tb.Fatal(err)
			}
			add(e)
			if err := c.Apply(e); err != nil {
				tb.Fatal(err)
			}
			for k, cmd := range sc.steps {
				day = day.AddDays(3 + (i+k)%17)
				if cmd.Transition == "*mitigation" {
					e, err := benchEvent(EventMitigation, subject(id), day, Mitigation{Summary: "long service"})
					if err != nil {
						tb.Fatal(err)
					}
					add(e)
					c.Apply(e)
					continue
				}
				cmd.Date = day
				cmd = dated(cmd, c, day)
				dec, err := Decide(env, c, cmd)
				if err != nil {
					tb.Fatalf("case %s: %s on %s: %v", id, cmd.Transition, day, err)
				}
				// As Take does: member effects checked by the register, ids given
				// first so the step names the suspension it imposes.
				var member []*rulebook.Event
				for _, eff := range dec.Effects {
					if eff.Status == nil {
						tb.Fatalf("case %s: unexpected effect %+v", id, eff)
					}
					me, err := f.reg.StatusEvent(h, "t", eff.From, *eff.Status, eff.CreditFrom)
					if err != nil {
						tb.Fatalf("case %s: %s: %v", id, cmd.Transition, err)
					}
					me.ID = rulebook.NewEventID()
					dec.Step.MemberEvents = append(dec.Step.MemberEvents, me.ID)
					member = append(member, me)
				}
				step, err := benchEvent(EventStep, subject(id), day, dec.Step)
				if err != nil {
					tb.Fatal(err)
				}
				prevState, prevSince := c.State, c.StateSince
				add(step)
				for _, me := range member {
					add(me)
					var ch rulebook.StatusChange
					json.Unmarshal(me.Data, &ch)
					h.Points = append(h.Points, rulebook.StatusPoint{From: me.Effective, Status: ch.Status, Rights: ch.Rights, EventID: me.ID, Seq: me.Seq})
					if !ch.Until.IsZero() {
						h.Points = append(h.Points, rulebook.StatusPoint{From: ch.Until, Status: ch.Then, EventID: me.ID, Seq: me.Seq})
					}
					sort.SliceStable(h.Points, func(i, j int) bool { return h.Points[i].From < h.Points[j].From })
				}
				if err := c.Apply(step); err != nil {
					tb.Fatal(err)
				}
				if err := s.recordStep(a, c, step, prevState, prevSince); err != nil {
					tb.Fatal(err)
				}
			}
			rows = append(rows, caseRow(tb, s, c, a.LastSeq(), clauses))
			ids = append(ids, id)
		}
		if err := putRows(a, f.db.Dialect() == "sqlite", rows); err != nil {
			tb.Fatal(err)
		}
		if err := a.Commit(); err != nil {
			tb.Fatal(err)
		}
	}
	return ids
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

func benchEvent(typ, subj string, eff rulebook.Date, data any) (*rulebook.Event, error) {
	b, err := rulebook.MarshalData(data)
	if err != nil {
		return nil, err
	}
	return &rulebook.Event{Type: typ, Subject: subj, Actor: "t", Effective: eff, Data: b, Payload: data}, nil
}

type benchRow struct {
	row       sqldb.CaseRow
	deadlines []sqldb.DeadlineRow
	clauses   []string
}

// caseRow computes what Service.put stores for c; complaintClauses are the clauses
// of its complaints (which put reads back from the record).
func caseRow(tb testing.TB, s *Service, c *Case, seq int64, complaintClauses []string) benchRow {
	b, err := json.Marshal(c)
	if err != nil {
		tb.Fatal(err)
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
	return benchRow{sqldb.CaseRow{ID: c.ID, Kind: c.Kind, Respondent: c.Respondent, State: c.State, Closed: c.Closed, Outcome: c.Outcome,
		Opened: c.Opened, Conduct: c.Conduct, Updated: seq, Data: b, Unit: c.Unit, StateSince: c.StateSince, People: c.People(), Sanction: c.SanctionImposed()}, deadlines, clauses}
}

func compact(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// putRows writes case rows, deadlines and clauses in multi-row statements.
func putRows(a *sqldb.Appender, sqlite bool, rows []benchRow) error {
	var cases, deadlines, clauses, people [][]any
	for _, r := range rows {
		closed := 0
		if r.row.Closed {
			closed = 1
		}
		cases = append(cases, []any{r.row.ID, r.row.Kind, r.row.Respondent, r.row.State, closed, r.row.Outcome, int64(r.row.Opened), int64(r.row.Conduct), r.row.Updated, string(r.row.Data),
			r.row.Unit, int64(r.row.StateSince), r.row.Sanction})
		seen := map[sqldb.CasePerson]bool{}
		for _, p := range r.row.People {
			if !seen[p] {
				seen[p] = true
				people = append(people, []any{p.Person, r.row.ID, p.Relation})
			}
		}
		for i, dl := range r.deadlines {
			deadlines = append(deadlines, []any{r.row.ID, i, dl.Kind, dl.What, int64(dl.Due)})
		}
		for _, cl := range r.clauses {
			clauses = append(clauses, []any{r.row.ID, cl})
		}
	}
	for _, t := range []struct {
		table string
		cols  string
		rows  [][]any
	}{
		{"cases", "id, kind, respondent, state, closed, outcome, opened, conduct, updated, data, unit, state_since, sanction", cases},
		{"case_people", "person, case_id, relation", people},
		{"case_deadlines", "case_id, n, kind, what, due", deadlines},
		{"case_clauses", "case_id, clause", clauses},
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
			if _, err := a.Tx().ExecContext(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("%s: %w", t.table, err)
			}
		}
	}
	return nil
}

// checkBuilt re-stores a sample of the built cases through the service's own put
// and checks that nothing changes, and that the record verifies.
func checkBuilt(tb testing.TB, f *fixture, ids []string) {
	type stored struct {
		Row       sqldb.CaseRow
		Deadlines []sqldb.DeadlineRow
		Clauses   []string
	}
	read := func(id string) stored {
		rows, err := f.db.CaseRows(ctx, sqldb.CaseFilter{Respondent: "b" + id[1:]})
		if err != nil || len(rows) != 1 {
			tb.Fatalf("case %s: %v %d", id, err, len(rows))
		}
		dr, err := f.db.Raw().QueryContext(ctx, `SELECT n, kind, what, due FROM case_deadlines WHERE case_id = $1 ORDER BY n`, id)
		if err != nil {
			tb.Fatal(err)
		}
		defer dr.Close()
		var dl []sqldb.DeadlineRow
		for dr.Next() {
			x := sqldb.DeadlineRow{Case: id}
			var due int64
			if err := dr.Scan(&x.N, &x.Kind, &x.What, &due); err != nil {
				tb.Fatal(err)
			}
			x.Due = rulebook.Date(due)
			dl = append(dl, x)
		}
		cr, err := f.db.Raw().QueryContext(ctx, `SELECT clause FROM case_clauses WHERE case_id = $1 ORDER BY clause`, id)
		if err != nil {
			tb.Fatal(err)
		}
		defer cr.Close()
		var clauses []string
		for cr.Next() {
			var c string
			if err := cr.Scan(&c); err != nil {
				tb.Fatal(err)
			}
			clauses = append(clauses, c)
		}
		return stored{rows[0], dl, clauses}
	}
	sample := ids
	if len(ids) > 1000 {
		// 40 cases spread over the whole set, hitting every script.
		sample = nil
		for i := 0; i < 40; i++ {
			sample = append(sample, ids[(i*(len(ids)/40)+i)%len(ids)])
		}
	}
	for _, id := range sample {
		before := read(id)
		c, err := f.s.Case(ctx, id)
		if err != nil {
			tb.Fatal(err)
		}
		replayed, err := f.s.Replay(ctx, id)
		if err != nil {
			tb.Fatal(err)
		}
		if same, x, y := sameJSON(c, replayed); !same {
			tb.Fatalf("case %s: built projection differs from its replay:\n%s\n%s", id, x, y)
		}
		a, err := f.db.Begin(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		if err := f.s.put(a, c, before.Row.Updated); err != nil {
			tb.Fatal(err)
		}
		if err := a.Commit(); err != nil {
			tb.Fatal(err)
		}
		if after := read(id); !reflect.DeepEqual(before, after) {
			tb.Fatalf("case %s: the builder's rows differ from the service's:\n%+v\n%+v", id, before, after)
		}
	}
	if res, err := f.db.Verify(ctx, nil); err != nil || !res.OK {
		tb.Fatalf("verify: %v %+v", err, res)
	}
}

func benchFixture(b *testing.B, engine string) *fixture {
	b.Helper()
	f := newFixture(b, sqldbtest.Open(b, engine), labourBook)
	start := time.Now()
	ids := buildCases(b, f, benchCases)
	built := time.Since(start)
	checkBuilt(b, f, ids)
	b.Logf("%s: built %d cases in %s, checked in %s", engine, len(ids), built.Round(time.Millisecond), (time.Since(start) - built).Round(time.Millisecond))
	return f
}

// BenchmarkDeadlines100k lists the overdue deadlines of 100,000 cases.
func BenchmarkDeadlines100k(b *testing.B) {
	for _, eng := range sqldbtest.Engines {
		b.Run(eng, func(b *testing.B) {
			f := benchFixture(b, eng)
			asOf := d("2019-06-30")
			b.Run("all", func(b *testing.B) {
				var n int
				for b.Loop() {
					dl, err := f.s.Deadlines(ctx, asOf, 0, nil)
					if err != nil {
						b.Fatal(err)
					}
					n = len(dl)
				}
				b.ReportMetric(float64(n), "deadlines")
			})
			b.Run("first100", func(b *testing.B) {
				for b.Loop() {
					if dl, err := f.s.Deadlines(ctx, asOf, 100, nil); err != nil || len(dl) != 100 {
						b.Fatal(err, len(dl))
					}
				}
			})
		})
	}
}

// BenchmarkStatistics100k computes the statistics of 100,000 cases.
func BenchmarkStatistics100k(b *testing.B) {
	for _, eng := range sqldbtest.Engines {
		b.Run(eng, func(b *testing.B) {
			f := benchFixture(b, eng)
			b.Run("all", func(b *testing.B) {
				for b.Loop() {
					st, err := f.s.Statistics(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if len(st.Steps) == 0 || len(st.ClosedByStaff) == 0 {
						b.Fatal("empty statistics")
					}
				}
			})
			// Its three queries, to show where the time goes.
			for name, q := range map[string]func() error{
				"steps":   func() error { _, err := f.db.StepCounts(ctx); return err },
				"clauses": func() error { _, err := f.db.ClauseCounts(ctx); return err },
				"open":    func() error { _, err := f.db.OpenByState(ctx); return err },
			} {
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						if err := q(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// TestBuiltCasesMatchTheService runs the benchmarks' builder on a few hundred
// cases and checks its output against the service, so the benchmark data is known
// to be what the service writes.
func TestBuiltCasesMatchTheService(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, labourBook)
		ids := buildCases(t, f, len(benchScripts()))
		checkBuilt(t, f, ids)
		checkRecord(t, db)
		st, err := f.s.Statistics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var steps int
		for _, s := range st.Steps {
			steps += s.Steps
		}
		want := 0
		for _, sc := range benchScripts() {
			for _, c := range sc.steps {
				if c.Transition[0] != '*' {
					want++
				}
			}
		}
		if steps != want {
			t.Errorf("statistics count %d steps, the scripts take %d", steps, want)
		}
		// Closures by staff and officers, counted from the scripts and the rule book.
		v, _ := f.s.rb().VersionAt(d("2016-01-04"))
		wantStaff := 0
		for _, sc := range benchScripts() {
			for _, c := range sc.steps {
				if tr := v.Discipline.Transitions[c.Transition]; tr != nil && tr.Outcome != "" {
					if k := v.Bodies[c.Body].Kind; k == "staff" || k == "officer" {
						wantStaff++
					}
				}
			}
		}
		gotStaff := 0
		for _, n := range st.ClosedByStaff {
			gotStaff += n
		}
		if wantStaff == 0 || gotStaff != wantStaff {
			t.Errorf("closed by staff: %d (%v), want %d", gotStaff, st.ClosedByStaff, wantStaff)
		}
		open := 0
		for _, n := range st.Open {
			open += n
		}
		if open != 8 {
			t.Errorf("open cases by state %v: %d, want the 8 open scripts", st.Open, open)
		}
	})
}
