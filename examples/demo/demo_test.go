package demo_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

func TestDemoStory(t *testing.T) {
	ctx := context.Background()
	d := rulebook.MustDate
	eachDemo(t, func(t *testing.T, db *sqldb.DB, rb *rules.RuleBook, src []byte) {
		if err := demo.Load(ctx, db, rb, src); err == nil {
			t.Fatal("loaded the demo twice")
		}
		if res, err := db.Verify(ctx, nil); err != nil || !res.OK {
			t.Fatalf("verify: %+v %v", res, err)
		}
		if diffs, err := db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("projection: %v %v", diffs, err)
		}
		h, err := db.History(ctx, demo.Protagonist)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			action, date, freeze string
			allowed              bool
			status, clause       string
		}{
			{"vote_in_selection", "1999-06-01", "1999-01-01", true, "active", "2.II.1"},
			{"vote_in_selection", "2003-06-01", "", false, "auto_excluded", "2.II.3"},
			// Readmitted a month before, the qualifying periods waived for the 2004
			// mayoral selection.
			{"vote_in_selection", "2004-03-01", "2004-02-01", true, "active", "2.II.1"},
			{"stand_as_candidate", "2004-03-01", "", true, "active", "2.II.1"},
			{"stand_as_candidate", "2005-01-02", "", false, "active", "5.I.3"}, // the waiver ended
			{"vote_in_selection", "2005-03-01", "2005-02-01", true, "active", "2.II.1"},
			{"attend_branch_meetings", "2016-06-01", "", true, "admin_suspended", "6.I.1.B"},
			{"attend_constituency_meetings", "2016-06-01", "", false, "admin_suspended", "6.I.1.B"},
			{"sign_nomination_papers", "2016-06-01", "", false, "admin_suspended", "6.I.1.B"},
			{"vote_in_selection", "2016-06-01", "2015-12-01", false, "admin_suspended", "6.I.1.B"},
			{"vote_in_all_member_ballot", "2016-06-01", "", true, "admin_suspended", "6.I.1.B"},
			{"vote_in_all_member_ballot", "2017-06-01", "", true, "sanction_suspended", "6.I.1.D"},
			{"stand_as_candidate", "2017-06-01", "", false, "sanction_suspended", "6.I.1.D"},
			{"hold_office", "2018-04-26", "", false, "sanction_suspended", "6.I.1.D"},
			{"attend_constituency_meetings", "2018-04-27", "", false, "admin_suspended", "6.I.1.B"},
			{"canvass", "2018-06-01", "", false, "resigned", "2.II.3"},
		}
		for _, tc := range cases {
			q := eligibility.Question{Action: tc.action, Date: d(tc.date)}
			if tc.freeze != "" {
				q.FreezeDate = d(tc.freeze)
			}
			a, err := eligibility.Check(rb, h, q)
			if err != nil {
				t.Fatalf("%s on %s: %v", tc.action, tc.date, err)
			}
			if a.Allowed != tc.allowed || a.Status != tc.status || a.Clause == nil || a.Clause.ID != tc.clause {
				t.Errorf("%s on %s: allowed=%v status=%s clause=%v (%s)", tc.action, tc.date, a.Allowed, a.Status, a.Clause, a.Reason)
			}
			if waived := tc.date == "2004-03-01"; waived != (len(a.Waived) == 1) {
				t.Errorf("%s on %s: waivers cited %+v", tc.action, tc.date, a.Waived)
			}
		}
		// What was believed on 1 April 2018 about May 2018: the new suspension had
		// been decided (March) but not the resignation.
		before, err := db.HistoryAsRecorded(ctx, demo.Protagonist, time.Date(2018, 4, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if s := before.StatusAt(d("2018-06-01")).Status; s != "admin_suspended" {
			t.Errorf("as recorded on 2018-04-01, status on 2018-06-01 = %s, want admin_suspended", s)
		}
		// The lapse entered in error in 2012 was believed for four weeks.
		m17, _ := db.HistoryAsRecorded(ctx, "M0017", time.Date(2012, 1, 20, 0, 0, 0, 0, time.UTC))
		now17, _ := db.History(ctx, "M0017")
		if m17.StatusAt(d("2012-01-10")).Status != "lapsed" || now17.StatusAt(d("2012-01-10")).Status != "active" {
			t.Error("the corrected lapse does not show bitemporally")
		}
		// The narrowed suspension of M0025 bars the ballot the matrix would allow.
		m25, _ := db.History(ctx, "M0025")
		a, _ := eligibility.Check(rb, m25, eligibility.Question{Action: "vote_in_all_member_ballot", Date: d("2016-08-01")})
		if a.Allowed || a.DecidedBy != eligibility.ByDecision {
			t.Errorf("M0025: %+v", a)
		}
		list, _, err := eligibility.Electorate(rb, mustHistories(t, db), eligibility.Question{Action: "vote_in_selection", Date: d("2016-09-20"), FreezeDate: d("2016-09-01")})
		if err != nil {
			t.Fatal(err)
		}
		in := map[string]bool{}
		for _, e := range list {
			in[e.Member] = true
		}
		// M0033 joined 2016-02-10 (six months by the freeze date); M0034 joined June.
		if !in["M0033"] || in["M0034"] || in[demo.Protagonist] || in["M0022"] {
			t.Errorf("electorate: %v", in)
		}
	})
}

func mustHistories(t *testing.T, db *sqldb.DB) []*rulebook.History {
	hs, err := db.Histories(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

// eachDemo loads the demo party's rule book and story into a database of each
// engine and runs f on it, with the rule book and its source.
func eachDemo(t *testing.T, f func(t *testing.T, db *sqldb.DB, rb *rules.RuleBook, src []byte)) {
	src, err := os.ReadFile("../labour-2016.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.Load("labour-2016.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		if err := demo.Load(context.Background(), db, rb, src); err != nil {
			t.Fatal(err)
		}
		f(t, db, rb, src)
	})
}
