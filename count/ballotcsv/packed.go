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
// parses the blocks on several goroutines. Each worker finds a block's separators
// (commas and line ends) and line ends first (bit maps, a few vector instructions for
// 64 bytes), then reads each record: from the line memo when it has read the same
// bytes before, else field by field (each name found by a perfect hash of its bytes,
// see phNames; then by the name matcher, which reads skipped and repeated preferences
// and CRLF), else (quotes, spaces, comments, anything unusual) with the general parser.
// It adds short rankings (at most four preferences) into its own table indexed by
// ranking key and appends longer ones to its own lists, by first preference; the
// tables and lists are merged once at the end, in order of first preference. A block's line numbers
// are counted as it is parsed, so an error found in a block is placed once the blocks
// before it are done: the error reported is the first in the file, as a sequential
// reading would report it.

// blockSize is the size of the blocks handed to workers: large enough that handing
// them over costs nothing, small enough that a block, its separator maps and the
// worker's tables stay in a core's cache from the read that fills it to the parse
// that reads it. On two cores with 2 MiB of cache each, 10M papers streamed: 256 KiB
// 166-176 ms, 128 KiB 187-201 ms (twice the reads and hand-overs under the reading
// lock), 1 MiB 181-191 ms.
var blockSize = 1 << 18

// slack is the bytes a block's buffer holds beyond its records, so the line memo may
// load 32 bytes at any record start, and the name matcher 32 bytes at any field
// start, without a bounds check.
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
	// hits counts the records found here since the entry was made, added to the
	// worker's rankings (see flush) when the entry is replaced or the reading ends, so
	// that a hit touches only the entry.
	hits uint64
	_    [8]byte // an entry is a cache line
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

// fastNames is the name matcher of the fast path: candidates by first byte, each name
// held as two little-endian words and masks, so matching a name of up to 16 bytes is
// two loads and compares.
type fastNames struct {
	first [256]uint8 // candidate index + 1 of the first candidate with this first byte
	c     [16]fastName
}

// fastName is one candidate's name as the fast path matches it: its bytes as four
// little-endian words w under masks m, so that matching it is four loads and
// compares whatever its length, with no branch on the length.
type fastName struct {
	w, m [4]uint64
	n    int
	next uint8 // the next candidate + 1 with the same first byte
}

// maxFastName is the longest name the fast path matches; a record naming a longer
// one is read by the general path.
const maxFastName = 32

func newFastNames(names []string) *fastNames {
	f := &fastNames{}
	for i := len(names) - 1; i >= 0; i-- {
		nm := names[i]
		// A name the CSV would have to quote (or that the record syntax could split) is
		// left to the general path, which reads it as CSV.
		if nm == "" || len(nm) > maxFastName || bytes.ContainsAny([]byte(nm), ",\"\r\n") {
			continue
		}
		var pad [32]byte
		copy(pad[:], nm)
		fc := fastName{n: len(nm), next: f.first[nm[0]]}
		for k := range 4 {
			fc.w[k] = le64(pad[8*k:])
			switch l := len(nm) - 8*k; {
			case l >= 8:
				fc.m[k] = ^uint64(0)
			case l > 0:
				fc.m[k] = 1<<(8*l) - 1
			}
		}
		f.c[i] = fc
		f.first[nm[0]] = uint8(i + 1)
	}
	return f
}

// phNames is the name matcher of the fastest path: each candidate the fast path
// matches sits in a table slot chosen by a perfect hash of its name's bytes, so a
// field is looked up with two multiplies and one load and checked, as masked words
// and a length, with no branch on what it holds. A record whose fields are not all
// names, that names a candidate twice or ends in CRLF is left to fastNames.fields
// (which reads skipped and repeated preferences and CRLF) and the general path.
type phNames struct {
	mul  uint64
	wide bool // a name is longer than 16 bytes: fields compares four words, not two
	t    [256]phEntry
}

