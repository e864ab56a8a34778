package stv

import (
	"fmt"
	"math/bits"

	"github.com/rulebook/rulebook/count"
)

// scale is 10^5: the Order computes transfer values "to five decimal places (any
// remainder being ignored)", so every value in the count is a whole number of
// hundred-thousandths and int64 holds it exactly.
const (
	scale  = 100000
	places = 5
)

// Scottish counts under the Scottish Local Government Elections Order 2007, rules
// 45–52, as Droop's "scotland" rule reads them:
//   - quota: valid papers ÷ (seats + 1), fraction ignored, plus one (46);
//   - a candidate reaching the quota is elected (47);
//   - surpluses are transferred one at a time, the largest first (49), each paper
//     at surplus × its value ÷ the candidate's votes, truncated to 5 places (48);
//     an elected candidate whose votes equal the quota still has a (nil) surplus
//     "transferred" as a stage of its own, as Droop does; no value moves;
//   - otherwise the candidate with fewest votes is excluded and all its papers
//     move at their current value in one stage (50);
//   - ties: the most recent earlier stage at which the tied candidates differed,
//     then lot (49(2)–(3), 51(2));
//   - when continuing candidates no more than fill the vacancies left they are
//     elected and the count stops (52).
func Scottish(e *count.Election, o count.Options, c Config) (*count.Result, error) {
	p, err := prepare(e, o)
	if err != nil {
		return nil, err
	}
	tb, err := newTieBreaker(p.names, o, c)
	if err != nil {
		return nil, err
	}
	n := len(p.names)
	res := newResult("stv-scottish", e, p)
	if p.valid == 0 {
		return nil, fmt.Errorf("stv: no valid ballot papers")
	}
	quota := (p.valid/int64(p.seats+1) + 1) * scale
	res.Quota = fixed(quota, places)

	rk := newRoundKeeper(p, res)
	st := rk.st
	votes := make([]int64, n)
	// Each distinct ballot's papers sit in exactly one parcel at a time, at one
	// value, so a parcel is a linked list through the ballots: moving papers
	// relinks them and the count allocates nothing per paper.
	nb := len(p.weight)
	pos := make([]int32, nb)   // index into the ballot's preferences of its holder
	value := make([]int64, nb) // value of each of the ballot's papers, scaled
	next := make([]int32, nb)  // next ballot in the same parcel, or -1
	head := make([]int32, n)   // first ballot of each candidate's parcel, or -1
	for i := range head {
		head[i] = -1
	}
	for bi := range p.weight {
		pr := p.pref(bi)
		c := pr[0]
		value[bi] = scale
		next[bi] = head[c]
		head[c] = int32(bi)
		votes[c] += scale * p.weight[bi]
	}
	var (
		nt, loss int64
		history  [][]int64
		pending  []int // elected, surplus not yet dealt with, in order of election
	)
	electQuota := func() {
		var got []int
		for i := range n {
			if st[i] == hopeful && votes[i] >= quota {
				got = append(got, i)
			}
		}
		byVotesDesc(got, votes)
		for _, c := range got {
			rk.elect(c)
			pending = append(pending, c)
		}
	}
	endStage := func(tr []int64, ntGain int64) {
		rk.round.Tally = map[string]string{}
		for i := range n {
			if st[i] == hopeful || st[i] == elected {
				rk.round.Tally[p.names[i]] = fixed(votes[i], places)
			}
		}
		if tr != nil {
			rk.round.Transfers = map[string]string{}
			for i, v := range tr {
				if v != 0 {
					rk.round.Transfers[p.names[i]] = fixed(v, places)
				}
			}
			if ntGain != 0 {
				rk.round.Transfers["exhausted"] = fixed(ntGain, places)
			}
		}
		rk.round.Exhausted = fixed(nt, places)
		rk.round.Loss = fixed(loss, places)
		history = append(history, append([]int64(nil), votes...))
	}
	// move sends candidate from's papers on to their next continuing preference,
	// each at the value newValue gives it.
	move := func(from int, newValue func(int64) int64) ([]int64, int64) {
		tr := make([]int64, n)
		var ntGain int64
		for b := head[from]; b >= 0; {
			nb := next[b]
			v := newValue(value[b])
			pr := p.pref(int(b))
			k := int(pos[b]) + 1
			for k < len(pr) && st[pr[k]] != hopeful {
				k++
			}
			amount := v * p.weight[b]
			if k == len(pr) {
				ntGain += amount
			} else {
				to := pr[k]
				pos[b], value[b] = int32(k), v
				next[b] = head[to]
				head[to] = b
				tr[to] += amount
			}
			b = nb
		}
		head[from] = -1
		for i, v := range tr {
			votes[i] += v
		}
		nt += ntGain
		return tr, ntGain
	}
	complete := func() bool {
		left := p.seats - rk.nElected
		return left <= 0 || rk.continuing <= left
	}

	rk.newRound("first preferences")
	electQuota()
	endStage(nil, 0)
	for !complete() {
		if len(pending) > 0 {
			// Largest surplus first (49(1)); equal ones by earlier stages, then lot (49(2)-(3)).
			best := votes[pending[0]]
			for _, c := range pending[1:] {
				best = max(best, votes[c])
			}
			var tied []int
			for i := range n {
				if st[i] == elected && votes[i] == best && contains(pending, i) {
					tied = append(tied, i)
				}
			}
			c := tb.pick(tied, history, true, true, len(res.Rounds)+1, "surplus")
			pending = remove(pending, c)
			total := votes[c]
			surplus := total - quota
			if surplus == 0 {
				rk.newRound("surplus of " + p.names[c] + " (none: votes equal the quota)")
			} else {
				rk.newRound("surplus of " + p.names[c])
			}
			tr, ntGain := move(c, func(v int64) int64 { return muldiv(v, surplus, total) })
			moved := ntGain
			for _, v := range tr {
				moved += v
			}
			votes[c] = quota
			tr[c] = -surplus
			loss += surplus - moved
			electQuota()
			endStage(tr, ntGain)
			continue
		}
		low := int64(-1)
		for i := range n {
			if st[i] == hopeful && (low < 0 || votes[i] < low) {
				low = votes[i]
			}
		}
		var tied []int
		for i := range n {
			if st[i] == hopeful && votes[i] == low {
				tied = append(tied, i)
			}
		}
		c := tb.pick(tied, history, false, true, len(res.Rounds)+1, "eliminate")
		rk.newRound("exclusion of " + p.names[c])
		rk.exclude(c)
		had := votes[c]
		tr, ntGain := move(c, func(v int64) int64 { return v })
		votes[c] = 0
		tr[c] = -had
		electQuota()
		endStage(tr, ntGain)
	}
	// Rule 52: continuing candidates who no more than fill the vacancies are elected.
	if left := p.seats - rk.nElected; left > 0 && rk.continuing <= left {
		for _, c := range rk.hopefuls() { // in candidate order, as Droop lists them
			rk.elect(c)
		}
	}
	res.TieBreaks = tb.records
	res.Notes = append(res.Notes, fmt.Sprintf("valid papers %d; values to %d decimal places, truncated", p.valid, places))
	return res, nil
}

// muldiv returns a×b÷c rounded down, for 0 ≤ a×b÷c < 2^63 (here a is a paper's
// value, b ≤ c), without overflowing the product.
func muldiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func remove(xs []int, x int) []int {
	for i, y := range xs {
		if y == x {
			return append(xs[:i], xs[i+1:]...)
		}
	}
	return xs
}
