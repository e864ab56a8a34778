package rules

import (
	"slices"
	"testing"
)

func TestCompareClauses(t *testing.T) {
	got := []string{"DP.3", "6.I.1.E", "5.II.1", "2.II.1", "10.1", "2.I.8", "6.I.1.A", "2.I.4.B", "5.I.2", "2.IX", "2.IV", "5.I.1", "6.I.2", "2.I", "6.I.1.D"}
	slices.SortStableFunc(got, CompareClauses)
	want := []string{"2.I", "2.I.4.B", "2.I.8", "2.II.1", "2.IV", "2.IX", "5.I.1", "5.I.2", "5.II.1", "6.I.1.A", "6.I.1.D", "6.I.1.E", "6.I.2", "10.1", "DP.3"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}
