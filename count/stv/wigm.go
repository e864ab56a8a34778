package stv

import (
	"fmt"
	"slices"

	"github.com/rulebook/rulebook/count"
)

// Arithmetic chooses the arithmetic of a WIGM or Meek count.
type Arithmetic struct {
	// Rational selects exact rationals; otherwise guarded fixed point.
	Rational bool
	// Precision and Guard are the guarded digits (Droop's defaults: 18 and 9).
	Precision, Guard int
	// Display is the number of decimals shown in results (default: 12 for
	// rationals, Precision for guarded).
	Display int
}

func (a Arithmetic) withDefaults() Arithmetic {
	if !a.Rational {
		if a.Precision == 0 {
			a.Precision = 18
		}
		if a.Guard == 0 {
			a.Guard = a.Precision / 2
		}
		if a.Display == 0 {
			a.Display = a.Precision
		}
	} else if a.Display == 0 {
		a.Display = 12
	}
	return a
}

func (a Arithmetic) String() string {
	if a.Rational {
		return fmt.Sprintf("exact rational arithmetic, shown to %d places", a.Display)
	}
	return fmt.Sprintf("guarded fixed-point arithmetic, %d+%d places, shown to %d", a.Precision, a.Guard, a.Display)
}

// WIGM counts by the weighted inclusive Gregory method as Droop's "wigm" rule
// does: quota votes ÷ (seats+1) (a candidate needs more than that); each round
// elects every candidate over quota, then transfers the largest surplus — every
// paper the candidate holds, at value × surplus ÷ votes — or, with no surplus to
// transfer, excludes the candidate with fewest votes. Ties go by tie order or lot,
// without looking back at earlier rounds. Arithmetic defaults to Droop's guarded
// 18+9 digits.
func WIGM(e *count.Election, o count.Options, c Config) (*count.Result, error) {
	a := c.Arithmetic.withDefaults()
	if a.Rational {
		return wigm[*bigRat](e, o, c, a, rational{}, wigmPlain)
	}
	return wigm(e, o, c, a, newGuarded(a.Precision, a.Guard), wigmPlain)
}

// WIGMPRF counts by the Proportional Representation Foundation's reference WIGM
// rule, as Droop's "wigm-prf" (batch false) and "wigm-prf-batch" rules: four
// decimal places, truncated; quota valid papers ÷ (seats+1), truncated, plus
// 0.0001, reached at equality; with batch, sure losers (the largest set of
// lowest candidates whose votes and all surpluses together stay below the next
// candidate) are defeated together before any surplus is transferred.
func WIGMPRF(e *count.Election, o count.Options, c Config, batch bool) (*count.Result, error) {
	a := Arithmetic{Precision: 4, Display: 4}
	v := wigmPRF
	if batch {
		v = wigmPRFBatch
	}
	return wigm(e, o, c, a, newGuarded(4, 0), v)
}

type wigmVariant int

const (
	wigmPlain wigmVariant = iota
	wigmPRF
	wigmPRFBatch
)

func wigm[V any](e *count.Election, o count.Options, cfg Config, ar Arithmetic, A arith[V], variant wigmVariant) (*count.Result, error) {
	p, tb, err := prepareCount(e, o, cfg)
	if err != nil {
		return nil, err
	}
	n := len(p.names)
	quota := A.div(A.of(p.valid), A.of(int64(p.seats+1)))
	// Droop's exact and guarded WIGM needs more than the quota; the PRF rule's
	// quota is a unit above the division and is reached at equality.
	reach := 1
	method := "stv-wigm"
	if variant != wigmPlain {
		quota = A.add(quota, A.unit())
		reach = 0
		method = "stv-wigm-prf"
		if variant == wigmPRFBatch {
			method = "stv-wigm-prf-batch"
		}
	}
	res := newResult(method, e, p)
	res.Quota = A.format(quota, ar.Display)

	pc := newParcelCount(A, p, res, ar.Display)
	st, votes := pc.st, pc.votes
	var pending []int

	pc.newRound("first preferences")
	pc.endRound()
	for pc.continuing > p.seats-pc.nElected && p.seats-pc.nElected > 0 {
		pc.newRound("")
		got := pc.atQuota(quota, reach)
		sortDesc(got, votes, A)
		for _, c := range got {
			pc.elect(c)
			pending = append(pending, c)
		}
		if variant == wigmPRFBatch {
			if losers := sureLosers(A, votes, st, pending, quota, pc.continuing-(p.seats-pc.nElected)); len(losers) > 0 {
				pc.round.Action = "defeat of sure losers"
				for _, c := range losers {
					pc.exclude(c)
				}
				if pc.continuing <= p.seats-pc.nElected {
					pc.endRound()
					break
				}
				for _, c := range losers {
					pc.transferAll(c)
				}
				pc.endRound()
				continue
			}
		}
		if len(pending) > 0 {
			sortAsc(pending)
			_, tied := highest(A, pending, votes)
			c := tb.pick(tied, nil, true, false, pc.round.Number, "surplus")
			pending = remove(pending, c)
			pc.round.Action = "surplus of " + p.names[c]
			pc.transferSurplus(c, quota)
			pc.endRound()
			continue
		}
		_, tied := lowest(A, pc.hopefuls(), votes)
		c := tb.pick(tied, nil, false, false, pc.round.Number, "eliminate")
		pc.round.Action = "exclusion of " + p.names[c]
		pc.exclude(c)
		pc.transferAll(c)
		pc.endRound()
	}
	// Fill the seats left from the remaining candidates, in candidate order, as Droop does.
	for i := range n {
		if st[i] == hopeful && pc.nElected < p.seats {
			pc.elect(i)
		}
	}
	res.TieBreaks = tb.records
	res.Notes = append(res.Notes, fmt.Sprintf("valid papers %d; %s", p.valid, ar))
	return res, nil
}

