// Package sqldb stores rulebook's event record and the register projection in SQLite
// (the embedded default: one file, nothing to install) or PostgreSQL (selected by a
// postgres:// DSN). One set of hand-written SQL with $n placeholders serves both; the
// few differences live in the migrations.
package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// DB is an open rulebook database.
type DB struct {
	// w takes every write. For SQLite it has one connection, since SQLite allows one
	// writer at a time and a single connection avoids busy errors; r serves reads
	// (and sends those the application marks to a replica, when one is attached:
	// replica.go).
	w       *sql.DB
	r       *readPool
	dialect string
	dsn     string
	// Now is the clock used to stamp events as recorded; tests replace it.
	Now func() time.Time
	// migrated lists the migrations this Open applied.
	migrated []int
	// onCommit, if set, is called after each transaction that appended events or
	// access-log entries commits (to write a checkpoint).
	onCommit atomic.Pointer[func()]
	// writer admits one appender of this process at a time (Begin): the others
	// wait here, holding no connection, rather than in the database holding one
	// each — eight writers queued for PostgreSQL's lock behind an import held the
	// whole pool, and every reader, and the health check, waited with them.
	writer chan struct{}
	// codeOrdered says PostgreSQL orders text by its characters' codes (asked
	// once, under collation).
	collation   sync.Once
	codeOrdered bool
	// stopCheckpoints ends the SQLite checkpointer (checkpoints), if running.
	stopCheckpoints func()
	// creds keeps PostgreSQL's credential generation as notified (credwatch.go);
	// nil on SQLite.
	creds *credWatch
	// wal keeps SQLite's credential generation by the write-ahead log's index
	// (walwatch.go); nil on PostgreSQL and for a database not in a file.
	wal *walWatch
	// units keeps members' chains of units by the generation they were read at
	// (unitchains.go).
	units unitChains
	// extras keeps the members who have restrictions, waivers or servings, by
	// the generation they were read at (extras.go).
	extras memberExtras
}

// checkpointEvery is how often a SQLite database's write-ahead log is copied
// back into the database file. SQLite would otherwise do it itself inside the
// commit that takes the log past a thousand pages, and the request behind that
// commit would wait for it: freezing an electorate of half a million members
// spent a tenth of its time checkpointing its own rows.
const checkpointEvery = time.Second

// checkpoints runs a passive checkpoint every checkpointEvery, on the writing
// connection (serialised with the writers, and with Compact's truncating
// checkpoint, which a checkpoint running elsewhere would make fail), until
// stopCheckpoints. A passive checkpoint copies what no reader still needs and
// waits for nobody; with nothing new in the log it costs next to nothing.
func (db *DB) checkpoints() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			// A failure here (the disk full) is met, and reported, by the next
			// write; the log is left to the next checkpoint. Not under ctx: a
			// cancellation that interrupts the connection after the checkpoint
			// has ended leaves it marked interrupted, and the checkpoint of the
			// connection's close then stops short, leaving the log behind. A
			// passive checkpoint waits for nobody, so Close waits little.
			db.w.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}()
	db.stopCheckpoints = sync.OnceFunc(func() { cancel(); <-done })
}

