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

// TestVerifyProjection: verify --projection, the record read once, finds a
// member edited, deleted and added, and one whose later event was left
// unprojected, each named, in ranges whose digests differ; the rest pass —
// with the digests' keyed hash as it is, and as it is where GCM with a fixed
// nonce is refused (SHA-256).
func TestVerifyProjection(t *testing.T) {
	t.Run("gcm", testVerifyProjection)
	t.Run("sha256", func(t *testing.T) {
		defer sqldb.UseSHAKeyedHash()()
		testVerifyProjection(t)
	})
}

func testVerifyProjection(t *testing.T) {
	defer sqldb.SetMemberRangeSize(4)()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		var evs []*rulebook.Event
		for i := range 30 {
			id := fmt.Sprintf("v%02d", i)
			day := rulebook.MustDate("2011-01-01").AddDays(i)
			m := rulebook.Member{ID: id, Name: "Member " + id, Unit: "north", Joined: day}
			if i%3 == 0 {
				m.Email, m.Address = id+"@example.org", "1 Street \"Quoted\"\n"
			}
			evs = append(evs, &rulebook.Event{Type: rulebook.EventMemberJoined, Subject: id, Actor: "t", Effective: day,
				Data: mustData(t, rulebook.MemberJoined{Member: m, Status: "active"})})
			if i%5 == 0 {
				evs = append(evs, &rulebook.Event{Type: rulebook.EventMemberUpdated, Subject: id, Actor: "t", Effective: day.AddDays(10),
					Data: mustData(t, rulebook.MemberUpdated{Name: "Renamed " + id})})
			}
		}
		if err := db.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		// Only the seed's range (m1's joining does not name its day) is compared
		// whole: every other member, the ones whose particulars JSON escapes too,
		// matches their joining by digest, and the six renamed their joining as
		// their update leaves it.
		var slow atomic.Int64
		restore := sqldb.CountSlowMembers(&slow)
		res, diffs, err := db.VerifyProjection(ctx, nil)
		if err != nil || !res.OK || len(diffs) > 0 {
			t.Fatalf("fresh record: %+v %v %v", res, diffs, err)
		}
		if restore(); slow.Load() != 3 {
			t.Errorf("%d members compared whole, want 3", slow.Load())
		}
		editAndVerify(t, db, []string{
			`UPDATE members SET name = 'Someone Else' WHERE id = 'v02'`,
			`UPDATE members SET address = '1 Street' WHERE id = 'v09'`,
			`UPDATE members SET joined = joined + 1 WHERE id = 'v13'`,
			`DELETE FROM members WHERE id = 'v17'`,
			`UPDATE members SET name = 'Member v10' WHERE id = 'v10'`,
			`INSERT INTO members (id, name, email, phone, address, unit, joined, status, join_event, join_seq, search_key) VALUES ('v211', 'Nobody', '', '', '', '', 1, 'active', 'x', 1, 'nobody')`,
		}, []string{
			"member v02: stored projection differs from the events",
			"member v09: stored projection differs from the events",
			"member v10: stored projection differs from the events",
			"member v13: stored projection differs from the events",
			"member v17 is in the events but missing from the projection",
			"member v211 is stored but no event creates them",
		}, true)
	})
}

