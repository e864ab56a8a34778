package sqldb

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// On PostgreSQL the credential generation (credentialSchema) is not asked of
// the database on each request: asking cost a round trip, as much again as the
// read the request was for. A connection of its own LISTENs on
// credentialChannel, on which the triggers' bump notifies each new generation
// as its transaction commits, and keeps the latest in memory.
//
// How stale it may be. A change committed by another process (or another DB
// of this one) is seen once its notification arrives, after the commit:
// ordinarily within milliseconds. The listener also reads the generation
// itself every credHeartbeat; the one kept is used only while such a read began
// less than credValidFor ago, so that a connection gone silent (dropped by a
// firewall, say) cannot keep a revoked token valid for longer than that. While
// the listener is not connected, or has not read the generation since it began
// to LISTEN, every request asks the database as before. A change made through
// this DB stops the use of what is kept before its Commit returns, until the
// listener next reads the generation (Appender.Commit): this process refuses
// it at once, as before.
const (
	credentialChannel = "rulebook_credentials"
	credHeartbeat     = time.Second
	credValidFor      = 3 * time.Second
	// credRetry is the longest wait before connecting the listener again.
	credRetry = 5 * time.Second
)

// credWatch keeps the credential generation of a PostgreSQL database as its
// notifications tell it.
type credWatch struct {
	dsn   string
	start time.Time // the monotonic origin of until
	gen   atomic.Int64
	// until is the time (since start) before which gen may be used without
	// asking; 0 while the listener is not connected.
	until atomic.Int64
	// backend is the listener's server process id, for tests that end it.
	backend atomic.Uint32
	// mu orders the listener's reads of the generation with this process's
	// own changes (changed): a read begun before a change must not make gen
	// usable again after it.
	mu    sync.Mutex
	epoch int64
	// hold keeps the listener from connecting (tests of the fallback).
	hold atomic.Bool

	once   sync.Once
	cancel context.CancelFunc
	done   chan struct{}
}

func newCredWatch(dsn string) *credWatch {
	return &credWatch{dsn: dsn, start: time.Now()}
}

// run starts the listener, once.
func (w *credWatch) run() {
	w.once.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		w.cancel, w.done = cancel, make(chan struct{})
		go w.loop(ctx)
	})
}

// close stops the listener and waits for its connection to be closed (a
// database being dropped must have none).
func (w *credWatch) close() {
	w.once.Do(func() {}) // never started after closing
	if w.cancel != nil {
		w.cancel()
		<-w.done
	}
}

// current returns the generation kept, if it may be used.
func (w *credWatch) current() (int64, bool) {
	u := w.until.Load()
	if u == 0 || int64(time.Since(w.start)) >= u {
		return 0, false
	}
	return w.gen.Load(), true
}

// saw records a notified generation: it is at least n (generations only
// grow; the next read of the generation corrects one that did not).
func (w *credWatch) saw(n int64) {
	for {
		g := w.gen.Load()
		if n <= g || w.gen.CompareAndSwap(g, n) {
			return
		}
	}
}

// read records the generation n, read by a statement begun at began (since
// start) when the epoch was epoch, and makes it usable for credValidFor from
// then, unless this process changed a credential meanwhile.
func (w *credWatch) read(n int64, began time.Duration, epoch int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.epoch != epoch {
		return
	}
	w.gen.Store(n)
	w.until.Store(int64(began + credValidFor))
}

// changed stops the use of the generation kept until the listener next reads
// it: this process has just changed a credential.
func (w *credWatch) changed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.epoch++
	w.until.Store(0)
}

func (w *credWatch) loop(ctx context.Context) {
	defer close(w.done)
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		began := time.Now()
		w.listen(ctx)
		w.changed() // nothing kept is used until the next read
		w.backend.Store(0)
		if time.Since(began) > credRetry {
			wait = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, credRetry)
	}
}

// listen connects, listens, and keeps the generation until the connection
// fails or ctx ends.
func (w *credWatch) listen(ctx context.Context) {
	if w.hold.Load() {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	cfg, err := pgx.ParseConfig(w.dsn)
	if err != nil {
		cancel()
		return
	}
	cfg.RuntimeParams["application_name"] = "rulebook credentials listener"
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	w.backend.Store(conn.PgConn().PID())
	// LISTEN takes effect before the first read of the generation: a change
	// committed after that read is notified, one before it is read.
	if _, err := conn.Exec(ctx, `LISTEN `+credentialChannel); err != nil {
		return
	}
	for {
		w.mu.Lock()
		epoch := w.epoch
		w.mu.Unlock()
		began := time.Since(w.start)
		qctx, cancel := context.WithTimeout(ctx, credValidFor)
		var n int64
		err := conn.QueryRow(qctx, `SELECT n FROM credential_generation WHERE id = 1`).Scan(&n)
		cancel()
		if err != nil {
			return
		}
		w.read(n, began, epoch)
		next := time.Now().Add(credHeartbeat)
		for {
			nctx, cancel := context.WithDeadline(ctx, next)
			note, err := conn.WaitForNotification(nctx)
			cancel()
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				if nctx.Err() != nil && !conn.IsClosed() {
					break // time for the next read
				}
				return
			}
			if n, err := strconv.ParseInt(note.Payload, 10, 64); err == nil {
				w.saw(n)
			} else {
				// Not ours to read: what is kept is not used until the
				// next read of the generation.
				w.changed()
				break
			}
		}
	}
}

// ListenerBackend returns the server process id of the connection that listens
// for credential changes on PostgreSQL (0 when none is connected), for tests
// that end it to see the requests fall back to asking.
func (db *DB) ListenerBackend() uint32 {
	if db.creds == nil {
		return 0
	}
	return db.creds.backend.Load()
}

// CredentialsWatched reports whether the credential generation is at present
// taken from the listener rather than asked of the database.
func (db *DB) CredentialsWatched() bool {
	if db.creds == nil {
		return false
	}
	_, ok := db.creds.current()
	return ok
}
