package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/checkpoint"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestCheckpointsKeptOnEveryCommit: a checkpoint is written at start and again
// after each commit that adds events; each verifies, and proves the record.
func TestCheckpointsKeptOnEveryCommit(t *testing.T) {
	w := newWorld(t)
	skey, vkey, err := checkpoint.GenerateKey("rulebook.test")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "checkpoint")
	cps, err := w.a.KeepCheckpoints(operator(), skey, path)
	if err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.ParseInt(strings.Split(string(b), "\n")[1], 10, 64)
		return n
	}
	before := size()
	if before == 0 {
		t.Fatal("no checkpoint at start")
	}
	if _, _, err := w.a.Join(w.as(t, "paula"), rulebook.Member{ID: "M0950", Name: "New Member", Unit: "harbour-ward", Joined: rulebook.MustDate("2026-11-30")}, ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for size() == before {
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint after the commit")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cps.Close(operator()); err != nil {
		t.Fatal(err)
	}
	msg, _ := os.ReadFile(path)
	c, err := w.a.VerifyCheckpoint(operator(), msg, vkey)
	if err != nil || c.Size != before+1 {
		t.Fatalf("the last checkpoint: %+v %v", c, err)
	}
}

// TestStoredCheckpointsNameTheForgedEvent: the keeper keeps every checkpoint it
// signs in the database. A legitimate history with many kept checkpoints verifies
// (opening few of them). An event forged into the middle of the record, the chain
// hashed again after it (by an insider with the database, not the key), passes the
// chain's own check; the kept checkpoints name the forged event itself, by seq and
// id, as the first not covered by one that still holds, and so does the check of
// the checkpoint kept outside. An access-log entry rewritten and chained again is
// named likewise.
func TestStoredCheckpointsNameTheForgedEvent(t *testing.T) {
	for _, eng := range sqldbtest.Engines {
		t.Run(eng, func(t *testing.T) {
			w := newWorldOn(t, sqldbtest.Open(t, eng))
			ctx := context.Background()
			skey, vkey, err := checkpoint.GenerateKey("rulebook.test")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "checkpoint")
			cps, err := w.a.KeepCheckpoints(operator(), skey, path)
			if err != nil {
				t.Fatal(err)
			}
			// The newest kept checkpoint's sizes, once they reach events and entries.
			waitFor := func(events, entries int64) {
				t.Helper()
				deadline := time.Now().Add(30 * time.Second)
				for {
					kept, err := w.db.StoredCheckpoints(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if k := kept[len(kept)-1]; k.Size == events && k.AccessSize >= entries {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("no checkpoint of %d events kept", events)
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			res, err := w.db.Verify(ctx, nil)
			if err != nil || !res.OK {
				t.Fatalf("%+v %v", res, err)
			}
			base, entries := res.Events, res.AccessEntries
			paula := w.as(t, "paula")
			// One event a commit, a checkpoint after each; a read now and then,
			// stored before the next event (a checkpoint for the access log alone
			// waits a second).
			const n = 30
			for i := int64(1); i <= n; i++ {
				if i%3 == 0 {
					if _, err := w.a.Member(paula, "M0001", time.Time{}); err != nil {
						t.Fatal(err)
					}
					w.a.FlushAccessLog(ctx)
					entries++
				}
				e := &rulebook.Event{Type: "note.test", Subject: "test/note", Actor: "t", Effective: rulebook.MustDate("2026-11-30"),
					Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}
				if err := w.db.Append(ctx, e); err != nil {
					t.Fatal(err)
				}
				waitFor(base+i, entries)
			}
			if err := cps.Close(operator()); err != nil {
				t.Fatal(err)
			}
			outside, _ := os.ReadFile(path)
			sc, err := w.a.CheckStoredCheckpoints(operator(), vkey)
			if err != nil || len(sc.Faults) != 0 || sc.Events != base+n || sc.Entries != entries || sc.Stored < n || sc.Opened > 2*12 {
				t.Fatalf("a legitimate history: %+v %v", sc, err)
			}
			if _, err := w.a.VerifyCheckpoint(operator(), outside, vkey); err != nil {
				t.Fatal(err)
			}

			forged := &rulebook.Event{Type: "note.test", Subject: "test/note", Actor: "mallory", Effective: rulebook.MustDate("2026-11-30"), Data: json.RawMessage(`{"n":"forged"}`)}
			at := base + 17
			if err := sqldbtest.ForgeInsert(w.db, at, forged); err != nil {
				t.Fatal(err)
			}
			if res, err := w.db.Verify(ctx, nil); err != nil || !res.OK || res.Events != base+n+1 {
				t.Fatalf("the forged record should pass the chain's own check: %+v %v", res, err)
			}
			want := fmt.Sprintf("event %d (id %s, note.test, recorded ", at, forged.ID)
			sc, err = w.a.CheckStoredCheckpoints(operator(), vkey)
			if err != nil || len(sc.Faults) != 1 || !strings.Contains(sc.Faults[0], want) ||
				!strings.Contains(sc.Faults[0], "is the first not covered by a signed checkpoint that still holds") {
				t.Fatalf("after the forgery: %+v %v; want a fault naming %q", sc, err, want)
			}
			_, err = w.a.VerifyCheckpoint(operator(), outside, vkey)
			if err == nil || !strings.Contains(err.Error(), "no longer hash to the root") || !strings.Contains(err.Error(), want) {
				t.Fatalf("the checkpoint kept outside: %v", err)
			}

			// An access-log entry rewritten and chained again.
			log, err := w.db.AccessLog(ctx, "", 3)
			if err != nil || len(log) != 3 {
				t.Fatal(log, err)
			}
			if err := sqldbtest.RewriteAccess(w.db, log[2].ID, "M0002"); err != nil {
				t.Fatal(err)
			}
			sc, err = w.a.CheckStoredCheckpoints(operator(), vkey)
			want = fmt.Sprintf("access-log entry %d (at %s, view_member by paula)", log[2].ID, log[2].At.Format(time.RFC3339Nano))
			if err != nil || len(sc.Faults) != 2 || !strings.Contains(sc.Faults[1], want) {
				t.Fatalf("after an access-log entry was rewritten: %+v %v; want a fault naming %q", sc, err, want)
			}
		})
	}
}

// TestCheckpointAfterAccessBatch: a batch of the access log alone is followed by a
// checkpoint too, once AccessCheckpointEvery has passed since the last.
func TestCheckpointAfterAccessBatch(t *testing.T) {
	defer func(d time.Duration) { app.AccessCheckpointEvery = d }(app.AccessCheckpointEvery)
	app.AccessCheckpointEvery = 300 * time.Millisecond
	w := newWorld(t)
	skey, vkey, _ := checkpoint.GenerateKey("rulebook.test")
	path := filepath.Join(t.TempDir(), "checkpoint")
	cps, err := w.a.KeepCheckpoints(operator(), skey, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cps.Close(operator())
	vk := func() *checkpoint.Checkpoint {
		msg, _ := os.ReadFile(path)
		c, err := checkpoint.Open(msg, vkey)
		if err != nil || c.Access == nil {
			t.Fatalf("%+v %v", c, err)
		}
		return c
	}
	before := vk().Access.Size
	for i := 0; i < 3; i++ {
		if _, err := w.a.Member(w.as(t, "paula"), "M0001", time.Time{}); err != nil {
			t.Fatal(err)
		}
		w.a.FlushAccessLog(context.Background())
	}
	deadline := time.Now().Add(10 * time.Second)
	for vk().Access.Size != before+3 {
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint after the access log grew: %d entries, was %d", vk().Access.Size, before)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The checkpoint is written to its file and kept in the database, in that
	// order: wait for the second too.
	for {
		kept, err := w.db.StoredCheckpoints(context.Background())
		if err == nil && len(kept) > 0 && kept[len(kept)-1].AccessSize == before+3 {
			if len(kept) > 3 {
				t.Fatalf("kept: %+v", kept)
			}
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("kept: %+v %v", kept, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
