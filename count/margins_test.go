package count_test

import (
	"fmt"
	"testing"

	"github.com/rulebook/rulebook/count"
)

func show(ms []count.Margin) string {
	s := ""
	for _, m := range ms {
		s += fmt.Sprintf("%d %s %s/%s gap %s needs %d %v; ", m.Round, m.Decision, m.Candidate, m.Against, m.Gap, m.Needed, m.Assessed)
	}
	return s
}

// TestMargins measures hand-made records of each kind, with the figures worked
// out by hand beside them.
func TestMargins(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  *count.Result
		want string
	}{
		// IRV: C (3) excluded against A (4); then B 7 of 12 beats A 5: 2×7−12 = 2.
		{"irv", &count.Result{Method: "irv", Rounds: []count.Round{
			{Number: 1, Tally: map[string]string{"A": "4", "B": "5", "C": "3"}},
			{Number: 2, Tally: map[string]string{"A": "5", "B": "7"}, Eliminated: []string{"C"}, Elected: []string{"B"}},
		}}, "2 exclusion C/A gap 1 needs 1 true; 2 election B/A gap 2 needs 2 true; "},
		// A majority with three left: 6 of 10, so 2×6−10 = 2 papers for others take it.
		{"irv, first round", &count.Result{Method: "irv", Rounds: []count.Round{
			{Number: 1, Tally: map[string]string{"A": "6", "B": "3", "C": "1"}, Elected: []string{"A"}},
		}}, "1 election A/ gap 2 needs 2 true; "},
		// A tie settled by lot: one paper changes it.
		{"irv, tie", &count.Result{Method: "irv", Rounds: []count.Round{
			{Number: 1, Tally: map[string]string{"A": "5", "B": "5"}, Elected: []string{"A"}},
		}}, "1 election A/B gap 0 needs 1 true; "},
		// Block vote for two: B (7) last elected, C (4) first not.
		{"block", &count.Result{Method: "block-vote", Elected: []string{"A", "B"}, Rounds: []count.Round{
			{Number: 1, Tally: map[string]string{"A": "9", "B": "7", "C": "4", "D": "1"}, Elected: []string{"A", "B"}},
		}}, "1 election B/C gap 3 needs 3 true; "},
		// STV, 2 seats, 30 papers: Droop quota 11. A elected with 12: 12×3−30 = 6
		// papers for others make the quota 13. C (2.5) excluded against D (3.25):
		// gap 0.75, one paper. B fills the last seat against D (3.25).
		{"stv", &count.Result{Method: "stv-wigm", Seats: 2, Quota: "11", QuotaName: "Droop quota", Valid: "30", Elected: []string{"A", "B"}, Rounds: []count.Round{
			{Number: 1, Tally: map[string]string{"A": "12", "B": "4", "C": "2.5", "D": "3.25"}, Elected: []string{"A"}},
			{Number: 2, Tally: map[string]string{"B": "4", "C": "2.5", "D": "3.25"}, Eliminated: []string{"C"}},
			{Number: 3, Tally: map[string]string{"B": "6", "D": "4"}, Elected: []string{"B"}},
		}}, "1 election A/ gap 1 needs 6 true; 2 exclusion C/D gap 0.7500 needs 1 true; 3 election B/D gap 2 needs 2 true; "},
	} {
		if got := show(count.Margins(tc.res)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
