// Package stv counts single transferable vote elections under several rule sets:
//
//   - stv-scottish: the Scottish Local Government Elections Order 2007 (SSI 2007/42,
//     rules 45–52), in integers scaled by 100000 so that every value is the exact
//     five-decimal figure the Order prescribes;
//   - stv-wigm: the weighted inclusive Gregory method as in Droop's "wigm" rule;
//   - stv-wigm-prf, stv-wigm-prf-batch: the PR Foundation's reference WIGM;
//   - stv-meek: Meek's method as in Droop's "meek" rule;
//   - stv-warren: Warren's variant of it, as Droop's "warren" rule;
//   - stv-meek-prf: the PR Foundation's reference Meek;
//   - stv-mpls: Minneapolis STV (2009 ordinance) as Droop's "mpls" rule;
//   - stv-cfer, stv-cfer-batch: the CfER model statute, as Droop's "cfer" and
//     "cfer-batch" rules;
//   - stv-qpq: Woodall's Quota Preferential by Quotient, as Droop's "qpq" rule.
//
// WIGM, Meek and Warren count in Droop's guarded fixed point (18 digits and 9
// guard digits) by default, or in exact rationals (Config.Arithmetic).
//
// Each is registered with count.RegisterRanked. The exported functions also
// take a Config, for choices beyond count.Options: a fixed tie-breaking order
// (as Droop's files give) and, for WIGM, Meek and Warren, the arithmetic.
//
// A paper that ranks candidates equally counts up to the preference before the
// equal ranking (a paper equal at the first preference is not valid), except
// under Meek, Warren and Meek-PRF, which share it among the tied candidates as
// Droop does.
package stv

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"

	"github.com/rulebook/rulebook/count"
)

func init() {
	count.RegisterRanked("stv-scottish", func(e *count.Election, o count.Options) (*count.Result, error) {
		return Scottish(e, o, Config{TieOrder: tieOrder(e, o)})
	})
	count.RegisterRanked("stv-wigm", func(e *count.Election, o count.Options) (*count.Result, error) {
		return WIGM(e, o, Config{TieOrder: tieOrder(e, o)})
	})
	count.RegisterRanked("stv-wigm-prf", func(e *count.Election, o count.Options) (*count.Result, error) {
		return WIGMPRF(e, o, Config{TieOrder: tieOrder(e, o)}, false)
	})
	count.RegisterRanked("stv-wigm-prf-batch", func(e *count.Election, o count.Options) (*count.Result, error) {
		return WIGMPRF(e, o, Config{TieOrder: tieOrder(e, o)}, true)
	})
	count.RegisterRanked("stv-meek", func(e *count.Election, o count.Options) (*count.Result, error) {
		return Meek(e, o, Config{TieOrder: tieOrder(e, o)})
	})
	count.RegisterRanked("stv-meek-prf", func(e *count.Election, o count.Options) (*count.Result, error) {
		return MeekPRF(e, o, Config{TieOrder: tieOrder(e, o)})
	})
	count.RegisterRanked("stv-warren", func(e *count.Election, o count.Options) (*count.Result, error) {
		return Warren(e, o, Config{TieOrder: tieOrder(e, o)})
	})
	count.RegisterRanked("stv-mpls", func(e *count.Election, o count.Options) (*count.Result, error) {
		return Minneapolis(e, o, Config{TieOrder: tieOrder(e, o)})
	})
	count.RegisterRanked("stv-cfer", func(e *count.Election, o count.Options) (*count.Result, error) {
		return CfER(e, o, Config{TieOrder: tieOrder(e, o)}, false)
	})
	count.RegisterRanked("stv-cfer-batch", func(e *count.Election, o count.Options) (*count.Result, error) {
		return CfER(e, o, Config{TieOrder: tieOrder(e, o)}, true)
	})
	count.RegisterRanked("stv-qpq", func(e *count.Election, o count.Options) (*count.Result, error) {
		return QPQ(e, o, Config{TieOrder: tieOrder(e, o)})
	})
}

// tieOrder is the tie order a registered method uses: the options', else the input's.
func tieOrder(e *count.Election, o count.Options) []int {
	if o.TieOrder != nil {
		return o.TieOrder
	}
	return e.TieOrder
}

// Config holds counting choices that are not part of count.Options.
type Config struct {
	// TieOrder, when set, settles ties that no earlier stage separates by this
	// order of candidate indices (first listed = chosen to transfer first, and
	// also first to be excluded), as Droop's [tie] option does; otherwise such
	// ties are settled by lot, drawn with Options.Seed.
	TieOrder []int
	// Arithmetic is the arithmetic of the WIGM and Meek counts (the Scottish
	// count always uses the Order's five decimal places).
	Arithmetic Arithmetic
}

// state of a candidate during a count.
type state uint8

const (
	hopeful state = iota
	elected
	excluded
	withdrawn
)

