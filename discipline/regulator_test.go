package discipline

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/notices"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// The tests in this file run a professional regulator's rule book, whose ids share
// nothing with the party's: what each step does is declared there.
const regulatorBook = "../examples/regulator-2020.yaml"

// fellow registers a surveyor on joined and has the Council elect them a Fellow on
// elected.
func (f *fixture) fellow(joined, elected string) string {
	f.t.Helper()
	id := f.member(joined, rulebook.Member{})
	if _, err := f.reg.ChangeStatus(ctx, "t", id, d(elected), rulebook.StatusChange{Status: "fellow", Decision: rulebook.Decision{Body: "council", Reason: "elected a Fellow"}}, 0); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// regulator returns a fixture over the regulator's rule book, with the Tribunal's
// roster and their training recorded.
func regulator(t *testing.T, db *sqldb.DB) *fixture {
	t.Helper()
	f := newFixture(t, db, regulatorBook)
	for _, e := range []ListEntry{
		{List: "tribunal_roster", ID: "roster-lay", Name: "Lay Member", Member: "t-lay", Section: "lay", From: d("2020-01-01")},
		{List: "tribunal_roster", ID: "roster-reg", Name: "Registrant Member", Member: "t-reg", Section: "registrant", From: d("2020-01-01")},
		{List: "tribunal_roster", ID: "roster-chair", Name: "Chair", Member: "t-chair", Section: "registrant", From: d("2020-01-01")},
		{List: "tribunal_training", ID: "training-lay", Name: "Tribunal induction", Member: "t-lay", From: d("2021-01-04"), Until: d("2031-01-04")},
		{List: "tribunal_training", ID: "training-reg", Name: "Tribunal induction", Member: "t-reg", From: d("2021-01-04"), Until: d("2031-01-04")},
		{List: "tribunal_training", ID: "training-chair", Name: "Tribunal induction", Member: "t-chair", From: d("2021-01-04"), Until: d("2031-01-04")},
	} {
		if _, err := f.s.AddListEntry(ctx, "t", e); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// assessed records the Investigating Committee's decision that no interim order is
// needed, which must come before a referral.
func (f *fixture) assessed(id string, day rulebook.Date) {
	f.t.Helper()
	f.take(id, Command{Transition: "assess_interim", Date: day, Body: "investigating_committee", Criteria: []string{"IO-NONE"}, Rationale: "no risk to clients meanwhile"})
}

func tribunal() *Panel {
	return &Panel{Body: "tribunal", Members: []PanelMember{
		{ID: "t-lay", Name: "Lay Member", Section: "lay"},
		{ID: "t-reg", Name: "Registrant Member", Section: "registrant"},
		{ID: "t-chair", Name: "Chair", Section: "registrant"},
	}}
}

// determined brings a case against respondent to the Tribunal's findings (one
// allegation proved) and mitigation on day, and returns its id.
func (f *fixture) determined(respondent, opened, day string) string {
	f.t.Helper()
	id := f.open(opened, opened, respondent, "client", "5.1")
	f.take(id, Command{Transition: "acknowledge", Date: d(opened), Body: "registrar"})
	f.assessed(id, d(opened).AddDays(1))
	f.take(id, Command{Transition: "refer", Date: d(opened).AddDays(7), Body: "investigating_committee", Criteria: []string{"CASE-TO-ANSWER"},
		Rationale: "the client's evidence is documented", Charges: []Charge{{Count: 1, Clause: "5.1", Particulars: "misled a client about a survey"}}})
	f.take(id, Command{Transition: "list_hearing", Date: d(opened).AddDays(14), Body: "tribunal", Panel: tribunal(),
		Hearing: &Hearing{Date: d(opened).AddDays(60)}})
	f.take(id, Command{Transition: "determine", Date: d(day), Body: "tribunal", Findings: []Finding{{Count: 1, Finding: "proved"}}})
	if _, err := f.s.HearMitigation(ctx, "t", id, d(day), "apologised"); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) statusOn(id, day string) string {
	f.t.Helper()
	p := f.history(id).StatusAt(d(day))
	if p == nil {
		return "(none)"
	}
	return p.Status
}

func (f *fixture) may(id, action, day string) *eligibility.Answer {
	f.t.Helper()
	a, err := eligibility.Check(f.s.rb(), f.history(id), eligibility.Question{Action: action, Date: d(day), FreezeDate: d(day)})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// TestRestorationToPriorStatus: when an interim order or a suspension ends, a Fellow
// comes back a Fellow — not the status some rule calls "restored" — and keeps the
// Fellow's rights.
func TestRestorationToPriorStatus(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := regulator(t, db)
		fel := f.fellow("2020-02-03", "2021-01-04")
		id := f.open("2022-01-10", "2022-01-03", fel, "client", "5.1")
		f.take(id, Command{Transition: "interim_order", Date: d("2022-02-01"), Body: "investigating_committee", Criteria: []string{"IO-PUBLIC"}, Rationale: "risk to clients"})
		if got := f.statusOn(fel, "2022-02-01"); got != "interim_suspended" {
			t.Fatalf("under the interim order: %s", got)
		}
		f.take(id, Command{Transition: "revoke_interim_order", Date: d("2022-05-02"), Body: "investigating_committee", Rationale: "no longer necessary"})
		if got := f.statusOn(fel, "2022-05-02"); got != "fellow" {
			t.Errorf("after the interim order was revoked: %s, want fellow", got)
		}
		if a := f.may(fel, "use_fellow_designation", "2022-05-03"); !a.Allowed {
			t.Errorf("a Fellow restored lost the designation: %s", a.Reason)
		}

		// A time-limited suspension, imposed while an interim order is in force,
		// ends with the Fellow a Fellow again.
		fel2 := f.fellow("2020-02-03", "2021-01-04")
		id2 := f.open("2022-01-10", "2022-01-03", fel2, "client", "5.1")
		f.take(id2, Command{Transition: "interim_order", Date: d("2022-01-12"), Body: "investigating_committee", Criteria: []string{"IO-PUBLIC"}, Rationale: "risk"})
		f.take(id2, Command{Transition: "acknowledge", Date: d("2022-01-12"), Body: "registrar"})
		f.take(id2, Command{Transition: "refer", Date: d("2022-01-19"), Body: "investigating_committee", Criteria: []string{"CASE-TO-ANSWER"},
			Rationale: "documented", Charges: []Charge{{Count: 1, Clause: "5.1", Particulars: "misled a client"}}})
		f.take(id2, Command{Transition: "list_hearing", Date: d("2022-01-26"), Body: "tribunal", Panel: tribunal(), Hearing: &Hearing{Date: d("2022-03-28")}})
		f.take(id2, Command{Transition: "determine", Date: d("2022-03-28"), Body: "tribunal", Findings: []Finding{{Count: 1, Finding: "proved"}}})
		if _, err := f.s.HearMitigation(ctx, "t", id2, d("2022-03-28"), "apologised"); err != nil {
			t.Fatal(err)
		}
		f.take(id2, Command{Transition: "impose_sanction", Date: d("2022-03-29"), Body: "tribunal", Seriousness: "medium", Rationale: "serious",
			Sanction: &SanctionOrder{Sanction: "suspension", Until: d("2022-09-29")}})
		if got := f.statusOn(fel2, "2022-09-28"); got != "suspended" {
			t.Errorf("during the suspension: %s", got)
		}
		if got := f.statusOn(fel2, "2022-09-29"); got != "fellow" {
			t.Errorf("after the suspension: %s, want fellow (the status held before the interim order)", got)
		}
	})
}

// TestFineWithReprimand: one decision imposes a fine and a reprimand; the amount is
// exact and capped by the menu, payment is due on the rule book's terms, non-payment
// leads where the rule book says, and each sanction shows in the case, the letter,
// the precedents and the statistics.
func TestFineWithReprimand(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := regulator(t, db)
		fel := f.fellow("2020-02-03", "2021-01-04")
		id := f.determined(fel, "2022-03-01", "2022-05-03")
		fine := func(s string) rulebook.Money {
			m, err := rulebook.ParseMoney("GBP", s)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		cmd := Command{Transition: "impose_sanction", Date: d("2022-05-04"), Body: "tribunal", Seriousness: "lower", Rationale: "misleading a client",
			Sanctions: []SanctionOrder{{Sanction: "fine", Amount: fine("10000.01"), Factors: []string{"HARM"}}, {Sanction: "reprimand"}}}
		_, err := f.s.Take(ctx, "t", id, cmd)
		wantErr(t, "a fine over the maximum", err, rulebook.ENotPermitted, "at most GBP 10,000.00", "clause 5.5")
		cmd.Sanctions[0].Amount = rulebook.Money{Currency: "EUR", Minor: 150000}
		_, err = f.s.Take(ctx, "t", id, cmd)
		wantField(t, "a fine in another currency", err, "sanctions[0].amount", "set in GBP")
		cmd.Sanctions[0].Amount = rulebook.Money{}
		_, err = f.s.Take(ctx, "t", id, cmd)
		wantField(t, "a fine of nothing", err, "sanctions[0].amount", "needs an amount")
		cmd.Sanctions[0].Amount = fine("1,500.00")
		cmd.Sanctions = append(cmd.Sanctions, SanctionOrder{Sanction: "reprimand"})
		_, err = f.s.Take(ctx, "t", id, cmd)
		wantField(t, "the same sanction twice", err, "sanctions[2].sanction", "twice")
		cmd.Sanctions = cmd.Sanctions[:2]
		o := f.take(id, cmd)
		c := o.Case
		if len(c.Sanctions) != 2 || c.Sanctions[0].Amount.Minor != 150000 || c.Sanctions[0].Amount.String() != "GBP 1,500.00" || c.Sanctions[1].Sanction != "reprimand" {
			t.Fatalf("sanctions: %+v", c.Sanctions)
		}
		// 28 days from Wednesday 4 May 2022 is Wednesday 1 June.
		if c.Sanctions[0].PayBy != d("2022-06-01") {
			t.Errorf("pay by %s, want 2022-06-01", c.Sanctions[0].PayBy)
		}
		if got := f.statusOn(fel, "2022-05-04"); got != "fellow" {
			t.Errorf("a fine and a reprimand change no status: %s", got)
		}
		// The letter names both.
		l, err := f.s.Letter(ctx, f.get(id), "decision", "", rulebook.NoDate)
		if err != nil {
			t.Fatal(err)
		}
		if l.Decision == nil || len(l.Decision.Sanctions) != 2 || !strings.Contains(l.Decision.Sanctions[0], "Fine of GBP 1,500.00, to be paid by 2022-06-01") || l.Decision.Sanctions[1] != "Reprimand" {
			t.Errorf("letter sanctions: %+v", l.Decision)
		}
		// Precedents and statistics count each sanction.
		ps, err := f.s.Precedents(ctx, "5.1", []string{"HARM"}, 10, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps.Precedents) != 1 || len(ps.Precedents[0].Sanctions) != 2 || ps.Precedents[0].Shared != 1 {
			t.Errorf("precedents: %+v", ps.Precedents)
		}
		counts, err := f.db.SanctionCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, sc := range counts {
			got[sc.Clause+" "+sc.Sanction] = sc.Cases
		}
		if got["5.1 fine"] != 1 || got["5.1 reprimand"] != 1 {
			t.Errorf("sanction counts: %+v", counts)
		}

		// The steps about a fine are offered while it is unpaid, and
		// non-payment once.
		offered := func(want map[string]bool) {
			t.Helper()
			c := f.get(id)
			got := map[string]bool{}
			for _, tr := range c.NextSteps(f.reg.Rules.Versions[0].Discipline) {
				if tr.ID == "record_payment" || tr.ID == "record_non_payment" {
					got[tr.ID] = true
				}
			}
			if !maps.Equal(got, want) {
				t.Errorf("steps about the fine offered: %v, want %v", got, want)
			}
		}
		offered(map[string]bool{"record_payment": true, "record_non_payment": true})

		// Non-payment: not before the due date; after it, the registrant is
		// suspended until they pay, then returns to the status held before.
		_, err = f.s.Take(ctx, "t", id, Command{Transition: "record_non_payment", Date: d("2022-06-01"), Body: "registrar", Rationale: "unpaid"})
		wantErr(t, "non-payment on the due date", err, rulebook.ENotPermitted, "not due until 2022-06-01")
		f.take(id, Command{Transition: "record_non_payment", Date: d("2022-06-02"), Body: "registrar", Rationale: "unpaid after reminder"})
		if got := f.statusOn(fel, "2022-06-02"); got != "suspended_unpaid" {
			t.Errorf("after non-payment: %s", got)
		}
		offered(map[string]bool{"record_payment": true})
		f.take(id, Command{Transition: "record_payment", Date: d("2022-06-20"), Body: "registrar"})
		offered(map[string]bool{})
		if got := f.statusOn(fel, "2022-06-20"); got != "fellow" {
			t.Errorf("after payment: %s, want fellow", got)
		}
		if c := f.get(id); c.Sanctions[0].Paid != d("2022-06-20") || c.NonPayment != "" {
			t.Errorf("after payment: %+v", c.Sanctions[0])
		}
		_, err = f.s.Take(ctx, "t", id, Command{Transition: "record_payment", Date: d("2022-06-21"), Body: "registrar"})
		wantErr(t, "paying twice", err, rulebook.ENotPermitted, "no unpaid fine")
	})
}

// TestAppealVariesAndQuashes: an appeal that varies a striking off to a suspension,
// or quashes a suspension, corrects the register from the appeal decision's date;
// the original decision stays in the record and in the case, marked ended.
func TestAppealVariesAndQuashes(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := regulator(t, db)
		fel := f.fellow("2020-02-03", "2021-01-04")
		id := f.determined(fel, "2022-03-01", "2022-05-03")
		f.take(id, Command{Transition: "impose_sanction", Date: d("2022-05-04"), Body: "tribunal", Seriousness: "high", Rationale: "dishonesty",
			Sanctions: []SanctionOrder{{Sanction: "striking_off", Factors: []string{"DISHONESTY"}}, {Sanction: "costs", Amount: rulebook.Money{Currency: "GBP", Minor: 250000}}}})
		f.take(id, Command{Transition: "appeal", Date: d("2022-05-30"), Body: "registrant", Rationale: "striking off is disproportionate"})
		// The Appeal Board substitutes a six-month suspension, counted from the
		// original decision, and keeps the costs order.
		o := f.take(id, Command{Transition: "vary", Date: d("2022-07-01"), Body: "appeal_board", Seriousness: "high", Rationale: "insight shown; suspension suffices",
			Sanctions: []SanctionOrder{{Sanction: "suspension", From: d("2022-05-04"), Until: d("2022-11-04")}, {Sanction: "costs", Amount: rulebook.Money{Currency: "GBP", Minor: 250000}}}})
		c := o.Case
		if len(c.Sanctions) != 4 || c.Sanctions[0].EndedHow != "varied" || c.Sanctions[0].Ended != d("2022-07-01") || !c.Sanctions[2].InForce() || c.Outcome != "sanction_varied" {
			t.Fatalf("sanctions after the variation: %+v", c.Sanctions)
		}
		for day, want := range map[string]string{"2022-05-04": "struck_off", "2022-06-30": "struck_off", "2022-07-01": "suspended", "2022-11-03": "suspended", "2022-11-04": "fellow", "2028-01-01": "fellow"} {
			if got := f.statusOn(fel, day); got != want {
				t.Errorf("status on %s: %s, want %s", day, got, want)
			}
		}
		// Reducing the suspension further on a second appeal path is not offered
		// from a closed case; a fresh case shows a quash.
		fel2 := f.fellow("2020-02-03", "2021-01-04")
		id2 := f.determined(fel2, "2022-03-01", "2022-05-03")
		f.take(id2, Command{Transition: "impose_sanction", Date: d("2022-05-04"), Body: "tribunal", Seriousness: "medium", Rationale: "competence",
			Sanctions: []SanctionOrder{{Sanction: "suspension", Until: d("2023-05-04")}, {Sanction: "conditions_of_practice", From: d("2023-05-04"), Until: d("2025-05-04")}}})
		_, err := f.s.Take(ctx, "t", id2, Command{Transition: "appeal", Date: d("2022-06-02"), Body: "registrant", Rationale: "late"})
		wantErr(t, "an appeal on day 29", err, rulebook.ENotPermitted, "out of time", "within 28 days")
		f.take(id2, Command{Transition: "appeal", Date: d("2022-06-01"), Body: "registrant", Rationale: "the finding was wrong"})
		f.take(id2, Command{Transition: "quash", Date: d("2022-08-01"), Body: "appeal_board", Rationale: "the finding cannot stand"})
		for day, want := range map[string]string{"2022-07-31": "suspended", "2022-08-01": "fellow", "2023-05-04": "fellow"} {
			if got := f.statusOn(fel2, day); got != want {
				t.Errorf("status on %s after the quash: %s, want %s", day, got, want)
			}
		}
		if a := f.may(fel2, "accept_new_instructions", "2024-01-01"); !a.Allowed {
			t.Errorf("conditions of practice quashed before they began still apply: %s", a.Reason)
		}
		c2 := f.get(id2)
		if len(c2.InForce()) != 0 || c2.Sanctions[0].EndedHow != "quashed" || c2.Outcome != "appeal_allowed" {
			t.Errorf("after the quash: %+v", c2.Sanctions)
		}
		// The record is intact: the register rebuilt from the events agrees.
		if diffs, err := f.db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Errorf("projection after appeals: %v %v", diffs, err)
		}
		if diffs, err := f.s.CheckCases(ctx); err != nil || len(diffs) > 0 {
			t.Errorf("cases after appeals: %v %v", diffs, err)
		}
	})
}

