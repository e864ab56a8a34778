package stv

import (
	"fmt"

	"github.com/rulebook/rulebook/count"
)

// Meek counts by Meek's method as Droop's "meek" rule does. Every paper is
// counted afresh in each iteration: each candidate it reaches keeps the share
// given by the candidate's keep factor (1 for hopeful candidates, less for
// elected ones, 0 for excluded ones) and passes the rest on. The quota is the
// votes held by candidates ÷ (seats+1); a candidate with more is elected. Keep
// factors are scaled by quota ÷ votes until the total surplus is at most omega
// (10^-10 for rationals, 10^-(precision/2) for guarded arithmetic), a candidate
// is elected, the surplus stops falling, or a batch of sure losers can be
// excluded. Otherwise the candidate with fewest votes is excluded — any candidate
// within the total surplus of the lowest counts as tied with it — ties going by
// tie order or lot.
func Meek(e *count.Election, o count.Options, c Config) (*count.Result, error) {
	return meekOrWarren(e, o, c, false)
}

// Warren counts by Warren's method, which is Meek's except in what a paper
// leaves a candidate: Meek's candidate keeps that share (keep factor) of what
// reaches it; Warren's keeps the keep factor itself, from the paper's whole
// value, or all that reaches it if less. As Droop's "warren" rule.
func Warren(e *count.Election, o count.Options, c Config) (*count.Result, error) {
	return meekOrWarren(e, o, c, true)
}

func meekOrWarren(e *count.Election, o count.Options, c Config, warren bool) (*count.Result, error) {
	a := c.Arithmetic.withDefaults()
	v := meekPlain
	if warren {
		v = meekWarren
	}
	if a.Rational {
		return meek[*bigRat](e, o, c, a, rational{}, 10, v)
	}
	return meek(e, o, c, a, newGuarded(a.Precision, a.Guard), a.Precision/2, v)
}

// MeekPRF counts by the PR Foundation's reference Meek rule, as Droop's
// "meek-prf": nine decimal places, each product and quotient rounded up;
// quota votes ÷ (seats+1), truncated, plus 10^-9, reached at equality; omega
// 10^-6; no batch exclusions.
func MeekPRF(e *count.Election, o count.Options, c Config) (*count.Result, error) {
	return meek(e, o, c, Arithmetic{Precision: 9, Display: 9}, newGuarded(9, 0), 6, meekPRF)
}

type meekVariant int

const (
	meekPlain meekVariant = iota
	meekWarren
	meekPRF
)

