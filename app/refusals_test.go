package app_test

import (
	"fmt"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// refusalContest runs the Harbour mayoral selection with Max Moor (of Hill, so
// refused) turned away and his challenge upheld, Jo Jude (a day short of six
// months) refused with her challenge still pending, and the ballots given,
// counted; it returns the refusals report.
func refusalContest(t *testing.T, db *sqldb.DB, ballots [][2]string) *app.RefusalReport {
	p := newParty(t, db)
	p.open()
	_, err := p.a.FreezeElectorate(p.ctx, "mayor-2016", d("2016-09-02"))
	p.fatal(err)
	for _, m := range []string{"M12", "M10"} {
		if r := p.vote(m, "M01"); r.Refused == nil {
			t.Fatalf("%s was not refused", m)
		}
		_, err = p.a.ChallengeRefusal(p.ctx, "mayor-2016", m, d("2016-09-22"), "I may vote")
		p.fatal(err)
	}
	if _, err := p.a.SelectionRefusals(p.ctx, "mayor-2016"); rulebook.ErrorCode(err) != rulebook.ENotPermitted {
		t.Errorf("the report of a selection not counted: %v", err)
	}
	_, err = p.a.DecideChallenge(p.ctx, "mayor-2016", "M12", d("2016-09-30"), "nec_disputes_panel", true, "the move was notified in time")
	p.fatal(err)
	for _, b := range ballots {
		if r := p.vote(b[0], b[1]); r.Refused != nil {
			t.Fatalf("%s refused: %+v", b[0], r.Refused)
		}
	}
	_, err = p.a.CountSelection(p.ctx, "mayor-2016", d("2016-10-01"))
	p.fatal(err)
	rep, err := p.a.SelectionRefusals(p.ctx, "mayor-2016")
	p.fatal(err)
	if len(rep.Wrong) != 1 || rep.Wrong[0].Member != "M12" || rep.Wrong[0].Name != "Max Moor" || rep.Wrong[0].Clause != "5.I.1" ||
		rep.Wrong[0].Body != "nec_disputes_panel" || rep.Wrong[0].Decided != d("2016-09-30") || rep.Wrong[0].Voted {
		t.Errorf("found wrong: %+v", rep.Wrong)
	}
	if len(rep.Pending) != 1 || rep.Pending[0].Member != "M10" || rep.Pending[0].Clause != "5.I.2" || rep.Pending[0].Challenged != d("2016-09-22") {
		t.Errorf("pending: %+v", rep.Pending)
	}
	if rep.Refused != 2 || rep.TurnedAway != 1 || rep.WithPending != 2 {
		t.Errorf("refused %d, turned away %d, with pending %d", rep.Refused, rep.TurnedAway, rep.WithPending)
	}
	return rep
}

func verdicts(rep *app.RefusalReport) string {
	s := ""
	for _, r := range rep.Rounds {
		s += fmt.Sprintf("%d %s %s/%s needs %d: %s (pending %v); ", r.Round, r.Decision, r.Candidate, r.Against, r.Needed, r.Verdict, r.PendingCould)
	}
	return s
}

// TestSelectionRefusals: a close contest, where one voter wrongly turned away
// could have changed the exclusion (Cole 3 against Ashe 4) though not Birch's
// majority (7 of 12: 2 papers), and the pending challenge would make it 2; and a
// wide one, Birch elected with 9 of 12 (6 papers needed), which neither could.
func TestSelectionRefusals(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		t.Run("close", func(t *testing.T) {
			rep := refusalContest(t, db, [][2]string{{"M01", "M01,M02"}, {"M04", "M01"}, {"M05", "M01,M03"}, {"M16", "M01,M02"},
				{"M02", "M02,M01"}, {"M06", "M02,M03"}, {"M07", "M02"}, {"M11", "M02,M01"}, {"M17", "M02,M01"},
				{"M03", "M03,M02"}, {"M08", "M03,M02"}, {"M09", "M03,M01"}})
			want := "2 exclusion M03/M01 needs 1: 1 wrongly refused voter could have changed this round (1 needed) (pending true); " +
				"2 election M02/M01 needs 2: 1 wrongly refused voter could not have changed this round (2 needed) (pending true); "
			if got := verdicts(rep); got != want || !rep.Could || !rep.PendingCould {
				t.Errorf("rounds\n got %s\nwant %s (could %v, with pending %v)", got, want, rep.Could, rep.PendingCould)
			}
			if want := "1 wrongly refused voter turned away could have changed the result; with the 1 challenge pending upheld, 2 could"; rep.Summary != want {
				t.Errorf("summary %q, want %q", rep.Summary, want)
			}
		})
	})
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		rep := refusalContest(t, db, [][2]string{{"M01", "M01"}, {"M04", "M01"}, {"M03", "M03"},
			{"M02", "M02"}, {"M05", "M02"}, {"M06", "M02"}, {"M07", "M02"}, {"M08", "M02"}, {"M09", "M02"}, {"M11", "M02"}, {"M16", "M02"}, {"M17", "M02"}})
		want := "1 election M02/ needs 6: 1 wrongly refused voter could not have changed this round (6 needed) (pending false); "
		if got := verdicts(rep); got != want || rep.Could || rep.PendingCould {
			t.Errorf("rounds\n got %s\nwant %s (could %v, with pending %v)", got, want, rep.Could, rep.PendingCould)
		}
	})
}
