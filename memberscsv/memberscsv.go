// Package memberscsv reads and writes the register's CSV form. Reading checks every
// row and reports each bad one by row number, field and reason; it never returns a
// half-read file as good.
package memberscsv

import (
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rulebook/rulebook"
)

// Columns returns the header Write produces and Read accepts (in any order; id,
// name and joined are required, the rest optional) for a register whose units are
// of the kinds given: each kind is a column, holding the id of the member's unit of
// that kind.
func Columns(units []string) []string {
	return slices.Concat(fixedHead, units, fixedTail)
}

var (
	fixedHead = []string{"id", "name", "email", "phone", "address"}
	fixedTail = []string{"joined", "status", "status_since"}
)

var required = []string{"id", "name", "joined"}

// Row is one member read from a file. Row numbers count the header as row 1, as a
// spreadsheet shows them.
type Row struct {
	Line   int
	Member rulebook.Member
	// Units holds the row's unit columns, in the order of the kinds the Reader
	// was given ("" where a column is empty or absent). The member's own unit is
	// the register's to work out from these and its tree.
	Units       []string
	Status      string
	StatusSince rulebook.Date
	// units holds Units for the usual few kinds, so that a row is one allocation.
	units [3]string
}

// RowError is a problem with one field of one row.
type RowError struct {
	Line  int    `json:"row"`
	Field string `json:"field"`
	Msg   string `json:"reason"`
}

func (e RowError) Error() string { return fmt.Sprintf("row %d: %s: %s", e.Line, e.Field, e.Msg) }

// Errors is every problem found in a file.
type Errors struct {
	File string
	List []RowError
	// More counts problems beyond the first MaxErrors, which are not listed.
	More int
}

// MaxErrors is how many row problems are listed before counting the rest.
const MaxErrors = 200

func (e *Errors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s; nothing was imported", e.File, rulebook.Plural(len(e.List)+e.More, "problem", "problems"))
	for _, r := range e.List {
		fmt.Fprintf(&b, "\n  %s: %s", e.File, r.Error())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  … and %d more", e.More)
	}
	return b.String()
}

