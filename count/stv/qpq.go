package stv

import (
	"fmt"

	"github.com/rulebook/rulebook/count"
)

// QPQ counts by Woodall's Quota Preferential by Quotient (Voting matters 17),
// as Droop's "qpq" rule does, in guarded arithmetic (9+9 digits). Each paper
// counts for its top hopeful candidate and records the fraction of a
// candidate it has so far elected. A candidate's quotient is v/(1+t): the papers
// counting for it over one plus the fractions those papers have elected. The
// quota is va/(1+s−tx): active papers over one plus the seats less what the
// inactive papers have elected. Each stage elects the highest quotient if it
// exceeds the quota (its papers have now elected 1/quotient each), else excludes
// the lowest and restarts the count without it. Ties go by tie order or lot.
//
// The Tally of each round holds quotients, not votes: they are what QPQ
// compares.
func QPQ(e *count.Election, o count.Options, c Config) (*count.Result, error) {
	return qpq(e, o, c, newGuarded(9, 9))
}

func qpq[V any](e *count.Election, o count.Options, cfg Config, A arith[V]) (*count.Result, error) {
	const places = 9
	p, tb, err := prepareCount(e, o, cfg)
	if err != nil {
		return nil, err
	}
	n := len(p.names)
	res := newResult("stv-qpq", e, p)
	st := append([]state(nil), p.state...)
	zero, one := A.of(0), A.of(1)
	quotient := make([]V, n)
	for i := range quotient {
		quotient[i] = zero
	}
	// each paper: position of its top hopeful candidate, and the fraction of a
	// candidate it has elected
	pos := make([]int, len(p.weight))
	share := make([]V, len(p.weight))
	advance := func(b int) {
		pr := p.pref(int(b))
		for pos[b] < len(pr) && st[pr[pos[b]]] != hopeful {
			pos[b]++
		}
	}
	var order []int // candidates elected since the last restart, in order
	continuing := 0
	for i := range n {
		if st[i] == hopeful {
			continuing++
		}
	}
	complete := func() bool {
		left := p.seats - len(order)
		return left <= 0 || continuing <= left
	}
	var round *count.Round
	quota := zero
	restart := true
	for !complete() {
		res.Rounds = append(res.Rounds, count.Round{Number: len(res.Rounds) + 1})
		round = &res.Rounds[len(res.Rounds)-1]
		if restart {
			restart = false
			for _, c := range order {
				st[c] = hopeful
				continuing++
			}
			order = order[:0]
			for b := range p.weight {
				pos[b], share[b] = 0, zero
				advance(b)
			}
		}
		tx, va := zero, zero
		votes := make([]int64, n)
		tc := make([]V, n)
		for i := range tc {
			tc[i] = zero
		}
		for b := range p.weight {
			pr := p.pref(b)
			m := p.weight[b]
			if pos[b] >= len(pr) {
				tx = A.add(tx, A.mulInt(share[b], m))
				continue
			}
			va = A.add(va, A.of(m))
			c := pr[pos[b]]
			tc[c] = A.add(tc[c], A.mulInt(share[b], m))
			votes[c] += m
		}
		var hs []int
		for i := range n {
			if st[i] == hopeful {
				hs = append(hs, i)
				quotient[i] = A.div(A.of(votes[i]), A.add(one, tc[i]))
			}
		}
		quota = A.div(va, A.sub(A.of(int64(1+p.seats)), tx))
		high, top := highest(A, hs, quotient)
		if A.cmp(high, quota) > 0 {
			c := tb.pick(top, nil, true, false, round.Number, "elect")
			st[c] = elected
			continuing--
			order = append(order, c)
			round.Elected = append(round.Elected, p.names[c])
			round.Action = fmt.Sprintf("quotient of %s over quota %s", p.names[c], A.format(quota, places))
			w := A.div(one, quotient[c])
			for b := range p.weight {
				pr := p.pref(b)
				if pos[b] < len(pr) && int(pr[pos[b]]) == c {
					share[b] = w
					advance(b)
				}
			}
		} else {
			_, bottom := lowest(A, hs, quotient)
			c := tb.pick(bottom, nil, false, false, round.Number, "eliminate")
			st[c] = excluded
			continuing--
			round.Eliminated = append(round.Eliminated, p.names[c])
			round.Action = fmt.Sprintf("exclusion of %s (quota %s); count restarts", p.names[c], A.format(quota, places))
			restart = true
		}
		round.Tally = map[string]string{}
		for i := range n {
			if st[i] == hopeful || st[i] == elected {
				round.Tally[p.names[i]] = A.format(quotient[i], places)
			}
		}
	}
	if p.seats-len(order) > 0 && continuing <= p.seats-len(order) {
		if round == nil {
			res.Rounds = append(res.Rounds, count.Round{Number: 1, Action: "all elected", Tally: map[string]string{}})
			round = &res.Rounds[0]
		}
		for i := range n {
			if st[i] == hopeful {
				st[i] = elected
				order = append(order, i)
				round.Elected = append(round.Elected, p.names[i])
			}
		}
	}
	for _, c := range order {
		res.Elected = append(res.Elected, p.names[c])
	}
	res.Quota = A.format(quota, places)
	res.QuotaName = "QPQ quota (active votes ÷ (1 + seats − excess), final value)"
	res.TieBreaks = tb.records
	res.Notes = append(res.Notes, fmt.Sprintf("valid papers %d; guarded arithmetic, 9+9 places; tallies are quotients; final quota %s", p.valid, res.Quota))
	return res, nil
}
