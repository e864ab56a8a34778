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
		chunks = append(chunks, &chunk{data: body[:end], line: line})
		line += bytes.Count(body[:end], []byte{'\n'})
		body = body[end:]
	}
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() {
			c.keys = make([]uint64, 0, bytes.Count(c.data, []byte{'\n'})+1)
			prefs := make([]int, 0, 16)
			c.err = scan(h, name, c.data, c.line, func(line int, weight int64, ranks [][]int) error {
				prefs = prefs[:0]
				for _, r := range ranks {
					if len(r) != 1 {
						return fmt.Errorf("%s:%d: equal ranking: %w", name, line, ErrNotPackable)
					}
					prefs = append(prefs, r[0])
				}
				k, _ := count.Pack(prefs)
				if weight != 1 && c.weights == nil {
					if weight > 1<<32-1 {
						return fmt.Errorf("%s:%d: count %d: %w", name, line, weight, ErrNotPackable)
					}
					c.weights = make([]uint32, len(c.keys), cap(c.keys))
					for i := range c.weights {
						c.weights[i] = 1
					}
				}
				c.keys = append(c.keys, k)
				if c.weights != nil {
					if weight > 1<<32-1 {
						return fmt.Errorf("%s:%d: count %d: %w", name, line, weight, ErrNotPackable)
					}
					c.weights = append(c.weights, uint32(weight))
				}
				return nil
			})
		})
	}
	wg.Wait()
	p := &count.Packed{Title: h.title, Candidates: h.cands, Seats: h.seats, Withdrawn: h.withdrawn}
	n, weighted := 0, false
	for _, c := range chunks {
		if c.err != nil {
			return nil, c.err
		}
		n += len(c.keys)
		weighted = weighted || c.weights != nil
	}
	if len(chunks) == 1 {
		p.Rankings, p.Weights = chunks[0].keys, chunks[0].weights
	} else if len(chunks) > 1 {
		p.Rankings = make([]uint64, 0, n)
		if weighted {
			p.Weights = make([]uint32, 0, n)
		}
		for _, c := range chunks {
			p.Rankings = append(p.Rankings, c.keys...)
			if weighted {
				if c.weights != nil {
					p.Weights = append(p.Weights, c.weights...)
				} else {
					for range c.keys {
						p.Weights = append(p.Weights, 1)
					}
				}
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
			if seenTitle {
				return nil, &count.InputError{File: name, Line: line, Field: "1", Msg: "title given twice"}
			}
			seenTitle = true
			h.title = strings.Join(args, ",")
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

// scan reads ballot records from body, calling emit for each with the ranks (reused
// between calls). firstLine is the line number of body's first byte.
func scan(h *header, name string, body []byte, firstLine int, emit func(line int, weight int64, ranks [][]int) error) error {
	lk := newLookup(h.cands)
	var buf []byte
	ranks := make([][]int, 0, 16)
	store := make([]int, 0, 64)
	var seen []bool = make([]bool, len(h.cands))
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
		// The count: digits up to the first comma (or the end of the line).
		var weight int64
		i := 0
		for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
			weight = weight*10 + int64(raw[i]-'0')
			if weight > count.MaxVotes {
				return &count.InputError{File: name, Line: line, Field: "1", Msg: "count too large"}
			}
			i++
		}
		if i == 0 || (i < len(raw) && raw[i] != ',') {
			if len(bytes.TrimSpace(raw)) == 0 {
				continue
			}
			return &count.InputError{File: name, Line: line, Field: "1", Msg: fmt.Sprintf("%q is not a count of papers (a ballot record starts with a whole number)", firstField(raw))}
		}
		ranks, store = ranks[:0], store[:0]
		clear(seen)
		rest := raw[i:]
		if len(rest) > 0 {
			rest = rest[1:]
		} else {
			rest = nil
		}
		for fieldNo := 2; rest != nil; fieldNo++ {
			f, r, err := field(rest, &buf)
			if err != nil {
				return &count.InputError{File: name, Line: line, Field: strconv.Itoa(fieldNo), Msg: err.Error()}
			}
			rest = r
			if len(f) == 0 {
				continue // skipped preference
			}
			if c := lk.find(f); c >= 0 {
				if !seen[c] {
					seen[c] = true
					from := len(store)
					store = append(store, c)
					ranks = append(ranks, store[from:len(store):len(store)])
				}
				continue
			}
			if t := bytes.TrimSpace(f); len(t) != len(f) {
				if c := lk.find(t); c >= 0 {
					if !seen[c] {
						seen[c] = true
						from := len(store)
						store = append(store, c)
						ranks = append(ranks, store[from:len(store):len(store)])
					}
					continue
				}
			}
			if bytes.IndexByte(f, '=') < 0 {
				return &count.InputError{File: name, Line: line, Field: strconv.Itoa(fieldNo), Msg: fmt.Sprintf("%q is not a candidate", f)}
			}
			from := len(store)
			for _, part := range bytes.Split(f, []byte{'='}) {
				c := lk.find(bytes.TrimSpace(part))
				if c < 0 {
					return &count.InputError{File: name, Line: line, Field: strconv.Itoa(fieldNo), Msg: fmt.Sprintf("%q in %q is not a candidate", part, f)}
				}
				if !seen[c] {
					seen[c] = true
					store = append(store, c)
				}
			}
			if len(store) > from {
				ranks = append(ranks, store[from:len(store):len(store)])
			}
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
