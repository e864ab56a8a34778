package demo_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestRegulatorStory plays the regulator's demo and checks what it is there to show:
// a Fellow restored as a Fellow, a fine with a reprimand, an appeal that varies a
// striking off, and a bar on restoration that outlasts the general wait.
func TestRegulatorStory(t *testing.T) {
	ctx := context.Background()
	src, err := os.ReadFile("../regulator-2020.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.Load("regulator-2020.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	d := rulebook.MustDate
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		if err := demo.LoadRegulator(ctx, db, rb, src); err != nil {
			t.Fatal(err)
		}
		if res, err := db.Verify(ctx, nil); err != nil || !res.OK {
			t.Fatalf("verify: %+v %v", res, err)
		}
		if diffs, err := db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("projection: %v %v", diffs, err)
		}
		reg, err := register.New(ctx, db, rb, src)
		if err != nil {
			t.Fatal(err)
		}
		ds := discipline.New(reg)
		if diffs, err := ds.CheckCases(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("cases: %v %v", diffs, err)
		}
		status := func(id, day string) string {
			h, err := db.History(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return h.StatusAt(d(day)).Status
		}
		for _, tc := range []struct{ id, day, want string }{
			{demo.RegulatorProtagonist, "2022-03-01", "interim_suspended"},
			{demo.RegulatorProtagonist, "2022-05-04", "fellow"}, // restored as a Fellow
			{"R0002", "2022-09-01", "struck_off"},
			{"R0002", "2022-11-15", "suspended"}, // varied on appeal
			{"R0002", "2023-09-01", "registered"},
			{"R0003", "2022-07-12", "struck_off"},
		} {
			if got := status(tc.id, tc.day); got != tc.want {
				t.Errorf("%s on %s: %s, want %s", tc.id, tc.day, got, tc.want)
			}
		}
		h, _ := db.History(ctx, demo.RegulatorProtagonist)
		if a, err := eligibility.Check(rb, h, eligibility.Question{Action: "use_fellow_designation", Date: d("2022-05-05")}); err != nil || !a.Allowed {
			t.Errorf("the Fellow after her case: %+v %v", a, err)
		}
		c, err := ds.Case(ctx, "F-2022-001")
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Sanctions) != 2 || c.Sanctions[0].Amount.String() != "GBP 3,000.00" || c.Sanctions[0].Paid != d("2022-05-20") || c.Sanctions[1].Sanction != "reprimand" {
			t.Errorf("the fine and reprimand: %+v", c.Sanctions)
		}
		c, err = ds.Case(ctx, "F-2022-002")
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Sanctions) != 4 || c.Sanctions[0].EndedHow != "varied" || len(c.InForce()) != 2 || c.Outcome != "sanction_varied" {
			t.Errorf("the varied sanction: %+v", c.Sanctions)
		}
		c, err = ds.Case(ctx, "S-2022-001")
		if err != nil {
			t.Fatal(err)
		}
		if c.Outcome != "restoration_refused" || !strings.Contains(c.Steps[0].Rationale, "five-year bar") {
			t.Errorf("the refused restoration: %+v", c)
		}
		// The bar is enforced, not merely cited: restoring on the day the refusal
		// was decided is refused by the engine.
		_, err = discipline.Decide(discipline.Env{Rules: rb, Member: func(id string) *rulebook.History { h, _ := db.History(ctx, id); return h }},
			&discipline.Case{ID: "x", Kind: "readmission", Respondent: "R0003", Opened: d("2022-06-01"), Conduct: d("2022-06-01"), State: "restoration_applied", StateSince: d("2022-06-01")},
			discipline.Command{Transition: "restore", Date: d("2022-07-12"), Body: "council", Vote: &discipline.Vote{For: 9, Against: 2}})
		if err == nil || !strings.Contains(err.Error(), "bar of 5 years") {
			t.Errorf("restoration inside the bar: %v", err)
		}
	})
}
