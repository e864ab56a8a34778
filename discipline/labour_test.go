package discipline

import (
	"testing"

	"github.com/rulebook/rulebook"
)

// Stages a Labour-example case can be brought to, beyond the states themselves.
const (
	stProved      = "heard"            // findings: every count proved
	stNotProved   = "heard/not_proved" // findings: no count proved
	stSuspended   = "triage/suspended" // in triage, with an administrative suspension in force
	stTriggered   = "exclusion_proposed/trigger"
	stReadmission = "readmission_applied"
)

// labour is a fixture over the Labour example with the dated list its triggers use.
func newLabour(t testing.TB, f *fixture) *fixture {
	t.Helper()
	if _, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "official_candidates", ID: "cand-2016", Name: "Official Candidate",
		From: d("2016-01-01"), Until: d("2016-12-31")}); err != nil {
		t.Fatal(err)
	}
	return f
}

// labourCase brings a new case, about a new member, to stage and returns its id and
// the date of its last step. Conduct is 2 May 2016, so the 2016 rule book governs.
func (f *fixture) labourCase(stage string) (string, rulebook.Date) {
	f.t.Helper()
	m := f.member("2010-01-01", rulebook.Member{Unit: f.unit("north", "constituency", "")})
	day := d("2016-05-03")
	next := func() rulebook.Date { day = day.AddDays(1); return day }
	switch stage {
	case "exclusion_proposed", stTriggered:
		o, err := f.s.Open(ctx, "t", OpenInput{Kind: "exclusion", Respondent: m, Date: day, Conduct: d("2016-05-02"), Summary: "stood against the official candidate"})
		if err != nil {
			f.t.Fatal(err)
		}
		if stage == stTriggered {
			f.take(o.Case.ID, Command{Transition: "propose_exclusion", Date: next(), Body: "compliance_unit",
				Trigger:  &TriggerClaim{Trigger: "stood_against_official_candidate", Conduct: d("2016-05-02"), Entry: "cand-2016"},
				Evidence: []string{"nomination papers"}})
		}
		return o.Case.ID, day
	case stReadmission:
		if _, err := f.reg.ChangeStatus(ctx, "t", m, d("2010-06-01"), rulebook.StatusChange{Status: "expelled", Decision: rulebook.Decision{Body: "ncc"}}, 0); err != nil {
			f.t.Fatal(err)
		}
		o, err := f.s.Open(ctx, "t", OpenInput{Kind: "readmission", Respondent: m, Date: day, Summary: "application for readmission"})
		if err != nil {
			f.t.Fatal(err)
		}
		return o.Case.ID, day
	}
	id := f.open(day.String(), "2016-05-02", m, "complainant", "2.I.8")
	steps := []Command{
		{Transition: "acknowledge", Body: "compliance_unit"},
		{Transition: "investigate", Body: "compliance_unit", Criteria: []string{"INV-BREACH"}, Rationale: "would breach 2.I.8"},
		{Transition: "report", Body: "compliance_unit"},
		{Transition: "refer", Body: "nec_disputes_panel", Criteria: []string{"REF-PRIMA-FACIE"}, Rationale: "prima facie case",
			Charges: []Charge{{Count: 1, Clause: "2.I.8", Particulars: "the remarks"}, {Count: 2, Clause: "2.I.8", Particulars: "their repetition"}}},
		{Transition: "list_hearing", Body: "ncc", Panel: nccPanel("ncc-01", "ncc-04", "ncc-05")},
		{Transition: "record_findings", Body: "ncc"},
	}
	upTo := map[string]int{"received": 0, "triage": 1, stSuspended: 1, "closed": 1, "under_investigation": 2, "awaiting_decision": 3,
		"referred": 4, "hearing_listed": 5, stProved: 6, stNotProved: 6}
	n, ok := upTo[stage]
	if !ok {
		f.t.Fatalf("no way to reach %q", stage)
	}
	for _, cmd := range steps[:n] {
		cmd.Date = next()
		switch cmd.Transition {
		case "list_hearing":
			cmd.Hearing = &Hearing{Date: cmd.Date.AddDays(14)}
		case "record_findings":
			cmd.Date = f.get(id).Hearing.Date
			day = cmd.Date
			finding := "proved"
			if stage == stNotProved {
				finding = "not_proved"
			}
			cmd.Findings = []Finding{{Count: 1, Finding: finding}, {Count: 2, Finding: finding}}
		}
		f.take(id, cmd)
	}
	switch stage {
	case "closed":
		f.take(id, Command{Transition: "no_further_action", Date: next(), Body: "compliance_unit", Criteria: []string{"NFA-EVIDENCE"}, Rationale: "no evidence"})
	case stSuspended:
		f.take(id, Command{Transition: "suspend", Date: next(), Body: "general_secretary", Criteria: []string{"SUSP-RISK"}, Rationale: "risk to the investigation"})
	}
	return id, day
}