// takeWriter waits for this process's turn to write, and returns the function
// that gives it up (once, however often it is called).
func (db *DB) takeWriter(ctx context.Context) (func(), error) {
	select {
	case db.writer <- struct{}{}:
		return sync.OnceFunc(func() { <-db.writer }), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// OnCommit sets f (nil for none) to be called after each transaction that
// appended events or access-log entries commits; f must not block.
func (db *DB) OnCommit(f func()) {
	if f == nil {
		db.onCommit.Store(nil)
		return
	}
	db.onCommit.Store(&f)
}

// Migrated reports whether this Open brought an existing database (one that
// already had a schema) up to migration n, so that its projections can be rebuilt
// for what the migration added.
func (db *DB) Migrated(n int) bool {
	return len(db.migrated) > 0 && db.migrated[0] > 1 && slices.Contains(db.migrated, n)
}

// IsPostgres reports whether dsn selects PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// withoutJIT turns PostgreSQL's JIT compilation off for the sessions of dsn,
// unless dsn says otherwise (a jit parameter, or one in options). rulebook's
// statements are lookups by key and long scans of cheap expressions (verify's
// walk, the projection check): the planner's cost estimate sends the scans to
// be compiled, and the compiling costs more than it saves — verify of a
// million events took 3.7 s with JIT and 2.9 s without, verify --projection
// 8.6 s and 6.7 s (BenchmarkCheckProjectionPostgres, the same run).
func withoutJIT(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn // pgx says what is wrong with it
	}
	q := u.Query()
	if q.Has("jit") || strings.Contains(q.Get("options"), "jit") {
		return dsn
	}
	q.Set("jit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

// NoDatabaseError is OpenExisting's answer when no SQLite database file exists at
// the path given.
type NoDatabaseError struct{ Path string }

func (e *NoDatabaseError) Error() string { return fmt.Sprintf("no database at %s", e.Path) }

// OpenExisting opens the database at dsn like Open, but refuses to create a SQLite
// file that does not exist yet (a mistyped path would otherwise become a new,
// empty database): it returns a *NoDatabaseError naming the path. A PostgreSQL
// database is never created by Open either, only its schema.
func OpenExisting(ctx context.Context, dsn string) (*DB, error) {
	if !IsPostgres(dsn) {
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path != "" && path != ":memory:" && !strings.HasPrefix(path, "file:") {
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				return nil, &NoDatabaseError{Path: path}
			}
		}
	}
	return Open(ctx, dsn)
}

// Open opens (creating if need be) the database at dsn — a SQLite file path, or a
// postgres:// URL — and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{dsn: dsn, Now: time.Now, writer: make(chan struct{}, 1)}
	var err error
	// readers opens SQLite's reading connections.
	var readers driver.Connector
	if IsPostgres(dsn) {
		db.dialect = "postgres"
		if db.w, err = sql.Open("pgx", withoutJIT(dsn)); err != nil {
			return nil, err
		}
		db.w.SetMaxOpenConns(8)
		// Every connection stays open once opened (database/sql keeps only two idle
		// by default): a connection closed after each burst of requests is one
		// opened, and its prepared statements prepared, again for the next.
		db.w.SetMaxIdleConns(8)
		db.r = &readPool{DB: db.w}
		db.creds = newCredWatch(dsn)
	} else {
		db.dialect = "sqlite"
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("empty database path")
		}
		// The file holds confidential case files: create it readable by its owner
		// only (SQLite gives its journal files the same permissions).
		if onDisk(path) {
			if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
				f.Close()
			} else if !errors.Is(err, fs.ErrExist) {
				return nil, fmt.Errorf("create %s: %w", path, err)
			}
		}
		// busy_timeout must come first so the connection waits rather than fails
		// while another process holds the lock during the switch to WAL.
		q := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)"
		u := "file:" + (&url.URL{Path: path}).EscapedPath() + q
		// The writer overwrites what it deletes (secure_delete), so personal data
		// erased leaves no copy in the file's free pages. The log of a database in
		// a file is checkpointed apart from the commits (checkpoints).
		w := u + "&_pragma=secure_delete(ON)&_txlock=immediate"
		if onDisk(path) {
			w += "&_pragma=wal_autocheckpoint(0)"
		}
		if db.w, err = sql.Open("sqlite", w); err != nil {
			return nil, err
		}
		db.w.SetMaxOpenConns(1)
		// The readers keep the statements they compile (stmtcache.go).
		rc, err := newStmtCacheConnector(u + "&_pragma=query_only(ON)")
		if err != nil {
			db.w.Close()
			return nil, err
		}
		readers = rc
		r := sql.OpenDB(rc)
		r.SetMaxOpenConns(4)
		// As for PostgreSQL: the readers stay open, with their statements.
		r.SetMaxIdleConns(4)
		db.r = &readPool{DB: r}
	}
	if err := db.w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
	}
	if db.dialect == "postgres" {
		// A replica refuses every write: say so before the migrations fail on it.
		var standby bool
		if err := db.w.QueryRowContext(ctx, `SELECT pg_is_in_recovery()`).Scan(&standby); err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
		}
		if standby {
			db.Close()
			return nil, standbyError(dsn)
		}
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.dialect == "sqlite" {
		// PostgreSQL keeps its own statistics (autovacuum); SQLite gathers them
		// when asked, and picks poor plans for the lists without them.
		if err := db.Analyze(ctx, "members"); err != nil {
			db.Close()
			return nil, err
		}
		if path := strings.TrimPrefix(dsn, "sqlite:"); onDisk(path) {
			db.checkpoints()
			// Without the watch, the credential generation is read on each
			// request, as it always could be.
			if w, err := newWALWatch(ctx, readers, path); err == nil {
				db.wal = w
			}
		}
	}
	return db, nil
}

