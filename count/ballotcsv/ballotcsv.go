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
// equally. Fields may be quoted as in RFC 4180 but must not contain line breaks.
//
// The format is read with a hand-written scanner, split across CPUs, so that a file of
// ten million papers parses at hundreds of MB/s; with at most 15 candidates and no
// equal rankings it goes straight to count.Packed without building per-paper objects.
package ballotcsv

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

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

// ParsePacked reads a file straight into the packed form, using up to workers
// goroutines (0: one per CPU). It returns an error wrapping ErrNotPackable when the
// file is valid but does not fit; use Parse then.
func ParsePacked(data []byte, name string, workers int) (*count.Packed, error) {
	h, err := parseHeader(data, name)
	if err != nil {
		return nil, err
	}
	if len(h.cands) > count.MaxPackedCandidates {
		return nil, fmt.Errorf("%s: %d candidates: %w", name, len(h.cands), ErrNotPackable)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if len(h.body) < 1<<20 {
		workers = 1
	}
	// Split the body at line ends into one chunk per worker.
	type chunk struct {
		data    []byte
		line    int
		rows    int // an upper bound on its records
		dense   []uint64
		keys    []uint64
		weights []uint32 // nil while every weight so far is 1
		err     error
	}
	chunks := make([]*chunk, 0, workers)
	body, line := h.body, h.bodyLine
	for w := workers; w > 0 && len(body) > 0; w-- {
		end := len(body)
		if w > 1 {
			end = len(body) / w
			if i := bytes.IndexByte(body[end:], '\n'); i >= 0 {
				end += i + 1
			} else {
				end = len(body)
			}
		}
		lines := bytes.Count(body[:end], []byte{'\n'})
		chunks = append(chunks, &chunk{data: body[:end], line: line, rows: lines + 1})
		line += lines
		body = body[end:]
	}
	// One array for all rankings: each chunk fills its own stretch of it, so merging
	// is at most a shift of the later stretches over the few unused slots.
	total := 0
	for _, c := range chunks {
		total += c.rows
	}
	// The front of all is kept for the grouped short rankings.
	all := make([]uint64, count.ShortRankings+total)
	off := int(count.ShortRankings)
	for _, c := range chunks {
		c.keys = all[off : off : off+c.rows]
		off += c.rows
	}
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() {
			c.dense = make([]uint64, count.ShortRankings)
			c.err = scanPacked(h, name, c.data, c.line, c.dense, &c.keys, &c.weights)
		})
	}
	wg.Wait()
	p := &count.Packed{Title: h.title, Candidates: h.cands, Seats: h.seats, Withdrawn: h.withdrawn}
	for _, c := range chunks {
		if c.err != nil {
			return nil, c.err
		}
	}
	// Short rankings: one entry per distinct ranking, with its number of papers.
	var dense []uint64
	if len(chunks) == 0 {
		dense = make([]uint64, count.ShortRankings)
	} else {
		dense = chunks[0].dense
	}
	for _, c := range chunks[min(1, len(chunks)):] {
		for k, v := range c.dense {
			dense[k] += v
		}
	}
	var gk []uint64
	var gw []uint32
	for k, v := range dense {
		for v > 0 {
			w := min(v, 1<<32-1)
			gk = append(gk, uint64(k))
			gw = append(gw, uint32(w))
			v -= w
		}
	}
	start := int(count.ShortRankings) - len(gk)
	if start < 0 { // more than 2³²−1 papers of some ranking: no room in front
		all = append(gk, all[count.ShortRankings:]...)
		start = 0
	} else {
		copy(all[start:], gk)
	}
	p.Rankings = all[start : start+len(gk)]
	for _, c := range chunks {
		p.Rankings = append(p.Rankings, c.keys...) // copy within all: memmove, never a reallocation
	}
	p.Weights = make([]uint32, 0, len(p.Rankings))
	p.Weights = append(p.Weights, gw...)
	for _, c := range chunks {
		if c.weights != nil {
			p.Weights = append(p.Weights, c.weights...)
		} else {
			for range c.keys {
				p.Weights = append(p.Weights, 1)
			}
		}
	}
	return p, nil
}

// parseHeader reads the header records up to the first ballot record.
func parseHeader(data []byte, name string) (*header, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	h := &header{seats: 1}
	line := 0
	seenSeats, seenTitle, seenWithdrawn := false, false, false
	for len(data) > 0 {
		line++
		end := bytes.IndexByte(data, '\n')
		var raw []byte
		if end < 0 {
			raw, end = data, len(data)
		} else {
			raw = data[:end]
			end++
		}
		raw = bytes.TrimRight(raw, "\r")
		trimmed := bytes.TrimSpace(raw)
		if len(trimmed) == 0 || trimmed[0] == '#' {
			data = data[end:]
			continue
		}
		if trimmed[0] >= '0' && trimmed[0] <= '9' {
			break // first ballot record
		}
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
		data = data[end:]
	}
	if h.cands == nil {
		return nil, &count.InputError{File: name, Line: max(line, 1), Msg: "no candidates record"}
	}
	h.body = data
	h.bodyLine = line
	if len(data) == 0 {
		h.bodyLine = line + 1
	}
	return h, nil
}

