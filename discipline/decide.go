package discipline

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
)

// Env is what the engine needs besides the case: the rule book, and lookups of the
// register and of the dated lists, supplied by the caller so the engine stays pure.
type Env struct {
	Rules  *rules.RuleBook
	Member func(id string) *rulebook.History
	List   func(list, id string) *ListEntry
}

// Command is a step someone asks to take on a case.
type Command struct {
	Transition string         `json:"transition"`
	Date       rulebook.Date  `json:"date"`
	Body       string         `json:"body"`
	Criteria   []string       `json:"criteria,omitempty"`
	Rationale  string         `json:"rationale,omitempty"`
	Charges    []Charge       `json:"charges,omitempty"`
	Findings   []Finding      `json:"findings,omitempty"`
	Panel      *Panel         `json:"panel,omitempty"`
	Hearing    *Hearing       `json:"hearing,omitempty"`
	Sanction   *SanctionOrder `json:"sanction,omitempty"`
	Suspend    *SuspendOrder  `json:"suspend,omitempty"`
	Trigger    *TriggerClaim  `json:"trigger,omitempty"`
	Evidence   []string       `json:"evidence,omitempty"`
	Vote       *Vote          `json:"vote,omitempty"`
	Shorten    bool           `json:"shorten,omitempty"`
}

// Decision is what the engine allows a command to do.
type Decision struct {
	Step Step
	// Effects on the member, to be written with the step.
	Effects []MemberEffect
	// Notice is the letter template the step sends, if any.
	Notice string
	// Refused is set, instead of Step, for a step the rule book declares not
	// permitted: the demand is recorded and answered with the clause.
	Refused *RefusedData
	// Procedure and Conduct are the versions applied: the procedure, and the
	// substantive rules (clauses, sanctions) in force when the conduct happened.
	Procedure, Conduct *rules.Version
}

// MemberEffect is a change to the member's standing a step makes.
type MemberEffect struct {
	From       rulebook.Date
	Status     *rulebook.StatusChange
	Restrict   *rulebook.RightsRestricted
	CreditFrom rulebook.Date
	// Withdraw names a member event to withdraw (a scheduled suspension lifted
	// before it started).
	Withdraw string
}

// Versions returns the rule book versions that govern a step on date: the substantive
// rules in force at the conduct, and the procedure — the conduct's version, unless
// the version in force on date declares that procedural changes apply at once.
func Versions(rb *rules.RuleBook, c *Case, date rulebook.Date) (proc, conduct *rules.Version, err error) {
	conduct, err = rb.VersionAt(c.Conduct)
	if err != nil {
		return nil, nil, err
	}
	proc = conduct
	if now, err := rb.VersionAt(date); err == nil && now.Procedure == "current" {
		proc = now
	}
	if proc.Discipline == nil {
		return nil, nil, rulebook.Errorf(rulebook.ENotPermitted, "rule book version %s declares no disciplinary procedure", proc.ID)
	}
	return proc, conduct, nil
}

func notPermitted(format string, args ...any) error {
	return rulebook.Errorf(rulebook.ENotPermitted, format, args...)
}

func cite(v *rules.Version, id string) string {
	cl := v.Clause(id)
	if cl.Title != "" {
		return fmt.Sprintf("clause %s (%s) of rule book %s", cl.ID, cl.Title, v.ID)
	}
	return fmt.Sprintf("clause %s of rule book %s", cl.ID, v.ID)
}