// TestRestorationBar: the longest bar that applies governs — a striking off's five
// years, not the general one-year wait — unless the Council shortens it with reasons.
// The vote is read as the step declares it, whatever the outcome is called.
func TestRestorationBar(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := regulator(t, db)
		reg := f.member("2020-02-03", rulebook.Member{})
		id := f.determined(reg, "2021-01-04", "2021-03-01")
		f.take(id, Command{Transition: "impose_sanction", Date: d("2021-03-02"), Body: "tribunal", Seriousness: "high", Rationale: "dishonesty", Sanction: &SanctionOrder{Sanction: "striking_off"}})
		o, err := f.s.Open(ctx, "t", OpenInput{Kind: "readmission", Respondent: reg, Date: d("2022-04-01"), Summary: "application for restoration"})
		if err != nil {
			t.Fatal(err)
		}
		app := o.Case.ID
		restore := Command{Transition: "restore", Date: d("2022-04-20"), Body: "council", Vote: &Vote{For: 10, Against: 2}}
		_, err = f.s.Take(ctx, "t", app, restore)
		wantErr(t, "restoration after 13 months", err, rulebook.ENotPermitted, "bar of 5 years", "Striking off", "2026-03-02")
		_, err = f.s.Take(ctx, "t", app, Command{Transition: "refuse_restoration", Date: d("2022-04-20"), Body: "council", Vote: &Vote{For: 10, Against: 2}, Rationale: "x"})
		wantErr(t, "a 10–2 vote for restoration recorded as a refusal", err, rulebook.ENotPermitted, "carried the motion")
		restore.Shorten = true
		_, err = f.s.Take(ctx, "t", app, restore)
		wantField(t, "shortening without reasons", err, "rationale", "bar of 5 years")
		restore.Rationale = "exceptional insight and retraining"
		f.take(app, restore)
		if got := f.statusOn(reg, "2022-04-20"); got != "registered" {
			t.Errorf("after restoration: %s", got)
		}
		if c := f.get(app); c.Outcome != "restored" || c.Steps[0].Vote.For != 10 {
			t.Errorf("restoration case: %+v", c)
		}
	})
}

