package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Reads sent to a PostgreSQL streaming replica (--db-read).
//
// Every read of this package goes through DB.r, a readPool. Without a replica,
// or for a context the application has not marked with OnReplica, it is the
// database's own readers' pool (on PostgreSQL, the primary's). The application
// marks the read-only operations it lists (eligibility, electorates, member
// reads and searches, case lists, statistics); everything else — every write,
// every read inside a write transaction (those go through the transaction),
// the record's verification and checkpoints, sessions and tokens — reads the
// primary.
//
// Read-your-writes: a client that wrote is given the primary's WAL position
// after its write (WritePosition), and hands it back (WithReadRoute). Its next
// read that would go to the replica first waits, up to the replica's wait
// (2 s by default), for the replica to have replayed that far; if it has not by
// then, the request reads the primary instead, and the route says by how many
// bytes the replica was behind, for the front end to tell the client.

// DefaultReplicaWait is how long a read waits for the replica to replay a
// client's own write before it reads the primary instead.
const DefaultReplicaWait = 2 * time.Second

// WALPosition is a position in PostgreSQL's write-ahead log (a pg_lsn), as a
// byte offset; 0 is none.
type WALPosition uint64

// String writes p as PostgreSQL does ("16/B374D848").
func (p WALPosition) String() string {
	return fmt.Sprintf("%X/%X", uint64(p)>>32, uint64(p)&0xFFFFFFFF)
}

// ParseWALPosition reads a position written as PostgreSQL writes a pg_lsn.
func ParseWALPosition(s string) (WALPosition, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil || hi == "" || lo == "" || len(s) > 17 {
		return 0, fmt.Errorf("%q is not a WAL position (two hexadecimal numbers: 16/B374D848)", s)
	}
	return WALPosition(h<<32 | l), nil
}

// readPool is where this package's reads go: the embedded pool (SQLite's
// read-only connections, or PostgreSQL's one pool on the primary) unless the
// context lets them go to the replica.
type readPool struct {
	*sql.DB
	rep *replica
}

// A read the replica cannot take because it cannot be reached (stopped,
// restarting, the network between) is read from the primary instead, and the
// replica is left alone for replicaRetry before a read tries it again: losing
// the replica costs the primary's load, never a failed read. A read that fails
// on the replica for any other reason (a query error) fails as it would on the
// primary; one that fails part way through its rows is not read again.
func (p *readPool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	db := p.pick(ctx)
	rows, err := db.QueryContext(ctx, q, args...)
	if db != p.DB {
		if err != nil && p.rep.unreachable(ctx, err) {
			return p.DB.QueryContext(ctx, q, args...)
		} else if err == nil {
			p.rep.up()
		}
	}
	return rows, err
}

func (p *readPool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	db := p.pick(ctx)
	row := db.QueryRowContext(ctx, q, args...)
	if db != p.DB {
		if err := row.Err(); err != nil && p.rep.unreachable(ctx, err) {
			return p.DB.QueryRowContext(ctx, q, args...)
		} else if err == nil {
			p.rep.up()
		}
	}
	return row
}

func (p *readPool) Conn(ctx context.Context) (*sql.Conn, error) {
	db := p.pick(ctx)
	c, err := db.Conn(ctx)
	if err == nil && db != p.DB {
		// A pooled connection may have outlived the replica: ask before using it.
		if err = c.PingContext(ctx); err != nil {
			c.Close()
		}
	}
	if err != nil && db != p.DB && p.rep.unreachable(ctx, err) {
		return p.DB.Conn(ctx)
	}
	return c, err
}

// pick chooses the pool for one read under ctx.
func (p *readPool) pick(ctx context.Context) *sql.DB {
	if p.rep == nil || ctx.Value(onReplicaKey{}) == nil {
		return p.DB
	}
	rt, _ := ctx.Value(routeKey{}).(*ReadRoute)
	if p.rep.isDown() {
		if rt != nil {
			rt.primary(ErrReplicaDown)
		}
		return p.DB
	}
	if rt == nil {
		p.rep.reads.Add(1)
		return p.rep.db
	}
	if rt.decide(ctx, p.rep) {
		p.rep.reads.Add(1)
		return p.rep.db
	}
	return p.DB
}