// Decide checks cmd against the rule book and the case and returns what it does.
// It changes nothing: the caller records the decision.
func Decide(env Env, c *Case, cmd Command) (*Decision, error) {
	if cmd.Date.IsZero() {
		return nil, rulebook.FieldError("date", "the date of the decision is required")
	}
	if cmd.Date < c.Opened {
		return nil, rulebook.FieldError("date", "%s is before the case was opened (%s)", cmd.Date, c.Opened)
	}
	proc, vc, err := Versions(env.Rules, c, cmd.Date)
	if err != nil {
		return nil, err
	}
	x := proc.Discipline
	if x.States[c.State] == nil {
		// Possible when procedural changes apply at once and a later version drops
		// the state the case is in.
		return nil, notPermitted("the case is in state %q, which the procedure of rule book %s, in force on %s, does not have: no step can be taken on it under that procedure",
			c.State, proc.ID, cmd.Date)
	}
	t := x.Transitions[cmd.Transition]
	if t == nil {
		return nil, rulebook.FieldError("transition", "rule book %s has no step %q; from %s the steps are: %s", proc.ID, cmd.Transition, c.State, stepNames(x.TransitionsFrom(c.State)))
	}
	if !x.From(t, c.State) {
		return nil, notPermitted("%q cannot be taken while the case is %s (%s); under %s it is taken from %s",
			t.Name, x.States[c.State].Name, c.State, cite(proc, t.Clause), strings.Join(t.From, " or "))
	}
	if !has(t.By, cmd.Body) {
		return nil, notPermitted("%s may not %s: under %s only %s may", orWho(cmd.Body), strings.ToLower(t.Name), cite(proc, t.Clause), strings.Join(t.By, " or "))
	}
	if !t.IsPermitted() {
		cl := proc.Clause(t.Clause)
		return &Decision{Procedure: proc, Conduct: vc, Refused: &RefusedData{Transition: t.ID, Body: cmd.Body, Demand: cmd.Rationale, Clause: t.Clause,
			Answer: fmt.Sprintf("%s is not permitted: %s — %s", t.Name, cite(proc, t.Clause), strings.TrimSpace(cl.Text))}}, nil
	}
	if cmd.Date < c.StateSince {
		return nil, rulebook.FieldError("date", "%s is before the case entered its current state on %s", cmd.Date, c.StateSince)
	}
	if !t.Within.IsZero() {
		if due := x.Calendar.Due(c.StateSince, t.Within); cmd.Date > due {
			return nil, notPermitted("%q is out of time: under %s it must be taken within %s of %s, by %s", t.Name, cite(proc, t.Clause), t.Within, c.StateSince, due)
		}
	}
	d := &Decision{Procedure: proc, Conduct: vc, Notice: t.Notice}
	d.Step = Step{Transition: t.ID, Body: cmd.Body, Criteria: cmd.Criteria, Rationale: strings.TrimSpace(cmd.Rationale), From: c.State, To: t.To,
		Clause: t.Clause, Version: proc.ID, Effects: t.Effects, Outcome: t.Outcome, Sanctioned: t.Sanction}
	if t.To != "" {
		d.Step.Closed = x.States[t.To].Closed
	}
	g := &guard{env: env, c: c, cmd: &cmd, t: t, proc: proc, vc: vc, d: d}
	for _, req := range t.Requires {
		if err := g.check(req); err != nil {
			return nil, err
		}
	}
	if err := g.effects(); err != nil {
		return nil, err
	}
	return d, nil
}

func orWho(body string) string {
	if body == "" {
		return "a step with no deciding body"
	}
	return body
}

func stepNames(ts []*rules.Transition) string {
	if len(ts) == 0 {
		return "(none)"
	}
	var s []string
	for _, t := range ts {
		s = append(s, t.ID)
	}
	return strings.Join(s, ", ")
}

type guard struct {
	env  Env
	c    *Case
	cmd  *Command
	t    *rules.Transition
	proc *rules.Version
	vc   *rules.Version
	d    *Decision
}