// TestWaiverAndLeaving: a body the rule book names may waive a qualifying
// condition for one member, and every answer it changes cites it; a registrant who
// leaves during a case is flagged when they apply to return.
func TestWaiverAndLeaving(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := regulator(t, db)
		reg := f.member("2022-01-04", rulebook.Member{})
		if a := f.may(reg, "stand_for_council", "2023-03-01"); a.Allowed || a.DecidedBy != eligibility.ByCondition {
			t.Fatalf("a one-year registrant may stand: %+v", a)
		}
		id := f.open("2023-01-09", "2023-01-02", reg, "client", "5.1")
		waive := Command{Transition: "exempt", Date: d("2023-02-01"), Body: "council", Rationale: "the Council needs a member from the new specialism",
			Waive: &WaiveOrder{Action: "stand_for_council", Clause: "2.1"}}
		_, err := f.s.Take(ctx, "t", id, waive)
		wantField(t, "waiving a condition that does not exist", err, "waive.condition_clause", "no condition under clause \"2.1\"")
		waive.Waive.Clause = "3.2"
		waive.Body = "registrar"
		_, err = f.s.Take(ctx, "t", id, waive)
		wantErr(t, "the registrar waiving", err, rulebook.ENotPermitted, "registrar may not")
		waive.Body = "council"
		f.take(id, waive)
		a := f.may(reg, "stand_for_council", "2023-03-01")
		if !a.Allowed || len(a.Waived) != 1 || !strings.Contains(a.Reason, "waived") || !strings.Contains(a.Reason, "new specialism") {
			t.Errorf("after the waiver: %+v", a)
		}
		if a := f.may(reg, "stand_for_council", "2023-01-31"); a.Allowed {
			t.Errorf("the waiver applies before it was made: %+v", a)
		}
		// Leaving during the case: the case closes, and an application to return
		// is warned of it, whatever the rule book calls the outcome.
		f.take(id, Command{Transition: "registrant_left", Date: d("2023-03-06"), Body: "registrar"})
		o, err := f.s.Open(ctx, "t", OpenInput{Kind: "readmission", Respondent: reg, Date: d("2024-04-01"), Summary: "application to return"})
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Warnings) != 1 || !strings.Contains(o.Warnings[0], id) {
			t.Errorf("warnings: %v", o.Warnings)
		}
		// Statistics: the registrar is staff, but closing on leaving is not a staff
		// decision on the merits; the committee's closes are not staff ones.
		st, err := f.s.Statistics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.ClosedByStaff) != 0 {
			t.Errorf("closed by staff: %v", st.ClosedByStaff)
		}
	})
}

