package demo_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// TestDemoCollege: the demo's trigger ballot opened a selection, decided by the
// electoral college, whose members' winner lost the college.
func TestDemoCollege(t *testing.T) {
	ctx := context.Background()
	eachDemo(t, func(t *testing.T, db *sqldb.DB, _ *rules.RuleBook, _ []byte) {
		data, err := db.SelectionData(ctx, demo.CollegeSelection)
		if err != nil {
			t.Fatal(err)
		}
		var s rulebook.Selection
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
		if s.Cause != "trigger/"+demo.CollegeTrigger || s.State != rulebook.SelectionEndorsed || s.College == nil || s.College.Result == nil {
			t.Fatalf("selection %s: cause %q, state %s", s.ID, s.Cause, s.State)
		}
		r := s.College.Result
		last := r.Rounds[len(r.Rounds)-1]
		if len(r.Elected) != 1 || r.Elected[0] != "M0014" || last.TotalExact["M0013"] != "89/184" || last.TotalExact["M0014"] != "95/184" {
			t.Errorf("elected %v, totals %v", r.Elected, last.TotalExact)
		}
		if !r.SectionWinnerLost || len(r.Upsets) != 1 || r.Upsets[0].Section != "members" || r.Upsets[0].Candidate != "M0013" {
			t.Errorf("upsets %+v", r.Upsets)
		}
		if e := s.Endorsed("M0014"); e == nil || e.Body != "nec" {
			t.Errorf("endorsement %+v", s.Endorsements)
		}
	})
}
