package college

import (
	"math/big"
	"slices"

	"github.com/rulebook/rulebook/count"
)

// Margins measures each decisive round of a college count in weighted terms, and
// turns each into the fewest extra papers in one section that could have changed
// it. The rule: extra papers in a section S of weight w, with V valid papers, all
// cast for one candidate, change every share in S (the denominator becomes V+N)
// and no other section's. For an exclusion of L against U, the lowest candidate
// kept, the weighted difference becomes
//
//	c + w·(a+N)/(V+N),  a = L's votes − U's in S, c = the difference elsewhere,
//
// and the round could change once it is ≥ 0 (a tie goes to earlier rounds or to
// lot): N ≥ (−c·V − w·a)/(w + c), possible only if c + w > 0. For an election of
// W with more than half of the weight contributed (T), papers for others in S
// shrink W's part to w·v/(V+N), v W's votes there; the majority is lost once W's
// total ≤ T/2, from N ≥ w·v/k − V with k = T/2 − (W's total − w·v/V), possible
// only if k > 0. A section with no valid vote contributes nothing; one paper there
// brings its whole weight. Needed is the least over the sections, at least 1, as
// in count.Margins.
func Margins(res *Result) []count.Margin {
	weights := map[string]*big.Rat{}
	for _, s := range res.Sections {
		if w, ok := new(big.Rat).SetString(s.Weight); ok {
			weights[s.ID] = w
		}
	}
	var out []count.Margin
	for _, rd := range res.Rounds {
		tot := map[string]*big.Rat{}
		in := new(big.Rat)
		for c, v := range rd.TotalExact {
			if r, ok := new(big.Rat).SetString(v); ok {
				tot[c] = r
				in.Add(in, r)
			}
		}
		for _, l := range rd.Eliminated {
			out = append(out, exclusion(rd, l, tot, weights))
		}
		for _, w := range rd.Elected {
			out = append(out, election(rd, w, tot, in, weights))
		}
	}
	return out
}

func votes(sr SectionRound, c string) (*big.Rat, *big.Rat) {
	v, ok := new(big.Rat).SetString(sr.Votes[c])
	if !ok {
		v = new(big.Rat)
	}
	valid, ok := new(big.Rat).SetString(sr.Valid)
	if !ok {
		valid = new(big.Rat)
	}
	return v, valid
}

func exclusion(rd Round, l string, tot map[string]*big.Rat, weights map[string]*big.Rat) count.Margin {
	m := count.Margin{Round: rd.Number, Decision: "exclusion", Candidate: l,
		Rule: "weighted: the excluded candidate against the lowest kept; papers for the excluded one in a section change every share there"}
	tl := tot[l]
	var u string
	for _, c := range sortedNames(tot) {
		if c == l || tl == nil || tot[c].Cmp(tl) < 0 {
			continue
		}
		if u == "" || tot[c].Cmp(tot[u]) < 0 {
			u = c
		}
	}
	if u == "" {
		return m
	}
	d0 := new(big.Rat).Sub(tl, tot[u])
	m.Against, m.Gap, m.Assessed = u, percent(new(big.Rat).Neg(d0)), true
	for _, sr := range rd.Sections {
		w := weights[sr.Section]
		if w == nil {
			continue
		}
		vl, valid := votes(sr, l)
		vu, _ := votes(sr, u)
		n := int64(0)
		if valid.Sign() == 0 {
			if new(big.Rat).Add(d0, w).Sign() >= 0 {
				n = 1
			}
		} else {
			a := new(big.Rat).Sub(vl, vu)
			c := new(big.Rat).Sub(d0, new(big.Rat).Quo(new(big.Rat).Mul(w, a), valid))
			den := new(big.Rat).Add(w, c)
			if den.Sign() > 0 {
				num := new(big.Rat).Neg(new(big.Rat).Add(new(big.Rat).Mul(c, valid), new(big.Rat).Mul(w, a)))
				n = count.CeilAtLeast1(num.Quo(num, den))
			}
		}
		m.Sections = append(m.Sections, count.SectionNeed{Section: sr.Section, Needed: n})
	}
	m.Needed = least(m.Sections)
	return m
}

func election(rd Round, win string, tot map[string]*big.Rat, in *big.Rat, weights map[string]*big.Rat) count.Margin {
	m := count.Margin{Round: rd.Number, Decision: "election", Candidate: win,
		Rule: "weighted: the winner's majority of the weight contributed; papers for others in a section shrink the winner's share there"}
	tw := tot[win]
	if tw == nil || len(tot) < 2 {
		m.Rule = "the only candidate left: no round to lose"
		return m
	}
	half := new(big.Rat).Quo(in, big.NewRat(2, 1))
	m.Gap, m.Assessed = percent(new(big.Rat).Sub(new(big.Rat).Mul(tw, big.NewRat(2, 1)), in)), true
	for _, sr := range rd.Sections {
		w := weights[sr.Section]
		if w == nil {
			continue
		}
		vw, valid := votes(sr, win)
		n := int64(0)
		switch {
		case valid.Sign() == 0:
			if tw.Cmp(new(big.Rat).Quo(new(big.Rat).Add(in, w), big.NewRat(2, 1))) <= 0 {
				n = 1
			}
		case vw.Sign() > 0:
			part := new(big.Rat).Quo(new(big.Rat).Mul(w, vw), valid)
			k := new(big.Rat).Sub(half, new(big.Rat).Sub(tw, part))
			if k.Sign() > 0 {
				x := new(big.Rat).Quo(new(big.Rat).Mul(w, vw), k)
				n = count.CeilAtLeast1(x.Sub(x, valid))
			}
		}
		m.Sections = append(m.Sections, count.SectionNeed{Section: sr.Section, Needed: n})
	}
	m.Needed = least(m.Sections)
	return m
}

func least(ns []count.SectionNeed) int64 {
	var n int64
	for _, s := range ns {
		if s.Needed > 0 && (n == 0 || s.Needed < n) {
			n = s.Needed
		}
	}
	return n
}

func sortedNames(m map[string]*big.Rat) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// percent writes a fraction of the college as percentage points.
func percent(r *big.Rat) string {
	return count.RatDecimal(new(big.Rat).Mul(r, big.NewRat(100, 1))) + "%"
}
