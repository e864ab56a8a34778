package register_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// A joining date (or a status_since) in the future is refused, naming the field:
// a typed year would otherwise put someone on the register who is no member on
// any day asked about until then. A day's grace allows for time zones.
func TestJoiningInTheFutureRefused(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		db.Now = func() time.Time { return time.Date(2016, 6, 1, 10, 0, 0, 0, time.UTC) }
		svc := newService(t, db)
		_, err := svc.Join(ctx, "t", rulebook.Member{ID: "m1", Name: "Ann", Joined: d("2061-06-01")}, "")
		wantField(t, "joining in 2061", err, "joined", "2061-06-01 is in the future (today is 2016-06-01)")
		if _, err := svc.Join(ctx, "t", rulebook.Member{ID: "m2", Name: "Bo", Joined: d("2016-06-02")}, ""); err != nil {
			t.Errorf("joining tomorrow (a day's grace): %v", err)
		}
		got := importProblems(t, svc, "id,name,joined,status,status_since\nA1,Ann,2061-01-01,,\nA2,Bob,2001-01-01,admin_suspended,2061-01-01\n")
		if e := got[2]; e.Field != "joined" || !strings.Contains(e.Msg, "2061-01-01 is in the future") {
			t.Errorf("row 2: %v", e)
		}
		if e := got[3]; e.Field != "status_since" || !strings.Contains(e.Msg, "2061-01-01 is in the future") {
			t.Errorf("row 3: %v", e)
		}
	})
}

// An import lists the units it creates (a check, those it would), and marks one
// whose id is nearly that of another unit of its kind: a typo in a unit column.
func TestImportListsNewUnits(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newService(t, db)
		if _, err := svc.CreateUnit(ctx, "t", rulebook.Unit{ID: "castle-ward", Name: "Castle Ward", Kind: "branch"}, d("2000-01-01")); err != nil {
			t.Fatal(err)
		}
		file := "id,name,joined,branch\n" +
			"A1,Ann,2001-01-01,castle-ward\n" +
			"A2,Bob,2001-01-01,castel-ward\n" +
			"A3,Cy,2001-01-01,mill-ward\n" +
			"A4,Di,2001-01-01,Mill_Ward\n" +
			"A5,Ed,2001-01-01,harbour\n" +
			// Numbered units, not typos; but a typo beside a number is one.
			"A6,Fi,2001-01-01,b0042\n" +
			"A7,Gu,2001-01-01,b0043\n" +
			"A8,Ho,2001-01-01,ward-12\n" +
			"A9,Io,2001-01-01,ward-21\n" +
			"A10,Jo,2001-01-01,castel-ward2\n"
		res, err := svc.CheckImport(ctx, "t", strings.NewReader(file), "m.csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		rows := map[string]int{}
		for _, u := range res.NewUnits {
			got[u.ID], rows[u.ID] = u.Like, u.Row
		}
		want := map[string]string{"castel-ward": "castle-ward", "mill-ward": "", "Mill_Ward": "mill-ward", "harbour": "",
			"b0042": "", "b0043": "", "ward-12": "", "ward-21": "", "castel-ward2": "castle-ward"}
		if len(got) != len(want) || res.Units != len(want) {
			t.Fatalf("new units %+v, want %v", res.NewUnits, want)
		}
		for id, like := range want {
			if got[id] != like {
				t.Errorf("%s: like %q, want %q", id, got[id], like)
			}
		}
		if rows["castel-ward"] != 3 || rows["harbour"] != 6 {
			t.Errorf("first rows: %v", rows)
		}
		if units, _ := db.Units(ctx); len(units) != 1 {
			t.Errorf("a check created units: %v", units)
		}
	})
}