func (e *Errors) add(line int, field, format string, args ...any) {
	if len(e.List) >= MaxErrors {
		e.More++
		return
	}
	e.List = append(e.List, RowError{Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// Reader reads rows one at a time, so a million-row file need not be held twice.
type Reader struct {
	r     *csv.Reader
	idx   map[string]int
	units []string
	ucol  []int // the column of each unit kind, or -1
	ncol  int
	line  int
	errs  *Errors
	// ids holds each id read (as idKey) with its row, to report one given twice.
	// It is the one thing a Reader keeps for every row: 24 bytes, no pointer
	// for the collector to follow, and not the row's text, which a substring
	// of the record would keep alive.
	ids   map[idKey]int
	seeds [2]maphash.Seed
}

// idKey stands for an id: two 64-bit hashes of it under random seeds. Two ids
// of a file share both only with a chance of about n²/2¹²⁹ (under 10⁻²⁵ for
// ten million rows): far less than that of a disk error.
type idKey [2]uint64

func (r *Reader) key(id string) idKey {
	return idKey{maphash.String(r.seeds[0], id), maphash.String(r.seeds[1], id)}
}

// NewReader reads the header and returns a Reader for the rows. name is the file name
// used in messages; units are the kinds of unit the rule book declares, each a
// column the file may have.
func NewReader(r io.Reader, name string, units []string) (*Reader, error) {
	columns := Columns(units)
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	errs := &Errors{File: name}
	head, err := cr.Read()
	if err == io.EOF {
		errs.add(1, "header", "the file is empty: expected a header row with %s", strings.Join(columns, ","))
		return nil, errs
	}
	if err != nil {
		line := 1
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
		}
		errs.add(line, "header", "%v", csvReason(err))
		return nil, errs
	}
	// The header is on line 1 unless blank lines come before it, which the CSV
	// reader skips.
	line, _ := cr.FieldPos(0)
	idx := map[string]int{}
	for i, h := range head {
		// Checked before ToLower, which would turn bad bytes into U+FFFD.
		valid := utf8.ValidString(h)
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case slices.Contains(columns, h):
		case h == "":
			// An unnamed column has no name to report it by: say where it is.
			errs.add(line, "header", "column %d has no name (expected some of: %s)", i+1, strings.Join(columns, ", "))
			continue
		case !valid:
			errs.add(line, "header", "the name of column %d is not valid UTF-8", i+1)
			continue
		default:
			// Unit columns are the rule book's kinds: a kind it does not declare is
			// as unknown as a misspelt column.
			errs.add(line, h, "unknown column: neither a column of the register nor a kind of unit the rule book declares (expected some of: %s)", strings.Join(columns, ", "))
			continue
		}
		if _, dup := idx[h]; dup {
			errs.add(line, h, "column appears twice")
		}
		idx[h] = i
	}
	for _, c := range required {
		if _, ok := idx[c]; !ok {
			errs.add(line, c, "required column is missing")
		}
	}
	if len(errs.List) > 0 {
		return nil, errs
	}
	rd := &Reader{r: cr, idx: idx, units: units, ucol: make([]int, len(units)), ncol: len(head), line: 1, errs: errs, ids: map[idKey]int{},
		seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
	for i, k := range units {
		rd.ucol[i] = -1
		if c, ok := idx[k]; ok {
			rd.ucol[i] = c
		}
	}
	return rd, nil
}

// Units returns the kinds of unit the reader was given, in the order of Row.Units.
func (r *Reader) Units() []string { return r.units }

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Next returns the next good row. Bad rows are recorded and skipped; at the end Next
// returns io.EOF if every row was good, or *Errors listing every problem.
func (r *Reader) Next() (*Row, error) {
	for {
		rec, err := r.r.Read()
		r.line++
		if err == io.EOF {
			if len(r.errs.List) > 0 {
				return nil, r.errs
			}
			return nil, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				r.line = pe.StartLine
				r.errs.add(pe.StartLine, "row", "%s", csvReason(err))
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					// The reader cannot resynchronise after a broken quote.
					return nil, r.errs
				}
				continue
			}
			return nil, err
		}
		if line, _ := r.r.FieldPos(0); line > 0 {
			r.line = line
		}
		if row, ok := r.parse(rec); ok {
			return row, nil
		}
	}
}

