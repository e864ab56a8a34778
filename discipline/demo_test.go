package discipline_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestDemoCasesReplay plays the demo story through the workflow and checks every
// case it leaves: replayed from its events it equals the stored projection, and
// the story's turning points are on the record.
func TestDemoCasesReplay(t *testing.T) {
	ctx := context.Background()
	d := rulebook.MustDate
	src, err := os.ReadFile("../examples/labour-2016.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.Load("labour-2016.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		if err := demo.Load(ctx, db, rb, src); err != nil {
			t.Fatal(err)
		}
		reg, err := register.New(ctx, db, rb, src)
		if err != nil {
			t.Fatal(err)
		}
		s := discipline.New(reg)
		rows, err := db.CaseRows(ctx, sqldb.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 8 {
			t.Fatalf("the demo left %d cases", len(rows))
		}
		cases := map[string]*discipline.Case{}
		for _, r := range rows {
			stored, err := s.Case(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			replayed, err := s.Replay(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := jsonOf(t, stored), jsonOf(t, replayed); a != b {
				t.Errorf("case %s: replay differs from the projection:\n%s\n%s", r.ID, b, a)
			}
			cases[r.ID] = stored
		}
		k := cases["D-2016-001"]
		if k == nil || len(k.Sanctions) != 1 || k.Sanctions[0].CreditFrom != d("2016-04-28") || k.Sanctions[0].Until != d("2018-04-27") {
			t.Fatalf("the 2017 sanction: %+v", k)
		}
		if len(k.Refusals) != 1 || k.Refusals[0].Clause != "6.I.1.D" || k.Refusals[0].Body != "nec_officers" {
			t.Errorf("the review demand: %+v", k.Refusals)
		}
		if p := len(k.ProvedCounts()); p != 3 {
			t.Errorf("%d counts proved, want 3", p)
		}
		k18 := cases["D-2018-001"]
		if k18 == nil || k18.Suspension == nil || k18.Suspension.From != d("2018-04-27") || k18.Outcome != "respondent_left" {
			t.Fatalf("the 2018 case: %+v", k18)
		}
		// The scheduled suspension's link names the member event that imposed it.
		ev, err := db.Event(ctx, k18.Suspension.Event)
		if err != nil || ev.Type != rulebook.EventStatusChanged || ev.Subject != demo.Protagonist || ev.Effective != d("2018-04-27") {
			t.Errorf("the suspension's member event: %+v, %v", ev, err)
		}
		if x := cases["D-2010-001"]; x == nil || x.Outcome != "exclusion_declined" || x.Steps[len(x.Steps)-1].Rationale == "" {
			t.Errorf("the declined exclusion: %+v", x)
		}
		h, err := db.History(ctx, demo.Protagonist)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []struct{ on, status string }{
			{"2016-04-28", "admin_suspended"}, {"2017-04-04", "sanction_suspended"}, {"2018-04-27", "admin_suspended"}, {"2018-05-21", "resigned"},
		} {
			if p := h.StatusAt(d(w.on)); p == nil || p.Status != w.status {
				t.Errorf("on %s the protagonist is %+v, want %s", w.on, p, w.status)
			}
		}
	})
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
