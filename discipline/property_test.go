package discipline

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestRandomCommandsKeepTheRecord plays random commands — random steps, bodies,
// dates and inputs, most of them refused — on random cases of the Labour example,
// and checks that every case replayed from its events equals the stored
// projection, that the record verifies, and that the register projection matches
// the events.
func TestRandomCommandsKeepTheRecord(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newLabour(t, newFixture(t, db, labourBook))
		if _, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "proscribed_organisations", ID: "other-party", Name: "Other Party", From: d("2000-01-01")}); err != nil {
			t.Fatal(err)
		}
		v, _ := f.s.rb().VersionAt(d("2016-05-02"))
		x := v.Discipline
		var transitions, criteria, bodies []string
		transitions = append(transitions, x.TransOrder...)
		transitions = append(transitions, "no_such_step")
		for id := range x.Criteria {
			criteria = append(criteria, id)
		}
		bodies = append(bodies, v.BodyOrder...)
		sanctions := append([]string{"flogging"}, v.SanctionOrder...)
		triggers := append([]string{"nonsense"}, v.TriggerOrder...)
		pool := []PanelMember{
			{ID: "ncc-01", Name: "A", Section: "trade_union"}, {ID: "ncc-02", Name: "B", Section: "trade_union"},
			{ID: "ncc-04", Name: "C", Section: "clp"}, {ID: "ncc-05", Name: "D", Section: "clp"}, {ID: "ncc-07", Name: "E", Section: "clp"},
		}
		iteration := 0
		taken := map[string]int{}

		rapid.Check(t, func(rt *rapid.T) {
			iteration++
			f.t = t
			base := d("2016-05-03")
			var cases []string
			newCase := func() {
				m := f.member("2008-01-01", rulebook.Member{Unit: f.unit(rapid.SampledFrom([]string{"north", "south"}).Draw(rt, "constituency"), "constituency", "")})
				opened := base.AddDays(rapid.IntRange(0, 60).Draw(rt, "opened"))
				switch rapid.IntRange(0, 4).Draw(rt, "kind") {
				case 0:
					o, err := f.s.Open(ctx, "t", OpenInput{Kind: "exclusion", Respondent: m, Date: opened, Conduct: opened.AddDays(-1), Summary: "s"})
					if err != nil {
						rt.Fatal(err)
					}
					cases = append(cases, o.Case.ID)
				case 1:
					if _, err := f.reg.ChangeStatus(ctx, "t", m, d("2009-06-01"), rulebook.StatusChange{Status: "expelled", Decision: rulebook.Decision{Body: "ncc"}}, 0); err != nil {
						rt.Fatal(err)
					}
					o, err := f.s.Open(ctx, "t", OpenInput{Kind: "readmission", Respondent: m, Date: opened, Summary: "s"})
					if err != nil {
						rt.Fatal(err)
					}
					cases = append(cases, o.Case.ID)
				default:
					cases = append(cases, f.open(opened.String(), opened.AddDays(-1).String(), m, "complainant", "2.I.8"))
				}
			}
			for n := rapid.IntRange(1, 2).Draw(rt, "cases"); n > 0; n-- {
				newCase()
			}
			date := func(c *Case) rulebook.Date {
				return c.StateSince.AddDays(rapid.IntRange(-2, 60).Draw(rt, "days"))
			}
			commands := rapid.IntRange(5, 60).Draw(rt, "commands")
			for i := 0; i < commands; i++ {
				id := rapid.SampledFrom(cases).Draw(rt, "case")
				c := f.get(id)
				var err error
				switch rapid.IntRange(0, 9).Draw(rt, "action") {
				case 0:
					_, err = f.s.HearMitigation(ctx, "t", id, date(c), rapid.SampledFrom([]string{"", "sorry"}).Draw(rt, "mitigation"))
				case 1:
					who := rapid.SampledFrom(pool).Draw(rt, "person").ID
					if rapid.Bool().Draw(rt, "recuse") {
						_, err = f.s.Recuse(ctx, "t", id, date(c), Conflict{Person: who, Reason: "r"})
					} else {
						_, err = f.s.DeclareConflict(ctx, "t", id, date(c), Conflict{Person: who, Reason: "r"})
					}
				case 2:
					if c.Kind == "complaint" {
						cid := f.complaint(date(c).String(), c.Conduct.String(), c.Respondent, fmt.Sprintf("p%d", i), "2.I.8")
						_, err = f.s.Link(ctx, "t", id, cid, date(c))
					} else {
						_, err = f.s.LogContact(ctx, "t", id, date(c), ContactData{From: "press office", Summary: "asked"})
					}
				case 3:
					if len(c.Conditions) > 0 {
						_, err = f.s.ConditionMet(ctx, "t", id, date(c), c.Conditions[0].What)
					}
				default:
					cmd := randomCommand(rt, c, date(c), transitions, bodies, criteria, sanctions, triggers, pool)
					// Half the time, a step that may be taken now, by a body that may take it.
					if avail := x.TransitionsFrom(c.State); len(avail) > 0 && rapid.Bool().Draw(rt, "plausible") {
						var forward []*rules.Transition
						for _, a := range avail {
							if a.To != "" && a.To != c.State && !x.States[a.To].Closed || a.ID == "impose_sanction" {
								forward = append(forward, a)
							}
						}
						if len(forward) > 0 && rapid.IntRange(0, 2).Draw(rt, "forward") > 0 {
							avail = forward
						}
						tr := rapid.SampledFrom(avail).Draw(rt, "available")
						if tr.ID == "respondent_resigned" && rapid.IntRange(0, 4).Draw(rt, "resign") > 0 {
							tr = avail[0]
						}
						plausible(rt, &cmd, tr, c, pool)
					}
					var out *Outcome
					out, err = f.s.Take(ctx, "t", id, cmd)
					if err == nil && out.Refused == nil {
						taken[cmd.Transition]++
					}
				}
				if err != nil && rulebook.ErrorCode(err) == rulebook.EInternal {
					rt.Fatalf("command %d on %s: an error that is not a refusal: %v", i, id, err)
				}
			}

			for _, id := range cases {
				stored, err := f.s.Case(ctx, id)
				if err != nil {
					rt.Fatal(err)
				}
				replayed, err := f.s.Replay(ctx, id)
				if err != nil {
					rt.Fatal(err)
				}
				if same, a, b := sameJSON(replayed, stored); !same {
					rt.Fatalf("case %s replayed from its events differs from the projection:\nreplayed %s\nstored   %s", id, a, b)
				}
			}
			if iteration%10 == 0 || rt.Failed() {
				checkRecord(rt, f.db)
				checkClean(rt, f.s, "after random commands")
			}
		})
		checkRecord(t, f.db)
		checkClean(t, f.s, "after random commands")
		t.Logf("steps taken: %v", taken)
	})
}

