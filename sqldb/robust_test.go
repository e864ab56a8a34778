package sqldb_test

import (
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestEndingTheJoining: a change naming a member's joining among the measures it
// ends, dated on or before the joining (as no path of rulebook writes, but a
// record can hold), once emptied the member's history and made every projection
// of them panic. The joining is no measure: it stays, and the appending, the
// rebuild and the check all go through.
func TestEndingTheJoining(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		evs := seed(t, db)
		join := evs[2] // m2 joins, and has a restriction since
		for _, e := range []*rulebook.Event{
			{Type: rulebook.EventRightsRestricted, Subject: "m2", Actor: "t", Effective: join.Effective.AddDays(-1), Data: mustData(t, rulebook.RightsRestricted{Ends: []string{join.ID}})},
			{Type: rulebook.EventStatusChanged, Subject: "m2", Actor: "t", Effective: join.Effective, Data: mustData(t, rulebook.StatusChange{Status: "lapsed", Ends: []string{join.ID}})},
		} {
			if err := db.Append(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		h, err := db.History(ctx, "m2")
		if err != nil || len(h.Points) == 0 || h.Points[0].EventID != join.ID {
			t.Fatalf("the joining was ended: %+v %v", h, err)
		}
		if err := db.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		if diffs, err := db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("%v %v", diffs, err)
		}
	})
}