// onDisk reports whether a SQLite path names a file of its own (not memory, nor
// a URI whose options Open does not look into).
func onDisk(path string) bool { return path != ":memory:" && !strings.HasPrefix(path, "file:") }

// Analyze brings the query planner's statistics up to date after a bulk load:
// without them the planner can drive a join from the wrong side (listing 80,000
// cases under a clause to find the 50 sharing a factor). On SQLite it analyses,
// on a sample, the tables whose size has changed much since last time; on
// PostgreSQL, the tables named (which autovacuum would reach in time).
func (db *DB) Analyze(ctx context.Context, tables ...string) error {
	if _, err := db.w.ExecContext(ctx, db.analyzeSQL(tables)); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

func (db *DB) analyzeSQL(tables []string) string {
	if db.dialect == "sqlite" {
		// Every table's size checked (0x10000), and those that changed much
		// analysed (0x2) on a sample of each index (0x10: SQLite's own
		// advice, a tenth of a second for a million members, where analysing
		// every row took more than a second and chose no better plans for
		// the pages of a large organisation).
		return `PRAGMA optimize=0x10012`
	}
	return `ANALYZE ` + strings.Join(tables, ", ")
}

// point returns the context for a read on SQLite that finds a row or a few by
// key (a token, a session, a member's history, a case), without ctx's
// cancellation: such a read takes microseconds, and for each statement run
// under a cancellable context database/sql and the SQLite driver each start a
// goroutine to watch it, which cost more than the read. A wait for a lock is
// still bounded by busy_timeout. On PostgreSQL ctx is kept: there a read may
// wait on the network, and the request's end must be able to end it.
func (db *DB) point(ctx context.Context) context.Context {
	if db.dialect == "sqlite" {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect }

// Close closes the database.
func (db *DB) Close() error {
	var err error
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
	}
	// Before the pools: the writer, closing last, checkpoints and removes the log.
	if db.wal != nil {
		db.wal.close()
	}
	if db.creds != nil {
		db.creds.close()
	}
	if db.r != nil && db.r.rep != nil {
		err = db.r.rep.db.Close()
	}
	if db.r != nil && db.r.DB != db.w {
		if e := db.r.Close(); e != nil {
			err = e
		}
	}
	if db.w != nil {
		if e := db.w.Close(); e != nil {
			err = e
		}
	}
	return err
}

// SchemaVersion returns the number of migrations applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	return n, err
}

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	steps := migrations[db.dialect]
	for {
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if db.dialect == "postgres" {
			// Two processes starting at once must not both migrate.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(72707)`); err != nil {
				tx.Rollback()
				return err
			}
		}
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&have); err != nil {
			tx.Rollback()
			return err
		}
		if have > len(steps) {
			tx.Rollback()
			return fmt.Errorf("the database schema is version %d but this rulebook knows only %d: use a newer rulebook", have, len(steps))
		}
		if have == len(steps) {
			return tx.Rollback()
		}
		if _, err := tx.ExecContext(ctx, steps[have]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", have+1, err)
		}
		if f := migrationGo[have+1]; f != nil {
			if err := f(ctx, tx, db.dialect); err != nil {
				tx.Rollback()
				return fmt.Errorf("migration %d: %w", have+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)`, have+1, time.Now().Unix()); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		db.migrated = append(db.migrated, have+1)
	}
}

// redact hides a password in a DSN for error messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Ping reports whether the database answers, through the readers' pool: on
// SQLite the one writing connection may be held a while (by an import), and a
// health check must not wait for it.
func (db *DB) Ping(ctx context.Context) error { return db.r.PingContext(ctx) }

// Raw returns the writing connection pool, for tests and maintenance.
func (db *DB) Raw() *sql.DB { return db.w }

// DSN returns the DSN the database was opened with.
func (db *DB) DSN() string { return db.dsn }
