package app_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// holdWriter takes the writer's lock, as a long import does, until release: the
// record's (an appender's transaction) and, on PostgreSQL, where the access log
// has a lock of its own, that one too.
func holdWriter(t *testing.T, db *sqldb.DB) (release func()) {
	t.Helper()
	ap, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if db.Dialect() == "postgres" {
		// The access log's writers' advisory lock (sqldb.accessLock).
		if _, err := ap.Tx().Exec(`SELECT pg_advisory_xact_lock(72709)`); err != nil {
			t.Fatal(err)
		}
	}
	return ap.Rollback
}

// within runs f and fails the test if it takes longer than d.
func within(t *testing.T, d time.Duration, what string, f func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- f() }()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(d):
		t.Fatalf("%s waited for the writer", what)
	}
}

// TestReadsDoNotWaitForTheWriter: with the writer held, reading a member's record
// or a case file (each logged) answers at once; once the writer is free the entries
// are in the access log, which shows them as soon as it is read.
func TestReadsDoNotWaitForTheWriter(t *testing.T) {
	for _, eng := range sqldbtest.Engines {
		t.Run(eng, func(t *testing.T) {
			w := newWorldOn(t, sqldbtest.Open(t, eng))
			morag := w.as(t, "morag")
			release := holdWriter(t, w.db)
			within(t, 2*time.Second, "viewing a member", func() error {
				_, err := w.a.Member(w.as(t, "paula"), "M0001", time.Time{})
				return err
			})
			within(t, 2*time.Second, "viewing a case", func() error {
				_, err := w.a.Case(morag, "D-2016-001", rulebook.NoDate)
				return err
			})
			time.Sleep(200 * time.Millisecond) // the writer is trying to store them meanwhile
			release()
			log, err := w.a.AccessLog(morag, "", 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(log) != 2 || log[0].Action != "view_case" || log[0].Actor != "morag" || log[1].Action != "view_member" || log[1].Subject != "M0001" {
				t.Fatalf("the access log after the writer was freed: %+v", log)
			}
			if res, err := w.a.Verify(operator(), nil); err != nil || !res.OK || res.AccessEntries < 2 {
				t.Fatalf("verify: %+v %v", res, err)
			}
		})
	}
}

// TestAccessQueueFull: when the writer is held and the queue is full, a read waits
// for room rather than its entry being dropped; when the writer is freed, every
// read completes and every entry is stored.
func TestAccessQueueFull(t *testing.T) {
	defer app.SetAccessQueue(4, 2)()
	for _, eng := range sqldbtest.Engines {
		t.Run(eng, func(t *testing.T) {
			w := newWorldOn(t, sqldbtest.Open(t, eng))
			paula := w.as(t, "paula")
			w.a.FlushAccessLog(context.Background())
			before, _ := w.db.AccessLog(context.Background(), "", 0)
			release := holdWriter(t, w.db)
			const reads = 20
			var done atomic.Int32
			var wg sync.WaitGroup
			for i := 0; i < reads; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := w.a.Member(paula, "M0001", time.Time{}); err != nil {
						t.Error(err)
					}
					done.Add(1)
				}()
			}
			time.Sleep(500 * time.Millisecond)
			// A batch of two taken by the writer (held storing it), four queued.
			if n := done.Load(); n == 0 || n > 6 {
				t.Errorf("%d reads done with the writer held and room for 6", n)
			}
			release()
			wg.Wait()
			w.a.FlushAccessLog(context.Background())
			after, _ := w.db.AccessLog(context.Background(), "", 0)
			if len(after)-len(before) != reads {
				t.Errorf("%d entries stored, want %d", len(after)-len(before), reads)
			}
		})
	}
}

// TestCloseStoresEveryEntry: entries logged just before Close, from many readers
// at once, are all stored, chained; afterwards a read is refused, not left
// unlogged.
func TestCloseStoresEveryEntry(t *testing.T) {
	for _, eng := range sqldbtest.Engines {
		t.Run(eng, func(t *testing.T) {
			w := newWorldOn(t, sqldbtest.Open(t, eng))
			paula := w.as(t, "paula")
			w.a.FlushAccessLog(context.Background())
			before, _ := w.db.AccessLog(context.Background(), "", 0)
			const readers, each = 8, 300
			var wg sync.WaitGroup
			for r := 0; r < readers; r++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						if _, err := w.a.SearchMembers(paula, fmt.Sprintf("Ash%d", i), 1); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			if err := w.a.Close(); err != nil {
				t.Fatal(err)
			}
			after, err := w.db.AccessLog(context.Background(), "", 0)
			if err != nil || len(after)-len(before) != readers*each {
				t.Fatalf("%d entries stored after Close, want %d: %v", len(after)-len(before), readers*each, err)
			}
			if _, err := w.a.Member(paula, "M0001", time.Time{}); err == nil {
				t.Error("a read after Close was answered, with nowhere to log it")
			}
			if res, err := w.db.Verify(context.Background(), nil); err != nil || !res.OK || res.AccessEntries != int64(len(after)) {
				t.Fatalf("verify: %+v %v", res, err)
			}
		})
	}
}
