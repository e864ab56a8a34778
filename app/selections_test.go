package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

var d = rulebook.MustDate

// party is the Labour example with a few members of two constituencies, for
// selections: small, so that each test runs in a moment on both engines.
type party struct {
	t   *testing.T
	a   *app.App
	db  *sqldb.DB
	reg *register.Service
	ctx context.Context
}

func newParty(t *testing.T, db *sqldb.DB) *party {
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
	db.Now = func() time.Time { return time.Date(2017, 1, 1, 9, 0, 0, 0, time.UTC) }
	reg, err := register.New(ctx, db, rb, src)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	p := &party{t: t, a: a, db: db, reg: reg, ctx: operator()}
	for _, u := range []rulebook.Unit{{ID: "harbour", Name: "Harbour CLP", Kind: "constituency"}, {ID: "harbour-ward", Name: "Harbour Ward", Kind: "branch", Parent: "harbour"},
		{ID: "hill", Name: "Hill CLP", Kind: "constituency"}} {
		if _, err := a.CreateUnit(p.ctx, u, d("2000-01-01")); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []struct{ id, name, joined, unit string }{
		{"M01", "Ann Ashe", "2010-01-01", "harbour-ward"}, {"M02", "Bob Birch", "2010-01-01", "harbour-ward"}, {"M03", "Cat Cole", "2010-01-01", "harbour"},
		{"M04", "Dan Dee", "2012-01-01", "harbour-ward"}, {"M05", "Eve Ely", "2012-01-01", "harbour-ward"}, {"M06", "Fay Fox", "2012-01-01", "harbour-ward"},
		{"M07", "Gus Gray", "2012-01-01", "harbour-ward"}, {"M08", "Hal Hay", "2012-01-01", "harbour-ward"}, {"M09", "Ivy Ince", "2012-01-01", "harbour-ward"},
		// A day short of six months' membership at the freeze date, and exactly six.
		{"M10", "Jo Jude", "2016-03-02", "harbour-ward"}, {"M17", "Kit Kerr", "2016-03-01", "harbour-ward"},
		// Four months, with the NEC's waiver.
		{"M11", "Lou Lamb", "2016-05-01", "harbour-ward"},
		{"M12", "Max Moor", "2010-01-01", "hill"},
		{"M13", "Ned Nash", "2010-01-01", "harbour-ward"},
		{"M14", "Oona Orr", "2016-01-01", "harbour-ward"},
		{"M16", "Pat Pike", "2010-01-01", "harbour"},
	} {
		if _, _, err := a.Join(p.ctx, rulebook.Member{ID: m.id, Name: m.name, Joined: d(m.joined), Unit: m.unit}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.ChangeStatus(p.ctx, "M13", d("2016-08-01"), rulebook.StatusChange{Status: "admin_suspended",
		Decision: rulebook.Decision{Body: "general_secretary", Clause: "6.I.1.B", Reason: "pending investigation"}}, 0); err != nil {
		t.Fatal(err)
	}
	h, err := db.History(ctx, "M11")
	if err != nil {
		t.Fatal(err)
	}
	w, err := reg.WaiverEvent(h, "test", d("2016-08-01"), rulebook.Waiver{Action: "vote_in_selection", Clause: "5.I.2",
		Decision: rulebook.Decision{Body: "nec", Reason: "transferred from a sister party"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Append(ctx, w); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *party) fatal(err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatal(err)
	}
}

// open opens the mayoral selection of Harbour in 2016 and nominates three.
func (p *party) open() {
	p.t.Helper()
	_, err := p.a.OpenSelection(p.ctx, app.OpenSelectionInput{ID: "mayor-2016", Procedure: "mayoral_selection", Contest: "Mayor of Harbour 2016", Unit: "harbour",
		Date: d("2016-07-01"), Timetable: rulebook.Timetable{FreezeDate: d("2016-09-01"), NominationsClose: d("2016-08-15"), Ballot: d("2016-09-20"), BallotCloses: d("2016-09-30")}})
	p.fatal(err)
	for _, n := range [][]string{{"M01", "M04", "M05"}, {"M02", "M06", "M07"}, {"M03", "M08", "M09"}} {
		r, err := p.a.Nominate(p.ctx, "mayor-2016", app.NominationInput{Candidate: n[0], Nominators: n[1:], Date: d("2016-08-01")})
		p.fatal(err)
		if r.Refused != nil {
			p.t.Fatalf("nomination of %s refused: %+v", n[0], r.Refused)
		}
	}
}

func (p *party) vote(member, ranking string) *app.BallotResult {
	p.t.Helper()
	r, err := p.a.CastBallot(p.ctx, "mayor-2016", member, strings.Split(ranking, ","), d("2016-09-21"))
	p.fatal(err)
	return r
}

// TestSelectionNominations: a candidate who may not stand, a nominator who may
// not nominate or is of another unit, and too few nominators are refused, each
// with the clause, and recorded.
func TestSelectionNominations(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		p := newParty(t, db)
		p.open()
		for _, tc := range []struct {
			candidate   string
			nominators  []string
			who, clause string
			reason      string
		}{
			{"M14", []string{"M04", "M05"}, "M14", "5.I.3", "less than the 12 months required"},
			{"M16", []string{"M04", "M13"}, "M13", "6.I.1.B", "may not sign nomination papers"},
			{"M16", []string{"M04", "M12"}, "M12", "5.I.1", "a member of hill, not of harbour"},
			{"M16", []string{"M04"}, "", "5.I.1", "1 valid nominator;"},
			{"M16", []string{"M04", "X99"}, "X99", "5.I.1", "not on the register"},
		} {
			r, err := p.a.Nominate(p.ctx, "mayor-2016", app.NominationInput{Candidate: tc.candidate, Nominators: tc.nominators, Date: d("2016-08-10")})
			p.fatal(err)
			if r.Refused == nil || r.Refused.Who != tc.who || r.Refused.Clause != tc.clause || !strings.Contains(r.Refused.Reason, tc.reason) {
				t.Errorf("%s nominated by %v: %+v, want refused (%s) under %s: %s", tc.candidate, tc.nominators, r.Refused, tc.who, tc.clause, tc.reason)
			}
		}
		if _, err := p.a.Nominate(p.ctx, "mayor-2016", app.NominationInput{Candidate: "M16", Nominators: []string{"M04", "M05"}, Date: d("2016-08-16")}); rulebook.ErrorCode(err) != rulebook.ENotPermitted {
			t.Errorf("a nomination after nominations closed: %v", err)
		}
		if _, err := p.a.Nominate(p.ctx, "mayor-2016", app.NominationInput{Candidate: "M01", Nominators: []string{"M04", "M05"}, Date: d("2016-08-10")}); rulebook.ErrorCode(err) != rulebook.EConflict {
			t.Errorf("a second nomination of the same candidate: %v", err)
		}
		v, err := p.a.Selection(p.ctx, "mayor-2016", d("2016-08-10"))
		p.fatal(err)
		if len(v.Refused) != 5 || len(v.OnBallot()) != 3 || v.Names["M02"] != "Bob Birch" {
			t.Errorf("selection: %d refused, on the ballot %v, names %v", len(v.Refused), v.OnBallot(), v.Names)
		}
		// The refusals are in the record, their reasons held apart as personal data.
		evs, err := p.a.Events(p.ctx, sqldb.EventFilter{Subject: "selection/mayor-2016", Type: rulebook.EventNominationRefused})
		p.fatal(err)
		if len(evs) != 5 || strings.Contains(string(evs[0].StoredData()), "12 months") {
			t.Errorf("%d refusals recorded; stored %s", len(evs), evs[0].StoredData())
		}
		// Candidates are on the list that warns while the selection is open: a case
		// opened about one says so.
		o, err := p.a.OpenCase(p.ctx, discipline.OpenInput{Kind: "exclusion", Respondent: "M01", Date: d("2016-08-20"), Conduct: d("2016-08-18"), Summary: "appeared with a rival"})
		p.fatal(err)
		if len(o.Warnings) == 0 || !strings.Contains(o.Warnings[0], "candidates in open selections") {
			t.Errorf("no warning that M01 is a candidate: %v", o.Warnings)
		}
		// A candidate suspended mid-contest is flagged, with the clause.
		if _, err := p.a.ChangeStatus(p.ctx, "M03", d("2016-09-25"), rulebook.StatusChange{Status: "admin_suspended",
			Decision: rulebook.Decision{Body: "general_secretary", Clause: "6.I.1.B", Reason: "pending investigation"}}, 0); err != nil {
			t.Fatal(err)
		}
		v, err = p.a.Selection(p.ctx, "mayor-2016", d("2016-09-26"))
		p.fatal(err)
		for _, s := range v.Standing {
			if ok := s.Member != "M03"; s.Allowed != ok || (!ok && s.Clause != "6.I.1.B") {
				t.Errorf("standing on 2016-09-26: %+v", s)
			}
		}
	})
}

// TestSelectionBallot runs a selection from the electorate to the endorsed
// winner: freeze-date arithmetic and a waiver decide the electorate; members
// outside it are refused with the clause, a refusal is challenged and the
// challenge upheld; the ballots are counted by alternative vote over two
// rounds; the NEC's endorsement puts the winner on the official candidates, and
// the automatic-exclusion trigger then proposes excluding a member who supported
// a rival, until the winner is deselected.
func TestSelectionBallot(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		p := newParty(t, db)
		p.open()
		if _, err := p.a.CastBallot(p.ctx, "mayor-2016", "M04", []string{"M01"}, d("2016-09-21")); rulebook.ErrorCode(err) != rulebook.ENotPermitted {
			t.Errorf("a ballot before the electorate is frozen: %v", err)
		}
		s, err := p.a.FreezeElectorate(p.ctx, "mayor-2016", d("2016-09-02"))
		p.fatal(err)
		el, err := p.a.SelectionElectorate(p.ctx, "mayor-2016")
		p.fatal(err)
		var ids []string
		for _, e := range el {
			ids = append(ids, e.Member)
		}
		want := "M01 M02 M03 M04 M05 M06 M07 M08 M09 M11 M14 M16 M17"
		if strings.Join(ids, " ") != want || s.Electorate.Count != 13 || s.Electorate.Digest != rulebook.ElectorateDigest(ids) || s.Electorate.Version != "2016" {
			t.Fatalf("electorate %v (frozen %+v), want %s", ids, s.Electorate, want)
		}
		check, err := p.a.CheckElectorate(p.ctx, "mayor-2016")
		p.fatal(err)
		if !check.OK || check.Derived.Count != 13 || len(check.Differences) > 0 {
			t.Errorf("electorate check %+v", check)
		}

		for _, tc := range []struct{ member, clause, reason string }{
			{"M10", "5.I.2", "continuous membership since 2016-03-02 is less than the 6 months required on 2016-09-01"},
			{"M13", "6.I.1.B", "Administratively suspended"},
			{"M12", "5.I.1", "a member of hill, not of harbour"},
			{"X99", "5.I.1", "not on the register"},
		} {
			r := p.vote(tc.member, "M01")
			if r.Refused == nil || r.Refused.Clause != tc.clause || !strings.Contains(r.Refused.Reason, tc.reason) {
				t.Errorf("%s: %+v, want refused under %s: %s", tc.member, r.Refused, tc.clause, tc.reason)
			}
		}
		// Max Moor had moved to Harbour: the challenge is upheld and he may vote.
		_, err = p.a.ChallengeRefusal(p.ctx, "mayor-2016", "M12", d("2016-09-22"), "I moved to Harbour in June")
		p.fatal(err)
		if _, err := p.a.DecideChallenge(p.ctx, "mayor-2016", "M12", d("2016-09-23"), "nec", true, "moved"); rulebook.ErrorCode(err) != rulebook.ENotPermitted {
			t.Errorf("a challenge decided by a body the procedure does not name: %v", err)
		}
		_, err = p.a.DecideChallenge(p.ctx, "mayor-2016", "M12", d("2016-09-23"), "nec_disputes_panel", true, "the move was notified in time")
		p.fatal(err)
		_, err = p.a.ChallengeRefusal(p.ctx, "mayor-2016", "M10", d("2016-09-22"), "I joined in time")
		p.fatal(err)
		s, err = p.a.DecideChallenge(p.ctx, "mayor-2016", "M10", d("2016-09-23"), "nec_disputes_panel", false, "joined on 2 March")
		p.fatal(err)
		if !slices.Equal(s.Admitted, []string{"M12"}) {
			t.Errorf("admitted %v", s.Admitted)
		}
		if r := p.vote("M10", "M01"); r.Refused == nil {
			t.Error("M10 voted after the challenge was dismissed")
		}

		// First preferences: Ashe 4, Birch 5, Cole 3; Cole's papers transfer (two to
		// Birch, one to Ashe): Birch 7 of 12.
		for _, b := range [][2]string{{"M01", "M01,M02"}, {"M04", "M01"}, {"M05", "M01,M03"}, {"M16", "M01,M02"},
			{"M02", "M02,M01"}, {"M06", "M02,M03"}, {"M07", "M02"}, {"M11", "M02,M01"}, {"M12", "M02,M01"},
			{"M03", "M03,M02"}, {"M08", "M03,M02"}, {"M09", "M03,M01"}} {
			if r := p.vote(b[0], b[1]); r.Refused != nil {
				t.Fatalf("%s refused: %+v", b[0], r.Refused)
			}
		}
		if _, err := p.a.CastBallot(p.ctx, "mayor-2016", "M01", []string{"M02"}, d("2016-09-21")); rulebook.ErrorCode(err) != rulebook.EConflict {
			t.Errorf("a second ballot: %v", err)
		}
		if _, err := p.a.CastBallot(p.ctx, "mayor-2016", "M17", []string{"M02", "M02"}, d("2016-09-21")); rulebook.ErrorCode(err) != rulebook.EInvalid {
			t.Errorf("a candidate ranked twice: %v", err)
		}
		if _, err := p.a.CastBallot(p.ctx, "mayor-2016", "M17", []string{"M14"}, d("2016-09-21")); rulebook.ErrorCode(err) != rulebook.EInvalid {
			t.Errorf("a ranking of someone not on the ballot: %v", err)
		}
		if _, err := p.a.CastBallot(p.ctx, "mayor-2016", "M17", []string{"M01"}, d("2016-10-01")); rulebook.ErrorCode(err) != rulebook.ENotPermitted {
			t.Errorf("a ballot after the ballot closed: %v", err)
		}
		s, err = p.a.CountSelection(p.ctx, "mayor-2016", d("2016-10-01"))
		p.fatal(err)
		res := s.Result
		if s.State != rulebook.SelectionCounted || s.Sealed.Papers != 12 || s.Sealed.Marked != 12 || res == nil || res.Method != "irv" || len(res.Rounds) != 2 || !slices.Equal(res.Elected, []string{"M02"}) {
			t.Fatalf("count: state %s, sealed %+v, result %+v", s.State, s.Sealed, res)
		}
		if r0, r1 := res.Rounds[0].Tally, res.Rounds[1].Tally; r0["M01"] != "4" || r0["M02"] != "5" || r0["M03"] != "3" || r1["M01"] != "5" || r1["M02"] != "7" {
			t.Errorf("rounds %+v", res.Rounds)
		}

		// Endorsed by the NEC: Birch is an official candidate from 2016-10-05.
		if _, err := p.a.Endorse(p.ctx, "mayor-2016", d("2016-10-05"), rulebook.Endorsement{Body: "general_secretary"}); rulebook.ErrorCode(err) != rulebook.ENotPermitted {
			t.Errorf("endorsed by a body the procedure does not name: %v", err)
		}
		_, err = p.a.Endorse(p.ctx, "mayor-2016", d("2016-10-05"), rulebook.Endorsement{Body: "nec", Reasons: "selected in a valid ballot"})
		p.fatal(err)
		official, err := p.a.OfficialCandidates(p.ctx, d("2016-10-06"))
		p.fatal(err)
		if len(official) != 1 || official[0].Member != "M02" || official[0].ID != "mayor-2016-M02" || official[0].Name != "Bob Birch" || official[0].About != "Mayor of Harbour 2016" {
			t.Fatalf("official candidates %+v", official)
		}
		if before, _ := p.a.OfficialCandidates(p.ctx, d("2016-10-04")); len(before) != 0 {
			t.Errorf("official candidates the day before the endorsement: %+v", before)
		}
		if open, _ := p.a.ListEntries(p.ctx, "selection_candidates", d("2016-10-06")); len(open) != 0 {
			t.Errorf("candidates still on the list of open selections: %+v", open)
		}

		// Pat Pike supported a rival: the trigger proposes the exclusion.
		propose := func(conduct string) (*app.StepResult, error) {
			o, err := p.a.OpenCase(p.ctx, discipline.OpenInput{Kind: "exclusion", Respondent: "M16", Date: d(conduct).AddDays(1), Conduct: d(conduct), Summary: "supported a rival"})
			p.fatal(err)
			return p.a.TakeStep(p.ctx, o.Case.ID, discipline.Command{Transition: "propose_exclusion", Date: d(conduct).AddDays(2), Body: "compliance_unit",
				Trigger:  &discipline.TriggerClaim{Trigger: "supported_candidate_against_official", Conduct: d(conduct), Entry: "mayor-2016-M02"},
				Evidence: []string{"leaflet"}})
		}
		out, err := propose("2016-10-20")
		p.fatal(err)
		if out.Refused != nil || out.Case.State != "exclusion_proposed" || out.Case.Trigger == nil {
			t.Errorf("the trigger did not propose the exclusion: %+v", out)
		}
		// Deselected from 2016-11-01: support for a rival after that triggers nothing.
		if _, err := p.a.EndEndorsement(p.ctx, "mayor-2016", "M02", d("2016-11-01"), "general_secretary", "x", true); rulebook.ErrorCode(err) != rulebook.ENotPermitted {
			t.Errorf("deselected by a body the procedure does not name: %v", err)
		}
		s, err = p.a.EndEndorsement(p.ctx, "mayor-2016", "M02", d("2016-11-01"), "nec", "brought the party into disrepute", true)
		p.fatal(err)
		if s.Endorsed("M02") != nil || s.Endorsements[0].How != "deselected" {
			t.Errorf("endorsements %+v", s.Endorsements)
		}
		if after, _ := p.a.OfficialCandidates(p.ctx, d("2016-11-01")); len(after) != 0 {
			t.Errorf("official candidates after the deselection: %+v", after)
		}
		if _, err := propose("2016-11-10"); rulebook.ErrorCode(err) != rulebook.ENotPermitted || !strings.Contains(err.Error(), "was not on the official_candidates list on 2016-11-10") {
			t.Errorf("the trigger after the deselection: %v", err)
		}

		// The projection rebuilds from the events, and matches them.
		diffs, err := p.a.CheckProjection(p.ctx)
		if err != nil || len(diffs) > 0 {
			t.Fatalf("projection: %v %v", diffs, err)
		}
		if _, _, _, err := p.a.Rebuild(p.ctx); err != nil {
			t.Fatal(err)
		}
		after, err := p.a.Selection(p.ctx, "mayor-2016", d("2016-10-06"))
		p.fatal(err)
		if after.Updated != s.Updated || after.Result == nil || after.Electorate.Count != 13 || after.Marked != 12 {
			t.Errorf("after a rebuild: %+v", after.Selection)
		}
		if diffs, err := p.a.CheckProjection(p.ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("projection after a rebuild: %v %v", diffs, err)
		}
	})
}

// TestSelectionTampering: an electorate edited in its table is caught by the
// electorate check and by the projection check, which names the table; ballots
// stuffed into the table are caught at the seal, which refuses them.
func TestSelectionTampering(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		p := newParty(t, db)
		p.open()
		_, err := p.a.FreezeElectorate(p.ctx, "mayor-2016", d("2016-09-02"))
		p.fatal(err)
		p.vote("M04", "M01")
		_, err = p.a.EnterPapers(p.ctx, "mayor-2016", d("2016-09-30"), []rulebook.BallotCount{{Ranking: []string{"M02"}, Papers: 3}, {Ranking: []string{"M01", "M03"}, Papers: 2}}, 1)
		p.fatal(err)

		p.fatal(sqldbtest.Exec(db, `INSERT INTO selection_electorate (selection, member) VALUES ('mayor-2016', 'M10')`))
		p.fatal(sqldbtest.Exec(db, `DELETE FROM selection_electorate WHERE member = 'M05'`))
		check, err := p.a.CheckElectorate(p.ctx, "mayor-2016")
		p.fatal(err)
		if check.OK || check.Stored.Count != 13 || check.Derived.Count != 13 || check.Stored.Digest == check.Derived.Digest || len(check.Differences) != 2 ||
			!strings.Contains(check.Differences[0], "M05 is in the electorate the record makes") || !strings.Contains(check.Differences[1], "M10 is stored") {
			t.Errorf("electorate check of a tampered table: %+v", check)
		}
		diffs, err := p.a.CheckProjection(p.ctx)
		p.fatal(err)
		if joined := strings.Join(diffs, "\n"); !strings.Contains(joined, "selection_electorate: selection mayor-2016: member M10 is stored but not in the events") ||
			!strings.Contains(joined, "selection_electorate: selection mayor-2016: member M05 missing") {
			t.Errorf("projection check of a tampered electorate:\n%s", joined)
		}

		p.fatal(sqldbtest.Exec(db, `UPDATE selection_ballots SET papers = papers + 5 WHERE ranking = 'M02'`))
		diffs, err = p.a.CheckProjection(p.ctx)
		p.fatal(err)
		if joined := strings.Join(diffs, "\n"); !strings.Contains(joined, "selection_ballots: selection mayor-2016: 11 papers stored, the marked register (1) and the papers entered (5) make 6") {
			t.Errorf("projection check of stuffed ballots:\n%s", joined)
		}
		if _, err := p.a.CloseSelection(p.ctx, "mayor-2016", d("2016-10-01")); rulebook.ErrorCode(err) != rulebook.ETampered {
			t.Errorf("sealing stuffed ballots: %v", err)
		}
		p.fatal(sqldbtest.Exec(db, `UPDATE selection_ballots SET papers = papers - 5 WHERE ranking = 'M02'`))
		s, err := p.a.CloseSelection(p.ctx, "mayor-2016", d("2016-10-01"))
		p.fatal(err)
		if s.Sealed.Papers != 6 || s.Sealed.Rejected != 1 || s.State != rulebook.SelectionSealed {
			t.Errorf("sealed %+v", s.Sealed)
		}
		// A rebuild restores the electorate from the record.
		if _, _, _, err := p.a.Rebuild(p.ctx); err != nil {
			t.Fatal(err)
		}
		if check, err := p.a.CheckElectorate(p.ctx, "mayor-2016"); err != nil || !check.OK {
			t.Errorf("after a rebuild: %+v %v", check, err)
		}
	})
}

