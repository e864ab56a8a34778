package sqldb_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestConcurrentWritersNeverFail: eight writers appending at once, with the real
// clock, each wait for the writer's lock and none is refused for stamping its
// events before another's; readers read meanwhile; the record verifies.
func TestConcurrentWritersNeverFail(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		const writers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers*each+writers)
		stop := make(chan struct{})
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					e := &rulebook.Event{Type: rulebook.EventMemberUpdated, Subject: "m2", Actor: fmt.Sprintf("writer-%d", w), Effective: rulebook.MustDate("2020-01-01"),
						Data: mustData(t, rulebook.MemberUpdated{Phone: fmt.Sprintf("0%d%03d", w, i)})}
					if err := db.Append(ctx, e); err != nil {
						errs <- fmt.Errorf("writer %d, event %d: %w", w, i, err)
					}
				}
			}(w)
		}
		var readers sync.WaitGroup
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.History(ctx, "m2"); err != nil {
					errs <- fmt.Errorf("reader: %w", err)
				}
				time.Sleep(time.Millisecond)
			}
		}()
		wg.Wait()
		close(stop)
		readers.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		res, err := db.Verify(ctx, nil)
		if err != nil || !res.OK {
			t.Fatalf("verify: %+v %v", res, err)
		}
		if res.Events != int64(6+writers*each) {
			t.Errorf("%d events, want %d", res.Events, 6+writers*each)
		}
	})
}

// TestVerifyReportsMissingGuards: dropping or disabling the triggers that keep
// events append-only is a fault verify reports, though the chain still holds.
func TestVerifyReportsMissingGuards(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		res, err := db.Verify(ctx, nil)
		if err != nil || !res.OK || len(res.Faults) != 0 || res.Unproven == "" {
			t.Fatalf("before: %+v %v", res, err)
		}
		drop := `DROP TRIGGER events_no_delete`
		if db.Dialect() == "postgres" {
			drop = `ALTER TABLE events DISABLE TRIGGER events_no_update`
		}
		if _, err := db.Raw().ExecContext(ctx, drop); err != nil {
			t.Fatal(err)
		}
		res, err = db.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.OK || len(res.Faults) != 1 || res.Problem != nil {
			t.Errorf("after %s: %+v", drop, res)
		}
	})
}

// TestDatabaseFileOwnerOnly: a new SQLite database file is readable by its owner only.
func TestDatabaseFileOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	db, err := sqldb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seed(t, db)
	for _, p := range []string{path, path + "-wal"} {
		st, err := os.Stat(p)
		if err != nil {
			continue // the WAL may have been checkpointed away
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want owner only", p, st.Mode().Perm())
		}
	}
}

// TestRecordLimits: whatever path wrote it, an event whose data is not valid
// UTF-8, too large, or holds an overlong text is refused, and nothing is stored.
func TestRecordLimits(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		for name, data := range map[string]string{
			"invalid UTF-8":   "{\"name\":\"Ann\xff\"}",
			"too large":       `{"x":"` + strings.Repeat("a ", 600<<10) + `"}`,
			"a text too long": `{"summary":"` + strings.Repeat("a", 4*rulebook.MaxTextLen+1) + `"}`,
		} {
			e := &rulebook.Event{Type: "note.test", Subject: "test/x", Actor: "t", Effective: rulebook.MustDate("2020-01-01"), Data: []byte(data)}
			if err := db.Append(ctx, e); err == nil || rulebook.ErrorCode(err) != rulebook.EInvalid {
				t.Errorf("%s: %v", name, err)
			}
		}
		if res, err := db.Verify(ctx, nil); err != nil || res.Events != 6 {
			t.Errorf("after refusals: %+v %v", res, err)
		}
	})
}
