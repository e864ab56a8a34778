package ballotcsv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/rulebook/rulebook/count"
)

// The packed reader splits the ballot records into blocks, cut at record ends, and
// parses the blocks on several goroutines. Each worker adds short rankings (at most four
// preferences) into its own table indexed by ranking key and appends longer ones to its
// own list; the tables and lists are merged once at the end. A block's line numbers
// are counted as it is parsed, so an error found in a block is placed once the blocks
// before it are done: the error reported is the first in the file, as a sequential
// reading would report it.

// blockSize is the size of the blocks handed to workers: large enough that handing
// them over costs nothing, small enough to stay in a core's cache between the read
// that fills one and the parse that reads it.
var blockSize = 1 << 20

// slack is the bytes a block's buffer holds beyond its records, so the line memo and
// the field window may load 64 bytes at any record position, and a name's 16 bytes
// anywhere in the window, without a bounds check.
const slack = 128

// The line memo: most papers rank few candidates, so a file holds few distinct short
// records, each many times over ("1,Abbott,Baxter\n"). A record of at most 32 bytes
// that the fast path has read is remembered, whole, in a small direct-mapped table;
// a later record is looked up by its bytes — found with four loads, no per-byte loop —
// and, when they are the same bytes, counted as the one remembered. Only bytes are
// compared, so a hit is exactly a record read before.
const memoBits = 12

type memoEntry struct {
	w      [4]uint64 // the record's bytes, its line end included, zero beyond
	key    uint64
	weight uint32
	n      uint32 // bytes, line end included; 0 for an empty slot
	// hits counts the records found here since the entry was made, for a short ranking
	// (key < count.ShortRankings): they are added to the worker's table when the entry
	// is replaced or the reading ends, so a hit touches only the entry.
	hits uint64
}

// lowMask[n][k] keeps the bytes of word k that lie within the first n bytes.
var lowMask = func() (m [33][4]uint64) {
	for n := range 33 {
		for k := range 4 {
			switch r := n - 8*k; {
			case r >= 8:
				m[n][k] = ^uint64(0)
			case r > 0:
				m[n][k] = 1<<(8*r) - 1
			}
		}
	}
	return
}()

// seps64 has bit j set when buf[i+j] is a comma or a line end, for j < 64 (and
// perhaps when it is the byte after one, one above it: '-' after a comma, VT after
// a line end; the caller checks the byte).
func seps64(buf []byte, i int) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	var m uint64
	for k := range 8 {
		x := load(buf, i+8*k)
		a, b := x^(','*lo), x^('\n'*lo)
		z := ((a-lo)&^a | (b-lo)&^b) & hi
		m |= (z >> 7) * 0x0102040810204080 >> 56 << (8 * k)
	}
	return m
}

// nlBits has bit j set when byte j of x is a line end (bytes above a true one may be
// set too; the lowest set bit is exact).
func nlBits(x uint64) uint64 {
	t := x ^ 0x0a0a0a0a0a0a0a0a
	z := (t - 0x0101010101010101) &^ t & 0x8080808080808080
	return (z >> 7) * 0x0102040810204080 >> 56
}

// fastNames is the name matcher of the fast path: candidates by first byte, each name
// held as two little-endian words and masks, so matching a name of up to 16 bytes is
// two loads and compares.
type fastNames struct {
	first [256]uint8 // candidate index + 1 of the first candidate with this first byte
	c     [16]fastName
	names []string
}

// fastName is one candidate's name as the fast path matches it: the first 16 bytes
// as words w0, w1 under masks m0, m1 (longer names are compared whole).
type fastName struct {
	w0, m0, w1, m1 uint64
	n              int
	next           uint8 // the next candidate + 1 with the same first byte
}

func newFastNames(names []string) *fastNames {
	f := &fastNames{names: names}
	for i := len(names) - 1; i >= 0; i-- {
		nm := names[i]
		// A name the CSV would have to quote (or that the record syntax could split) is
		// left to the general path, which reads it as CSV.
		if nm == "" || bytes.ContainsAny([]byte(nm), ",\"\r\n") {
			continue
		}
		var pad [16]byte
		copy(pad[:], nm)
		var w, m [2]uint64
		for k := range 2 {
			w[k] = le64(pad[8*k:])
			switch l := len(nm) - 8*k; {
			case l >= 8:
				m[k] = ^uint64(0)
			case l > 0:
				m[k] = 1<<(8*l) - 1
			}
		}
		f.c[i] = fastName{w0: w[0], m0: m[0], w1: w[1], m1: m[1], n: len(nm), next: f.first[nm[0]]}
		f.first[nm[0]] = uint8(i + 1)
	}
	return f
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// load reads 8 bytes at p[i] with no bounds check; the caller keeps i+8 <= cap(p).
func load(p []byte, i int) uint64 {
	return *(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(p)), i))
}