// splitFields splits one header line as CSV (quotes allowed, no line breaks).
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

// field reads one field from the front of line. rest is nil at the end of the line.
// A quoted field is unescaped into *buf.
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
	// The count: digits up to the first comma (or the end of the line).
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
	line := firstLine - 1
	for len(body) > 0 {
		line++
		var raw []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			raw, body = body[:i], body[i+1:]
		} else {
			raw, body = body, nil
		}
		if n := len(raw); n > 0 && raw[n-1] == '\r' {
			raw = raw[:n-1]
		}
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

// scanPacked is scan for the packed form: the common record — a count, then bare names
// separated by commas — is read in one pass over its bytes, straight into a ranking
// key; anything else (quotes, spaces, "=", an unknown name, an error) is handed to
// the general line parser. Short rankings are added up in dense (indexed by key);
// longer ones are appended to *keys and *weights (nil until a count other than 1
// appears).
func scanPacked(h *header, name string, body []byte, firstLine int, dense []uint64, keys *[]uint64, weights *[]uint32) error {
	lp := newLineParser(h, name)
	lk := lp.lk
	line := firstLine - 1
	pos := 0
	for pos < len(body) {
		line++
		lineStart := pos
		// Fast path.
		var weight int64
		i := pos
		for i < len(body) && body[i] >= '0' && body[i] <= '9' && weight <= count.MaxVotes {
			weight = weight*10 + int64(body[i]-'0')
			i++
		}
		var key uint64
		var used uint16
		shift := uint(0)
		ok := i > pos && weight <= count.MaxVotes && weight <= 1<<32-1
		if ok && i < len(body) && body[i] == ',' {
			i++
			for {
				// Match a candidate's name at i directly: candidates by first byte, then
				// compare the known name and check that the field ends after it. This
				// never looks at a byte twice; anything unusual takes the general path.
				if i < len(body) && body[i] != ',' && body[i] != '\n' {
					c := -1
					for _, j := range lk.byFirst[body[i]] {
						nm := lk.names[j]
						end := i + len(nm)
						if end <= len(body) && string(body[i:end]) == nm && (end == len(body) || body[end] == ',' || body[end] == '\n') {
							c = int(j)
							break
						}
					}
					if c < 0 {
						ok = false
						break
					}
					i += len(lk.names[c])
					if used&(1<<c) == 0 {
						used |= 1 << c
						key |= uint64(c+1) << shift
						shift += 4
					}
				}
				if i >= len(body) || body[i] == '\n' {
					break
				}
				i++ // the comma
			}
		} else if ok && i < len(body) && body[i] != '\n' {
			ok = false
		}
		if ok {
			if i < len(body) {
				i++ // the line end
			}
			pos = i
		} else {
			// General path for this record.
			end := bytes.IndexByte(body[lineStart:], '\n')
			var raw []byte
			if end < 0 {
				raw, pos = body[lineStart:], len(body)
			} else {
				raw, pos = body[lineStart:lineStart+end], lineStart+end+1
			}
			if n := len(raw); n > 0 && raw[n-1] == '\r' {
				raw = raw[:n-1]
			}
			if len(raw) == 0 || raw[0] == '#' {
				continue
			}
			w, ranks, skip, err := lp.parse(raw, line)
			if err != nil {
				return err
			}
			if skip {
				continue
			}
			prefs := make([]int, 0, len(ranks))
			for _, r := range ranks {
				if len(r) != 1 {
					return fmt.Errorf("%s:%d: equal ranking: %w", name, line, ErrNotPackable)
				}
				prefs = append(prefs, r[0])
			}
			if w > 1<<32-1 {
				return fmt.Errorf("%s:%d: count %d: %w", name, line, w, ErrNotPackable)
			}
			weight = w
			key, _ = count.Pack(prefs)
		}
		if key < count.ShortRankings {
			dense[key] += uint64(weight) // grouped: see count.Packed.Group
			continue
		}
		if weight != 1 && *weights == nil {
			ws := make([]uint32, len(*keys), cap(*keys))
			for i := range ws {
				ws[i] = 1
			}
			*weights = ws
		}
		*keys = append(*keys, key)
		if *weights != nil {
			*weights = append(*weights, uint32(weight))
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
