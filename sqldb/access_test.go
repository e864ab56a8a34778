package sqldb_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// logN logs n entries, in batches of per, at one-second steps from 2026-01-01.
func logN(t *testing.T, db *sqldb.DB, from, n, per int) {
	t.Helper()
	var batch []sqldb.Access
	for i := from; i < from+n; i++ {
		batch = append(batch, sqldb.Access{At: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), Actor: fmt.Sprintf("reader-%d", i%3),
			Action: "view_member", Subject: fmt.Sprintf("M%04d", i), Detail: "as recorded"})
		if len(batch) == per || i == from+n-1 {
			if err := db.LogAccess(ctx, batch...); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

func verifyAccess(t *testing.T, db *sqldb.DB) *sqldb.VerifyResult {
	t.Helper()
	res, err := db.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestAccessLogChained: entries logged in batches are chained in order and verify;
// the database refuses to change or delete them.
func TestAccessLogChained(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		logN(t, db, 0, 1203, 600) // more than one insert statement a batch
		res := verifyAccess(t, db)
		if !res.OK || res.AccessEntries != 1203 || len(res.Faults) != 0 {
			t.Fatalf("%+v", res)
		}
		log, err := db.AccessLog(ctx, "", 2)
		if err != nil || len(log) != 2 || log[0].ID != 1203 || log[0].Subject != "M1202" || log[1].ID != 1202 {
			t.Fatalf("newest entries: %+v %v", log, err)
		}
		hs, err := db.AccessHashes(ctx)
		if err != nil || len(hs) != 1203 || hs[1202] != res.AccessHead {
			t.Fatalf("hashes: %d %v", len(hs), err)
		}
		qs := []string{`UPDATE access_log SET actor = 'x' WHERE id = 2`, `DELETE FROM access_log WHERE id = 2`,
			`UPDATE checkpoints SET size = 0`, `DELETE FROM checkpoints`}
		if db.Dialect() == "postgres" {
			qs = append(qs, `TRUNCATE access_log`, `TRUNCATE checkpoints`)
		}
		if err := db.StoreCheckpoint(ctx, 6, 1203, []byte("note")); err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			if err := sqldbtest.Exec(db, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: got %v, want the append-only trigger to refuse", q, err)
			}
		}
	})
}

// TestAccessLogStoresTextAsGiven: an entry's text is stored as given, whatever
// characters it holds (PostgreSQL stores a batch through COPY, whose text
// format escapes the backslash, tab, line end and carriage return), and the
// chain verifies over it.
func TestAccessLogStoresTextAsGiven(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		odd := []string{`back\slash \N \x00`, "tab\tnew\nline\r\n", "Gwenllïan ŵ łódź ğ", "محمد 李小龙", `\.`, ""}
		var batch []sqldb.Access
		for i, d := range odd {
			batch = append(batch, sqldb.Access{At: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), Actor: d + "-actor", Action: "search", Subject: d, Detail: d})
		}
		if err := db.LogAccess(ctx, batch...); err != nil {
			t.Fatal(err)
		}
		if res := verifyAccess(t, db); !res.OK || res.AccessEntries != int64(len(odd)) || len(res.Faults) != 0 {
			t.Fatalf("%+v", res)
		}
		log, err := db.AccessLog(ctx, "", 0)
		if err != nil || len(log) != len(odd) {
			t.Fatalf("%+v %v", log, err)
		}
		for i, e := range log {
			d := odd[len(odd)-1-i] // newest first
			if e.Actor != d+"-actor" || e.Subject != d || e.Detail != d {
				t.Errorf("entry %d: stored %q %q %q, logged %q", e.ID, e.Actor, e.Subject, e.Detail, d)
			}
		}
	})
}