// editAndVerify makes edits to the database as an insider would, and checks
// that verify --projection (and CheckProjection, if check) names what want
// says, in order.
func editAndVerify(t *testing.T, db *sqldb.DB, edits, want []string, check bool) {
	t.Helper()
	for _, q := range edits {
		if err := sqldbtest.Exec(db, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	res, diffs, err := db.VerifyProjection(ctx, nil)
	if err != nil || !res.OK || strings.Join(diffs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("found\n%s\nwant\n%s\n(%+v %v)", strings.Join(diffs, "\n"), strings.Join(want, "\n"), res, err)
	}
	if !check {
		return
	}
	if found, err := db.CheckProjection(ctx); err != nil || strings.Join(found, "\n") != strings.Join(want, "\n") {
		t.Fatalf("CheckProjection found\n%s\n(%v)", strings.Join(found, "\n"), err)
	}
}

// TestVerifyProjectionSampledRanges: on PostgreSQL a register of enough
// members is cut into ranges at ids drawn from a sample (here every id, one
// range a 16), and verify --projection, its walk in parallel stretches,
// still matches every member by digest and names those edited — a sealed
// member's particulars, which are summed apart from their joining, among
// them.
func TestVerifyProjectionSampledRanges(t *testing.T) {
	defer sqldb.SetMemberRangeSize(16)()
	defer sqldb.SetParallelVerifyMin(2)()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		var evs []*rulebook.Event
		for i := range 600 {
			id := fmt.Sprintf("w%03d", i)
			day := rulebook.MustDate("2012-01-01").AddDays(i % 300)
			m := rulebook.Member{ID: id, Name: "Member " + id, Unit: "north", Joined: day}
			if i%7 == 0 {
				m.Phone = "0100 000 " + id
			}
			evs = append(evs, &rulebook.Event{Type: rulebook.EventMemberJoined, Subject: id, Actor: "t", Effective: day,
				Data: mustData(t, rulebook.MemberJoined{Member: m, Status: "active"})})
		}
		if err := db.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		bounds, err := sqldb.DigestRangeBounds(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if db.Dialect() == "postgres" && len(bounds) != 37 {
			t.Errorf("%d ranges cut from the sample of 602 ids, want 38 (%v)", len(bounds)+1, bounds)
		}
		var slow atomic.Int64
		restore := sqldb.CountSlowMembers(&slow)
		res, diffs, err := db.VerifyProjection(ctx, nil)
		if err != nil || !res.OK || len(diffs) > 0 {
			t.Fatalf("fresh record: %+v %v %v", res, diffs, err)
		}
		// The seed's two alone are compared whole.
		if restore(); slow.Load() != 2 {
			t.Errorf("%d members compared whole, want 2", slow.Load())
		}
		editAndVerify(t, db, []string{
			`UPDATE members SET name = 'Member w101' WHERE id = 'w100'`,
			`UPDATE members SET phone = '' WHERE id = 'w350'`,
			`UPDATE members SET join_seq = join_seq + 1 WHERE id = 'w599'`,
		}, []string{
			"member w100: stored projection differs from the events",
			"member w350: stored projection differs from the events",
			"member w599: stored projection differs from the events",
		}, false)
	})
}

// TestVerifyProjectionPages: on PostgreSQL verify --projection reads the
// members in parts of the table's pages rather than ranges of ids, and still
// sums each row in its range: a record as written passes (its ids not in the
// order of its pages), and a member edited on a page in the middle, one
// deleted, and one added are named.
func TestVerifyProjectionPages(t *testing.T) {
	defer sqldb.SetMemberRangeSize(64)()
	defer sqldb.SetParallelVerifyMin(2)()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		var evs []*rulebook.Event
		for i := range 1500 {
			// Ids not in the order they are stored in.
			id := fmt.Sprintf("p%04d", (i*7919)%1500)
			day := rulebook.MustDate("2012-01-01").AddDays(i % 300)
			m := rulebook.Member{ID: id, Name: "Member " + id, Unit: "north", Joined: day, Email: id + "@example.org"}
			evs = append(evs, &rulebook.Event{Type: rulebook.EventMemberJoined, Subject: id, Actor: "t", Effective: day,
				Data: mustData(t, rulebook.MemberJoined{Member: m, Status: "active"})})
		}
		if err := db.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		var pages, ranges atomic.Int64
		defer sqldb.CountPageParts(&pages)()
		restore := sqldb.CountRangeComparisons(&ranges)
		res, diffs, err := db.VerifyProjection(ctx, nil)
		if err != nil || !res.OK || len(diffs) > 0 {
			t.Fatalf("fresh record: %+v %v %v", res, diffs, err)
		}
		// Every row summed once: no range's digests differed but m1's (the
		// seed's joining does not name its day, which the members' side writes
		// out).
		restore()
		if postgres := db.Dialect() == "postgres"; postgres && pages.Load() < 4 || !postgres && pages.Load() != 0 || ranges.Load() != 1 {
			t.Fatalf("%d parts of pages read on %s, %d ranges compared in full", pages.Load(), db.Dialect(), ranges.Load())
		}
		editAndVerify(t, db, []string{
			`UPDATE members SET email = 'p0750@example.com' WHERE id = 'p0750'`,
			`DELETE FROM members WHERE id = 'p0003'`,
			`INSERT INTO members (id, name, email, phone, address, unit, joined, status, join_event, join_seq, search_key) VALUES ('p9999', 'Nobody', '', '', '', '', 1, 'active', 'x', 1, 'nobody')`,
		}, []string{
			"member p0003 is in the events but missing from the projection",
			"member p0750: stored projection differs from the events",
			"member p9999 is stored but no event creates them",
		}, false)
	})
}

