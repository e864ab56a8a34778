package sqldb_test

import (
	"context"
	"os"
	"testing"

	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestCredentialGenerationByWAL checks that SQLite's credential generation is
// kept while nothing commits, and read again, and found changed, after any
// commit by another DB (as by another process): a change to an account, and
// one that changes no credential; and read from the database each time when
// the write-ahead log's index cannot be read.
func TestCredentialGenerationByWAL(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	ctx := context.Background()
	other, err := sqldb.Open(ctx, db.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := other.Raw().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	gen := func() int64 {
		t.Helper()
		n, err := db.CredentialGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	g0 := gen()
	reads := sqldb.CredentialReads(db)
	for range 10 {
		if g := gen(); g != g0 {
			t.Fatalf("the generation moved from %d to %d with nothing changed", g0, g)
		}
	}
	if n := sqldb.CredentialReads(db) - reads; n != 0 {
		t.Errorf("%d reads of the generation with nothing committed", n)
	}

	// An account made elsewhere: seen by the very next request.
	exec(`INSERT INTO accounts (name, display, roles, updated) VALUES ('ann', 'Ann', '', 0)`)
	if g := gen(); g == g0 {
		t.Errorf("an account added elsewhere left the generation at %d", g)
	}
	g1, reads := gen(), sqldb.CredentialReads(db)
	// A commit that changes no credential: read again, found the same.
	exec(`UPDATE api_tokens SET last_used = 1`)
	exec(`INSERT INTO units (id, name, kind, parent) VALUES ('u', 'U', 'branch', '')`)
	if g := gen(); g != g1 {
		t.Errorf("the generation moved from %d to %d with no credential changed", g1, g)
	}
	if n := sqldb.CredentialReads(db) - reads; n != 1 {
		t.Errorf("%d reads of the generation after a commit elsewhere, want 1", n)
	}
	exec(`UPDATE accounts SET disabled = 1 WHERE name = 'ann'`)
	if g := gen(); g == g1 {
		t.Errorf("an account disabled elsewhere left the generation at %d", g)
	}

	// Without the index (as after the last connection closed), every request
	// reads the generation.
	shm := db.DSN() + "-shm"
	if _, err := os.Stat(shm); err != nil {
		t.Fatalf("no index beside the database: %v", err)
	}
	if err := os.Rename(shm, shm+".away"); err != nil {
		t.Fatal(err)
	}
	reads = sqldb.CredentialReads(db)
	g2 := gen()
	gen()
	if n := sqldb.CredentialReads(db) - reads; n != 2 {
		t.Errorf("%d reads of the generation in 2 requests without the index", n)
	}
	if err := os.Rename(shm+".away", shm); err != nil {
		t.Fatal(err)
	}
	if g := gen(); g != g2 {
		t.Errorf("the generation moved from %d to %d", g2, g)
	}
}
