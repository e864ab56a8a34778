package count_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/count"
	_ "github.com/rulebook/rulebook/count/irv"
	_ "github.com/rulebook/rulebook/count/rctab"
	_ "github.com/rulebook/rulebook/count/stv"
	"github.com/rulebook/rulebook/count/sv"
)

func names(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("C%d", i+1)
	}
	return s
}

// Every ranked method refuses a count beyond the limits, whatever reader made it.
func TestRankedMethodsRefuseOversizedCounts(t *testing.T) {
	tooMany := &count.Election{Candidates: names(count.MaxCandidates + 1), Seats: 1,
		Ballots: []count.Ballot{{Weight: 1, Ranks: [][]int{{0}}}}}
	// MaxWork: 1,000 candidates and 2^34/1000 + 1 preferences, the ballots sharing
	// one ranking so that the test itself stays small.
	ranks := make([][]int, count.MaxCandidates)
	for i := range ranks {
		ranks[i] = []int{i}
	}
	heavy := &count.Election{Candidates: names(count.MaxCandidates), Seats: 1,
		Ballots: make([]count.Ballot, count.MaxWork/count.MaxCandidates/count.MaxCandidates+1)}
	for i := range heavy.Ballots {
		heavy.Ballots[i] = count.Ballot{Weight: 1, Ranks: ranks}
	}
	methods := count.RankedMethods()
	if len(methods) < 5 {
		t.Fatalf("only %v registered", methods)
	}
	for _, m := range methods {
		f, _ := count.LookupRanked(m)
		if _, err := f(tooMany, count.Options{}); err == nil || !strings.Contains(err.Error(), "1001 candidates; a count takes at most 1000") {
			t.Errorf("%s, 1001 candidates: got %v", m, err)
		}
		if _, err := f(heavy, count.Options{}); err == nil || !strings.Contains(err.Error(), "beyond the limit of 17179869184 for one count") {
			t.Errorf("%s, heavy count: got %v", m, err)
		}
	}
}

// SV keeps a table of second preferences, candidates × candidates.
func TestSVRefusesTooManyCandidates(t *testing.T) {
	_, err := sv.Count(&sv.Ballots{Candidates: names(count.MaxCandidates + 1)}, 0)
	if err == nil || !strings.Contains(err.Error(), "1001 candidates; a count takes at most 1000") {
		t.Fatalf("got %v", err)
	}
}