// TestJointComplaint: one letter signed by several people is one complaint with
// several complainants — each a complainant of the case (seen as such, barred from
// the panel) — and the sources a complaint may come from are the rule book's.
func TestJointComplaint(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := regulator(t, db)
		resp := f.member("2020-02-03", rulebook.Member{})
		a, b := f.member("2020-02-03", rulebook.Member{}), f.member("2020-02-03", rulebook.Member{})
		c := rulebook.ComplaintReceived{ID: "J-1", Respondent: resp, Complainant: a, Cosignatories: []string{b, "Harbour Residents' Association", a},
			From: "member", Via: "letter", Conduct: d("2022-01-03"), Clauses: []string{"5.1"}, Summary: "a joint letter about one survey"}
		_, err := f.reg.ReceiveComplaint(ctx, "t", d("2022-01-10"), c)
		wantField(t, "the first complainant again as a co-signatory", err, "cosignatories[2]", "named once")
		c.Cosignatories = c.Cosignatories[:2]
		c.From = "official"
		_, err = f.reg.ReceiveComplaint(ctx, "t", d("2022-01-10"), c)
		wantField(t, "a source the regulator does not declare", err, "from", "member, public", `not "official"`)
		c.From = "member"
		if _, err := f.reg.ReceiveComplaint(ctx, "t", d("2022-01-10"), c); err != nil {
			t.Fatal(err)
		}
		o, err := f.s.Open(ctx, "t", OpenInput{Kind: "complaint", Respondent: resp, Date: d("2022-01-10"), Complaints: []string{"J-1"}})
		if err != nil {
			t.Fatal(err)
		}
		k := o.Case
		if len(k.Complaints) != 1 || strings.Join(k.Complainants, "|") != a+"|"+b+"|Harbour Residents' Association" {
			t.Fatalf("complaints %v, complainants %v", k.Complaints, k.Complainants)
		}
		n := 0
		for _, p := range k.People() {
			if p.Relation == "complainant" {
				n++
			}
		}
		if n != 3 {
			t.Errorf("people: %+v", k.People())
		}
		// A co-signatory may not sit on the panel.
		f.take(k.ID, Command{Transition: "acknowledge", Date: d("2022-01-11"), Body: "registrar"})
		f.assessed(k.ID, d("2022-01-12"))
		f.take(k.ID, Command{Transition: "refer", Date: d("2022-01-18"), Body: "investigating_committee", Criteria: []string{"CASE-TO-ANSWER"},
			Rationale: "documented", Charges: []Charge{{Count: 1, Clause: "5.1", Particulars: "a survey"}}})
		if _, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "tribunal_roster", ID: "roster-" + b, Name: "Co-signatory", Member: b, Section: "registrant", From: d("2020-01-01")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "tribunal_training", ID: "training-" + b, Name: "Tribunal induction", Member: b, From: d("2021-01-04")}); err != nil {
			t.Fatal(err)
		}
		p := tribunal()
		p.Members[1] = PanelMember{ID: b, Name: "Co-signatory", Section: "registrant"}
		_, err = f.s.Take(ctx, "t", k.ID, Command{Transition: "list_hearing", Date: d("2022-01-25"), Body: "tribunal", Panel: p, Hearing: &Hearing{Date: d("2022-03-28")}})
		wantErr(t, "a co-signatory on the panel", err, rulebook.ENotPermitted, "is a complainant in this case")
	})
}