// TestBallotSecrecy inspects the schema: no table holding rankings has a column
// that could name a voter or order the ballots; and the same ballots cast in
// different orders, by different members, leave identical stored rows.
func TestBallotSecrecy(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		p := newParty(t, db)
		cols, err := db.TableColumns(p.ctx)
		p.fatal(err)
		holding := 0
		for table, cs := range cols {
			if !slices.Contains(cs, "ranking") {
				continue
			}
			holding++
			for _, c := range cs {
				if !slices.Contains([]string{"selection", "ranking", "papers"}, c) {
					t.Errorf("table %s holds rankings and a column %q", table, c)
				}
			}
		}
		if holding != 1 {
			t.Errorf("%d tables hold rankings: %v", holding, cols)
		}
		if db.Dialect() == "sqlite" {
			if err := sqldbtest.Exec(db, `SELECT rowid FROM selection_ballots`); err == nil {
				t.Error("selection_ballots has a row number, recording the order rows came in")
			}
		}
		p.open()
		_, err = p.a.FreezeElectorate(p.ctx, "mayor-2016", d("2016-09-02"))
		p.fatal(err)
		// The same selection again, as mayor-2016b, voted in the other order.
		_, err = p.a.OpenSelection(p.ctx, app.OpenSelectionInput{ID: "mayor-2016b", Procedure: "mayoral_selection", Contest: "Mayor of Harbour 2016", Unit: "harbour",
			Date: d("2016-07-01"), Timetable: rulebook.Timetable{FreezeDate: d("2016-09-01"), NominationsClose: d("2016-08-15"), Ballot: d("2016-09-20")}})
		p.fatal(err)
		for _, n := range [][]string{{"M01", "M04", "M05"}, {"M02", "M06", "M07"}, {"M03", "M08", "M09"}} {
			_, err := p.a.Nominate(p.ctx, "mayor-2016b", app.NominationInput{Candidate: n[0], Nominators: n[1:], Date: d("2016-08-01")})
			p.fatal(err)
		}
		_, err = p.a.FreezeElectorate(p.ctx, "mayor-2016b", d("2016-09-02"))
		p.fatal(err)
		voters := []string{"M01", "M02", "M03", "M04", "M05", "M06"}
		rankings := []string{"M01,M02", "M03", "M01,M02", "M02,M03,M01", "M03", "M01,M02"}
		for i := range voters {
			_, err := p.a.CastBallot(p.ctx, "mayor-2016", voters[i], strings.Split(rankings[i], ","), d("2016-09-20"))
			p.fatal(err)
			j := len(voters) - 1 - i
			_, err = p.a.CastBallot(p.ctx, "mayor-2016b", voters[i], strings.Split(rankings[j], ","), d("2016-09-20"))
			p.fatal(err)
		}
		rows := func(sel string) string {
			q := `SELECT * FROM selection_ballots WHERE selection = $1`
			if db.Dialect() == "postgres" {
				q += ` ORDER BY ranking` // the heap's order is physical, not a column
			}
			r, err := db.Raw().QueryContext(p.ctx, q, sel)
			p.fatal(err)
			defer r.Close()
			var b strings.Builder
			for r.Next() {
				var s, k string
				var n int64
				p.fatal(r.Scan(&s, &k, &n))
				b.WriteString(k + "=" + string(rune('0'+n)) + " ")
			}
			return b.String()
		}
		if a, b := rows("mayor-2016"), rows("mayor-2016b"); a != b || a != "M01>M02=3 M02>M03>M01=1 M03=2 " {
			t.Errorf("stored ballots differ with the order cast:\n%s\n%s", a, b)
		}
		// No event of the record holds a ranking beside a voter.
		evs, err := p.a.Events(p.ctx, sqldb.EventFilter{Subject: "selection/mayor-2016"})
		p.fatal(err)
		for _, e := range evs {
			if strings.Contains(string(e.Data), "M01>") || strings.Contains(string(e.Data), "ranking") {
				t.Errorf("event %s (%s) holds a ranking: %s", e.ID, e.Type, e.Data)
			}
		}
	})
}

