package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

var ctx = context.Background()

func mustData(t testing.TB, v any) []byte {
	b, err := rulebook.MarshalData(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seed appends a small register: two members, a suspension with an end date and a
// restriction.
func seed(t testing.TB, db *sqldb.DB) []*rulebook.Event {
	d := rulebook.MustDate
	evs := []*rulebook.Event{
		{Type: rulebook.EventUnitCreated, Subject: "unit/north", Actor: "t", Effective: d("2000-01-01"), Data: mustData(t, rulebook.Unit{ID: "north", Name: "North", Kind: "branch"})},
		{Type: rulebook.EventMemberJoined, Subject: "m1", Actor: "t", Effective: d("2001-02-03"), Data: mustData(t, rulebook.MemberJoined{Member: rulebook.Member{ID: "m1", Name: "Ann Example", Unit: "north"}, Status: "active"})},
		{Type: rulebook.EventMemberJoined, Subject: "m2", Actor: "t", Effective: d("2005-06-07"), Data: mustData(t, rulebook.MemberJoined{Member: rulebook.Member{ID: "m2", Name: "Bob Example"}, Status: "active"})},
		{Type: rulebook.EventStatusChanged, Subject: "m1", Actor: "t", Effective: d("2016-04-28"), Data: mustData(t, rulebook.StatusChange{Status: "suspended", Until: d("2018-04-27"), Then: "active", Rights: map[string]bool{"vote": true}, Decision: rulebook.Decision{Body: "nec", Clause: "6.I.1.B"}})},
		{Type: rulebook.EventRightsRestricted, Subject: "m2", Actor: "t", Effective: d("2010-01-01"), Data: mustData(t, rulebook.RightsRestricted{Rights: map[string]bool{"hold_office": false}, Until: d("2012-01-01")})},
		{Type: rulebook.EventMemberUpdated, Subject: "m2", Actor: "t", Effective: d("2011-01-01"), Data: mustData(t, rulebook.MemberUpdated{Email: "bob@example.org"})},
	}
	if err := db.Append(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestAppendReadVerify(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		evs := seed(t, db)
		got, err := db.Events(ctx, sqldb.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(evs) {
			t.Fatalf("got %d events, want %d", len(got), len(evs))
		}
		for i := range got {
			if got[i].Hash != evs[i].Hash || got[i].ID != evs[i].ID || string(got[i].Data) != string(evs[i].Data) || !got[i].Recorded.Equal(evs[i].Recorded) {
				t.Errorf("event %d read back differently: %+v vs %+v", i, got[i], *evs[i])
			}
		}
		res, err := db.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK || res.Events != int64(len(evs)) || res.Head != evs[len(evs)-1].Hash {
			t.Fatalf("verify: %+v", res)
		}
		h, err := db.History(ctx, "m1")
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Points) != 3 || h.StatusAt(rulebook.MustDate("2017-01-01")).Status != "suspended" || h.StatusAt(rulebook.MustDate("2018-04-27")).Status != "active" {
			t.Fatalf("history of m1: %+v", h.Points)
		}
		h2, _ := db.History(ctx, "m2")
		if h2.Member.Email != "bob@example.org" || len(h2.Restrictions) != 1 {
			t.Fatalf("history of m2: %+v", h2)
		}
		// Appending more continues the chain.
		more := &rulebook.Event{Type: rulebook.EventMemberUpdated, Subject: "m1", Actor: "t", Effective: rulebook.MustDate("2019-01-01"), Data: mustData(t, rulebook.MemberUpdated{Phone: "0100"})}
		if err := db.Append(ctx, more); err != nil {
			t.Fatal(err)
		}
		if more.Seq != int64(len(evs))+1 || more.PrevHash != evs[len(evs)-1].Hash {
			t.Fatalf("chain not continued: seq %d", more.Seq)
		}
	})
}

func TestAppendIsAllOrNothing(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		bad := []*rulebook.Event{
			{Type: rulebook.EventMemberJoined, Subject: "m3", Actor: "t", Effective: 100, Data: mustData(t, rulebook.MemberJoined{Member: rulebook.Member{ID: "m3", Name: "C"}, Status: "active"})},
			{Type: rulebook.EventMemberJoined, Subject: "m1", Actor: "t", Effective: 100, Data: mustData(t, rulebook.MemberJoined{Member: rulebook.Member{ID: "m1", Name: "dup"}, Status: "active"})},
		}
		err := db.Append(ctx, bad...)
		if rulebook.ErrorCode(err) != rulebook.EConflict {
			t.Fatalf("duplicate member: got %v (%s), want a conflict", err, rulebook.ErrorCode(err))
		}
		n, _ := db.CountMembers(ctx)
		if n != 2 {
			t.Fatalf("%d members after a failed append, want 2", n)
		}
		res, _ := db.Verify(ctx, nil)
		if !res.OK || res.Events != 6 {
			t.Fatalf("record changed by a failed append: %+v", res)
		}
	})
}

