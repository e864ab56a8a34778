package rctab

import (
	"testing"

	"github.com/rulebook/rulebook/count"
)

func TestRankedMethod(t *testing.T) {
	m, ok := count.LookupRanked("rctab")
	if !ok {
		t.Fatal("rctab method not registered")
	}
	// A 8, B 7, C 4; C's voters prefer B: B wins in round 2.
	e := &count.Election{Title: "t", Candidates: []string{"A", "B", "C"}, Seats: 1, Ballots: []count.Ballot{
		{Weight: 8, Ranks: [][]int{{0}}},
		{Weight: 7, Ranks: [][]int{{1}, {0}}},
		{Weight: 4, Ranks: [][]int{{2}, {1}}},
	}}
	res, err := m(e, count.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Elected) != 1 || res.Elected[0] != "B" {
		t.Fatalf("elected %v, want [B]", res.Elected)
	}
	if len(res.Rounds) != 2 || res.Rounds[0].Eliminated[0] != "C" || res.Rounds[1].Tally["B"] != "11" {
		t.Fatalf("rounds %+v", res.Rounds)
	}
	if res.Quota != "10" {
		t.Errorf("quota %s, want 10", res.Quota)
	}
	// Two seats from the same ballots: A and B are both over the quota of 7.
	res, err = m(e, count.Options{Seats: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Elected) != 2 || res.Method != "rctab-stv" {
		t.Fatalf("two seats: %+v", res)
	}
	if _, err := m(&count.Election{Candidates: []string{"A", "A"}}, count.Options{}); err == nil {
		t.Error("duplicate names should be rejected")
	}
}
