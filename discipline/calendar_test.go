package discipline

import (
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

func period(t *testing.T, s string) rules.Duration {
	t.Helper()
	p, err := rules.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCalendarDue checks time-limit arithmetic on two calendars: the Labour
// example's (Saturday–Sunday weekend, no holidays) and the club's (Friday–Saturday
// weekend, holidays at Christmas and on 2 January 2022).
func TestCalendarDue(t *testing.T) {
	labour, _ := loadBook(t, labourBook)
	club, _ := loadBook(t, clubBook)
	lv, _ := labour.VersionAt(d("2016-01-01"))
	cv, _ := club.VersionAt(d("2022-01-01"))
	lc, cc := &lv.Discipline.Calendar, &cv.Discipline.Calendar
	for _, c := range []struct {
		cal        *rules.Calendar
		name       string
		start, per string
		want       string
	}{
		{lc, "labour", "2016-05-06", "5 working days", "2016-05-13"}, // Friday to Friday over a weekend
		{lc, "labour", "2016-05-07", "1 working day", "2016-05-09"},  // from a Saturday: Monday
		{lc, "labour", "2016-05-02", "10 working days", "2016-05-16"},
		{lc, "labour", "2016-01-31", "1 month", "2016-02-29"},  // clamped to the month's end, a Monday
		{lc, "labour", "2016-05-05", "6 months", "2016-11-07"}, // ends Saturday: runs to Monday
		{lc, "labour", "2016-07-23", "2 weeks", "2016-08-08"},  // ends Saturday 6 August
		{lc, "labour", "2016-05-06", "0 working days", "2016-05-06"},
		{cc, "club", "2021-12-23", "1 working day", "2021-12-27"},  // Fri, Sat weekend; Sun 26 a holiday
		{cc, "club", "2021-12-30", "3 working days", "2022-01-05"}, // skips Fri 31, Sat 1, holiday Sun 2
		{cc, "club", "2021-12-19", "14 days", "2022-01-03"},        // ends on the holiday Sunday 2 January
		{cc, "club", "2021-12-10", "2 weeks", "2021-12-27"},        // ends Fri 24: weekend, then holiday
		{cc, "club", "2021-06-06", "14 days", "2021-06-20"},        // a Sunday is a working day here
		{cc, "club", "2021-06-03", "1 working day", "2021-06-06"},  // Thursday to Sunday
	} {
		if got := c.cal.Due(d(c.start), period(t, c.per)); got != d(c.want) {
			t.Errorf("%s: %s from %s = %s, want %s", c.name, c.per, c.start, got, c.want)
		}
	}
	for _, c := range []struct {
		cal  *rules.Calendar
		day  string
		want bool
	}{
		{lc, "2016-05-07", false}, {lc, "2016-05-08", false}, {lc, "2016-05-06", true},
		{cc, "2021-12-24", false}, {cc, "2021-12-25", false}, {cc, "2021-12-26", false}, {cc, "2021-12-19", true}, {cc, "2021-12-27", true},
	} {
		if got := c.cal.IsWorkingDay(d(c.day)); got != c.want {
			t.Errorf("%s is a working day: %v, want %v", c.day, got, c.want)
		}
	}
}

// TestCaseDeadlines checks the due dates a case lists: its state's time limit,
// the review date and ageing alerts of an administrative suspension, the hearing,
// and conditions of a sanction.
func TestCaseDeadlines(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newLabour(t, newFixture(t, db, labourBook))
		v, _ := f.s.rb().VersionAt(d("2016-05-02"))
		x := v.Discipline
		type due struct{ kind, on string }
		check := func(id string, want ...due) {
			t.Helper()
			c := f.get(id)
			got := c.Deadlines(x)
			if len(got) != len(want) {
				t.Errorf("case in %s: %d deadlines %+v, want %v", c.State, len(got), got, want)
				return
			}
			for i, w := range want {
				if got[i].Kind != w.kind || got[i].Due != d(w.on) || got[i].Case != id {
					t.Errorf("case in %s: deadline %d is %s on %s, want %s on %s", c.State, i, got[i].Kind, got[i].Due, w.kind, w.on)
				}
			}
		}
		// Opened Tuesday 3 May 2016: 5 working days to acknowledge.
		received, _ := f.labourCase("received")
		check(received, due{"state", "2016-05-10"})
		// Suspended on Thursday 5 May while in triage (since Wednesday 4 May): the
		// review is due in 6 months, on Saturday 5 November, so on Monday 7
		// November; alerts at 3, 6, 12 and 18 months.
		susp, _ := f.labourCase(stSuspended)
		check(susp, due{"state", "2016-05-18"}, due{"suspension_review", "2016-11-07"},
			due{"suspension_age", "2016-08-05"}, due{"suspension_age", "2016-11-05"}, due{"suspension_age", "2017-05-05"}, due{"suspension_age", "2017-11-05"})
		// A review on 1 August sets the next one 6 months on.
		_, err := f.s.Take(ctx, "t", susp, Command{Transition: "review_suspension", Body: "nec", Date: d("2016-08-01"), Rationale: "r",
			Suspend: &SuspendOrder{ReviewBy: d("2017-02-02")}})
		wantErr(t, "review set too late", err, rulebook.ENotPermitted, "within 6 months", "2017-02-01")
		f.take(susp, Command{Transition: "review_suspension", Body: "nec", Date: d("2016-08-01"), Rationale: "r"})
		if c := f.get(susp); c.Suspension.ReviewBy != d("2017-02-01") || len(c.Suspension.Reviews) != 1 {
			t.Errorf("after the review: %+v", c.Suspension)
		}
		// A suspension may not be set for review later than the rule allows.
		tri, _ := f.labourCase("triage")
		_, err = f.s.Take(ctx, "t", tri, Command{Transition: "suspend", Body: "nec", Date: d("2016-05-05"), Criteria: []string{"SUSP-RISK"}, Rationale: "r",
			Suspend: &SuspendOrder{ReviewBy: d("2016-11-08")}})
		wantErr(t, "suspension reviewed too late", err, rulebook.ENotPermitted, "within 6 months", "clause 6.I.1.B", "2016-11-07")
		_, err = f.s.Take(ctx, "t", tri, Command{Transition: "suspend", Body: "nec", Date: d("2016-05-05"), Criteria: []string{"SUSP-RISK"}, Rationale: "r",
			Suspend: &SuspendOrder{From: d("2016-05-04")}})
		wantField(t, "suspension backdated", err, "suspend.from")
		// Scheduled to start on 1 June: review and alerts count from then.
		f.take(tri, Command{Transition: "suspend", Body: "nec", Date: d("2016-05-05"), Criteria: []string{"SUSP-RISK"}, Rationale: "r",
			Suspend: &SuspendOrder{From: d("2016-06-01"), Rights: map[string]bool{"vote_in_all_member_ballot": false}}})
		check(tri, due{"state", "2016-05-18"}, due{"suspension_review", "2016-12-01"},
			due{"suspension_age", "2016-09-01"}, due{"suspension_age", "2016-12-01"}, due{"suspension_age", "2017-06-01"}, due{"suspension_age", "2017-12-01"})
		h := f.history(f.get(tri).Respondent)
		if p := h.StatusAt(d("2016-05-31")); p == nil || p.Status != "active" {
			t.Errorf("before the scheduled start: %+v", p)
		}
		if p := h.StatusAt(d("2016-06-01")); p == nil || p.Status != "admin_suspended" || p.Rights["vote_in_all_member_ballot"] {
			t.Errorf("from the scheduled start: %+v", p)
		}
		_, err = f.s.Take(ctx, "t", tri, Command{Transition: "suspend", Body: "nec", Date: d("2016-05-06"), Criteria: []string{"SUSP-RISK"}, Rationale: "r"})
		wantErr(t, "suspended twice", err, rulebook.ENotPermitted, "already administratively suspended")
		// Lifted before it began: the scheduled suspension is withdrawn by a
		// correction, and its deadlines go.
		f.take(tri, Command{Transition: "lift_suspension", Body: "nec", Date: d("2016-05-20"), Rationale: "resolved"})
		check(tri, due{"state", "2016-05-18"})
		if p := f.history(f.get(tri).Respondent).StatusAt(d("2016-07-01")); p == nil || p.Status != "active" {
			t.Errorf("after the withdrawn suspension: %+v", p)
		}
		_, err = f.s.Take(ctx, "t", tri, Command{Transition: "review_suspension", Body: "nec", Date: d("2016-05-21"), Rationale: "r"})
		wantErr(t, "review with no suspension", err, rulebook.ENotPermitted, "no administrative suspension in force")

		// A listed hearing is a deadline; under investigation, 3 calendar months.
		listed, _ := f.labourCase("hearing_listed")
		lc := f.get(listed)
		check(listed, due{"hearing", lc.Hearing.Date.String()}, due{"evidence", lc.Hearing.Date.AddDays(-7).String()})
		inv, _ := f.labourCase("under_investigation")
		check(inv, due{"state", "2016-08-05"})

		// Once the findings are made (on the day of the hearing) the hearing is no
		// longer due; the heard state's month is.
		proved, day := f.labourCase(stProved)
		check(proved, due{"state", "2016-06-22"})

		// Conditions of a sanction are due until met.
		if _, err := f.s.HearMitigation(ctx, "t", proved, day, "sorry"); err != nil {
			t.Fatal(err)
		}
		f.take(proved, Command{Transition: "impose_sanction", Body: "ncc", Date: day, Rationale: "r",
			Sanction: &SanctionOrder{Sanction: "reprimand", Conditions: []Condition{{What: "equality course", Due: d("2016-12-01")}}}})
		check(proved, due{"condition", "2016-12-01"})
		if _, err := f.s.ConditionMet(ctx, "t", proved, d("2016-10-01"), "a course"); rulebook.ErrorCode(err) != rulebook.EInvalid {
			t.Errorf("meeting an unknown condition: %v", err)
		}
		if _, err := f.s.ConditionMet(ctx, "t", proved, d("2016-10-01"), "equality course"); err != nil {
			t.Fatal(err)
		}
		check(proved)

		// The stored deadlines are those the case computes; the list is soonest first.
		all, err := f.s.Deadlines(ctx, d("2016-05-18"), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) == 0 {
			t.Fatal("no deadlines listed")
		}
		for i, dl := range all {
			if i > 0 && dl.Due < all[i-1].Due {
				t.Errorf("deadlines out of order: %s after %s", dl.Due, all[i-1].Due)
			}
			if dl.Due > d("2016-05-18") || dl.Respondent == "" || dl.State == "" {
				t.Errorf("deadline listed: %+v", dl)
			}
		}
		if all[0].Case != received || all[0].Due != d("2016-05-10") {
			t.Errorf("first deadline %+v, want the acknowledgement of %s", all[0], received)
		}
	})
}
