package irv

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/count"
	"pgregory.net/rapid"
)

func ballot(w int64, prefs ...int) count.Ballot {
	b := count.Ballot{Weight: w}
	for _, p := range prefs {
		b.Ranks = append(b.Ranks, []int{p})
	}
	return b
}

// A hand-checked count: A 40, B 35, C 25 first preferences; C's papers go 20 to B and
// 5 exhausted, so B wins 55 to 40 in round 2 (55 of 95 continuing is a majority).
func TestHandCount(t *testing.T) {
	e := &count.Election{Candidates: []string{"A", "B", "C"}, Seats: 1, Ballots: []count.Ballot{
		ballot(40, 0), ballot(35, 1, 0), ballot(20, 2, 1), ballot(5, 2),
	}}
	for name, f := range map[string]count.RankedMethod{"fast": Count, "general": CountGeneral} {
		res, err := f(e, count.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rounds) != 2 || res.Elected[0] != "B" {
			t.Fatalf("%s: %+v", name, res)
		}
		r2 := res.Rounds[1]
		if r2.Tally["B"] != "55" || r2.Tally["A"] != "40" || r2.Transfers["B"] != "20" || r2.Transfers["exhausted"] != "5" || r2.Transfers["C"] != "-25" || r2.Exhausted != "5" {
			t.Fatalf("%s: round 2 %+v", name, r2)
		}
		// C is excluded in the round whose heading names C, not in the round before.
		if len(res.Rounds[0].Eliminated) != 0 || len(r2.Eliminated) != 1 || r2.Eliminated[0] != "C" || r2.Action != "exclusion of C" {
			t.Fatalf("%s: eliminated %v then %v (%q)", name, res.Rounds[0].Eliminated, r2.Eliminated, r2.Action)
		}
		if res.Valid != "100" || res.Rejected != "0" || !strings.HasPrefix(res.QuotaName, "majority") {
			t.Fatalf("%s: valid %s rejected %s quota %q", name, res.Valid, res.Rejected, res.QuotaName)
		}
	}
}