// TestLettersInTheRuleBooksTerms: a regulator's letters speak of interim orders and
// allegations, without templates rewritten by hand; every term the rule book may
// name has a default the templates fall back on.
func TestLettersInTheRuleBooksTerms(t *testing.T) {
	for _, k := range rules.TermKeys {
		if notices.DefaultTerms[k] == "" {
			t.Errorf("term %q has no default wording", k)
		}
	}
	if len(rules.TermKeys) != len(notices.DefaultTerms) {
		t.Errorf("rules.TermKeys %v and notices.DefaultTerms %v differ", rules.TermKeys, notices.DefaultTerms)
	}
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := regulator(t, db)
		reg := f.member("2020-02-03", rulebook.Member{})
		id := f.open("2022-01-10", "2022-01-03", reg, "client", "5.1")
		f.take(id, Command{Transition: "interim_order", Date: d("2022-02-01"), Body: "investigating_committee", Criteria: []string{"IO-PUBLIC"}, Rationale: "risk"})
		f.take(id, Command{Transition: "acknowledge", Date: d("2022-02-01"), Body: "registrar"})
		f.take(id, Command{Transition: "refer", Date: d("2022-02-08"), Body: "investigating_committee", Criteria: []string{"CASE-TO-ANSWER"},
			Rationale: "documented", Charges: []Charge{{Count: 1, Clause: "5.1", Particulars: "a survey"}}})
		// The deadlines speak the same words, their dates written out.
		var whats []string
		for _, dl := range f.get(id).Deadlines(f.reg.Rules.Versions[0].Discipline) {
			whats = append(whats, dl.What)
		}
		if !slices.Contains(whats, "review the interim order in force since 1 February 2022") || !slices.Contains(whats, "interim order 6 months old") {
			t.Errorf("deadlines: %q", whats)
		}
		tpl := notices.Default()
		for template, want := range map[string][]string{
			// Each letter as it was sent, whatever came after: dated, citing and
			// signed by its own step (the interim order before the referral).
			"administrative_suspension": {"Notice of interim order", "you are suspended by an interim order from registration rights", "An interim order is a precautionary measure",
				"Date: 1\u00a0February\u00a02022", "Clause 5.3: ", "Yours sincerely,\n\nInvestigating Committee\n", "Registration number: "},
			"notice_of_charges": {"Notice of allegations", "answer each allegation in writing", "Date: 8\u00a0February\u00a02022"},
		} {
			l, err := f.s.Letter(ctx, f.get(id), template, "", rulebook.NoDate)
			if err != nil {
				t.Fatal(err)
			}
			r, err := tpl.Render(template, l)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range want {
				if !strings.Contains(r.Text, w) {
					t.Errorf("%s lacks %q:\n%s", template, w, r.Text)
				}
			}
			if strings.Contains(strings.ToLower(r.Text), "administrative suspension") {
				t.Errorf("%s speaks of administrative suspension:\n%s", template, r.Text)
			}
		}
	})
}

