package irv

import (
	"runtime"
	"sync"

	"github.com/rulebook/rulebook/count"
)

// packed is the fast engine. The papers are split into one contiguous share per worker;
// each worker keeps its own piles and tallies, so workers never share memory that
// either writes, and the only synchronisation is one WaitGroup per round.
//
// A pile holds the papers' remaining rankings themselves (shifted so that the candidate
// a paper counts for is in the low nibble), not indices into the input: moving a paper
// reads its pile sequentially and never touches the input again. Each move is a
// counting sort into one new buffer (count, then place), so piles never grow by
// re-allocation and copying.
//
// Nibbles that name no candidate (0 or above the number of candidates) are passed over
// like a skipped preference; count.Pack and the CSV parser never produce them.
type packed struct {
	p       *count.Packed
	workers []*worker
}

// seg is part of a pile: rankings and, for grouped papers, their weights.
type seg struct {
	keys []uint64
	ws   []uint32 // nil when every paper weighs 1
}

type worker struct {
	keys    []uint64 // this worker's share of p.Rankings
	weights []uint32 // nil when every paper weighs 1
	pile    [16][]seg
	tally   [16]int64
	gain    [16]int64
	ex      int64
}

func newPacked(p *count.Packed, workers int) *packed {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	n := len(p.Rankings)
	if n < 1<<16 {
		workers = 1 // not worth the goroutines
	}
	e := &packed{p: p}
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wk := &worker{keys: p.Rankings[lo:hi]}
		if p.Weights != nil {
			wk.weights = p.Weights[lo:hi]
		}
		e.workers = append(e.workers, wk)
	}
	return e
}

// mask has bit v set when nibble value v (candidate index v-1) is continuing.
func mask(cont []bool) uint32 {
	var m uint32
	for i, c := range cont {
		if c {
			m |= 1 << (i + 1)
		}
	}
	return m
}

func (e *packed) each(f func(w *worker)) {
	if len(e.workers) == 1 {
		f(e.workers[0])
		return
	}
	var wg sync.WaitGroup
	for _, w := range e.workers {
		wg.Go(func() { f(w) })
	}
	wg.Wait()
}

func (e *packed) start(cont []bool) ([]int64, int64) {
	m := mask(cont)
	e.each(func(w *worker) { w.start(m) })
	return e.sum(func(w *worker) *[16]int64 { return &w.tally })
}

func (e *packed) exclude(c int, cont []bool) ([]int64, int64) {
	m := mask(cont)
	e.each(func(w *worker) { w.exclude(c+1, m) })
	return e.sum(func(w *worker) *[16]int64 { return &w.gain })
}

func (e *packed) sum(pick func(w *worker) *[16]int64) ([]int64, int64) {
	out := make([]int64, len(e.p.Candidates))
	var ex int64
	for _, w := range e.workers {
		t := pick(w)
		for i := range out {
			out[i] += t[i+1]
		}
		ex += w.ex
	}
	return out, ex
}

// top shifts k until its low nibble is a continuing candidate (or k is 0).
func top(k uint64, m uint32) uint64 {
	for k != 0 && m&(1<<(k&15)) == 0 {
		k >>= 4
	}
	return k
}