type phEntry struct {
	w   [4]uint64 // the name's bytes, zero beyond its length
	n   uint64    // its length; phNone for an empty slot, which no field matches
	nib uint64    // the candidate's index + 1, its nibble in a ranking key
	bit uint64    // 1 << index, to find a candidate named twice
	_   uint64    // a slot is a cache line
}

const phNone = 1 << 62

// slot is the table slot of the field whose bytes, zero beyond its length, are x0,
// x1 (the first 16) and x2, x3 (the next 16, zero unless wide).
func (ph *phNames) slot(x0, x1, x2, x3 uint64) uint64 {
	return ((x0 ^ x1*0xc2b2ae3d27d4eb4f ^ x2*0x165667b19e3779f9 ^ x3*0x27d4eb2f165667c5) * ph.mul) >> 56
}

// newPHNames returns the table of the names f matches, or nil when no multiplier
// tried separates them (not seen: the hash mixes every byte of names that differ).
func newPHNames(f *fastNames, names []string) *phNames {
	ph := &phNames{}
	var in []int
	for i := range names {
		if f.c[i].n != 0 {
			in = append(in, i)
			ph.wide = ph.wide || f.c[i].n > 16
		}
	}
	x := uint64(0x243f6a8885a308d3) // multipliers from splitmix64's sequence: the same choice every run
	for range 1000 {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		ph.mul = (z ^ z>>31) | 1
		var seen [256]bool
		ok := true
		for _, i := range in {
			c := &f.c[i]
			h := ph.slot(c.w[0], c.w[1], c.w[2], c.w[3])
			ok = ok && !seen[h]
			seen[h] = true
		}
		if !ok {
			continue
		}
		for k := range ph.t {
			ph.t[k].n = phNone
		}
		for _, i := range in {
			c := &f.c[i]
			ph.t[ph.slot(c.w[0], c.w[1], c.w[2], c.w[3])] = phEntry{w: c.w, n: uint64(c.n), nib: uint64(i + 1), bit: 1 << i}
		}
		return ph
	}
	return nil
}

// lowMask16[n] keeps the bytes of two words that lie within the first n bytes.
var lowMask16 = func() (m [64][2]uint64) {
	for n := range 64 {
		m[n] = [2]uint64{lowMask[min(n, 16)][0], lowMask[min(n, 16)][1]}
	}
	return
}()

// count reads the count of the record starting at i, up to the first separator q
// (a comma, or the line end e), as fastNames.fields does; ok is false when there is
// no comma (no preference) or the count is not plain digits.
func (ph *phNames) count(buf []byte, i, e int, sep []uint64) (weight uint32, q int, ok bool) {
	k := i >> 6
	m := sep[k] &^ (1<<(i&63) - 1)
	for m == 0 {
		k++
		m = sep[k] // the line end's bit ends the search
	}
	q = k<<6 + bits.TrailingZeros64(m)
	if q >= e {
		return 0, q, false
	}
	if q-i == 1 && buf[i] == '1' {
		return 1, q, true // by far the most common
	}
	if q == i || q-i > 10 {
		return 0, q, false
	}
	var wt uint64
	for _, d := range buf[i:q] {
		if d < '0' || d > '9' {
			return 0, q, false
		}
		wt = wt*10 + uint64(d-'0')
	}
	return uint32(wt), q, wt <= 1<<32-1
}

