package sqldb_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestVerifyProjectionUpdatedMembers: members who changed their particulars —
// a new e-mail address (held apart), a move to another unit, a new name, one
// change after another, some undone by a later one — are proved by the
// digests, their joining put in as their updates leave it, and not compared
// whole: with the walk in parallel stretches and the record cut into small
// ranges. One with an update of the first releases (units named by kind), one
// whose update was corrected, and the seed's range are compared whole. Every
// edit to an updated member's row is named, as CheckProjection (which compares
// them whole) names it: a particular set back to its value before the update,
// another edited, the unit, the name and its search key, a row deleted.
func TestVerifyProjectionUpdatedMembers(t *testing.T) {
	defer sqldb.SetMemberRangeSize(4)()
	defer sqldb.SetParallelVerifyMin(2)()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		ev := func(typ, id string, day rulebook.Date, data any) *rulebook.Event {
			return &rulebook.Event{Type: typ, Subject: id, Actor: "t", Effective: day, Data: mustData(t, data)}
		}
		var evs []*rulebook.Event
		for i := range 24 {
			id := fmt.Sprintf("u%02d", i)
			day := rulebook.MustDate("2011-01-01").AddDays(i)
			m := rulebook.Member{ID: id, Name: "Member " + id, Unit: "north", Joined: day, Email: id + "@example.org"}
			if i%4 == 0 {
				m.Phone = "0100 " + id
			}
			evs = append(evs, ev(rulebook.EventMemberJoined, id, day, rulebook.MemberJoined{Member: m, Status: "active"}))
		}
		if err := db.Append(ctx, ev(rulebook.EventUnitCreated, "unit/south", rulebook.MustDate("2000-01-01"), rulebook.Unit{ID: "south", Name: "South", Kind: "branch"})); err != nil {
			t.Fatal(err)
		}
		// Their updates later, apart across the record.
		for i := 0; i < 24; i += 2 {
			id := fmt.Sprintf("u%02d", i)
			day := rulebook.MustDate("2016-01-01").AddDays(i)
			switch i % 6 {
			case 0:
				evs = append(evs, ev(rulebook.EventMemberUpdated, id, day, rulebook.MemberUpdated{Email: "new." + id + "@example.org"}))
				if i > 0 {
					// More rows of personal to come than two a member (the
					// last claimed are kept apart: see updateFold.slots).
					evs = append(evs, ev(rulebook.EventMemberUpdated, id, day.AddDays(9), rulebook.MemberUpdated{Email: "newer." + id + "@example.org", Phone: "0200 " + id}))
				}
			case 2:
				evs = append(evs, ev(rulebook.EventMemberUpdated, id, day, rulebook.MemberUpdated{Unit: "south"}))
			case 4:
				evs = append(evs, ev(rulebook.EventMemberUpdated, id, day, rulebook.MemberUpdated{Name: "Renamed " + id, Address: "1 \"Quoted\" Street"}),
					ev(rulebook.EventMemberUpdated, id, day.AddDays(30), rulebook.MemberUpdated{Email: "later." + id + "@example.org", Unit: "south"}),
					ev(rulebook.EventMemberUpdated, id, day.AddDays(60), rulebook.MemberUpdated{Unit: "north", Name: "Member " + id}))
			}
		}
		// u24 and u25 joined with no particulars, so their joinings hold none
		// apart; u25's name, given later, is held apart from its update.
		for i, u := range []rulebook.MemberUpdated{{Unit: "south"}, {Name: "Late Name"}} {
			id, day := fmt.Sprintf("u%02d", 24+i), rulebook.MustDate("2012-01-01")
			evs = append(evs, ev(rulebook.EventMemberJoined, id, day, rulebook.MemberJoined{Member: rulebook.Member{ID: id, Unit: "north", Joined: day}, Status: "active"}),
				ev(rulebook.EventMemberUpdated, id, day.AddDays(100), u))
		}
		// u21: an update of the first releases, naming the unit by its kind.
		evs = append(evs, &rulebook.Event{Type: rulebook.EventMemberUpdated, Subject: "u21", Actor: "t", Effective: rulebook.MustDate("2016-06-01"), Data: []byte(`{"branch":"south"}`)})
		if err := db.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		// u23: an update withdrawn.
		wrong := ev(rulebook.EventMemberUpdated, "u23", rulebook.MustDate("2016-07-01"), rulebook.MemberUpdated{Email: "wrong@example.org"})
		if err := db.Append(ctx, wrong); err != nil {
			t.Fatal(err)
		}
		if err := db.Append(ctx, ev(rulebook.EventCorrected, "u23", rulebook.MustDate("2016-07-02"), rulebook.Correction{Corrects: wrong.ID, Reason: "entered in error"})); err != nil {
			t.Fatal(err)
		}
		var slow, ranges atomic.Int64
		defer sqldb.CountRangeComparisons(&ranges)()
		restore := sqldb.CountSlowMembers(&slow)
		res, diffs, err := db.VerifyProjection(ctx, nil)
		if err != nil || !res.OK || len(diffs) > 0 {
			t.Fatalf("fresh record: ok %v, %v %v", res.OK, diffs, err)
		}
		// u21, u23, and the seed's range (m1, m2 and u00, compared in full): no
		// other range's digests differed.
		restore()
		if slow.Load() != 5 || ranges.Load() != 1 {
			t.Fatalf("%d members compared whole, %d ranges in full", slow.Load(), ranges.Load())
		}
		// Past the budget, before the walk, in it or in the pass over personal
		// (as the notes grow), every member with updates is compared whole.
		for _, budget := range []int64{200, 1000, 2000, 3000} {
			slow.Store(0)
			restore := sqldb.CountSlowMembers(&slow)
			undo := sqldb.SetCaptureBudget(budget)
			res, diffs, err := db.VerifyProjection(ctx, nil)
			undo()
			restore()
			if err != nil || !res.OK || len(diffs) > 0 {
				t.Fatalf("budget %d: ok %v, %v %v", budget, res.OK, diffs, err)
			}
			if slow.Load() < 16 {
				t.Fatalf("budget %d: %d members compared whole, not the 16 with updates or more", budget, slow.Load())
			}
		}
		editAndVerify(t, db, []string{
			`UPDATE members SET email = 'u00@example.org' WHERE id = 'u00'`,
			`UPDATE members SET unit = 'north' WHERE id = 'u02'`,
			`UPDATE members SET email = 'other@example.org' WHERE id = 'u04'`,
			`UPDATE members SET name = 'Renamed u10', search_key = 'u10 renamed' WHERE id = 'u10'`,
			`UPDATE members SET address = '' WHERE id = 'u16'`,
			`UPDATE members SET search_key = 'nobody' WHERE id = 'u18'`,
			`DELETE FROM members WHERE id = 'u20'`,
			`UPDATE members SET unit = 'north' WHERE id = 'u24'`,
			`UPDATE members SET name = 'Late Named', search_key = 'named late' WHERE id = 'u25'`,
		}, []string{
			"member u00: stored projection differs from the events",
			"member u02: stored projection differs from the events",
			"member u04: stored projection differs from the events",
			"member u10: stored projection differs from the events",
			"member u16: stored projection differs from the events",
			"member u18: stored search key is not their name's (a search by name finds them wrongly, or not at all)",
			"member u20 is in the events but missing from the projection",
			"member u24: stored projection differs from the events",
			"member u25: stored projection differs from the events",
		}, true)
	})
}
