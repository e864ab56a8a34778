package discipline

import (
	"fmt"
	"sort"
	"strconv"
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
	// Units returns the register's tree of units, for conflict rules over units.
	Units func() rulebook.Units
	// Entries returns every entry of a list (rosters, training, selections).
	Entries func(list string) []ListEntry
}

// onList returns the entry of list about member in force on d, if any, preferring
// the one that runs longest.
func (e Env) onList(list, member string, d rulebook.Date) *ListEntry {
	if e.Entries == nil {
		return nil
	}
	var best *ListEntry
	for _, x := range e.Entries(list) {
		if x.Member == member && x.InForce(d) && (best == nil || x.Until.IsZero() || (!best.Until.IsZero() && x.Until > best.Until)) {
			x := x
			best = &x
		}
	}
	return best
}

// lastOnList returns the latest entry of list about member, in force or not.
func (e Env) lastOnList(list, member string) *ListEntry {
	if e.Entries == nil {
		return nil
	}
	var best *ListEntry
	for _, x := range e.Entries(list) {
		if x.Member == member && (best == nil || x.From > best.From) {
			x := x
			best = &x
		}
	}
	return best
}

// Command is a step someone asks to take on a case.
type Command struct {
	Transition string        `json:"transition"`
	Date       rulebook.Date `json:"date"`
	Body       string        `json:"body"`
	Criteria   []string      `json:"criteria,omitempty"`
	Rationale  string        `json:"rationale,omitempty"`
	Charges    []Charge      `json:"charges,omitempty"`
	Findings   []Finding     `json:"findings,omitempty"`
	Panel      *Panel        `json:"panel,omitempty"`
	Hearing    *Hearing      `json:"hearing,omitempty"`
	// Sanctions are the sanctions decided (a fine and a reprimand; a suspension
	// with conditions); Sanction is the shorthand for one.
	Sanction  *SanctionOrder  `json:"sanction,omitempty"`
	Sanctions []SanctionOrder `json:"sanctions,omitempty"`
	Suspend   *SuspendOrder   `json:"suspend,omitempty"`
	Trigger   *TriggerClaim   `json:"trigger,omitempty"`
	Evidence  []string        `json:"evidence,omitempty"`
	Vote      *Vote           `json:"vote,omitempty"`
	Shorten   bool            `json:"shorten,omitempty"`
	Waive     *WaiveOrder     `json:"waive,omitempty"`
	// Paid, for a payment step, is the number (from 1, in the case's sanctions)
	// of the fine paid; 0 means the first unpaid one.
	Paid int `json:"paid,omitempty"`
	// Seriousness grades the breach for the sanctions guidance (its levels are the
	// rule book's); Departure gives the reasons for a sanction outside its range.
	Seriousness string `json:"seriousness,omitempty"`
	Departure   string `json:"departure,omitempty"`
	// Standard names the standard punishment a step applies (see standard.go).
	Standard string `json:"standard,omitempty"`
}

