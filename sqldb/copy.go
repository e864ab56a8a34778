package sqldb

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/stdlib"
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
	err := a.conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy: unexpected driver connection %T", dc)
		}
		tag, err := pc.Conn().PgConn().CopyFrom(a.ctx, &buf, q)
		if err == nil && tag.RowsAffected() != int64(b.rows) {
			err = fmt.Errorf("%d rows copied of %d", tag.RowsAffected(), b.rows)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("insert into %s: %w", b.table, friendly(err))
	}
	return nil
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
