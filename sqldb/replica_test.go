package sqldb_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// join appends one member joining (on the primary).
func join(t *testing.T, db *sqldb.DB, id string) {
	t.Helper()
	e := &rulebook.Event{Type: rulebook.EventMemberJoined, Subject: id, Actor: "t", Effective: rulebook.MustDate("2020-01-01"),
		Data: mustData(t, rulebook.MemberJoined{Member: rulebook.Member{ID: id, Name: "Replica " + id}, Status: "active"})}
	if err := db.Append(ctx, e); err != nil {
		t.Fatal(err)
	}
}

// found reports whether the member is on the register as read under c.
func found(t *testing.T, db *sqldb.DB, c context.Context, id string) bool {
	t.Helper()
	_, err := db.History(c, id)
	if rulebook.ErrorCode(err) == rulebook.ENotFound {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// seededPair starts a primary and its replica, and opens the primary seeded.
func seededPair(t *testing.T) (*sqldbtest.Pair, *sqldb.DB) {
	t.Helper()
	pair := sqldbtest.NewPair(t)
	db, err := sqldb.Open(ctx, pair.Primary)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seed(t, db)
	return pair, db
}

// TestReplicaReads runs against a real streaming replica, started for the test:
// the reads marked for it are served by it (and no others), a client reads its
// own write, a paused replica is answered around with the bytes it is behind,
// and the replica's DSN is refused as a database to write to.
func TestReplicaReads(t *testing.T) {
	pair, db := seededPair(t)

	// Writes through the replica are refused, with what to do instead.
	if _, err := sqldb.Open(ctx, pair.Replica); err == nil || !strings.Contains(err.Error(), "read-only standby") || !strings.Contains(err.Error(), "--db-read") {
		t.Fatalf("opening the replica to write: %v, want the read-only standby refused", err)
	}
	// The primary is no replica of itself.
	if err := db.AttachReplica(ctx, pair.Primary, 0); err == nil || !strings.Contains(err.Error(), "not a streaming replica") {
		t.Fatalf("attaching the primary as replica: %v", err)
	}
	const wait = 400 * time.Millisecond
	if err := db.AttachReplica(ctx, pair.Replica, wait); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", pair.Replica)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })

	// Read-your-writes: a client's read after its write finds it, from the
	// replica (which replays within the wait).
	join(t, db, "r1")
	pos, err := db.WritePosition(ctx)
	if err != nil || pos == 0 {
		t.Fatalf("write position %v, %v", pos, err)
	}
	c, route := sqldb.WithReadRoute(sqldb.OnReplica(ctx), pos)
	before := db.ReplicaReads()
	if !found(t, db, c, "r1") {
		t.Fatal("a client's read after its own write does not find it")
	}
	if used, replica, behind, cause := route.Served(); !used || !replica || cause != nil {
		t.Fatalf("read after write: used %v, replica %v, behind %d, %v; want served by the replica", used, replica, behind, cause)
	}
	if db.ReplicaReads() <= before {
		t.Fatal("the replica's read count did not grow")
	}
	var conns int
	if err := admin.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'rulebook-read'`).Scan(&conns); err != nil || conns == 0 {
		t.Fatalf("the replica shows %d rulebook-read connections (%v)", conns, err)
	}

	// Replay paused: the replica no longer sees the primary's writes.
	if _, err := admin.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(`SELECT pg_wal_replay_resume()`) })
	waitFor(t, func() bool {
		var state string
		admin.QueryRow(`SELECT pg_get_wal_replay_pause_state()`).Scan(&state)
		return state == "paused"
	})
	join(t, db, "r2")
	pos2, err := db.WritePosition(ctx)
	if err != nil || pos2 <= pos {
		t.Fatalf("write position %v after %v, %v", pos2, pos, err)
	}
	// Unmarked reads go to the primary; marked reads of a client that has not
	// written go to the replica, which proves where they are served: it has
	// not replayed r2.
	if !found(t, db, ctx, "r2") {
		t.Fatal("the primary does not have r2")
	}
	if found(t, db, sqldb.OnReplica(ctx), "r2") {
		t.Fatal("a read marked for the replica found r2, which the paused replica has not replayed: it was not served by the replica")
	}
	// The writer of r2 waits the replica's wait, then reads the primary, and is
	// told by how many bytes the replica is behind.
	c, route = sqldb.WithReadRoute(sqldb.OnReplica(ctx), pos2)
	start := time.Now()
	if !found(t, db, c, "r2") {
		t.Fatal("a client's read after its own write does not find it while the replica is paused")
	}
	if took := time.Since(start); took < wait/2 || took > wait+2*time.Second {
		t.Errorf("the read waited %v for the replica, want about %v", took, wait)
	}
	used, replica, behind, cause := route.Served()
	if !used || replica || behind == 0 || cause != nil {
		t.Fatalf("read while paused: used %v, replica %v, behind %d, %v; want the primary, and the bytes behind", used, replica, behind, cause)
	}
	// The route is decided once per request: a second read does not wait again.
	start = time.Now()
	found(t, db, c, "r1")
	if took := time.Since(start); took > wait/2 {
		t.Errorf("a second read of the request waited %v", took)
	}
	lag, ok, err := db.ReplicaLag(ctx)
	if err != nil || !ok || !lag.Paused || lag.Behind < behind {
		t.Fatalf("replica lag %+v, %v, %v; want paused, at least %d bytes behind", lag, ok, err, behind)
	}

	// Resumed, the replica catches up and serves the writer of r2.
	if _, err := admin.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	c, route = sqldb.WithReadRoute(sqldb.OnReplica(ctx), pos2)
	if !found(t, db, c, "r2") {
		t.Fatal("r2 not found after replay resumed")
	}
	if _, replica, _, _ := route.Served(); !replica {
		t.Fatal("after replay resumed, the read was not served by the replica")
	}
	waitFor(t, func() bool {
		lag, _, err := db.ReplicaLag(ctx)
		return err == nil && !lag.Paused && lag.Behind == 0
	})
	// Verification reads the primary, whatever the replica holds.
	if res, err := db.Verify(ctx, nil); err != nil || !res.OK {
		t.Fatalf("verify: %+v, %v", res, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReplicaRefusedOnSQLite: a replica is PostgreSQL's.
func TestReplicaRefusedOnSQLite(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	if err := db.AttachReplica(ctx, "postgres://127.0.0.1:1/x", 0); err == nil || !strings.Contains(err.Error(), "SQLite") {
		t.Fatalf("attach to SQLite: %v", err)
	}
	if pos, err := db.WritePosition(ctx); pos != 0 || err != nil {
		t.Fatalf("write position without a replica: %v, %v", pos, err)
	}
	if _, ok, _ := db.ReplicaLag(ctx); ok {
		t.Fatal("replica lag without a replica")
	}
}

func TestWALPosition(t *testing.T) {
	for _, s := range []string{"0/0", "16/B374D848", "FFFFFFFF/FFFFFFFF", "0/3000148"} {
		p, err := sqldb.ParseWALPosition(s)
		if err != nil || p.String() != s {
			t.Errorf("%q: %v (%v)", s, p, err)
		}
	}
	if p, _ := sqldb.ParseWALPosition("1/0"); p != 1<<32 {
		t.Errorf("1/0 is %d", p)
	}
	for _, s := range []string{"", "/", "0/", "/0", "1", "g/0", "1/2/3", "100000000/0", "-1/0", "+1/0", " 1/0", "0x1/0"} {
		if _, err := sqldb.ParseWALPosition(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func FuzzParseWALPosition(f *testing.F) {
	f.Add("16/B374D848")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := sqldb.ParseWALPosition(s)
		if err != nil {
			return
		}
		q, err := sqldb.ParseWALPosition(p.String())
		if err != nil || q != p {
			t.Fatalf("%q read as %v, which reads back as %v (%v)", s, p, q, err)
		}
	})
}

// BenchmarkReplicaRead: one member's history read from the primary (the
// floor), from the replica, and from the replica by a client that wrote: with
// its write already known replayed (no question to the replica), and with one
// newer than any seen (one more query to the replica first). Report each as a
// multiple of the primary's.
func BenchmarkReplicaRead(b *testing.B) {
	pair := sqldbtest.NewPair(b)
	db, err := sqldb.Open(ctx, pair.Primary)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	seed(b, db)
	if err := db.AttachReplica(ctx, pair.Replica, 0); err != nil {
		b.Fatal(err)
	}
	read := func(b *testing.B, c func() context.Context) {
		for b.Loop() {
			if _, err := db.History(c(), "m1"); err != nil {
				b.Fatal(err)
			}
		}
	}
	pos, err := db.WritePosition(ctx)
	if err != nil {
		b.Fatal(err)
	}
	onReplica := sqldb.OnReplica(ctx)
	// Wait for the replica to have the seed.
	c, _ := sqldb.WithReadRoute(onReplica, pos)
	if _, err := db.History(c, "m1"); err != nil {
		b.Fatal(err)
	}
	b.Run("primary", func(b *testing.B) { read(b, func() context.Context { return ctx }) })
	b.Run("replica", func(b *testing.B) { read(b, func() context.Context { return onReplica }) })
	b.Run("replica-after-seen-write", func(b *testing.B) {
		read(b, func() context.Context { c, _ := sqldb.WithReadRoute(onReplica, pos); return c })
	})
	b.Run("replica-after-new-write", func(b *testing.B) {
		// The replica's furthest replay forgotten: the route asks the replica
		// once per request before it reads.
		read(b, func() context.Context {
			db.ForgetReplicaSeen()
			c, _ := sqldb.WithReadRoute(onReplica, pos)
			return c
		})
	})
}

// TestReplicaDownReadsPrimary stops a real replica: the reads marked for it are
// served by the primary instead, without an error, and say so on their route;
// once it is started again, and the retry interval has passed, it serves them
// again. A query error on the replica is still the query's error.
func TestReplicaDownReadsPrimary(t *testing.T) {
	pair, db := seededPair(t)
	if err := db.AttachReplica(ctx, pair.Replica, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	const retry = 300 * time.Millisecond
	db.SetReplicaRetry(retry)
	join(t, db, "d1")
	waitFor(t, func() bool {
		lag, _, err := db.ReplicaLag(ctx)
		return err == nil && lag.Behind == 0
	})
	if !found(t, db, sqldb.OnReplica(ctx), "d1") || db.ReplicaReads() == 0 {
		t.Fatal("the replica does not serve d1")
	}
	var n int
	if err := db.ReadQueryRow(sqldb.OnReplica(ctx), `SELECT no_such_column FROM members`).Scan(&n); err == nil || db.ReplicaFallbacks() != 0 {
		t.Fatalf("a query error on the replica: %v, %d fallbacks; want the error, and no fallback", err, db.ReplicaFallbacks())
	}

	pair.StopReplica(t)
	// Written after the replica stopped: only the primary can have it.
	join(t, db, "d2")
	reads := db.ReplicaReads()
	for _, id := range []string{"d1", "d2", "d2"} {
		c, route := sqldb.WithReadRoute(sqldb.OnReplica(ctx), 0)
		if !found(t, db, c, id) {
			t.Fatalf("%s not found while the replica is down", id)
		}
		if used, replica, _, cause := route.Served(); !used || replica || cause == nil {
			t.Fatalf("read of %s while the replica is down: used %v, replica %v, cause %v; want the primary, and why", id, used, replica, cause)
		}
	}
	if db.ReplicaFallbacks() == 0 || db.ReplicaReads() != reads {
		t.Fatalf("fallbacks %d, replica reads %d (were %d)", db.ReplicaFallbacks(), db.ReplicaReads(), reads)
	}
	if _, _, err := db.ReplicaLag(ctx); err == nil {
		t.Fatal("the replica's lag measured while it is down")
	}

	// Started again, the replica serves the reads once the retry has passed.
	pair.StartReplica(t)
	waitFor(t, func() bool {
		time.Sleep(retry)
		c, route := sqldb.WithReadRoute(sqldb.OnReplica(ctx), 0)
		if !found(t, db, c, "d2") {
			t.Fatal("d2 not found")
		}
		_, replica, _, _ := route.Served()
		return replica
	})
}
