package count

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Margin is what decided one round of a count, and the fewest extra ballot papers
// that could have decided it otherwise: the question asked of a close contest
// whose voters were wrongly turned away.
//
// The rule, for every method: an extra paper adds at most one vote to one
// candidate's tally in any round (a paper ranking that candidate first), and takes
// none from anyone. So N extra papers can close a gap of G votes between two
// candidates only if N ≥ G; at N = G the two are level, and a tie is settled by
// a rule (lot, earlier rounds) that could go either way, so that round could have
// changed. Needed is therefore the gap rounded up (at least 1: a round settled by a
// tie is changed by one paper). Fewer papers could not have changed the round; as
// many or more could have — not that they would have: it says how close it was.
type Margin struct {
	Round int `json:"round"`
	// Decision is "exclusion" or "election"; Candidate is who was excluded or
	// elected, and Against who they were measured against ("" for a majority).
	Decision  string `json:"decision"`
	Candidate string `json:"candidate"`
	Against   string `json:"against,omitempty"`
	// Gap is the votes between them (a decimal, as the tallies are).
	Gap string `json:"gap"`
	// Needed is the fewest extra papers that could have changed the round; 0 when
	// no number could (Assessed false says the rule cannot measure this round).
	Needed   int64  `json:"needed"`
	Assessed bool   `json:"assessed"`
	Rule     string `json:"rule"`
	// Sections, for an electoral college, is the fewest papers in each section
	// that could have changed the round (0: none in that section could); Needed
	// is then the least of them.
	Sections []SectionNeed `json:"sections,omitempty"`
}

// SectionNeed is the papers one section of a college needs to change a round.
type SectionNeed struct {
	Section string `json:"section"`
	Needed  int64  `json:"needed"`
}

// Could reports whether n extra papers could have changed the round.
func (m Margin) Could(n int64) bool { return m.Assessed && m.Needed > 0 && n >= m.Needed }

