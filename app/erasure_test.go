package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/checkpoint"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// demoOn loads the party's demo, with its accounts, into a database of engine.
func demoOn(t *testing.T, engine string) (*app.App, *sqldb.DB) {
	t.Helper()
	return demoInto(t, sqldbtest.Open(t, engine))
}

// demoInto loads the party's demo, with its accounts, into db, with a clock
// stopped on the demo's day.
func demoInto(t *testing.T, db *sqldb.DB) (*app.App, *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	src, err := examples.FS.ReadFile(examples.Labour)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.Load(examples.Labour, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, db, rb, src); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return clock }
	svc, err := register.New(ctx, db, rb, src)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() }) // before the database closes
	if err := demo.LoadAccounts(operator(), a); err != nil {
		t.Fatal(err)
	}
	return a, db
}

// mustVerify checks the chain, its defences, the personal data held apart and
// every projection, apart and as verify --projection does at once.
func mustVerify(t *testing.T, a *app.App) {
	t.Helper()
	res, err := a.Verify(operator(), nil)
	if err != nil || !res.OK || len(res.Faults) > 0 {
		t.Fatalf("verify: %+v %v", res, err)
	}
	diffs, err := a.CheckProjection(operator())
	if err != nil || len(diffs) > 0 {
		t.Fatalf("the projection differs from a rebuild: %v %v", diffs, err)
	}
	// And verify --projection, which keeps what its walk reads (the events
	// of members compared whole, their particulars erased or not) for its check.
	res, diffs, err = a.VerifyProjection(operator(), nil)
	if err != nil || !res.OK || len(diffs) > 0 {
		t.Fatalf("verify --projection: %+v %v %v", res, diffs, err)
	}
}

// TestErasure: a member's particulars erased on request, and what the retention
// schedule says is due erased by a retention run, leave a record that verifies
// against a checkpoint signed before, proofs that still hold, projections that
// match a rebuild, and no trace of what was erased in the database (the SQLite
// file and its log are read byte by byte).
func TestErasure(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			a, db := demoOn(t, engine)
			ctx := operator()
			const name, email = "Quillon Vantrebury-Osk", "quillon.vantrebury@example.org"
			joined, _, err := a.Join(ctx, rulebook.Member{ID: "M0990", Name: name, Email: email, Unit: "harbour-ward", Joined: rulebook.MustDate("2026-11-02")}, "")
			if err != nil {
				t.Fatal(err)
			}
			before, vkey := checkpointNow(t, a)
			// The name is held apart, not in the record's own data.
			if evs, err := a.Events(ctx, sqldb.EventFilter{Subject: "M0990"}); err != nil || len(evs) != 1 || !strings.Contains(string(evs[0].Data), name) || strings.Contains(string(evs[0].StoredData()), name) {
				t.Fatalf("the joining as read and as stored: %v %v", evs, err)
			}
			mustVerify(t, a)

			x, err := a.EraseOnRequest(ctx, "M0990", "request received 2026-11-20, identity checked")
			if err != nil || x.Events != 1 || x.Event == "" {
				t.Fatalf("erase: %+v %v", x, err)
			}
			h, err := db.History(context.Background(), "M0990")
			if err != nil || h.Member.Name != "" || h.Member.Email != "" || h.Member.Unit != "harbour-ward" {
				t.Fatalf("the member after the erasure: %+v %v", h, err)
			}
			evs, err := a.Events(ctx, sqldb.EventFilter{Subject: "M0990"})
			if err != nil || len(evs) != 1 || !evs[0].Erased || strings.Contains(string(evs[0].Data), name) {
				t.Fatalf("the joining after the erasure: %+v %v", evs, err)
			}
			mustVerify(t, a)
			// The checkpoint signed before still holds, and so does a proof of the
			// event whose fields were erased.
			if _, err := a.VerifyCheckpoint(ctx, before.Note, vkey); err != nil {
				t.Fatalf("the checkpoint signed before the erasure: %v", err)
			}
			if _, _, err := a.ProveEvent(ctx, joined.ID, before.Note, vkey); err != nil {
				t.Fatalf("proof of the erased event: %v", err)
			}

			// The retention schedule: cases closed six years ago and more, and members
			// gone as long.
			on := rulebook.MustDate("2026-12-01")
			due, err := a.Retention(ctx, on, false)
			if err != nil || len(due) == 0 {
				t.Fatalf("nothing due on %s: %v", on, err)
			}
			t.Logf("due on %s: %d records, e.g. %+v", on, len(due), due[0])
			for _, d := range due {
				if d.Due > on || d.Events == 0 || d.Clause != "DP.3" || d.Event != "" {
					t.Errorf("due: %+v", d)
				}
			}
			done, err := a.Retention(ctx, on, true)
			if err != nil || len(done) != len(due) {
				t.Fatalf("run: %d erased of %d due: %v", len(done), len(due), err)
			}
			mustVerify(t, a)
			if again, err := a.Retention(ctx, on, false); err != nil || len(again) != 0 {
				t.Fatalf("due after the run: %+v %v", again, err)
			}
			if _, err := a.VerifyCheckpoint(ctx, before.Note, vkey); err != nil {
				t.Fatalf("the checkpoint signed before the run: %v", err)
			}
			// Not the auditor's to do, nor staff's without the capability.
			if _, err := a.EraseOnRequest(asAccount(t, db, "ruth"), "M0001", "no"); rulebook.ErrorCode(err) != rulebook.EForbidden {
				t.Errorf("the auditor erasing: %v", err)
			}

			fileHoldsNone(t, db, name, email, rulebook.SearchKey(name))
		})
	}
}

