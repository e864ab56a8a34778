package count

import (
	"reflect"
	"testing"
)

// TestRenamed checks that a result counted over ids reads by name everywhere
// it names a candidate, and that an id inside a longer word is left alone.
func TestRenamed(t *testing.T) {
	r := &Result{Method: "irv", Candidates: []string{"M1", "M10", "M2"}, Elected: []string{"M10"},
		Shares: map[string]string{"M1": "20.00", "M10": "50.00", "M2": "30.00"},
		Rounds: []Round{
			{Number: 1, Action: "first preferences", Tally: map[string]string{"M1": "2", "M10": "5", "M2": "3"}},
			{Number: 2, Action: "exclusion of M1", Tally: map[string]string{"M10": "6", "M2": "4"},
				Transfers: map[string]string{"M10": "1", "M2": "1", "exhausted": "0"}, Eliminated: []string{"M1"}},
			{Number: 3, Action: "M10 elected; M2 and M1x untouched", Elected: []string{"M10"}},
		},
		TieBreaks: []TieBreak{{Round: 2, Tied: []string{"M1", "M2"}, Chosen: "M1", Purpose: "eliminate", How: "lot"}},
		Warnings:  []string{"tie between M1 and M2 settled by lot"},
	}
	names := map[string]string{"M1": "Ann Ash (M1)", "M10": "Bo Birch (M10)", "M2": "Cy Cole (M2)"}
	got := r.Renamed(func(id string) string { return names[id] })
	want := &Result{Method: "irv", Candidates: []string{"Ann Ash (M1)", "Bo Birch (M10)", "Cy Cole (M2)"}, Elected: []string{"Bo Birch (M10)"},
		Shares: map[string]string{"Ann Ash (M1)": "20.00", "Bo Birch (M10)": "50.00", "Cy Cole (M2)": "30.00"},
		Rounds: []Round{
			{Number: 1, Action: "first preferences", Tally: map[string]string{"Ann Ash (M1)": "2", "Bo Birch (M10)": "5", "Cy Cole (M2)": "3"}},
			{Number: 2, Action: "exclusion of Ann Ash (M1)", Tally: map[string]string{"Bo Birch (M10)": "6", "Cy Cole (M2)": "4"},
				Transfers: map[string]string{"Bo Birch (M10)": "1", "Cy Cole (M2)": "1", "exhausted": "0"}, Eliminated: []string{"Ann Ash (M1)"}},
			{Number: 3, Action: "Bo Birch (M10) elected; Cy Cole (M2) and M1x untouched", Elected: []string{"Bo Birch (M10)"}},
		},
		TieBreaks: []TieBreak{{Round: 2, Tied: []string{"Ann Ash (M1)", "Cy Cole (M2)"}, Chosen: "Ann Ash (M1)", Purpose: "eliminate", How: "lot"}},
		Warnings:  []string{"tie between Ann Ash (M1) and Cy Cole (M2) settled by lot"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if r.Rounds[1].Action != "exclusion of M1" || r.Elected[0] != "M10" {
		t.Error("Renamed changed the result it copied")
	}
}