func rat(s string) (*big.Rat, bool) {
	if s == "" {
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

// ceilAtLeast1 is the fewest whole papers that reach r (a tie counts), at least 1.
func CeilAtLeast1(r *big.Rat) int64 {
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if new(big.Rat).SetInt(q).Cmp(r) < 0 {
		q.Add(q, big.NewInt(1))
	}
	if q.Sign() <= 0 || !q.IsInt64() {
		if q.Sign() <= 0 {
			return 1
		}
		return 0
	}
	return q.Int64()
}

// Margins measures each decisive round of a count: every exclusion (the excluded
// candidate against the lowest of those kept), and every election. For plurality
// (fptp, block) the last elected is measured against the first not elected; for
// a majority (irv) the winner's lead over all the others together (with two left,
// the runner-up); for the last seat of an STV count, filled without a quota, the
// last elected against the runner-up; for an STV election by a Droop quota, the
// papers that, cast for others, would raise the quota above the winner's tally.
func Margins(res *Result) []Margin {
	var out []Margin
	if len(res.Rounds) == 0 {
		return out
	}
	plurality := res.Method == "fptp" || res.Method == "block-vote"
	for i, rd := range res.Rounds {
		for _, x := range rd.Eliminated {
			// The decision excluding x was made on the tally that still holds x:
			// this round's (a method recording it so) or the one before.
			tally := rd.Tally
			if _, ok := tally[x]; !ok && i > 0 {
				tally = res.Rounds[i-1].Tally
			}
			out = append(out, exclusionMargin(rd.Number, x, tally, rd.Eliminated))
		}
		if plurality {
			// One round; the last elected decides it.
			if len(rd.Elected) > 0 {
				out = append(out, pluralityMargin(rd.Number, res, rd.Tally))
			}
			break
		}
		for _, w := range rd.Elected {
			switch {
			case res.Method == "irv" || res.Method == "sv":
				out = append(out, majorityMargin(rd.Number, w, rd.Tally))
			default:
				out = append(out, quotaMargin(rd.Number, w, res, rd))
			}
		}
	}
	return out
}

func exclusionMargin(round int, x string, tally map[string]string, excluded []string) Margin {
	m := Margin{Round: round, Decision: "exclusion", Candidate: x,
		Rule: "the excluded candidate against the lowest candidate kept: papers for the excluded one could lift them level"}
	lx, ok := rat(tally[x])
	if !ok {
		m.Rule = "the tally of the excluded candidate is not in the record"
		return m
	}
	var next string
	var nv *big.Rat
	names := sortedKeys(tally)
	for _, c := range names {
		if slices.Contains(excluded, c) {
			continue
		}
		v, ok := rat(tally[c])
		if !ok || v.Cmp(lx) < 0 {
			continue
		}
		if nv == nil || v.Cmp(nv) < 0 {
			next, nv = c, v
		}
	}
	if nv == nil {
		m.Rule = "no candidate was kept above the excluded one"
		return m
	}
	gap := new(big.Rat).Sub(nv, lx)
	m.Against, m.Gap, m.Needed, m.Assessed = next, RatDecimal(gap), CeilAtLeast1(gap), true
	return m
}

func pluralityMargin(round int, res *Result, tally map[string]string) Margin {
	m := Margin{Round: round, Decision: "election",
		Rule: "the last elected against the first not elected: papers for the latter could lift them level"}
	type ct struct {
		c string
		v *big.Rat
	}
	var all []ct
	for _, c := range sortedKeys(tally) {
		if v, ok := rat(tally[c]); ok {
			all = append(all, ct{c, v})
		}
	}
	n := len(res.Elected)
	if n == 0 || n >= len(all) {
		m.Rule = "every candidate was elected: no round to lose"
		return m
	}
	last := res.Elected[n-1]
	lv, _ := rat(tally[last])
	var best *ct
	for i := range all {
		if slices.Contains(res.Elected, all[i].c) {
			continue
		}
		if best == nil || all[i].v.Cmp(best.v) > 0 {
			best = &all[i]
		}
	}
	if lv == nil || best == nil {
		return m
	}
	gap := new(big.Rat).Sub(lv, best.v)
	m.Candidate, m.Against, m.Gap, m.Needed, m.Assessed = last, best.c, RatDecimal(gap), CeilAtLeast1(gap), true
	return m
}

// majorityMargin: the winner W had more than half of the T votes for continuing
// candidates. N papers for others keep W's majority only while W > (T+N)/2, so
// the majority is lost from N = 2W − T (with two candidates, W minus the
// runner-up).
func majorityMargin(round int, w string, tally map[string]string) Margin {
	m := Margin{Round: round, Decision: "election", Candidate: w,
		Rule: "the winner's majority: 2 × the winner's votes − all votes for continuing candidates; papers for others could take the majority away"}
	wv, ok := rat(tally[w])
	if !ok {
		return m
	}
	total := new(big.Rat)
	var runner string
	var rv *big.Rat
	for _, c := range sortedKeys(tally) {
		v, ok := rat(tally[c])
		if !ok {
			continue
		}
		total.Add(total, v)
		if c != w && (rv == nil || v.Cmp(rv) > 0) {
			runner, rv = c, v
		}
	}
	gap := new(big.Rat).Sub(new(big.Rat).Mul(wv, big.NewRat(2, 1)), total)
	if len(tally) == 2 {
		m.Against = runner
		m.Rule = "the winner against the runner-up: papers for the runner-up could lift them level"
	}
	m.Gap, m.Needed, m.Assessed = RatDecimal(gap), CeilAtLeast1(gap), true
	return m
}

// quotaMargin measures an STV election. A candidate elected with the quota: when
// the quota is the Droop quota floor(V/(S+1))+1 of V valid papers, N papers for
// others make it floor((V+N)/(S+1))+1, above the winner's tally E from
// N = E×(S+1) − V. A seat filled without the quota (the last continuing
// candidates filling the seats left): the last elected against the highest not
// elected, as for plurality.
func quotaMargin(round int, w string, res *Result, rd Round) Margin {
	m := Margin{Round: round, Decision: "election", Candidate: w}
	ev, ok := rat(rd.Tally[w])
	q, qok := rat(res.Quota)
	if !ok {
		m.Rule = "the winner's tally is not in the record"
		return m
	}
	if qok && ev.Cmp(q) >= 0 {
		valid, vok := rat(res.Valid)
		seats := big.NewRat(int64(res.Seats)+1, 1)
		droop := new(big.Rat)
		if vok {
			fl := new(big.Int).Quo(new(big.Rat).Quo(valid, seats).Num(), new(big.Rat).Quo(valid, seats).Denom())
			droop.SetInt(fl.Add(fl, big.NewInt(1)))
		}
		if !vok || droop.Cmp(q) != 0 || !strings.Contains(strings.ToLower(res.QuotaName), "droop") {
			m.Rule = fmt.Sprintf("elected with the quota (%s): this rule's quota is not the whole-vote Droop quota, so extra papers are not measured here", res.QuotaName)
			return m
		}
		// floor(x) ≥ E exactly when x ≥ ⌈E⌉.
		e := new(big.Rat).SetInt64(CeilAtLeast1(ev))
		gap := new(big.Rat).Sub(new(big.Rat).Mul(e, seats), valid)
		m.Gap, m.Needed, m.Assessed = RatDecimal(new(big.Rat).Sub(ev, q)), CeilAtLeast1(gap), true
		m.Rule = "elected with the Droop quota: papers for others raise the quota (by one for every seats+1 papers) until it passes the winner's tally"
		return m
	}
	// Filled without the quota: against the highest continuing not elected.
	var runner string
	var rv *big.Rat
	for _, c := range sortedKeys(rd.Tally) {
		if slices.Contains(res.Elected, c) {
			continue
		}
		v, ok := rat(rd.Tally[c])
		if ok && (rv == nil || v.Cmp(rv) > 0) {
			runner, rv = c, v
		}
	}
	if rv == nil {
		m.Rule = "the last seat was filled with no candidate left to lose it"
		return m
	}
	gap := new(big.Rat).Sub(ev, rv)
	m.Against, m.Gap, m.Needed, m.Assessed = runner, RatDecimal(gap), CeilAtLeast1(gap), true
	m.Rule = "a seat filled without the quota: the elected candidate against the highest not elected; papers for the latter could lift them level"
	return m
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ratDecimal writes r as an integer when it is one, else to 4 places.
func RatDecimal(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return RatString(r, 4)
}