// worker parses blocks. Short rankings add into dense; longer ones are appended to
// keys and weights, in chunks of longChunk entries so that growing them never copies
// what is already held (and leaves no garbage for the collector).
type worker struct {
	_       [64]byte // keeps workers' fields, written as they parse, off each other's cache lines
	h       *header
	name    string
	fn      *fastNames
	lp      *lineParser
	dense   []uint64
	keys    [][]uint64
	weights [][]uint32
	memo    *[1 << memoBits]memoEntry
	buf     []byte // the block this worker read, when streaming
	_       [64]byte
}

func newWorker(h *header, name string, fn *fastNames) *worker {
	return &worker{h: h, name: name, fn: fn, lp: newLineParser(h, name), dense: make([]uint64, count.ShortRankings),
		memo: new([1 << memoBits]memoEntry)}
}

// blockErr is an error in a block, at a line counted from the block's start (1-based).
type blockErr struct {
	line int
	err  error // *count.InputError with Line to be placed, or notPackable
}

type notPackable struct{ why string }

func (n notPackable) Error() string { return n.why }

// parse reads the records of buf[:end] (end is a record end); buf extends at least
// slack bytes past end (never read as records). It returns the lines it held.
func (w *worker) parse(buf []byte, end int) (lines int, be *blockErr) {
	fn := w.fn
	dense := w.dense
	memo := w.memo
	safe := min(end, cap(buf)-slack) // loads of slack bytes are allowed below this
	i := 0
	for i < end {
		start := i
		// The line memo first.
		var mw [4]uint64
		var mh, mn uint64
		if i < safe {
			x0, x1, x2, x3 := load(buf, i), load(buf, i+8), load(buf, i+16), load(buf, i+24)
			nl := nlBits(x0) | nlBits(x1)<<8 | nlBits(x2)<<16 | nlBits(x3)<<24
			if nl != 0 {
				mn = uint64(bits.TrailingZeros64(nl)) + 1
				lm := &lowMask[mn&63]
				mw = [4]uint64{x0 & lm[0], x1 & lm[1], x2 & lm[2], x3 & lm[3]}
				mh = (mw[0]*0x9e3779b97f4a7c15 ^ mw[1]*0xc2b2ae3d27d4eb4f ^ mw[2]*0x165667b19e3779f9 ^ mw[3]*0x27d4eb2f165667c5) >> (64 - memoBits)
				if e := &memo[mh&(1<<memoBits-1)]; uint64(e.n) == mn && e.w == mw && i+int(mn) <= end {
					i += int(mn)
					lines++
					if e.key < count.ShortRankings {
						e.hits++
					} else {
						w.add(e.key, int64(e.weight))
					}
					continue
				}
			}
		}
		// The count: "1," is by far the most common.
		var weight int64
		if buf[i] == '1' && i+1 < end && buf[i+1] == ',' {
			weight = 1
			i += 2
		} else {
			for i < end && buf[i] >= '0' && buf[i] <= '9' && weight <= count.MaxVotes {
				weight = weight*10 + int64(buf[i]-'0')
				i++
			}
			if i == start || weight > 1<<32-1 || i >= end {
				goto general
			}
			switch buf[i] {
			case ',':
				i++
			case '\n':
				i++
				dense[0] += uint64(weight)
				lines++
				continue
			default:
				goto general
			}
		}
		{
			var key uint64
			var used uint16
			shift := uint(0)
			done := false
			// The field window: the commas and line ends of the 64 bytes at i, found a
			// word at a time, give every field's bounds at once, so the names are
			// matched independently of one another (the processor overlaps them)
			// rather than each waiting on the end of the one before, and a name is
			// compared with no branch on its length. A field the window cannot settle
			// is left, from its start, to the byte loop below.
		window:
			for i < safe {
				sep := seps64(buf, i)
				pos := 0
				for sep != 0 {
					j := bits.TrailingZeros64(sep)
					d := buf[i+j]
					if i+j >= end || (d != ',' && d != '\n') {
						break window // beyond the block, or a byte the word test let by
					}
					if l := j - pos; l > 0 {
						p := i + pos
						x0, x1 := load(buf, p), load(buf, p+8)
						c := int(fn.first[buf[p]]) - 1
						for c >= 0 {
							fc := &fn.c[c&15]
							if (x0^fc.w0)&fc.m0|(x1^fc.w1)&fc.m1|uint64(fc.n^l) == 0 &&
								(l <= 16 || string(buf[p:p+l]) == fn.names[c]) {
								break
							}
							c = int(fc.next) - 1
						}
						if c < 0 {
							i += pos
							break window
						}
						if used&(1<<c) == 0 {
							used |= 1 << c
							key |= uint64(c+1) << shift
							shift += 4
						}
					}
					if d == '\n' {
						i += j + 1
						done = true
						break window
					}
					pos = j + 1
					sep &= sep - 1
				}
				if pos == 0 {
					break // a field of 64 bytes or more
				}
				i += pos
			}
			for !done {
				if i >= end {
					break // the last record, with no line end
				}
				b := buf[i]
				if b == '\n' {
					i++
					break
				}
				if b == '\r' && i+1 < end && buf[i+1] == '\n' {
					i += 2
					break
				}
				if b == ',' {
					i++ // a skipped preference
					continue
				}
				c := int(fn.first[b]) - 1
				for c >= 0 {
					fc := &fn.c[c&15]
					e := i + fc.n
					if e < end && i < safe {
						x := load(buf, i)
						if (x^fc.w0)&fc.m0 == 0 && (fc.n <= 8 || (load(buf, i+8)^fc.w1)&fc.m1 == 0) &&
							(fc.n <= 16 || string(buf[i:e]) == fn.names[c]) {
							if d := buf[e]; d == ',' || d == '\n' || d == '\r' {
								break
							}
						}
					} else if e == end && string(buf[i:e]) == fn.names[c] {
						break // the last name of a file with no final line end
					}
					c = int(fc.next) - 1
				}
				if c < 0 {
					goto general
				}
				i += fn.c[c&15].n
				if used&(1<<c) == 0 {
					used |= 1 << c
					key |= uint64(c+1) << shift
					shift += 4
				}
				if i < end && buf[i] == ',' {
					i++
					if i == end || buf[i] == '\n' {
						continue // a trailing comma: the loop ends the record
					}
				}
			}
			lines++
			if mn != 0 && i-start == int(mn) && buf[i-1] == '\n' {
				// Remember the record: the fast path read exactly these bytes.
				e := &memo[mh&(1<<memoBits-1)]
				if e.hits != 0 {
					dense[e.key] += e.hits * uint64(e.weight)
				}
				*e = memoEntry{w: mw, key: key, weight: uint32(weight), n: uint32(mn)}
			}
			w.add(key, weight)
			continue
		}
	general:
		{
			raw, rest, nl := nextRecord(buf[start:end])
			line := lines + 1
			lines += nl
			i = end - len(rest)
			if len(raw) == 0 || raw[0] == '#' {
				continue
			}
			weight, ranks, skip, err := w.lp.parse(raw, line)
			if err != nil {
				return lines, &blockErr{line, err}
			}
			if skip {
				continue
			}
			var prefs [count.MaxPackedCandidates]int
			n := 0
			for _, r := range ranks {
				if len(r) != 1 {
					return lines, &blockErr{line, notPackable{"equal ranking"}}
				}
				prefs[n] = r[0]
				n++
			}
			if weight > 1<<32-1 {
				return lines, &blockErr{line, notPackable{fmt.Sprintf("count %d", weight)}}
			}
			key, _ := count.Pack(prefs[:n])
			w.add(key, weight)
		}
	}
	return lines, nil
}