// prepared is an election reduced to what a count needs: each ballot's usable
// preferences as candidate indices and its weight.
type prepared struct {
	names []string
	seats int
	// Ballot b's preferences are buf[off[b]:off[b+1]] (offsets, not slices, so
	// that building them writes no pointers).
	buf    []int32
	off    []int32
	weight []int64
	valid  int64 // papers with at least one usable preference
	state  []state
	// isEq marks the ballots cut short at an equal ranking.
	isEq []bool
	// eq holds every ballot that ranks candidates equally, whole (withdrawn
	// candidates removed), for the rules that share a paper between them.
	eq []eqBallot
}

// pref returns ballot b's usable preferences.
func (p *prepared) pref(b int) []int32 { return p.buf[p.off[b]:p.off[b+1]] }

type eqBallot struct {
	ranks  [][]int32
	weight int64
}

// prepare validates an election and strips what no rule here counts: withdrawn
// candidates, and everything from the first equal ranking on (a paper that marks
// two candidates equal expresses no order between them; the Scottish Order treats
// such a paper as valid only up to the preference before).
func prepare(e *count.Election, o count.Options) (*prepared, error) {
	n := len(e.Candidates)
	if n == 0 {
		return nil, fmt.Errorf("stv: no candidates")
	}
	if err := count.CheckSize("stv", e); err != nil {
		return nil, err
	}
	seats := e.Seats
	if o.Seats > 0 {
		seats = o.Seats
	}
	if seats < 1 {
		return nil, fmt.Errorf("stv: %d seats", seats)
	}
	if e.Withdrawn != nil && len(e.Withdrawn) != n {
		return nil, fmt.Errorf("stv: withdrawn list has %d entries for %d candidates", len(e.Withdrawn), n)
	}
	p := &prepared{names: e.Candidates, seats: seats, state: make([]state, n)}
	left := 0
	for i := range n {
		if e.Withdrawn != nil && e.Withdrawn[i] {
			p.state[i] = withdrawn
		} else {
			left++
		}
	}
	if left < seats {
		return nil, fmt.Errorf("stv: %d seats but %d candidates standing", seats, left)
	}
	seen := make([]int, n)
	total := 0
	for _, b := range e.Ballots {
		total += len(b.Ranks)
	}
	if total >= 1<<31 {
		return nil, fmt.Errorf("stv: %d preferences is too many", total)
	}
	buf := make([]int32, 0, total) // every ballot's preferences, back to back
	p.off = make([]int32, 1, len(e.Ballots)+1)
	p.weight = make([]int64, 0, len(e.Ballots))
	for bi, b := range e.Ballots {
		if b.Weight < 0 {
			return nil, fmt.Errorf("stv: ballot %d has negative weight %d", bi+1, b.Weight)
		}
		if b.Weight > 1<<40 {
			return nil, fmt.Errorf("stv: ballot %d weight %d too large", bi+1, b.Weight)
		}
		if b.Weight == 0 {
			continue
		}
		start := len(buf)
		cut := false
		for _, r := range b.Ranks {
			live, last := 0, -1
			for _, c := range r {
				if c < 0 || c >= n {
					return nil, fmt.Errorf("stv: ballot %d ranks candidate index %d of %d", bi+1, c, n)
				}
				if seen[c] == bi+1 {
					return nil, fmt.Errorf("stv: ballot %d ranks candidate %q twice", bi+1, e.Candidates[c])
				}
				seen[c] = bi + 1
				if p.state[c] != withdrawn {
					live++
					last = c
				}
			}
			switch {
			case cut:
			case live > 1:
				cut = true
			case live == 1:
				buf = append(buf, int32(last))
			}
		}
		if cut {
			var eb eqBallot
			for _, r := range b.Ranks {
				var rank []int32
				for _, c := range r {
					if p.state[c] != withdrawn {
						rank = append(rank, int32(c))
					}
				}
				if len(rank) > 0 {
					eb.ranks = append(eb.ranks, rank)
				}
			}
			eb.weight = b.Weight
			p.eq = append(p.eq, eb)
		}
		if len(buf) == start {
			continue
		}
		p.off = append(p.off, int32(len(buf)))
		p.weight = append(p.weight, b.Weight)
		p.isEq = append(p.isEq, cut)
		p.valid += b.Weight
		if p.valid > 1<<40 {
			return nil, fmt.Errorf("stv: more than 2^40 ballots")
		}
	}
	p.buf = buf
	return p, nil
}

// tieBreaker settles ties the way the Scottish Order does (rules 49(2)–(3) and
// 51(2)): the candidates' votes at the most recent earlier stage that separates
// them, and failing that, lot.
type tieBreaker struct {
	names   []string
	order   []int // tie order position by candidate, or nil for lot
	rng     *rand.PCG
	seed    int64
	records []count.TieBreak
}

// prepareCount prepares an election for a rule that refuses one with no valid
// papers, and makes the tie breaker the count draws on.
func prepareCount(e *count.Election, o count.Options, cfg Config) (*prepared, *tieBreaker, error) {
	p, err := prepare(e, o)
	if err != nil {
		return nil, nil, err
	}
	if p.valid == 0 {
		return nil, nil, fmt.Errorf("stv: no valid ballot papers")
	}
	tb, err := newTieBreaker(p.names, o, cfg)
	if err != nil {
		return nil, nil, err
	}
	return p, tb, nil
}

