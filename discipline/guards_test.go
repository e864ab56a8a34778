package discipline

import (
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestGuards passes and fails each guard of the vocabulary, on the Labour example.
// A failed guard writes nothing, so the failing attempts share the case the
// passing one is then taken on.
func TestGuards(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newLabour(t, newFixture(t, db, labourBook))
		try := func(id string, cmd Command) error {
			f.t.Helper()
			if cmd.Date.IsZero() {
				cmd.Date = f.get(id).StateSince.AddDays(1)
			}
			_, err := f.s.Take(ctx, "t", id, cmd)
			if err == nil && len(f.get(id).Refusals) > 0 {
				f.t.Fatalf("%s was recorded as refused", cmd.Transition)
			}
			return err
		}
		pass := func(id string, cmd Command) *Case {
			f.t.Helper()
			if err := try(id, cmd); err != nil {
				f.t.Fatalf("%s should pass: %v", cmd.Transition, err)
			}
			return f.get(id)
		}
		unchanged := func(id string, steps int) {
			f.t.Helper()
			if c := f.get(id); len(c.Steps) != steps {
				f.t.Errorf("refused commands wrote steps: %d, want %d", len(c.Steps), steps)
			}
		}

		t.Run("criteria", func(t *testing.T) {
			f.t = t
			id, _ := f.labourCase("triage")
			inv := Command{Transition: "investigate", Body: "compliance_unit"}
			wantField(t, "no criteria", try(id, inv), "criteria", "at least one published criterion", "INV-BREACH", "free text alone")
			inv.Rationale = "serious"
			wantField(t, "free text alone", try(id, inv), "criteria")
			inv.Criteria = []string{"SUSP-RISK"}
			wantField(t, "criterion of another step", try(id, inv), "criteria", `"SUSP-RISK" does not apply`)
			inv.Criteria, inv.Rationale = []string{"INV-BREACH"}, "  "
			wantField(t, "criteria without rationale", try(id, inv), "rationale")
			unchanged(id, 1)
			inv.Rationale = "would breach 2.I.8"
			if c := pass(id, inv); c.Steps[1].Criteria[0] != "INV-BREACH" || c.Steps[1].Rationale != "would breach 2.I.8" {
				t.Errorf("criteria not recorded: %+v", c.Steps[1])
			}
		})
		t.Run("reasons", func(t *testing.T) {
			f.t = t
			id, _ := f.labourCase(stTriggered)
			cmd := Command{Transition: "decline_exclusion", Body: "general_secretary", Rationale: " "}
			wantField(t, "decline without reasons", try(id, cmd), "rationale", "written reasons")
			cmd.Rationale = "sharing a platform is not support"
			if c := pass(id, cmd); c.Outcome != "exclusion_declined" || c.Steps[1].Rationale != cmd.Rationale {
				t.Errorf("declined: %+v", c)
			}
		})
		t.Run("evidence and trigger", func(t *testing.T) {
			f.t = t
			id, _ := f.labourCase("triage")
			cmd := Command{Transition: "propose_exclusion", Body: "compliance_unit", Evidence: []string{"papers"}}
			wantField(t, "no trigger", try(id, cmd), "trigger", "stood_against_official_candidate")
			cmd.Trigger = &TriggerClaim{Trigger: "stood_against_official_candidate"}
			wantField(t, "no conduct date", try(id, cmd), "trigger.conduct")
			cmd.Trigger = &TriggerClaim{Trigger: "sat_on_the_fence", Conduct: d("2016-05-02")}
			wantField(t, "unknown trigger", try(id, cmd), "trigger.trigger", `"sat_on_the_fence"`, "version 2016")
			cmd.Trigger = &TriggerClaim{Trigger: "stood_against_official_candidate", Conduct: d("2016-05-02")}
			wantField(t, "no list entry", try(id, cmd), "trigger.entry", "official_candidates")
			cmd.Trigger.Entry = "nobody"
			wantField(t, "entry not on the list", try(id, cmd), "trigger.entry", `"nobody" is not on the official_candidates list`)
			cmd.Trigger = &TriggerClaim{Trigger: "stood_against_official_candidate", Conduct: d("2015-12-01"), Entry: "cand-2016"}
			wantErr(t, "entry not yet on the list", try(id, cmd), rulebook.ENotPermitted, "cand-2016", "was not on the official_candidates list on 2015-12-01")
			cmd.Trigger = &TriggerClaim{Trigger: "stood_against_official_candidate", Conduct: d("2016-12-31"), Entry: "cand-2016"}
			wantErr(t, "entry off the list", try(id, cmd), rulebook.ENotPermitted, "was not on the official_candidates list on 2016-12-31")
			cmd.Trigger.Conduct, cmd.Evidence = d("2016-05-02"), nil
			wantField(t, "no evidence", try(id, cmd), "evidence")
			unchanged(id, 1)
			cmd.Evidence = []string{"nomination papers"}
			if c := pass(id, cmd); c.Trigger == nil || c.Trigger.Entry != "cand-2016" || c.State != "exclusion_proposed" {
				t.Errorf("proposed: %+v", c)
			}
			_, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "official_candidates", ID: "backwards", Name: "B", From: d("2016-05-01"), Until: d("2016-04-01")})
			wantField(t, "a list entry ending before it starts", err, "until", "never be on the list")
			_, err = f.s.AddListEntry(ctx, "t", ListEntry{List: "friends", ID: "x", Name: "X", From: d("2016-05-01")})
			wantField(t, "an unknown list", err, "list")
			// Confirming needs a trigger on the case: an exclusion case without one
			// cannot be confirmed.
			bare, _ := f.labourCase("exclusion_proposed")
			wantErr(t, "confirm with no trigger", try(bare, Command{Transition: "confirm_exclusion", Body: "general_secretary", Rationale: "r"}),
				rulebook.ENotPermitted, "no trigger has been proposed")
		})
		t.Run("charges", func(t *testing.T) {
			f.t = t
			id, _ := f.labourCase("awaiting_decision")
			cmd := Command{Transition: "refer", Body: "nec_disputes_panel", Criteria: []string{"REF-PRIMA-FACIE"}, Rationale: "r"}
			wantField(t, "no charges", try(id, cmd), "charges", "one per count")
			cmd.Charges = []Charge{{Count: 1, Clause: "2.I.8", Particulars: "a"}, {Count: 1, Clause: "2.I.8", Particulars: "b"}}
			wantField(t, "repeated count", try(id, cmd), "charges[1].count")
			cmd.Charges = []Charge{{Count: 0, Clause: "2.I.8", Particulars: "a"}}
			wantField(t, "count 0", try(id, cmd), "charges[0].count")
			cmd.Charges = []Charge{{Count: 1, Clause: "9.9", Particulars: "a"}}
			wantField(t, "unknown clause", try(id, cmd), "charges[0].clause", `"9.9"`, "2016-05-02", "version 2016")
			cmd.Charges = []Charge{{Count: 2, Clause: "2.I.8", Particulars: "b"}, {Count: 1, Clause: "2.I.8", Particulars: " "}}
			wantField(t, "no particulars", try(id, cmd), "charges[1].particulars")
			unchanged(id, 3)
			cmd.Charges[1].Particulars = " a "
			c := pass(id, cmd)
			if len(c.Charges) != 2 || c.Charges[0].Count != 1 || c.Charges[0].Particulars != "a" || c.Charges[1].Count != 2 {
				t.Errorf("charges stored: %+v", c.Charges)
			}
		})
		t.Run("panel and hearing", func(t *testing.T) {
			f.t = t
			id, day := f.labourCase("referred")
			day = day.AddDays(1)
			cmd := Command{Transition: "list_hearing", Body: "ncc", Date: day, Hearing: &Hearing{Date: day.AddDays(14)}}
			wantField(t, "no panel", try(id, cmd), "panel")
			cmd.Panel = &Panel{Body: "nec", Members: nccPanel("ncc-01", "ncc-04", "ncc-05").Members}
			wantField(t, "panel of another body", try(id, cmd), "panel.body", `"nec"`)
			cmd.Panel = nccPanel("ncc-01", "ncc-04")
			wantErr(t, "two members", try(id, cmd), rulebook.ENotPermitted, "has 3 members", "clause 6.I.1.C", "not 2")
			cmd.Panel = nccPanel("ncc-04", "ncc-05", "ncc-07")
			wantErr(t, "no trade union member", try(id, cmd), rulebook.ENotPermitted, "none sits for the trade union section", "clause 6.I.1.C")
			cmd.Panel = nccPanel("ncc-01", "ncc-04", "ncc-04")
			wantField(t, "a member twice", try(id, cmd), "panel.members")
			cmd.Panel = nccPanel("ncc-01", "ncc-04", "ncc-05")
			cmd.Hearing = nil
			wantField(t, "no hearing", try(id, cmd), "hearing.date")
			cmd.Hearing = &Hearing{Date: day.AddDays(13)}
			wantErr(t, "13 days' notice", try(id, cmd), rulebook.ENotPermitted, "less than the 14 days notice", "clause 6.I.1.C",
				"notice given "+day.String(), "earliest date is "+day.AddDays(14).String())
			unchanged(id, 4)
			cmd.Hearing = &Hearing{Date: day.AddDays(14), Place: "Hall"}
			c := pass(id, cmd)
			if c.Hearing == nil || c.Hearing.Notice != day || c.Hearing.Date != day.AddDays(14) || c.Panel == nil || len(c.Panel.Members) != 3 {
				t.Errorf("hearing listed: %+v %+v", c.Hearing, c.Panel)
			}
			// record_findings also requires the panel: the one listed serves.
		})
		t.Run("findings", func(t *testing.T) {
			f.t = t
			id, _ := f.labourCase("hearing_listed")
			at := f.get(id).Hearing.Date
			cmd := Command{Transition: "record_findings", Body: "ncc", Date: at, Findings: []Finding{{Count: 1, Finding: "maybe"}, {Count: 2, Finding: "proved"}}}
			wantField(t, "neither proved nor not", try(id, cmd), "findings[0].finding", `"maybe"`)
			cmd.Findings = []Finding{{Count: 1, Finding: "proved"}}
			wantField(t, "a count without a finding", try(id, cmd), "findings", "count 2 (2.I.8) has none")
			cmd.Findings = []Finding{{Count: 1, Finding: "proved"}, {Count: 2, Finding: "proved"}, {Count: 3, Finding: "proved"}}
			wantField(t, "a finding on no count", try(id, cmd), "findings", "no count 3")
			unchanged(id, 5)
			cmd.Findings = []Finding{{Count: 2, Finding: "not_proved", Reasons: "no witness"}, {Count: 1, Finding: "proved"}}
			c := pass(id, cmd)
			if c.Charges[0].Finding != "proved" || c.Charges[1].Finding != "not_proved" || c.Charges[1].Reasons != "no witness" {
				t.Errorf("findings: %+v", c.Charges)
			}
			if p := c.ProvedCounts(); len(p) != 1 || p[0] != 1 {
				t.Errorf("proved counts %v", p)
			}
		})
		t.Run("charge proved, no charge proved, mitigation, sanction", func(t *testing.T) {
			f.t = t
			np, day := f.labourCase(stNotProved)
			sanction := Command{Transition: "impose_sanction", Body: "ncc", Date: day.AddDays(1), Rationale: "r", Sanction: &SanctionOrder{Sanction: "reprimand"}}
			wantErr(t, "sanction with nothing proved", try(np, sanction), rulebook.ENotPermitted, "no count was found proved")
			if _, err := f.s.HearMitigation(ctx, "t", np, day, "sorry"); rulebook.ErrorCode(err) != rulebook.ENotPermitted {
				t.Errorf("mitigation with nothing proved: %v", err)
			}
			if c := pass(np, Command{Transition: "dismiss", Body: "ncc", Date: day.AddDays(1)}); c.Outcome != "dismissed" {
				t.Errorf("dismissed: %+v", c)
			}

			id, day := f.labourCase(stProved)
			wantErr(t, "dismiss with counts proved", try(id, Command{Transition: "dismiss", Body: "ncc", Date: day}), rulebook.ENotPermitted, "counts 1, 2 were found proved")
			wantErr(t, "sanction before mitigation", try(id, sanction), rulebook.ENotPermitted, "mitigation must be heard")
			if _, err := f.s.HearMitigation(ctx, "t", id, day, " "); rulebook.ErrorCode(err) != rulebook.EInvalid {
				t.Errorf("empty mitigation: %v", err)
			}
			_, err := f.s.HearMitigation(ctx, "t", id, day.AddDays(-1), "heard the day before the findings")
			wantField(t, "mitigation dated before the findings", err, "date", "findings")
			if _, err := f.s.HearMitigation(ctx, "t", id, day, "long service"); err != nil {
				t.Fatal(err)
			}
			s := sanction
			s.Sanction = nil
			wantField(t, "no sanction", try(id, s), "sanction", "reprimand")
			s.Sanction = &SanctionOrder{Sanction: "flogging"}
			wantField(t, "not on the menu", try(id, s), "sanction.sanction", `"flogging"`, "version 2016")
			s.Sanction = &SanctionOrder{Sanction: "formal_warning"}
			wantErr(t, "a sanction the body may not impose", try(id, s), rulebook.ENotPermitted, "ncc may not impose Formal NEC warning", "clause 6.I.1.E", "only nec_disputes_panel")
			s.Sanction = &SanctionOrder{Sanction: "suspension_office_representation"}
			wantField(t, "a period with no end", try(id, s), "sanction.until", "at most 2 years")
			s.Sanction = &SanctionOrder{Sanction: "reprimand", From: day.AddDays(-10)}
			wantField(t, "a sanction backdated", try(id, s), "sanction.from", "before it is decided")
			s.Sanction = &SanctionOrder{Sanction: "reprimand", Until: day.AddDays(30)}
			wantField(t, "an end to a sanction with no duration", try(id, s), "sanction.until", "no duration")
			s.Sanction = &SanctionOrder{Sanction: "reprimand", Factors: []string{"AGG-PUBLIC", "AGG-BAD-HAIR"}}
			wantField(t, "unknown factor", try(id, s), "sanction.factors", `"AGG-BAD-HAIR"`)
			s.Sanction = &SanctionOrder{Sanction: "reprimand", Conditions: []Condition{{What: "course", Due: s.Date}}}
			wantField(t, "condition due on the day", try(id, s), "sanction.conditions[0]")
			unchanged(id, 6)
			s.Sanction = &SanctionOrder{Sanction: "reprimand", Factors: []string{"AGG-PUBLIC", "MIT-APOLOGY"}, Conditions: []Condition{{What: "equality course", Due: s.Date.AddDays(90)}}}
			c := pass(id, s)
			if len(c.Sanctions) != 1 || c.Sanctions[0].Sanction != "reprimand" || c.Sanctions[0].From != s.Date || len(c.Conditions) != 1 || c.Outcome != "sanctioned" {
				t.Errorf("sanctioned: %+v", c)
			}
			if last := c.Steps[len(c.Steps)-1]; last.Clause != "6.I.1.D" {
				t.Errorf("sanction step cites %s", last.Clause)
			}
		})
		t.Run("vote and waiting period", func(t *testing.T) {
			f.t = t
			id, day := f.labourCase(stReadmission)
			readmit := Command{Transition: "readmit", Body: "nec", Date: day.AddDays(1)}
			wantField(t, "no vote", try(id, readmit), "vote")
			readmit.Vote = &Vote{}
			wantField(t, "empty vote", try(id, readmit), "vote")
			readmit.Vote = &Vote{For: 10, Against: 10}
			wantErr(t, "tied vote", try(id, readmit), rulebook.ENotPermitted, "did not carry the motion")
			wantErr(t, "refusal carried", try(id, Command{Transition: "refuse_readmission", Body: "nec", Vote: &Vote{For: 11, Against: 10}, Rationale: "r"}),
				rulebook.ENotPermitted, "carried the motion")
			readmit.Vote = &Vote{For: 11, Against: 10, Abstain: 2}
			c := pass(id, readmit)
			if v := c.Steps[0].Vote; v == nil || v.For != 11 || v.Abstain != 2 || c.Outcome != "readmitted" {
				t.Errorf("vote recorded: %+v", c.Steps)
			}
			if p := f.history(c.Respondent).StatusAt(readmit.Date); p == nil || p.Status != "active" {
				t.Errorf("status after readmission: %+v", p)
			}

			// Expelled two years before applying: the five-year wait has not run.
			m := f.member("2010-01-01", rulebook.Member{})
			if _, err := f.reg.ChangeStatus(ctx, "t", m, d("2014-06-01"), rulebook.StatusChange{Status: "expelled", Decision: rulebook.Decision{Body: "ncc"}}, 0); err != nil {
				t.Fatal(err)
			}
			o, err := f.s.Open(ctx, "t", OpenInput{Kind: "readmission", Respondent: m, Date: d("2016-05-03"), Summary: "application"})
			if err != nil {
				t.Fatal(err)
			}
			early := Command{Transition: "readmit", Body: "nec", Date: d("2016-06-01"), Vote: &Vote{For: 20, Against: 1}}
			wantErr(t, "inside the waiting period", try(o.Case.ID, early), rulebook.ENotPermitted,
				"waiting period of 5 years", "clause 6.I.2", "runs from 2014-06-01 to 2019-06-01", "shorten")
			early.Shorten = true
			wantField(t, "shortened without reasons", try(o.Case.ID, early), "rationale", "shortening")
			early.Rationale = "exceptional contribution since"
			if c := pass(o.Case.ID, early); c.State != "closed" || c.Outcome != "readmitted" {
				t.Errorf("readmitted early: %+v", c)
			}
			steps, _ := f.db.Events(ctx, sqldb.EventFilter{Subject: subject(o.Case.ID), Type: EventStep})
			if len(steps) != 1 || !strings.Contains(string(steps[0].Data), `"shorten":true`) {
				t.Errorf("the shortening is not on the record: %v", steps)
			}
			// Someone who is a member cannot apply for readmission at all.
			_, err = f.s.Open(ctx, "t", OpenInput{Kind: "readmission", Respondent: f.member("2010-01-01", rulebook.Member{}), Date: d("2016-05-03"), Summary: "x"})
			wantErr(t, "readmission of a member", err, rulebook.ENotPermitted, "expelled or auto_excluded", "is active")
		})
	})
}
