package sqldb_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// legacyRecord is a register recorded as the first releases recorded it: units
// created as branch.created under branch/ID, and members' units named under the
// two fixed keys, lowest first. The data is written out byte for byte as those
// releases wrote it; nothing in it is rewritten.
func legacyRecord() []*rulebook.Event {
	d := rulebook.MustDate
	ev := func(typ, subject, eff, data string) *rulebook.Event {
		return &rulebook.Event{Type: typ, Subject: subject, Actor: "t", Effective: d(eff), Data: json.RawMessage(data)}
	}
	return []*rulebook.Event{
		ev("branch.created", "branch/c1", "2000-01-01", `{"id":"c1","name":"Central","kind":"constituency"}`),
		ev("branch.created", "branch/c2", "2000-01-01", `{"id":"c2","name":"Eastern","kind":"constituency"}`),
		ev("branch.created", "branch/b1", "2000-01-01", `{"id":"b1","name":"Harbour","kind":"branch","parent":"c1"}`),
		ev("branch.created", "branch/b2", "2000-01-01", `{"id":"b2","name":"Mill","kind":"branch","parent":"c2"}`),
		ev("branch.created", "branch/b3", "2000-01-01", `{"id":"b3","name":"Loose","kind":"branch"}`),
		ev("member.joined", "m1", "2001-01-01", `{"member":{"id":"m1","name":"Ann Archer","branch":"b1","constituency":"c1","joined":"2001-01-01"},"status":"active"}`),
		ev("member.joined", "m2", "2001-01-01", `{"member":{"id":"m2","name":"Bob Baker","constituency":"c2","joined":"2001-01-01"},"status":"active"}`),
		ev("member.joined", "m3", "2001-01-01", `{"member":{"id":"m3","name":"Cy Cole","email":"cy@example.org","branch":"b3","joined":"2001-01-01"},"status":"active"}`),
		ev("member.joined", "m4", "2001-01-01", `{"member":{"id":"m4","name":"Di Dunn","branch":"b1","constituency":"c1","joined":"2001-01-01"},"status":"active"}`),
		ev("member.joined", "m5", "2001-01-01", `{"member":{"id":"m5","name":"Ed Eve","branch":"b1","constituency":"c1","joined":"2001-01-01"},"status":"active"}`),
		ev("member.joined", "m6", "2001-01-01", `{"member":{"id":"m6","name":"Fay Ford","branch":"b1","constituency":"c1","joined":"2001-01-01"},"status":"active"}`),
		ev("member.joined", "m8", "2001-01-01", `{"member":{"id":"m8","name":"Hal Hart","joined":"2001-01-01"},"status":"active"}`),
		// The constituency m4 is in already: m4 stays in their branch.
		ev("member.updated", "m4", "2005-01-01", `{"constituency":"c1"}`),
		// Another constituency: m5's branch is not in it, so m5 is in c2.
		ev("member.updated", "m5", "2005-01-01", `{"constituency":"c2"}`),
		ev("member.updated", "m6", "2005-01-01", `{"branch":"b2","constituency":"c2"}`),
		ev("member.updated", "m8", "2005-01-01", `{"email":"hal@example.org"}`),
	}
}

func unitsOf(t *testing.T, db *sqldb.DB, ids ...string) []string {
	t.Helper()
	var out []string
	for _, id := range ids {
		h, err := db.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, h.Member.Unit)
	}
	return out
}

