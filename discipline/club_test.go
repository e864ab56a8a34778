package discipline

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// clubDecided brings a club case, conduct on conduct, to a Committee decision on
// decided (a two-week suspension) and returns its id.
func (f *fixture) clubDecided(conduct, opened, charged, decided string) string {
	f.t.Helper()
	m := f.member("2020-01-01", rulebook.Member{Unit: f.unit("seniors", "section", "")})
	id := f.open(opened, conduct, m, "captain", "1")
	f.take(id, Command{Transition: "charge", Date: d(charged), Body: "secretary", Evidence: []string{"umpire's report"},
		Charges: []Charge{{Count: 1, Clause: "1", Particulars: "abused the umpire"}}})
	f.take(id, Command{Transition: "sanction", Date: d(decided), Body: "committee", Rationale: "abuse of an official",
		Sanction: &SanctionOrder{Sanction: "suspension", Until: d(decided).AddDays(14)}})
	return id
}

// TestClubAppealWithinTimeLimit shows the engine is generic: the club's decisions
// may be appealed within 14 days, counted on its own calendar (Friday–Saturday
// weekend), and a period ending on a non-working day runs to the next working day.
func TestClubAppealWithinTimeLimit(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, clubBook)
		// Decided Friday 4 June 2021; 14 days is Friday 18 June, a weekend day for
		// the club, so the last day is Sunday 20 June.
		late := f.clubDecided("2021-05-31", "2021-06-01", "2021-06-02", "2021-06-04")
		c := f.get(late)
		if c.State != "decided" || !c.Closed || c.Outcome != "sanctioned" {
			t.Fatalf("after the decision: %+v", c)
		}
		appeal := Command{Transition: "appeal", Body: "member", Rationale: "the umpire was wrong"}
		appeal.Date = d("2021-06-21")
		_, err := f.s.Take(ctx, "t", late, appeal)
		wantErr(t, "appeal on day 17", err, rulebook.ENotPermitted, "out of time", "clause 3 (Appeals)", "within 14 days of 2021-06-04, by 2021-06-20")

		ok := f.clubDecided("2021-05-31", "2021-06-01", "2021-06-02", "2021-06-04")
		appeal.Date = d("2021-06-20")
		f.take(ok, appeal)
		if c := f.get(ok); c.State != "appealed" || c.Closed || c.Outcome != "" {
			t.Errorf("after the appeal: state %s closed %v outcome %q", c.State, c.Closed, c.Outcome)
		}
		// Under appeal the case is open again: it has the state's deadline.
		v, _ := f.s.rb().VersionAt(d("2021-06-20"))
		if dl := f.get(ok).Deadlines(v.Discipline); len(dl) != 1 || dl[0].Kind != "state" || dl[0].Due != d("2021-07-20") {
			t.Errorf("deadlines under appeal: %+v", dl)
		}
		// Only the member may appeal.
		appeal.Body = "committee"
		_, err = f.s.Take(ctx, "t", late, Command{Transition: "appeal", Body: "committee", Date: d("2021-06-05"), Rationale: "x"})
		wantErr(t, "appeal by the committee", err, rulebook.ENotPermitted, "committee may not appeal to the appeals panel", "clause 3", "only member")
		// And only from a decision.
		_, err = f.s.Take(ctx, "t", ok, Command{Transition: "appeal", Body: "member", Date: d("2021-06-21"), Rationale: "again"})
		wantErr(t, "appeal of an appeal", err, rulebook.ENotPermitted, "Under appeal (appealed)", "taken from decided")
		f.take(ok, Command{Transition: "uphold", Body: "appeals_panel", Date: d("2021-06-30"), Rationale: "the report is clear"})
		if c := f.get(ok); c.State != "final" || !c.Closed || c.Outcome != "upheld" {
			t.Errorf("after the appeal was decided: %+v", c)
		}

	})
}