func (g *guard) check(req string) error {
	c, cmd, t := g.c, g.cmd, g.t
	switch req {
	case "criteria":
		if len(cmd.Criteria) == 0 {
			return rulebook.FieldError("criteria", "%q must cite at least one published criterion (%s); free text alone is not a decision", t.Name, strings.Join(t.Criteria, ", "))
		}
		for _, cr := range cmd.Criteria {
			if !has(t.Criteria, cr) {
				return rulebook.FieldError("criteria", "criterion %q does not apply to %q (it may cite %s)", cr, t.Name, strings.Join(t.Criteria, ", "))
			}
		}
		if g.d.Step.Rationale == "" {
			return rulebook.FieldError("rationale", "say how the criteria apply to this case")
		}
	case "reasons":
		if g.d.Step.Rationale == "" {
			return rulebook.FieldError("rationale", "%q must give written reasons", t.Name)
		}
	case "evidence":
		if len(cmd.Evidence) == 0 {
			return rulebook.FieldError("evidence", "record the evidence relied on")
		}
		g.d.Step.Evidence = cmd.Evidence
	case "charges":
		if len(cmd.Charges) == 0 {
			return rulebook.FieldError("charges", "draft at least one charge, one per count")
		}
		seen := map[int]bool{}
		var out []Charge
		for i, ch := range cmd.Charges {
			f := fmt.Sprintf("charges[%d]", i)
			if ch.Count < 1 || seen[ch.Count] {
				return rulebook.FieldError(f+".count", "counts are numbered 1, 2, 3… without repeats")
			}
			seen[ch.Count] = true
			if g.vc.Clauses[ch.Clause] == nil {
				return rulebook.FieldError(f+".clause", "clause %q was not in the rule book in force when the conduct happened (%s, version %s)", ch.Clause, c.Conduct, g.vc.ID)
			}
			if strings.TrimSpace(ch.Particulars) == "" {
				return rulebook.FieldError(f+".particulars", "state the conduct alleged in this count")
			}
			out = append(out, Charge{Count: ch.Count, Clause: ch.Clause, Particulars: strings.TrimSpace(ch.Particulars)})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Count < out[j].Count })
		g.d.Step.Charges = out
	case "panel":
		p := cmd.Panel
		if p == nil {
			p = c.Panel
		}
		if p == nil {
			return rulebook.FieldError("panel", "empanel the hearing panel")
		}
		if err := g.checkPanel(p); err != nil {
			return err
		}
		if cmd.Panel != nil {
			cp := *cmd.Panel
			g.d.Step.Panel = &cp
		}
	case "hearing":
		h := cmd.Hearing
		if h == nil || h.Date.IsZero() {
			return rulebook.FieldError("hearing.date", "the hearing date is required")
		}
		if !t.NoticePeriod.IsZero() {
			if least := t.NoticePeriod.AddTo(cmd.Date); h.Date < least {
				return notPermitted("the hearing on %s gives less than the %s notice %s requires: notice given %s, so the earliest date is %s",
					h.Date, t.NoticePeriod, cite(g.proc, t.Clause), cmd.Date, least)
			}
		}
		hc := *h
		hc.Notice = cmd.Date
		if eb := t.EvidenceBefore; !eb.IsZero() {
			days := eb.N
			if eb.Unit == "weeks" {
				days *= 7
			}
			hc.EvidenceBy = h.Date.AddDays(-days)
			if hc.EvidenceBy < cmd.Date {
				return notPermitted("evidence is due %s before the hearing, which is before the notice given on %s", eb, cmd.Date)
			}
		}
		g.d.Step.Hearing = &hc
	case "findings":
		if len(c.Charges) == 0 {
			return notPermitted("there are no charges to make findings on")
		}
		byCount := map[int]Finding{}
		for i, f := range cmd.Findings {
			if f.Finding != "proved" && f.Finding != "not_proved" {
				return rulebook.FieldError(fmt.Sprintf("findings[%d].finding", i), "must be proved or not_proved, not %q", f.Finding)
			}
			byCount[f.Count] = f
		}
		for _, ch := range c.Charges {
			if _, ok := byCount[ch.Count]; !ok {
				return rulebook.FieldError("findings", "there must be a finding on every count: count %d (%s) has none", ch.Count, ch.Clause)
			}
			delete(byCount, ch.Count)
		}
		for n := range byCount {
			return rulebook.FieldError("findings", "there is no count %d", n)
		}
		g.d.Step.Findings = cmd.Findings
	case "charge_proved", "no_charge_proved":
		proved := len(c.ProvedCounts()) > 0
		if req == "charge_proved" && !proved {
			return notPermitted("no count was found proved, so no sanction may be imposed")
		}
		if req == "no_charge_proved" && proved {
			return notPermitted("count(s) %v were found proved: the case cannot be dismissed", c.ProvedCounts())
		}
	case "mitigation":
		if c.Mitigation == nil {
			return notPermitted("under %s the respondent's mitigation must be heard after the findings and before a sanction", cite(g.proc, t.Clause))
		}
	case "sanction":
		return g.checkSanction()
	case "trigger":
		return g.checkTrigger()
	case "vote":
		v := cmd.Vote
		if v == nil || v.For+v.Against == 0 {
			return rulebook.FieldError("vote", "record the deciding body's vote (for and against)")
		}
		if t.Outcome == "readmitted" && v.For <= v.Against {
			return notPermitted("the vote (%d for, %d against) did not carry readmission", v.For, v.Against)
		}
		if t.Outcome == "readmission_refused" && v.For > v.Against {
			return notPermitted("the vote (%d for, %d against) carried readmission: it cannot be recorded as a refusal", v.For, v.Against)
		}
		vc := *v
		g.d.Step.Vote = &vc
	case "waiting_period":
		return g.checkWaiting()
	default:
		return fmt.Errorf("guard %q is not implemented", req)
	}
	return nil
}