// TestInterimDecisionAndSelectionWarning (R7): interim action is decided, with
// criteria, before a referral; a case opened about, or a step affecting, a
// candidate in an election under way is flagged.
func TestInterimDecisionAndSelectionWarning(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := regulator(t, db)
		cand := f.member("2020-02-03", rulebook.Member{})
		if _, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "council_candidates", ID: "council-2022-" + cand, Name: "Member " + cand, About: "election to the Council, 2022",
			Member: cand, From: d("2022-01-03"), Until: d("2022-06-01")}); err != nil {
			t.Fatal(err)
		}
		cid := f.complaint("2022-01-10", "2022-01-03", cand, "client", "5.1")
		o, err := f.s.Open(ctx, "t", OpenInput{Kind: "complaint", Respondent: cand, Date: d("2022-01-10"), Complaints: []string{cid}})
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Warnings) != 1 || !strings.Contains(o.Warnings[0], "candidates in elections to the council") || !strings.Contains(o.Warnings[0], "election to the Council, 2022") {
			t.Errorf("opening warnings: %v", o.Warnings)
		}
		id := o.Case.ID
		f.take(id, Command{Transition: "acknowledge", Date: d("2022-01-11"), Body: "registrar"})
		refer := Command{Transition: "refer", Date: d("2022-01-18"), Body: "investigating_committee", Criteria: []string{"CASE-TO-ANSWER"},
			Rationale: "documented", Charges: []Charge{{Count: 1, Clause: "5.1", Particulars: "a survey"}}}
		_, err = f.s.Take(ctx, "t", id, refer)
		wantErr(t, "a referral before interim action is decided", err, rulebook.ENotPermitted, "interim action must be decided", "clause 5.2")
		_, err = f.s.Take(ctx, "t", id, Command{Transition: "assess_interim", Date: d("2022-01-12"), Body: "investigating_committee", Rationale: "none needed"})
		wantField(t, "an interim decision without criteria", err, "criteria")
		f.take(id, Command{Transition: "interim_order", Date: d("2022-01-12"), Body: "investigating_committee", Criteria: []string{"IO-PUBLIC"}, Rationale: "risk"})
		if c := f.get(id); c.Interim == nil || !c.Interim.Suspended || c.Interim.Date != d("2022-01-12") {
			t.Errorf("interim decision: %+v", c.Interim)
		}
		// The interim order affects a candidate: flagged.
		c := f.get(id)
		if len(c.Steps) == 0 {
			t.Fatal("no steps")
		}
		out := f.take(id, Command{Transition: "revoke_interim_order", Date: d("2022-02-01"), Body: "investigating_committee", Rationale: "not needed after all"})
		if len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], "this step affects them") {
			t.Errorf("step warnings: %v", out.Warnings)
		}
		f.take(id, refer)
		// After the election, no warning.
		out = f.take(id, Command{Transition: "interim_order", Date: d("2022-06-02"), Body: "investigating_committee", Criteria: []string{"IO-PUBLIC"}, Rationale: "new information"})
		if len(out.Warnings) != 0 {
			t.Errorf("warnings after the election: %v", out.Warnings)
		}
	})
}