// TestClubSameSection: the club keeps off an appeal panel anyone in the
// respondent's section ("same_unit:section"), a unit kind its rule book declares.
func TestClubSameSection(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, clubBook)
		id := f.clubDecided("2021-05-31", "2021-06-01", "2021-06-02", "2021-06-04")
		f.take(id, Command{Transition: "appeal", Body: "member", Date: d("2021-06-07"), Rationale: "too harsh"})
		senior := f.member("2020-01-01", rulebook.Member{ID: "senior", Unit: f.unit("seniors", "section", "")})
		junior := f.member("2020-01-01", rulebook.Member{ID: "junior", Unit: f.unit("juniors", "section", "")})
		empanel := func(who string) error {
			_, err := f.s.Take(ctx, "t", id, Command{Transition: "empanel", Body: "secretary", Date: d("2021-06-08"),
				Panel: &Panel{Body: "appeals_panel", Members: []PanelMember{{ID: who, Name: "Member " + who}}}})
			return err
		}
		wantErr(t, "a member of the respondent's section", empanel(senior), rulebook.ENotPermitted, "(senior) cannot sit", "belongs to the respondent's Section (seniors)")
		if err := empanel(junior); err != nil {
			t.Errorf("a member of another section: %v", err)
		}
		// Someone not on the register has no section to share.
		if err := empanel("umpire"); err != nil {
			t.Errorf("someone not a member: %v", err)
		}
	})
}

// TestClubOpenAndClosedStates checks "*open" and "*closed" in a transition's from.
func TestClubOpenAndClosedStates(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, clubBook)
		decided := f.clubDecided("2021-03-01", "2021-03-01", "2021-03-02", "2021-03-03")
		m := f.member("2020-01-01", rulebook.Member{})
		open := f.open("2021-03-01", "2021-03-01", m, "captain", "1")

		note := Command{Transition: "note", Body: "secretary", Date: d("2021-03-10"), Rationale: "letter from the member's solicitor"}
		f.take(open, note)
		if c := f.get(open); c.State != "open" || len(c.Steps) != 1 || c.StateSince != d("2021-03-01") {
			t.Errorf("a step with no target state moved the case or its clock: %+v", c)
		}
		_, err := f.s.Take(ctx, "t", decided, note)
		wantErr(t, "note on a closed case", err, rulebook.ENotPermitted, "Decided by the Committee (decided)", "taken from *open", "clause 2")

		annotate := Command{Transition: "annotate", Body: "secretary", Date: d("2021-03-10"), Rationale: "copy sent to the league"}
		f.take(decided, annotate)
		if c := f.get(decided); c.State != "decided" || !c.Closed {
			t.Errorf("annotating a closed case changed it: %+v", c)
		}
		_, err = f.s.Take(ctx, "t", open, annotate)
		wantErr(t, "annotate an open case", err, rulebook.ENotPermitted, "Open (open)", "taken from *closed")

		// Resignation closes from any open state and records the member's resignation.
		f.take(open, Command{Transition: "resign", Body: "member", Date: d("2021-03-12")})
		if c := f.get(open); c.State != "final" || c.Outcome != "respondent_left" {
			t.Errorf("after resignation: %+v", c)
		}
		if p := f.history(m).StatusAt(d("2021-03-12")); p == nil || p.Status != "resigned" {
			t.Errorf("member status after resigning: %+v", p)
		}
	})
}

