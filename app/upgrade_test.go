package app_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// TestUpgradeToIndexedLists takes the demo's database back to schema 3 (dropping
// what migration 4 adds), opens it again, and checks that the application fills
// the new columns and tables from the record: waiting complaints, precedents'
// factors, complaints by quarter.
func TestUpgradeToIndexedLists(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	want := func() (waiting []string, counts map[string]int, factors int) {
		ws, err := w.db.Complaints(ctx, sqldb.ComplaintFilter{Waiting: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ws {
			waiting = append(waiting, c.ID)
		}
		if counts, err = w.db.ComplaintsByQuarter(ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.db.Raw().QueryRowContext(ctx, `SELECT COUNT(*) FROM case_factors`).Scan(&factors); err != nil {
			t.Fatal(err)
		}
		return waiting, counts, factors
	}
	if _, err := w.a.ReportComplaint(context.Background(), app.ReportInput{About: "a councillor", Summary: "remarks at a meeting", Conduct: rulebook.MustDate("2026-11-20")}, "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	waiting, counts, factors := want()
	all, err := w.db.Complaints(ctx, sqldb.ComplaintFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(waiting) == 0 || len(waiting) == len(all) || len(counts) == 0 || factors == 0 {
		t.Fatalf("the demo should have complaints waiting and not, counts and factors: %d of %d waiting, %v, %d factors", len(waiting), len(all), counts, factors)
	}
	path := w.db.DSN()
	for _, q := range []string{
		`DROP INDEX complaints_case`, `DROP INDEX complaints_seq`, `ALTER TABLE complaints DROP COLUMN case_id`,
		`DROP INDEX case_clauses_clause`, `ALTER TABLE case_clauses DROP COLUMN closed`, `ALTER TABLE case_clauses DROP COLUMN conduct`,
		`DROP TABLE case_factors`, `DROP INDEX cases_open`, `DROP INDEX case_deadlines_due`, `CREATE INDEX case_deadlines_due ON case_deadlines (due)`,
		`DROP TABLE complaint_counts`, `DROP TABLE waivers`, `DROP TABLE occasions`, `DROP TABLE servings`, `DELETE FROM schema_migrations WHERE version IN (4, 5, 6)`,
	} {
		if _, err := w.db.Raw().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	w.db.Close()
	db, err := sqldb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if !db.Migrated(4) {
		t.Fatal("migration 4 was not applied")
	}
	src, _ := examples.FS.ReadFile(examples.Labour)
	rb, err := rules.Load(examples.Labour, src)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := register.New(ctx, db, rb, src)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	w.db, w.a = db, a
	gotWaiting, gotCounts, gotFactors := want()
	if !slices.Equal(gotWaiting, waiting) || gotFactors != factors {
		t.Errorf("after the upgrade: waiting %v, %d factors; before it: %v, %d", gotWaiting, gotFactors, waiting, factors)
	}
	for q, n := range counts {
		if gotCounts[q] != n {
			t.Errorf("after the upgrade, %d complaints counted in %s, want %d", gotCounts[q], q, n)
		}
	}
	if diffs, err := a.CheckProjection(operator()); err != nil || len(diffs) > 0 {
		t.Errorf("after the upgrade the projections differ from the record: %v %v", diffs, err)
	}
}
