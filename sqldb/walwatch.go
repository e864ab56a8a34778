package sqldb

import (
	"bytes"
	"os"
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
// and that the generation is the one read. Whenever the header cannot be read
// whole and consistent (the file missing, short, or caught mid-rewrite), the
// generation is read from the database, as before.
//
// The -shm file is opened for each look rather than held: the last connection
// to close a database removes it, and the next to open creates it anew, which
// a held descriptor would not see (a server holds its connections open, but
// need not rely on it).

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
	shm  string
	kept atomic.Pointer[walKept]
	// reads counts the generations read from the database, for tests.
	reads atomic.Int64
}

func newWALWatch(path string) *walWatch { return &walWatch{shm: path + "-shm"} }

// header returns the wal-index header, and whether it was read whole with its
// two copies alike and marked initialised.
func (w *walWatch) header() (hdr [walHeaderSize]byte, ok bool) {
	f, err := os.Open(w.shm)
	if err != nil {
		return hdr, false
	}
	defer f.Close()
	if n, _ := f.ReadAt(hdr[:], 0); n != walHeaderSize {
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