// TestGoverningVersion: conduct under one version is judged under it, though the
// step is taken under a later one; under procedure: current the later procedure
// applies, but never later substantive rules.
func TestGoverningVersionCurrent(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		{
			f := newFixture(t, db, clubBook)
			// Conduct in December 2021 (version 2020), decided 5 January 2022: the
			// 2022 procedure gives 21 days to appeal, not 14.
			id := f.clubDecided("2021-12-01", "2021-12-02", "2021-12-06", "2022-01-05")
			c := f.get(id)
			if last := c.Steps[len(c.Steps)-1]; last.Version != "2022" {
				t.Errorf("step of 2022 recorded under procedure %s, want 2022", last.Version)
			}
			f.take(id, Command{Transition: "appeal", Body: "member", Date: d("2022-01-25"), Rationale: "too harsh"})
			if c := f.get(id); c.State != "appealed" || c.Steps[len(c.Steps)-1].Version != "2022" {
				t.Errorf("appeal on day 20 under the 2022 procedure: %+v", c.Steps)
			}
			// The charge was drafted in 2021 under the 2020 procedure.
			if c.Steps[0].Version != "2020" {
				t.Errorf("charge of 2021 recorded under %s", c.Steps[0].Version)
			}
			// Substantive rules stay those in force at the conduct: clause 7 and the
			// ban were made in 2022.
			m := f.member("2020-01-01", rulebook.Member{})
			k := f.open("2022-02-01", "2021-12-20", m, "captain", "1")
			_, err := f.s.Take(ctx, "t", k, Command{Transition: "charge", Body: "secretary", Date: d("2022-02-02"), Evidence: []string{"posts"},
				Charges: []Charge{{Count: 1, Clause: "7", Particulars: "posted abuse"}}})
			wantField(t, "charge under a clause made after the conduct", err, "charges[0].clause", `clause "7"`, "2021-12-20", "version 2020")
			f.take(k, Command{Transition: "charge", Body: "secretary", Date: d("2022-02-02"), Evidence: []string{"posts"},
				Charges: []Charge{{Count: 1, Clause: "1", Particulars: "posted abuse"}}})
			_, err = f.s.Take(ctx, "t", k, Command{Transition: "sanction", Body: "committee", Date: d("2022-02-10"), Rationale: "abuse",
				Sanction: &SanctionOrder{Sanction: "ban"}})
			wantField(t, "sanction made after the conduct", err, "sanction.sanction", `"ban"`, "version 2020")
			// Conduct in 2022 may be charged under clause 7 and banned.
			k2 := f.open("2022-02-01", "2022-01-20", m, "captain", "7")
			f.take(k2, Command{Transition: "charge", Body: "secretary", Date: d("2022-02-02"), Evidence: []string{"posts"},
				Charges: []Charge{{Count: 1, Clause: "7", Particulars: "posted abuse"}}})
			f.take(k2, Command{Transition: "sanction", Body: "committee", Date: d("2022-02-10"), Rationale: "abuse", Sanction: &SanctionOrder{Sanction: "ban"}})
		}
	})
}

// TestGoverningVersionConduct: under procedure: conduct (the Labour example) the
// version in force at the conduct governs the procedure too.
func TestGoverningVersionConduct(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		{
			f := newLabour(t, newFixture(t, db, labourBook))
			// Conduct in 2015 (version 2008), decided in 2016–17: the 2008
			// procedure and sanctions menu govern throughout.
			m := f.member("2010-01-01", rulebook.Member{})
			id := f.open("2016-05-03", "2015-06-01", m, "complainant", "2.I.8")
			for _, cmd := range []Command{
				{Transition: "acknowledge", Body: "compliance_unit", Date: d("2016-05-04")},
				{Transition: "investigate", Body: "compliance_unit", Date: d("2016-05-05"), Criteria: []string{"INV-BREACH"}, Rationale: "r"},
				{Transition: "report", Body: "compliance_unit", Date: d("2016-05-06")},
			} {
				f.take(id, cmd)
			}
			// The formal warning step was made in 2016.
			_, err := f.s.Take(ctx, "t", id, Command{Transition: "formal_warning", Body: "nec_disputes_panel", Date: d("2016-05-07"), Criteria: []string{"INV-BREACH"}, Rationale: "r"})
			wantField(t, "2016 step on 2015 conduct", err, "transition", `rule book 2008 has no step "formal_warning"`)
			// A charge under the 2016 clause is refused; under 2.I.8 it stands.
			refer := Command{Transition: "refer", Body: "nec_disputes_panel", Date: d("2016-05-09"), Criteria: []string{"REF-PRIMA-FACIE"}, Rationale: "r",
				Charges: []Charge{{Count: 1, Clause: "6.I.1.D", Particulars: "p"}}}
			_, err = f.s.Take(ctx, "t", id, refer)
			wantField(t, "charge under a later clause", err, "charges[0].clause", "version 2008")
			refer.Charges[0].Clause = "2.I.8"
			f.take(id, refer)
			f.take(id, Command{Transition: "list_hearing", Body: "ncc", Date: d("2017-01-10"), Panel: nccPanel("ncc-01", "ncc-04", "ncc-05"), Hearing: &Hearing{Date: d("2017-02-01")}})
			f.take(id, Command{Transition: "record_findings", Body: "ncc", Date: d("2017-02-01"), Findings: []Finding{{Count: 1, Finding: "proved"}}})
			if _, err := f.s.HearMitigation(ctx, "t", id, d("2017-02-01"), "sorry"); err != nil {
				t.Fatal(err)
			}
			// The 2016 menu's suspension from office is not available; expulsion is.
			_, err = f.s.Take(ctx, "t", id, Command{Transition: "impose_sanction", Body: "ncc", Date: d("2017-02-02"), Rationale: "r",
				Sanction: &SanctionOrder{Sanction: "suspension_office_representation", Until: d("2018-01-01")}})
			wantField(t, "2016 sanction on 2015 conduct", err, "sanction.sanction", "version 2008")
			f.take(id, Command{Transition: "impose_sanction", Body: "ncc", Date: d("2017-02-02"), Rationale: "r", Sanction: &SanctionOrder{Sanction: "expulsion"}})
			c := f.get(id)
			for _, s := range c.Steps {
				if s.Version != "2008" {
					t.Errorf("step %s on %s recorded under %s, want 2008", s.Transition, s.Date, s.Version)
				}
			}
			if last := c.Steps[len(c.Steps)-1]; last.Clause != "6.I.1.C" {
				t.Errorf("sanction step cites %s, want the 2008 clause 6.I.1.C", last.Clause)
			}
			if p := f.history(m).StatusAt(d("2017-02-02")); p == nil || p.Status != "expelled" {
				t.Errorf("status after expulsion: %+v", p)
			}
		}
	})
}

