package count

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// InputError is bad input: it names the file, the line and the field at fault, so
// that whoever prepared the file can find and fix it.
type InputError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %s", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// CSVRow is one data record of a CSV input with the line it starts on.
type CSVRow struct {
	Line   int
	Fields []string
}

// ReadCSV reads a small CSV input whose first record must be a header starting with
// the columns want (compared case-insensitively, spaces trimmed). It returns the
// header and the data records; blank records are skipped. Extra columns are allowed
// only when extra is true.
//
// The input is RFC 4180 CSV everywhere, the header included: a quoted field may hold
// commas, doubled quotes and line breaks, and a UTF-8 byte-order mark before it (even
// before a quoted first field) is passed over.
func ReadCSV(r io.Reader, file string, want []string, extra bool) ([]string, []CSVRow, error) {
	cr := NewCSVReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, &InputError{File: file, Line: 1, Msg: "empty file: expected a header " + strings.Join(want, ",")}
	}
	if err != nil {
		return nil, nil, csvErr(file, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	if len(header) < len(want) || (!extra && len(header) > len(want)) {
		return nil, nil, &InputError{File: file, Line: 1, Msg: fmt.Sprintf("header is %q, expected %q", strings.Join(header, ","), strings.Join(want, ","))}
	}
	for i, w := range want {
		if !strings.EqualFold(header[i], w) {
			return nil, nil, &InputError{File: file, Line: 1, Field: strconv.Itoa(i + 1), Msg: fmt.Sprintf("header column %d is %q, expected %q", i+1, header[i], w)}
		}
	}
	var rows []CSVRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, csvErr(file, err)
		}
		line, _ := cr.FieldPos(0)
		blank := true
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
			if rec[i] != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		if !extra && len(rec) > len(want) {
			return nil, nil, &InputError{File: file, Line: line, Msg: fmt.Sprintf("%d fields, expected %d", len(rec), len(want))}
		}
		for len(rec) < len(want) {
			rec = append(rec, "")
		}
		rows = append(rows, CSVRow{Line: line, Fields: rec})
	}
	return header, rows, nil
}

// NewCSVReader returns an RFC 4180 reader of r (records of any length) that first
// passes over a UTF-8 byte-order mark, which encoding/csv would otherwise take as part
// of the first field and then refuse a quote after it.
func NewCSVReader(r io.Reader) *csv.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	return cr
}

func csvErr(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &InputError{File: file, Line: pe.Line, Field: strconv.Itoa(pe.Column), Msg: pe.Err.Error()}
	}
	return &InputError{File: file, Msg: err.Error()}
}

// ParseVotes reads a non-negative whole number of votes from a CSV field.
func ParseVotes(file string, line int, field, s string) (int64, error) {
	if s == "" {
		return 0, &InputError{File: file, Line: line, Field: field, Msg: "missing number"}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || strings.HasPrefix(s, "+") {
		return 0, &InputError{File: file, Line: line, Field: field, Msg: fmt.Sprintf("%q is not a whole number of votes", s)}
	}
	if n > MaxVotes {
		return 0, &InputError{File: file, Line: line, Field: field, Msg: fmt.Sprintf("%s votes is more than the %d this counter accepts", s, int64(MaxVotes))}
	}
	return n, nil
}

// MaxVotes bounds any single vote figure so that sums over many rows cannot overflow int64.
const MaxVotes = 1 << 40
