package discipline

import (
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestCreditForTimeServed: the 2016 suspension from office and representation may
// last two years, counted from the start of the interim (administrative)
// suspension; without one, from the decision. The member's status history follows.
func TestCreditForTimeServed(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, labourBook)
		// heard brings a case to findings on 4 April 2017, after mitigation; with
		// suspend, the member is administratively suspended from 5 May 2016.
		heard := func(suspend bool, lift ...Command) (string, string) {
			m := f.member("2010-01-01", rulebook.Member{})
			id := f.open("2016-05-03", "2016-05-02", m, "complainant", "2.I.8")
			inv := Command{Transition: "investigate", Body: "compliance_unit", Criteria: []string{"INV-BREACH"}, Rationale: "r"}
			if suspend {
				inv = Command{Transition: "investigate_and_suspend", Body: "general_secretary", Criteria: []string{"SUSP-SERIOUS"}, Rationale: "r"}
			}
			for _, cmd := range []Command{
				{Transition: "acknowledge", Body: "compliance_unit", Date: d("2016-05-04")},
				inv,
				{Transition: "report", Body: "compliance_unit", Date: d("2016-12-14")},
				{Transition: "refer", Body: "nec_disputes_panel", Date: d("2017-01-24"), Criteria: []string{"REF-PRIMA-FACIE"}, Rationale: "r",
					Charges: []Charge{{Count: 1, Clause: "2.I.8", Particulars: "p"}}},
				{Transition: "list_hearing", Body: "ncc", Date: d("2017-03-10"), Panel: nccPanel("ncc-01", "ncc-04", "ncc-05"), Hearing: &Hearing{Date: d("2017-03-30")}},
				{Transition: "record_findings", Body: "ncc", Date: d("2017-04-04"), Findings: []Finding{{Count: 1, Finding: "proved"}}},
			} {
				if cmd.Date.IsZero() {
					cmd.Date = d("2016-05-05")
				}
				f.take(id, cmd)
				if cmd.Transition == "investigate_and_suspend" {
					for _, l := range lift {
						f.take(id, l)
					}
				}
			}
			if _, err := f.s.HearMitigation(ctx, "t", id, d("2017-04-04"), "long service"); err != nil {
				t.Fatal(err)
			}
			return id, m
		}
		sanction := func(until string) Command {
			return Command{Transition: "impose_sanction", Body: "ncc", Date: d("2017-04-04"), Rationale: "r",
				Sanction: &SanctionOrder{Sanction: "suspension_office_representation", From: d("2017-04-04"), Until: d(until)}}
		}

		id, m := heard(true)
		if c := f.get(id); c.Suspension == nil || c.Suspension.From != d("2016-05-05") {
			t.Fatalf("interim suspension: %+v", c.Suspension)
		}
		_, err := f.s.Take(ctx, "t", id, sanction("2018-05-06"))
		wantErr(t, "a day over the limit", err, rulebook.ENotPermitted, "at most 2 years", "clause 6.I.1.D", "counted from 2016-05-05 it must end by 2018-05-05, not 2018-05-06")
		f.take(id, sanction("2018-05-05"))
		c := f.get(id)
		if c.Sanctions[0].CreditFrom != d("2016-05-05") || c.Suspension.Lifted != d("2017-04-04") || c.Outcome != "sanctioned" {
			t.Errorf("sanction %+v, suspension %+v", c.Sanctions[0], c.Suspension)
		}
		h := f.history(m)
		for _, w := range []struct{ on, status string }{
			{"2016-05-04", "active"}, {"2016-05-05", "admin_suspended"}, {"2017-04-03", "admin_suspended"},
			{"2017-04-04", "sanction_suspended"}, {"2018-05-04", "sanction_suspended"}, {"2018-05-05", "active"},
		} {
			if p := h.StatusAt(d(w.on)); p == nil || p.Status != w.status {
				t.Errorf("on %s the member is %+v, want %s", w.on, p, w.status)
			}
		}
		// Nothing about the case is left due: the suspension was superseded.
		v, _ := f.s.rb().VersionAt(d("2016-05-02"))
		if dl := c.Deadlines(v.Discipline); len(dl) != 0 {
			t.Errorf("deadlines after the sanction: %+v", dl)
		}

		// Without an interim suspension the two years run from the decision.
		id, m = heard(false)
		_, err = f.s.Take(ctx, "t", id, sanction("2019-04-05"))
		wantErr(t, "over the limit from the decision", err, rulebook.ENotPermitted, "counted from 2017-04-04 it must end by 2019-04-04")
		f.take(id, sanction("2019-04-04"))
		if c := f.get(id); !c.Sanctions[0].CreditFrom.IsZero() {
			t.Errorf("credit without an interim suspension: %+v", c.Sanctions[0])
		}
		h = f.history(m)
		if p := h.StatusAt(d("2019-04-03")); p == nil || p.Status != "sanction_suspended" {
			t.Errorf("the day before the end: %+v", p)
		}
		if p := h.StatusAt(d("2019-04-04")); p == nil || p.Status != "active" {
			t.Errorf("at the end: %+v", p)
		}

		// A suspension lifted before the sanction earns credit only for the days it
		// ran: suspended 5 May 2016, lifted 4 June (30 days), the two years run
		// from 30 days before the decision of 4 April 2017, to 5 March 2019.
		id, _ = heard(true, Command{Transition: "lift_suspension", Body: "nec", Date: d("2016-06-04"), Rationale: "the risk has passed"})
		_, err = f.s.Take(ctx, "t", id, sanction("2019-03-06"))
		wantErr(t, "credit for time not served", err, rulebook.ENotPermitted, "counted from 2017-03-05 it must end by 2019-03-05")
		f.take(id, sanction("2019-03-05"))
		if c := f.get(id); c.Sanctions[0].CreditFrom != d("2017-03-05") {
			t.Errorf("credit after a lifted suspension: %+v", c.Sanctions[0])
		}

		// Time served can use the whole period: suspended from 5 May 2016, a
		// sanction decided in June 2018 has nothing left to run.
		id, _ = heard(true)
		late := sanction("2018-06-02")
		late.Date, late.Sanction.From = d("2018-06-01"), d("2018-06-01")
		_, err = f.s.Take(ctx, "t", id, late)
		wantErr(t, "period used up", err, rulebook.ENotPermitted, "must end by 2018-05-05")
	})
}

