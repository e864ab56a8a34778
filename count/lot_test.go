package count

import (
	"math/big"
	"slices"
	"testing"
)

// The draw depends only on the seed and the set of tied names, not their order.
func TestLotReproducible(t *testing.T) {
	a, tbA := NewLot(42).Draw(3, "eliminate", []string{"Cy", "Ann", "Bob"})
	b, tbB := NewLot(42).Draw(3, "eliminate", []string{"Bob", "Cy", "Ann"})
	if a != b || !slices.Equal(tbA.Tied, []string{"Ann", "Bob", "Cy"}) || tbA.How != "lot (seed 42)" || tbB.Round != 3 {
		t.Fatalf("%s %s %+v", a, b, tbA)
	}
	// Every name can be drawn.
	seen := map[string]int{}
	for s := int64(0); s < 300; s++ {
		c, _ := NewLot(s).Draw(1, "elect", []string{"A", "B", "C"})
		seen[c]++
	}
	for _, n := range []string{"A", "B", "C"} {
		if seen[n] < 60 {
			t.Fatalf("draws badly skewed: %v", seen)
		}
	}
	order, tbs := NewLot(7).Order(1, "elect", []string{"A", "B", "C"})
	if len(order) != 3 || len(tbs) != 2 || order[0] != tbs[0].Chosen {
		t.Fatalf("%v %+v", order, tbs)
	}
}

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		p, w int64
		want string
	}{{1, 3, "33.33"}, {2, 3, "66.67"}, {23283, 44985, "51.76"}, {1, 8, "12.50"}, {0, 0, "0"}} {
		if got := Percent(tc.p, tc.w, 2); got != tc.want {
			t.Errorf("%d/%d = %s, want %s", tc.p, tc.w, got, tc.want)
		}
	}
	p, err := ParsePercent("5")
	if err != nil || BelowPercent(5, 100, p) || !BelowPercent(4, 100, p) || !BelowPercent(49999, 1000000, p) {
		t.Fatal("5% boundary")
	}
	for _, bad := range []string{"x", "1/2", "-1", "101", "1e1"} {
		if _, err := ParsePercent(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if r, _ := ParsePercent("2.5%"); r.Cmp(big.NewRat(5, 2)) != 0 {
		t.Fatal("2.5%")
	}
}

func TestPackRoundTrip(t *testing.T) {
	k, ok := Pack([]int{3, 0, 3, 14})
	if !ok || !slices.Equal(Unpack(k), []int{3, 0, 14}) {
		t.Fatal(Unpack(k))
	}
	if _, ok := Pack([]int{15}); ok {
		t.Fatal("16th candidate packed")
	}
	e := &Election{Candidates: []string{"A", "B"}, Seats: 1, Ballots: []Ballot{{Weight: 2, Ranks: [][]int{{1}, {}, {0}}}}}
	p, err := PackElection(e)
	if err != nil || p.Validate() != nil || p.Papers() != 2 || !slices.Equal(Unpack(p.Rankings[0]), []int{1, 0}) {
		t.Fatal(err)
	}
	e.Ballots[0].Ranks[0] = []int{0, 1}
	if _, err := PackElection(e); err == nil {
		t.Fatal("equal ranking packed")
	}
	bad := &Packed{Candidates: []string{"A"}, Rankings: []uint64{0x21}}
	if bad.Validate() == nil {
		t.Fatal("unknown candidate validated")
	}
}

func TestNormalize(t *testing.T) {
	r := &Result{Rounds: []Round{{Number: 1}}}
	r.Normalize()
	if r.Elected == nil || r.Candidates == nil || r.Rounds[0].Tally == nil {
		t.Fatal("nil left")
	}
}

func TestGroup(t *testing.T) {
	long, _ := Pack([]int{0, 1, 2, 3, 4})
	short, _ := Pack([]int{2, 1})
	p := &Packed{Candidates: []string{"A", "B", "C", "D", "E"}, Rankings: []uint64{short, long, short, 0, long}}
	g := p.Group()
	if g.Papers() != 5 || len(g.Rankings) != 4 || g.Rankings[0] != 0 || g.Rankings[1] != short || g.Weights[1] != 2 || g.Rankings[2] != long {
		t.Fatalf("%v %v", g.Rankings, g.Weights)
	}
}