// TestSelectionPolicy: running a selection needs run_selections; a member casts
// only their own ballot; endorsing needs a role acting for the body.
func TestSelectionPolicy(t *testing.T) {
	pol := &app.Policy{Rules: labourRules(t), Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}
	acc := func(roles []string, member string) *app.Principal {
		return app.AccountPrincipal(&rulebook.Account{Name: "x", Roles: roles, Member: member}, true, "session")
	}
	for _, tc := range []struct {
		who  *app.Principal
		act  app.Action
		r    app.Resource
		want bool
	}{
		{acc([]string{"returning_officer"}, ""), app.RunSelections, app.Resource{}, true},
		{acc([]string{"compliance_unit"}, ""), app.RunSelections, app.Resource{}, false},
		{acc([]string{"member"}, "M01"), app.VoteInSelection, app.Resource{Member: "M01"}, true},
		{acc([]string{"member"}, "M01"), app.VoteInSelection, app.Resource{Member: "M02"}, false},
		{acc([]string{"returning_officer"}, ""), app.VoteInSelection, app.Resource{Member: "M02"}, false},
		{acc([]string{"nec"}, ""), app.DecideForSelection, app.Resource{Body: "nec"}, true},
		{acc([]string{"returning_officer"}, ""), app.DecideForSelection, app.Resource{Body: "nec"}, false},
		{acc([]string{"auditor"}, ""), app.ViewSelections, app.Resource{}, true},
		{acc([]string{"member"}, "M01"), app.ViewSelections, app.Resource{}, false},
	} {
		if got := pol.Decide(tc.who, tc.act, tc.r) == nil; got != tc.want {
			t.Errorf("%v %s %+v: allowed %v, want %v", tc.who.Account.Roles, tc.act, tc.r, got, tc.want)
		}
	}
}

