package stv

import (
	"slices"

	"github.com/rulebook/rulebook/count"
)

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

	pc := newParcelCount(A, p, res, places)
	votes := pc.votes
	zero := A.of(0)
	pendingSet := make([]bool, n)
	// defeatSet is the largest set of lowest candidates §10059(k) lets a round defeat.
	defeatSet := func() []int {
		surplus := zero
		for i := range n {
			if pendingSet[i] {
				surplus = A.add(surplus, A.sub(votes[i], quota))
			}
		}
		cands := pc.hopefuls()
		sortDesc(cands, votes, A)
		slices.Reverse(cands) // ascending
		var set []int
		for t := 0; t < len(cands)-1; t++ {
			if len(cands)-(t+1)+pc.nElected < p.seats {
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
			if pc.nElected+1 == p.seats ||
				len(cands)-(t+1)+pc.nElected == p.seats ||
				A.cmp(A.add(sum, surplus), gap) < 0 ||
				(A.isZero(surplus) && A.cmp(A.sub(sum, votes[cands[t]]), gap) < 0) {
				set = append(set[:0], cands[:t+1]...)
			}
		}
		sortAsc(set)
		return set
	}

	pc.newRound("first preferences")
	pc.endRound()
	for first := true; ; first = false {
		pc.newRound("")
		if first && pc.continuing <= p.seats {
			for _, c := range pc.hopefuls() {
				pc.elect(c)
			}
			break
		}
		// (d) elect everyone at the threshold; those over it have a surplus pending.
		over := pc.atQuota(quota, 0)
		sortDesc(over, votes, A)
		for _, c := range over {
			pc.elect(c)
			pendingSet[c] = A.cmp(votes[c], quota) > 0
		}
		// (e) seats filled: done.
		if pc.nElected >= p.seats {
			break
		}
		var defeats []int
		if batch {
			defeats = defeatSet()
		}
		switch {
		case len(defeats) > 0:
			pc.round.Action = "defeat of a batch"
		case anyTrue(pendingSet):
			// (g) transfer every surplus.
			pc.round.Action = "surpluses"
			for c := range n {
				if !pendingSet[c] {
					continue
				}
				pendingSet[c] = false
				pc.transferSurplus(c, quota)
			}
		default:
			// (h) defeat the lowest.
			_, tied := lowest(A, pc.hopefuls(), votes)
			c := tb.pick(tied, nil, false, false, pc.round.Number, "eliminate")
			pc.round.Action = "defeat of " + p.names[c]
			defeats = []int{c}
		}
		if len(defeats) > 0 {
			for _, c := range defeats {
				pc.exclude(c)
			}
			// (i)(1) the rest fill the seats: elect them, done.
			if pc.continuing+pc.nElected <= p.seats {
				for _, c := range pc.hopefuls() {
					pc.elect(c)
				}
				break
			}
			// (i)(2) transfer the defeated candidates' papers together.
			for _, c := range defeats {
				pc.transferAll(c)
			}
		}
		pc.endRound()
	}
	pc.endRound()
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