// longChunk is the entries of one chunk of a worker's longer rankings.
const longChunk = 1 << 16

func (w *worker) add(key uint64, weight int64) {
	if key < count.ShortRankings {
		w.dense[key] += uint64(weight) // grouped: see count.Packed.Group
		return
	}
	n := len(w.keys) - 1
	if n < 0 || len(w.keys[n]) == longChunk {
		w.keys = append(w.keys, make([]uint64, 0, longChunk))
		w.weights = append(w.weights, make([]uint32, 0, longChunk))
		n++
	}
	w.keys[n] = append(w.keys[n], key)
	w.weights[n] = append(w.weights[n], uint32(weight))
}

// block is one stretch of records handed to a worker.
type block struct {
	seq int
	buf []byte // records in buf[:end]; cap(buf) >= end+slack unless last
	end int
}

// lastRecordEnd returns the end of the last complete record in data (just past its
// line end), or -1 if data holds no complete record. data starts at a record start.
func lastRecordEnd(data []byte) int {
	if bytes.IndexByte(data, '"') < 0 {
		i := bytes.LastIndexByte(data, '\n')
		if i < 0 {
			return -1
		}
		return i + 1
	}
	// Quotes: walk the records, whose ends depend on them.
	end, rest := -1, data
	for len(rest) > 0 {
		_, r, _ := nextRecord(rest)
		if r == nil {
			break
		}
		rest = r
		end = len(data) - len(rest)
	}
	return end
}