// replicaRetry is how long reads leave a replica that could not be reached
// before one tries it again.
const replicaRetry = 5 * time.Second

// isDown reports whether the replica could not be reached within replicaRetry.
func (r *replica) isDown() bool {
	until := r.downUntil.Load()
	return until != 0 && time.Now().UnixNano() < until
}

// unreachable reports whether err, from a read sent to the replica, says the
// replica could not be reached (rather than that the query failed, or that the
// request was cancelled); if so it marks the replica down for replicaRetry and
// notes on the request's route that the primary served it.
func (r *replica) unreachable(ctx context.Context, err error) bool {
	if !r.markUnreachable(ctx, err) {
		return false
	}
	r.reads.Add(-1)
	if rt, _ := ctx.Value(routeKey{}).(*ReadRoute); rt != nil {
		rt.primary(err)
	}
	return true
}

// ErrReplicaDown is why a read went to the primary while the replica could
// not be reached.
var ErrReplicaDown = errors.New("the replica could not be reached: reads go to the primary until it answers")

// primary notes that the request's reads went to the primary, for cause.
func (rt *ReadRoute) primary(cause error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.decided, rt.replica = true, false
	if rt.cause == nil {
		rt.cause = cause
	}
}

// markUnreachable marks the replica down for replicaRetry when err says it
// could not be reached, and reports whether it did.
func (r *replica) markUnreachable(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pgconn.PgError
	// A server error is the query's, but for connection exceptions and a
	// server shutting down or starting up.
	if errors.As(err, &pe) && !strings.HasPrefix(pe.Code, "08") && !slices.Contains([]string{"57P01", "57P02", "57P03"}, pe.Code) {
		return false
	}
	if r.downUntil.Swap(time.Now().Add(r.retry).UnixNano()) == 0 {
		slog.Warn("the read replica cannot be reached: reads go to the primary, and the replica is tried again every "+r.retry.String(),
			"replica", redact(r.dsn), "err", err)
	}
	r.fallbacks.Add(1)
	return true
}

// up notes that the replica answered, after it was down.
func (r *replica) up() {
	if r.downUntil.Swap(0) != 0 {
		slog.Info("the read replica answers again: reads go to it", "replica", redact(r.dsn))
	}
}

// replica is the streaming replica reads may go to.
type replica struct {
	db   *sql.DB
	dsn  string
	wait time.Duration
	// seen is the furthest replay position read from the replica: a client's
	// write at or before it needs no question to the replica.
	seen atomic.Uint64
	// reads counts the reads served by the replica.
	reads atomic.Int64
	// retry is how long a replica that could not be reached is left alone.
	retry time.Duration
	// downUntil is when a replica that could not be reached may be tried again
	// (Unix nanoseconds; 0 while it answers).
	downUntil atomic.Int64
	// fallbacks counts the reads sent to the primary because the replica could
	// not be reached.
	fallbacks atomic.Int64
}

// replayed asks the replica how far it has replayed the primary's log.
func (r *replica) replayed(ctx context.Context) (WALPosition, error) {
	var s sql.NullString
	if err := r.db.QueryRowContext(ctx, `SELECT pg_last_wal_replay_lsn()::text`).Scan(&s); err != nil {
		return 0, err
	}
	if !s.Valid {
		return 0, fmt.Errorf("the replica %s is not replaying a primary's log (promoted, or not a standby)", redact(r.dsn))
	}
	pos, err := ParseWALPosition(s.String)
	if err != nil {
		return 0, err
	}
	for {
		old := r.seen.Load()
		if uint64(pos) <= old || r.seen.CompareAndSwap(old, uint64(pos)) {
			return pos, nil
		}
	}
}

type onReplicaKey struct{}

// OnReplica returns ctx marked so that the reads made under it may be served by
// the replica, when there is one: the application marks the read-only
// operations it lists, and nothing else.
func OnReplica(ctx context.Context) context.Context {
	return context.WithValue(ctx, onReplicaKey{}, true)
}

type routeKey struct{}

