package discipline

import (
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// transitionCase is one row of the table: a stage the transition may be taken from,
// a command a permitted body would give there, and a stage it may not be taken from.
type transitionCase struct {
	from    string
	cmd     Command
	before  func(f *fixture, id string, day rulebook.Date) // e.g. hear mitigation
	wrongAt string
}

var labourTransitions = map[string]transitionCase{
	"acknowledge":       {from: "received", cmd: Command{Body: "general_secretary"}, wrongAt: "triage"},
	"no_further_action": {from: "awaiting_decision", cmd: Command{Body: "nec_disputes_panel", Criteria: []string{"NFA-NO-BREACH"}, Rationale: "no breach"}, wrongAt: "received"},
	"investigate":       {from: "triage", cmd: Command{Body: "general_secretary", Criteria: []string{"INV-BREACH"}, Rationale: "would breach"}, wrongAt: "under_investigation"},
	"investigate_and_suspend": {from: "triage", cmd: Command{Body: "nec", Criteria: []string{"SUSP-SERIOUS"}, Rationale: "serious"},
		wrongAt: "received"},
	"suspend":            {from: "hearing_listed", cmd: Command{Body: "nec", Criteria: []string{"SUSP-RISK"}, Rationale: "risk"}, wrongAt: "closed"},
	"review_suspension":  {from: stSuspended, cmd: Command{Body: "nec", Rationale: "still needed"}, wrongAt: "closed"},
	"lift_suspension":    {from: stSuspended, cmd: Command{Body: "general_secretary", Rationale: "no longer needed"}, wrongAt: "closed"},
	"propose_exclusion":  {from: "triage", cmd: Command{Body: "general_secretary", Trigger: &TriggerClaim{Trigger: "joined_other_party", Conduct: d("2016-05-02"), Entry: "other-party"}, Evidence: []string{"membership card"}}, wrongAt: "under_investigation"},
	"confirm_exclusion":  {from: stTriggered, cmd: Command{Body: "general_secretary", Rationale: "the nomination is public"}, wrongAt: "triage"},
	"decline_exclusion":  {from: stTriggered, cmd: Command{Body: "general_secretary", Rationale: "not support within the clause"}, wrongAt: "referred"},
	"readmit":            {from: stReadmission, cmd: Command{Body: "nec", Vote: &Vote{For: 20, Against: 3}}, wrongAt: "exclusion_proposed"},
	"refuse_readmission": {from: stReadmission, cmd: Command{Body: "nec", Vote: &Vote{For: 3, Against: 20}, Rationale: "no change of heart"}, wrongAt: "triage"},
	"exempt": {from: stReadmission, cmd: Command{Body: "nec", Rationale: "to take part in the selection",
		Waive: &WaiveOrder{Action: "stand_as_candidate", Clause: "5.I.3"}}, wrongAt: "triage"},
	"respondent_resigned":   {from: "under_investigation", cmd: Command{Body: "membership_office"}, wrongAt: "closed"},
	"report":                {from: "under_investigation", cmd: Command{Body: "general_secretary"}, wrongAt: "triage"},
	"further_investigation": {from: "awaiting_decision", cmd: Command{Body: "nec_disputes_panel", Rationale: "witnesses not yet heard"}, wrongAt: "under_investigation"},
	"refer": {from: "awaiting_decision", cmd: Command{Body: "nec", Criteria: []string{"REF-PRIMA-FACIE"}, Rationale: "prima facie",
		Charges: []Charge{{Count: 1, Clause: "2.I.8", Particulars: "the remarks"}}}, wrongAt: "referred"},
	"list_hearing":    {from: "referred", cmd: Command{Body: "ncc", Panel: nccPanel("ncc-02", "ncc-04", "ncc-07")}, wrongAt: "awaiting_decision"},
	"record_findings": {from: "hearing_listed", cmd: Command{Body: "ncc"}, wrongAt: "referred"},
	"dismiss":         {from: stNotProved, cmd: Command{Body: "ncc"}, wrongAt: "hearing_listed"},
	"impose_sanction": {from: stProved, cmd: Command{Body: "ncc", Rationale: "reprimand", Sanction: &SanctionOrder{Sanction: "reprimand"}},
		before: func(f *fixture, id string, day rulebook.Date) {
			if _, err := f.s.HearMitigation(ctx, "t", id, day, "apologised"); err != nil {
				f.t.Fatal(err)
			}
		}, wrongAt: "hearing_listed"},
	"reminder_of_conduct": {from: "triage", cmd: Command{Body: "compliance_unit", Criteria: []string{"NFA-NO-BREACH"}, Rationale: "minor"}, wrongAt: "hearing_listed"},
	"formal_warning":      {from: "awaiting_decision", cmd: Command{Body: "nec_disputes_panel", Criteria: []string{"INV-BREACH"}, Rationale: "a breach"}, wrongAt: "triage"},
	"review":              {from: "closed", cmd: Command{Body: "nec_officers", Rationale: "too lenient"}, wrongAt: "awaiting_decision"},
}

// bodies of the 2016 version, tried in turn for a body that may not take a step.
var labourBodies = []string{"member", "nec_officers", "membership_office", "ncc", "nec", "general_secretary"}

// TestLabourTransitions takes every transition of the Labour example's 2016
// procedure from a state it may be taken from, by a permitted body; and attempts it
// from a wrong state and by a wrong body, which are refused citing the clause.
func TestLabourTransitions(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newLabour(t, newFixture(t, db, labourBook))
		if _, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "proscribed_organisations", ID: "other-party", Name: "Other Party", From: d("2000-01-01")}); err != nil {
			t.Fatal(err)
		}
		v, err := f.s.rb().VersionAt(d("2016-05-02"))
		if err != nil {
			t.Fatal(err)
		}
		x := v.Discipline
		for _, id := range x.TransOrder {
			if _, ok := labourTransitions[id]; !ok {
				t.Errorf("transition %s of version %s has no row in the table", id, v.ID)
			}
		}
		// Refused attempts write nothing, so one case per stage serves them all.
		stock := map[string]string{}
		at := func(stage string) (string, rulebook.Date) {
			if id, ok := stock[stage]; ok {
				c := f.get(id)
				return id, c.StateSince.AddDays(1)
			}
			id, _ := f.labourCase(stage)
			stock[stage] = id
			return id, f.get(id).StateSince.AddDays(1)
		}
		for _, id := range x.TransOrder {
			row := labourTransitions[id]
			tr := x.Transitions[id]
			t.Run(id, func(t *testing.T) {
				f.t = t
				// Allowed: from its stage, by the first body the table names.
				cid, day := f.labourCase(row.from)
				before := f.get(cid)
				day = max(day, before.StateSince).AddDays(1)
				if row.before != nil {
					row.before(f, cid, day)
				}
				cmd := row.cmd
				cmd.Transition, cmd.Date = id, day
				if id == "list_hearing" {
					cmd.Hearing = &Hearing{Date: day.AddDays(20)}
				}
				if id == "record_findings" {
					cmd.Date = before.Hearing.Date
					cmd.Findings = []Finding{{Count: 1, Finding: "proved"}, {Count: 2, Finding: "not_proved"}}
				}
				if !slices.Contains(tr.By, cmd.Body) {
					t.Fatalf("table body %s is not permitted for %s (%v)", cmd.Body, id, tr.By)
				}
				out, err := f.s.Take(ctx, "t", cid, cmd)
				if err != nil {
					t.Fatalf("allowed %s: %v", id, err)
				}
				after := f.get(cid)
				switch {
				case !tr.IsPermitted():
					if out.Refused == nil || out.Refused.Clause != tr.Clause || !strings.Contains(out.Refused.Answer, tr.Clause) {
						t.Errorf("%s is declared not permitted: want it recorded as refused citing %s, got %+v", id, tr.Clause, out.Refused)
					}
					if len(after.Refusals) != 1 || after.State != before.State {
						t.Errorf("refused demand: refusals %v, state %s → %s", after.Refusals, before.State, after.State)
					}
				case tr.To == "":
					if after.State != before.State {
						t.Errorf("%s moved the case from %s to %s; it should stay", id, before.State, after.State)
					}
				default:
					if after.State != tr.To || after.StateSince != cmd.Date {
						t.Errorf("after %s: state %s since %s, want %s since %s", id, after.State, after.StateSince, tr.To, cmd.Date)
					}
					if after.Closed != x.States[tr.To].Closed || after.Outcome != tr.Outcome {
						t.Errorf("after %s: closed %v outcome %q, want %v %q", id, after.Closed, after.Outcome, x.States[tr.To].Closed, tr.Outcome)
					}
				}
				if tr.IsPermitted() {
					last := after.Steps[len(after.Steps)-1]
					if last.Transition != id || last.Clause != tr.Clause || last.Version != "2016" || last.Body != cmd.Body {
						t.Errorf("step recorded as %+v", last)
					}
				}

				// Refused: from a wrong state.
				if x.From(tr, stateOf(row.wrongAt)) {
					t.Fatalf("table error: %s may be taken from %s", id, row.wrongAt)
				}
				wid, wday := at(row.wrongAt)
				w := row.cmd
				w.Transition, w.Date = id, wday
				_, err = f.s.Take(ctx, "t", wid, w)
				wantErr(t, "from "+row.wrongAt, err, rulebook.ENotPermitted, "clause "+tr.Clause, "cannot be taken while the case is", "rule book 2016")
				if c := f.get(wid); len(c.Refusals) != 0 || c.State != stateOf(row.wrongAt) {
					t.Errorf("a refused step changed the case: %+v", c)
				}

				// Refused: by a body that may not take it.
				fid, fday := at(row.from)
				for _, b := range labourBodies {
					if slices.Contains(tr.By, b) {
						continue
					}
					w := row.cmd
					w.Transition, w.Date, w.Body = id, fday, b
					_, err = f.s.Take(ctx, "t", fid, w)
					wantErr(t, "by "+b, err, rulebook.ENotPermitted, b+" may not", "clause "+tr.Clause, "only "+strings.Join(tr.By, " or "))
					break
				}
				_, err = f.s.Take(ctx, "t", fid, Command{Transition: "no_such_step", Date: fday, Body: cmd.Body})
				wantField(t, "unknown step", err, "transition", "no_such_step")
			})
		}
	})
}

func stateOf(stage string) string {
	if i := strings.IndexByte(stage, '/'); i >= 0 {
		return stage[:i]
	}
	return stage
}