// run parses the blocks sent on blocks with workers goroutines and assembles the
// packed election; free receives each pooled buffer once parsed. stop is set at the
// first error so that the sender reads no further.
type run struct {
	h       *header
	name    string
	workers []*worker
	mu      sync.Mutex
	lines   []int       // lines of each block, by seq
	errs    []*blockErr // error of each block, by seq
	// errSeq is the lowest seq of a block with an error (math.MaxInt64: none yet).
	// Blocks after it need not be parsed; every block before it must be, for its
	// errors come first and its lines place the error.
	errSeq atomic.Int64
}

func newRun(h *header, name string, workers int) *run {
	r := &run{h: h, name: name}
	r.errSeq.Store(math.MaxInt64)
	fn := newFastNames(h.cands)
	for range workers {
		r.workers = append(r.workers, newWorker(h, name, fn))
	}
	return r
}

func (r *run) record(seq, lines int, be *blockErr) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.lines) <= seq {
		r.lines = append(r.lines, 0)
		r.errs = append(r.errs, nil)
	}
	r.lines[seq], r.errs[seq] = lines, be
	for be != nil {
		old := r.errSeq.Load()
		if int64(seq) >= old || r.errSeq.CompareAndSwap(old, int64(seq)) {
			break
		}
	}
}

// stopped reports whether an error has been found, so no more blocks need reading.
func (r *run) stopped() bool { return r.errSeq.Load() != math.MaxInt64 }

// parseAll runs the workers until next, called by one worker at a time, has no more
// blocks; each worker takes a block (when streaming, reads it), parses it, and comes
// back for the next. There is no goroutine but the workers: on a machine with as many
// CPUs as workers none waits on another to be scheduled, and reading is sequential as
// a stream must be, while the others parse.
func (r *run) parseAll(next func(w *worker) (block, bool, error)) (*count.Packed, error) {
	var mu sync.Mutex
	var ferr error
	var wg sync.WaitGroup
	for _, w := range r.workers {
		wg.Go(func() {
			for {
				mu.Lock()
				if ferr != nil || r.stopped() {
					mu.Unlock()
					return
				}
				b, ok, err := next(w)
				if err != nil {
					ferr = err
				}
				mu.Unlock()
				if !ok {
					return
				}
				if int64(b.seq) > r.errSeq.Load() {
					r.record(b.seq, 0, nil) // after the first error: not needed
					continue
				}
				lines, be := w.parse(b.buf, b.end)
				r.record(b.seq, lines, be)
			}
		})
	}
	wg.Wait()
	line := r.h.bodyLine
	for seq, be := range r.errs {
		if be != nil {
			at := line + be.line - 1
			var ie *count.InputError
			if errors.As(be.err, &ie) {
				e := *ie
				e.Line = at
				return nil, &e
			}
			return nil, fmt.Errorf("%s:%d: %s: %w", r.name, at, be.err, ErrNotPackable)
		}
		line += r.lines[seq]
	}
	if ferr != nil {
		return nil, ferr
	}
	return r.assemble(), nil
}

