package stv

import (
	"fmt"

	"github.com/rulebook/rulebook/count"
)

// Minneapolis counts under the Minneapolis Code of Ordinances, Title 8.5,
// chapter 167 (2009), as Droop's "mpls" rule reads it: a WIGM count in four
// decimal places, truncated; threshold votes ÷ (seats+1), fraction dropped, plus
// one. At each round first
// every candidate it is mathematically impossible to elect is defeated at once
// (167.70(1)(c); "impossible" meaning strictly unable to reach the next
// candidate up, as Droop corrects 167.20); otherwise the candidate with the
// largest surplus is elected and the surplus transferred (d); otherwise the
// lowest candidate is defeated (e). Ties go by lot (tie order
// when given).
func Minneapolis(e *count.Election, o count.Options, c Config) (*count.Result, error) {
	return mpls(e, o, c, newGuarded(4, 0))
}

func mpls[V any](e *count.Election, o count.Options, cfg Config, A arith[V]) (*count.Result, error) {
	const places = 4
	p, tb, err := prepareCount(e, o, cfg)
	if err != nil {
		return nil, err
	}
	n := len(p.names)
	res := newResult("stv-mpls", e, p)
	quota := A.of(p.valid/int64(p.seats+1) + 1)
	res.Quota = A.format(quota, places)

	pc := newParcelCount(A, p, res, places)
	st, votes := pc.st, pc.votes
	zero := A.of(0)
	defeat := func(c int) {
		pc.exclude(c)
		pc.transferAll(c)
	}
	// certainLosers: the largest set of lowest candidates who, with every vote
	// below them and all surpluses, could not reach the next candidate up
	// (167.20, "mathematically impossible to be elected").
	certainLosers := func(surplus V) []int {
		hs := pc.hopefuls()
		sortFewestFirst(hs, votes, A)
		var groups [][]int
		for _, c := range hs {
			if len(groups) > 0 && A.cmp(votes[groups[len(groups)-1][0]], votes[c]) == 0 {
				groups[len(groups)-1] = append(groups[len(groups)-1], c)
			} else {
				groups = append(groups, []int{c})
			}
		}
		maxDefeat := pc.continuing - (p.seats - pc.nElected)
		var losers, maybe []int
		v := zero
		for g := 0; g < len(groups)-1; g++ {
			maybe = append(maybe, groups[g]...)
			if len(maybe) > maxDefeat {
				break
			}
			v = A.add(v, A.mulInt(votes[groups[g][0]], int64(len(groups[g]))))
			if A.cmp(A.add(v, surplus), votes[groups[g+1][0]]) >= 0 {
				continue
			}
			losers = append(losers[:0], maybe...)
		}
		sortAsc(losers)
		return losers
	}

	complete := func() bool { return pc.continuing <= p.seats-pc.nElected }
	electRemaining := func() {
		for i := range n {
			if st[i] == hopeful {
				pc.elect(i)
			}
		}
	}
	// full applies 167.70(1)(a) after each count: when the candidates at or over
	// the threshold fill the seats, they are elected and the count ends.
	full := func() bool {
		over := pc.atQuota(quota, 0)
		if len(over) == 0 || pc.nElected+len(over) < p.seats {
			return false
		}
		sortDesc(over, votes, A)
		for _, c := range over[:p.seats-pc.nElected] {
			pc.elect(c)
		}
		return true
	}
	pc.newRound("first preferences")
	if full() {
		pc.endRound()
		return finish(res, tb, p.valid, places), nil
	}
	pc.endRound()
	for pc.nElected < p.seats {
		pc.newRound("")
		// 167.70(1)(b)-(c): with the surpluses calculated but not transferred,
		// defeat every candidate it is impossible to elect.
		surplus := zero
		for i := range n {
			if (st[i] == elected || st[i] == hopeful) && A.cmp(votes[i], quota) > 0 {
				surplus = A.add(surplus, A.sub(votes[i], quota))
			}
		}
		if losers := certainLosers(surplus); len(losers) > 0 {
			pc.round.Action = "defeat of certain losers"
			for _, c := range losers {
				defeat(c)
			}
			if full() {
				break
			}
			pc.endRound()
			continue
		}
		// (d): the candidate with the largest surplus is declared elected and
		// that surplus transferred; ties by lot.
		over := pc.atQuota(quota, 0)
		if len(over) > 0 {
			_, tied := highest(A, over, votes)
			c := tb.pick(tied, nil, true, false, pc.round.Number, "elect")
			pc.elect(c)
			if pc.nElected >= p.seats {
				break
			}
			pc.round.Action = "surplus of " + p.names[c]
			pc.transferSurplus(c, quota)
			if full() {
				break
			}
			pc.endRound()
			continue
		}
		if complete() {
			pc.round.Action = "remaining candidates elected"
			electRemaining()
			break
		}
		// (e): defeat the lowest.
		_, tied := lowest(A, pc.hopefuls(), votes)
		c := tb.pick(tied, nil, false, false, pc.round.Number, "eliminate")
		pc.round.Action = "defeat of " + p.names[c]
		defeat(c)
		if full() {
			break
		}
		if complete() {
			electRemaining()
			break
		}
		pc.endRound()
	}
	if pc.round.Tally == nil {
		pc.endRound()
	}
	return finish(res, tb, p.valid, places), nil
}

func finish(res *count.Result, tb *tieBreaker, valid int64, places int) *count.Result {
	res.TieBreaks = tb.records
	res.Notes = append(res.Notes, fmt.Sprintf("valid papers %d; values to %d decimal places, truncated", valid, places))
	return res
}