// checkPanel applies the composition rule and the conflict rules.
func (g *guard) checkPanel(p *Panel) error {
	rule := g.proc.Discipline.Panels[p.Body]
	if rule == nil {
		return rulebook.FieldError("panel.body", "rule book %s has no panel rule for %q", g.proc.ID, p.Body)
	}
	if len(p.Members) != rule.Size {
		return notPermitted("a panel of %s has %d members under %s, not %d", p.Body, rule.Size, cite(g.proc, rule.Clause), len(p.Members))
	}
	seen := map[string]bool{}
	sections := map[string]bool{}
	respondent := g.env.member(g.c.Respondent)
	for _, m := range p.Members {
		if m.ID == "" || seen[m.ID] {
			return rulebook.FieldError("panel.members", "each panel member needs a distinct id")
		}
		seen[m.ID] = true
		sections[m.Section] = true
		if why := g.conflict(m, respondent); why != "" {
			return notPermitted("%s (%s) cannot sit on a panel of %s under %s: %s", m.Name, m.ID, p.Body, cite(g.proc, rule.Clause), why)
		}
	}
	for _, s := range rule.Sections {
		if !sections[s] {
			return notPermitted("the panel must include at least one member from the %s section under %s", s, cite(g.proc, rule.Clause))
		}
	}
	return nil
}

func (g *guard) conflict(m PanelMember, respondent *rulebook.History) string {
	c := g.c
	for _, r := range c.Recusals {
		if r.Person == m.ID {
			return "recused on " + r.Date.String() + ": " + r.Reason
		}
	}
	for _, rule := range g.proc.Discipline.Conflicts {
		switch rule {
		case "declared":
			for _, cf := range c.Conflicts {
				if cf.Person == m.ID {
					return "declared a conflict of interest on " + cf.Date.String() + ": " + cf.Reason
				}
			}
		case "complainant":
			if has(c.Complainants, m.ID) {
				return "is a complainant in this case"
			}
		case "respondent":
			if m.ID == c.Respondent {
				return "is the respondent"
			}
		case "same_branch", "same_constituency":
			pm := g.env.member(m.ID)
			if pm == nil || respondent == nil {
				continue
			}
			if rule == "same_branch" && pm.Member.Branch != "" && pm.Member.Branch == respondent.Member.Branch {
				return "belongs to the respondent's branch (" + pm.Member.Branch + ")"
			}
			if rule == "same_constituency" && pm.Member.Constituency != "" && pm.Member.Constituency == respondent.Member.Constituency {
				return "belongs to the respondent's constituency (" + pm.Member.Constituency + ")"
			}
		}
	}
	return ""
}

func (e Env) member(id string) *rulebook.History {
	if e.Member == nil {
		return nil
	}
	return e.Member(id)
}

