// Package ballotcsv reads rulebook's ranked-ballot CSV format (see count/FORMATS.md):
//
//	# comment
//	candidates,Alice,Bob,Carol
//	title,Example election
//	seats,1
//	withdrawn,Carol
//	3,Bob,Alice
//	1,Carol,,Alice
//	2,Alice=Bob,Carol
//
// Header records (candidates required and first; title, seats, withdrawn optional)
// come before the ballot records. A ballot record is the number of papers with that
// ranking, then the candidates in order of preference; an empty cell is a skipped
// preference and a repeat of a candidate already ranked is ignored; "A=B" ranks A and B
// equally. Any field, in the header records too, may be quoted as in RFC 4180: a
// quoted field may hold commas, quotes (doubled) and line breaks.
//
// The format is read with a hand-written scanner, split across CPUs; with at most 15
// candidates and no equal rankings it goes straight to count.Packed without building
// per-paper objects (some 20 ns of CPU a paper on the benchmark's file, see
// BenchmarkParsePacked2M), and ReadPacked streams a file through in blocks rather than
// holding it whole.
package ballotcsv

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// header is what the header records say.
type header struct {
	title     string
	cands     []string
	seats     int
	withdrawn []bool
	body      []byte // the ballot records
	bodyLine  int    // line number of the first byte of body
	sawBody   bool   // a ballot record was seen (body is not just the end of the data)
}

// nextRecord cuts the first record from data: up to the first line end that is not
// inside a quoted field (RFC 4180), or to the end. raw is the record without its line
// end ("\n" or "\r\n"); lines is the number of line ends consumed. A record that starts
// with "#" is a comment and ends at its line's end whatever it holds.
func nextRecord(data []byte) (raw, rest []byte, lines int) {
	i := bytes.IndexByte(data, '\n')
	line := data
	if i >= 0 {
		line = data[:i]
	}
	if (len(line) > 0 && line[0] == '#') || bytes.IndexByte(line, '"') < 0 {
		if i < 0 {
			return bytes.TrimSuffix(data, []byte("\r")), nil, 0
		}
		return bytes.TrimSuffix(line, []byte("\r")), data[i+1:], 1
	}
	// A quote on the line: a line end counts only outside quotes. Each quote opens or
	// closes a quoted field ("" inside one closes and reopens it), so the parity of the
	// quotes seen says whether a line end is inside a field. Malformed quoting is found
	// by the field reader, on the record as cut here.
	in := false
	for j := 0; j < len(data); j++ {
		switch data[j] {
		case '"':
			in = !in
		case '\n':
			lines++
			if !in {
				return bytes.TrimSuffix(data[:j], []byte("\r")), data[j+1:], lines
			}
		}
	}
	return bytes.TrimSuffix(data, []byte("\r")), nil, lines
}

// startsBallot reports whether a record (trimmed of spaces) is a ballot record: it
// starts with its count, quoted or not.
func startsBallot(rec []byte) bool {
	if len(rec) > 1 && rec[0] == '"' {
		rec = bytes.TrimLeft(rec[1:], " \t")
	}
	return len(rec) > 0 && rec[0] >= '0' && rec[0] <= '9'
}

