package sqldb_test

import (
	"fmt"
	"strings"
	"sync/atomic"
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

// TestCheckProjectionInRanges: the register is checked and rebuilt a few members
// at a time; differences anywhere — a member's history, a member deleted, one
// added, a complaint and its count — are each reported once, in the order of the
// members' ids, and a rebuild mends them all.
func TestCheckProjectionInRanges(t *testing.T) {
	defer sqldb.SetMemberRangeSize(3)()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		var evs []*rulebook.Event
		for i := range 20 {
			id := fmt.Sprintf("n%02d", i)
			day := rulebook.MustDate("2010-01-01").AddDays(i)
			evs = append(evs, &rulebook.Event{Type: rulebook.EventMemberJoined, Subject: id, Actor: "t", Effective: day,
				Data: mustData(t, rulebook.MemberJoined{Member: rulebook.Member{ID: id, Name: "Member " + id, Unit: "north", Joined: day}, Status: "active"})})
			if i%4 == 0 {
				evs = append(evs, &rulebook.Event{Type: rulebook.EventStatusChanged, Subject: id, Actor: "t", Effective: rulebook.MustDate("2012-01-01"),
					Data: mustData(t, rulebook.StatusChange{Status: "suspended", Until: rulebook.MustDate("2013-01-01"), Then: "active"})})
			}
		}
		for i, q := range []string{"2016-02-01", "2016-05-01", "2016-05-02"} {
			id := fmt.Sprintf("C-%d", i)
			evs = append(evs, &rulebook.Event{Type: rulebook.EventComplaintReceived, Subject: rulebook.ComplaintSubjectPrefix + id, Actor: "t", Effective: rulebook.MustDate(q),
				Data: mustData(t, rulebook.ComplaintReceived{ID: id, Respondent: "n01", Complainant: "m1", From: "member", Via: "letter", Summary: "a complaint"})})
		}
		if err := db.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		// The members with no event but their joining, or but their joining and
		// a suspension for a time (n00, n04, …), recorded as the register records
		// them, are checked by digests alone; m1, whose joining does not name its
		// day (the first releases' joining: the members' side writes it out with
		// one), and so the two beside it in its range (m2, with an update, and
		// n00), are projected and compared whole.
		// The complaints, as their events make them, are found so by their
		// digests alone: nothing is projected again to be compared row by row.
		var slow, rowByRow atomic.Int64
		restore := sqldb.CountSlowMembers(&slow)
		restoreComplaints := sqldb.CountComplaintComparisons(&rowByRow)
		defer restoreComplaints()
		if diffs, err := db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("fresh projection differs: %v %v", diffs, err)
		}
		if restore(); slow.Load() != 3 {
			t.Errorf("%d members compared whole, want 3", slow.Load())
		}
		if rowByRow.Load() != 0 {
			t.Errorf("the complaints, as the events make them, were compared row by row")
		}
		for _, q := range []string{
			`UPDATE members SET name = 'Someone Else' WHERE id = 'n03'`,
			// Written into one field, the next field as the record writes it: the
			// member's data written out again is the joining's, byte for byte.
			`UPDATE members SET name = 'Member n05","unit":"north', unit = '' WHERE id = 'n05'`,
			`DELETE FROM status_points WHERE member_id = 'n16'`,
			`DELETE FROM members WHERE id = 'n09'`,
			`INSERT INTO members (id, name, email, phone, address, unit, joined, status, join_event, join_seq, search_key) VALUES ('n099', 'Nobody', '', '', '', '', 1, 'active', 'x', 1, 'nobody')`,
			`UPDATE complaints SET summary = 'another' WHERE id = 'C-1'`,
			`UPDATE complaint_counts SET complaints = 5 WHERE quarter = '2016-Q1'`,
			// An event slipped into the record, and not projected: n07 still looks
			// as their joining makes them.
			`INSERT INTO events (seq, id, type, subject, effective, recorded, actor, data, prev_hash, hash)
				SELECT MAX(seq) + 1, 'slipped', 'member.updated', 'n07', 1, MAX(recorded), 't', '{"name":"Slipped In"}', '', '' FROM events`,
		} {
			if err := sqldbtest.Exec(db, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		diffs, err := db.CheckProjection(ctx)
		want := []string{
			"member n03: stored projection differs from the events",
			"member n05: stored projection differs from the events",
			"member n07: stored projection differs from the events",
			"member n09 is in the events but missing from the projection",
			"member n099 is stored but no event creates them",
			"member n16: stored projection differs from the events",
			`complaints: complaint C-1: summary is "another", the events make it "a complaint"`,
			`complaint_counts: quarter "2016-Q1": complaints is 5, the events make it 1`,
		}
		if err != nil || strings.Join(diffs, "\n") != strings.Join(want, "\n") {
			t.Fatalf("the check found\n%s\nwant\n%s\n(%v)", strings.Join(diffs, "\n"), strings.Join(want, "\n"), err)
		}
		if rowByRow.Load() != 1 {
			t.Errorf("tampered complaints compared row by row %d times, want 1", rowByRow.Load())
		}
		if err := db.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		if diffs, err := db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("rebuilt projection differs: %v %v", diffs, err)
		}
		if n, err := db.CountMembers(ctx); err != nil || n != 22 {
			t.Fatalf("%d members after the rebuild: %v", n, err)
		}
	})
}