// TestPanelFromRosterWithTraining (R10): only people on the hearing body's roster
// on the day, with current training, may be empanelled, and the roster — not the
// command — says which section each sits for.
func TestPanelFromRosterWithTraining(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := regulator(t, db)
		resp := f.member("2020-02-03", rulebook.Member{})
		id := f.open("2022-01-10", "2022-01-03", resp, "client", "5.1")
		f.take(id, Command{Transition: "acknowledge", Date: d("2022-01-11"), Body: "registrar"})
		f.assessed(id, d("2022-01-12"))
		f.take(id, Command{Transition: "refer", Date: d("2022-01-18"), Body: "investigating_committee", Criteria: []string{"CASE-TO-ANSWER"},
			Rationale: "documented", Charges: []Charge{{Count: 1, Clause: "5.1", Particulars: "a survey"}}})
		list := func(p *Panel) error {
			_, err := f.s.Take(ctx, "t", id, Command{Transition: "list_hearing", Date: d("2022-01-25"), Body: "tribunal", Panel: p, Hearing: &Hearing{Date: d("2022-03-28")}})
			return err
		}
		p := tribunal()
		p.Members[2] = PanelMember{ID: "t-stranger", Name: "Not on the roster", Section: "registrant"}
		wantErr(t, "someone not on the roster", list(p), rulebook.ENotPermitted, "not on the tribunal roster on 2022-01-25")
		p = tribunal()
		p.Members[0].Section = "registrant" // claims a section the roster does not give
		wantField(t, "a section the roster does not give", list(p), "panel.members", "sits for the lay section")
		// A roster entry for a section the Tribunal's panels do not have is
		// refused when it is added, not when a panel cannot be composed.
		_, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "tribunal_roster", ID: "roster-typo", Name: "Typo", Member: "t-typo", Section: "registrnt", From: d("2020-01-01")})
		wantField(t, "a roster section no panel has", err, "section", `no section "registrnt"`, "lay, registrant")
		// Every section must be represented: three registrants are refused.
		if _, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "tribunal_roster", ID: "roster-reg2", Name: "Second Registrant", Member: "t-reg2", Section: "registrant", From: d("2020-01-01")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "tribunal_training", ID: "training-reg2", Name: "Tribunal induction", Member: "t-reg2", From: d("2021-06-03")}); err != nil {
			t.Fatal(err)
		}
		p = tribunal()
		p.Members[0] = PanelMember{ID: "t-reg2", Name: "Second Registrant"}
		wantErr(t, "no lay member", list(p), rulebook.ENotPermitted, "a member from each of its sections", "none sits for the lay section")
		// Training lapsed: the chair's expired before the listing.
		if _, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "tribunal_roster", ID: "roster-old", Name: "Old Hand", Member: "t-old", Section: "registrant", From: d("2020-01-01")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "tribunal_training", ID: "training-old", Name: "Tribunal induction", Member: "t-old", From: d("2019-06-03"), Until: d("2021-06-03")}); err != nil {
			t.Fatal(err)
		}
		p = tribunal()
		p.Members[2] = PanelMember{ID: "t-old", Name: "Old Hand"}
		wantErr(t, "expired training", list(p), rulebook.ENotPermitted, "training expired on 2021-06-03", "tribunal_training")
		// Sections left blank are taken from the roster.
		p = tribunal()
		for i := range p.Members {
			p.Members[i].Section = ""
		}
		if err := list(p); err != nil {
			t.Fatal(err)
		}
		if c := f.get(id); c.Panel == nil || c.Panel.Members[0].Section != "lay" || c.Panel.Members[1].Section != "registrant" {
			t.Errorf("panel: %+v", c.Panel)
		}
	})
}