// ReadRoute is the way one client request's reads take: whether they were
// served by the replica, or by the primary because the replica had not yet
// replayed the client's last write.
type ReadRoute struct {
	after   WALPosition
	mu      sync.Mutex
	decided bool
	replica bool
	behind  uint64
	cause   error
}

// WithReadRoute returns ctx carrying a route for one request of a client whose
// last write ended at after (0 for none known), and the route, to be asked once
// the request has been answered (Served).
func WithReadRoute(ctx context.Context, after WALPosition) (context.Context, *ReadRoute) {
	rt := &ReadRoute{after: after}
	return context.WithValue(ctx, routeKey{}, rt), rt
}

// Served reports where the request's reads went: used is false when none was
// one the replica may serve; otherwise replica says whether the replica served
// them, and, when it did not, behind is how many bytes of the client's write
// it had still to replay (and cause, when set, why it could not be asked).
func (rt *ReadRoute) Served() (used, replica bool, behind uint64, cause error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.decided, rt.replica, rt.behind, rt.cause
}

// decide chooses, once per request, whether its reads go to the replica: yes
// when the replica has replayed the client's last write, at once or within the
// replica's wait; otherwise the request reads the primary.
func (rt *ReadRoute) decide(ctx context.Context, r *replica) bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.decided {
		return rt.replica
	}
	rt.decided = true
	if rt.after == 0 || uint64(rt.after) <= r.seen.Load() {
		rt.replica = true
		return true
	}
	deadline := time.Now().Add(r.wait)
	pause := 5 * time.Millisecond
	for {
		pos, err := r.replayed(ctx)
		if err != nil {
			rt.cause = err
			r.markUnreachable(ctx, err)
			return false
		}
		if pos >= rt.after {
			rt.replica = true
			return true
		}
		rt.behind = uint64(rt.after - pos)
		if time.Now().Add(pause).After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			rt.cause = ctx.Err()
			return false
		case <-time.After(pause):
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// AttachReplica sends the reads the application marks (OnReplica) to the
// PostgreSQL streaming replica at dsn. The replica must be a standby of this
// database's server (it is refused otherwise: reads from another server would
// answer from another register); its connections are read-only besides. wait
// bounds how long a read waits for the replica to replay its client's own
// write (DefaultReplicaWait when 0).
func (db *DB) AttachReplica(ctx context.Context, dsn string, wait time.Duration) error {
	if db.dialect != "postgres" {
		return fmt.Errorf("--db-read: a replica serves reads of a PostgreSQL database, and --db is SQLite")
	}
	if !IsPostgres(dsn) {
		return fmt.Errorf("--db-read: %q is not a postgres:// DSN", redact(dsn))
	}
	if db.r.rep != nil {
		return fmt.Errorf("--db-read: a replica is attached already")
	}
	if wait <= 0 {
		wait = DefaultReplicaWait
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return fmt.Errorf("--db-read: %w", err)
	}
	// Read-only sessions, however the replica is set up; and named, so that
	// the replica's pg_stat_activity shows whose they are.
	q := u.Query()
	q.Set("default_transaction_read_only", "on")
	if q.Get("application_name") == "" {
		q.Set("application_name", "rulebook-read")
	}
	// A replica that cannot be reached is given up on quickly, for the primary.
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "2")
	}
	u.RawQuery = q.Encode()
	rdb, err := sql.Open("pgx", withoutJIT(u.String()))
	if err != nil {
		return fmt.Errorf("--db-read: %w", err)
	}
	rdb.SetMaxOpenConns(8)
	fail := func(err error) error {
		rdb.Close()
		return err
	}
	var inRecovery bool
	var system, primarySystem string
	if err := rdb.QueryRowContext(ctx, `SELECT pg_is_in_recovery(), system_identifier::text FROM pg_control_system()`).Scan(&inRecovery, &system); err != nil {
		return fail(fmt.Errorf("open --db-read %s: %w", redact(dsn), err))
	}
	if !inRecovery {
		return fail(fmt.Errorf("--db-read %s is not a streaming replica (it is not in recovery): give a standby of the --db server", redact(dsn)))
	}
	if err := db.w.QueryRowContext(ctx, `SELECT system_identifier::text FROM pg_control_system()`).Scan(&primarySystem); err != nil {
		return fail(err)
	}
	if system != primarySystem {
		return fail(fmt.Errorf("--db-read %s is a replica of another server than --db %s (system identifier %s, not %s)", redact(dsn), redact(db.dsn), system, primarySystem))
	}
	var name, primaryName string
	if err := rdb.QueryRowContext(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		return fail(err)
	}
	if err := db.w.QueryRowContext(ctx, `SELECT current_database()`).Scan(&primaryName); err != nil {
		return fail(err)
	}
	if name != primaryName {
		return fail(fmt.Errorf("--db-read %s names database %q, and --db %q", redact(dsn), name, primaryName))
	}
	db.r.rep = &replica{db: rdb, dsn: dsn, wait: wait, retry: replicaRetry}
	return nil
}

