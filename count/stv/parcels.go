package stv

import "github.com/rulebook/rulebook/count"

// roundKeeper is what the round-by-round rules (all but QPQ) keep as they
// count: each candidate's state, how many are elected and still hopeful, and
// the result with the round being written.
type roundKeeper struct {
	res   *count.Result
	names []string
	st    []state

	nElected, continuing int
	round                *count.Round
}

func newRoundKeeper(p *prepared, res *count.Result) *roundKeeper {
	rk := &roundKeeper{res: res, names: p.names, st: append([]state(nil), p.state...)}
	for i := range rk.st {
		if rk.st[i] == hopeful {
			rk.continuing++
		}
	}
	return rk
}

func (rk *roundKeeper) newRound(action string) {
	rk.res.Rounds = append(rk.res.Rounds, count.Round{Number: len(rk.res.Rounds) + 1, Action: action})
	rk.round = &rk.res.Rounds[len(rk.res.Rounds)-1]
}

func (rk *roundKeeper) elect(c int) {
	rk.st[c] = elected
	rk.nElected++
	rk.continuing--
	rk.res.Elected = append(rk.res.Elected, rk.names[c])
	rk.round.Elected = append(rk.round.Elected, rk.names[c])
}

// exclude marks c excluded in this round; moving its papers is the rule's job.
func (rk *roundKeeper) exclude(c int) {
	rk.st[c] = excluded
	rk.continuing--
	rk.round.Eliminated = append(rk.round.Eliminated, rk.names[c])
}

// hopefuls lists the hopeful candidates in candidate order.
func (rk *roundKeeper) hopefuls() []int {
	var hs []int
	for i := range rk.st {
		if rk.st[i] == hopeful {
			hs = append(hs, i)
		}
	}
	return hs
}

// wpaper is a ballot's papers in a parcel: the preference they sit at and
// their value.
type wpaper[V any] struct {
	ballot int32
	pos    int32
	weight V
}

// parcelCount is the bookkeeping the Gregory-style rules (CfER, Minneapolis,
// WIGM) share: each candidate's votes and the parcels of papers behind them.
// Transfers made during a round add up in tr and ntGain until endRound reports
// them, so a round may move several parcels.
type parcelCount[V any] struct {
	*roundKeeper
	A       arith[V]
	p       *prepared
	places  int // decimals shown in the result
	votes   []V
	parcels [][]wpaper[V]
	nt      V // value exhausted so far

	tr     []V // this round's transfers, by candidate
	ntGain V   // value exhausted this round
	moved  bool
}

// newParcelCount gives every paper to its first preference at value one.
func newParcelCount[V any](A arith[V], p *prepared, res *count.Result, places int) *parcelCount[V] {
	n := len(p.names)
	zero, one := A.of(0), A.of(1)
	w := &parcelCount[V]{roundKeeper: newRoundKeeper(p, res), A: A, p: p, places: places,
		votes: make([]V, n), parcels: make([][]wpaper[V], n), nt: zero, tr: make([]V, n)}
	for i := range w.votes {
		w.votes[i] = zero
	}
	for bi := range p.weight {
		pr := p.pref(bi)
		c := pr[0]
		w.parcels[c] = append(w.parcels[c], wpaper[V]{ballot: int32(bi), weight: one})
		w.votes[c] = A.add(w.votes[c], A.of(p.weight[bi]))
	}
	w.resetTransfers()
	return w
}

func (w *parcelCount[V]) resetTransfers() {
	zero := w.A.of(0)
	for i := range w.tr {
		w.tr[i] = zero
	}
	w.ntGain, w.moved = zero, false
}

// endRound records the round's tally, its transfers (if any papers moved),
// what is exhausted and what is lost to truncation, and starts the next
// round's transfers afresh.
func (w *parcelCount[V]) endRound() {
	A, round := w.A, w.round
	round.Tally = map[string]string{}
	total := w.nt
	for i := range w.votes {
		if w.st[i] == hopeful || w.st[i] == elected {
			round.Tally[w.p.names[i]] = A.format(w.votes[i], w.places)
			total = A.add(total, w.votes[i])
		}
	}
	if w.moved {
		round.Transfers = map[string]string{}
		for i, v := range w.tr {
			if !A.isZero(v) {
				round.Transfers[w.p.names[i]] = A.format(v, w.places)
			}
		}
		if !A.isZero(w.ntGain) {
			round.Transfers["exhausted"] = A.format(w.ntGain, w.places)
		}
	}
	round.Exhausted = A.format(w.nt, w.places)
	round.Loss = A.format(A.sub(A.of(w.p.valid), total), w.places)
	w.resetTransfers()
}

// move sends candidate from's papers on to their next hopeful preference, each
// at the value newWeight gives it; papers with none left are exhausted.
func (w *parcelCount[V]) move(from int, newWeight func(V) V) {
	A, p := w.A, w.p
	w.moved = true
	for _, pp := range w.parcels[from] {
		wt := newWeight(pp.weight)
		pr := p.pref(int(pp.ballot))
		k := int(pp.pos) + 1
		for k < len(pr) && w.st[pr[k]] != hopeful {
			k++
		}
		amount := A.mulInt(wt, p.weight[pp.ballot])
		if k == len(pr) {
			w.ntGain = A.add(w.ntGain, amount)
			w.nt = A.add(w.nt, amount)
			continue
		}
		to := pr[k]
		w.parcels[to] = append(w.parcels[to], wpaper[V]{ballot: pp.ballot, pos: int32(k), weight: wt})
		w.tr[to] = A.add(w.tr[to], amount)
		w.votes[to] = A.add(w.votes[to], amount)
	}
	w.parcels[from] = nil
}

// atQuota lists, in candidate order, the hopefuls whose votes compare with the
// quota at reach or more: 0 for reaching it, 1 for exceeding it.
func (w *parcelCount[V]) atQuota(quota V, reach int) []int {
	var over []int
	for _, c := range w.hopefuls() {
		if w.A.cmp(w.votes[c], quota) >= reach {
			over = append(over, c)
		}
	}
	return over
}

// transferSurplus passes on c's votes over the quota, every paper c holds going
// on at value × surplus ÷ votes, and leaves c with the quota.
func (w *parcelCount[V]) transferSurplus(c int, quota V) {
	A := w.A
	total := w.votes[c]
	s := A.sub(total, quota)
	w.move(c, func(v V) V { return A.div(A.mul(v, s), total) })
	w.votes[c] = quota
	w.tr[c] = A.sub(w.tr[c], s)
}

// transferAll passes on every paper an excluded candidate c holds, at its value.
func (w *parcelCount[V]) transferAll(c int) {
	had := w.votes[c]
	w.move(c, func(v V) V { return v })
	w.votes[c] = w.A.of(0)
	w.tr[c] = w.A.sub(w.tr[c], had)
}
