package exhaustive

import (
	"math/big"
	"slices"
	"strings"
	"testing"
)

// A selection meeting: round 1 A 40, B 30, C 20, D 10 (100 votes, no majority; D
// leaves); round 2 A 45, B 33, C 22 (C leaves); round 3 A 48, B 52: B wins.
const threeRounds = `round,candidate,votes
1,A,40
1,B,30
1,C,20
1,D,10
2,A,45
2,B,33
2,C,22
3,B,52
3,A,48
`

func TestThreeRounds(t *testing.T) {
	b, err := ParseCSV(strings.NewReader(threeRounds), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Count(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Elected, []string{"B"}) || len(r.Rounds) != 3 || r.Rounds[0].Eliminated[0] != "D" || r.Rounds[1].Eliminated[0] != "C" || r.Quota != "51" {
		t.Fatalf("%+v", r)
	}
	if r.Rounds[2].Transfers["B"] != "19" || r.Rounds[1].Transfers["A"] != "5" {
		t.Fatalf("%+v", r.Rounds)
	}
}

func TestRuleViolations(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// C, not D, was lowest, yet D is missing and C stands again.
		{"round,candidate,votes\n1,A,40\n1,B,30\n1,C,10\n1,D,20\n2,A,45\n2,B,33\n2,C,22\n", "C should have left after round 1"},
		// No majority and no further round.
		{"round,candidate,votes\n1,A,40\n1,B,30\n1,C,30\n", "round 2 is needed"},
		// A majority in round 1, yet a round 2.
		{"round,candidate,votes\n1,A,60\n1,B,40\n2,A,60\n", "the ballot ends here"},
		// A newcomer.
		{"round,candidate,votes\n1,A,40\n1,B,30\n1,C,30\n2,A,40\n2,E,60\n", `"E" is not standing`},
		{"round,candidate,votes\n1,A,40\n3,A,40\n", "round 2 is missing"},
		{"round,candidate,votes\n0,A,40\n", "x.csv:2: field round"},
		{"round,candidate,votes\n1,A,40\n1,A,1\n", `x.csv:3: field candidate: "A" already has votes in round 1`},
	} {
		b, err := ParseCSV(strings.NewReader(tc.in), "x.csv")
		if err == nil {
			_, err = Count(b, Options{})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
}

// Equal lowest: the next round shows who left; a withdrawal is allowed and noted.
func TestTieAndWithdrawal(t *testing.T) {
	in := "round,candidate,votes\n1,A,40\n1,B,20\n1,C,20\n1,D,20\n2,A,45\n2,B,55\n"
	b, _ := ParseCSV(strings.NewReader(in), "x.csv")
	r, err := Count(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// B, C, D tie for last; the next round lacks C and D: the first of them left by the
	// tie, the other withdrew.
	if r.Elected[0] != "B" || len(r.TieBreaks) != 1 || r.TieBreaks[0].How != "as the next round's tallies show" || len(r.Notes) != 1 {
		t.Fatalf("%+v", r)
	}
}

// With a 5% threshold (the Commons rule), everyone under 5% leaves with the lowest.
func TestThreshold(t *testing.T) {
	in := "round,candidate,votes\n1,A,40\n1,B,35\n1,C,21\n1,D,3\n1,E,1\n2,A,50\n2,B,29\n2,C,21\n3,A,51\n3,B,49\n"
	b, _ := ParseCSV(strings.NewReader(in), "x.csv")
	r, err := Count(b, Options{Threshold: big.NewRat(5, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Rounds[0].Eliminated, []string{"D", "E"}) || r.Elected[0] != "A" {
		t.Fatalf("%+v", r)
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add(threeRounds)
	f.Add("round,candidate,votes\n1,A,40\n1,B,20\n1,C,20\n1,D,20\n2,A,45\n2,B,55\n")
	f.Fuzz(func(t *testing.T, in string) {
		b, err := ParseCSV(strings.NewReader(in), "f.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		r, err := Count(b, Options{Threshold: big.NewRat(5, 1)})
		if err == nil && len(r.Elected) != 1 {
			t.Fatal("a count without a winner")
		}
	})
}