func checkRecord(t interface {
	Fatal(...any)
	Fatalf(string, ...any)
}, db *sqldb.DB) {
	res, err := db.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Fatalf("the record does not verify: %+v", res.Problem)
	}
	diffs, err := db.CheckProjection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("register projection differs from the events: %v", diffs)
	}
}

func randomCommand(rt *rapid.T, c *Case, date rulebook.Date, transitions, bodies, criteria, sanctions, triggers []string, pool []PanelMember) Command {
	cmd := Command{Transition: rapid.SampledFrom(transitions).Draw(rt, "transition"), Date: date, Body: rapid.SampledFrom(bodies).Draw(rt, "body")}
	if rapid.Bool().Draw(rt, "rationale") {
		cmd.Rationale = "because"
	}
	if rapid.Bool().Draw(rt, "criteria") {
		cmd.Criteria = []string{rapid.SampledFrom(criteria).Draw(rt, "criterion")}
	}
	if rapid.Bool().Draw(rt, "charges") {
		for n := rapid.IntRange(1, 3).Draw(rt, "counts"); n > 0; n-- {
			cmd.Charges = append(cmd.Charges, Charge{Count: n, Clause: rapid.SampledFrom([]string{"2.I.8", "6.I.1.D", "9.9"}).Draw(rt, "clause"), Particulars: "p"})
		}
	}
	if rapid.Bool().Draw(rt, "findings") {
		for _, ch := range c.Charges {
			cmd.Findings = append(cmd.Findings, Finding{Count: ch.Count, Finding: rapid.SampledFrom([]string{"proved", "not_proved", "maybe"}).Draw(rt, "finding")})
		}
	}
	if rapid.Bool().Draw(rt, "panel") {
		p := &Panel{Body: rapid.SampledFrom([]string{"ncc", "nec"}).Draw(rt, "panel body")}
		for n := rapid.IntRange(2, 3).Draw(rt, "panel size"); n > 0; n-- {
			p.Members = append(p.Members, rapid.SampledFrom(pool).Draw(rt, "panel member"))
		}
		cmd.Panel = p
	}
	if rapid.Bool().Draw(rt, "hearing") {
		cmd.Hearing = &Hearing{Date: date.AddDays(rapid.IntRange(0, 30).Draw(rt, "notice"))}
	}
	if rapid.Bool().Draw(rt, "sanction") {
		so := &SanctionOrder{Sanction: rapid.SampledFrom(sanctions).Draw(rt, "sanction")}
		if rapid.Bool().Draw(rt, "until") {
			so.Until = date.AddDays(rapid.IntRange(-10, 900).Draw(rt, "length"))
		}
		if rapid.Bool().Draw(rt, "condition") {
			so.Conditions = []Condition{{What: "course", Due: date.AddDays(rapid.IntRange(-5, 200).Draw(rt, "due"))}}
		}
		cmd.Sanction = so
	}
	if rapid.Bool().Draw(rt, "suspend") {
		cmd.Suspend = &SuspendOrder{From: date.AddDays(rapid.IntRange(-1, 60).Draw(rt, "from"))}
		if rapid.Bool().Draw(rt, "narrow") {
			cmd.Suspend.Rights = map[string]bool{"vote_in_all_member_ballot": false}
		}
	}
	if rapid.Bool().Draw(rt, "trigger") {
		cmd.Trigger = &TriggerClaim{Trigger: rapid.SampledFrom(triggers).Draw(rt, "trigger"), Conduct: c.Conduct,
			Entry: rapid.SampledFrom([]string{"cand-2016", "other-party", "nobody"}).Draw(rt, "entry")}
	}
	if rapid.Bool().Draw(rt, "evidence") {
		cmd.Evidence = []string{"e"}
	}
	if rapid.Bool().Draw(rt, "vote") {
		cmd.Vote = &Vote{For: rapid.IntRange(0, 20).Draw(rt, "for"), Against: rapid.IntRange(0, 20).Draw(rt, "against")}
	}
	cmd.Shorten = rapid.Bool().Draw(rt, "shorten")
	return cmd
}

