package college

import (
	"fmt"
	"testing"

	"github.com/rulebook/rulebook/count"
)

// TestMargins: two sections of half each, ten papers apiece. Round 1: A 40%,
// B 35%, C 25%; C is excluded 10 points behind B. In the first section C and B
// are 2 votes apart: 2 papers for C there make C 3/12 and B 3/12, level (N ≥
// (−0·10 − ½·(−2))/(½+0) = 2). In the second they are level and B is 10 points
// ahead elsewhere: N ≥ 1/0.4 = 2.5, so 3. Round 2: A 60%, a majority by 20 points;
// 5 papers for B in either section make A 6/15 there, 20% + 30% = half, no longer
// more than half.
func TestMargins(t *testing.T) {
	e := &Election{Candidates: []string{"A", "B", "C"}, Rounds: Preferential, Sections: []Section{
		{ID: "s1", Name: "One", Weight: w(t, "1/2"), Ballots: [][]count.Ballot{{b(6, 0), b(3, 1), b(1, 2, 1)}}},
		{ID: "s2", Name: "Two", Weight: w(t, "50%"), Ballots: [][]count.Ballot{{b(2, 0), b(4, 1), b(4, 2, 0)}}},
	}}
	res, err := Count(e, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, m := range Margins(res) {
		got += fmt.Sprintf("%d %s %s/%s gap %s needs %d %v; ", m.Round, m.Decision, m.Candidate, m.Against, m.Gap, m.Needed, m.Sections)
	}
	want := "1 exclusion C/B gap 10% needs 2 [{s1 2} {s2 3}]; 2 election A/ gap 20% needs 5 [{s1 5} {s2 5}]; "
	if got != want {
		t.Errorf("margins\n got %s\nwant %s", got, want)
	}
	for i, m := range Margins(res) {
		if m.Could(m.Needed-1) || !m.Could(m.Needed) {
			t.Errorf("margin %d: Could is not N ≥ %d", i, m.Needed)
		}
	}
}