// assemble merges the workers' tables and lists into one packed election.
func (r *run) assemble() *count.Packed {
	h := r.h
	p := &count.Packed{Title: h.title, Candidates: h.cands, Seats: h.seats, Withdrawn: h.withdrawn}
	for _, w := range r.workers {
		for k := range w.memo {
			if e := &w.memo[k]; e.hits != 0 {
				w.dense[e.key] += e.hits * uint64(e.weight)
				e.hits = 0
			}
		}
	}
	dense := r.workers[0].dense
	for _, w := range r.workers[1:] {
		for k, v := range w.dense {
			dense[k] += v
		}
	}
	groups, long := 0, 0
	for _, v := range dense {
		if v > 0 {
			groups += int((v + 1<<32 - 2) / (1<<32 - 1))
		}
	}
	for _, w := range r.workers {
		for _, k := range w.keys {
			long += len(k)
		}
	}
	p.Rankings = make([]uint64, 0, groups+long)
	p.Weights = make([]uint32, 0, groups+long)
	for k, v := range dense {
		for v > 0 {
			x := min(v, 1<<32-1)
			p.Rankings = append(p.Rankings, uint64(k))
			p.Weights = append(p.Weights, uint32(x))
			v -= x
		}
	}
	for _, w := range r.workers {
		for k := range w.keys {
			p.Rankings = append(p.Rankings, w.keys[k]...)
			p.Weights = append(p.Weights, w.weights[k]...)
		}
	}
	return p
}

func workerCount(workers, size int) int {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if size < 2*blockSize {
		workers = 1
	}
	return workers
}

// ParsePacked reads a file held in memory straight into the packed form, using up to
// workers goroutines (0: one per CPU). It returns an error wrapping ErrNotPackable when
// the file is valid but does not fit; use Parse then.
func ParsePacked(data []byte, name string, workers int) (*count.Packed, error) {
	h, err := parseHeader(data, name)
	if err != nil {
		return nil, err
	}
	if len(h.cands) > count.MaxPackedCandidates {
		return nil, fmt.Errorf("%s: %d candidates: %w", name, len(h.cands), ErrNotPackable)
	}
	r := newRun(h, name, workerCount(workers, len(h.body)))
	body := h.body
	seq := 0
	return r.parseAll(func(*worker) (block, bool, error) {
		if len(body) == 0 {
			return block{}, false, nil
		}
		n := min(len(body), blockSize)
		end := len(body)
		for n < len(body) {
			if e := lastRecordEnd(body[:n]); e > 0 {
				end = e
				break
			}
			n = min(len(body), 2*n)
		}
		b := block{seq: seq, buf: body[:end:len(body)], end: end}
		seq++
		body = body[end:]
		return b, true, nil
	})
}

// ReadPacked reads a file from r straight into the packed form as ParsePacked does,
// streaming it: the file is read in blocks of a megabyte and parsed on up to workers
// goroutines (0: one per CPU) as it arrives, so it is never held whole. It returns an
// error wrapping ErrNotPackable when the file is valid but does not fit, having read
// no further; read it again with Parse then.
func ReadPacked(rd io.Reader, name string, workers int) (*count.Packed, error) {
	// The header: read until its records are complete and the first ballot record
	// has started, or the file has ended.
	buf := make([]byte, 0, blockSize)
	eof := false
	var h *header
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, cap(buf))...)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			eof = true
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		h, err = parseHeaderMore(buf, name, !eof)
		if err == nil {
			break
		}
		if !errors.Is(err, errNeedMore) {
			return nil, err
		}
	}
	if len(h.cands) > count.MaxPackedCandidates {
		return nil, fmt.Errorf("%s: %d candidates: %w", name, len(h.cands), ErrNotPackable)
	}
	nw := workers
	if nw <= 0 {
		nw = runtime.GOMAXPROCS(0)
	}
	r := newRun(h, name, nw)
	carry := h.body // the body read with the header: h.body runs to the end of buf
	var cbuf []byte
	seq := 0
	return r.parseAll(func(w *worker) (block, bool, error) {
		for {
			if len(w.buf)-slack < len(carry)+blockSize/2 {
				w.buf = make([]byte, len(carry)+blockSize+slack) // a record longer than a block grows it
			}
			b := w.buf
			n := copy(b, carry)
			for !eof && n < len(b)-slack {
				m, err := rd.Read(b[n : len(b)-slack])
				n += m
				if errors.Is(err, io.EOF) {
					eof = true
				} else if err != nil {
					return block{}, false, fmt.Errorf("%s: %w", name, err)
				}
			}
			end := n
			if !eof {
				if end = lastRecordEnd(b[:n]); end <= 0 {
					// No record ends in the block: carry it all into a larger one.
					carry = append(cbuf[:0], b[:n]...)
					cbuf = carry
					continue
				}
			}
			carry = append(cbuf[:0], b[end:n]...)
			cbuf = carry
			if end == 0 {
				return block{}, false, nil
			}
			blk := block{seq: seq, buf: b[:end:len(b)], end: end}
			seq++
			return blk, true, nil
		}
	})
}