// An equal ranking of two continuing candidates is an overvote: the paper exhausts.
func TestOvervote(t *testing.T) {
	e := &count.Election{Candidates: []string{"A", "B", "C"}, Seats: 1, Ballots: []count.Ballot{
		ballot(6, 0), ballot(4, 1), {Weight: 2, Ranks: [][]int{{2}, {0, 1}}}, {Weight: 1, Ranks: [][]int{{2}, {1, 2}}},
	}}
	res, err := Count(e, count.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// C (3) is excluded; the {A,B} papers exhaust, the {B,C} paper goes to B (C is gone).
	r2 := res.Rounds[1]
	if r2.Tally["A"] != "6" || r2.Tally["B"] != "5" || r2.Transfers["exhausted"] != "2" || res.Elected[0] != "A" {
		t.Fatalf("%+v", res)
	}
}

func TestOneCandidateAndWithdrawn(t *testing.T) {
	e := &count.Election{Candidates: []string{"A", "B"}, Seats: 1, Withdrawn: []bool{false, true},
		Ballots: []count.Ballot{ballot(3, 1), ballot(1, 0)}}
	res, err := Count(e, count.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Papers only for a withdrawn candidate are rejected, not exhausted.
	if res.Elected[0] != "A" || res.Rounds[0].Exhausted != "0" || res.Rejected != "3" || res.Valid != "1" {
		t.Fatalf("%+v", res)
	}
}

func TestTieForLastTwoIsByLot(t *testing.T) {
	e := &count.Election{Candidates: []string{"A", "B"}, Seats: 1, Ballots: []count.Ballot{ballot(3, 1), ballot(3, 0)}}
	seen := map[string]bool{}
	for seed := int64(0); seed < 20; seed++ {
		res, err := Count(e, count.Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.TieBreaks) != 1 || res.TieBreaks[0].Chosen != res.Elected[0] {
			t.Fatalf("%+v", res)
		}
		again, _ := Count(e, count.Options{Seed: seed})
		if again.Elected[0] != res.Elected[0] {
			t.Fatal("same seed, different draw")
		}
		seen[res.Elected[0]] = true
	}
	if len(seen) != 2 {
		t.Fatalf("20 seeds always drew %v", seen)
	}
}

func genElection(t *rapid.T) *count.Election {
	n := rapid.IntRange(1, 15).Draw(t, "candidates")
	e := &count.Election{Seats: 1}
	for i := range n {
		e.Candidates = append(e.Candidates, string(rune('A'+i)))
	}
	nb := rapid.IntRange(0, 40).Draw(t, "ballots")
	for range nb {
		prefs := rapid.SliceOfDistinct(rapid.IntRange(0, n-1), rapid.ID[int]).Draw(t, "prefs")
		e.Ballots = append(e.Ballots, ballot(rapid.Int64Range(0, 5).Draw(t, "w"), prefs...))
	}
	return e
}

func asJSON(t *rapid.T, r *count.Result) string {
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The fast engine (any number of workers) and the general one give identical
// results, on the papers one by one and grouped (weights above one).
func TestFastMatchesGeneral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := genElection(t)
		seed := rapid.Int64().Draw(t, "seed")
		g, err := CountGeneral(e, count.Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		p, err := count.PackElection(e)
		if err != nil {
			t.Fatal(err)
		}
		if rapid.Bool().Draw(t, "grouped") {
			p = p.Group()
		}
		for _, w := range []int{1, 2, 3} {
			eng := newPacked(p, w)
			eng.workers = nil
			n := len(p.Rankings)
			for i := range w { // force the split even for tiny inputs
				wk := &worker{keys: p.Rankings[n*i/w : n*(i+1)/w], weights: p.Weights[n*i/w : n*(i+1)/w]}
				eng.workers = append(eng.workers, wk)
			}
			f, err := drive(p.Title, p.Candidates, p.Withdrawn, eng, count.Options{Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			if asJSON(t, f) != asJSON(t, g) {
				t.Fatalf("workers %d:\nfast    %s\ngeneral %s", w, asJSON(t, f), asJSON(t, g))
			}
		}
	})
}

// The result does not depend on the order of the ballots.
func TestBallotOrderIrrelevant(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := genElection(t)
		a, err := Count(e, count.Options{Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		perm := rapid.Permutation(e.Ballots).Draw(t, "perm")
		e2 := *e
		e2.Ballots = perm
		b, err := Count(&e2, count.Options{Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if asJSON(t, a) != asJSON(t, b) {
			t.Fatalf("order changed the result")
		}
	})
}

// With one candidate, that candidate is elected in round one whatever the ballots.
func TestOneCandidate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nb := rapid.IntRange(0, 10).Draw(t, "n")
		e := &count.Election{Candidates: []string{"Solo"}, Seats: 1}
		for range nb {
			if rapid.Bool().Draw(t, "empty") {
				e.Ballots = append(e.Ballots, ballot(rapid.Int64Range(0, 9).Draw(t, "w")))
			} else {
				e.Ballots = append(e.Ballots, ballot(rapid.Int64Range(0, 9).Draw(t, "w"), 0))
			}
		}
		res, err := Count(e, count.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rounds) != 1 || res.Elected[0] != "Solo" || len(res.TieBreaks) != 0 {
			t.Fatalf("%+v", res)
		}
	})
}

// The winner holds a majority of the continuing votes in the last round, unless a lot
// settled a tie; votes are conserved in every round.
func TestMajorityAndConservation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := genElection(t)
		res, err := Count(e, count.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var papers int64
		for _, b := range e.Ballots {
			papers += b.Weight
		}
		for _, r := range res.Rounds {
			var sum int64
			for _, v := range r.Tally {
				sum += atoi(t, v)
			}
			if sum+atoi(t, r.Exhausted)+atoi(t, res.Rejected) != papers {
				t.Fatalf("round %d: %d + %s exhausted != %d papers", r.Number, sum, r.Exhausted, papers)
			}
		}
		last := res.Rounds[len(res.Rounds)-1]
		var total int64
		for _, v := range last.Tally {
			total += atoi(t, v)
		}
		w := atoi(t, last.Tally[res.Elected[0]])
		if 2*w <= total && len(last.Tally) > 1 && len(res.TieBreaks) == 0 {
			t.Fatalf("winner %s has %d of %d", res.Elected[0], w, total)
		}
	})
}

func atoi(t *rapid.T, s string) int64 {
	var n int64
	neg := false
	for i, c := range s {
		if i == 0 && c == '-' {
			neg = true
			continue
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		return -n
	}
	return n
}

// Papers laid out in order of first preference, as the CSV reader lays them out, are
// counted from the input's own runs (no first sorting pass); with candidates withdrawn
// the order no longer holds and they are sorted as usual. Either way the result is the
// general engine's, and the input is left as it was.
func TestFastInOrderMatchesGeneral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := genElection(t)
		if rapid.Bool().Draw(t, "withdraw") {
			e.Withdrawn = make([]bool, len(e.Candidates))
			for i := 1; i < len(e.Candidates); i++ {
				e.Withdrawn[i] = rapid.Bool().Draw(t, "w")
			}
		}
		seed := rapid.Int64().Draw(t, "seed")
		g, err := CountGeneral(e, count.Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		p, err := count.PackElection(e)
		if err != nil {
			t.Fatal(err)
		}
		idx := make([]int, len(p.Rankings))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return int(p.Rankings[a]&15) - int(p.Rankings[b]&15) })
		q := *p
		q.Rankings, q.Weights = make([]uint64, len(idx)), make([]uint32, len(idx))
		for i, j := range idx {
			q.Rankings[i], q.Weights[i] = p.Rankings[j], p.Weights[j]
		}
		keys, weights := slices.Clone(q.Rankings), slices.Clone(q.Weights)
		for _, w := range []int{1, 2} {
			f, err := CountPacked(&q, count.Options{Seed: seed}, w)
			if err != nil {
				t.Fatal(err)
			}
			if asJSON(t, f) != asJSON(t, g) {
				t.Fatalf("workers %d:\nfast    %s\ngeneral %s", w, asJSON(t, f), asJSON(t, g))
			}
			if !slices.Equal(keys, q.Rankings) || !slices.Equal(weights, q.Weights) {
				t.Fatal("the count changed its input")
			}
		}
	})
}