// TestVerifyProjectionSeparatorInAField: the members' rows are summed as their
// columns joined by a separator; an insider who puts the separator in one
// column and empties the next (NULL, once its NOT NULL is dropped) must not
// make a row read as the one the events make.
func TestVerifyProjectionSeparatorInAField(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		var evs []*rulebook.Event
		for i := range 4 {
			id := fmt.Sprintf("s%02d", i)
			day := rulebook.MustDate("2011-01-01").AddDays(i)
			m := rulebook.Member{ID: id, Name: "Member " + id, Unit: "north", Joined: day}
			evs = append(evs, &rulebook.Event{Type: rulebook.EventMemberJoined, Subject: id, Actor: "t", Effective: day,
				Data: mustData(t, rulebook.MemberJoined{Member: m, Status: "active"})})
		}
		if err := db.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		if res, diffs, err := db.VerifyProjection(ctx, nil); err != nil || !res.OK || len(diffs) > 0 {
			t.Fatalf("fresh record: %+v %v %v", res, diffs, err)
		}
		var drop []string
		if db.Dialect() == "postgres" {
			drop = []string{`ALTER TABLE members ALTER COLUMN email DROP NOT NULL`}
		} else {
			// The schema as SQLite keeps it, edited, and read again.
			var v int
			if err := db.Raw().QueryRow(`PRAGMA schema_version`).Scan(&v); err != nil {
				t.Fatal(err)
			}
			drop = []string{`PRAGMA writable_schema = ON`,
				`UPDATE sqlite_master SET sql = replace(sql, 'email        TEXT NOT NULL', 'email        TEXT') WHERE name = 'members'`,
				fmt.Sprintf(`PRAGMA schema_version = %d`, v+1),
				`PRAGMA writable_schema = OFF`}
		}
		for _, q := range append(drop, `UPDATE members SET name = name || char(31), email = NULL WHERE id = 's01'`) {
			if db.Dialect() == "postgres" {
				q = strings.ReplaceAll(q, "char(31)", "chr(31)")
			}
			if err := sqldbtest.Exec(db, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// The check stops at the NULL, naming the member and the column.
		_, diffs, err := db.VerifyProjection(ctx, nil)
		if rulebook.ErrorCode(err) != rulebook.ETampered || !strings.Contains(err.Error(), "member s01: the stored members.email cannot be read") {
			t.Fatalf("verify --projection: %v %q", err, diffs)
		}
		if diffs, err := db.CheckProjection(ctx); rulebook.ErrorCode(err) != rulebook.ETampered {
			t.Fatalf("CheckProjection: %v %q", err, diffs)
		}
		// The separator alone (the NULL put back as it was) is a difference.
		if err := sqldbtest.Exec(db, `UPDATE members SET email = '' WHERE id = 's01'`); err != nil {
			t.Fatal(err)
		}
		want := "member s01: stored projection differs from the events"
		res, diffs, err := db.VerifyProjection(ctx, nil)
		if err != nil || !res.OK || strings.Join(diffs, "\n") != want {
			t.Fatalf("found %q, want %q (%+v %v)", diffs, want, res, err)
		}
	})
}
