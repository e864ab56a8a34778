package fptp

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/count"
	"pgregory.net/rapid"
)

func TestSingleSeat(t *testing.T) {
	c, err := ParseCSV(strings.NewReader("candidate,party,votes\nAnn,Red,1200\nBob,Blue,900\nCy,,400\n"), "w.csv")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Count(c, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 1200 of 2500 = 48.00%; majority 1200 - 900 = 300.
	if r.Method != "fptp" || !slices.Equal(r.Elected, []string{"Ann"}) || r.Majority != "300" || r.Shares["Ann"] != "48.00" || r.Shares["Cy"] != "16.00" || r.Parties["Bob"] != "Blue" || len(r.TieBreaks) != 0 {
		t.Fatalf("%+v", r)
	}
}

// An English ward electing three: 1000, 950, 700, 700, 500. The two on 700 tie for the
// third seat, so lot decides between exactly them.
func TestBlockVoteTieForLastSeat(t *testing.T) {
	c := &Contest{Candidates: []Candidate{{"A", "", 1000}, {"B", "", 950}, {"C", "", 700}, {"D", "", 700}, {"E", "", 500}}}
	winners := map[string]bool{}
	for seed := int64(0); seed < 16; seed++ {
		r, err := Count(c, 3, seed)
		if err != nil {
			t.Fatal(err)
		}
		if r.Method != "block-vote" || len(r.Elected) != 3 || r.Elected[0] != "A" || r.Elected[1] != "B" {
			t.Fatalf("%+v", r)
		}
		if len(r.TieBreaks) != 1 || !slices.Equal(r.TieBreaks[0].Tied, []string{"C", "D"}) || r.TieBreaks[0].Chosen != r.Elected[2] || r.TieBreaks[0].How != "lot (seed "+count.Itoa(seed)+")" {
			t.Fatalf("tie break %+v", r.TieBreaks)
		}
		if r.Majority != "0" {
			t.Fatalf("majority %s", r.Majority)
		}
		again, _ := Count(c, 3, seed)
		if again.Elected[2] != r.Elected[2] {
			t.Fatal("same seed drew differently")
		}
		winners[r.Elected[2]] = true
	}
	if len(winners) != 2 {
		t.Fatalf("16 seeds all drew %v", winners)
	}
}

// Equal votes inside the elected group (or wholly outside it) need no lot.
func TestBlockVoteTieNotAtBoundary(t *testing.T) {
	c := &Contest{Candidates: []Candidate{{"A", "", 800}, {"B", "", 800}, {"C", "", 600}, {"D", "", 300}, {"E", "", 300}}}
	r, err := Count(c, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Elected, []string{"A", "B", "C"}) || len(r.TieBreaks) != 0 || r.Majority != "300" {
		t.Fatalf("%+v", r)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "w.csv:1: empty file"},
		{"name,party,votes\n", "w.csv:1: field 1: header column 1"},
		{"candidate,party,votes\nA,,12\nA,,3\n", `w.csv:3: field candidate: "A" already given on line 2`},
		{"candidate,party,votes\nA,,12x\n", `w.csv:2: field votes: "12x" is not a whole number`},
		{"candidate,party,votes\nA,,-1\n", `w.csv:2: field votes`},
		{"candidate,party,votes\n,,1\n", `w.csv:2: field candidate: empty`},
		{"candidate,party,votes\nA,,1,extra\n", `w.csv:2: 4 fields`},
		{"candidate,party,votes\n\"A,,1\n", `w.csv:`},
	} {
		_, err := ParseCSV(strings.NewReader(tc.in), "w.csv")
		var ie *count.InputError
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.in, err, tc.want)
		} else if !errors.As(err, &ie) {
			t.Errorf("%q: not an InputError", tc.in)
		}
	}
}

// The elected set does not depend on the order the candidates are listed in, even
// when lots are drawn (the draw is over the sorted names).
func TestOrderIndependent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 8).Draw(t, "n")
		var c Contest
		for i := range n {
			c.Candidates = append(c.Candidates, Candidate{Name: string(rune('A' + i)), Votes: rapid.Int64Range(0, 5).Draw(t, "v")})
		}
		seats := rapid.IntRange(1, n).Draw(t, "seats")
		seed := rapid.Int64().Draw(t, "seed")
		a, err := Count(&c, seats, seed)
		if err != nil {
			t.Fatal(err)
		}
		c2 := Contest{Candidates: rapid.Permutation(c.Candidates).Draw(t, "perm")}
		b, err := Count(&c2, seats, seed)
		if err != nil {
			t.Fatal(err)
		}
		x, y := slices.Sorted(slices.Values(a.Elected)), slices.Sorted(slices.Values(b.Elected))
		if !slices.Equal(x, y) {
			t.Fatalf("%v vs %v", x, y)
		}
		// Nobody elected has fewer votes than anybody not elected.
		votes := map[string]int64{}
		for _, k := range c.Candidates {
			votes[k.Name] = k.Votes
		}
		for _, e := range a.Elected {
			for _, k := range c.Candidates {
				if !slices.Contains(a.Elected, k.Name) && k.Votes > votes[e] {
					t.Fatalf("%s elected over %s", e, k.Name)
				}
			}
		}
	})
}

func FuzzParseCSV(f *testing.F) {
	f.Add("candidate,party,votes\nAnn,Red,1200\nBob,Blue,900\n")
	f.Add("candidate,party,votes\n\"A, B\",\"x\"\"y\",0\n")
	f.Add("\ufeffCandidate, Party ,Votes\r\nA,,1\r\n")
	f.Add("\ufeff\"candidate\",\"party\",\"votes\"\n\"A\nB\",\"Red,\nParty\",\"7\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseCSV(strings.NewReader(in), "f.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		r, err := Count(c, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Elected) != 1 {
			t.Fatal("no winner")
		}
	})
}
