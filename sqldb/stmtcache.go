package sqldb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"modernc.org/sqlite"
)

// SQLite compiles every statement it is given (pgx keeps a cache of prepared
// statements per connection; the SQLite driver does not), and compiling the
// few statements of a read took more time than running them: a quarter of the
// CPU of an eligibility answer or a member's record over HTTP. So each SQLite
// reading connection keeps the statements it has compiled, by their text, and
// runs one again rather than compile it anew. SQLite recompiles a kept
// statement itself if the schema changed since.

// stmtCacheMax is the most statements a connection keeps; past it, those not in
// use are dropped. The queries are the package's own, a few dozen texts (a few
// more where a list is spelt out in the text).
const stmtCacheMax = 256

// stmtCacheConnector opens SQLite connections that keep their statements.
type stmtCacheConnector struct{ driver.Connector }

// newStmtCacheConnector returns a connector to the SQLite database at dsn whose
// connections keep their statements.
func newStmtCacheConnector(dsn string) (driver.Connector, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return stmtCacheConnector{base}, nil
}

func (c stmtCacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	full, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("the SQLite driver's connection (%T) lacks an interface it had", conn)
	}
	return &stmtCacheConn{conn: full, stmts: map[string]*cachedStmt{}}, nil
}

// The interfaces every SQLite connection implements, which the wrapper forwards
// (database/sql falls back to poorer ways without them).
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtCacheConn is a connection with its kept statements. database/sql uses a
// connection from one goroutine at a time, so it needs no lock of its own.
type stmtCacheConn struct {
	conn  sqliteConn
	stmts map[string]*cachedStmt
}

// cachedStmt is a kept statement; busy while rows read from it are open (a
// second query of the same text meanwhile, inside a transaction, is compiled
// afresh).
type cachedStmt struct {
	stmt driver.Stmt
	busy bool
}

// Unwrap returns the SQLite connection (the driver's Limit looks for it).
func (c *stmtCacheConn) Unwrap() driver.Conn { return c.conn }

func (c *stmtCacheConn) Prepare(query string) (driver.Stmt, error) { return c.conn.Prepare(query) }
func (c *stmtCacheConn) Begin() (driver.Tx, error)                 { return c.conn.Begin() }

func (c *stmtCacheConn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.stmt.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.conn.Close())
	return errors.Join(errs...)
}

func (c *stmtCacheConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.BeginTx(ctx, opts)
}

func (c *stmtCacheConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.conn.PrepareContext(ctx, query)
}

func (c *stmtCacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.conn.ExecContext(ctx, query, args)
}

func (c *stmtCacheConn) Ping(ctx context.Context) error { return c.conn.Ping(ctx) }

func (c *stmtCacheConn) ResetSession(ctx context.Context) error {
	return c.conn.ResetSession(ctx)
}

func (c *stmtCacheConn) IsValid() bool { return c.conn.IsValid() }

// QueryContext runs the kept statement of this text, compiling and keeping it
// the first time.
func (c *stmtCacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s := c.stmts[query]
	if s == nil || s.busy {
		if s != nil || len(c.stmts) >= stmtCacheMax && !c.evict() {
			return c.conn.QueryContext(ctx, query, args)
		}
		st, err := c.conn.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		s = &cachedStmt{stmt: st}
		c.stmts[query] = s
	}
	rows, err := s.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, c: c, query: query, s: s}, nil
}

// evict drops the statements not in use, and reports whether there is room.
func (c *stmtCacheConn) evict() bool {
	for q, s := range c.stmts {
		if !s.busy {
			s.stmt.Close()
			delete(c.stmts, q)
		}
	}
	return len(c.stmts) < stmtCacheMax
}

// cachedRows frees its statement for the next query when closed; a statement
// that could not be reset (its wait for a lock ended by its context, say) is
// dropped rather than kept in an unknown state.
type cachedRows struct {
	driver.Rows
	c     *stmtCacheConn
	query string
	s     *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.s.busy = false
	if err != nil && r.c.stmts[r.query] == r.s {
		delete(r.c.stmts, r.query)
		r.s.stmt.Close()
	}
	return err
}
