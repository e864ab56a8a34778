package listpr

import (
	"math/big"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/count"
	"pgregory.net/rapid"
)

func parties(vs ...any) *Contest {
	c := &Contest{}
	for i := 0; i < len(vs); i += 3 {
		c.Parties = append(c.Parties, Party{Name: vs[i].(string), Votes: int64(vs[i+1].(int)), ConstituencySeats: vs[i+2].(int)})
	}
	return c
}

func seats(r *count.Result) map[string]int { return r.PartySeats }

// D'Hondt, 8 seats; quotients A 100 50 33.3 25 20, B 80 40 26.7 20, C 30 15.
// The eight highest: 100A 80B 50A 40B 33.3A 30C 26.7B 25A → A4 B3 C1.
func TestDHondt(t *testing.T) {
	r, err := Allocate(parties("A", 100, 0, "B", 80, 0, "C", 30, 0), Options{Method: "dhondt", Seats: 8, Div: DHondt})
	if err != nil {
		t.Fatal(err)
	}
	if s := seats(r); s["A"] != 4 || s["B"] != 3 || s["C"] != 1 {
		t.Fatalf("%v", s)
	}
	want := []string{"100.000000", "80.000000", "50.000000", "40.000000", "33.333333", "30.000000", "26.666667", "25.000000"}
	for i, a := range r.Awards {
		if a.Quotient != want[i] || a.Seat != i+1 {
			t.Fatalf("award %d: %+v, want quotient %s", i+1, a, want[i])
		}
	}
}

// Sainte-Laguë, 5 seats; quotients A 100 33.3 20, B 80 26.7, C 30 10 → 100A 80B 33.3A 30C 26.7B.
func TestSainteLague(t *testing.T) {
	r, err := Allocate(parties("A", 100, 0, "B", 80, 0, "C", 30, 0), Options{Method: "sainte-lague", Seats: 5, Div: SainteLague})
	if err != nil {
		t.Fatal(err)
	}
	if s := seats(r); s["A"] != 2 || s["B"] != 2 || s["C"] != 1 {
		t.Fatalf("%v", s)
	}
}