func sortAsc(xs []int) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

// sortDesc orders candidates by votes, most first (exactly), then candidate order.
func sortDesc[V any](xs []int, votes []V, A arith[V]) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0; j-- {
			c := A.exactCmp(votes[xs[j]], votes[xs[j-1]])
			if c > 0 || (c == 0 && xs[j] < xs[j-1]) {
				xs[j], xs[j-1] = xs[j-1], xs[j]
			} else {
				break
			}
		}
	}
}

// sortFewestFirst orders candidates by votes, fewest first (exactly), then
// candidate order. (Not sortDesc reversed: that puts equal votes in reverse
// candidate order.)
func sortFewestFirst[V any](xs []int, votes []V, A arith[V]) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0; j-- {
			c := A.exactCmp(votes[xs[j]], votes[xs[j-1]])
			if c < 0 || (c == 0 && xs[j] < xs[j-1]) {
				xs[j], xs[j-1] = xs[j-1], xs[j]
			} else {
				break
			}
		}
	}
}

// sureLosers finds the largest set of lowest hopeful candidates, never splitting
// candidates within the surplus of each other, whose votes and all pending
// surpluses together fall short of the next candidate, leaving at least
// maxDefeat fewer than the hopefuls (so the seats can still be filled). The
// hopefuls go to lowestBatch fewest first, equal votes in reverse candidate order.
func sureLosers[V any](A arith[V], votes []V, st []state, pending []int, quota V, maxDefeat int) []int {
	surplus := A.of(0)
	for _, c := range pending {
		surplus = A.add(surplus, A.sub(votes[c], quota))
	}
	var hs []int
	for i := range st {
		if st[i] == hopeful {
			hs = append(hs, i)
		}
	}
	sortDesc(hs, votes, A)
	slices.Reverse(hs)
	return lowestBatch(A, hs, votes, surplus, maxDefeat)
}

// lowestBatch takes hopeful candidates ordered fewest votes first and returns,
// in candidate order, the largest set of the lowest whose votes and surplus
// together fall short of the next candidate, never splitting candidates within
// surplus of each other and defeating at most maxDefeat.
func lowestBatch[V any](A arith[V], hs []int, votes []V, surplus V, maxDefeat int) []int {
	var groups [][]int
	var group []int
	v := A.of(0)
	for _, c := range hs {
		if A.cmp(A.add(v, surplus), votes[c]) >= 0 {
			group = append(group, c)
		} else {
			if len(group) > 0 {
				groups = append(groups, group)
			}
			group = []int{c}
			v = votes[c]
		}
	}
	if len(group) > 0 {
		groups = append(groups, group)
	}
	maxg, k := -1, 0
	v = A.of(0)
	for g := 0; g < len(groups)-1; g++ {
		k += len(groups[g])
		if k > maxDefeat {
			break
		}
		for _, c := range groups[g] {
			v = A.add(v, votes[c])
		}
		if A.cmp(A.add(v, surplus), votes[groups[g+1][0]]) < 0 {
			maxg = g
		}
	}
	var batch []int
	for g := 0; g <= maxg; g++ {
		batch = append(batch, groups[g]...)
	}
	sortAsc(batch)
	return batch
}