// newResult starts a count's result: every candidate listed, none yet elected.
func newResult(method string, e *count.Election, p *prepared) *count.Result {
	var papers int64
	for _, b := range e.Ballots {
		papers += b.Weight
	}
	return &count.Result{Method: method, Title: e.Title, Seats: p.seats,
		Candidates: append([]string(nil), p.names...), Elected: []string{},
		QuotaName: "Droop quota", Valid: count.Itoa(p.valid), Rejected: count.Itoa(papers - p.valid)}
}

func newTieBreaker(names []string, o count.Options, c Config) (*tieBreaker, error) {
	t := &tieBreaker{names: names, seed: o.Seed}
	if c.TieOrder != nil {
		if len(c.TieOrder) != len(names) {
			return nil, fmt.Errorf("stv: tie order lists %d candidates, not %d", len(c.TieOrder), len(names))
		}
		t.order = make([]int, len(names))
		for i := range t.order {
			t.order[i] = -1
		}
		for pos, ci := range c.TieOrder {
			if ci < 0 || ci >= len(names) || t.order[ci] >= 0 {
				return nil, fmt.Errorf("stv: tie order is not a permutation of the candidates")
			}
			t.order[ci] = pos
		}
	} else {
		t.rng = rand.NewPCG(uint64(o.Seed), 0x5354562d6c6f74) // "STV-lot"
	}
	return t, nil
}

// pick chooses one of tied (candidate indices, in candidate order). history holds
// each earlier stage's votes, oldest first; high chooses the most votes, otherwise
// the fewest. When weak is false only the final step (tie order or lot) is used.
func (t *tieBreaker) pick(tied []int, history [][]int64, high bool, weak bool, round int, purpose string) int {
	if len(tied) == 1 {
		return tied[0]
	}
	names := make([]string, len(tied))
	for i, c := range tied {
		names[i] = t.names[c]
	}
	rec := count.TieBreak{Round: round, Tied: names, Purpose: purpose}
	left := tied
	if weak {
		for s := len(history) - 1; s >= 0; s-- {
			v := history[s]
			best := v[tied[0]]
			for _, c := range tied[1:] {
				if (high && v[c] > best) || (!high && v[c] < best) {
					best = v[c]
				}
			}
			var at []int
			for _, c := range tied {
				if v[c] == best {
					at = append(at, c)
				}
			}
			left = at
			if len(at) == 1 {
				rec.Chosen = t.names[at[0]]
				rec.How = fmt.Sprintf("earlier stage %d", s+1)
				t.records = append(t.records, rec)
				return at[0]
			}
		}
	}
	var c int
	if t.order != nil {
		c = left[0]
		for _, d := range left[1:] {
			if t.order[d] < t.order[c] {
				c = d
			}
		}
		rec.How = "tie order"
	} else {
		c = left[t.draw(len(left))]
		rec.How = fmt.Sprintf("lot (seed %d)", t.seed)
	}
	rec.Chosen = t.names[c]
	t.records = append(t.records, rec)
	return c
}

// draw returns a number in [0, n) from the seeded PCG stream, by rejection, so
// that a seed gives the same lots whatever rand's helpers do in later releases.
func (t *tieBreaker) draw(n int) int {
	limit := ^uint64(0) - ^uint64(0)%uint64(n)
	for {
		if v := t.rng.Uint64(); v < limit {
			return int(v % uint64(n))
		}
	}
}

// fixed formats a value scaled by 10^places.
func fixed(v int64, places int) string {
	var buf [32]byte
	b := buf[:0]
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	digits := strconv.AppendInt(nil, v, 10)
	if pad := places + 1 - len(digits); pad > 0 {
		b = append(b, "0000000000000000000"[:pad]...)
	}
	b = append(b, digits...)
	if places > 0 {
		k := len(b) - places
		b = append(b[:k], append([]byte{'.'}, b[k:]...)...)
	}
	return string(b)
}

// byVotesDesc sorts candidate indices by votes, most first, then candidate order.
func byVotesDesc(cs []int, votes []int64) {
	sort.SliceStable(cs, func(i, j int) bool {
		if votes[cs[i]] != votes[cs[j]] {
			return votes[cs[i]] > votes[cs[j]]
		}
		return cs[i] < cs[j]
	})
}

// highest returns the highest of vals over the candidates cs (compared as A
// compares, so guarded values within the guard are equal) and the candidates
// of cs level with it, in the order of cs. cs must not be empty.
func highest[V any](A arith[V], cs []int, vals []V) (V, []int) { return extreme(A, cs, vals, 1) }

// lowest is highest's counterpart for the lowest value.
func lowest[V any](A arith[V], cs []int, vals []V) (V, []int) { return extreme(A, cs, vals, -1) }

func extreme[V any](A arith[V], cs []int, vals []V, sign int) (V, []int) {
	best := vals[cs[0]]
	for _, c := range cs[1:] {
		if A.cmp(vals[c], best)*sign > 0 {
			best = vals[c]
		}
	}
	var tied []int
	for _, c := range cs {
		if A.cmp(vals[c], best) == 0 {
			tied = append(tied, c)
		}
	}
	return best, tied
}