// London-style top-up, 5 list seats. A won 8 constituencies on 40% — more than its
// share — and gets no list seat; E (4.0%) is below the 5% threshold.
// Figures: A 400/9 = 44.4, B 300/4 = 75, C 200/1 = 200, D 60/1 = 60.
// Seat 1 C (200; C → 100), seat 2 C (100; → 66.7), seat 3 B (75; B → 60),
// seat 4 C (66.7; → 50), seat 5: B and D both 60 — recalculated as though each had one
// more seat, B 300/6 = 50 beats D 60/2 = 30, so B.
func TestAMSOverhangThresholdAndTie(t *testing.T) {
	c := parties("A", 400, 8, "B", 300, 3, "C", 200, 0, "D", 60, 0, "E", 40, 0)
	r, err := Allocate(c, Options{Method: "ams", Seats: 5, Div: DHondt, CountPrior: true, Threshold: big.NewRat(5, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if s := seats(r); s["A"] != 0 || s["B"] != 2 || s["C"] != 3 || s["D"] != 0 || s["E"] != 0 {
		t.Fatalf("%v", s)
	}
	if r.TotalSeats["A"] != 8 || r.TotalSeats["B"] != 5 || r.TotalSeats["C"] != 3 {
		t.Fatalf("%v", r.TotalSeats)
	}
	order := []string{"C", "C", "B", "C", "B"}
	for i, a := range r.Awards {
		if a.Party != order[i] {
			t.Fatalf("award %d to %s, want %s", i+1, a.Party, order[i])
		}
	}
	if len(r.TieBreaks) != 0 || r.Awards[4].Quotient != "60.000000" {
		t.Fatalf("%+v %+v", r.TieBreaks, r.Awards[4])
	}
	// E was excluded by the threshold in round 1.
	if r.Rounds[0].Eliminated[0] != "E" {
		t.Fatalf("%+v", r.Rounds[0])
	}
}

// A party on exactly 5% clears a 5% threshold; one just under does not — and without
// the threshold the small party would have won a seat.
func TestThresholdBoundary(t *testing.T) {
	at := parties("A", 950, 0, "B", 50, 0)
	r, _ := Allocate(at, Options{Method: "dhondt", Seats: 20, Threshold: big.NewRat(5, 1)})
	if r.PartySeats["B"] != 1 {
		t.Fatalf("exactly 5%%: %v", r.PartySeats)
	}
	under := parties("A", 951, 0, "B", 49, 0)
	r, _ = Allocate(under, Options{Method: "dhondt", Seats: 20, Threshold: big.NewRat(5, 1)})
	if r.PartySeats["B"] != 0 || r.PartySeats["A"] != 20 {
		t.Fatalf("4.9%%: %v", r.PartySeats)
	}
	r, _ = Allocate(under, Options{Method: "dhondt", Seats: 20})
	if r.PartySeats["B"] != 1 {
		t.Fatalf("no threshold: %v", r.PartySeats)
	}
}

// Equal votes and equal figures: lot, reproducible and recorded.
func TestTieByLot(t *testing.T) {
	c := parties("A", 100, 0, "B", 100, 0)
	got := map[string]bool{}
	for seed := int64(0); seed < 16; seed++ {
		r, err := Allocate(c, Options{Method: "dhondt", Seats: 1, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.TieBreaks) != 1 || r.TieBreaks[0].Chosen != r.Awards[0].Party {
			t.Fatalf("%+v", r)
		}
		got[r.Awards[0].Party] = true
	}
	if len(got) != 2 {
		t.Fatal("lot never varied")
	}
}

// An individual (a one-name list) takes one seat at most; the next seat passes over it.
func TestExhaustedList(t *testing.T) {
	c := &Contest{Parties: []Party{
		{Name: "Independent X", Votes: 500, ListCandidates: []string{"X"}, HasCandidateList: true},
		{Name: "P", Votes: 200, ListCandidates: []string{"P1", "P2", "P3"}, HasCandidateList: true},
	}}
	r, err := Allocate(c, Options{Method: "dhondt", Seats: 3})
	if err != nil {
		t.Fatal(err)
	}
	if r.PartySeats["Independent X"] != 1 || r.PartySeats["P"] != 2 || r.Awards[0].Candidate != "X" || r.Awards[1].Candidate != "P1" || r.Awards[2].Candidate != "P2" {
		t.Fatalf("%+v", r.Awards)
	}
	// X's quotient for seat 2 (500/2 = 250) beats P's 200: X is passed over, and said to be.
	if len(r.Awards[0].PassedOver) != 0 || !slices.Equal(r.Awards[1].PassedOver, []string{"Independent X"}) || !slices.Equal(r.Awards[2].PassedOver, []string{"Independent X"}) {
		t.Fatalf("passed over: %+v", r.Awards)
	}
	if _, err := Allocate(c, Options{Method: "dhondt", Seats: 5}); err == nil {
		t.Fatal("5 seats for 4 names: want an error")
	}
}

func TestParseAMS(t *testing.T) {
	c, err := ParseAMS(strings.NewReader("party,list_votes,constituency_seats,candidates\nLab,1000,5,Ann,Bo\nInd,50,,Solo\nCon,900,3\n"), "a.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Parties) != 3 || c.Parties[0].ConstituencySeats != 5 || len(c.Parties[0].ListCandidates) != 2 || !c.Parties[1].HasCandidateList || c.Parties[2].HasCandidateList {
		t.Fatalf("%+v", c)
	}
	for _, tc := range []struct{ in, want string }{
		{"party,votes,seats\n", "a.csv:1: field 2"},
		{"party,list_votes,constituency_seats\nA,1,1\nA,2,0\n", `a.csv:3: field party: "A" already given on line 2`},
		{"party,list_votes,constituency_seats\nA,x,1\n", "a.csv:2: field list_votes"},
		{"party,list_votes,constituency_seats\nA,1,-1\n", "a.csv:2: field constituency_seats"},
	} {
		if _, err := ParseAMS(strings.NewReader(tc.in), "a.csv"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
}

func genContest(t *rapid.T) *Contest {
	n := rapid.IntRange(1, 6).Draw(t, "parties")
	c := &Contest{}
	for i := range n {
		c.Parties = append(c.Parties, Party{Name: string(rune('A' + i)), Votes: rapid.Int64Range(0, 1000).Draw(t, "v")})
	}
	c.Parties[0].Votes++ // at least one party can win
	return c
}

// D'Hondt seats sum to N, and no party loses a seat when N grows (house monotonicity).
func TestDHondtSumAndMonotone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genContest(t)
		seed := rapid.Int64().Draw(t, "seed")
		n := rapid.IntRange(0, 30).Draw(t, "seats")
		var prev map[string]int
		for s := n; s <= n+3; s++ {
			r, err := Allocate(c, Options{Method: "dhondt", Seats: s, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for _, v := range r.PartySeats {
				sum += v
			}
			if sum != s {
				t.Fatalf("%d seats allocated of %d", sum, s)
			}
			for p, v := range prev {
				if r.PartySeats[p] < v {
					t.Fatalf("%s had %d seats at N=%d, %d at N=%d", p, v, s-1, r.PartySeats[p], s)
				}
			}
			prev = r.PartySeats
		}
	})
}

// The allocation does not depend on the order the parties are listed in (ties aside).
func TestPartyOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genContest(t)
		s := rapid.IntRange(1, 20).Draw(t, "seats")
		a, _ := Allocate(c, Options{Method: "dhondt", Seats: s, Seed: 3})
		c2 := &Contest{Parties: rapid.Permutation(c.Parties).Draw(t, "perm")}
		b, _ := Allocate(c2, Options{Method: "dhondt", Seats: s, Seed: 3})
		if len(a.TieBreaks) == 0 {
			for p, v := range a.PartySeats {
				if b.PartySeats[p] != v {
					t.Fatalf("%v vs %v", a.PartySeats, b.PartySeats)
				}
			}
		}
	})
}

func FuzzParseAMS(f *testing.F) {
	f.Add("party,list_votes,constituency_seats\nLab,1000,5\nCon,900,3\nGreen,300,0\n")
	f.Add("party,list_votes,constituency_seats,list\nInd,50,,Solo\n\"A,B\",1,0,\"x\"\"y\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseAMS(strings.NewReader(in), "f.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, s := range []int{1, 7} {
			r, err := Allocate(c, Options{Method: "ams", Seats: s, CountPrior: true, Threshold: big.NewRat(5, 1)})
			if err != nil {
				continue // e.g. no eligible party: an error, never a panic
			}
			sum := 0
			for _, v := range r.PartySeats {
				sum += v
			}
			if sum != s {
				t.Fatalf("%d of %d seats", sum, s)
			}
		}
	})
}

// The 2016 London Assembly (testdata/README.md): 11 London-wide seats on top of Labour's
// 9 and the Conservatives' 5 constituencies. Declared: Labour 3, Conservative 3, Green 2,
// UKIP 2, Liberal Democrats 1. Women's Equality (91,772, 3.51%) is below 5%; without
// the threshold its 91,772 would beat the last award (UKIP's 85,534.5).
func TestLondonAssembly2016(t *testing.T) {
	f, err := os.Open("testdata/london-assembly-2016.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ParseAMS(f, "london-assembly-2016.csv")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Allocate(c, Options{Method: "ams", Seats: 11, Div: DHondt, CountPrior: true, Threshold: big.NewRat(5, 1)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"Labour": 3, "Conservative": 3, "Green": 2, "UKIP": 2, "Liberal Democrats": 1}
	for p, n := range r.PartySeats {
		if n != want[p] {
			t.Errorf("%s: %d list seats, declared %d", p, n, want[p])
		}
	}
	if r.Awards[10].Party != "UKIP" || r.Awards[10].Quotient != "85534.500000" {
		t.Errorf("last award %+v", r.Awards[10])
	}
	r, _ = Allocate(c, Options{Method: "ams", Seats: 11, Div: DHondt, CountPrior: true})
	if r.PartySeats["Women's Equality"] != 1 {
		t.Errorf("without the threshold: %v", r.PartySeats)
	}
}

// A list candidate elected in a constituency is passed over, the list's next name
// taking the seat; a list that runs out that way passes its party over.
// A won 2 constituencies (A1, A3) on 700 list votes, B none on 400, C none on 100;
// 4 list seats, D'Hondt counting the constituency seats.
// Seat 1: B 400/1 = 400 → B1. Seat 2: A 700/3 = 233.333333 beats B 400/2 = 200 → A,
// whose first name A1 holds a constituency: A2. Seat 3: B 200 (A now 700/4 = 175) → B2.
// Seat 4: A 175 beats B 400/3 = 133.333333 → A, passing over A3 (a constituency
// winner) to A4. With A's list only A1, A2, A3, seat 4 finds it run out and goes to
// B at 133.333333, A passed over.
func TestListPassesOverConstituencyWinners(t *testing.T) {
	contest := func(aList ...string) *Contest {
		return &Contest{ConstituencyWinners: []string{"A1", "A3", "Z9"}, Parties: []Party{
			{Name: "A", Votes: 700, ConstituencySeats: 2, ListCandidates: aList, HasCandidateList: true},
			{Name: "B", Votes: 400, ListCandidates: []string{"B1", "B2", "B3"}, HasCandidateList: true},
			{Name: "C", Votes: 100, ListCandidates: []string{"C1"}, HasCandidateList: true},
		}}
	}
	r, err := Allocate(contest("A1", "A2", "A3", "A4"), Options{Method: "ams", Seats: 4, CountPrior: true})
	if err != nil {
		t.Fatal(err)
	}
	type aw struct{ party, cand, q, skipped string }
	want := []aw{{"B", "B1", "400.000000", ""}, {"A", "A2", "233.333333", "A1"}, {"B", "B2", "200.000000", ""}, {"A", "A4", "175.000000", "A3"}}
	for i, a := range r.Awards {
		got := aw{a.Party, a.Candidate, a.Quotient, strings.Join(a.Skipped, ",")}
		if got != want[i] || len(a.PassedOver) != 0 {
			t.Fatalf("award %d: %+v, want %+v", i+1, a, want[i])
		}
	}
	if !slices.Equal(r.Elected, []string{"B1", "A2", "B2", "A4"}) || r.TotalSeats["A"] != 4 || r.TotalSeats["B"] != 2 {
		t.Fatalf("%v %v", r.Elected, r.TotalSeats)
	}
	r, err = Allocate(contest("A1", "A2", "A3"), Options{Method: "ams", Seats: 4, CountPrior: true})
	if err != nil {
		t.Fatal(err)
	}
	last := r.Awards[3]
	if last.Party != "B" || last.Candidate != "B3" || last.Quotient != "133.333333" || !slices.Equal(last.PassedOver, []string{"A"}) {
		t.Fatalf("seat 4: %+v", last)
	}
	if r.PartySeats["A"] != 1 || r.PartySeats["B"] != 3 {
		t.Fatalf("%v", r.PartySeats)
	}
	// A list wholly of constituency winners is run out from the start.
	r, err = Allocate(contest("A1", "A3"), Options{Method: "ams", Seats: 2, CountPrior: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.PartySeats["A"] != 0 || !slices.Equal(r.Awards[1].PassedOver, []string{"A"}) {
		t.Fatalf("%+v", r.Awards)
	}
}
