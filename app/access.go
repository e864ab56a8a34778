package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rulebook/rulebook/sqldb"
)

// The access log is written behind the reads it records: a read hands its entry
// to a queue and goes on, and one goroutine stores what is queued, chained, in one
// transaction a batch. So a read never waits for the writer (on SQLite, a read
// would otherwise wait behind any write, an import of a million members among
// them). No entry is dropped: when the queue is full, a read waits for room; an
// entry that fails to store is tried again; Close stores what is queued.
const (
	// accessDelay is the longest an entry waits for others to share its batch.
	accessDelay = 100 * time.Millisecond
	// accessRetryMax is the longest pause between attempts to store a batch.
	accessRetryMax = 5 * time.Second
	// accessCloseTries is how many times Close tries to store the last batch.
	accessCloseTries = 5
)

var (
	// accessBatch is the most entries stored in one transaction.
	accessBatch = 1000
	// accessQueue is how many entries may wait for the writer, besides its batch,
	// before a read waits.
	accessQueue = 10_000
)

// errClosed refuses an entry logged after Close.
var errClosed = errors.New("the application is closed: its access log takes no more entries")

// accessWriter stores the access log's entries in batches, from one goroutine.
type accessWriter struct {
	db *sqldb.DB
	// mu is held for reading while an entry is queued and for writing by close,
	// so that nothing is queued after the writer was told to stop.
	mu     sync.RWMutex
	closed bool
	queue  chan accessItem
	done   chan struct{}
	// touching holds the keys of the touches queued and not yet stored.
	touching sync.Map
	// err is what close could not store, if anything.
	err error
}

// accessItem is an entry to store, a request to be told when everything queued
// before it is stored (flush), a note of a credential's use to store (touch), or
// the last item, telling the writer to stop.
type accessItem struct {
	entry sqldb.Access
	flush chan error
	stop  bool
	touch *touch
}

// touch records that a token or session was used (its last use, a session's idle
// time extended). It is written behind the request, like the access log, so
// that a request never waits for the writer to note it; one not stored is asked
// again by the next request.
type touch struct {
	// key names the credential, so that a touch already queued is not queued again.
	key   string
	store func(context.Context) error
}

func newAccessWriter(db *sqldb.DB) *accessWriter {
	w := &accessWriter{db: db, queue: make(chan accessItem, accessQueue), done: make(chan struct{})}
	go w.run()
	return w
}

// enqueue queues it, waiting for room if the queue is full (or until ctx ends).
func (w *accessWriter) enqueue(ctx context.Context, it accessItem) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return errClosed
	}
	select {
	case w.queue <- it:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// log queues one entry.
func (w *accessWriter) log(ctx context.Context, e sqldb.Access) error {
	return w.enqueue(ctx, accessItem{entry: e})
}

// touch queues t unless a touch of the same credential is queued already. It
// never waits: with the queue full, the touch is left for a later request.
func (w *accessWriter) touch(t *touch) {
	if _, dup := w.touching.LoadOrStore(t.key, true); dup {
		return
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if !w.closed {
		select {
		case w.queue <- accessItem{touch: t}:
			return
		default:
		}
	}
	w.touching.Delete(t.key)
}

// flush returns once every entry queued before it is stored.
func (w *accessWriter) flush(ctx context.Context) error {
	ch := make(chan error, 1)
	if err := w.enqueue(ctx, accessItem{flush: ch}); err != nil {
		if errors.Is(err, errClosed) {
			<-w.done
			return w.err
		}
		return err
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stores everything queued and stops the writer.
func (w *accessWriter) close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return w.err
	}
	w.closed = true
	w.mu.Unlock()
	// No one is queueing now: the stop comes after every entry.
	w.queue <- accessItem{stop: true}
	<-w.done
	return w.err
}

func (w *accessWriter) run() {
	defer close(w.done)
	var (
		batch   []sqldb.Access
		waiters []chan error
		retry   = accessDelay
	)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	arm := func(d time.Duration) {
		if !armed {
			timer.Reset(d)
			armed = true
		}
	}
	// store writes the batch; the waiters are answered once it is stored.
	store := func() error {
		if len(batch) > 0 {
			if err := w.db.LogAccess(context.Background(), batch...); err != nil {
				return err
			}
			batch = batch[:0]
		}
		for _, ch := range waiters {
			ch <- nil
		}
		waiters = waiters[:0]
		retry = accessDelay
		return nil
	}
	failed := func(err error) {
		slog.Error("storing access-log entries (will try again)", "entries", len(batch), "err", err)
		// (Since Go 1.23 a timer reset delivers nothing stale.)
		timer.Reset(retry)
		armed = true
		retry = min(2*retry, accessRetryMax)
	}
	for {
		// A full batch is stored before more is taken: while storing fails, the
		// queue fills and reads wait for room rather than entries being lost.
		in := w.queue
		if len(batch) >= accessBatch {
			in = nil
		}
		select {
		case it := <-in:
			switch {
			case it.stop:
				var err error
				for try := 0; try < accessCloseTries; try++ {
					if err = store(); err == nil {
						return
					}
					time.Sleep(time.Duration(try+1) * 200 * time.Millisecond)
				}
				w.err = fmt.Errorf("%d access-log entries could not be stored: %w", len(batch), err)
				slog.Error("closing the access log", "err", w.err)
				for _, ch := range waiters {
					ch <- w.err
				}
				return
			case it.touch != nil:
				ctx, cancel := context.WithTimeout(context.Background(), accessRetryMax)
				if err := it.touch.store(ctx); err != nil {
					slog.Warn("noting the use of a credential", "err", err)
				}
				cancel()
				w.touching.Delete(it.touch.key)
			case it.flush != nil:
				waiters = append(waiters, it.flush)
				if err := store(); err != nil {
					failed(err)
				}
			default:
				batch = append(batch, it.entry)
				if len(batch) >= accessBatch {
					if err := store(); err != nil {
						failed(err)
					}
				} else {
					arm(accessDelay)
				}
			}
		case <-timer.C:
			armed = false
			if err := store(); err != nil {
				failed(err)
			}
		}
	}
}

// Close stores every access-log entry logged so far and stops the writer behind
// it; nothing may be read through the application afterwards (a read would have
// nowhere to log itself). The database stays open, for its owner to close. Every
// front end closes the application when it is done with it.
func (a *App) Close() error { return a.access.close() }

// FlushAccessLog returns once every access-log entry logged so far is stored: for
// whoever reads the log other than through AccessLog, which flushes first itself.
func (a *App) FlushAccessLog(ctx context.Context) error { return a.access.flush(ctx) }