// plausible makes cmd a step tr that passes its guards more often than not.
func plausible(rt *rapid.T, cmd *Command, tr *rules.Transition, c *Case, pool []PanelMember) {
	cmd.Transition, cmd.Body = tr.ID, rapid.SampledFrom(tr.By).Draw(rt, "permitted body")
	cmd.Date = c.StateSince.AddDays(rapid.IntRange(0, 40).Draw(rt, "after"))
	cmd.Rationale = "because"
	if len(tr.Criteria) > 0 {
		cmd.Criteria = []string{rapid.SampledFrom(tr.Criteria).Draw(rt, "its criterion")}
	}
	cmd.Evidence = []string{"e"}
	cmd.Charges = []Charge{{Count: 1, Clause: "2.I.8", Particulars: "p"}, {Count: 2, Clause: "2.I.8", Particulars: "q"}}[:rapid.IntRange(1, 2).Draw(rt, "counts")]
	// A panel of those free to sit, if there are enough.
	var tu, clp []PanelMember
	for _, m := range pool {
		free := true
		for _, cf := range append(append([]Conflict(nil), c.Conflicts...), c.Recusals...) {
			free = free && cf.Person != m.ID
		}
		switch {
		case !free:
		case m.Section == "trade_union":
			tu = append(tu, m)
		default:
			clp = append(clp, m)
		}
	}
	if len(tu) > 0 && len(clp) > 1 {
		cmd.Panel = &Panel{Body: "ncc", Members: []PanelMember{rapid.SampledFrom(tu).Draw(rt, "tu"), clp[0], clp[1]}}
	}
	cmd.Hearing = &Hearing{Date: cmd.Date.AddDays(rapid.IntRange(14, 30).Draw(rt, "notice"))}
	if c.Hearing != nil && tr.ID == "record_findings" {
		cmd.Date = max(c.Hearing.Date, c.StateSince)
	}
	cmd.Findings = nil
	for _, ch := range c.Charges {
		cmd.Findings = append(cmd.Findings, Finding{Count: ch.Count, Finding: rapid.SampledFrom([]string{"proved", "not_proved"}).Draw(rt, "plausible finding")})
	}
	switch rapid.IntRange(0, 2).Draw(rt, "plausible sanction") {
	case 0:
		cmd.Sanction = &SanctionOrder{Sanction: "reprimand", Conditions: []Condition{{What: "course", Due: cmd.Date.AddDays(60)}}}
	case 1:
		cmd.Sanction = &SanctionOrder{Sanction: "suspension_office_representation", Until: cmd.Date.AddDays(rapid.IntRange(1, 700).Draw(rt, "plausible length"))}
	default:
		cmd.Sanction = &SanctionOrder{Sanction: "expulsion"}
	}
	if c.Kind == "exclusion" {
		cmd.Trigger = &TriggerClaim{Trigger: "stood_against_official_candidate", Conduct: c.Conduct, Entry: "cand-2016"}
	}
	cmd.Vote = &Vote{For: rapid.IntRange(0, 20).Draw(rt, "plausible for"), Against: rapid.IntRange(0, 20).Draw(rt, "plausible against")}
}