func TestEventsAreAppendOnly(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		for _, q := range []string{`UPDATE events SET actor = 'x' WHERE seq = 2`, `DELETE FROM events WHERE seq = 2`} {
			if err := sqldbtest.Exec(db, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: got %v, want the append-only trigger to refuse", q, err)
			}
		}
	})
}

// The attacker in these tests has direct database access and removes the
// append-only guard first, as a DBA could.
func TestVerifyCatchesTampering(t *testing.T) {
	cases := []struct {
		name, kind string
		seq        int64
		sql        []string
	}{
		{"edited data", "tampered", 4, []string{`UPDATE events SET data = REPLACE(data, '2018-04-27', '2019-04-27') WHERE seq = 4`}},
		{"edited effective date", "tampered", 3, []string{`UPDATE events SET effective = effective + 1 WHERE seq = 3`}},
		{"edited and re-hashed", "tampered", 4, []string{"rehash"}},
		{"separator smuggled into a field", "tampered", 3, []string{"separator"}},
		{"record separator smuggled into data", "tampered", 4, []string{"record-separator"}},
		{"deleted event", "missing", 4, []string{`DELETE FROM events WHERE seq = 3`}},
		{"deleted and renumbered", "missing", 3, []string{`DELETE FROM events WHERE seq = 3`, `UPDATE events SET seq = seq - 1 WHERE seq > 3`}},
		{"reordered", "reordered", 3, []string{`UPDATE events SET seq = 100 WHERE seq = 3`, `UPDATE events SET seq = 3 WHERE seq = 4`, `UPDATE events SET seq = 4 WHERE seq = 100`}},
	}
	for _, mode := range []string{"sequential", "parallel"} {
		if mode == "parallel" {
			defer sqldb.SetParallelVerifyMin(1)()
		}
		for _, tc := range cases {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
					evs := seed(t, db)
					if err := sqldbtest.DisableAppendOnly(db); err != nil {
						t.Fatal(err)
					}
					for _, q := range tc.sql {
						var err error
						if q == "record-separator" {
							sep := "char(30)"
							if db.Dialect() == "postgres" {
								sep = "chr(30)"
							}
							err = sqldbtest.Exec(db, `UPDATE events SET data = data || `+sep+` WHERE seq = 4`)
						} else if q == "separator" {
							sep := "char(31)"
							if db.Dialect() == "postgres" {
								sep = "chr(31)"
							}
							err = sqldbtest.Exec(db, `UPDATE events SET actor = actor || `+sep+` WHERE seq = 3`)
						} else if q == "rehash" {
							// A careful attacker recomputes the edited event's own hash.
							e := *evs[3]
							e.Actor = "mallory"
							h, _ := e.ComputeHash(nil)
							err = sqldbtest.Exec(db, `UPDATE events SET actor = $1, hash = $2 WHERE seq = 4`, e.Actor, h[:])
						} else {
							err = sqldbtest.Exec(db, q)
						}
						if err != nil {
							t.Fatal(err)
						}
					}
					res, err := db.Verify(ctx, nil)
					if err != nil {
						t.Fatal(err)
					}
					if res.OK || res.Problem == nil {
						t.Fatalf("verify passed a tampered record")
					}
					p := res.Problem
					if p.Kind != tc.kind || p.Seq != tc.seq {
						t.Fatalf("got %s at seq %d (%s), want %s at seq %d", p.Kind, p.Seq, p.Message, tc.kind, tc.seq)
					}
					if want := findID(evs, p.Seq, tc); p.EventID != want {
						t.Fatalf("problem names event %s, want %s", p.EventID, want)
					}
				})
			})
		}
		// An intact record verifies in parallel stretches too.
		t.Run(mode+"/intact", func(t *testing.T) {
			sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
				evs := seed(t, db)
				res, err := db.Verify(ctx, nil)
				if err != nil || !res.OK || res.Head != evs[len(evs)-1].Hash || res.Events != int64(len(evs)) {
					t.Fatalf("%+v %v", res, err)
				}
			})
		})
	}
}