// TestProcedureWithoutTheCaseState: under procedure: current a later version may
// drop the state a case is in; a step is then refused with a clear error, not a
// crash.
func TestProcedureWithoutTheCaseState(t *testing.T) {
	src, err := os.ReadFile(clubBook)
	if err != nil {
		t.Fatal(err)
	}
	src = append(src, []byte(`
  - id: "2023"
    in_force_from: 2023-01-01
    discipline:
      repeal: {states: [charged]}
      states:
        - {id: referred, name: Referred to the Committee, deadline: 1 month}
      transitions:
        - {id: charge, name: Refer with charges, from: [open], to: referred, by: [secretary], requires: [charges, evidence], clause: "2"}
        - {id: dismiss, name: Dismiss the complaint, from: [open, referred], to: decided, by: [committee], requires: [reasons], effects: [lift_suspension], outcome: dismissed, clause: "2"}
        - {id: sanction, name: Sanction the member, from: [referred], to: decided, by: [committee], requires: [reasons, sanction], effects: [sanction], outcome: sanctioned, clause: "4"}
`)...)
	dir := t.TempDir()
	book := filepath.Join(dir, "club.yaml")
	if err := os.WriteFile(book, src, 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, sqldbtest.Open(t, "sqlite"), book)
	m := f.member("2020-01-01", rulebook.Member{})
	id := f.open("2022-12-01", "2022-11-30", m, "captain", "1")
	f.take(id, Command{Transition: "charge", Date: d("2022-12-02"), Body: "secretary", Evidence: []string{"e"}, Charges: []Charge{{Count: 1, Clause: "1", Particulars: "p"}}})
	_, err = f.s.Take(ctx, "t", id, Command{Transition: "sanction", Date: d("2023-01-10"), Body: "committee", Rationale: "r", Sanction: &SanctionOrder{Sanction: "warning"}})
	wantErr(t, "a step from a state the procedure no longer has", err, rulebook.ENotPermitted, `"charged"`, "rule book 2023")
	v, _ := f.s.rb().VersionAt(d("2023-01-10"))
	if dl := f.get(id).Deadlines(v.Discipline); len(dl) != 0 {
		t.Errorf("deadlines of a state the procedure no longer has: %+v", dl)
	}
}

