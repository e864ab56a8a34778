package rules

import (
	"slices"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// ListRepeated ranks a list by repeated counts: the first place goes to the
// winner of a count of the ballots for one seat, each later place to the winner
// of a count of the same ballots with the candidates already placed withdrawn.
// A ranked method counts each; so a member's later preferences decide the lower
// places, and the list is as long as the selection's seats (or its candidates).
const ListRepeated = "repeated"

// ListRankings lists the rules a list selection may rank its list by.
func ListRankings() []string { return []string{ListRepeated} }

// The conduct in a public election an automatic-exclusion trigger may catch.
const (
	// CatchesStanding: a member stands in a public contest against a candidate
	// who is on the trigger's list (the official candidate).
	CatchesStanding = "standing_against"
	// CatchesSupporting: a member nominates or campaigns for such a rival.
	CatchesSupporting = "supporting_rival"
)

// PublicConducts lists the values of a trigger's catches.
func PublicConducts() []string { return []string{CatchesStanding, CatchesSupporting} }

// checkListRanking checks a selection's list: a known rule, counted by a ranked
// method (each place is a count for one seat with those placed withdrawn).
func checkListRanking(c *checker, s *Selection) {
	if s.List == "" {
		return
	}
	if !slices.Contains(ListRankings(), s.List) {
		c.addf(s.path+".list", "unknown list ranking %q (known: %s)", s.List, strings.Join(ListRankings(), ", "))
		return
	}
	if _, ok := count.LookupRanked(s.Method); s.Method != "" && !ok {
		c.addf(s.path+".method", "a list ranked by %s counts each place by a ranked method, not %q (known: %s)", s.List, s.Method, strings.Join(count.RankedMethods(), ", "))
	}
}

// checkCatches checks what conduct in a public election a trigger catches: it
// needs the list of official candidates to compare the contest's candidates with.
func checkCatches(c *checker, t *Trigger) {
	if t.Catches == "" {
		return
	}
	if !slices.Contains(PublicConducts(), t.Catches) {
		c.addf(t.path+".catches", "unknown conduct %q (known: %s)", t.Catches, strings.Join(PublicConducts(), ", "))
	}
	if t.Checks == "" {
		c.addf(t.path+".catches", "a trigger catching %s checks a list of official candidates: give checks", t.Catches)
	}
}

// PublicTriggers returns the triggers of v that catch conduct in a public
// election, by the conduct they catch, in the rule book's order.
func (v *Version) PublicTriggers(conduct string) []*Trigger {
	var out []*Trigger
	for _, id := range v.TriggerOrder {
		if t := v.Triggers[id]; t != nil && t.Catches == conduct {
			out = append(out, t)
		}
	}
	return out
}