func (r *Reader) get(rec []string, col string) string {
	i, ok := r.idx[col]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func (r *Reader) parse(rec []string) (*Row, bool) {
	line := r.line
	n := len(r.errs.List) + r.errs.More
	if len(rec) == 1 && rec[0] == "" {
		return nil, false // blank line
	}
	if len(rec) != r.ncol {
		r.errs.add(line, "row", "has %d fields, the header has %d", len(rec), r.ncol)
		return nil, false
	}
	for _, f := range rec {
		if !utf8.ValidString(f) {
			r.errs.add(line, "row", "is not valid UTF-8")
			return nil, false
		}
	}
	row := &Row{Line: line}
	m := &row.Member
	m.ID = r.get(rec, "id")
	m.Name = r.get(rec, "name")
	m.Email = r.get(rec, "email")
	m.Phone = r.get(rec, "phone")
	m.Address = r.get(rec, "address")
	if n := len(r.units); n > len(row.units) {
		row.Units = make([]string, n)
	} else if n > 0 {
		row.Units = row.units[:n:n]
	}
	if len(row.Units) > 0 {
		for i, c := range r.ucol {
			if c >= 0 {
				row.Units[i] = strings.TrimSpace(rec[c])
			}
		}
	}
	row.Status = r.get(rec, "status")
	switch {
	case m.ID == "":
		r.errs.add(line, "id", "is empty")
	case !rulebook.ValidID(m.ID):
		r.errs.add(line, "id", "%q may hold only letters, digits, '-', '_' and '.' (at most 64)", m.ID)
	case r.ids == nil:
		// The caller finds an id given twice (LeaveRepeats).
	default:
		k := r.key(m.ID)
		if first, dup := r.ids[k]; dup {
			r.errs.add(line, "id", "%q already appears on row %d", m.ID, first)
		} else {
			r.ids[k] = line
		}
	}
	if m.Name == "" {
		r.errs.add(line, "name", "is empty")
	}
	if m.Email != "" {
		if !plausibleEmail(m.Email) {
			r.errs.add(line, "email", "%q is not an e-mail address", m.Email)
		}
	}
	for i, u := range row.Units {
		if u != "" && !rulebook.ValidID(u) {
			r.errs.add(line, r.units[i], "%q is not a valid id (letters, digits, '-', '_' and '.')", u)
		}
	}
	if j := r.get(rec, "joined"); j == "" {
		r.errs.add(line, "joined", "is empty")
	} else if d, err := parseDate(j); err != nil {
		r.errs.add(line, "joined", "%v", err)
	} else {
		m.Joined = d
	}
	if s := r.get(rec, "status_since"); s != "" {
		d, err := parseDate(s)
		switch {
		case err != nil:
			r.errs.add(line, "status_since", "%v", err)
		case row.Status == "":
			r.errs.add(line, "status_since", "is given without a status")
		case !m.Joined.IsZero() && d < m.Joined:
			r.errs.add(line, "status_since", "%s is before the joining date %s", d, m.Joined)
		default:
			row.StatusSince = d
		}
	}
	if row.Status != "" && !rulebook.ValidID(row.Status) {
		r.errs.add(line, "status", "%q is not a status id", row.Status)
	}
	return row, len(r.errs.List)+r.errs.More == n
}

// parseDate parses a date column. rulebook.Date counts 1969-12-31 as day 0, which
// means "no date", so that one day cannot be recorded: it is refused by name rather
// than read as a missing date.
func parseDate(s string) (rulebook.Date, error) {
	d, err := rulebook.ParseDate(s)
	if err == nil && d.IsZero() {
		return d, fmt.Errorf("%s cannot be recorded: the register uses that day to mean \"no date\" (a known limitation; give the day before or after)", s)
	}
	return d, err
}

// Fail records a problem found later (e.g. an unknown status in the rule book) against
// a row, so that it is reported with the others.
func (r *Reader) Fail(line int, field, format string, args ...any) {
	r.errs.add(line, field, format, args...)
}

// LeaveRepeats makes r keep nothing of the rows it has read, so that its
// memory does not grow with the file: it no longer finds an id given twice,
// which the caller must then find otherwise (an import, by the register's key
// on ids, reading the file again to report where). Call it before Next.
func (r *Reader) LeaveRepeats() { r.ids = nil }

// Errs returns the problems recorded so far, or nil.
func (r *Reader) Errs() *Errors {
	if len(r.errs.List) == 0 {
		return nil
	}
	return r.errs
}

// Record is one member as exported, with the status in force on the export date.
type Record struct {
	Member rulebook.Member
	// Units holds the member's unit of each kind the Writer was given (their own,
	// or the one of that kind above it), in that order.
	Units       []string
	Status      string
	StatusSince rulebook.Date
}

// Writer writes the register as CSV with the Columns header.
type Writer struct {
	w     *csv.Writer
	units int
	rec   []string
}

// NewWriter writes the header to w, with a column for each kind of unit given.
func NewWriter(w io.Writer, units []string) (*Writer, error) {
	cw := csv.NewWriter(w)
	head := Columns(units)
	if err := cw.Write(head); err != nil {
		return nil, err
	}
	return &Writer{w: cw, units: len(units), rec: make([]string, len(head))}, nil
}

// Write writes one member.
func (w *Writer) Write(r Record) error {
	m := r.Member
	if len(r.Units) != w.units {
		return fmt.Errorf("member %s: %d unit columns, the header has %d", m.ID, len(r.Units), w.units)
	}
	rec := append(w.rec[:0], m.ID, m.Name, m.Email, m.Phone, m.Address)
	rec = append(rec, r.Units...)
	rec = append(rec, m.Joined.String(), r.Status, r.StatusSince.String())
	return w.w.Write(rec)
}

// Flush flushes buffered rows and reports any write error.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// plausibleEmail is a cheap syntactic check (one @, a dot in the domain, no spaces):
// the register records addresses, it does not deliver to them, and a full RFC 5322
// parse per row would dominate a million-row import.
func plausibleEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') || strings.ContainsAny(s, " \t,;<>\"") {
		return false
	}
	dom := s[at+1:]
	dot := strings.IndexByte(dom, '.')
	return dot > 0 && dot < len(dom)-1
}
