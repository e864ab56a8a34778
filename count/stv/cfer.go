package stv

import "github.com/rulebook/rulebook/count"

// CfER counts by the Californians for Electoral Reform's model "choice voting"
// statute (draft Elections Code §10059), as Droop's "cfer" rule reads it: five
// decimal places, truncated; threshold valid papers ÷ (seats+1), truncated, plus
// 0.00001. Each round elects everyone at or over the threshold, then transfers
// every surplus at once (each paper at value × surplus ÷ votes) or, with none,
// defeats the lowest candidate (ties by lot, or tie order when given). With batch
// set, a round first defeats the largest "defeat set" §10059(k) allows.
func CfER(e *count.Election, o count.Options, c Config, batch bool) (*count.Result, error) {
	return cfer(e, o, c, newGuarded(5, 0), batch)
}

func cfer[V any](e *count.Election, o count.Options, cfg Config, A arith[V], batch bool) (*count.Result, error) {
	const places = 5
	p, tb, err := prepareCount(e, o, cfg)
	if err != nil {
		return nil, err
	}
	n := len(p.names)
	method := "stv-cfer"
	if batch {
		method = "stv-cfer-batch"
	}
	res := newResult(method, e, p)
	quota := A.add(A.div(A.of(p.valid), A.of(int64(p.seats+1))), A.unit())
	res.Quota = A.format(quota, places)

	st := append([]state(nil), p.state...)
	zero, one := A.of(0), A.of(1)
	votes := make([]V, n)
	for i := range votes {
		votes[i] = zero
	}
	parcels := make([][]wpaper[V], n)
	for bi := range p.weight {
		pr := p.pref(bi)
		c := pr[0]
		parcels[c] = append(parcels[c], wpaper[V]{ballot: int32(bi), weight: one})
		votes[c] = A.add(votes[c], A.of(p.weight[bi]))
	}
	nt := zero
	pendingSet := make([]bool, n)
	nElected, continuing := 0, 0
	for i := range n {
		if st[i] == hopeful {
			continuing++
		}
	}
	var round *count.Round
	newRound := func(action string) {
		res.Rounds = append(res.Rounds, count.Round{Number: len(res.Rounds) + 1, Action: action})
		round = &res.Rounds[len(res.Rounds)-1]
	}
	elect := func(c int) {
		st[c] = elected
		nElected++
		continuing--
		res.Elected = append(res.Elected, p.names[c])
		round.Elected = append(round.Elected, p.names[c])
	}
	tr := make([]V, n)
	ntGain := zero
	moved := false
	endRound := func() {
		round.Tally = map[string]string{}
		total := nt
		for i := range n {
			if st[i] == hopeful || st[i] == elected {
				round.Tally[p.names[i]] = A.format(votes[i], places)
				total = A.add(total, votes[i])
			}
		}
		if moved {
			round.Transfers = map[string]string{}
			for i, v := range tr {
				if !A.isZero(v) {
					round.Transfers[p.names[i]] = A.format(v, places)
				}
			}
			if !A.isZero(ntGain) {
				round.Transfers["exhausted"] = A.format(ntGain, places)
			}
		}
		round.Exhausted = A.format(nt, places)
		round.Loss = A.format(A.sub(A.of(p.valid), total), places)
		for i := range tr {
			tr[i] = zero
		}
		ntGain, moved = zero, false
	}
	move := func(from int, newWeight func(V) V) {
		moved = true
		for _, pp := range parcels[from] {
			w := newWeight(pp.weight)
			pr := p.pref(int(pp.ballot))
			k := int(pp.pos) + 1
			for k < len(pr) && st[pr[k]] != hopeful {
				k++
			}
			amount := A.mulInt(w, p.weight[pp.ballot])
			if k == len(pr) {
				ntGain = A.add(ntGain, amount)
				nt = A.add(nt, amount)
				continue
			}
			to := pr[k]
			parcels[to] = append(parcels[to], wpaper[V]{ballot: pp.ballot, pos: int32(k), weight: w})
			tr[to] = A.add(tr[to], amount)
			votes[to] = A.add(votes[to], amount)
		}
		parcels[from] = nil
	}
	hopefuls := func() []int {
		var hs []int
		for i := range n {
			if st[i] == hopeful {
				hs = append(hs, i)
			}
		}
		return hs
	}
	// defeatSet is the largest set of lowest candidates §10059(k) lets a round defeat.
	defeatSet := func() []int {
		surplus := zero
		for i := range n {
			if pendingSet[i] {
				surplus = A.add(surplus, A.sub(votes[i], quota))
			}
		}
		cands := hopefuls()
		sortDesc(cands, votes, A)
		for i, j := 0, len(cands)-1; i < j; i, j = i+1, j-1 { // ascending
			cands[i], cands[j] = cands[j], cands[i]
		}
		var set []int
		for t := 0; t < len(cands)-1; t++ {
			if len(cands)-(t+1)+nElected < p.seats {
				break
			}
			sum := zero
			for _, c := range cands[:t+1] {
				sum = A.add(sum, votes[c])
			}
			if A.cmp(A.add(sum, surplus), votes[cands[t+1]]) >= 0 {
				continue
			}
			gap := A.sub(quota, votes[cands[len(cands)-1]])
			if nElected+1 == p.seats ||
				len(cands)-(t+1)+nElected == p.seats ||
				A.cmp(A.add(sum, surplus), gap) < 0 ||
				(A.isZero(surplus) && A.cmp(A.sub(sum, votes[cands[t]]), gap) < 0) {
				set = append(set[:0], cands[:t+1]...)
			}
		}
		sortAsc(set)
		return set
	}

	newRound("first preferences")
	endRound()
	for first := true; ; first = false {
		newRound("")
		if first && continuing <= p.seats {
			for _, c := range hopefuls() {
				elect(c)
			}
			break
		}
		// (d) elect everyone at the threshold; those over it have a surplus pending.
		over := []int{}
		for _, c := range hopefuls() {
			if A.cmp(votes[c], quota) >= 0 {
				over = append(over, c)
			}
		}
		sortDesc(over, votes, A)
		for _, c := range over {
			elect(c)
			pendingSet[c] = A.cmp(votes[c], quota) > 0
		}
		// (e) seats filled: done.
		if nElected >= p.seats {
			break
		}
		var defeats []int
		if batch {
			defeats = defeatSet()
		}
		switch {
		case len(defeats) > 0:
			round.Action = "defeat of a batch"
		case anyTrue(pendingSet):
			// (g) transfer every surplus.
			round.Action = "surpluses"
			for c := range n {
				if !pendingSet[c] {
					continue
				}
				pendingSet[c] = false
				total := votes[c]
				s := A.sub(total, quota)
				move(c, func(w V) V { return A.div(A.mul(w, s), total) })
				votes[c] = quota
				tr[c] = A.sub(tr[c], s)
			}
		default:
			// (h) defeat the lowest.
			hs := hopefuls()
			low := votes[hs[0]]
			for _, c := range hs[1:] {
				if A.cmp(votes[c], low) < 0 {
					low = votes[c]
				}
			}
			var tied []int
			for _, c := range hs {
				if A.cmp(votes[c], low) == 0 {
					tied = append(tied, c)
				}
			}
			c := tb.pick(tied, nil, false, false, round.Number, "eliminate")
			round.Action = "defeat of " + p.names[c]
			defeats = []int{c}
		}
		if len(defeats) > 0 {
			for _, c := range defeats {
				st[c] = excluded
				continuing--
				round.Eliminated = append(round.Eliminated, p.names[c])
			}
			// (i)(1) the rest fill the seats: elect them, done.
			if continuing+nElected <= p.seats {
				for _, c := range hopefuls() {
					elect(c)
				}
				break
			}
			// (i)(2) transfer the defeated candidates' papers together.
			for _, c := range defeats {
				tr[c] = A.sub(tr[c], votes[c])
				move(c, func(w V) V { return w })
				votes[c] = zero
			}
		}
		endRound()
	}
	endRound()
	return finish(res, tb, p.valid, places), nil
}

func anyTrue(xs []bool) bool {
	for _, x := range xs {
		if x {
			return true
		}
	}
	return false
}