// TestPersonalDataTampered: the personal data held apart cannot be changed or
// deleted unseen — verify names the event, and reading it refuses it.
func TestPersonalDataTampered(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			a, db := demoOn(t, engine)
			ctx := operator()
			if _, _, err := a.Join(ctx, rulebook.Member{ID: "M0991", Name: "Orla Pensworth", Unit: "harbour-ward", Joined: rulebook.MustDate("2026-11-02")}, ""); err != nil {
				t.Fatal(err)
			}
			evs, err := a.Events(ctx, sqldb.EventFilter{Subject: "M0991"})
			if err != nil || len(evs) != 1 {
				t.Fatal(evs, err)
			}
			id, seq := evs[0].ID, evs[0].Seq
			// Changed: the trigger refuses; with it dropped, verify sees it.
			if err := sqldbtest.Exec(db, `UPDATE personal SET data = $1 WHERE seq = $2`, `{"member.name":"Someone Else"}`, seq); err == nil {
				t.Fatal("the personal data held apart was changed")
			}
			drop := `DROP TRIGGER personal_no_update`
			if engine == "postgres" {
				drop = `ALTER TABLE personal DISABLE TRIGGER personal_no_update`
			}
			if err := sqldbtest.Exec(db, drop); err != nil {
				t.Fatal(err)
			}
			res, err := a.Verify(ctx, nil)
			if err != nil || !hasFault(res.Faults, "personal_no_update") {
				t.Fatalf("a dropped trigger: %+v %v", res, err)
			}
			if err := sqldbtest.Exec(db, `UPDATE personal SET data = $1 WHERE seq = $2`, `{"member.name":"Someone Else"}`, seq); err != nil {
				t.Fatal(err)
			}
			res, err = a.Verify(ctx, nil)
			if err != nil || !hasFault(res.Faults, "held apart from event "+id) || !hasFault(res.Faults, "was changed") {
				t.Fatalf("a changed name: %+v %v", res, err)
			}
			if _, err := a.Events(ctx, sqldb.EventFilter{Subject: "M0991"}); rulebook.ErrorCode(err) != rulebook.ETampered {
				t.Fatalf("reading a changed name: %v", err)
			}
			// Deleted without an erasure recorded.
			if err := sqldbtest.Exec(db, `DELETE FROM personal WHERE seq = $1`, seq); err != nil {
				t.Fatal(err)
			}
			res, err = a.Verify(ctx, nil)
			if err != nil || !hasFault(res.Faults, "personal data of event "+id) || !hasFault(res.Faults, "no erasure in the record names it") {
				t.Fatalf("a deleted name: %+v %v", res, err)
			}
		})
	}
}

