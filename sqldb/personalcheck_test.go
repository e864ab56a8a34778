package sqldb_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestVerifyProjectionPersonal: verify --projection, which sums the rows of
// personal of the sealed joinings as the verify's pass over them checks them,
// still names every fault in them as verify does, with the walk in parallel
// stretches: a row changed, a row deleted with no erasure recorded, a row
// held for an event that commits to none, and one for a seq beyond the
// record's. On the record as written it finds none.
func TestVerifyProjectionPersonal(t *testing.T) {
	defer sqldb.SetParallelVerifyMin(2)()
	defer sqldb.SetMemberRangeSize(4)()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		var evs []*rulebook.Event
		for i := range 16 {
			id := fmt.Sprintf("p%02d", i)
			day := rulebook.MustDate("2012-01-01").AddDays(i)
			m := rulebook.Member{ID: id, Name: "Member " + id, Unit: "north", Joined: day, Email: id + "@example.org"}
			evs = append(evs, &rulebook.Event{Type: rulebook.EventMemberJoined, Subject: id, Actor: "t", Effective: day,
				Data: mustData(t, rulebook.MemberJoined{Member: m, Status: "active"})})
		}
		if err := db.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		res, diffs, err := db.VerifyProjection(ctx, nil)
		if err != nil || !res.OK || len(res.Faults) > 0 || len(diffs) > 0 {
			t.Fatalf("fresh record: %+v %v %v", res, diffs, err)
		}
		seqOf := func(subject string) int64 {
			var seq int64
			if err := db.Raw().QueryRow(`SELECT seq FROM events WHERE subject = $1 ORDER BY seq LIMIT 1`, subject).Scan(&seq); err != nil {
				t.Fatal(err)
			}
			return seq
		}
		var last, plain int64
		if err := db.Raw().QueryRow(`SELECT MAX(seq) FROM events`).Scan(&last); err != nil {
			t.Fatal(err)
		}
		// An event that commits to no personal data: the first.
		if err := db.Raw().QueryRow(`SELECT MIN(seq) FROM events WHERE seq NOT IN (SELECT seq FROM personal)`).Scan(&plain); err != nil {
			t.Fatal(err)
		}
		drop := `DROP TRIGGER personal_no_update`
		if db.Dialect() == "postgres" {
			drop = `ALTER TABLE personal DISABLE TRIGGER personal_no_update`
		}
		for _, q := range []string{
			drop,
			fmt.Sprintf(`UPDATE personal SET data = '{"member.name":"Someone Else"}' WHERE seq = %d`, seqOf("p03")),
			fmt.Sprintf(`DELETE FROM personal WHERE seq = %d`, seqOf("p11")),
			fmt.Sprintf(`INSERT INTO personal (seq, salt, data) SELECT %d, salt, data FROM personal WHERE seq = %d`, plain, seqOf("p05")),
			fmt.Sprintf(`INSERT INTO personal (seq, salt, data) SELECT %d, salt, data FROM personal WHERE seq = %d`, last+5, seqOf("p07")),
		} {
			if err := sqldbtest.Exec(db, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		plainRes, err := db.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, _, err = db.VerifyProjection(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		personal := func(faults []string) []string {
			var out []string
			for _, f := range faults {
				if strings.Contains(f, "personal data") && !strings.Contains(f, "trigger") {
					out = append(out, f)
				}
			}
			return out
		}
		want := []string{
			fmt.Sprintf("seq %d, whose event commits to none", plain),
			fmt.Sprintf("seq %d, whose event commits to none", last+5),
			fmt.Sprintf("(seq %d) was changed", seqOf("p03")),
			fmt.Sprintf("(seq %d, member.joined of p11) was deleted, and no erasure in the record names it", seqOf("p11")),
		}
		got, plainGot := personal(res.Faults), personal(plainRes.Faults)
		if !slices.Equal(got, plainGot) || len(got) != len(want) {
			t.Fatalf("verify --projection named\n%s\nverify named\n%s", strings.Join(got, "\n"), strings.Join(plainGot, "\n"))
		}
		for i, w := range want {
			if !strings.Contains(got[i], w) {
				t.Errorf("fault %d: %q, want it to say %q", i, got[i], w)
			}
		}
	})
}