func (g *guard) checkSanction() error {
	so := g.cmd.Sanction
	if so == nil || so.Sanction == "" {
		return rulebook.FieldError("sanction", "choose a sanction from the rule book's menu (%s)", strings.Join(g.vc.SanctionOrder, ", "))
	}
	s := g.vc.Sanctions[so.Sanction]
	if s == nil {
		return rulebook.FieldError("sanction.sanction", "%q is not on the sanctions menu in force when the conduct happened (version %s: %s)", so.Sanction, g.vc.ID, strings.Join(g.vc.SanctionOrder, ", "))
	}
	if !has(s.By, g.cmd.Body) {
		return notPermitted("%s may not impose %s: under %s only %s may", g.cmd.Body, s.Name, cite(g.vc, s.Clause), strings.Join(s.By, " or "))
	}
	out := *so
	if out.From.IsZero() {
		out.From = g.cmd.Date
	}
	if out.From < g.cmd.Date {
		// A backdated sanction would rewrite the member's past standing.
		return rulebook.FieldError("sanction.from", "%s is before the decision (%s): a sanction cannot start before it is decided", out.From, g.cmd.Date)
	}
	if !s.MaxDuration.IsZero() {
		if out.Until.IsZero() {
			return rulebook.FieldError("sanction.until", "%s lasts a stated period (at most %s): give its end date", s.Name, s.MaxDuration)
		}
		start := out.From
		if sp := g.c.Suspension; s.CreditForInterim && sp != nil && sp.From < out.From {
			// Credit for time served: the period runs from the start of the
			// administrative suspension — or, for one lifted before the sanction, from
			// as many days before the sanction as it ran, so that only time actually
			// served is credited.
			start = sp.From
			if !sp.Lifted.IsZero() && sp.Lifted < out.From {
				start = out.From.AddDays(-int(max(sp.Lifted-sp.From, 0)))
			}
			if start < out.From {
				out.CreditFrom = start
			}
		}
		if max := s.MaxDuration.AddTo(start); out.Until > max {
			return notPermitted("%s may last at most %s under %s: counted from %s it must end by %s, not %s", s.Name, s.MaxDuration, cite(g.vc, s.Clause), start, max, out.Until)
		}
		if out.Until <= out.From {
			return rulebook.FieldError("sanction.until", "%s is not after the start %s (time already served may have used the whole period)", out.Until, out.From)
		}
	} else if !out.Until.IsZero() {
		return rulebook.FieldError("sanction.until", "%s has no duration in the rule book", s.Name)
	}
	fx := g.proc.Discipline.Factors
	for _, f := range out.Factors {
		if fx[f] == nil {
			return rulebook.FieldError("sanction.factors", "unknown factor %q", f)
		}
	}
	for i, cd := range out.Conditions {
		if strings.TrimSpace(cd.What) == "" || cd.Due <= g.cmd.Date {
			return rulebook.FieldError(fmt.Sprintf("sanction.conditions[%d]", i), "a condition needs what is required and a due date after the decision")
		}
	}
	g.d.Step.Sanction = &out
	g.d.Step.Sanctioned = s.ID
	return nil
}

func (g *guard) checkTrigger() error {
	tc := g.cmd.Trigger
	if tc == nil || tc.Trigger == "" {
		return rulebook.FieldError("trigger", "name the automatic-exclusion trigger (%s)", strings.Join(g.vc.TriggerOrder, ", "))
	}
	if tc.Conduct.IsZero() {
		return rulebook.FieldError("trigger.conduct", "the date of the conduct is required")
	}
	v, err := g.env.Rules.VersionAt(tc.Conduct)
	if err != nil {
		return err
	}
	tr := v.Triggers[tc.Trigger]
	if tr == nil {
		return rulebook.FieldError("trigger.trigger", "no trigger %q in the rule book in force on %s (version %s)", tc.Trigger, tc.Conduct, v.ID)
	}
	if tr.Checks != "" {
		if tc.Entry == "" {
			return rulebook.FieldError("trigger.entry", "name the entry on the %s list the conduct concerns", tr.Checks)
		}
		var e *ListEntry
		if g.env.List != nil {
			e = g.env.List(tr.Checks, tc.Entry)
		}
		if e == nil {
			return rulebook.FieldError("trigger.entry", "%q is not on the %s list", tc.Entry, tr.Checks)
		}
		if !e.InForce(tc.Conduct) {
			return notPermitted("%s (%s) was not on the %s list on %s, the date of the conduct", e.Name, e.ID, tr.Checks, tc.Conduct)
		}
	}
	cp := *tc
	g.d.Step.Trigger = &cp
	return nil
}

