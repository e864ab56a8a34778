package app_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// undoUnits takes a database back from migration 7: the members table's two
// fixed unit columns of the first releases, and the old units table.
var undoUnits = []string{
	`DROP INDEX units_parent`, `ALTER TABLE units RENAME TO branches`,
	`ALTER TABLE members ADD COLUMN branch TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE members ADD COLUMN constituency TEXT NOT NULL DEFAULT ''`,
	`DROP INDEX members_unit`, `ALTER TABLE members DROP COLUMN unit`,
	`CREATE INDEX members_branch ON members (branch)`,
}

// undoChain takes a SQLite database back from migration 9: the access log
// unchained, no checkpoints kept (and so back from migration 14, which made
// its entries erasable).
var undoChain = []string{
	`DROP TRIGGER access_log_no_update`, `DROP TRIGGER access_log_no_delete`, `DROP TABLE checkpoints`,
	`ALTER TABLE access_log DROP COLUMN erased`, `ALTER TABLE access_log DROP COLUMN prev_hash`, `ALTER TABLE access_log DROP COLUMN hash`,
}

// reopen closes w's application and database and opens them again, under the
// example's rule book, as a new release would: the database is migrated and
// the application does what a migration asks of it.
func reopen(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	path := w.db.DSN()
	w.a.Close()
	w.db.Close()
	db, err := sqldb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	src, err := examples.FS.ReadFile(examples.Labour)
	if err != nil {
		t.Fatal(err)
	}
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
	t.Cleanup(func() { a.Close() }) // before the database closes
	w.db, w.a = db, a
}

// TestUpgradeDeadlineWords takes the demo's database back to schema 16, its
// deadlines in the words the releases before 17 stored, and opens it again:
// the cases are rebuilt, the deadlines reworded (dates written out), and the
// projection matches the record.
func TestUpgradeDeadlineWords(t *testing.T) {
	w := newWorld(t)
	for _, q := range []string{`UPDATE case_deadlines SET what = 'review the administrative suspension in force since 2016-07-20' WHERE kind = 'suspension_review'`,
		`DELETE FROM schema_migrations WHERE version >= 17`} {
		if _, err := w.db.Raw().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	reopen(t, w)
	if !w.db.Migrated(17) {
		t.Fatal("migration 17 was not applied")
	}
	var whats []string
	rows, err := w.db.Raw().Query(`SELECT what FROM case_deadlines WHERE kind = 'suspension_review'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		whats = append(whats, s)
	}
	rows.Close()
	if !slices.Equal(whats, []string{"review the administrative suspension in force since 20 July 2016"}) {
		t.Errorf("the suspension's review after the migration: %q", whats)
	}
	if diffs, err := w.a.CheckProjection(operator()); err != nil || len(diffs) > 0 {
		t.Errorf("the projection after the migration: %v %v", diffs, err)
	}
}

// TestUpgradeToUnits takes the demo's database back to schema 5, before units
// (the members table's old columns empty, as a projection it could not fill), and
// opens it again: the application rebuilds the register, and every member is in
// the unit the record places them in, the lists by unit as before.
func TestUpgradeToUnits(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	units := func(db *sqldb.DB) (map[string]string, []string) {
		hs, err := db.Histories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, h := range hs {
			m[h.Member.ID] = h.Member.Unit
		}
		ms, err := db.Members(ctx, sqldb.MemberFilter{Unit: "northport-central"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, x := range ms {
			ids = append(ids, x.ID)
		}
		return m, ids
	}
	before, central := units(w.db)
	if before["M0001"] != "harbour-ward" || len(central) < 10 {
		t.Fatalf("the demo should have members in branches of Northport Central: %v, %q", before["M0001"], central)
	}
	for _, q := range append(append(undoChain, undoUnits...), `DELETE FROM schema_migrations WHERE version >= 7`) {
		if _, err := w.db.Raw().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	reopen(t, w)
	db, a := w.db, w.a
	if !db.Migrated(7) || !db.Migrated(8) || !db.Migrated(9) || db.Migrated(6) {
		t.Fatal("migrations 7, 8 and 9, and only they, should have been applied")
	}
	after, central2 := units(db)
	if !maps.Equal(after, before) || !slices.Equal(central2, central) {
		t.Errorf("after the upgrade: %v and %q; before it: %v and %q", after, central2, before, central)
	}
	if diffs, err := a.CheckProjection(operator()); err != nil || len(diffs) > 0 {
		t.Errorf("after the upgrade the projections differ from the record: %v %v", diffs, err)
	}
}

// TestUpgradeToIndexedLists takes the demo's database back to schema 3 (dropping
// what migrations 4 to 6 add), opens it again, and checks that the application fills
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
	for _, q := range append(append([]string{
		`DROP INDEX complaints_case`, `DROP INDEX complaints_seq`, `ALTER TABLE complaints DROP COLUMN case_id`,
		`DROP INDEX case_clauses_clause`, `ALTER TABLE case_clauses DROP COLUMN closed`, `ALTER TABLE case_clauses DROP COLUMN conduct`,
		`DROP TABLE case_factors`, `DROP INDEX cases_open`, `DROP INDEX case_deadlines_due`, `CREATE INDEX case_deadlines_due ON case_deadlines (due)`,
		`DROP TABLE complaint_counts`, `DROP TABLE waivers`, `DROP TABLE occasions`, `DROP TABLE servings`,
	}, append(undoChain, undoUnits...)...), `DELETE FROM schema_migrations WHERE version >= 4`) {
		if _, err := w.db.Raw().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	reopen(t, w)
	if !w.db.Migrated(4) {
		t.Fatal("migration 4 was not applied")
	}
	gotWaiting, gotCounts, gotFactors := want()
	if !slices.Equal(gotWaiting, waiting) || gotFactors != factors {
		t.Errorf("after the upgrade: waiting %v, %d factors; before it: %v, %d", gotWaiting, gotFactors, waiting, factors)
	}
	for q, n := range counts {
		if gotCounts[q] != n {
			t.Errorf("after the upgrade, %d complaints counted in %s, want %d", gotCounts[q], q, n)
		}
	}
	if diffs, err := w.a.CheckProjection(operator()); err != nil || len(diffs) > 0 {
		t.Errorf("after the upgrade the projections differ from the record: %v %v", diffs, err)
	}
}
