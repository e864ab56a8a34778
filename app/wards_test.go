package app_test

import (
	"reflect"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
)

// TestWardResults: who led each ward, by how much and with what share, from
// the votes declared ward by ward; a tie for the lead names no leader but
// those tied, and a candidate who overtakes a tie leads alone.
func TestWardResults(t *testing.T) {
	el := &rulebook.PublicElection{PublicContest: rulebook.PublicContest{Kind: rulebook.ContestFPTP, Wards: []string{"Harbour", "Mill", "Quay"},
		Candidates: []rulebook.PublicCandidate{
			{Name: "Ann Archer", Party: "Red", Member: "M1", Wards: []int64{500, 300, 100}},
			{Name: "Bo Bell", Party: "Blue", Wards: []int64{400, 300, 250}},
			{Name: "Cy Cole", Party: "Green", Wards: []int64{100, 200, 250}},
			{Name: "Di Dale", Party: "Gold", Wards: []int64{0, 0, 251}},
		}}}
	want := []app.WardResult{
		{Ward: "Harbour", Leader: "Ann Archer (M1)", Party: "Red", Votes: 500, Share: "50.00", Majority: 100, Total: 1000},
		{Ward: "Mill", Tied: []string{"Ann Archer (M1)", "Bo Bell"}, Votes: 300, Share: "37.50", Majority: 0, Total: 800},
		{Ward: "Quay", Leader: "Di Dale", Party: "Gold", Votes: 251, Share: "29.49", Majority: 1, Total: 851},
	}
	if got := app.WardResults(el); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got := app.WardResults(&rulebook.PublicElection{}); got != nil {
		t.Errorf("a contest with no wards: %+v", got)
	}
}