// TestVerifyCatchesAccessTampering: an access-log entry deleted, edited, edited
// and re-hashed, or moved is a fault naming the entry (or, for one deleted, its
// neighbours) by id and time; the record itself still verifies.
func TestVerifyCatchesAccessTampering(t *testing.T) {
	at := func(i int) string { return time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC).Format(time.RFC3339Nano) }
	cases := []struct {
		name string
		sql  []string
		want []string
	}{
		{"edited", []string{`UPDATE access_log SET actor = 'someone else' WHERE id = 5`},
			[]string{"access-log entry 5 (at " + at(4) + ") was edited"}},
		{"deleted", []string{`DELETE FROM access_log WHERE id = 5`},
			[]string{"entries between access-log entry 4 (at " + at(3) + ") and access-log entry 6 (at " + at(5) + ") were deleted"}},
		{"deleted and renumbered", []string{`DELETE FROM access_log WHERE id = 5`, `UPDATE access_log SET id = id - 1 WHERE id > 5`},
			[]string{"access-log entry 5 (at " + at(5) + ") was moved: it was chained as entry 6"}},
		{"moved", []string{`UPDATE access_log SET id = 100 WHERE id = 5`, `UPDATE access_log SET id = 5 WHERE id = 6`, `UPDATE access_log SET id = 6 WHERE id = 100`},
			[]string{"access-log entry 5 (at " + at(5) + ") was moved: it was chained as entry 6"}},
		{"edited and re-hashed", []string{"rehash 5"},
			[]string{"access-log entry 6 (at " + at(5) + ") was not chained after the entry stored before it, access-log entry 5 (at " + at(4) + ")"}},
		{"first deleted", []string{`DELETE FROM access_log WHERE id = 1`},
			[]string{"the access-log entries before access-log entry 2 (at " + at(1) + ") were deleted"}},
		{"hidden as erased", []string{`UPDATE access_log SET actor = '', subject = '', detail = '', erased = 1 WHERE id = 5`},
			[]string{"access-log entry 5 (at " + at(4) + ") is marked erased, but no erasure of the access log recorded in the chain reaches it (the furthest reaches entry 0): the entry was hidden in the database"}},
		{"unchained entry inserted", []string{`INSERT INTO access_log (id, at, actor, action, subject) VALUES (100, 0, 'x', 'y', 'z')`},
			[]string{"access-log entry 100 (at 1970-01-01T00:00:00Z) was tampered with"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
				seed(t, db)
				logN(t, db, 0, 10, 3)
				if err := sqldbtest.DisableAppendOnlyOf(db, "access_log"); err != nil {
					t.Fatal(err)
				}
				for _, q := range tc.sql {
					var err error
					if id, ok := strings.CutPrefix(q, "rehash "); ok {
						// A careful insider edits an entry and recomputes its own hash.
						var e sqldb.Access
						var prev []byte
						var atMicro int64
						if err := db.Raw().QueryRow(`SELECT id, at, actor, action, subject, detail, prev_hash FROM access_log WHERE id = `+id).
							Scan(&e.ID, &atMicro, &e.Actor, &e.Action, &e.Subject, &e.Detail, &prev); err != nil {
							t.Fatal(err)
						}
						h := rulebook.AccessHash(e.ID, atMicro, "someone else", e.Action, e.Subject, e.Detail, rulebook.Hash(prev))
						err = sqldbtest.Exec(db, `UPDATE access_log SET actor = 'someone else', hash = $1 WHERE id = $2`, h[:], e.ID)
					} else {
						err = sqldbtest.Exec(db, q)
					}
					if err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				if err := sqldbtest.RestoreAppendOnlyOf(db, "access_log"); err != nil {
					t.Fatal(err)
				}
				res := verifyAccess(t, db)
				if res.OK || res.Problem != nil || len(res.Faults) != 1 {
					t.Fatalf("%+v", res)
				}
				for _, w := range tc.want {
					if !strings.Contains(res.Faults[0], w) {
						t.Errorf("fault %q, want it to say %q", res.Faults[0], w)
					}
				}
			})
		})
	}
}

