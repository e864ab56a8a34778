package discipline

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// The benchmarks build 100,000 cases with full histories with GenerateCases
// (generate.go), which does what Take and store do but many cases to a
// transaction. A sample of the cases is then re-stored through the service's own
// code and compared.

const benchCases = 100_000

// labourPlan is the case plan for the Labour-modelled example rule book.
const labourPlan = "../examples/labour-2016-cases.json"

func readPlan(tb testing.TB, path string) *CasePlan {
	tb.Helper()
	p, err := ReadCasePlan(path)
	if err != nil {
		tb.Fatal(err)
	}
	return p
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

// caseTables are the tables put, AddCaseStep and their running totals write.
var caseTables = []string{"cases", "case_deadlines", "case_clauses", "case_complaints", "case_people", "case_factors", "complaints", "case_steps",
	"case_step_counts", "case_clause_counts", "case_sanction_counts", "case_flow_counts"}

// dumpCaseTables returns every row of the case tables, as text, sorted.
func dumpCaseTables(tb testing.TB, db *sqldb.DB) map[string][]string {
	out := map[string][]string{}
	for _, t := range caseTables {
		rows, err := db.Raw().QueryContext(ctx, `SELECT * FROM `+t)
		if err != nil {
			tb.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				tb.Fatal(err)
			}
			var line []string
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				line = append(line, fmt.Sprintf("%s=%v", cols[i], v))
			}
			out[t] = append(out[t], strings.Join(line, " "))
		}
		rows.Close()
		sort.Strings(out[t])
	}
	return out
}

// checkRebuilt rebuilds every case, its step rows and the running totals from the
// events through the service's own code, and checks that every row of every case
// table is as the builder wrote it (before, from dumpCaseTables): the builder
// wrote what the service would have.
func checkRebuilt(tb testing.TB, f *fixture, before map[string][]string) {
	if _, err := f.s.RebuildCases(ctx); err != nil {
		tb.Fatal(err)
	}
	after := dumpCaseTables(tb, f.db)
	for _, t := range caseTables {
		if len(before[t]) == 0 {
			tb.Errorf("%s: the builder wrote no rows", t)
		}
		if reflect.DeepEqual(before[t], after[t]) {
			continue
		}
		b, a := map[string]bool{}, map[string]bool{}
		for _, r := range before[t] {
			b[r] = true
		}
		for _, r := range after[t] {
			a[r] = true
		}
		var diffs []string
		for _, r := range before[t] {
			if !a[r] {
				diffs = append(diffs, "  built only:   "+r)
			}
		}
		for _, r := range after[t] {
			if !b[r] {
				diffs = append(diffs, "  rebuilt only: "+r)
			}
		}
		if len(diffs) > 10 {
			diffs = append(diffs[:10], fmt.Sprintf("  … %d more", len(diffs)-10))
		}
		tb.Errorf("%s: %d rows built, %d rebuilt by the service:\n%s", t, len(before[t]), len(after[t]), strings.Join(diffs, "\n"))
	}
}

func benchFixture(b *testing.B, engine string) *fixture {
	b.Helper()
	f := newFixture(b, sqldbtest.Open(b, engine), labourBook)
	start := time.Now()
	ids, err := f.s.GenerateCases(ctx, readPlan(b, labourPlan), benchCases)
	if err != nil {
		b.Fatal(err)
	}
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

// TestGenerateCasesRefuses checks that the builder says at once what it needs: a
// rule book with everything the plan names, and a database without generated cases.
func TestGenerateCasesRefuses(t *testing.T) {
	plan := readPlan(t, labourPlan)
	f := newFixture(t, sqldbtest.Open(t, "sqlite"), clubBook)
	before, err := f.db.Events(ctx, sqldb.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if ids, err := f.s.GenerateCases(ctx, plan, 10); err == nil || !regexp.MustCompile(`labour-2016-cases\.json:\d+: start: .*no version`).MatchString(err.Error()) {
		t.Errorf("club rule book: %d cases, error %v; want an error naming the plan's file, line and field and what the rule book lacks", len(ids), err)
	} else {
		t.Log(err)
	}
	if after, err := f.db.Events(ctx, sqldb.EventFilter{}); err != nil || len(after) != len(before) {
		t.Errorf("club rule book: %d events written (%v), want none", len(after)-len(before), err)
	}
	f = newFixture(t, sqldbtest.Open(t, "sqlite"), labourBook)
	if ids, err := f.s.GenerateCases(ctx, plan, 3); err != nil || len(ids) != 3 {
		t.Fatalf("%v %v", ids, err)
	}
	if _, err := f.s.GenerateCases(ctx, plan, 3); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("generating twice: %v, want an error", err)
	}
}

// TestBuiltCasesMatchTheService runs the benchmarks' builder on one round of the
// plan's scripts (80 cases) and checks its output against the service, so the
// benchmark data is known to be what the service writes.
func TestBuiltCasesMatchTheService(t *testing.T) {
	plan := readPlan(t, labourPlan)
	// One round of the scripts: each as many times as its copies.
	var scripts []*PlanScript
	for i := range plan.Scripts {
		for range plan.Scripts[i].Copies {
			scripts = append(scripts, &plan.Scripts[i])
		}
	}
	for i, sc := range scripts {
		if plan.scriptFor(i) != sc || plan.scriptFor(i+len(scripts)) != sc {
			t.Fatalf("case %d is not taken through script %d of the round", i, i)
		}
	}
	if len(scripts) != 80 {
		t.Fatalf("the plan has %d cases in a round, want 80", len(scripts))
	}
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, labourBook)
		ids, err := f.s.GenerateCases(ctx, plan, len(scripts))
		if err != nil {
			t.Fatal(err)
		}
		built := dumpCaseTables(t, db)
		checkBuilt(t, f, ids)
		checkRecord(t, db)
		checkRebuilt(t, f, built)
		st, err := f.s.Statistics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var steps int
		for _, s := range st.Steps {
			steps += s.Steps
		}
		want := 0
		for _, sc := range scripts {
			for _, st := range sc.Steps {
				if st.Mitigation == "" {
					want++
				}
			}
		}
		if steps != want {
			t.Errorf("statistics count %d steps, the scripts take %d", steps, want)
		}
		// Closures by staff and officers, counted from the scripts and the rule book.
		v, _ := f.s.rb().VersionAt(plan.Start)
		wantStaff, wantOpen := 0, 0
		for _, sc := range scripts {
			closed := false
			for _, st := range sc.Steps {
				if tr := v.Discipline.Transitions[st.Transition]; tr != nil && tr.Outcome != "" {
					if k := v.Bodies[st.Body].Kind; k == "staff" || k == "officer" {
						wantStaff++
					}
				}
				if tr := v.Discipline.Transitions[st.Transition]; tr != nil && tr.To != "" {
					closed = v.Discipline.States[tr.To].Closed
				}
			}
			if !closed {
				wantOpen++
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
		if open != wantOpen || open != 8 {
			t.Errorf("open cases by state %v: %d, want the %d open scripts (8)", st.Open, open, wantOpen)
		}
		// Staff who see their unit's cases see them all: each is handled by the
		// unit the procedure names.
		rows, err := db.CaseRows(ctx, sqldb.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Unit == "" || r.Unit != v.Discipline.HandledBy {
				t.Errorf("case %s is handled by %q, want %q", r.ID, r.Unit, v.Discipline.HandledBy)
				break
			}
		}
	})
}
