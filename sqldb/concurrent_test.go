package sqldb_test

import (
	"fmt"
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