// distribute counting-sorts one set of papers to their current top candidates:
// pass 1 counts, pass 2 places, into one buffer carved into one segment per candidate.
// skip is applied to every ranking first (1 nibble when leaving an excluded candidate).
// When pass 1 finds the papers already in order of their top candidates, each with
// its top candidate first (as the CSV reader lays them out, with no candidate
// withdrawn), the piles are the input's own runs and pass 2 is not needed: piles are
// only ever read.
func (w *worker) distribute(src []seg, skip uint, m uint32, add *[16]int64) {
	var sizes [16]int
	var votes [16]int64
	total := 0
	inOrder := len(src) == 1
	weighted := false
	for _, s := range src {
		weighted = weighted || s.ws != nil
		prev := uint64(0)
		bad := false
		if s.ws == nil {
			for _, k := range s.keys {
				t := top(k>>skip, m)
				v := t & 15
				sizes[v]++
				bad = bad || v < prev || (t != k && v != 0)
				prev = v
			}
		} else {
			// Two papers at a time, into two sets of totals: papers in order
			// of their top candidate add to the same total one after another,
			// each waiting on the last.
			keys, ws := s.keys, s.ws[:len(s.keys)]
			var sizes2 [16]int
			var votes2 [16]int64
			i := 0
			for ; i+1 < len(keys); i += 2 {
				k0, k1 := keys[i], keys[i+1]
				t0, t1 := top(k0>>skip, m), top(k1>>skip, m)
				v0, v1 := t0&15, t1&15
				sizes[v0]++
				sizes2[v1]++
				votes[v0] += int64(ws[i])
				votes2[v1] += int64(ws[i+1])
				bad = bad || v0 < prev || v1 < v0 || (t0 != k0 && v0 != 0) || (t1 != k1 && v1 != 0)
				prev = v1
			}
			for ; i < len(keys); i++ {
				t := top(keys[i]>>skip, m)
				v := t & 15
				sizes[v]++
				votes[v] += int64(ws[i])
				bad = bad || v < prev || (t != keys[i] && v != 0)
				prev = v
			}
			for v := range sizes {
				sizes[v] += sizes2[v]
				votes[v] += votes2[v]
			}
		}
		inOrder = inOrder && !bad
		total += len(s.keys)
	}
	if !weighted {
		for v := range votes {
			votes[v] = int64(sizes[v])
		}
	}
	for v := 1; v < 16; v++ {
		add[v] += votes[v]
	}
	w.ex = votes[0]
	if inOrder {
		s := src[0]
		off := sizes[0]
		for v := 1; v < 16; v++ {
			if sizes[v] == 0 {
				continue
			}
			end := off + sizes[v]
			sg := seg{keys: s.keys[off:end:end]}
			if s.ws != nil {
				sg.ws = s.ws[off:end:end]
			}
			w.pile[v] = append(w.pile[v], sg)
			off = end
		}
		return
	}
	placed := total - sizes[0]
	buf := make([]uint64, placed)
	var wbuf []uint32
	if weighted {
		wbuf = make([]uint32, placed)
	}
	// Each candidate's papers are placed from both ends of its segment, the
	// even ones forward and the odd ones back, so that two papers for the same
	// candidate in a row do not wait on one cursor (the order of a pile is no
	// part of the count).
	var at, back [16]int
	off := 0
	for v := 1; v < 16; v++ {
		at[v] = off
		off += sizes[v]
		back[v] = off
	}
	start := at
	for _, s := range src {
		if s.ws == nil {
			for _, k := range s.keys {
				k = top(k>>skip, m)
				v := k & 15
				if v == 0 {
					continue
				}
				buf[at[v]] = k
				if wbuf != nil {
					wbuf[at[v]] = 1
				}
				at[v]++
			}
			continue
		}
		keys, ws := s.keys, s.ws[:len(s.keys)]
		i := 0
		for ; i+1 < len(keys); i += 2 {
			k0, k1 := top(keys[i]>>skip, m), top(keys[i+1]>>skip, m)
			if v := k0 & 15; v != 0 {
				buf[at[v]] = k0
				wbuf[at[v]] = ws[i]
				at[v]++
			}
			if v := k1 & 15; v != 0 {
				back[v]--
				buf[back[v]] = k1
				wbuf[back[v]] = ws[i+1]
			}
		}
		if i < len(keys) {
			if k := top(keys[i]>>skip, m); k&15 != 0 {
				buf[at[k&15]] = k
				wbuf[at[k&15]] = ws[i]
				at[k&15]++
			}
		}
	}
	for v := 1; v < 16; v++ {
		if sizes[v] == 0 {
			continue
		}
		end := start[v] + sizes[v]
		sg := seg{keys: buf[start[v]:end:end]}
		if wbuf != nil {
			sg.ws = wbuf[start[v]:end:end]
		}
		w.pile[v] = append(w.pile[v], sg)
	}
}

func (w *worker) start(m uint32) {
	w.tally = [16]int64{}
	w.pile = [16][]seg{}
	w.distribute([]seg{{keys: w.keys, ws: w.weights}}, 0, m, &w.tally)
}

// exclude moves candidate value x's pile to the next continuing preferences.
func (w *worker) exclude(x int, m uint32) {
	w.gain = [16]int64{}
	src := w.pile[x]
	w.pile[x] = nil
	w.distribute(src, 4, m, &w.gain)
}
