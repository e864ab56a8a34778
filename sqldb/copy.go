package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// PostgreSQL loads a large batch through COPY FROM rather than multi-row
// INSERTs: the server parses one stream of rows instead of binding thousands of
// parameters, which makes an import of a million members several times faster.
// The rows go in COPY's text format, written here without going through a
// value per column; they stay inside the appender's transaction.

// copyMinRows is the smallest batch copied: a few rows cost less as an INSERT.
const copyMinRows = 64

// copyTables are the tables a batch is copied into: those a large load fills,
// whose []byte columns are all bytea (encoded as such).
var copyTables = map[string]bool{"events": true, "personal": true, "members": true, "status_points": true, "units": true}

// copyBatch writes b's rows with COPY FROM, on the transaction's connection.
func (a *Appender) copyBatch(b *batch) error {
	var buf bytes.Buffer
	buf.Grow(b.rows * 64 * len(b.cols))
	ncol := len(b.cols)
	for r := 0; r < b.rows; r++ {
		for c, v := range b.args[r*ncol : (r+1)*ncol] {
			if c > 0 {
				buf.WriteByte('\t')
			}
			if err := appendCopyValue(&buf, v); err != nil {
				return fmt.Errorf("copy into %s, column %s: %w", b.table, b.cols[c], err)
			}
		}
		buf.WriteByte('\n')
	}
	q := `COPY ` + b.table + ` (` + strings.Join(b.cols, ", ") + `) FROM STDIN`
	if err := a.copyFrom(q, &buf, func() int64 { return int64(b.rows) }); err != nil {
		return fmt.Errorf("insert into %s: %w", b.table, friendly(err))
	}
	return nil
}

// copyFrom runs the COPY FROM STDIN q with r's rows, on the transaction's
// connection, and checks that the server took all of them: rows() counts them
// once r is read to its end.
func (a *Appender) copyFrom(q string, r io.Reader, rows func() int64) error {
	return withPgx(a.conn, func(pc *pgx.Conn) error {
		tag, err := pc.PgConn().CopyFrom(a.ctx, r, q)
		if n := rows(); err == nil && tag.RowsAffected() != n {
			err = fmt.Errorf("%d rows copied of %d", tag.RowsAffected(), n)
		}
		return err
	})
}

// copyAccess stores the access log's entries with one COPY FROM on conn, inside
// the transaction open on it; row gives each entry's columns, chained.
func copyAccess(ctx context.Context, conn *sql.Conn, entries []Access, row func(Access) []any) error {
	var buf bytes.Buffer
	buf.Grow(len(entries) * 256)
	for _, e := range entries {
		for c, v := range row(e) {
			if c > 0 {
				buf.WriteByte('\t')
			}
			if err := appendCopyValue(&buf, v); err != nil {
				return fmt.Errorf("copy into access_log: %w", err)
			}
		}
		buf.WriteByte('\n')
	}
	return withPgx(conn, func(pc *pgx.Conn) error {
		tag, err := pc.PgConn().CopyFrom(ctx, &buf, `COPY access_log (id, at, actor, action, subject, detail, prev_hash, hash) FROM STDIN`)
		if err == nil && tag.RowsAffected() != int64(len(entries)) {
			err = fmt.Errorf("%d access-log entries copied of %d", tag.RowsAffected(), len(entries))
		}
		if err != nil {
			return fmt.Errorf("insert into access_log: %w", friendly(err))
		}
		return nil
	})
}

// copyElectorate stores a selection's electorate with one COPY FROM, streamed
// as its members come on chunks: the server inserts the rows of one chunk while
// the next is being decided, and nothing is parsed but the rows themselves.
func (a *Appender) copyElectorate(selection string, chunks <-chan []string) error {
	r := &electorateRows{chunks: chunks}
	copyText(&r.selection, selection)
	r.selection.WriteByte('\t')
	if err := a.copyFrom(`COPY selection_electorate (selection, member) FROM STDIN`, r, func() int64 { return r.rows }); err != nil {
		return fmt.Errorf("insert into selection_electorate: %w", friendly(err))
	}
	return nil
}

// electorateRows reads as COPY's text rows (selection, member) of the members
// that come on chunks, until chunks is closed.
type electorateRows struct {
	chunks    <-chan []string
	selection bytes.Buffer // the first column, escaped, and its tab
	pending   []string     // members of the chunk not yet written out
	buf       bytes.Buffer // rows written out, not yet read
	rows      int64
}

func (r *electorateRows) Read(p []byte) (int, error) {
	for r.buf.Len() == 0 {
		if len(r.pending) == 0 {
			c, ok := <-r.chunks
			if !ok {
				return 0, io.EOF
			}
			r.pending = c
			continue
		}
		// About as much as p holds: a chunk is written out a piece at a time.
		for len(r.pending) > 0 && r.buf.Len() < len(p) {
			r.buf.Write(r.selection.Bytes())
			copyText(&r.buf, r.pending[0])
			r.buf.WriteByte('\n')
			r.pending = r.pending[1:]
			r.rows++
		}
	}
	return r.buf.Read(p)
}

// appendCopyValue writes v in COPY's text format: \N for NULL, text with
// backslash, tab, newline and carriage return escaped, bytea as \\x and hex.
func appendCopyValue(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		buf.WriteString(`\N`)
	case string:
		copyText(buf, x)
	case []byte:
		if x == nil {
			buf.WriteString(`\N`)
			return nil
		}
		buf.WriteString(`\\x`)
		buf.Grow(2 * len(x))
		b := buf.AvailableBuffer()[:2*len(x)]
		hex.Encode(b, x)
		buf.Write(b)
	case int64:
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), x, 10))
	case int:
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(x), 10))
	case int32:
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(x), 10))
	case bool:
		if x {
			buf.WriteByte('t')
		} else {
			buf.WriteByte('f')
		}
	default:
		return fmt.Errorf("no COPY text form for a %T", v)
	}
	return nil
}

// copyText writes s escaped for COPY's text format. PostgreSQL text holds no
// NUL byte, which COPY refuses as an INSERT would.
func copyText(buf *bytes.Buffer, s string) {
	for {
		i := strings.IndexAny(s, "\\\t\n\r")
		if i < 0 {
			buf.WriteString(s)
			return
		}
		buf.WriteString(s[:i])
		switch s[i] {
		case '\\':
			buf.WriteString(`\\`)
		case '\t':
			buf.WriteString(`\t`)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		}
		s = s[i+1:]
	}
}