func labourRules(t *testing.T) *rules.RuleBook {
	t.Helper()
	src, err := examples.FS.ReadFile(examples.Labour)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.Load(examples.Labour, src)
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

// TestCountSealed counts sealed ballots by first preferences (first past the
// post, and the block vote for two seats) and by alternative vote with a
// candidate withdrawn after ballots were cast, whose papers pass on.
func TestCountSealed(t *testing.T) {
	ballots := []rulebook.BallotCount{
		{Ranking: []string{"A", "C"}, Papers: 5}, {Ranking: []string{"B"}, Papers: 4}, {Ranking: []string{"C", "B"}, Papers: 3}, {Ranking: []string{"D", "B"}, Papers: 2},
	}
	sealed, err := rulebook.SealBallots([]string{"A", "B", "C", "D"}, ballots)
	if err != nil {
		t.Fatal(err)
	}
	sel := func(method string, seats int, withdrawn string) *rulebook.Selection {
		s := &rulebook.Selection{Sealed: sealed}
		s.ID, s.Method, s.Seats = "s1", method, seats
		for _, c := range sealed.Candidates {
			sc := rulebook.SelectionCandidate{Member: c}
			if c == withdrawn {
				sc.Withdrawn = d("2016-09-25")
			}
			s.Candidates = append(s.Candidates, sc)
		}
		return s
	}
	for _, tc := range []struct {
		method    string
		seats     int
		withdrawn string
		want      string
		rounds    int
	}{
		{"fptp", 1, "", "A", 1},
		{"fptp", 2, "", "A B", 1},
		{"irv", 1, "", "B", 3},  // D excluded (2 to B: 6), then C (3 to B: 9) against A's 5
		{"irv", 1, "C", "B", 2}, // C withdrawn: C's papers count for B from the first round (7), D's follow (9)
	} {
		res, err := app.CountSealed(sel(tc.method, tc.seats, tc.withdrawn))
		if err != nil {
			t.Fatalf("%s %d: %v", tc.method, tc.seats, err)
		}
		if got := strings.Join(res.Elected, " "); got != tc.want || len(res.Rounds) != tc.rounds {
			t.Errorf("%s, %d seat(s), %q withdrawn: elected %s in %d round(s) %+v, want %s in %d", tc.method, tc.seats, tc.withdrawn, got, len(res.Rounds), res.Rounds, tc.want, tc.rounds)
		}
		if tc.withdrawn != "" {
			if _, counted := res.Rounds[0].Tally[tc.withdrawn]; counted || slices.Contains(res.Elected, tc.withdrawn) {
				t.Errorf("withdrawn %s counted: %+v", tc.withdrawn, res.Rounds[0])
			}
		}
	}
}
