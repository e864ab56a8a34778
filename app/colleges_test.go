package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// openCollege opens a selection of Harbour's candidate by the example party's
// electoral college (members and affiliated organisations, half each) and
// nominates Ann (M01) and Bob (M02).
func (p *party) openCollege() {
	p.t.Helper()
	_, err := p.a.OpenSelection(p.ctx, app.OpenSelectionInput{ID: "college-2016", Procedure: "mayoral_college", Contest: "Mayor of Harbour 2016", Unit: "harbour",
		Date: d("2016-07-01"), Timetable: rulebook.Timetable{FreezeDate: d("2016-09-01"), NominationsClose: d("2016-08-15"), Ballot: d("2016-09-20"), BallotCloses: d("2016-09-30")}})
	p.fatal(err)
	for _, n := range [][]string{{"M01", "M04", "M05"}, {"M02", "M06", "M07"}} {
		r, err := p.a.Nominate(p.ctx, "college-2016", app.NominationInput{Candidate: n[0], Nominators: n[1:], Date: d("2016-08-01")})
		p.fatal(err)
		if r.Refused != nil {
			p.t.Fatalf("nomination of %s refused: %+v", n[0], r.Refused)
		}
	}
}

func (p *party) collegeVote(section, voter, ranking string) *app.BallotResult {
	p.t.Helper()
	r, err := p.a.CastCollegeBallot(p.ctx, "college-2016", section, voter, strings.Split(ranking, ","), d("2016-09-21"))
	p.fatal(err)
	return r
}

func (p *party) noDiffs(when string) {
	p.t.Helper()
	diffs, err := p.a.CheckProjection(p.ctx)
	p.fatal(err)
	if len(diffs) > 0 {
		p.t.Errorf("%s: the projection differs from a rebuild:\n%s", when, strings.Join(diffs, "\n"))
	}
}

