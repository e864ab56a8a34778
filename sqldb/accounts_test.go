package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestTouchSession checks that a session's use extends it, and that a use noted
// after the session ended (it is noted behind the request) does not bring it back.
func TestTouchSession(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
		s := sqldb.Session{Hash: "h1", Account: "casey", Created: t0, Seen: t0, Expires: t0.Add(30 * time.Minute)}
		if err := db.PutSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		t1 := t0.Add(20 * time.Minute)
		if err := db.TouchSession(ctx, "h1", t1, t1.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		// An older note arriving late changes nothing.
		if err := db.TouchSession(ctx, "h1", t0.Add(time.Minute), t0.Add(31*time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, err := db.Session(ctx, "h1")
		if err != nil || !got.Seen.Equal(t1) || !got.Expires.Equal(t1.Add(30*time.Minute)) || got.Account != "casey" {
			t.Fatalf("after a use: %+v %v", got, err)
		}
		if err := db.DeleteSession(ctx, "h1"); err != nil {
			t.Fatal(err)
		}
		if err := db.TouchSession(ctx, "h1", t1.Add(time.Minute), t1.Add(31*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Session(ctx, "h1"); rulebook.ErrorCode(err) != rulebook.ENotFound {
			t.Errorf("a session signed out came back: %v", err)
		}
	})
}