// TestClubWaitingPeriodCannotBeShortened: the club's one-year wait before
// readmission may not be shortened.
func TestClubWaitingPeriodCannotBeShortened(t *testing.T) {
	f := newFixture(t, sqldbtest.Open(t, "sqlite"), clubBook)
	m := f.member("2020-01-01", rulebook.Member{})
	if _, err := f.reg.ChangeStatus(ctx, "t", m, d("2021-01-10"), rulebook.StatusChange{Status: "expelled", Decision: rulebook.Decision{Body: "committee"}}, 0); err != nil {
		t.Fatal(err)
	}
	o, err := f.s.Open(ctx, "t", OpenInput{Kind: "readmission", Respondent: m, Date: d("2021-06-01"), Summary: "application"})
	if err != nil {
		t.Fatal(err)
	}
	readmit := Command{Transition: "readmit", Body: "committee", Date: d("2021-06-10"), Vote: &Vote{For: 5, Against: 1}, Rationale: "reformed", Shorten: true}
	_, err = f.s.Take(ctx, "t", o.Case.ID, readmit)
	wantErr(t, "shortened where the rule forbids it", err, rulebook.ENotPermitted, "cannot be shortened", "clause 3")
	readmit.Shorten, readmit.Date = false, d("2022-01-09")
	_, err = f.s.Take(ctx, "t", o.Case.ID, readmit)
	wantErr(t, "the day before the wait ends", err, rulebook.ENotPermitted, "runs from 2021-01-10 to 2022-01-10")
	readmit.Date = d("2022-01-10")
	f.take(o.Case.ID, readmit)
	if p := f.history(m).StatusAt(d("2022-01-10")); p == nil || p.Status != "member" {
		t.Errorf("after readmission: %+v", p)
	}
}

// TestGeneratedCaseIDsDrawAgain: a generated case id that is already taken is
// drawn again, not refused as a conflict.
func TestGeneratedCaseIDsDrawAgain(t *testing.T) {
	f := newFixture(t, sqldbtest.Open(t, "sqlite"), clubBook)
	m := f.member("2020-01-01", rulebook.Member{})
	real := newCaseID
	defer func() { newCaseID = real }()
	ids := []string{"K2021-AAAAAA", "K2021-AAAAAA", "K2021-AAAAAA", "K2021-BBBBBB"}
	newCaseID = func(rulebook.Date) string { id := ids[0]; ids = ids[1:]; return id }
	first := f.open("2021-03-01", "2021-03-01", m, "captain", "1")
	second := f.open("2021-03-02", "2021-03-01", m, "coach", "1")
	if first != "K2021-AAAAAA" || second != "K2021-BBBBBB" {
		t.Errorf("ids %s and %s", first, second)
	}
	if c := f.get(first); len(c.Complainants) != 1 || c.Complainants[0] != "captain" {
		t.Errorf("the first case was overwritten: %+v", c)
	}
}

// TestOpeningTwiceUnderTheLock: the check that a case id is free is repeated
// inside the transaction that stores the opening, so a racing second opening
// with the same id is refused rather than stored over the first.
func TestOpeningTwiceUnderTheLock(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, clubBook)
		m := f.member("2020-01-01", rulebook.Member{})
		id := f.open("2021-03-01", "2021-03-01", m, "captain", "1")
		// As the second of two racing Opens would: past the first check, storing.
		e, err := register.Event(EventCaseOpened, subject(id), "t", d("2021-03-02"), Opened{ID: id, Kind: "complaint", Respondent: m, Conduct: d("2021-03-01"), Summary: "again", State: "open"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.store(ctx, nil, []*rulebook.Event{e}, nil)
		wantErr(t, "second opening", err, rulebook.EConflict, id)
		if c := f.get(id); c.Summary != "conduct complained of" {
			t.Errorf("the first case was overwritten: %+v", c)
		}
		if evs, _ := db.Events(ctx, sqldb.EventFilter{Subject: subject(id)}); len(evs) != 1 {
			t.Errorf("%d events for the case, want 1", len(evs))
		}
	})
}
