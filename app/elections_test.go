package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// The demo's 2020-21 story, through the application: the list ranked by repeated
// counts, the region's list seats filled from it passing over a constituency
// winner, the supplementary vote with its majority, turnout and change, and the
// automatic exclusions opened from the statement of persons nominated.
func TestListsAndPublicElections(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a, _ := demoInto(t, db)
		ctx := operator()
		d := rulebook.MustDate
		list, err := a.EndorsedList(ctx, "assembly-list-2020", d("2021-05-06"))
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, p := range list {
			order = append(order, p.Member)
		}
		if strings.Join(order, " ") != "M0004 M0013 M0018 M0007" {
			t.Fatalf("list %v", order)
		}
		v, err := a.Election(ctx, "assembly-region-2021")
		if err != nil {
			t.Fatal(err)
		}
		k := v.Count
		if strings.Join(k.Winners, "|") != "Gwen Oduya (M0004)|Hugh Darby|Chloe Ramsden (M0018)|Lena Okafor" || k.Lists["Labour"] != "assembly-list-2020" {
			t.Fatalf("region: %+v", k)
		}
		aw := k.Result.Awards
		if aw[1].Quotient != "19000.000000" || !slices.Equal(aw[1].Skipped, []string{"Ada Pennock"}) ||
			aw[2].Quotient != "14000.000000" || !slices.Equal(aw[2].Skipped, []string{"Fergus Almond (M0013)"}) || aw[3].Quotient != "13000.000000" {
			t.Fatalf("awards %+v", aw)
		}
		if k.Result.TotalSeats["Labour"] != 3 || k.Result.TotalSeats["Conservative"] != 2 || k.Result.TotalSeats["Green"] != 1 {
			t.Fatalf("total seats %v", k.Result.TotalSeats)
		}
		m, err := a.Election(ctx, "northport-mayor-2021")
		if err != nil {
			t.Fatal(err)
		}
		// 31,200 + 9,650 = 40,850 to 24,900 + 5,120 = 30,020; turnout 89,420 of
		// 176,000; Labour's share 35.33% against 45.45% in 2016.
		if mk := m.Count; mk.Majority != "10830" || mk.Turnout != "50.81" || mk.Outcome != "Labour hold" || mk.Change["Labour"] != "-10.12" || mk.Change["Independent"] != "+25.37" {
			t.Fatalf("mayor: %+v", mk)
		}
		found, err := a.ElectionConduct(ctx, "northport-mayor-2021")
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 2 || found[0].Member != "M0006" || found[0].Trigger != "stood_against_official_candidate" || found[0].Entry != "northport-mayor-2021-M0011" ||
			found[1].Member != "M0003" || found[1].Trigger != "supported_candidate_against_official" || found[0].Case == "" || found[1].Case == "" {
			t.Fatalf("conduct %+v", found)
		}
		f, err := a.Case(ctx, found[0].Case, rulebook.NoDate)
		if err != nil {
			t.Fatal(err)
		}
		if f.Case.Outcome != "excluded" || f.Case.Trigger == nil || f.Case.Trigger.Conduct != d("2021-04-08") {
			t.Fatalf("case %+v", f.Case)
		}
		// Opening again opens nothing more: each conduct has its case.
		again, err := a.OpenElectionExclusions(ctx, "northport-mayor-2021", "compliance_unit", d("2021-05-10"))
		if err != nil || again[0].Case != found[0].Case {
			t.Fatalf("%v %+v", err, again)
		}
		// The deselected candidate's entry ended before the nominations: had the
		// contest been fought against her, no trigger would hold.
		c := m.PublicContest
		c.ID, c.Previous, c.Candidates = "what-if", "", []rulebook.PublicCandidate{{Name: "Aisha Penhallow", Member: "M0006", Party: "Labour"}, {Name: "Samir Holt", Member: "M0011", Party: "Independent"}}
		c.Poll, c.Nominated, c.Declared = d("2020-12-10"), d("2020-12-01"), false
		if _, err := a.EnterElection(ctx, c, d("2021-05-10")); err != nil {
			t.Fatal(err)
		}
		if got, err := a.ElectionConduct(ctx, "what-if"); err != nil || len(got) != 0 {
			t.Fatalf("%v %+v", err, got)
		}
		// Mistakes are refused by field.
		for _, tc := range []struct {
			err   error
			field string
		}{
			{func() error { _, err := a.CountElection(ctx, "what-if", d("2021-05-10"), nil); return err }(), ""},
			{func() error {
				_, err := a.CountElection(ctx, "northport-mayor-2021", d("2021-05-10"), map[string]string{"Labour": "assembly-list-2020"})
				return err
			}(), "list"},
			{func() error {
				_, err := a.RecordSupport(ctx, "northport-mayor-2021", rulebook.ElectionSupport{Candidate: "Nobody", Member: "M0003", How: "campaigned", Evidence: "x"}, d("2021-05-10"))
				return err
			}(), "candidate"},
			{func() error {
				x := c
				x.ID, x.Candidates = "x", []rulebook.PublicCandidate{{Name: "A", Member: "M9999"}}
				_, err := a.EnterElection(ctx, x, d("2021-05-10"))
				return err
			}(), "candidates"},
		} {
			if tc.err == nil || (tc.field != "" && !strings.Contains(tc.err.Error(), tc.field)) {
				t.Errorf("want an error (%s): %v", tc.field, tc.err)
			}
		}
	})
}