// names reads the fields between the separator at q and the separator at se (at or
// before the record's line end e, e+32 within the buffer) when each is a candidate's
// name, none named twice, and the line does not end in CRLF; ok is false otherwise
// (fastNames.fields reads CRLF). It returns their nibbles as a ranking key, the
// candidates' bits and how many there are. No branch per field but the loop's.
func (ph *phNames) names(buf []byte, q, se, e int, sep []uint64) (key, used uint64, np uint, ok bool) {
	if buf[e-1] == '\r' {
		return 0, 0, 0, false
	}
	// The separator words are read past bounds checks: every search ends at se,
	// whose bit is set, within sep.
	sp := unsafe.Pointer(unsafe.SliceData(sep))
	k := uintptr(q >> 6)
	m := *(*uint64)(unsafe.Add(sp, 8*k)) &^ (2<<(q&63) - 1)
	base := unsafe.Pointer(unsafe.SliceData(buf))
	var bad uint64
	if ph.wide {
		for q < se {
			p := q + 1
			for m == 0 {
				k++
				m = *(*uint64)(unsafe.Add(sp, 8*k))
			}
			q = int(k<<6) + bits.TrailingZeros64(m)
			m &= m - 1
			l := q - p
			lm := &lowMask[min(uint(l), 32)]
			x0 := *(*uint64)(unsafe.Add(base, p)) & lm[0]
			x1 := *(*uint64)(unsafe.Add(base, p+8)) & lm[1]
			x2 := *(*uint64)(unsafe.Add(base, p+16)) & lm[2]
			x3 := *(*uint64)(unsafe.Add(base, p+24)) & lm[3]
			en := &ph.t[ph.slot(x0, x1, x2, x3)]
			bad |= (x0 ^ en.w[0]) | (x1 ^ en.w[1]) | (x2 ^ en.w[2]) | (x3 ^ en.w[3]) | (uint64(l) ^ en.n) | used&en.bit
			used |= en.bit
			key |= en.nib << (4 * np & 63) // 16 fields name a candidate twice: bad
			np++
		}
		return key, used, np, bad == 0
	}
	for q < se {
		p := q + 1
		for m == 0 {
			k++
			m = *(*uint64)(unsafe.Add(sp, 8*k))
		}
		q = int(k<<6) + bits.TrailingZeros64(m)
		m &= m - 1
		l := q - p
		lm := &lowMask16[l&63] // a field of more than 16 bytes matches no slot's length
		x0 := *(*uint64)(unsafe.Add(base, p)) & lm[0]
		x1 := *(*uint64)(unsafe.Add(base, p+8)) & lm[1]
		en := &ph.t[((x0^x1*0xc2b2ae3d27d4eb4f)*ph.mul)>>56] // slot, with the last 16 bytes zero
		bad |= (x0 ^ en.w[0]) | (x1 ^ en.w[1]) | (uint64(l) ^ en.n) | used&en.bit
		used |= en.bit
		key |= en.nib << (4 * np & 63)
		np++
	}
	return key, used, np, bad == 0
}