// TestWithholdingAndUpdates (R8): a complainant's identity is withheld from the
// respondent only by a decision in the case, with a reason the letter gives;
// progress updates to the complainants fall due as the rule book says.
func TestWithholdingAndUpdates(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := regulator(t, db)
		resp := f.member("2020-02-03", rulebook.Member{})
		named := f.member("2020-02-03", rulebook.Member{Name: "Nora Named"})
		id := f.open("2022-01-10", "2022-01-03", resp, "Hidden Client (not a registrant)", "5.1")
		if _, err := f.s.Link(ctx, "t", id, f.complaint("2022-01-11", "2022-01-03", resp, named, "5.1"), d("2022-01-11")); err != nil {
			t.Fatal(err)
		}
		v, _ := f.s.rb().VersionAt(d("2022-01-10"))
		due := func() rulebook.Date {
			for _, dl := range f.get(id).Deadlines(v.Discipline) {
				if dl.Kind == "complainant_update" {
					return dl.Due
				}
			}
			return 0
		}
		if got := due(); got != d("2022-02-07") {
			t.Errorf("first update due %s, want 2022-02-07 (4 weeks from opening)", got)
		}
		if _, err := f.s.UpdateComplainants(ctx, "t", id, d("2022-02-01"), "The allegation is being investigated."); err != nil {
			t.Fatal(err)
		}
		if got := due(); got != d("2022-03-01") {
			t.Errorf("next update due %s, want 2022-03-01", got)
		}
		// Nothing is withheld until decided: the respondent's letter names both.
		f.take(id, Command{Transition: "interim_order", Date: d("2022-02-02"), Body: "investigating_committee", Criteria: []string{"IO-PUBLIC"}, Rationale: "risk"})
		l, err := f.s.Letter(ctx, f.get(id), "administrative_suspension", "", rulebook.NoDate)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Complainants) != 2 || l.ComplainantsWithheld != "" {
			t.Errorf("before any decision: %+v / %q", l.Complainants, l.ComplainantsWithheld)
		}
		_, err = f.s.WithholdIdentity(ctx, "t", id, d("2022-02-03"), Withholding{Person: "Hidden Client (not a registrant)"})
		wantField(t, "withholding without a reason", err, "reason")
		if _, err := f.s.WithholdIdentity(ctx, "t", id, d("2022-02-03"), Withholding{Person: "Hidden Client (not a registrant)", Reason: "the client fears losing their mortgage offer"}); err != nil {
			t.Fatal(err)
		}
		l, _ = f.s.Letter(ctx, f.get(id), "administrative_suspension", "", rulebook.NoDate)
		if len(l.Complainants) != 1 || l.Complainants[0].Name != "Nora Named" || l.ComplainantsWithheld != "the client fears losing their mortgage offer" {
			t.Errorf("after withholding one: %+v / %q", l.Complainants, l.ComplainantsWithheld)
		}
		// The respondent's own view of the case withholds the same, and no more.
		c := f.get(id).Clone()
		red := RedactForParty(c, "respondent", resp, v, false)
		if c.Complainants[0] != "[complainant 1 withheld]" || c.Complainants[1] != named || len(red) != 1 || c.Withheld != nil {
			t.Errorf("respondent's view: %v %v %+v", c.Complainants, red, c.Withheld)
		}
	})
}

// TestSanctionGuidance (R9): the panel grades the breach; where the sanctions fall
// in the rule book's guidance is recorded, and one outside the range needs reasons.
func TestSanctionGuidance(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := regulator(t, db)
		resp := f.member("2020-02-03", rulebook.Member{})
		id := f.determined(resp, "2022-03-01", "2022-05-03")
		cmd := Command{Transition: "impose_sanction", Date: d("2022-05-04"), Body: "tribunal", Rationale: "a lapse", Sanction: &SanctionOrder{Sanction: "suspension", Until: d("2022-11-04")}}
		_, err := f.s.Take(ctx, "t", id, cmd)
		wantField(t, "no seriousness", err, "seriousness", "clause 5.1", "lower, medium, high")
		cmd.Seriousness = "lower"
		_, err = f.s.Take(ctx, "t", id, cmd)
		wantField(t, "above the range without reasons", err, "departure", "above the guidance for clause 5.1 at lower seriousness (reprimand to fine)")
		cmd.Departure = "the registrant ignored an earlier warning"
		o := f.take(id, cmd)
		if g := o.Case.Guidance; len(g) != 1 || g[0].Position != "above" || g[0].From != "reprimand" || o.Case.Departure != cmd.Departure {
			t.Errorf("guidance recorded: %+v %q", o.Case.Guidance, o.Case.Departure)
		}
		// Within the range, no reasons are asked for.
		resp2 := f.member("2020-02-03", rulebook.Member{})
		id2 := f.determined(resp2, "2022-03-01", "2022-05-03")
		o = f.take(id2, Command{Transition: "impose_sanction", Date: d("2022-05-04"), Body: "tribunal", Seriousness: "high", Rationale: "dishonest",
			Sanctions: []SanctionOrder{{Sanction: "striking_off"}, {Sanction: "costs", Amount: rulebook.Money{Currency: "GBP", Minor: 100000}}}})
		if g := o.Case.Guidance; len(g) != 1 || g[0].Position != "within" || o.Case.Departure != "" {
			t.Errorf("within the range: %+v", g)
		}
	})
}

// TestLeavingEndsScheduledReturns: a registrant struck off in one case while
// suspended in another does not come back when the suspension was due to end.
func TestLeavingEndsScheduledReturns(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := regulator(t, db)
		fel := f.fellow("2020-02-03", "2021-01-04")
		a := f.determined(fel, "2022-03-01", "2022-05-03")
		f.take(a, Command{Transition: "impose_sanction", Date: d("2022-05-04"), Body: "tribunal", Seriousness: "medium", Rationale: "a lapse",
			Sanction: &SanctionOrder{Sanction: "suspension", Until: d("2023-05-04")}})
		b := f.determined(fel, "2022-06-01", "2022-08-31")
		f.take(b, Command{Transition: "impose_sanction", Date: d("2022-09-01"), Body: "tribunal", Seriousness: "high", Rationale: "dishonesty while suspended",
			Sanction: &SanctionOrder{Sanction: "striking_off"}})
		for day, want := range map[string]string{"2022-08-31": "suspended", "2022-09-01": "struck_off", "2023-05-04": "struck_off", "2024-01-01": "struck_off"} {
			if got := f.statusOn(fel, day); got != want {
				t.Errorf("status on %s: %s, want %s", day, got, want)
			}
		}
		if diffs, err := f.db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Errorf("projection: %v %v", diffs, err)
		}
	})
}