func (g *guard) checkWaiting() error {
	r := g.proc.Readmission
	if r == nil {
		return notPermitted("rule book %s has no readmission rule", g.proc.ID)
	}
	h := g.env.member(g.c.Respondent)
	if h == nil {
		return rulebook.FieldError("respondent", "no member %q on the register", g.c.Respondent)
	}
	p := h.StatusAt(g.cmd.Date)
	if p == nil || !has(r.From, p.Status) {
		return notPermitted("readmission under %s is for people who are %s; on %s %s is %s", cite(g.proc, r.Clause), strings.Join(r.From, " or "), g.cmd.Date, g.c.Respondent, statusOf(p))
	}
	due := r.WaitingPeriod.AddTo(p.From)
	if g.cmd.Date >= due {
		return nil
	}
	if !g.cmd.Shorten {
		return notPermitted("the waiting period of %s under %s runs from %s to %s; readmission before then needs the deciding body to shorten it, with reasons", r.WaitingPeriod, cite(g.proc, r.Clause), p.From, due)
	}
	if !r.MayShorten {
		return notPermitted("under %s the waiting period of %s cannot be shortened", cite(g.proc, r.Clause), r.WaitingPeriod)
	}
	if g.d.Step.Rationale == "" {
		return rulebook.FieldError("rationale", "shortening the waiting period needs written reasons")
	}
	g.d.Step.Shorten = true
	return nil
}

func statusOf(p *rulebook.StatusPoint) string {
	if p == nil {
		return "not on the register"
	}
	return p.Status
}