func meek[V any](e *count.Election, o count.Options, cfg Config, ar Arithmetic, A arith[V], omega10 int, variant meekVariant) (*count.Result, error) {
	warren, prf := variant == meekWarren, variant == meekPRF
	p, err := prepare(e, o)
	if err != nil {
		return nil, err
	}
	if p.valid == 0 && len(p.eq) == 0 {
		return nil, fmt.Errorf("stv: no valid ballot papers")
	}
	tb, err := newTieBreaker(p.names, o, cfg)
	if err != nil {
		return nil, err
	}
	n := len(p.names)
	method := "stv-meek"
	if warren {
		method = "stv-warren"
	}
	if prf {
		method = "stv-meek-prf"
	}
	// keepRest splits what reaches a candidate into what it keeps and what passes on.
	keepRest := func(w, k V) (V, V) {
		if warren {
			keep := k
			if A.exactCmp(w, k) < 0 {
				keep = w
			}
			return keep, A.sub(w, keep)
		}
		if prf {
			keep := A.mulUp(w, k)
			return keep, A.sub(w, keep)
		}
		return A.mul(w, k), A.mul(w, A.sub(A.of(1), k))
	}
	res := newResult(method, e, p)
	rk := newRoundKeeper(p, res)
	st := rk.st
	zero, one := A.of(0), A.of(1)
	omega := A.div(one, A.of(pow10(omega10)))
	seats := A.of(int64(p.seats + 1))
	kf := make([]V, n)
	votes := make([]V, n)
	for i := range n {
		votes[i] = zero
		kf[i] = zero
		if st[i] == hopeful {
			kf[i] = one
		}
	}
	// Meek shares a paper between candidates ranked equally, so it counts whole
	// the papers the other rules cut short at an equal ranking.
	valid := int64(0)
	for bi := range p.weight {
		if !p.isEq[bi] {
			valid += p.weight[bi]
		}
	}
	for _, b := range p.eq {
		valid += b.weight
	}
	// calcQuota: Droop's exact and guarded Meek needs more than votes÷(seats+1);
	// the PRF rule adds one unit to the truncated division and needs that.
	reach := 1
	calcQuota := func(total V) V { return A.div(total, seats) }
	if prf {
		reach = 0
		calcQuota = func(total V) V { return A.add(A.div(total, seats), A.unit()) }
	}
	quota := calcQuota(A.of(valid))
	surplus := zero
	residual := zero
	for bi := range p.weight {
		pr := p.pref(bi)
		if !p.isEq[bi] {
			votes[pr[0]] = A.add(votes[pr[0]], A.of(p.weight[bi]))
		}
	}
	for _, b := range p.eq {
		share := A.mulInt(A.div(one, A.of(int64(len(b.ranks[0])))), b.weight)
		for _, c := range b.ranks[0] {
			votes[c] = A.add(votes[c], share)
		}
	}
	// share counts an equally ranked paper from rank i on: the value reaching a
	// rank is split evenly among its candidates still counted, and what each
	// passes on goes on to the next rank. (As in Droop, a rank whose
	// candidates are all excluded ends the paper.)
	var share func(b eqBallot, i int, w V, left V) V
	share = func(b eqBallot, i int, w V, left V) V {
		if A.isZero(w) || i >= len(b.ranks) {
			return left
		}
		var cs []int32
		for _, c := range b.ranks[i] {
			if st[c] == hopeful || st[c] == elected {
				cs = append(cs, c)
			}
		}
		if len(cs) == 0 {
			return left
		}
		cw := A.div(w, A.of(int64(len(cs))))
		for _, c := range cs {
			keep, rest := keepRest(cw, kf[c])
			kept := A.mulInt(keep, b.weight)
			votes[c] = A.add(votes[c], kept)
			left = A.sub(left, kept)
			left = share(b, i+1, rest, left)
		}
		return left
	}

	// distribute counts every paper with the current keep factors.
	distribute := func() {
		for i := range n {
			if st[i] == hopeful || st[i] == elected {
				votes[i] = zero
			}
		}
		residual = zero
		for bi := range p.weight {
			pr := p.pref(bi)
			if p.isEq[bi] {
				continue
			}
			w := one
			m := p.weight[bi]
			left := A.of(m)
			for _, c := range pr {
				k := kf[c]
				if A.isZero(k) {
					continue
				}
				var keep V
				keep, w = keepRest(w, k)
				kept := A.mulInt(keep, m)
				votes[c] = A.add(votes[c], kept)
				left = A.sub(left, kept)
				if A.cmp(w, zero) <= 0 {
					break
				}
			}
			residual = A.add(residual, left)
		}
		for _, b := range p.eq {
			residual = A.add(residual, share(b, 0, one, A.of(b.weight)))
		}
	}
	hopefulByVote := func() []int {
		hs := rk.hopefuls()
		sortFewestFirst(hs, votes, A)
		return hs
	}
	// sureLosers finds the largest set of lowest candidates who could not
	// overtake the next candidate even with all the surplus, never splitting
	// candidates the surplus leaves tied and leaving enough to fill the seats.
	sureLosers := func() []int {
		return lowestBatch(A, hopefulByVote(), votes, surplus, rk.continuing-(p.seats-rk.nElected))
	}

	exclude := func(c int) {
		rk.exclude(c)
		kf[c] = zero
		votes[c] = zero
	}
	// tally records the votes as they stood when the round's decision was made,
	// and (as Transfers) how each candidate's votes and the residual changed since
	// the last round: Meek recounts every paper, so nothing else "moves".
	var prevVotes []V
	prevResidual := zero
	tally := func() {
		rk.round.Tally = map[string]string{}
		for i := range n {
			if st[i] == hopeful || st[i] == elected {
				rk.round.Tally[p.names[i]] = A.format(votes[i], ar.Display)
			}
		}
		rk.round.Loss = A.format(residual, ar.Display)
		if prevVotes != nil {
			rk.round.Transfers = map[string]string{}
			for i := range n {
				if d := A.sub(votes[i], prevVotes[i]); !A.isZero(d) && st[i] != withdrawn {
					rk.round.Transfers[p.names[i]] = A.format(d, ar.Display)
				}
			}
			if d := A.sub(residual, prevResidual); !A.isZero(d) {
				rk.round.Transfers["residual"] = A.format(d, ar.Display)
			}
		}
		prevVotes = append(prevVotes[:0:0], votes...)
		prevResidual = residual
	}
	complete := func() bool {
		left := p.seats - rk.nElected
		return rk.continuing <= left || left <= 0
	}

	rk.newRound("first preferences")
	tally()
	const maxIterations = 100000
	// Exact keep factors can double in size each iteration; Droop's references
	// stay far below this bound.
	const maxBits = 1 << 14
	for !complete() {
		rk.newRound("")
		// iterate
		last := A.of(valid)
		var batch []int
		why := ""
		for it := 0; ; it++ {
			if it == maxIterations {
				return nil, fmt.Errorf("stv: Meek iteration did not settle in %d steps", maxIterations)
			}
			distribute()
			total := zero
			for i := range n {
				if st[i] == hopeful || st[i] == elected {
					total = A.add(total, votes[i])
				}
			}
			quota = calcQuota(total)
			for i := range n {
				if st[i] == hopeful && A.cmp(votes[i], quota) >= reach {
					rk.elect(i)
					why = "elected"
				}
			}
			surplus = zero
			for i := range n {
				if st[i] == elected {
					surplus = A.add(surplus, A.sub(votes[i], quota))
				}
			}
			if prf && A.cmp(surplus, zero) < 0 {
				surplus = zero
			}
			if why != "" {
				break
			}
			if A.cmp(surplus, omega) < reach {
				why = "omega"
				break
			}
			if A.cmp(surplus, last) >= 0 {
				why = "stable"
				break
			}
			if batch = sureLosers(); !prf && len(batch) > 0 {
				why = "batch"
				break
			}
			last = surplus
			for i := range n {
				if st[i] == elected {
					kf[i] = A.divUp(A.mulUp(kf[i], quota), votes[i])
					if A.bits(kf[i]) > maxBits {
						return nil, fmt.Errorf("stv: exact Meek keep factors outgrew %d-bit numbers (round %d, iteration %d); count in guarded arithmetic", maxBits, rk.round.Number, it)
					}
				}
			}
		}
		switch why {
		case "elected":
			rk.round.Action = "iteration elects"
			tally()
			continue
		case "batch":
			rk.round.Action = "exclusion of sure losers"
			tally()
			for _, c := range batch {
				exclude(c)
			}
		default:
			hs := hopefulByVote()
			low := votes[hs[0]]
			var tied []int
			for i := range n {
				if st[i] == hopeful && A.cmp(A.add(low, surplus), votes[i]) >= 0 {
					tied = append(tied, i)
				}
			}
			c := tb.pick(tied, nil, false, false, rk.round.Number, "eliminate")
			rk.round.Action = "exclusion of " + p.names[c] + " (surplus " + A.format(surplus, ar.Display) + ", " + why + ")"
			tally()
			exclude(c)
		}
		distribute()
	}
	for i := range n {
		if st[i] == hopeful {
			if rk.nElected < p.seats {
				rk.elect(i)
			} else {
				exclude(i)
			}
		}
	}
	res.Quota = A.format(quota, ar.Display)
	res.QuotaName = "Droop quota, recalculated as votes exhaust (final value)"
	res.TieBreaks = tb.records
	res.Notes = append(res.Notes, fmt.Sprintf("valid papers %d; %s; omega 10^-%d; final quota %s", valid, ar, omega10, res.Quota))
	return res, nil
}

func pow10(k int) int64 {
	v := int64(1)
	for range k {
		v *= 10
	}
	return v
}
