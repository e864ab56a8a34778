package stv

import (
	"reflect"
	"testing"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/blt"
)

func TestScottishTieBreaks(t *testing.T) {
	// Droop's weak-surplus test: B and C tie on surplus and are separated by
	// the first stage; E and F tie for exclusion at every stage (lot).
	e, err := blt.ParseFile("testdata/droop/blt/scotland/weak-surplus.blt")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Scottish(e, count.Options{}, Config{TieOrder: []int{0, 1, 2, 3, 4, 5}})
	if err != nil {
		t.Fatal(err)
	}
	want := []count.TieBreak{
		{Round: 3, Tied: []string{"B", "C"}, Chosen: "B", Purpose: "surplus", How: "earlier stage 1"},
		{Round: 5, Tied: []string{"E", "F"}, Chosen: "E", Purpose: "eliminate", How: "tie order"},
	}
	if !reflect.DeepEqual(r.TieBreaks, want) {
		t.Errorf("tie breaks %+v\nwant %+v", r.TieBreaks, want)
	}
	// Without a tie order the last tie is drawn by lot, reproducibly from the seed.
	a, _ := Scottish(e, count.Options{Seed: 42}, Config{})
	b, _ := Scottish(e, count.Options{Seed: 42}, Config{})
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different results")
	}
	last := a.TieBreaks[len(a.TieBreaks)-1]
	if last.How != "lot (seed 42)" || (last.Chosen != "E" && last.Chosen != "F") {
		t.Errorf("lot: %+v", last)
	}
	seen := map[string]bool{}
	for seed := range int64(40) {
		r, _ := Scottish(e, count.Options{Seed: seed}, Config{})
		seen[r.TieBreaks[len(r.TieBreaks)-1].Chosen] = true
	}
	if !seen["E"] || !seen["F"] {
		t.Errorf("lot over 40 seeds always chose %v", seen)
	}
}

func TestScottishStages(t *testing.T) {
	e := &count.Election{
		Candidates: []string{"A", "B", "C", "D"},
		Seats:      2,
		Ballots: []count.Ballot{
			{Weight: 7, Ranks: [][]int{{0}, {1}}},
			{Weight: 3, Ranks: [][]int{{0}}},
			{Weight: 2, Ranks: [][]int{{1}}},
			{Weight: 4, Ranks: [][]int{{2}}},
			{Weight: 3, Ranks: [][]int{{3}, {2}}},
		},
	}
	r, err := Scottish(e, count.Options{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	// 19 papers, 2 seats: quota 19/3 → 6 + 1 = 7. A has 10: surplus 3, each
	// paper 3/10 = 0.30000; 7 go to B (2.1), 3 exhaust (0.9).
	if r.Quota != "7.00000" {
		t.Fatalf("quota %s", r.Quota)
	}
	s2 := r.Rounds[1]
	if s2.Action != "surplus of A" || s2.Tally["B"] != "4.10000" || s2.Tally["A"] != "7.00000" ||
		s2.Transfers["exhausted"] != "0.90000" || s2.Transfers["A"] != "-3.00000" || s2.Exhausted != "0.90000" {
		t.Errorf("stage 2: %+v", s2)
	}
	// Stage 3 excludes D (3) whose papers go to C (7 ≥ quota, elected).
	s3 := r.Rounds[2]
	if s3.Action != "exclusion of D" || s3.Tally["C"] != "7.00000" || !reflect.DeepEqual(s3.Elected, []string{"C"}) {
		t.Errorf("stage 3: %+v", s3)
	}
	if !reflect.DeepEqual(r.Elected, []string{"A", "C"}) {
		t.Errorf("elected %v", r.Elected)
	}
}

func TestFixed(t *testing.T) {
	for _, c := range []struct {
		v    int64
		want string
	}{{0, "0.00000"}, {1, "0.00001"}, {123456789, "1234.56789"}, {-5, "-0.00005"}} {
		if got := fixed(c.v, 5); got != c.want {
			t.Errorf("fixed(%d) = %s, want %s", c.v, got, c.want)
		}
	}
}