// TestLeavingBeforeAScheduledSuspension: a member who resigns, or is excluded,
// before a scheduled suspension starts must not become suspended (a membership
// status) afterwards.
func TestLeavingBeforeAScheduledSuspension(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newLabour(t, newFixture(t, db, labourBook))
		for _, leave := range []Command{
			{Transition: "respondent_resigned", Body: "membership_office", Date: d("2016-05-10")},
			{Transition: "confirm_exclusion", Body: "general_secretary", Date: d("2016-05-10"), Rationale: "stood against the official candidate"},
		} {
			stage := "triage"
			if leave.Transition == "confirm_exclusion" {
				stage = stTriggered
			}
			id, _ := f.labourCase(stage)
			f.take(id, Command{Transition: "suspend", Body: "nec", Date: d("2016-05-06"), Criteria: []string{"SUSP-RISK"}, Rationale: "r",
				Suspend: &SuspendOrder{From: d("2016-06-01")}})
			f.take(id, leave)
			c := f.get(id)
			h := f.history(c.Respondent)
			want := h.StatusAt(d("2016-05-10")).Status
			if want == "active" {
				t.Fatalf("%s: the member is still active", leave.Transition)
			}
			if p := h.StatusAt(d("2016-07-01")); p == nil || p.Status != want {
				t.Errorf("%s before the suspension began: on 2016-07-01 the member is %+v, want %s", leave.Transition, p, want)
			}
			if same, a, b := sameJSON(mustReplay(t, f, id), c); !same {
				t.Errorf("replay differs:\n%s\n%s", a, b)
			}
		}
		checkRecord(t, db)
	})
}

func mustReplay(t *testing.T, f *fixture, id string) *Case {
	t.Helper()
	c, err := f.s.Replay(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