// orders returns the sanctions a command decides.
func (cmd *Command) orders() []SanctionOrder {
	out := append([]SanctionOrder(nil), cmd.Sanctions...)
	if cmd.Sanction != nil && cmd.Sanction.Sanction != "" {
		out = append([]SanctionOrder{*cmd.Sanction}, out...)
	}
	return out
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
	Waiver     *rulebook.Waiver
	CreditFrom rulebook.Date
	// Sanction is the index in the step's sanctions of the sanction this effect
	// applies, or -1: the register event is recorded with it.
	Sanction int
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
		// Checked on a copy: the roster fills in sections, and neither the command
		// nor the case is changed.
		cp := *p
		cp.Members = append([]PanelMember(nil), p.Members...)
		if err := g.checkPanel(&cp); err != nil {
			return err
		}
		if cmd.Panel != nil {
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
			counts := make([]string, 0, len(c.ProvedCounts()))
			for _, n := range c.ProvedCounts() {
				counts = append(counts, strconv.Itoa(n))
			}
			if len(counts) == 1 {
				return notPermitted("count %s was found proved: the case cannot be dismissed", counts[0])
			}
			return notPermitted("counts %s were found proved: the case cannot be dismissed", strings.Join(counts, ", "))
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
		// What the vote must have done is declared by the step, never read from
		// its outcome's name.
		if t.Vote == "carried" && v.For <= v.Against {
			return notPermitted("the vote (%d for, %d against) did not carry the motion: %q cannot be recorded on it", v.For, v.Against, t.Name)
		}
		if t.Vote == "lost" && v.For > v.Against {
			return notPermitted("the vote (%d for, %d against) carried the motion: %q cannot be recorded on it", v.For, v.Against, t.Name)
		}
		vc := *v
		g.d.Step.Vote = &vc
	case "waiting_period":
		return g.checkWaiting()
	case "interim_decided":
		if c.Interim == nil && !has(t.Effects, "interim_assessment") && !has(t.Effects, "admin_suspension") {
			return notPermitted("under %s interim action must be decided, and recorded with the criteria, before %q", cite(g.proc, t.Clause), t.Name)
		}
	case "standard_punishment":
		return g.checkStandard()
	case "contest_period":
		return g.checkContest()
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
	for i := range p.Members {
		m := &p.Members[i]
		if m.ID == "" || seen[m.ID] {
			return rulebook.FieldError("panel.members", "each panel member needs a distinct id")
		}
		seen[m.ID] = true
		// The roster, not the command, says who may sit and for which section.
		if rule.Roster != "" {
			e := g.env.onList(rule.Roster, m.ID, g.cmd.Date)
			if e == nil {
				return notPermitted("%s (%s) is not on the %s roster on %s, so cannot sit on its panel under %s", m.Name, m.ID, p.Body, g.cmd.Date, cite(g.proc, rule.Clause))
			}
			if m.Section != "" && m.Section != e.Section {
				d := g.proc.Discipline
				return rulebook.FieldError("panel.members", "%s sits for the %s on the roster, not the %s", m.ID, rulebook.LowerFirst(d.SectionTitle(e.Section)), rulebook.LowerFirst(d.SectionTitle(m.Section)))
			}
			m.Section = e.Section
			if m.Name == "" {
				m.Name = e.Name
			}
		}
		if rule.Training != "" && g.env.onList(rule.Training, m.ID, g.cmd.Date) == nil {
			why := "has no training recorded"
			if last := g.env.lastOnList(rule.Training, m.ID); last != nil && !last.Until.IsZero() {
				why = "training expired on " + last.Until.String()
			}
			return notPermitted("%s (%s) cannot be empanelled on %s: %s, and %s requires current training (%s)", m.Name, m.ID, g.cmd.Date, why, cite(g.proc, rule.Clause), rule.Training)
		}
		sections[m.Section] = true
		if why := g.conflict(*m, respondent); why != "" {
			return notPermitted("%s (%s) cannot sit on a panel of %s under %s: %s", m.Name, m.ID, p.Body, cite(g.proc, rule.Clause), why)
		}
	}
	for _, s := range rule.Sections {
		if !sections[s.ID] {
			return notPermitted("the panel must include a member from each of its sections under %s: none sits for the %s", cite(g.proc, rule.Clause), rulebook.LowerFirst(s.Title()))
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
		default:
			// same_unit:KIND — each one's unit of that kind is their own unit or
			// the one of that kind it lies within.
			kind, ok := strings.CutPrefix(rule, rules.SameUnitRule)
			if !ok {
				continue
			}
			pm := g.env.member(m.ID)
			if pm == nil || respondent == nil || pm.Member.Unit == "" || respondent.Member.Unit == "" || g.env.Units == nil {
				continue
			}
			tree := g.env.Units()
			if u := tree.OfKind(pm.Member.Unit, kind); u != "" && u == tree.OfKind(respondent.Member.Unit, kind) {
				name := kind
				if k := g.proc.UnitKind(kind); k != nil {
					name = k.Name
				}
				return "belongs to the respondent's " + name + " (" + u + ")"
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

func (g *guard) checkSanction() error { return g.checkOrders(g.cmd.orders(), false) }

// checkOrders checks the sanctions a step decides; fixed ones (a standard
// punishment's) are the rule book's own, whoever may impose them from the menu.
func (g *guard) checkOrders(orders []SanctionOrder, fixed bool) error {
	if len(orders) == 0 {
		return rulebook.FieldError("sanction", "choose a sanction from the rule book's menu (%s)", strings.Join(g.vc.SanctionOrder, ", "))
	}
	varying := has(g.t.Effects, "vary_sanction")
	// A varied sanction may keep the start of the one it replaces, so that time
	// already served counts; nothing else may start before the decision.
	earliest := g.cmd.Date
	if varying {
		for _, so := range g.c.InForce() {
			earliest = min(earliest, so.From)
		}
	}
	seen := map[string]bool{}
	withStatus := ""
	var out []SanctionOrder
	var ids []string
	for i, so := range orders {
		f := "sanctions[" + fmt.Sprint(i) + "]"
		if len(orders) == 1 {
			f = "sanction"
		}
		s := g.vc.Sanctions[so.Sanction]
		if s == nil {
			return rulebook.FieldError(f+".sanction", "%q is not on the sanctions menu in force when the conduct happened (version %s: %s)", so.Sanction, g.vc.ID, strings.Join(g.vc.SanctionOrder, ", "))
		}
		if seen[s.ID] {
			return rulebook.FieldError(f+".sanction", "%s is decided twice in one decision", s.Name)
		}
		seen[s.ID] = true
		// On appeal, the body hearing it may substitute any sanction on the menu:
		// its power is the step's, not the first-instance body's.
		if !has(s.By, g.cmd.Body) && !varying && !fixed {
			return notPermitted("%s may not impose %s: under %s only %s may", g.cmd.Body, s.Name, cite(g.vc, s.Clause), strings.Join(s.By, " or "))
		}
		if s.Status != "" {
			if withStatus != "" {
				return rulebook.FieldError(f+".sanction", "%s and %s both change the member's status: one decision can place a member in one status", withStatus, s.Name)
			}
			withStatus = s.Name
		}
		o := so
		o.Step, o.MemberEvent, o.Ended, o.EndedHow, o.EndedBy, o.Paid = "", "", 0, "", "", 0
		if o.From.IsZero() {
			o.From = g.cmd.Date
		}
		if o.From < earliest {
			// A backdated sanction would rewrite the member's past standing.
			return rulebook.FieldError(f+".from", "%s is before the decision (%s): a sanction cannot start before it is decided", o.From, g.cmd.Date)
		}
		if err := g.checkPeriod(f, s, &o); err != nil {
			return err
		}
		if err := g.checkFine(f, s, &o); err != nil {
			return err
		}
		if err := g.checkCount(f, s, &o); err != nil {
			return err
		}
		fx := g.proc.Discipline.Factors
		for _, fa := range o.Factors {
			if fx[fa] == nil {
				return rulebook.FieldError(f+".factors", "unknown factor %q", fa)
			}
		}
		for j, cd := range o.Conditions {
			if strings.TrimSpace(cd.What) == "" || cd.Due <= g.cmd.Date {
				return rulebook.FieldError(fmt.Sprintf("%s.conditions[%d]", f, j), "a condition needs what is required and a due date after the decision")
			}
		}
		out = append(out, o)
		ids = append(ids, s.ID)
	}
	g.d.Step.Sanctions = out
	g.d.Step.Sanctioned = strings.Join(ids, "+")
	return g.checkGuidance(out)
}

// checkGuidance places the sanctions decided against the rule book's guidance for
// each clause found proved, at the seriousness the body grades the breach: within
// the range, or outside it — which needs reasons.
func (g *guard) checkGuidance(orders []SanctionOrder) error {
	x := g.proc.Discipline
	var clauses []string
	for _, cl := range g.c.ProvedClauses() {
		if len(x.GuidanceFor(cl)) > 0 {
			clauses = append(clauses, cl)
		}
	}
	if len(clauses) == 0 {
		return nil
	}
	severity := func(id string) int {
		for i, s := range g.vc.SanctionOrder {
			if s == id {
				return i
			}
		}
		return -1
	}
	most := -1
	for _, so := range orders {
		most = max(most, severity(so.Sanction))
	}
	var applied []GuidanceApplied
	var outside []string
	for _, cl := range clauses {
		rows := x.GuidanceFor(cl)
		var row *rules.Guidance
		var levels []string
		for _, r := range rows {
			levels = append(levels, r.Seriousness)
			if r.Seriousness == g.cmd.Seriousness {
				row = r
			}
		}
		if row == nil {
			return rulebook.FieldError("seriousness", "the sanctions guidance for clause %s grades a breach as %s: say which applies", cl, strings.Join(levels, ", "))
		}
		ga := GuidanceApplied{Clause: cl, Seriousness: row.Seriousness, From: row.From, To: row.To, Position: "within"}
		switch {
		case most < severity(row.From):
			ga.Position = "below"
		case most > severity(row.To):
			ga.Position = "above"
		}
		if ga.Position != "within" {
			outside = append(outside, fmt.Sprintf("%s the guidance for clause %s at %s seriousness (%s to %s)", ga.Position, cl, row.Seriousness, row.From, row.To))
		}
		applied = append(applied, ga)
	}
	g.d.Step.Guidance = applied
	if len(outside) > 0 {
		if strings.TrimSpace(g.cmd.Departure) == "" {
			return rulebook.FieldError("departure", "the sanction is %s: a departure from the guidance needs reasons", strings.Join(outside, "; "))
		}
		g.d.Step.Departure = strings.TrimSpace(g.cmd.Departure)
	}
	return nil
}

// checkPeriod checks a time-limited sanction's end, crediting time served under
// an administrative suspension where the rule book says so.
func (g *guard) checkPeriod(f string, s *rules.Sanction, out *SanctionOrder) error {
	if s.Counted() {
		return g.checkServing(f, s, out)
	}
	if s.MaxDuration.IsZero() {
		if !out.Until.IsZero() {
			return rulebook.FieldError(f+".until", "%s has no duration in the rule book", s.Name)
		}
		return nil
	}
	if out.Until.IsZero() {
		return rulebook.FieldError(f+".until", "%s lasts a stated period (at most %s): give its end date", s.Name, s.MaxDuration)
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
	if out.Until <= out.From || out.Until <= g.cmd.Date {
		return rulebook.FieldError(f+".until", "%s is not after the start %s and the decision (time already served may have used the whole period)", out.Until, out.From)
	}
	return nil
}

// checkFine checks the amount of a fine or costs order against the menu and sets
// the day it is due.
func (g *guard) checkFine(f string, s *rules.Sanction, out *SanctionOrder) error {
	fr := s.Fine
	if fr == nil {
		if !out.Amount.IsZero() {
			return rulebook.FieldError(f+".amount", "%s is not a sum of money in the rule book", s.Name)
		}
		return nil
	}
	if out.Amount.IsZero() || out.Amount.Minor <= 0 {
		return rulebook.FieldError(f+".amount", "%s needs an amount, up to %s", s.Name, fr.MaxAmount)
	}
	if out.Amount.Currency != fr.Currency {
		return rulebook.FieldError(f+".amount", "%s is set in %s, not %s", s.Name, fr.Currency, out.Amount.Currency)
	}
	if out.Amount.Minor > fr.MaxAmount.Minor {
		return notPermitted("%s may be at most %s under %s, not %s", s.Name, fr.MaxAmount, cite(g.vc, s.Clause), out.Amount)
	}
	out.PayBy = g.proc.Discipline.Calendar.Due(max(out.From, g.cmd.Date), fr.PayWithin)
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
	// The longest bar that applies governs: the general waiting period, and any
	// bar the sanction that ended the membership carries.
	due := r.WaitingPeriod.AddTo(p.From)
	why := fmt.Sprintf("the waiting period of %s under %s", r.WaitingPeriod, cite(g.proc, r.Clause))
	if p.Sanction != "" {
		if v, err := g.env.Rules.VersionAt(p.From); err == nil {
			if sn := v.Sanctions[p.Sanction]; sn != nil && !sn.ReadmissionBar.IsZero() {
				if bar := sn.ReadmissionBar.AddTo(p.From); bar > due {
					due = bar
					why = fmt.Sprintf("the bar of %s that %s carries under %s", sn.ReadmissionBar, sn.Name, cite(v, sn.Clause))
				}
			}
		}
	}
	if g.cmd.Date >= due {
		return nil
	}
	if !g.cmd.Shorten {
		return notPermitted("%s runs from %s to %s; readmission before then needs the deciding body to shorten it, with reasons", why, p.From, due)
	}
	if !r.MayShorten {
		return notPermitted("under %s the waiting period cannot be shortened: %s runs to %s", cite(g.proc, r.Clause), why, due)
	}
	if g.d.Step.Rationale == "" {
		return rulebook.FieldError("rationale", "shortening %s needs written reasons", why)
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

// priorStatus is the status the respondent held on at, leaving out this case's own
// measures: a member suspended and then sanctioned returns to what they were
// before the suspension, not to a status the rule book happens to call restored.
func (g *guard) priorStatus(h *rulebook.History, at rulebook.Date) string {
	if h == nil {
		return ""
	}
	for i := len(h.Points) - 1; i >= 0; i-- {
		p := &h.Points[i]
		if p.From > at || (p.Case == g.c.ID && i > 0) {
			continue
		}
		return p.Status
	}
	return ""
}

// restoreTo is the status a measure ending on at returns the member to: the one the
// rule book names for it, or the one held before.
func (g *guard) restoreTo(h *rulebook.History, named string, at rulebook.Date) (string, error) {
	if named != "" {
		return named, nil
	}
	if st := g.priorStatus(h, at); st != "" {
		return st, nil
	}
	return "", notPermitted("%s has no status before this case's measures to return to", g.c.Respondent)
}

// restore returns the member to the status held before this case's measures (or
// the one named) from at — unless that is the status they hold then anyway (a
// suspension in another case still in force).
func (g *guard) restore(h *rulebook.History, named string, at rulebook.Date, d rulebook.Decision) error {
	to, err := g.restoreTo(h, named, at)
	if err != nil {
		return err
	}
	if h != nil {
		if p := h.StatusAt(at); p != nil && p.Status == to {
			return nil
		}
	}
	g.d.Effects = append(g.d.Effects, MemberEffect{From: at, Status: &rulebook.StatusChange{Status: to, Decision: d}})
	return nil
}

// effects turns the transition's effects into changes to the member.
func (g *guard) effects() error {
	c, cmd, t, x := g.c, g.cmd, g.t, g.proc.Discipline
	h := g.env.member(c.Respondent)
	dec := func() rulebook.Decision {
		return rulebook.Decision{Body: cmd.Body, Clause: t.Clause, Case: c.ID, Reason: g.d.Step.Rationale}
	}
	add := func(e MemberEffect) { g.d.Effects = append(g.d.Effects, e) }
	active := c.Suspension != nil && c.Suspension.Lifted.IsZero()
	// withdrawScheduled withdraws a suspension scheduled to start after from, when
	// the step ends it first (an exclusion, a resignation, a sanction): otherwise
	// the member would become suspended — a membership status — after leaving.
	withdrawScheduled := func(from rulebook.Date) {
		if active && from < c.Suspension.From {
			add(MemberEffect{Withdraw: c.Suspension.Event})
		}
	}
	// ends collects the register events of sanctions a variation replaces, for the
	// new status sanction to end.
	var ends []string
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
			add(MemberEffect{From: so.From, Status: &rulebook.StatusChange{Status: x.Statuses.Suspended, Rights: so.Rights, Decision: dec()}})
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
				add(MemberEffect{Withdraw: c.Suspension.Event})
				continue
			}
			if err := g.restore(h, x.Suspension.Restores, cmd.Date, dec()); err != nil {
				return err
			}
		case "quash_sanction", "vary_sanction":
			if len(c.InForce()) == 0 {
				return notPermitted("there is no sanction in force in this case to %s", map[string]string{"quash_sanction": "quash", "vary_sanction": "vary"}[eff])
			}
			var err error
			if ends, err = g.endSanctions(h, eff == "vary_sanction", dec); err != nil {
				return err
			}
		case "sanction":
			if has(t.Effects, "vary_sanction") {
				continue // applied after what it replaces is ended, below
			}
			if err := g.applySanctions(h, ends, dec, active, withdrawScheduled); err != nil {
				return err
			}
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
			add(MemberEffect{From: cmd.Date, Status: &rulebook.StatusChange{Status: tr.Status, Decision: d}})
			withdrawScheduled(cmd.Date)
		case "readmission":
			r := g.proc.Readmission
			if r == nil {
				return notPermitted("rule book %s has no readmission rule", g.proc.ID)
			}
			d := dec()
			d.Clause = r.Clause
			add(MemberEffect{From: cmd.Date, Status: &rulebook.StatusChange{Status: r.Status, Decision: d}})
		case "resignation":
			add(MemberEffect{From: cmd.Date, Status: &rulebook.StatusChange{Status: x.Statuses.Resigned, Decision: dec()}})
			withdrawScheduled(cmd.Date)
		case "waive_condition":
			if err := g.waive(dec); err != nil {
				return err
			}
		case "non_payment":
			if err := g.nonPayment(h, dec); err != nil {
				return err
			}
		case "payment":
			if err := g.payment(h, dec); err != nil {
				return err
			}
		}
	}
	if has(t.Effects, "vary_sanction") {
		// Varying is ending what is in force and applying what replaces it.
		if err := g.applySanctions(h, ends, dec, active, withdrawScheduled); err != nil {
			return err
		}
	}
	return nil
}

// endSanctions ends the sanctions in force in the case from the decision's date
// (quashed or varied on appeal). The sanction events stay in the record; the
// register is corrected from this date. For a variation, the register events of
// status sanctions are returned for the replacing status sanction to end.
func (g *guard) endSanctions(h *rulebook.History, varying bool, dec func() rulebook.Decision) (ends []string, err error) {
	c, cmd := g.c, g.cmd
	replacesStatus := false
	if varying {
		for _, so := range g.cmd.orders() {
			if s := g.vc.Sanctions[so.Sanction]; s != nil && s.Status != "" {
				replacesStatus = true
			}
		}
	}
	for _, so := range c.InForce() {
		s := g.vc.Sanctions[so.Sanction]
		switch {
		case s == nil || so.MemberEvent == "":
		case so.From > cmd.Date:
			// Not begun: withdrawn as if never ordered.
			g.d.Effects = append(g.d.Effects, MemberEffect{Withdraw: so.MemberEvent})
		case !so.Until.IsZero() && so.Until <= cmd.Date, served(h, so, cmd.Date):
			// Already served: nothing on the register to correct.
		case s.Status != "" && replacesStatus:
			ends = append(ends, so.MemberEvent)
		case s.Status != "":
			to, err := g.restoreTo(h, "", cmd.Date)
			if err != nil {
				return nil, err
			}
			g.d.Effects = append(g.d.Effects, MemberEffect{From: cmd.Date, Status: &rulebook.StatusChange{Status: to, Ends: []string{so.MemberEvent}, Decision: dec()}})
		case len(s.Rights) > 0:
			g.d.Effects = append(g.d.Effects, MemberEffect{From: cmd.Date, Restrict: &rulebook.RightsRestricted{Ends: []string{so.MemberEvent}, Decision: dec()}})
		}
	}
	return ends, nil
}

// applySanctions writes the register effects of the sanctions decided.
func (g *guard) applySanctions(h *rulebook.History, ends []string, dec func() rulebook.Decision, active bool, withdrawScheduled func(rulebook.Date)) error {
	c, cmd, x := g.c, g.cmd, g.proc.Discipline
	orders := g.d.Step.Sanctions
	if len(orders) == 0 {
		return rulebook.FieldError("sanction", "the step imposes a sanction but none was decided")
	}
	first := orders[0].From
	hasStatus := false
	for i, so := range orders {
		s := g.vc.Sanctions[so.Sanction]
		d := dec()
		d.Sanction, d.Clause = s.ID, s.Clause
		from := max(so.From, cmd.Date)
		first = min(first, from)
		credit := so.CreditFrom
		if so.From < from {
			credit = so.From // a varied sanction keeps the time already served
		}
		switch {
		case s.Status != "":
			hasStatus = true
			ch := &rulebook.StatusChange{Status: s.Status, Rights: s.Rights, Ends: ends, Decision: d}
			if !so.Until.IsZero() {
				then, err := g.restoreTo(h, s.Restores, from)
				if err != nil {
					return err
				}
				ch.Until, ch.Then = so.Until, then
			} else if s.Counted() {
				if err := g.serveIn(h, s, so, from, ch); err != nil {
					return err
				}
			}
			g.d.Effects = append(g.d.Effects, MemberEffect{From: from, Status: ch, CreditFrom: credit, Sanction: i + 1})
		case len(s.Rights) > 0:
			g.d.Effects = append(g.d.Effects, MemberEffect{From: from, Restrict: &rulebook.RightsRestricted{Rights: s.Rights, Until: so.Until, Decision: d}, Sanction: i + 1})
		}
	}
	// A sanction that leaves the member's status alone ends an administrative
	// suspension in the case: the member returns to the status held before it.
	if !hasStatus && active && first >= c.Suspension.From {
		if err := g.restore(h, x.Suspension.Restores, first, dec()); err != nil {
			return err
		}
	}
	withdrawScheduled(first)
	return nil
}

// waive records a waiver of a qualifying condition for the respondent.
func (g *guard) waive(dec func() rulebook.Decision) error {
	w := g.cmd.Waive
	if w == nil || w.Action == "" || w.Clause == "" {
		return rulebook.FieldError("waive", "name the action and the clause of the condition waived")
	}
	v, err := g.env.Rules.VersionAt(g.cmd.Date)
	if err != nil {
		return err
	}
	a := v.Action(w.Action)
	if a == nil {
		return rulebook.FieldError("waive.action", "unknown action %q in rule book %s", w.Action, v.ID)
	}
	var cond *rules.Condition
	for i := range a.Conditions {
		if a.Conditions[i].Clause == w.Clause {
			cond = &a.Conditions[i]
		}
	}
	if cond == nil {
		return rulebook.FieldError("waive.condition_clause", "%s has no condition under clause %q in rule book %s", a.Name, w.Clause, v.ID)
	}
	if !has(cond.WaivableBy, g.cmd.Body) {
		if len(cond.WaivableBy) == 0 {
			return notPermitted("the condition of %s under %s cannot be waived", a.Name, cite(v, w.Clause))
		}
		return notPermitted("%s may not waive the condition of %s under %s: only %s may", g.cmd.Body, a.Name, cite(v, w.Clause), strings.Join(cond.WaivableBy, " or "))
	}
	if g.d.Step.Rationale == "" {
		return rulebook.FieldError("rationale", "a waiver needs written reasons")
	}
	if !w.Until.IsZero() && w.Until <= g.cmd.Date {
		return rulebook.FieldError("waive.until", "%s is not after the decision (%s)", w.Until, g.cmd.Date)
	}
	d := dec()
	d.Clause = w.Clause
	wc := *w
	g.d.Step.Waive = &wc
	g.d.Effects = append(g.d.Effects, MemberEffect{From: g.cmd.Date, Waiver: &rulebook.Waiver{Action: w.Action, Clause: w.Clause, Until: w.Until, Decision: d}})
	return nil
}

// unpaid returns the index in the case's sanctions of the fine a payment or a
// non-payment step concerns: the one numbered (from 1), or the first unpaid.
func (g *guard) unpaid() (int, *rules.Sanction, error) {
	c := g.c
	for i, so := range c.Sanctions {
		if g.cmd.Paid != 0 && i != g.cmd.Paid-1 {
			continue
		}
		s := g.vc.Sanctions[so.Sanction]
		if s != nil && s.Fine != nil && so.InForce() && so.Paid.IsZero() {
			return i, s, nil
		}
	}
	if g.cmd.Paid != 0 {
		return 0, nil, rulebook.FieldError("paid", "sanction %d of the case is not an unpaid fine in force", g.cmd.Paid)
	}
	return 0, nil, notPermitted("there is no unpaid fine in force in this case")
}

func (g *guard) nonPayment(h *rulebook.History, dec func() rulebook.Decision) error {
	i, s, err := g.unpaid()
	if err != nil {
		return err
	}
	so := g.c.Sanctions[i]
	if g.cmd.Date <= so.PayBy {
		return notPermitted("%s of %s is not due until %s", s.Name, so.Amount, so.PayBy)
	}
	np := s.Fine.NonPayment
	if np == nil {
		return notPermitted("the rule book says nothing follows non-payment of %s", s.Name)
	}
	if !has(np.By, g.cmd.Body) {
		return notPermitted("%s may not act on non-payment of %s: under %s only %s may", g.cmd.Body, s.Name, cite(g.vc, np.Clause), strings.Join(np.By, " or "))
	}
	if g.c.NonPayment != "" {
		return notPermitted("non-payment has already been recorded in this case")
	}
	d := dec()
	d.Clause = np.Clause
	g.d.Effects = append(g.d.Effects, MemberEffect{From: g.cmd.Date, Status: &rulebook.StatusChange{Status: np.Status, Decision: d}})
	return nil
}

func (g *guard) payment(h *rulebook.History, dec func() rulebook.Decision) error {
	i, _, err := g.unpaid()
	if err != nil {
		return err
	}
	g.d.Step.Paid = &i
	if g.c.NonPayment == "" {
		return nil
	}
	to, err := g.restoreTo(h, "", g.cmd.Date)
	if err != nil {
		return err
	}
	g.d.Effects = append(g.d.Effects, MemberEffect{From: g.cmd.Date, Status: &rulebook.StatusChange{Status: to, Ends: []string{g.c.NonPayment}, Decision: dec()}})
	return nil
}