// TestCollegeSelection runs a selection by electoral college: a roll for the
// affiliates' section (a member on it votes in both sections), each section's
// electorate frozen, ballots cast and papers entered per section, refusals with
// the clause, and a count in which Ann wins the members' section and loses the
// college:
//
//	members:    Ann 3, Bob 1      (75% / 25%),  weighted 3/8 and 1/8
//	affiliates: Ann 1, Bob 4 + 2 papers (1/7, 6/7), weighted 1/14 and 3/7
//	college:    Ann 25/56 (44.64%), Bob 31/56 (55.36%)
func TestCollegeSelection(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		p := newParty(t, db)
		p.openCollege()
		const id = "college-2016"
		if _, err := p.a.FreezeElectorate(p.ctx, id, d("2016-09-02")); rulebook.ErrorCode(err) != rulebook.ENotPermitted || !strings.Contains(err.Error(), "no roll") {
			t.Errorf("a freeze before the affiliates' roll: %v", err)
		}
		if _, err := p.a.EnterRoll(p.ctx, id, "members", []app.RollVoter{{ID: "A1"}}, d("2016-08-20")); err == nil || !strings.Contains(err.Error(), "it has no roll") {
			t.Errorf("a roll for the members' section: %v", err)
		}
		if _, err := p.a.EnterRoll(p.ctx, id, "affiliates", []app.RollVoter{{ID: "A1"}, {ID: "A2"}, {ID: "A1"}}, d("2016-08-20")); err == nil || !strings.Contains(err.Error(), "voters[2].id") {
			t.Errorf("a voter twice on the roll: %v", err)
		}
		roll := []app.RollVoter{{ID: "A1", Name: "Uma Union"}, {ID: "A2", Name: "Vic Vale"}, {ID: "A3", Name: "Wyn West"}, {ID: "A4", Name: "Xan Yeo"}, {ID: "M04", Name: "Dan Dee"}}
		_, err := p.a.EnterRoll(p.ctx, id, "affiliates", roll, d("2016-08-20"))
		p.fatal(err)
		s, err := p.a.FreezeElectorate(p.ctx, id, d("2016-09-02"))
		p.fatal(err)
		if s.State != rulebook.SelectionBallot || len(s.College.Frozen) != 2 || s.College.Frozen[1].Count != 5 {
			t.Fatalf("frozen: state %s, %+v", s.State, s.College.Frozen)
		}
		members, err := p.a.SectionElectorate(p.ctx, id, "members")
		p.fatal(err)
		var ids []string
		for _, m := range members {
			ids = append(ids, m.Member)
		}
		// Harbour's members of six months at the freeze date (M10 a day short, M13
		// suspended, M12 of Hill; M11 by the NEC's waiver).
		if want := "M01 M02 M03 M04 M05 M06 M07 M08 M09 M11 M14 M16 M17"; strings.Join(ids, " ") != want {
			t.Errorf("members' section %s, want %s", strings.Join(ids, " "), want)
		}
		if _, err := p.a.CastBallot(p.ctx, id, "M03", []string{"M01"}, d("2016-09-21")); err == nil || !strings.Contains(err.Error(), "give the section") {
			t.Errorf("a ballot without a section: %v", err)
		}
		for _, v := range [][3]string{{"members", "M03", "M01"}, {"members", "M04", "M01,M02"}, {"members", "M05", "M01"}, {"members", "M06", "M02,M01"},
			{"affiliates", "A1", "M02"}, {"affiliates", "A2", "M02"}, {"affiliates", "A3", "M02,M01"}, {"affiliates", "A4", "M01"}, {"affiliates", "M04", "M02"}} {
			if r := p.collegeVote(v[0], v[1], v[2]); r.Refused != nil {
				t.Fatalf("%s in %s refused: %+v", v[1], v[0], r.Refused)
			}
		}
		if _, err := p.a.CastCollegeBallot(p.ctx, id, "members", "M04", []string{"M02"}, d("2016-09-22")); rulebook.ErrorCode(err) != rulebook.EConflict {
			t.Errorf("a second ballot in the same section: %v", err)
		}
		for _, tc := range []struct{ section, voter, clause, reason string }{
			{"members", "M10", "5.I.2", "section members"},
			{"affiliates", "A9", "5.II.1", "not on the roll of section affiliates"},
			{"members", "A1", "5.II.1", "not on the register"},
		} {
			if r := p.collegeVote(tc.section, tc.voter, "M01"); r.Refused == nil || r.Refused.Clause != tc.clause || !strings.Contains(r.Refused.Reason, tc.reason) {
				t.Errorf("%s in %s: %+v, want refused under %s: %s", tc.voter, tc.section, r.Refused, tc.clause, tc.reason)
			}
		}
		if _, err := p.a.CastCollegeBallot(p.ctx, id, "unions", "A1", []string{"M02"}, d("2016-09-22")); err == nil || !strings.Contains(err.Error(), "sections: members, affiliates") {
			t.Errorf("an unknown section: %v", err)
		}
		_, err = p.a.EnterCollegePapers(p.ctx, id, "affiliates", d("2016-09-30"), []rulebook.BallotCount{{Ranking: []string{"M02"}, Papers: 2}}, 1)
		p.fatal(err)
		p.noDiffs("before the seal")
		s, err = p.a.CountSelection(p.ctx, id, d("2016-10-01"))
		p.fatal(err)
		if s.State != rulebook.SelectionCounted || !slices.Equal(s.Result.Elected, []string{"M02"}) {
			t.Fatalf("state %s, result %+v", s.State, s.Result)
		}
		res := s.College.Result
		r := res.Rounds[0]
		if r.TotalExact["M01"] != "25/56" || r.TotalExact["M02"] != "31/56" || r.Total["M01"] != "44.64" || r.Total["M02"] != "55.36" {
			t.Errorf("weighted totals %v %v", r.TotalExact, r.Total)
		}
		if m, a := r.Sections[0], r.Sections[1]; m.Votes["M01"] != "3" || m.Percent["M01"] != "75.00" || a.Votes["M02"] != "6" || a.ContributionExact["M02"] != "3/7" {
			t.Errorf("sections %+v %+v", m, a)
		}
		if !res.SectionWinnerLost || len(res.Upsets) != 1 || res.Upsets[0].Candidate != "M01" || res.Upsets[0].Section != "members" {
			t.Errorf("the members' winner losing the college is not flagged: %+v", res.Upsets)
		}
		if len(s.Result.Warnings) != 1 || !strings.Contains(s.Result.Warnings[0], "M01 won the Individual members section (75.00% of its votes) but lost the college") {
			t.Errorf("summary warnings %v", s.Result.Warnings)
		}
		sealed := s.College.Sealed[0].Sections
		if sealed[0].Marked != 4 || sealed[1].Marked != 5 || sealed[1].Entered != 2 || sealed[1].Rejected != 1 {
			t.Errorf("sealed %+v", sealed)
		}
		p.noDiffs("after the count")
		_, err = p.a.Endorse(p.ctx, id, d("2016-10-05"), rulebook.Endorsement{Body: "nec"})
		p.fatal(err)
		list, err := p.a.OfficialCandidates(p.ctx, d("2016-10-06"))
		p.fatal(err)
		if len(list) != 1 || list[0].Member != "M02" {
			t.Errorf("official candidates %+v", list)
		}
		// No table of ballots names a voter: each section's are by ranking alone.
		bs, err := db.Ballots(p.ctx, rulebook.CollegeKey(id, "affiliates", 1))
		p.fatal(err)
		if len(bs) != 3 {
			t.Errorf("affiliates' ballots %+v", bs)
		}
	})
}

