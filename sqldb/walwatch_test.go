package sqldb_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestCredentialGenerationByWAL checks that SQLite's credential generation is
// kept while nothing commits, and read again, and found changed, after any
// commit by another DB (as by another process): a change to an account, and
// one that changes no credential; also once every other connection has closed
// the database and another has opened it again.
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

	// The database closed by every other connection and opened again: the
	// watch's own connection kept the index, which the next change rewrites.
	other.Close()
	third, err := sqldb.Open(ctx, db.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	g2 := gen()
	if _, err := third.Raw().ExecContext(ctx, `DELETE FROM accounts WHERE name = 'ann'`); err != nil {
		t.Fatal(err)
	}
	if g := gen(); g == g2 {
		t.Errorf("an account deleted elsewhere left the generation at %d", g)
	}
	if runtime.GOOS != "windows" && !sqldb.WALMapped(db) {
		t.Error("the index is not mapped")
	}
}

// TestWALWatchLeavesNoLog checks that a database closed with its index watched
// leaves neither its log nor its index behind: the watch's connection closes
// before the writer, which checkpoints and removes them.
func TestWALWatchLeavesNoLog(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rulebook.db")
	db, err := sqldb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CredentialGeneration(ctx); err != nil {
		t.Fatal(err)
	}
	if sqldb.CredentialReads(db) < 0 {
		t.Fatal("the credential generation is not watched")
	}
	if _, err := db.Raw().ExecContext(ctx, `INSERT INTO units (id, name, kind, parent) VALUES ('u', 'U', 'branch', '')`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path + "-wal", path + "-shm"} {
		if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s after the close: %v", f, err)
		}
	}
}

// TestWALWatchClosedUnderLooks checks that closing a database while requests
// still ask for its credential generation answers them with errors, not a
// fault: the index is unmapped only once no look is reading it.
func TestWALWatchClosedUnderLooks(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "rulebook.db"))
	if err != nil {
		t.Fatal(err)
	}
	if !sqldb.WALMapped(db) && runtime.GOOS != "windows" {
		t.Fatal("the index is not mapped")
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := db.CredentialGeneration(ctx); err != nil {
					return
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// A look after the close reads the database, which refuses it.
	if _, err := db.CredentialGeneration(ctx); err == nil {
		t.Error("the credential generation of a closed database")
	}
	wg.Wait()
}