// checkpointNow signs a checkpoint with a new key, and returns it with the
// key that verifies it.
func checkpointNow(t *testing.T, a *app.App) (*checkpoint.Checkpoint, string) {
	t.Helper()
	skey, vkey, err := checkpoint.GenerateKey("rulebook.test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Checkpoint(operator(), skey)
	if err != nil {
		t.Fatal(err)
	}
	return c, vkey
}

// fileHoldsNone checks, on SQLite, that neither the database file nor its
// log holds any of what was erased, byte for byte.
func fileHoldsNone(t *testing.T, db *sqldb.DB, erased ...string) {
	t.Helper()
	if db.Dialect() != "sqlite" {
		return
	}
	path := strings.TrimPrefix(db.DSN(), "file:")
	for i, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if (i == 0 && len(b) == 0) || (err != nil && (i == 0 || !os.IsNotExist(err))) {
			t.Fatalf("%s: %d bytes, %v", f, len(b), err)
		}
		for _, s := range erased {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s still holds %q after the erasure", f, s)
			}
		}
	}
}

func hasFault(faults []string, s string) bool {
	for _, f := range faults {
		if strings.Contains(f, s) {
			return true
		}
	}
	return false
}

func asAccount(t *testing.T, db *sqldb.DB, name string) context.Context {
	t.Helper()
	acc, err := db.Account(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return app.WithPrincipal(context.Background(), app.AccountPrincipal(acc, true, "session"))
}

// TestAccessLogRetention: access-log entries past the rule book's retention
// period for the access log are erased by a retention run — who, about whom
// and the detail gone from the log, its reads and (SQLite) the database file —
// while the log's chain, a checkpoint signed before and the record verify; an
// entry an insider marks erased beyond the erasure recorded is reported as
// hidden, and no other change of an entry is let through.
func TestAccessLogRetention(t *testing.T) {
	defer app.SetAccessErasureChunk(2)()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			a, db := demoOn(t, engine)
			ctx := operator()
			// Entries logged in the past (the demo's own are of today): two
			// years before 2026-12-01 reaches back to entries logged on
			// 2024-12-01 and before.
			old := []sqldb.Access{
				{At: time.Date(2023, 6, 1, 10, 0, 0, 0, time.UTC), Actor: "zephyrine.oldreader", Action: "view_member", Subject: "QX0001", Detail: "xyzzy-detail-one"},
				{At: time.Date(2024, 11, 30, 10, 0, 0, 0, time.UTC), Actor: "zephyrine.oldreader", Action: "view_case", Subject: "case/QX-2", Detail: "xyzzy-detail-two"},
				{At: time.Date(2024, 12, 1, 23, 59, 0, 0, time.UTC), Actor: "zephyrine.oldreader", Action: "view_member", Subject: "QX0003"},
			}
			kept := sqldb.Access{At: time.Date(2024, 12, 2, 0, 0, 1, 0, time.UTC), Actor: "wilhelmina.keptreader", Action: "view_member", Subject: "QX0004", Detail: "still-within"}
			if err := db.LogAccess(context.Background(), append(old, kept)...); err != nil {
				t.Fatal(err)
			}
			if err := a.FlushAccessLog(ctx); err != nil {
				t.Fatal(err)
			}
			before, vkey := checkpointNow(t, a)
			mustVerify(t, a)
			all, err := db.AccessLog(context.Background(), "", 0)
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]int64{}
			for _, e := range all {
				ids[e.Subject] = e.ID
			}

			on := rulebook.MustDate("2026-12-01")
			accessDue := func(xs []app.Erased) *app.Erased {
				for i := range xs {
					if xs[i].Subject == rulebook.AccessLogErasure {
						return &xs[i]
					}
				}
				return nil
			}
			due, err := a.Retention(ctx, on, false)
			if err != nil {
				t.Fatal(err)
			}
			d := accessDue(due)
			if d == nil || d.Entries != 3 || d.Through != ids["QX0003"] || d.Clause != "DP.3" || d.Due != on || d.Event != "" {
				t.Fatalf("due: %+v (ids %v)", d, ids)
			}
			// Nothing is erased by looking.
			if got, _ := db.AccessLog(context.Background(), "QX0001", 0); len(got) != 1 {
				t.Fatalf("the dry run erased: %+v", got)
			}
			done, err := a.Retention(ctx, on, true)
			if err != nil {
				t.Fatal(err)
			}
			x := accessDue(done)
			if x == nil || x.Entries != 3 || x.Through != ids["QX0003"] || x.Event == "" {
				t.Fatalf("run: %+v", x)
			}
			mustVerify(t, a)
			if _, err := a.VerifyCheckpoint(ctx, before.Note, vkey); err != nil {
				t.Fatalf("the checkpoint signed before the erasure: %v", err)
			}
			if again, err := a.Retention(ctx, on, false); err != nil || accessDue(again) != nil {
				t.Fatalf("due after the run: %+v %v", again, err)
			}
			// The erasures are in the record, two entries at most each, each
			// saying how far it reached.
			evs, err := a.Events(ctx, sqldb.EventFilter{Subject: rulebook.ErasureSubjectPrefix + rulebook.AccessLogErasure})
			if err != nil || len(evs) != 2 || evs[1].ID != x.Event ||
				!strings.Contains(string(evs[0].Data), fmt.Sprintf(`"access_through":%d`, ids["case/QX-2"])) ||
				!strings.Contains(string(evs[1].Data), fmt.Sprintf(`"access_through":%d`, x.Through)) {
				t.Fatalf("the erasures' events: %+v %v", evs, err)
			}
			for _, s := range []string{"QX0001", "case/QX-2", "QX0003"} {
				if got, err := db.AccessLog(context.Background(), s, 0); err != nil || len(got) != 0 {
					t.Errorf("entries about %s after the erasure: %+v %v", s, got, err)
				}
			}
			if got, err := db.AccessLog(context.Background(), "QX0004", 0); err != nil || len(got) != 1 || got[0].Erased || got[0].Actor != "wilhelmina.keptreader" {
				t.Errorf("the entry within its period: %+v %v", got, err)
			}
			after, err := db.AccessLog(context.Background(), "", 0)
			if err != nil {
				t.Fatal(err)
			}
			erased := 0
			for _, e := range after {
				if e.Erased {
					erased++
					if e.Actor != "" || e.Subject != "" || e.Detail != "" || e.ID > x.Through || e.Action == "" {
						t.Errorf("an erased entry: %+v", e)
					}
				}
			}
			if erased != 3 || len(after) != len(all) {
				t.Errorf("%d entries erased, %d entries of %d left", erased, len(after), len(all))
			}
			fileHoldsNone(t, db, "zephyrine.oldreader", "xyzzy-detail", "QX0001", "case/QX-2")

			// Nothing but an erasure gets past the database's trigger.
			for _, q := range []string{
				fmt.Sprintf(`UPDATE access_log SET erased = 0 WHERE id = %d`, ids["QX0001"]),
				fmt.Sprintf(`UPDATE access_log SET at = at + 1 WHERE id = %d`, ids["QX0001"]),
				fmt.Sprintf(`UPDATE access_log SET actor = '', subject = '', detail = '', erased = 1, hash = prev_hash WHERE id = %d`, ids["QX0004"]),
				fmt.Sprintf(`UPDATE access_log SET actor = 'x' WHERE id = %d`, ids["QX0004"]),
				fmt.Sprintf(`DELETE FROM access_log WHERE id = %d`, ids["QX0001"]),
			} {
				if err := sqldbtest.Exec(db, q); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: got %v, want the trigger to refuse it", q, err)
				}
			}
			// An insider hides a recent read as if erased: the trigger cannot
			// know how far the erasures reach, verify does.
			if err := sqldbtest.Exec(db, fmt.Sprintf(`UPDATE access_log SET actor = '', subject = '', detail = '', erased = 1 WHERE id = %d`, ids["QX0004"])); err != nil {
				t.Fatal(err)
			}
			res, err := a.Verify(ctx, nil)
			want := fmt.Sprintf("access-log entry %d (at 2024-12-02T00:00:01Z) is marked erased, but no erasure of the access log recorded in the chain reaches it (the furthest reaches entry %d)", ids["QX0004"], x.Through)
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || !hasFault(res.Faults, want) {
				t.Fatalf("a read hidden as erased: ok %v, faults %q\nwant %q", res.OK, res.Faults, want)
			}
		})
	}
}