// effects turns the transition's effects into changes to the member.
func (g *guard) effects() error {
	c, cmd, t, x := g.c, g.cmd, g.t, g.proc.Discipline
	dec := func() rulebook.Decision {
		return rulebook.Decision{Body: cmd.Body, Clause: t.Clause, Case: c.ID, Reason: g.d.Step.Rationale}
	}
	active := c.Suspension != nil && c.Suspension.Lifted.IsZero()
	// withdrawScheduled withdraws a suspension scheduled to start after from, when
	// the step ends it first (an exclusion, a resignation, a sanction): otherwise
	// the member would become suspended — a membership status — after leaving.
	withdrawScheduled := func(from rulebook.Date) {
		if active && from < c.Suspension.From {
			g.d.Effects = append(g.d.Effects, MemberEffect{Withdraw: c.Suspension.Event})
		}
	}
	for _, eff := range t.Effects {
		switch eff {
		case "admin_suspension":
			so := SuspendOrder{From: cmd.Date}
			if cmd.Suspend != nil {
				so = *cmd.Suspend
				if so.From.IsZero() {
					so.From = cmd.Date
				}
			}
			if so.From < cmd.Date {
				return rulebook.FieldError("suspend.from", "a suspension cannot start before it is decided (%s)", cmd.Date)
			}
			if active {
				return notPermitted("the respondent is already administratively suspended in this case (from %s)", c.Suspension.From)
			}
			if within := x.Suspension.ReviewWithin; !within.IsZero() {
				latest := x.Calendar.Due(so.From, within)
				if so.ReviewBy.IsZero() {
					so.ReviewBy = latest
				} else if so.ReviewBy > latest {
					return notPermitted("a suspension must be reviewed within %s under %s: by %s at the latest", within, cite(g.proc, x.Suspension.Clause), latest)
				}
			}
			for a := range so.Rights {
				if g.vc.Action(a) == nil {
					return rulebook.FieldError("suspend.rights", "unknown action %q", a)
				}
			}
			g.d.Step.Suspend = &so
			d := dec()
			g.d.Effects = append(g.d.Effects, MemberEffect{From: so.From, Status: &rulebook.StatusChange{Status: x.Statuses.Suspended, Rights: so.Rights, Decision: d}})
		case "review_suspension":
			if !active {
				return notPermitted("there is no administrative suspension in force in this case to review")
			}
			so := SuspendOrder{From: c.Suspension.From, Rights: c.Suspension.Rights}
			if cmd.Suspend != nil {
				so.ReviewBy = cmd.Suspend.ReviewBy
			}
			if within := x.Suspension.ReviewWithin; !within.IsZero() {
				latest := x.Calendar.Due(cmd.Date, within)
				if so.ReviewBy.IsZero() {
					so.ReviewBy = latest
				} else if so.ReviewBy > latest {
					return notPermitted("the next review must be within %s: by %s at the latest", within, latest)
				}
			}
			g.d.Step.Suspend = &so
		case "lift_suspension":
			if !active {
				continue
			}
			if cmd.Date < c.Suspension.From {
				g.d.Effects = append(g.d.Effects, MemberEffect{Withdraw: c.Suspension.Event})
				continue
			}
			d := dec()
			g.d.Effects = append(g.d.Effects, MemberEffect{From: cmd.Date, Status: &rulebook.StatusChange{Status: x.Statuses.Restored, Decision: d}})
		case "sanction":
			so := g.d.Step.Sanction
			if so == nil {
				return rulebook.FieldError("sanction", "the step imposes a sanction but none was decided")
			}
			s := g.vc.Sanctions[so.Sanction]
			d := dec()
			d.Sanction, d.Clause = s.ID, s.Clause
			switch {
			case s.Status != "":
				ch := &rulebook.StatusChange{Status: s.Status, Rights: s.Rights, Decision: d}
				if !so.Until.IsZero() {
					ch.Until, ch.Then = so.Until, x.Statuses.Restored
				}
				g.d.Effects = append(g.d.Effects, MemberEffect{From: so.From, Status: ch, CreditFrom: so.CreditFrom})
			case len(s.Rights) > 0:
				g.d.Effects = append(g.d.Effects, MemberEffect{From: so.From, Restrict: &rulebook.RightsRestricted{Rights: s.Rights, Until: so.Until, Decision: d}})
				if active && so.From >= c.Suspension.From {
					g.d.Effects = append(g.d.Effects, MemberEffect{From: so.From, Status: &rulebook.StatusChange{Status: x.Statuses.Restored, Decision: dec()}})
				}
			case active && so.From >= c.Suspension.From:
				g.d.Effects = append(g.d.Effects, MemberEffect{From: so.From, Status: &rulebook.StatusChange{Status: x.Statuses.Restored, Decision: dec()}})
			}
			withdrawScheduled(so.From)
		case "exclusion":
			if c.Trigger == nil {
				return notPermitted("no trigger has been proposed in this case")
			}
			tr := g.vc.Triggers[c.Trigger.Trigger]
			if tr == nil {
				return notPermitted("trigger %q is not in rule book %s", c.Trigger.Trigger, g.vc.ID)
			}
			d := dec()
			d.Clause = tr.Clause
			g.d.Effects = append(g.d.Effects, MemberEffect{From: cmd.Date, Status: &rulebook.StatusChange{Status: tr.Status, Decision: d}})
			withdrawScheduled(cmd.Date)
		case "readmission":
			r := g.proc.Readmission
			if r == nil {
				return notPermitted("rule book %s has no readmission rule", g.proc.ID)
			}
			d := dec()
			d.Clause = r.Clause
			g.d.Effects = append(g.d.Effects, MemberEffect{From: cmd.Date, Status: &rulebook.StatusChange{Status: r.Status, Decision: d}})
		case "resignation":
			d := dec()
			g.d.Effects = append(g.d.Effects, MemberEffect{From: cmd.Date, Status: &rulebook.StatusChange{Status: x.Statuses.Resigned, Decision: d}})
			withdrawScheduled(cmd.Date)
		}
	}
	return nil
}
