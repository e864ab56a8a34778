package sqldb_test

import (
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestDueByInChunks lists deadlines a few at a time, in and out of a scope, and
// compares them with the list worked out from the cases: open cases' deadlines and
// closed cases' conditions, due by a date, in order of due date, case and number.
func TestDueByInChunks(t *testing.T) {
	defer sqldb.SetDueChunk(7)()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		base := rulebook.MustDate("2020-01-01")
		var cases []sqldb.NewCase
		for i := range 60 {
			c := sqldb.NewCase{Row: sqldb.CaseRow{ID: fmt.Sprintf("K%03d", i), Kind: "complaint", Respondent: fmt.Sprintf("m%d", i), State: "open",
				Closed: i%4 == 0, Opened: base, Conduct: base, Data: []byte("{}"), Unit: []string{"east", "west", "north"}[i%3]}}
			for n := range i % 5 {
				kind := "step"
				if n == 1 {
					kind = "condition"
				}
				c.Deadlines = append(c.Deadlines, sqldb.DeadlineRow{Kind: kind, What: fmt.Sprintf("deadline %d", n), Due: base.AddDays((i*7+n*13)%90 - 30)})
			}
			cases = append(cases, c)
		}
		a, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.PutNewCases(cases); err != nil {
			t.Fatal(err)
		}
		if err := a.Commit(); err != nil {
			t.Fatal(err)
		}
		until := base.AddDays(20)
		for _, tc := range []struct {
			name  string
			limit int
			scope *sqldb.CaseScope
			in    func(c sqldb.CaseRow) bool
		}{
			{"all", 0, nil, func(sqldb.CaseRow) bool { return true }},
			{"first 10", 10, nil, func(sqldb.CaseRow) bool { return true }},
			{"one unit", 0, &sqldb.CaseScope{Units: []string{"west"}}, func(c sqldb.CaseRow) bool { return c.Unit == "west" }},
			{"one unit, first 5", 5, &sqldb.CaseScope{Units: []string{"north"}}, func(c sqldb.CaseRow) bool { return c.Unit == "north" }},
			{"no unit", 0, &sqldb.CaseScope{Units: []string{"south"}}, func(sqldb.CaseRow) bool { return false }},
		} {
			var want []string
			var all []sqldb.DeadlineRow
			for _, c := range cases {
				for n, d := range c.Deadlines {
					if d.Due <= until && tc.in(c.Row) && (!c.Row.Closed || d.Kind == "condition") {
						d.Case, d.N = c.Row.ID, n
						all = append(all, d)
					}
				}
			}
			sort.Slice(all, func(i, j int) bool {
				a, b := all[i], all[j]
				if a.Due != b.Due {
					return a.Due < b.Due
				}
				if a.Case != b.Case {
					return a.Case < b.Case
				}
				return a.N < b.N
			})
			for i, d := range all {
				if tc.limit > 0 && i == tc.limit {
					break
				}
				want = append(want, fmt.Sprintf("%s %s %s", d.Due, d.Case, d.What))
			}
			rows, err := db.DueBy(ctx, until, tc.limit, tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range rows {
				got = append(got, fmt.Sprintf("%s %s %s", d.Due, d.Case, d.What))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: got\n%v\nwant\n%v", tc.name, got, want)
			}
			if tc.name == "all" && len(want) < 30 {
				t.Fatalf("only %d deadlines due: the chunks are not tested", len(want))
			}
		}
	})
}