// memoSlot is the line memo's slot for the record whose bytes are w0 to w3.
func memoSlot(w0, w1, w2, w3 uint64) uint64 {
	return ((w0^w2>>1)*0x9e3779b97f4a7c15 ^ (w1^w3>>1)*0xc2b2ae3d27d4eb4f) >> (64 - memoBits)
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
// keys and weights, by first preference (so that the count finds them in order, see
// assemble) and in chunks of up to longChunk entries so that growing them never copies
// what is already held (and leaves no garbage for the collector).
type worker struct {
	_       [64]byte // keeps workers' fields, written as they parse, off each other's cache lines
	h       *header
	name    string
	fn      *fastNames
	ph      *phNames
	lp      *lineParser
	dense   []uint64
	keys    [16][][]uint64
	weights [16][][]uint32
	memo    *[1 << memoBits]memoEntry
	buf     []byte   // the block this worker read, when streaming
	sep, nl []uint64 // the bit maps of the separators and line ends of the block being parsed
	pos     []int32  // and the positions of its line ends
	_       [64]byte
}

func newWorker(h *header, name string, fn *fastNames, ph *phNames) *worker {
	return &worker{h: h, name: name, fn: fn, ph: ph, lp: newLineParser(h, name), dense: make([]uint64, count.ShortRankings),
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
	memo := w.memo
	safe := min(end, cap(buf)-slack) // a record starting before this is read by the fast path
	capEnd := cap(buf) - maxFastName // and a field starting before this
	if end > math.MaxInt32 {
		// Positions are int32: a block this large (one record of gigabytes carried
		// into it) is read by the general path alone.
		return w.parseGeneral(buf, end)
	}

	// The separators first: bit maps of the commas and line ends of the block, 64
	// bytes a word (see sepMasks: a few vector instructions a word), and from them
	// the positions of the line ends. With every record's end known before it is
	// read, no record waits on finding the end of the one before: the processor
	// reads several at once.
	words := (end + 63) / 64
	if len(w.sep) < words+1 {
		w.sep, w.nl = make([]uint64, words+words/4+1), make([]uint64, words+words/4+1)
	}
	sep, nlm := w.sep[:words+1], w.nl[:words+1]
	full := min(words, cap(buf)/64)
	sepMasks(buf[:full*64], sep, nlm)
	for k := full; k < words; k++ {
		var c, n uint64
		for j, b := range buf[64*k : min(64*k+64, end)] {
			switch b {
			case ',':
				c |= 1 << j
			case '\n':
				c |= 1 << j
				n |= 1 << j
			}
		}
		sep[k], nlm[k] = c, n
	}
	if r := end & 63; r != 0 {
		sep[words-1] &= 1<<r - 1 // bytes past the block are not its own
		nlm[words-1] &= 1<<r - 1
	}
	sep[words] = ^uint64(0) // a separator beyond every record ends each search
	total := 0
	for _, m := range nlm[:words] {
		total += bits.OnesCount64(m)
	}
	if len(w.pos) < total+8 {
		w.pos = make([]int32, total+total/4+8)
	}
	pos := w.pos
	np := 0
	for k, m := range nlm[:words] {
		// Four positions written whatever the word holds (a count of bits says how
		// many are real), so that the loop does not branch on each line end.
		base := int32(64 * k)
		n := bits.OnesCount64(m)
		_ = pos[np+3]
		pos[np] = base + int32(bits.TrailingZeros64(m))
		m &= m - 1
		pos[np+1] = base + int32(bits.TrailingZeros64(m))
		m &= m - 1
		pos[np+2] = base + int32(bits.TrailingZeros64(m))
		m &= m - 1
		pos[np+3] = base + int32(bits.TrailingZeros64(m))
		for j := 4; j < n; j++ {
			m &= m - 1
			pos[np+j] = base + int32(bits.TrailingZeros64(m))
		}
		np += n
	}

	i, r := 0, 0 // the next record starts at i; pos[r] is the first line end at or after i
	for i < end {
		for r < np && int(pos[r]) < i {
			r++ // after a record the general path read (its quoted line ends)
		}
		if r < np && i < safe {
			e := int(pos[r]) // the record is buf[i:e], its line end at e
			// The line memo. Its words stay in registers: nothing takes their address.
			if n := e - i + 1; n <= 32 {
				lm := &lowMask[n]
				w0, w1, w2, w3 := load(buf, i)&lm[0], load(buf, i+8)&lm[1], load(buf, i+16)&lm[2], load(buf, i+24)&lm[3]
				if m := &memo[memoSlot(w0, w1, w2, w3)]; int(m.n) == n && m.w == [4]uint64{w0, w1, w2, w3} {
					m.hits++
					i = e + 1
					r++
					lines++
					continue
				}
			}
			if e < capEnd && w.fast(buf, i, e) {
				i = e + 1
				r++
				lines++
				continue
			}
		}
		// The general path: anything the fast path does not read (quotes, spaces,
		// comments, blank lines, equal rankings, errors), and the few records at the
		// end of the buffer.
		next, nl, be := w.general(buf, i, end, lines)
		if be != nil {
			return lines + nl, be
		}
		i, lines = next, lines+nl
	}
	return lines, nil
}

// fast reads the record buf[i:e] (e+32 within the buffer) by the fast path, adds it
// and, if it is of at most 32 bytes, remembers it in the line memo; false when the
// fast path does not read it.
func (w *worker) fast(buf []byte, i, e int) bool {
	var key uint64
	var weight uint32
	ok := false
	if w.ph != nil && e > i && buf[e-1] != '\r' { // CRLF: the name matcher's
		var q int
		if weight, q, ok = w.ph.count(buf, i, e, w.sep); ok {
			key, _, _, ok = w.ph.names(buf, q, e, e, w.sep)
		}
	}
	if !ok {
		if key, weight, ok = w.fn.fields(buf, i, e, w.sep); !ok {
			return false
		}
	}
	if n := e - i + 1; n <= 32 {
		// Remember the record: the fast path read exactly these bytes.
		lm := &lowMask[n]
		mw := [4]uint64{load(buf, i) & lm[0], load(buf, i+8) & lm[1], load(buf, i+16) & lm[2], load(buf, i+24) & lm[3]}
		m := &w.memo[memoSlot(mw[0], mw[1], mw[2], mw[3])]
		w.flush(m)
		*m = memoEntry{w: mw, key: key, weight: weight, n: uint32(n), hits: 1}
		return true
	}
	w.add(key, int64(weight))
	return true
}

// flush adds the records counted in memo entry m to the worker's rankings.
func (w *worker) flush(m *memoEntry) {
	if m.hits == 0 {
		return
	}
	if m.key < count.ShortRankings {
		w.dense[m.key] += m.hits * uint64(m.weight)
	} else {
		for v := m.hits * uint64(m.weight); v > 0; {
			x := min(v, 1<<32-1)
			w.add(m.key, int64(x))
			v -= x
		}
	}
	m.hits = 0
}

// parseGeneral reads every record of buf[:end] with the general parser.
func (w *worker) parseGeneral(buf []byte, end int) (lines int, be *blockErr) {
	for i := 0; i < end; {
		next, nl, be := w.general(buf, i, end, lines)
		if be != nil {
			return lines + nl, be
		}
		i, lines = next, lines+nl
	}
	return lines, nil
}

// general reads the record at buf[i:] with the general parser (lines records were read
// before it in the block), returning where the next starts and the lines it took.
func (w *worker) general(buf []byte, i, end, lines int) (next, nl int, be *blockErr) {
	raw, rest, nl := nextRecord(buf[i:end])
	line := lines + 1
	next = end - len(rest)
	if len(raw) == 0 || raw[0] == '#' {
		return next, nl, nil
	}
	weight, ranks, skip, err := w.lp.parse(raw, line)
	if err != nil {
		return next, nl, &blockErr{line, err}
	}
	if skip {
		return next, nl, nil
	}
	var prefs [count.MaxPackedCandidates]int
	k := 0
	for _, rk := range ranks {
		if len(rk) != 1 {
			return next, nl, &blockErr{line, notPackable{"equal ranking"}}
		}
		prefs[k] = rk[0]
		k++
	}
	if weight > 1<<32-1 {
		return next, nl, &blockErr{line, notPackable{fmt.Sprintf("count %d", weight)}}
	}
	key, _ := count.Pack(prefs[:k])
	w.add(key, weight)
	return next, nl, nil
}

// fields reads the record buf[i:e] (its line end at e, e+32 within the buffer) whose
// separators (commas, and the line end) are the bits of sep from i on, with no
// quotes, spaces or anything but a count and candidates' names: the fast path. ok is
// false when it holds anything else, which the general path then reads (and reports,
// if it is wrong).
func (fn *fastNames) fields(buf []byte, i, e int, sep []uint64) (key uint64, weight uint32, ok bool) {
	k := i >> 6
	m := sep[k] &^ (1<<(i&63) - 1)
	next := func() int {
		for m == 0 {
			k++
			m = sep[k] // the line end's bit ends the search
		}
		q := k<<6 + bits.TrailingZeros64(m)
		m &= m - 1
		return q
	}
	// The count: "1" is by far the most common.
	q := next()
	ce := min(q, e)
	if ce-i == 1 && buf[i] == '1' {
		weight = 1
	} else {
		if ce == i || ce-i > 10 {
			return 0, 0, false
		}
		var wt uint64
		for _, d := range buf[i:ce] {
			if d < '0' || d > '9' {
				return 0, 0, false
			}
			wt = wt*10 + uint64(d-'0')
		}
		if wt > 1<<32-1 {
			return 0, 0, false
		}
		weight = uint32(wt)
	}
	var used uint16
	shift := uint(0)
	for q < e {
		p := q + 1
		q = next()
		fe := min(q, e)
		l := fe - p
		if fe == e && l > 0 && buf[e-1] == '\r' {
			l-- // a CRLF line end
		}
		if l == 0 {
			continue // a skipped preference
		}
		x0, x1, x2, x3 := load(buf, p), load(buf, p+8), load(buf, p+16), load(buf, p+24)
		c := int(fn.first[buf[p]]) - 1
		for c >= 0 {
			fc := &fn.c[c&15]
			if (x0^fc.w[0])&fc.m[0]|(x1^fc.w[1])&fc.m[1]|(x2^fc.w[2])&fc.m[2]|(x3^fc.w[3])&fc.m[3]|uint64(fc.n^l) == 0 {
				break
			}
			c = int(fc.next) - 1
		}
		if c < 0 {
			return 0, 0, false
		}
		if used&(1<<c) == 0 {
			used |= 1 << c
			key |= uint64(c+1) << shift
			shift += 4
		}
	}
	return key, weight, true
}

// longChunk is the most entries of one chunk of a worker's longer rankings; the first
// chunks are smaller, so that a small file does not take the memory of a large one.
const longChunk = 1 << 16

func (w *worker) add(key uint64, weight int64) {
	if key < count.ShortRankings {
		w.dense[key] += uint64(weight) // grouped: see count.Packed.Group
		return
	}
	b := key & 15
	ks := w.keys[b]
	n := len(ks) - 1
	if n < 0 || len(ks[n]) == cap(ks[n]) {
		w.grow(b)
		ks = w.keys[b]
		n = len(ks) - 1
	}
	ks[n] = append(ks[n], key)
	w.weights[b][n] = append(w.weights[b][n], uint32(weight))
}

func (w *worker) grow(b uint64) {
	size := 1 << 10
	if n := len(w.keys[b]); n > 0 {
		size = min(2*cap(w.keys[b][n-1]), longChunk)
	}
	w.keys[b] = append(w.keys[b], make([]uint64, 0, size))
	w.weights[b] = append(w.weights[b], make([]uint32, 0, size))
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
	ph := newPHNames(fn, h.cands)
	for range workers {
		r.workers = append(r.workers, newWorker(h, name, fn, ph))
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

// assemble merges the workers' tables and lists into one packed election, in order
// of first preference (short and long rankings alike), so that the count takes each
// first preference's papers as they lie instead of sorting them first (see
// count/irv's distribute).
func (r *run) assemble() *count.Packed {
	h := r.h
	p := &count.Packed{Title: h.title, Candidates: h.cands, Seats: h.seats, Withdrawn: h.withdrawn}
	for _, w := range r.workers {
		for k := range w.memo {
			w.flush(&w.memo[k])
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
		for _, b := range w.keys {
			for _, k := range b {
				long += len(k)
			}
		}
	}
	p.Rankings = make([]uint64, 0, groups+long)
	p.Weights = make([]uint32, 0, groups+long)
	for first := range 16 {
		for k := first; k < count.ShortRankings; k += 16 {
			for v := dense[k]; v > 0; {
				x := min(v, 1<<32-1)
				p.Rankings = append(p.Rankings, uint64(k))
				p.Weights = append(p.Weights, uint32(x))
				v -= x
			}
		}
		for _, w := range r.workers {
			for c := range w.keys[first] {
				p.Rankings = append(p.Rankings, w.keys[first][c]...)
				p.Weights = append(p.Weights, w.weights[first][c]...)
			}
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
// streaming it: the file is read in blocks of 256 KiB and parsed on up to workers
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
