package sqldb

import (
	"bytes"
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// On SQLite the credential generation was read on every request made with a
// token: a statement of its own, a tenth of the CPU time of a member's record
// over HTTP. It is now read again only when the database may have changed
// since it was last read, which the write-ahead log's index says: its header
// (the first 96 bytes of the -shm file beside the database, two copies of 48)
// is rewritten, with a counter incremented, by every transaction that commits,
// from any process or connection, and by nothing that leaves the database as
// it was but for the checkpointer's progress, which is kept past the header.
// It is the header SQLite's own readers compare to know whether their page
// caches still hold. Its format is shared by every version of SQLite that may
// open the database at once, so it does not change.
//
// How stale it may be: not at all. The header is read before the generation,
// so the generation read is of that header's state or a later one; a later
// request that finds the header unchanged knows nothing has committed since,
// and that the generation is the one read. A header caught mid-rewrite is
// either unlike both the old and the new (a read), or the old (the commit not
// yet seen by any reader). Whenever the header cannot be had, the generation is
// read from the database, as before.
//
// The -shm file is removed by the last connection to the database to close,
// and made anew by the next to open it: a file this process held would then be
// a stale copy, its header never changing again. So the watch holds a
// connection of its own open, having read through it: an open connection keeps
// its shared lock on the database, and no connection can remove the file (or
// truncate it) while another holds one. Only then is the file opened (on Unix,
// mapped, so that a look is a read of memory, not a system call).

// walHeaderSize is the wal-index header: two copies of its 48 bytes.
const walHeaderSize = 96

// walKept is a credential generation and the wal-index header read before it.
type walKept struct {
	hdr [walHeaderSize]byte
	gen int64
}

// walWatch keeps the credential generation of a SQLite database by its
// wal-index header.
type walWatch struct {
	shm string
	// pin is the connection that keeps shm the database's index.
	pin driver.Conn
	// mu keeps close from unmapping head while a look reads it.
	mu sync.RWMutex
	// head is shm's start, mapped (nil where it is read for each look, and
	// once closed).
	head  []byte
	unmap func() error
	kept  atomic.Pointer[walKept]
	// reads counts the generations read from the database, for tests.
	reads atomic.Int64
}

// newWALWatch watches the index of the SQLite database at path, connecting
// through c.
func newWALWatch(ctx context.Context, c driver.Connector, path string) (*walWatch, error) {
	conn, err := c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	w := &walWatch{shm: path + "-shm", pin: conn}
	if err := w.start(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("watching %s: %w", w.shm, err)
	}
	return w, nil
}

// start reads through the pinned connection (which opens the index and takes
// the shared lock that keeps it), then opens the index.
func (w *walWatch) start(ctx context.Context) error {
	q, ok := w.pin.(driver.QueryerContext)
	if !ok {
		return fmt.Errorf("the connection (%T) cannot query", w.pin)
	}
	rows, err := q.QueryContext(ctx, `SELECT n FROM credential_generation WHERE id = 1`, nil)
	if err != nil {
		return err
	}
	dest := make([]driver.Value, len(rows.Columns()))
	err = rows.Next(dest)
	rows.Close()
	if err != nil && err != io.EOF {
		return err
	}
	w.head, w.unmap, err = mapHead(w.shm, walHeaderSize)
	if err != nil {
		return err
	}
	if _, ok := w.header(); !ok {
		w.close()
		return fmt.Errorf("no wal-index header")
	}
	return nil
}

// close lets the index go.
func (w *walWatch) close() {
	w.mu.Lock()
	if w.unmap != nil {
		w.unmap()
		w.unmap, w.head = nil, nil
	}
	w.mu.Unlock()
	if w.pin != nil {
		w.pin.Close()
		w.pin = nil
	}
}

// header returns the wal-index header, and whether it was had whole with its
// two copies alike and marked initialised.
func (w *walWatch) header() (hdr [walHeaderSize]byte, ok bool) {
	w.mu.RLock()
	mapped := w.head != nil
	if mapped {
		copy(hdr[:], w.head)
	}
	w.mu.RUnlock()
	if !mapped && !readHead(w.shm, hdr[:]) {
		return hdr, false
	}
	// isInit is the 13th byte of each copy.
	return hdr, hdr[12] != 0 && bytes.Equal(hdr[:48], hdr[48:])
}

// generation returns the credential generation kept with hdr, if any.
func (w *walWatch) generation(hdr [walHeaderSize]byte) (int64, bool) {
	if k := w.kept.Load(); k != nil && k.hdr == hdr {
		return k.gen, true
	}
	return 0, false
}

// keep keeps gen, read after hdr was.
func (w *walWatch) keep(hdr [walHeaderSize]byte, gen int64) {
	w.kept.Store(&walKept{hdr: hdr, gen: gen})
}