// Parse reads a whole file in the general form. name is used in error messages.
func Parse(data []byte, name string) (*count.Election, error) {
	h, err := parseHeader(data, name)
	if err != nil {
		return nil, err
	}
	e := &count.Election{Title: h.title, Candidates: h.cands, Seats: h.seats, Withdrawn: h.withdrawn}
	at := map[string]int{}
	var keyBuf []byte
	var total int64
	err = scan(h, name, h.body, h.bodyLine, func(line int, weight int64, ranks [][]int) error {
		keyBuf = keyBuf[:0]
		for _, r := range ranks {
			for _, c := range r {
				keyBuf = strconv.AppendInt(keyBuf, int64(c), 10)
				keyBuf = append(keyBuf, '=')
			}
			keyBuf = append(keyBuf, ',')
		}
		total += weight
		if total > 1<<62 {
			return &count.InputError{File: name, Line: line, Field: "1", Msg: "total papers too large"}
		}
		if j, ok := at[string(keyBuf)]; ok {
			e.Ballots[j].Weight += weight
			return nil
		}
		at[string(keyBuf)] = len(e.Ballots)
		cp := make([][]int, len(ranks))
		for i, r := range ranks {
			cp[i] = slices.Clone(r)
		}
		e.Ballots = append(e.Ballots, count.Ballot{Weight: weight, Ranks: cp})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ErrNotPackable says a file is valid but does not fit count.Packed (more than 15
// candidates, an equal ranking, or a count above 2³²−1 on one record).
var ErrNotPackable = errors.New("ballots do not fit the packed form")

// parseHeader reads the header records up to the first ballot record.
func parseHeader(data []byte, name string) (*header, error) {
	return parseHeaderMore(data, name, false)
}

// errNeedMore says the header may continue beyond the data read so far.
var errNeedMore = errors.New("header continues")

// parseHeaderMore is parseHeader for data that may be only the start of the file
// (more): it returns errNeedMore unless the header records are complete and the first
// ballot record has started.
func parseHeaderMore(data []byte, name string, more bool) (*header, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if more && len(data) < 3 && bytes.HasPrefix([]byte("\ufeff"), data) {
		return nil, errNeedMore // perhaps a byte-order mark, cut
	}
	h := &header{seats: 1}
	line := 0 // lines before the current record
	seenSeats, seenTitle, seenWithdrawn := false, false, false
	for len(data) > 0 {
		raw, rest, nl := nextRecord(data)
		if more && rest == nil {
			return nil, errNeedMore // the record may go on
		}
		trimmed := bytes.TrimSpace(raw)
		if len(trimmed) == 0 || trimmed[0] == '#' {
			data, line = rest, line+nl
			continue
		}
		if startsBallot(trimmed) {
			h.sawBody = true
			break // first ballot record
		}
		line++ // the record's first line, for messages
		fields, err := splitFields(raw)
		if err != nil {
			return nil, &count.InputError{File: name, Line: line, Msg: err.Error()}
		}
		key := strings.ToLower(fields[0])
		args := fields[1:]
		for len(args) > 0 && args[len(args)-1] == "" {
			args = args[:len(args)-1]
		}
		if h.cands == nil && key != "candidates" {
			return nil, &count.InputError{File: name, Line: line, Field: "1", Msg: fmt.Sprintf("expected the candidates record first, found %q", fields[0])}
		}
		switch key {
		case "candidates":
			if h.cands != nil {
				return nil, &count.InputError{File: name, Line: line, Field: "1", Msg: "candidates given twice"}
			}
			if len(args) == 0 {
				return nil, &count.InputError{File: name, Line: line, Msg: "no candidates named"}
			}
			if len(args) > count.MaxCandidates {
				return nil, &count.InputError{File: name, Line: line, Msg: fmt.Sprintf("%d candidates; a count takes at most %d", len(args), count.MaxCandidates)}
			}
			seen := map[string]int{}
			for i, c := range args {
				switch {
				case c == "":
					return nil, &count.InputError{File: name, Line: line, Field: strconv.Itoa(i + 2), Msg: "empty candidate name"}
				case c[0] >= '0' && c[0] <= '9':
					return nil, &count.InputError{File: name, Line: line, Field: strconv.Itoa(i + 2), Msg: fmt.Sprintf("candidate name %q starts with a digit", c)}
				}
				if j, dup := seen[c]; dup {
					return nil, &count.InputError{File: name, Line: line, Field: strconv.Itoa(i + 2), Msg: fmt.Sprintf("candidate %q already named in field %d", c, j)}
				}
				seen[c] = i + 2
			}
			h.cands = args
		case "title":
			if len(args) == 0 {
				args = []string{""}
			}
			if seenTitle {
				return nil, &count.InputError{File: name, Line: line, Field: "1", Msg: "title given twice"}
			}
			seenTitle = true
			// The title is the rest of the line, commas and all, unless it is quoted.
			h.title = args[0]
			if len(args) > 1 {
				rest := string(raw[bytes.IndexByte(raw, ',')+1:])
				h.title = strings.TrimSpace(rest)
			}
		case "seats":
			if seenSeats {
				return nil, &count.InputError{File: name, Line: line, Field: "1", Msg: "seats given twice"}
			}
			seenSeats = true
			if len(args) != 1 {
				return nil, &count.InputError{File: name, Line: line, Field: "2", Msg: "seats takes one number"}
			}
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 1 || n > len(h.cands) {
				return nil, &count.InputError{File: name, Line: line, Field: "2", Msg: fmt.Sprintf("seats %q: need a whole number from 1 to %d", args[0], len(h.cands))}
			}
			h.seats = n
		case "withdrawn":
			if seenWithdrawn {
				return nil, &count.InputError{File: name, Line: line, Field: "1", Msg: "withdrawn given twice"}
			}
			seenWithdrawn = true
			h.withdrawn = make([]bool, len(h.cands))
			for i, a := range args {
				j := slices.Index(h.cands, a)
				if j < 0 {
					return nil, &count.InputError{File: name, Line: line, Field: strconv.Itoa(i + 2), Msg: fmt.Sprintf("%q is not a candidate", a)}
				}
				h.withdrawn[j] = true
			}
		default:
			return nil, &count.InputError{File: name, Line: line, Field: "1", Msg: fmt.Sprintf("unknown record %q (expected title, seats, withdrawn, or a ballot starting with its count)", fields[0])}
		}
		data, line = rest, line-1+nl
	}
	if more && !h.sawBody {
		return nil, errNeedMore
	}
	if h.cands == nil {
		return nil, &count.InputError{File: name, Line: max(line, 1), Msg: "no candidates record"}
	}
	h.body = data
	h.bodyLine = line + 1
	return h, nil
}

// splitFields splits one header record as CSV (RFC 4180 quoting).
func splitFields(raw []byte) ([]string, error) {
	var out []string
	var buf []byte
	for {
		f, rest, err := field(raw, &buf)
		if err != nil {
			return nil, err
		}
		out = append(out, strings.TrimSpace(string(f)))
		if rest == nil {
			return out, nil
		}
		raw = rest
	}
}

// field reads one field from the front of a record. rest is nil at the end of the
// record. A quoted field (which may hold line breaks) is unescaped into *buf.
func field(line []byte, buf *[]byte) (f, rest []byte, err error) {
	if len(line) > 0 && line[0] == '"' {
		b := (*buf)[:0]
		i := 1
		for {
			j := bytes.IndexByte(line[i:], '"')
			if j < 0 {
				return nil, nil, errors.New("unterminated quoted field")
			}
			b = append(b, line[i:i+j]...)
			i += j + 1
			if i < len(line) && line[i] == '"' {
				b = append(b, '"')
				i++
				continue
			}
			break
		}
		if bytes.IndexByte(b, '\r') >= 0 {
			// A CRLF line break inside a quoted field is read as LF, as encoding/csv
			// (and so every other CSV reader of rulebook) reads it.
			b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
		}
		*buf = b
		switch {
		case i == len(line):
			return b, nil, nil
		case line[i] == ',':
			return b, line[i+1:], nil
		}
		return nil, nil, errors.New(`text after a closing quote (write "" for a quote inside a quoted field)`)
	}
	if j := bytes.IndexByte(line, ','); j >= 0 {
		f = line[:j]
		if bytes.IndexByte(f, '"') >= 0 {
			return nil, nil, errors.New("quote inside an unquoted field")
		}
		return f, line[j+1:], nil
	}
	if bytes.IndexByte(line, '"') >= 0 {
		return nil, nil, errors.New("quote inside an unquoted field")
	}
	return line, nil, nil
}

// lookup finds candidates by name quickly: by first byte, then by comparing bytes.
type lookup struct {
	names   []string
	byFirst [256][]int32
}

func newLookup(names []string) *lookup {
	l := &lookup{names: names}
	for i, n := range names {
		l.byFirst[n[0]] = append(l.byFirst[n[0]], int32(i))
	}
	return l
}

func (l *lookup) find(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	for _, i := range l.byFirst[b[0]] {
		if len(l.names[i]) == len(b) && l.names[i] == string(b) {
			return int(i)
		}
	}
	return -1
}

// lineParser parses one ballot record at a time, reusing its buffers.
type lineParser struct {
	name  string
	lk    *lookup
	buf   []byte
	ranks [][]int
	store []int
	seen  []bool
}

func newLineParser(h *header, name string) *lineParser {
	return &lineParser{name: name, lk: newLookup(h.cands), ranks: make([][]int, 0, 16),
		store: make([]int, 0, 64), seen: make([]bool, len(h.cands))}
}

// parse reads one non-empty, non-comment record (without its line end). ranks is
// valid until the next call. skip is true for a record of only white space.
func (lp *lineParser) parse(raw []byte, line int) (weight int64, ranks [][]int, skip bool, err error) {
	name := lp.name
	if len(raw) > 0 && raw[0] == '"' {
		// A quoted count: unquote it and read the record as though it were not.
		f, rest, err := field(raw, &lp.buf)
		if err != nil {
			return 0, nil, false, &count.InputError{File: name, Line: line, Field: "1", Msg: err.Error()}
		}
		f = bytes.TrimSpace(f)
		unq := make([]byte, 0, len(f)+1+len(rest))
		unq = append(unq, f...)
		if rest != nil {
			unq = append(unq, ',')
			unq = append(unq, rest...)
		}
		if len(f) == 0 || bytes.ContainsAny(f, ",\"\r\n") {
			return 0, nil, false, &count.InputError{File: name, Line: line, Field: "1", Msg: fmt.Sprintf("%q is not a count of papers (a ballot record starts with a whole number)", firstField(f))}
		}
		raw = unq
	}
	// The count: digits up to the first comma (or the end of the record).
	i := 0
	for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
		weight = weight*10 + int64(raw[i]-'0')
		if weight > count.MaxVotes {
			return 0, nil, false, &count.InputError{File: name, Line: line, Field: "1", Msg: "count too large"}
		}
		i++
	}
	if i == 0 || (i < len(raw) && raw[i] != ',') {
		if len(bytes.TrimSpace(raw)) == 0 {
			return 0, nil, true, nil
		}
		return 0, nil, false, &count.InputError{File: name, Line: line, Field: "1", Msg: fmt.Sprintf("%q is not a count of papers (a ballot record starts with a whole number)", firstField(raw))}
	}
	lp.ranks, lp.store = lp.ranks[:0], lp.store[:0]
	clear(lp.seen)
	add := func(c int) {
		if !lp.seen[c] {
			lp.seen[c] = true
			lp.store = append(lp.store, c)
		}
	}
	rest := raw[i:]
	if len(rest) > 0 {
		rest = rest[1:]
	} else {
		rest = nil
	}
	for fieldNo := 2; rest != nil; fieldNo++ {
		f, r, err := field(rest, &lp.buf)
		if err != nil {
			return 0, nil, false, &count.InputError{File: name, Line: line, Field: strconv.Itoa(fieldNo), Msg: err.Error()}
		}
		rest = r
		from := len(lp.store)
		c := lp.lk.find(f)
		if c < 0 {
			c = lp.lk.find(bytes.TrimSpace(f))
		}
		switch {
		case len(bytes.TrimSpace(f)) == 0:
			continue // skipped preference
		case c >= 0:
			add(c)
		case bytes.IndexByte(f, '=') >= 0:
			for _, part := range bytes.Split(f, []byte{'='}) {
				c := lp.lk.find(bytes.TrimSpace(part))
				if c < 0 {
					return 0, nil, false, &count.InputError{File: name, Line: line, Field: strconv.Itoa(fieldNo), Msg: fmt.Sprintf("%q in %q is not a candidate", part, f)}
				}
				add(c)
			}
		default:
			return 0, nil, false, &count.InputError{File: name, Line: line, Field: strconv.Itoa(fieldNo), Msg: fmt.Sprintf("%q is not a candidate", f)}
		}
		if len(lp.store) > from {
			lp.ranks = append(lp.ranks, lp.store[from:len(lp.store):len(lp.store)])
		}
	}
	return weight, lp.ranks, false, nil
}

// scan reads ballot records from body, calling emit for each with the ranks (reused
// between calls). firstLine is the line number of body's first byte.
func scan(h *header, name string, body []byte, firstLine int, emit func(line int, weight int64, ranks [][]int) error) error {
	lp := newLineParser(h, name)
	next := firstLine
	for len(body) > 0 {
		line := next
		raw, rest, nl := nextRecord(body)
		body, next = rest, next+nl
		if len(raw) == 0 || raw[0] == '#' {
			continue
		}
		weight, ranks, skip, err := lp.parse(raw, line)
		if err != nil {
			return err
		}
		if skip {
			continue
		}
		if err := emit(line, weight, ranks); err != nil {
			return err
		}
	}
	return nil
}

func firstField(raw []byte) string {
	if i := bytes.IndexByte(raw, ','); i >= 0 {
		raw = raw[:i]
	}
	if len(raw) > 40 {
		raw = raw[:40]
	}
	return string(raw)
}