// findID returns the id of the event now stored at seq.
func findID(evs []*rulebook.Event, seq int64, tc struct {
	name, kind string
	seq        int64
	sql        []string
}) string {
	switch tc.name {
	case "deleted event":
		return evs[3].ID // seq 4 is the first one after the gap
	case "deleted and renumbered":
		return evs[3].ID // the old seq 4, now numbered 3
	case "reordered":
		return evs[3].ID // the old seq 4, now at 3
	}
	return evs[seq-1].ID
}

func TestProjectionRebuild(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		diffs, err := db.CheckProjection(ctx)
		if err != nil || len(diffs) > 0 {
			t.Fatalf("fresh projection differs: %v %v", diffs, err)
		}
		// Damage the projection; the check must see it, and a rebuild must mend it.
		if err := sqldbtest.Exec(db, `UPDATE status_points SET status = 'expelled' WHERE member_id = 'm1' AND from_date = $1`, int64(rulebook.MustDate("2016-04-28"))); err != nil {
			t.Fatal(err)
		}
		if err := sqldbtest.Exec(db, `DELETE FROM members WHERE id = 'm2'`); err != nil {
			t.Fatal(err)
		}
		diffs, _ = db.CheckProjection(ctx)
		if len(diffs) != 2 {
			t.Fatalf("check found %v, want the two damaged members", diffs)
		}
		if err := db.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		diffs, err = db.CheckProjection(ctx)
		if err != nil || len(diffs) > 0 {
			t.Fatalf("rebuilt projection differs: %v %v", diffs, err)
		}
	})
}

func TestCorrectionAndAsRecorded(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		clock := time.Date(2016, 5, 1, 12, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return clock }
		evs := seed(t, db)
		clock = clock.AddDate(0, 1, 0)
		corr := &rulebook.Event{Type: rulebook.EventCorrected, Subject: "m1", Actor: "t", Effective: evs[3].Effective,
			Data: mustData(t, rulebook.Correction{Corrects: evs[3].ID, Reason: "entered against the wrong member"})}
		if err := db.Append(ctx, corr); err != nil {
			t.Fatal(err)
		}
		h, _ := db.History(ctx, "m1")
		if s := h.StatusAt(rulebook.MustDate("2017-01-01")).Status; s != "active" {
			t.Fatalf("after correction m1 is %s on 2017-01-01, want active", s)
		}
		before, err := db.HistoryAsRecorded(ctx, "m1", time.Date(2016, 5, 15, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if s := before.StatusAt(rulebook.MustDate("2017-01-01")).Status; s != "suspended" {
			t.Fatalf("as recorded before the correction m1 was believed %s, want suspended", s)
		}
		if _, err := db.HistoryAsRecorded(ctx, "m1", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); rulebook.ErrorCode(err) != rulebook.ENotFound {
			t.Fatalf("before anything was recorded: %v", err)
		}
		diffs, err := db.CheckProjection(ctx)
		if err != nil || len(diffs) > 0 {
			t.Fatalf("projection after correction differs from events: %v %v", diffs, err)
		}
	})
}

func TestMigrationsAreIdempotent(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		v, err := db.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("schema version %d %v", v, err)
		}
		db2, err := sqldb.Open(ctx, db.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		v2, _ := db2.SchemaVersion(ctx)
		if v2 != v {
			t.Fatalf("reopening changed schema version %d → %d", v, v2)
		}
	})
}
