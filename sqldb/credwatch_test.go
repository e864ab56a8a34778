package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// within polls cond every millisecond for up to d, and reports how long it took
// to hold, or false.
func within(d time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	for {
		if cond() {
			return time.Since(start), true
		}
		if time.Since(start) > d {
			return 0, false
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCredentialGenerationNotified checks, on PostgreSQL, that the credential
// generation a server keeps from its listener follows changes made by another
// process within a bounded wait; that a change this DB makes is taken at once;
// and that with the listener's connection ended (and kept from connecting
// again) every request asks the database, until it is back.
func TestCredentialGenerationNotified(t *testing.T) {
	db := sqldbtest.Open(t, "postgres")
	ctx := context.Background()
	other, err := sqldb.Open(ctx, db.DSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	gen := func() int64 {
		t.Helper()
		n, err := db.CredentialGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The truth, read by the other process.
	truth := func() int64 {
		t.Helper()
		var n int64
		if err := other.Raw().QueryRowContext(ctx, `SELECT n FROM credential_generation WHERE id = 1`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := other.Raw().ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	listening := func() {
		t.Helper()
		gen() // starts the listener
		if _, ok := within(10*time.Second, db.CredentialsWatched); !ok {
			t.Fatal("the listener did not start")
		}
	}
	listening()
	if g, n := gen(), truth(); g != n {
		t.Fatalf("the generation kept is %d, the database's %d", g, n)
	}

	// Changes elsewhere arrive within the bound, each of them.
	for i := range 5 {
		exec(`INSERT INTO accounts (name, display, member, section, roles, disabled, updated) VALUES ($1, 'x', '', '', '', 0, 1)`, "acc"+string(rune('a'+i)))
		want := truth()
		took, ok := within(2*time.Second, func() bool { return gen() == want })
		if !ok {
			t.Fatalf("a change made elsewhere was not seen: kept %d, the database's %d", gen(), want)
		}
		t.Logf("seen after %s", took)
	}
	// Its waits for notifications end every second, for a read of the
	// generation, on the same connection: it stays trusted throughout.
	pid := db.ListenerBackend()
	for end := time.Now().Add(2500 * time.Millisecond); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if !db.CredentialsWatched() || db.ListenerBackend() != pid {
			t.Fatalf("the listener stopped or connected again (backend %d, then %d)", pid, db.ListenerBackend())
		}
	}

	// A change made through this DB is taken at once: its Commit stops the use of
	// what is kept until the listener reads it again.
	ap, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ap.PutAccount(rulebook.Account{Name: "local", Display: "Local", Roles: []string{}}, 1); err != nil {
		t.Fatal(err)
	}
	if err := ap.Commit(); err != nil {
		t.Fatal(err)
	}
	if g, n := gen(), truth(); g != n {
		t.Errorf("this process's own change was not taken at once: kept %d, the database's %d", g, n)
	}
	listening()

	// The listener's connection ended: no change is missed meanwhile.
	sqldb.HoldListener(db, true)
	pid = db.ListenerBackend()
	if pid == 0 {
		t.Fatal("no listener backend")
	}
	exec(`SELECT pg_terminate_backend($1)`, int64(pid))
	if _, ok := within(5*time.Second, func() bool { return !db.CredentialsWatched() }); !ok {
		t.Fatal("the listener's end went unnoticed")
	}
	for i := range 3 {
		exec(`UPDATE accounts SET roles = $1 WHERE name = 'local'`, string(rune('a'+i)))
		if g, n := gen(), truth(); g != n {
			t.Fatalf("without the listener, a change elsewhere was not seen at once: %d, the database's %d", g, n)
		}
	}
	// Back again, and following changes.
	sqldb.HoldListener(db, false)
	listening()
	if db.ListenerBackend() == pid {
		t.Fatal("the listener's backend is the one ended")
	}
	exec(`UPDATE accounts SET disabled = 1 WHERE name = 'local'`)
	want := truth()
	if _, ok := within(2*time.Second, func() bool { return gen() == want }); !ok {
		t.Fatalf("after reconnecting, a change made elsewhere was not seen: kept %d, the database's %d", gen(), want)
	}
}
