package sqldb_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestVerifyProjectionHeldMembers: the members with rows beyond their joining
// (here, a suspension's status points) are compared whole from the events the
// verify's walk kept of them and the rows its pass over the members read, not
// looked up again — with their particulars held apart, with the walk in
// parallel stretches, with the record cut into small ranges — and every edit
// to them is still named, as CheckProjection (which reads them) names it: a
// held member's particular, status on joining or search key edited, the only status
// point that held a member deleted (the member is then read), one added to a
// member who had none, status points and restrictions stored for someone no
// event creates; within the capture's budget and past it. On a record
// as written, the members' digests agree range by range once the held are
// taken out: none is compared in full.
func TestVerifyProjectionHeldMembers(t *testing.T) {
	t.Run("kept", func(t *testing.T) { testHeldMembers(t, false) })
	t.Run("over budget", func(t *testing.T) {
		defer sqldb.SetCaptureBudget(1)()
		testHeldMembers(t, true)
	})
}

func testHeldMembers(t *testing.T, overBudget bool) {
	defer sqldb.SetMemberRangeSize(4)()
	defer sqldb.SetParallelVerifyMin(2)()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		var evs []*rulebook.Event
		for i := range 24 {
			id := fmt.Sprintf("h%02d", i)
			day := rulebook.MustDate("2011-01-01").AddDays(i)
			m := rulebook.Member{ID: id, Name: "Member " + id, Unit: "north", Joined: day, Email: id + "@example.org", Phone: "0100 " + id}
			evs = append(evs, &rulebook.Event{Type: rulebook.EventMemberJoined, Subject: id, Actor: "t", Effective: day,
				Data: mustData(t, rulebook.MemberJoined{Member: m, Status: "active"})})
		}
		// Every other member suspended, later: their events apart across the
		// record, and so across the walk's stretches.
		for i := 0; i < 24; i += 2 {
			id := fmt.Sprintf("h%02d", i)
			evs = append(evs, &rulebook.Event{Type: rulebook.EventStatusChanged, Subject: id, Actor: "t", Effective: rulebook.MustDate("2015-01-01").AddDays(i),
				Data: mustData(t, rulebook.StatusChange{Status: "suspended", Decision: rulebook.Decision{Body: "panel", Clause: "1.1"}})})
		}
		if err := db.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		var kept, slow, ranges atomic.Int64
		defer sqldb.CountKeptMembers(&kept)()
		defer sqldb.CountRangeComparisons(&ranges)()
		restore := sqldb.CountSlowMembers(&slow)
		res, diffs, err := db.VerifyProjection(ctx, nil)
		if err != nil || !res.OK || len(diffs) > 0 {
			t.Fatalf("fresh record: %+v %v %v", res, diffs, err)
		}
		// The twelve suspended and the seed's two, and no others: every
		// range's digests agreed once they were taken into account.
		restore()
		if want := int64(14); overBudget && kept.Load() != 0 || !overBudget && kept.Load() != want || slow.Load() != want || ranges.Load() != 0 {
			t.Fatalf("%d members compared whole, %d from the events the walk kept, %d ranges in full (over budget: %v)", slow.Load(), kept.Load(), ranges.Load(), overBudget)
		}
		kept.Store(0)
		editAndVerify(t, db, []string{
			`UPDATE members SET email = 'someone@example.org' WHERE id = 'h02'`,
			`UPDATE members SET status = 'lapsed' WHERE id = 'h04'`,
			`UPDATE members SET search_key = 'nobody' WHERE id = 'h06'`,
			`UPDATE members SET phone = '0100 h99', search_key = 'nobody' WHERE id = 'h08'`,
			`DELETE FROM status_points WHERE member_id = 'h10' AND status = 'suspended'`,
			`INSERT INTO status_points (member_id, from_date, seq, part, status, rights, event_id, decision)
				SELECT 'h13', from_date, seq, part, status, rights, event_id, decision FROM status_points WHERE member_id = 'h12' AND status = 'suspended'`,
			`INSERT INTO status_points (member_id, from_date, seq, part, status, rights, event_id, decision)
				SELECT 'h99', from_date, seq, part, status, rights, event_id, decision FROM status_points WHERE member_id = 'h12' AND status = 'suspended'`,
			`INSERT INTO restrictions (member_id, seq, from_date, until_date, rights, event_id, decision)
				SELECT 'h99', seq, from_date, until_date, rights, event_id, decision FROM restrictions WHERE member_id = 'm2'`,
		}, []string{
			"member h02: stored projection differs from the events",
			"member h04: stored projection differs from the events",
			"member h06: stored search key is not their name's (a search by name finds them wrongly, or not at all)",
			"member h08: stored projection differs from the events",
			"member h10: stored projection differs from the events",
			"member h13: stored projection differs from the events",
			"member h99: rows of status_points are stored for them, but no event creates them",
			"member h99: rows of restrictions are stored for them, but no event creates them",
		}, true)
		if !overBudget && kept.Load() == 0 {
			t.Error("the edited record's held members were all read")
		}
	})
}
