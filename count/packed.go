package count

import (
	"fmt"
	"slices"
	"strings"
)

// MaxPackedCandidates is the most candidates a Packed election can hold: a preference
// takes 4 bits (candidate index + 1, 0 = end), and 16 of them fill a uint64.
const MaxPackedCandidates = 15

// Packed is the compact form of a large ranked-ballot election with few candidates,
// for single-winner counts over millions of papers. Each ranking is one uint64 — a
// paper costs 8 bytes, with no pointers for the garbage collector to chase — and
// moving a paper to its next preference is a shift.
//
// Rankings[i] holds ranking i's preferences in 4-bit nibbles, first preference in the
// lowest nibble; a nibble holds the candidate index + 1, and 0 ends the ranking. A
// candidate appears at most once. Weights, when non-nil, gives the number of papers
// carrying ranking i (identical papers grouped); when nil every ranking is one paper.
type Packed struct {
	Title      string
	Candidates []string
	Seats      int
	Withdrawn  []bool
	Rankings   []uint64
	Weights    []uint32
}

// ShortRankings bounds the keys of rankings with at most four preferences (16 bits).
// There are few such rankings, and in real elections most papers rank few candidates,
// so they are grouped by a plain array indexed by key — no hashing, no sorting —
// leaving only the longer rankings stored one per paper.
const ShortRankings = 1 << 16

// Group returns an equivalent election in which identical short rankings are merged
// into one entry carrying their number of papers. Longer rankings stay one entry per
// input entry. The order of entries changes; no count depends on it.
func (p *Packed) Group() *Packed {
	dense := make([]uint64, ShortRankings)
	long := 0
	for i, k := range p.Rankings {
		if k < ShortRankings {
			w := uint64(1)
			if p.Weights != nil {
				w = uint64(p.Weights[i])
			}
			dense[k] += w
		} else {
			long++
		}
	}
	g := &Packed{Title: p.Title, Candidates: p.Candidates, Seats: p.Seats, Withdrawn: p.Withdrawn}
	for k, v := range dense {
		for v > 0 {
			w := min(v, 1<<32-1)
			g.Rankings = append(g.Rankings, uint64(k))
			g.Weights = append(g.Weights, uint32(w))
			v -= w
		}
	}
	g.Rankings = slices.Grow(g.Rankings, long)
	g.Weights = slices.Grow(g.Weights, long)
	for i, k := range p.Rankings {
		if k >= ShortRankings {
			g.Rankings = append(g.Rankings, k)
			w := uint32(1)
			if p.Weights != nil {
				w = p.Weights[i]
			}
			g.Weights = append(g.Weights, w)
		}
	}
	return g
}

// Pack builds a ranking key from candidate indices, skipping repeats. It returns false
// when an index is out of range for MaxPackedCandidates.
func Pack(prefs []int) (uint64, bool) {
	var key uint64
	var seen uint16
	shift := 0
	for _, c := range prefs {
		if c < 0 || c >= MaxPackedCandidates {
			return 0, false
		}
		if seen&(1<<c) != 0 {
			continue
		}
		seen |= 1 << c
		key |= uint64(c+1) << shift
		shift += 4
	}
	return key, true
}

// Unpack lists the candidate indices of a ranking key.
func Unpack(key uint64) []int {
	var out []int
	for ; key != 0; key >>= 4 {
		out = append(out, int(key&15)-1)
	}
	return out
}

// Papers is the number of ballot papers held.
func (p *Packed) Papers() int64 {
	if p.Weights == nil {
		return int64(len(p.Rankings))
	}
	var n int64
	for _, w := range p.Weights {
		n += int64(w)
	}
	return n
}

// Validate checks the invariants the fast counters rely on.
func (p *Packed) Validate() error {
	if len(p.Candidates) > MaxPackedCandidates {
		return fmt.Errorf("packed election: %d candidates, at most %d", len(p.Candidates), MaxPackedCandidates)
	}
	if p.Weights != nil && len(p.Weights) != len(p.Rankings) {
		return fmt.Errorf("packed election: %d weights for %d rankings", len(p.Weights), len(p.Rankings))
	}
	if p.Withdrawn != nil && len(p.Withdrawn) != len(p.Candidates) {
		return fmt.Errorf("packed election: %d withdrawn flags for %d candidates", len(p.Withdrawn), len(p.Candidates))
	}
	n := uint64(len(p.Candidates))
	for i, k := range p.Rankings {
		var seen uint16
		for k2 := k; k2 != 0; k2 >>= 4 {
			c := k2 & 15
			if c == 0 || c > n {
				return fmt.Errorf("packed election: ranking %d (%#x) has a gap or an unknown candidate", i, k)
			}
			if seen&(1<<c) != 0 {
				return fmt.Errorf("packed election: ranking %d ranks candidate %d twice", i, c)
			}
			seen |= 1 << c
		}
	}
	return nil
}

// Election converts to the general form, grouping identical rankings.
func (p *Packed) Election() *Election {
	e := &Election{Title: p.Title, Candidates: slices.Clone(p.Candidates), Seats: p.Seats, Withdrawn: slices.Clone(p.Withdrawn)}
	if e.Seats == 0 {
		e.Seats = 1
	}
	at := map[uint64]int{}
	for i, k := range p.Rankings {
		w := int64(1)
		if p.Weights != nil {
			w = int64(p.Weights[i])
		}
		if j, ok := at[k]; ok {
			e.Ballots[j].Weight += w
			continue
		}
		at[k] = len(e.Ballots)
		var ranks [][]int
		for _, c := range Unpack(k) {
			ranks = append(ranks, []int{c})
		}
		e.Ballots = append(e.Ballots, Ballot{Weight: w, Ranks: ranks})
	}
	return e
}

// PackElection converts e to the packed form when it fits: at most
// MaxPackedCandidates candidates, no equal rankings, weights that fit a uint32.
// The reason it does not fit is returned otherwise.
func PackElection(e *Election) (*Packed, error) {
	if len(e.Candidates) > MaxPackedCandidates {
		return nil, fmt.Errorf("%d candidates (packed form holds %d)", len(e.Candidates), MaxPackedCandidates)
	}
	p := &Packed{Title: e.Title, Candidates: slices.Clone(e.Candidates), Seats: e.Seats, Withdrawn: slices.Clone(e.Withdrawn),
		Rankings: make([]uint64, 0, len(e.Ballots)), Weights: make([]uint32, 0, len(e.Ballots))}
	prefs := make([]int, 0, 16)
	for i, b := range e.Ballots {
		if b.Weight < 0 || b.Weight > 1<<32-1 {
			return nil, fmt.Errorf("ballot %d has weight %d", i+1, b.Weight)
		}
		prefs = prefs[:0]
		for _, r := range b.Ranks {
			if len(r) == 0 {
				continue // a skipped preference
			}
			if len(r) != 1 {
				return nil, fmt.Errorf("ballot %d has an equal ranking (%s)", i+1, rankString(r))
			}
			prefs = append(prefs, r[0])
		}
		k, ok := Pack(prefs)
		if !ok {
			return nil, fmt.Errorf("ballot %d has an unknown candidate", i+1)
		}
		p.Rankings = append(p.Rankings, k)
		p.Weights = append(p.Weights, uint32(b.Weight))
	}
	return p, nil
}

func rankString(r []int) string {
	s := make([]string, len(r))
	for i, c := range r {
		s[i] = fmt.Sprint(c + 1)
	}
	return strings.Join(s, "=")
}