// TestTriggerBallot: a unit's decision is recorded with its date and clause; a
// third of the branches asking opens a selection caused by the trigger ballot;
// fewer reselect the holder onto the official candidates.
func TestTriggerBallot(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		p := newParty(t, db)
		for _, u := range []rulebook.Unit{{ID: "harbour-north", Name: "Harbour North", Kind: "branch", Parent: "harbour"}, {ID: "harbour-south", Name: "Harbour South", Kind: "branch", Parent: "harbour"},
			{ID: "hill-ward", Name: "Hill Ward", Kind: "branch", Parent: "hill"}} {
			_, err := p.a.CreateUnit(p.ctx, u, d("2000-01-01"))
			p.fatal(err)
		}
		in := app.TriggerInput{ID: "t-2016", Procedure: "mayoral_college", Contest: "Mayor of Harbour 2016", Unit: "harbour", Holder: "M01", Date: d("2016-03-01"), Closes: d("2016-04-30")}
		if _, err := p.a.OpenTrigger(p.ctx, app.TriggerInput{ID: "x", Procedure: "mayoral_selection", Contest: "c", Holder: "M01", Date: d("2016-03-01"), Closes: d("2016-04-30")}); err == nil || !strings.Contains(err.Error(), "declares no trigger ballot") {
			t.Errorf("a trigger under a procedure without one: %v", err)
		}
		tr, err := p.a.OpenTrigger(p.ctx, in)
		p.fatal(err)
		if strings.Join(tr.Units, " ") != "harbour-north harbour-south harbour-ward" || tr.Share != "1/3" || tr.Clause != "5.II.2" {
			t.Fatalf("trigger %+v", tr)
		}
		_, err = p.a.DecideTrigger(p.ctx, "t-2016", "harbour-ward", true, d("2016-03-10"))
		p.fatal(err)
		if _, err := p.a.DecideTrigger(p.ctx, "t-2016", "harbour-ward", false, d("2016-03-11")); rulebook.ErrorCode(err) != rulebook.EConflict {
			t.Errorf("a unit deciding twice: %v", err)
		}
		if _, err := p.a.DecideTrigger(p.ctx, "t-2016", "hill-ward", true, d("2016-03-11")); err == nil || !strings.Contains(err.Error(), "not balloted") {
			t.Errorf("a unit outside the area: %v", err)
		}
		_, err = p.a.DecideTrigger(p.ctx, "t-2016", "harbour-north", false, d("2016-03-12"))
		p.fatal(err)
		if _, err := p.a.CloseTrigger(p.ctx, "t-2016", d("2016-05-01"), nil); err == nil || !strings.Contains(err.Error(), "1 of 3 units asked") {
			t.Errorf("a close that opens a selection without its timetable: %v", err)
		}
		r, err := p.a.CloseTrigger(p.ctx, "t-2016", d("2016-05-01"), &app.OpenSelectionInput{ID: "open-2016",
			Timetable: rulebook.Timetable{FreezeDate: d("2016-09-01"), NominationsClose: d("2016-08-15"), Ballot: d("2016-09-20"), BallotCloses: d("2016-09-30")}})
		p.fatal(err)
		c := r.Trigger.Closed
		if c == nil || c.Outcome != rulebook.TriggerOpenSelection || c.Asked != 1 || c.Units != 3 || c.Selection != "open-2016" || c.Clause != "5.II.2" {
			t.Fatalf("closed %+v", c)
		}
		v, err := p.a.Selection(p.ctx, "open-2016", d("2016-05-01"))
		p.fatal(err)
		if v.Cause != "trigger/t-2016" || v.Procedure != "mayoral_college" || v.Unit != "harbour" || v.Contest != "Mayor of Harbour 2016" || v.CollegeSpec == nil {
			t.Errorf("selection opened %+v", v.SelectionOpened)
		}
		if _, err := p.a.DecideTrigger(p.ctx, "t-2016", "harbour-south", true, d("2016-04-01")); rulebook.ErrorCode(err) != rulebook.ENotPermitted {
			t.Errorf("a decision after the close: %v", err)
		}

		in.ID, in.Holder = "t2-2016", "M02"
		_, err = p.a.OpenTrigger(p.ctx, in)
		p.fatal(err)
		_, err = p.a.DecideTrigger(p.ctx, "t2-2016", "harbour-south", false, d("2016-03-10"))
		p.fatal(err)
		r, err = p.a.CloseTrigger(p.ctx, "t2-2016", d("2016-05-01"), nil)
		p.fatal(err)
		if c := r.Trigger.Closed; c.Outcome != rulebook.TriggerReselected || c.Asked != 0 || c.Entry != "t2-2016-M02" || c.List != "official_candidates" {
			t.Fatalf("closed %+v", c)
		}
		list, err := p.a.OfficialCandidates(p.ctx, d("2016-05-02"))
		p.fatal(err)
		if len(list) != 1 || list[0].Member != "M02" || list[0].About != "Mayor of Harbour 2016" {
			t.Errorf("official candidates %+v", list)
		}
		got, err := p.a.Trigger(p.ctx, "t2-2016")
		p.fatal(err)
		if len(got.Decisions) != 1 || got.Decisions[0].Date != d("2016-03-10") || got.Decisions[0].Clause != "5.II.2" || got.Closed == nil {
			t.Errorf("trigger read back %+v", got)
		}
		evs, err := p.a.Events(p.ctx, sqldb.EventFilter{Subject: "trigger/t2-2016"})
		p.fatal(err)
		if len(evs) != 3 || evs[2].Type != rulebook.EventTriggerClosed {
			t.Errorf("%d events", len(evs))
		}
		p.noDiffs("after the trigger ballots")
	})
}