// TestVerifyReportsMissingAccessGuards: the access log's and the stored
// checkpoints' append-only triggers, dropped or disabled, are faults.
func TestVerifyReportsMissingAccessGuards(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		logN(t, db, 0, 3, 3)
		for _, tc := range []struct{ table, trigger string }{{"access_log", "access_log_no_update"}, {"checkpoints", "checkpoints_no_delete"}} {
			q := `DROP TRIGGER ` + tc.trigger
			if db.Dialect() == "postgres" {
				q = `ALTER TABLE ` + tc.table + ` DISABLE TRIGGER ` + strings.Replace(tc.trigger, "_no_delete", "_no_update", 1)
			}
			if err := sqldbtest.Exec(db, q); err != nil {
				t.Fatal(err)
			}
			res := verifyAccess(t, db)
			if res.OK || len(res.Faults) != 1 || !strings.Contains(res.Faults[0], tc.table) {
				t.Errorf("after %s: %+v", q, res)
			}
			if db.Dialect() == "sqlite" {
				for _, op := range []string{"update", "delete"} {
					if err := sqldbtest.Exec(db, `DROP TRIGGER IF EXISTS `+tc.table+`_no_`+op); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := sqldbtest.RestoreAppendOnlyOf(db, tc.table); err != nil {
				t.Fatal(err)
			}
			if res := verifyAccess(t, db); !res.OK {
				t.Fatalf("after restoring: %+v", res)
			}
		}
	})
}

// TestMigrationChainsAccessLog takes a database back to before migration 9, with
// entries logged as the earlier releases logged them (PostgreSQL's ids from an
// identity, with gaps), and opens it again: the entries are chained, in the
// migration's transaction, and verify; new entries follow them.
func TestMigrationChainsAccessLog(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		undoMigration9(t, db)
		for _, q := range []string{
			`INSERT INTO access_log (at, actor, action, subject, detail) VALUES (1, 'ann', 'view_member', 'm1', '')`,
			`INSERT INTO access_log (at, actor, action, subject) VALUES (2, 'bob', 'view_case', 'case/D-1')`,
			`INSERT INTO access_log (at, actor, action, subject) VALUES (3, 'cy', 'view_member', 'm2')`,
		} {
			if err := sqldbtest.Exec(db, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if db.Dialect() == "postgres" {
			// A gap, as a rolled-back insert leaves.
			if err := sqldbtest.Exec(db, `DELETE FROM access_log WHERE id = 8`); err != nil {
				t.Fatal(err)
			}
		}
		dsn := db.DSN()
		db.Close()
		db, err := sqldb.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if !db.Migrated(9) {
			t.Fatal("migration 9 was not applied")
		}
		want := int64(3)
		if db.Dialect() == "postgres" {
			want = 2
		}
		res := verifyAccess(t, db)
		if !res.OK || res.AccessEntries != want {
			t.Fatalf("after the migration: %+v", res)
		}
		logN(t, db, 0, 2, 2)
		if res := verifyAccess(t, db); !res.OK || res.AccessEntries != want+2 {
			t.Fatalf("after logging more: %+v", res)
		}
		if err := sqldbtest.Exec(db, `DELETE FROM access_log`); err == nil {
			t.Error("the migrated access log is not append-only")
		}
	})
}

// undoMigration9 takes the schema back to before migration 9: the access log
// unchained (on PostgreSQL with its ids from an identity again, starting at 7), no
// stored checkpoints; and so before migration 14, which changed the access log
// again (its entries erasable).
func undoMigration9(t *testing.T, db *sqldb.DB) {
	t.Helper()
	back := []string{`DROP TRIGGER access_log_no_update`, `DROP TRIGGER access_log_no_delete`, `DROP TABLE checkpoints`,
		`ALTER TABLE access_log DROP COLUMN erased`, `ALTER TABLE access_log DROP COLUMN prev_hash`, `ALTER TABLE access_log DROP COLUMN hash`}
	if db.Dialect() == "postgres" {
		back = []string{`DROP FUNCTION append_only CASCADE`, `DROP FUNCTION access_log_append_only CASCADE`, `DROP TABLE checkpoints`,
			`ALTER TABLE access_log DROP COLUMN erased`, `ALTER TABLE access_log DROP COLUMN prev_hash`, `ALTER TABLE access_log DROP COLUMN hash`,
			`ALTER TABLE access_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (START WITH 7)`}
	}
	// Migration 10 (selections) came after, and may run over itself.
	back = append(back, `DELETE FROM schema_migrations WHERE version >= 9`)
	for _, q := range back {
		if err := sqldbtest.Exec(db, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
