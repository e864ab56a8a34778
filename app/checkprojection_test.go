package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// A case's state, its deadlines, its clauses and a dated list edited directly in
// the database: the check of the projection names each difference, the case list
// and the deadlines show the forgery until a rebuild, and the rebuild restores
// what the events say.
func TestCheckProjectionSeesCaseTables(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a, _ := demoInto(t, db)
		if diffs, err := a.CheckProjection(operator()); err != nil || len(diffs) > 0 {
			t.Fatalf("the demo's projections differ from the record: %v %v", diffs, err)
		}
		const id = "D-2016-002"
		var n int
		var kind string
		var due int64
		if err := db.Raw().QueryRow(`SELECT n, kind, due FROM case_deadlines WHERE case_id = $1 ORDER BY n LIMIT 1`, id).Scan(&n, &kind, &due); err != nil {
			t.Fatal(err)
		}
		day := rulebook.Date(due)
		overdue := func() bool {
			ds, err := db.DueBy(ctx, day, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(ds, func(d sqldb.DeadlineRow) bool { return d.Case == id })
		}
		if !overdue() {
			t.Fatalf("case %s is not among the deadlines due by %s", id, day)
		}
		for _, q := range []string{
			`UPDATE cases SET state = 'closed', closed = 1, outcome = 'dismissed' WHERE id = 'D-2016-002'`,
			`DELETE FROM case_deadlines WHERE case_id = 'D-2016-002'`,
			`DELETE FROM case_clauses WHERE case_id = 'D-2016-002'`,
			`UPDATE list_entries SET data = REPLACE(data, 'Howard Pellow', 'Someone Else') WHERE id = 'northport-mayor-2000'`,
		} {
			if err := sqldbtest.Exec(db, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if overdue() {
			t.Fatal("the deadlines were deleted but are still listed")
		}
		diffs, err := a.CheckProjection(operator())
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			`cases: case D-2016-002: state is "closed", the events make it "under_investigation"`,
			`cases: case D-2016-002: closed is true, the events make it false`,
			`cases: case D-2016-002: outcome is "dismissed", the events make it ""`,
			"case_deadlines: case D-2016-002: deadline " + day.String() + " (" + kind + ") missing",
			`list_entries: entry northport-mayor-2000 on official_candidates: data differs from the events`,
		} {
			if !slices.Contains(diffs, want) {
				t.Errorf("not reported: %s\ngot:\n%s", want, strings.Join(diffs, "\n"))
			}
		}
		if !slices.ContainsFunc(diffs, func(d string) bool { return strings.HasPrefix(d, "case_clauses: case D-2016-002: clause ") }) {
			t.Errorf("the deleted clauses are not reported:\n%s", strings.Join(diffs, "\n"))
		}
		if _, _, _, err := a.Rebuild(operator()); err != nil {
			t.Fatal(err)
		}
		if diffs, err := a.CheckProjection(operator()); err != nil || len(diffs) > 0 {
			t.Fatalf("after the rebuild: %v %v", diffs, err)
		}
		if !overdue() {
			t.Fatal("the rebuild did not restore the deadlines")
		}
		es, err := db.ListEntries(ctx, "official_candidates")
		if err != nil || !strings.Contains(string(es["northport-mayor-2000"]), "Howard Pellow") {
			t.Fatalf("the rebuild did not restore the list entry: %s %v", es["northport-mayor-2000"], err)
		}
	})
}