func memberIDs(t *testing.T, db *sqldb.DB, unit string) []string {
	t.Helper()
	ms, err := db.Members(ctx, sqldb.MemberFilter{Unit: unit})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// TestLegacyRecordProjects: a record made by the first releases projects as it
// did — each member in the lowest unit their events name, within the units the
// tree puts above it — when appended, rebuilt, checked, corrected and read as
// recorded, beside events of today's form; and it verifies.
func TestLegacyRecordProjects(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		evs := legacyRecord()
		if err := db.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		// A member joining in today's form, after the old events.
		now := &rulebook.Event{Type: rulebook.EventMemberJoined, Subject: "m7", Actor: "t", Effective: rulebook.MustDate("2010-01-01"),
			Data: mustData(t, rulebook.MemberJoined{Member: rulebook.Member{ID: "m7", Name: "Gil Gray", Unit: "b2"}, Status: "active"})}
		if err := db.Append(ctx, now); err != nil {
			t.Fatal(err)
		}
		members := []string{"m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"}
		want := []string{"b1", "c2", "b3", "b1", "c2", "b2", "b2", ""}
		in := map[string][]string{"c1": {"m1", "m4"}, "c2": {"m2", "m5", "m6", "m7"}, "b1": {"m1", "m4"}, "b3": {"m3"}, "b2": {"m6", "m7"}}
		check := func(when string) {
			t.Helper()
			if got := unitsOf(t, db, members...); !slices.Equal(got, want) {
				t.Errorf("%s: units %q, want %q", when, got, want)
			}
			for unit, ids := range in {
				if got := memberIDs(t, db, unit); !slices.Equal(got, ids) {
					t.Errorf("%s: members of %s: %q, want %q", when, unit, got, ids)
				}
			}
			units, err := db.Units(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tree := rulebook.NewUnits(units)
			if len(units) != 5 || tree["b1"].Parent != "c1" || tree["b1"].Kind != "branch" || tree["c2"].Kind != "constituency" || tree["b3"].Parent != "" {
				t.Errorf("%s: units %+v", when, units)
			}
			if diffs, err := db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
				t.Errorf("%s: the projection differs from the record: %v %v", when, diffs, err)
			}
		}
		check("appended")
		if h, _ := db.History(ctx, "m3"); h.Member.Email != "cy@example.org" || h.Member.Name != "Cy Cole" {
			t.Errorf("m3's other particulars: %+v", h.Member)
		}
		if h, _ := db.History(ctx, "m8"); h.Member.Email != "hal@example.org" || h.Member.Unit != "" {
			t.Errorf("m8's update without units: %+v", h.Member)
		}
		if err := db.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		check("rebuilt")
		// One member's events alone are read with the tree: as recorded now, m5
		// is in c2 (their update needs the tree to place them).
		before := db.Now()
		h, err := db.HistoryAsRecorded(ctx, "m5", before)
		if err != nil || h.Member.Unit != "c2" {
			t.Fatalf("m5 as recorded: %+v %v", h, err)
		}
		// m4's update named the constituency m4's branch is in: as recorded, m4
		// is still in the branch.
		if h, err := db.HistoryAsRecorded(ctx, "m4", before); err != nil || h.Member.Unit != "b1" {
			t.Fatalf("m4 as recorded: %+v %v", h, err)
		}
		// Withdrawing m5's update projects m5 again from their events: back in b1.
		db.Now = func() time.Time { return before.Add(time.Second) }
		var update string
		for _, e := range evs {
			if e.Subject == "m5" && e.Type == rulebook.EventMemberUpdated {
				update = e.ID
			}
		}
		corr := &rulebook.Event{Type: rulebook.EventCorrected, Subject: "m5", Actor: "t", Effective: rulebook.MustDate("2005-01-01"),
			Data: mustData(t, rulebook.Correction{Corrects: update, Reason: "entered against the wrong member"})}
		if err := db.Append(ctx, corr); err != nil {
			t.Fatal(err)
		}
		want[4] = "b1"
		in["c1"], in["b1"], in["c2"] = []string{"m1", "m4", "m5"}, []string{"m1", "m4", "m5"}, []string{"m2", "m6", "m7"}
		check("corrected")
		if h, err := db.HistoryAsRecorded(ctx, "m5", before); err != nil || h.Member.Unit != "c2" {
			t.Errorf("m5 as recorded before the correction: %+v %v", h, err)
		}
		// Nothing was rewritten: the record verifies, and reads back byte for byte.
		res, err := db.Verify(ctx, nil)
		if err != nil || !res.OK || res.Events != int64(len(evs)+2) {
			t.Fatalf("verify: %+v %v", res, err)
		}
		stored, err := db.Events(ctx, sqldb.EventFilter{Limit: len(evs)})
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range stored {
			if e.Type != evs[i].Type || e.Subject != evs[i].Subject || string(e.Data) != string(evs[i].Data) {
				t.Errorf("event %d stored as %s %s %s", i, e.Type, e.Subject, e.Data)
			}
		}
	})
}

// TestMigrationToUnits takes a register back to the schema before units (the
// members table's two fixed columns, the old units table), fills it as the
// first releases did, and opens it again: migration 7 gives each member the
// lowest unit the old columns held, and lists filter through the tree.
func TestMigrationToUnits(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		if err := db.Append(ctx, legacyRecord()...); err != nil {
			t.Fatal(err)
		}
		undoMigration9(t, db)
		for _, q := range []string{
			`DROP INDEX units_parent`, `ALTER TABLE units RENAME TO branches`,
			`ALTER TABLE members ADD COLUMN branch TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE members ADD COLUMN constituency TEXT NOT NULL DEFAULT ''`,
			`DROP INDEX members_unit`, `ALTER TABLE members DROP COLUMN unit`,
			`CREATE INDEX members_branch ON members (branch)`,
			// As the first releases projected them.
			`UPDATE members SET branch = 'b1', constituency = 'c1' WHERE id IN ('m1', 'm4')`,
			`UPDATE members SET constituency = 'c2' WHERE id = 'm2'`,
			`UPDATE members SET branch = 'b3' WHERE id = 'm3'`,
			`UPDATE members SET branch = 'b1', constituency = 'c2' WHERE id = 'm5'`,
			`UPDATE members SET branch = 'b2', constituency = 'c2' WHERE id = 'm6'`,
			`DELETE FROM schema_migrations WHERE version = 7`,
			// Migration 8 (personal data held apart) came after: run again.
			`DELETE FROM schema_migrations WHERE version = 8`,
			// And migration 10 (selections), which may run over itself too.
			`DELETE FROM schema_migrations WHERE version >= 10`,
		} {
			if err := sqldbtest.Exec(db, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		dsn := db.DSN()
		db.Close()
		db, err := sqldb.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if !db.Migrated(7) {
			t.Fatal("migration 7 was not applied")
		}
		// Filled from the old columns: the branch where there was one. (m5's old
		// row held a branch outside its constituency; the projection, rebuilt by
		// the application after this migration, places m5 in c2 from the record.)
		if got, want := unitsOf(t, db, "m1", "m2", "m3", "m4", "m5", "m6", "m8"), []string{"b1", "c2", "b3", "b1", "b1", "b2", ""}; !slices.Equal(got, want) {
			t.Errorf("after the migration: units %q, want %q", got, want)
		}
		if got := memberIDs(t, db, "c1"); !slices.Equal(got, []string{"m1", "m4", "m5"}) {
			t.Errorf("members of c1 after the migration: %q", got)
		}
		if err := db.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		if got := memberIDs(t, db, "c1"); !slices.Equal(got, []string{"m1", "m4"}) {
			t.Errorf("members of c1 after the rebuild: %q", got)
		}
		if diffs, err := db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Errorf("after the rebuild: %v %v", diffs, err)
		}
	})
}