// HasReplica reports whether reads may go to a replica.
func (db *DB) HasReplica() bool { return db.r.rep != nil }

// ReplicaFallbacks counts the reads sent to the primary because the replica
// could not be reached.
func (db *DB) ReplicaFallbacks() int64 {
	if db.r.rep == nil {
		return 0
	}
	return db.r.rep.fallbacks.Load()
}

// ReplicaReads counts the reads the replica has served since it was attached.
func (db *DB) ReplicaReads() int64 {
	if db.r.rep == nil {
		return 0
	}
	return db.r.rep.reads.Load()
}

// WritePosition returns the primary's WAL position now, after a client's write
// (0 without a replica): the position its later reads must find replayed. It is
// the position flushed, which the replica can be sent, and which a committed
// write has reached.
func (db *DB) WritePosition(ctx context.Context) (WALPosition, error) {
	if db.r.rep == nil {
		return 0, nil
	}
	var s string
	if err := db.w.QueryRowContext(ctx, `SELECT pg_current_wal_flush_lsn()::text`).Scan(&s); err != nil {
		return 0, err
	}
	return ParseWALPosition(s)
}

// ReplicaLag is how far the replica is behind the primary.
type ReplicaLag struct {
	// Behind is the bytes of the primary's log the replica has yet to replay.
	Behind uint64
	// Since is how long ago the replica replayed its last transaction, when it
	// is behind (0 when it is not).
	Since time.Duration
	// Paused says that replay is paused on the replica (pg_wal_replay_pause).
	Paused bool
}

// ReplicaLag measures the replica's lag; ok is false without a replica.
func (db *DB) ReplicaLag(ctx context.Context) (lag ReplicaLag, ok bool, err error) {
	rep := db.r.rep
	if rep == nil {
		return lag, false, nil
	}
	var primary string
	if err := db.w.QueryRowContext(ctx, `SELECT pg_current_wal_flush_lsn()::text`).Scan(&primary); err != nil {
		return lag, true, err
	}
	var replayed sql.NullString
	var since sql.NullFloat64
	if err := rep.db.QueryRowContext(ctx, `SELECT pg_last_wal_replay_lsn()::text, pg_is_wal_replay_paused(),
		EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8`).Scan(&replayed, &lag.Paused, &since); err != nil {
		return lag, true, fmt.Errorf("replica: %w", err)
	}
	if !replayed.Valid {
		return lag, true, errors.New("replica: not replaying a primary's log (promoted, or not a standby)")
	}
	p, err := ParseWALPosition(primary)
	if err != nil {
		return lag, true, err
	}
	r, err := ParseWALPosition(replayed.String)
	if err != nil {
		return lag, true, err
	}
	if p > r {
		lag.Behind = uint64(p - r)
		if since.Valid && since.Float64 > 0 {
			lag.Since = time.Duration(since.Float64 * float64(time.Second))
		}
	}
	return lag, true, nil
}

// standbyError is Open's answer for a DSN naming a server in recovery: a
// replica takes no writes, and rulebook writes (migrations, the access log).
func standbyError(dsn string) error {
	return fmt.Errorf("the database at %s is a read-only standby (a replica): give it as --db-read (reads only), and its primary as --db", redact(dsn))
}
