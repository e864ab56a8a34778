package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rulebook/rulebook"
	"gopkg.in/yaml.v3"
)

// Discipline is the disciplinary procedure a rule book version declares: a state
// machine of case states and the transitions between them, each with the bodies that
// may make it, the guards it must pass, the effects it has on the member, the notice
// it sends and the clause that makes it — in the spirit of Request Tracker lifecycles,
// with CiviCase-style time limits relative to earlier steps.
type Discipline struct {
	Calendar    Calendar               `json:"calendar"`
	Criteria    map[string]*Criterion  `json:"criteria"`
	Factors     map[string]*Factor     `json:"factors"`
	States      map[string]*CaseState  `json:"states"`
	StateOrder  []string               `json:"state_order"`
	Transitions map[string]*Transition `json:"transitions"`
	TransOrder  []string               `json:"transition_order"`
	Panels      map[string]*PanelRule  `json:"panels"`
	Suspension  SuspensionRule         `json:"suspension"`
	Conflicts   []string               `json:"conflicts"`
	Subject     SubjectAccess          `json:"subject_access"`
	Initial     map[string]string      `json:"initial"` // case kind → first state
	// Statuses names the member statuses the procedure's effects use.
	Statuses StatusMap `json:"statuses"`
	// HandledBy is the body (a staff unit) that handles a case unless it is opened
	// for another; roles whose case scope is "unit" see the cases of their unit.
	HandledBy string `json:"handled_by,omitempty"`
	// Terms are the organisation's own words for the procedure's steps, used in
	// letters (see notices.DefaultTerms for the keys).
	Terms map[string]string `json:"terms,omitempty"`
	// ComplainantUpdates is how often the complainants of an open case are told
	// how it stands: each update due that long after the last (or the opening).
	ComplainantUpdates Duration `json:"complainant_updates"`
	// Guidance is the sanctions guidance: for a clause and a seriousness, the range
	// of the menu (in its order, least to most severe) a sanction should fall in.
	Guidance []*Guidance `json:"guidance,omitempty"`
}

// Guidance is one row of the sanctions guidance: a breach of Clause at a level of
// Seriousness normally draws a sanction from From to To on the menu (the menu's
// order is its order of severity). Aggravating factors may justify the upper end
// and mitigating the lower; a sanction outside the range needs reasons.
type Guidance struct {
	path        string
	Clause      string `yaml:"clause" json:"clause"`
	Seriousness string `yaml:"seriousness" json:"seriousness"`
	From        string `yaml:"from" json:"from"`
	To          string `yaml:"to" json:"to"`
	// Source cites where the guidance is published (a clause of the rule book).
	Source string `yaml:"source" json:"source,omitempty"`
}

// GuidanceFor returns the guidance rows for clause.
func (x *Discipline) GuidanceFor(clause string) []*Guidance {
	var out []*Guidance
	for _, g := range x.Guidance {
		if g.Clause == clause {
			out = append(out, g)
		}
	}
	return out
}

// StatusMap names the member statuses that disciplinary effects move a member to.
// When a suspension or a sanction ends the member returns to the status they held
// before it began, unless the measure says otherwise (SuspensionRule.Restores,
// Sanction.Restores): a fellow suspended comes back a fellow.
type StatusMap struct {
	Suspended string `yaml:"suspended" json:"suspended"` // administrative (interim) suspension
	Resigned  string `yaml:"resigned" json:"resigned"`
}

// Calendar says which days count as working days.
type Calendar struct {
	Weekend  []string        `yaml:"weekend" json:"weekend"`
	Holidays []rulebook.Date `yaml:"holidays" json:"holidays"`
	weekend  [7]bool
	holidays map[rulebook.Date]bool
}

// Criterion is a published criterion a decision must cite (free text alone is refused).
type Criterion struct {
	path string
	ID   string `yaml:"id" json:"id"`
	Text string `yaml:"text" json:"text"`
}

// Factor is an aggravating or mitigating factor recorded with a sanction, so that
// panels can compare like with like.
type Factor struct {
	path string
	ID   string `yaml:"id" json:"id"`
	Kind string `yaml:"kind" json:"kind"` // "aggravating" or "mitigating"
	Text string `yaml:"text" json:"text"`
}

// CaseState is a state a case can be in.
type CaseState struct {
	path string
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Closed marks final states.
	Closed bool `yaml:"closed" json:"closed,omitempty"`
	// Deadline is how long a case may stay in this state before it is overdue.
	Deadline Duration `yaml:"deadline" json:"deadline"`
	Clause   string   `yaml:"clause" json:"clause,omitempty"`
}

// Transition is a step a body may take on a case.
type Transition struct {
	path string
	ID   string   `yaml:"id" json:"id"`
	Name string   `yaml:"name" json:"name"`
	From []string `yaml:"from" json:"from"` // "*open" means any open state
	// To is the state after; empty means the case stays where it is (an action
	// such as reviewing a suspension).
	To string   `yaml:"to" json:"to,omitempty"`
	By []string `yaml:"by" json:"by"`
	// Requires lists guards from a fixed vocabulary (see Guards).
	Requires []string `yaml:"requires" json:"requires,omitempty"`
	// Criteria lists the criterion codes this decision may cite.
	Criteria []string `yaml:"criteria" json:"criteria,omitempty"`
	// Effects lists what the step does to the member (see Effects).
	Effects []string `yaml:"effects" json:"effects,omitempty"`
	// Sanction names the sanction a step such as a formal warning applies.
	Sanction string `yaml:"sanction" json:"sanction,omitempty"`
	// Outcome labels a closing step for statistics and letters; it is a label only: what a step does is declared by its effects and Vote.
	Outcome string `yaml:"outcome" json:"outcome,omitempty"`
	// Vote, with the vote guard, says what the vote must have done for this step
	// to be recorded: "carried" (more for than against) or "lost".
	Vote string `yaml:"vote" json:"vote,omitempty"`
	// Notice names the letter template sent to the respondent (and complainants
	// where the template is for them).
	Notice string `yaml:"notice" json:"notice,omitempty"`
	// NoticePeriod is the least time between the notice and a hearing.
	NoticePeriod Duration `yaml:"notice_period" json:"notice_period"`
	// EvidenceBefore is how long before a hearing the parties' evidence is due.
	EvidenceBefore Duration `yaml:"evidence_before" json:"evidence_before"`
	// Within is a time limit on taking this step, counted from the case entering
	// the From state (e.g. an appeal within 14 days of the decision).
	Within Duration `yaml:"within" json:"within"`
	// Permitted false declares a step the rule book does not allow (e.g. a review of
	// a final decision): a demand for it is recorded and answered as refused,
	// citing Clause.
	Permitted *bool  `yaml:"permitted" json:"permitted,omitempty"`
	Clause    string `yaml:"clause" json:"clause"`
	// Kind, for a transition that opens a case, names the kind of case it opens.
	Kind string `yaml:"opens" json:"opens,omitempty"`
}

// IsPermitted reports whether the rule book allows the step at all.
func (t *Transition) IsPermitted() bool { return t.Permitted == nil || *t.Permitted }

// PanelRule is the composition rule for a hearing body's panels.
type PanelRule struct {
	path string
	Body string `yaml:"body" json:"body"`
	Size int    `yaml:"size" json:"size"`
	// Sections lists the sections at least one panel member must come from each of.
	Sections []PanelSection `yaml:"sections" json:"sections"`
	// Roster names the dated list of the body's panel members (each entry a member
	// and the section they sit for): only those on it on the day may be empanelled.
	Roster string `yaml:"roster" json:"roster,omitempty"`
	// Training names the dated list of training completed (each entry a member, the
	// day completed and the day it expires): a panel member's must be current.
	Training string `yaml:"training" json:"training,omitempty"`
	Clause   string `yaml:"clause" json:"clause"`
}

// PanelSection is a section of a hearing body a panel member sits for (the
// roster's or the account's section), written as its id alone or as {id, name}.
type PanelSection struct {
	ID string `yaml:"id" json:"id"`
	// Name is what the organisation calls it ("Trade union section"); without
	// one the id is shown, its underscores as spaces, followed by "section".
	Name string `yaml:"name" json:"name,omitempty"`
}

// UnmarshalYAML accepts a section as its id alone or as a mapping {id, name}.
func (s *PanelSection) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = PanelSection{ID: n.Value}
		return nil
	}
	type plain PanelSection
	return n.Decode((*plain)(s))
}

// Title is the section's name, or else its id in words followed by "section".
func (s PanelSection) Title() string {
	if s.Name != "" {
		return s.Name
	}
	return strings.ReplaceAll(s.ID, "_", " ") + " section"
}

// SectionTitles are the titles of the panel's sections, in order.
func (pr *PanelRule) SectionTitles() []string {
	out := make([]string, len(pr.Sections))
	for i, s := range pr.Sections {
		out[i] = s.Title()
	}
	return out
}

// Section returns the section id declared for the panel, or nil.
func (pr *PanelRule) Section(id string) *PanelSection {
	for i := range pr.Sections {
		if pr.Sections[i].ID == id {
			return &pr.Sections[i]
		}
	}
	return nil
}

// Section returns section id as a panel of these rules declares it, or nil.
func (x *Discipline) Section(id string) *PanelSection {
	if x == nil {
		return nil
	}
	for _, b := range sortedKeys(x.Panels) {
		if s := x.Panels[b].Section(id); s != nil {
			return s
		}
	}
	return nil
}

// SectionTitle is what these rules call section id: the name a panel declares
// for it, else the id in words followed by "section" (a section no panel
// declares, as an older account or roster entry may hold).
func (x *Discipline) SectionTitle(id string) string {
	if s := x.Section(id); s != nil {
		return s.Title()
	}
	return PanelSection{ID: id}.Title()
}

// SuspensionRule governs administrative suspensions.
type SuspensionRule struct {
	// ReviewWithin is the longest a suspension may go without a review.
	ReviewWithin Duration `yaml:"review_within" json:"review_within"`
	// Alerts are the ages at which an open suspension is flagged.
	Alerts []Duration `yaml:"alerts" json:"alerts"`
	// Restores is the status a member returns to when the suspension is lifted;
	// empty means the status they held before it began.
	Restores string `yaml:"restores" json:"restores,omitempty"`
	Clause   string `yaml:"clause" json:"clause"`
}

// SubjectAccess says how subject access requests are answered.
type SubjectAccess struct {
	// Within is the statutory time limit (UK GDPR: one month), rolled to a working day.
	Within Duration `yaml:"within" json:"within"`
	// Redact lists the parties whose identities are withheld from a respondent:
	// "complainants", "witnesses".
	Redact []string `yaml:"redact" json:"redact"`
}

// TermKeys are the words of the procedure a rule book may name in its own terms,
// for letters.
var TermKeys = []string{"charge", "charges", "membership", "readmission", "sanction", "suspended", "suspension", "suspension_short"}

// Guards is the vocabulary of requirements a transition may list.
var Guards = map[string]string{
	"criteria":         "the decision cites at least one of the transition's criteria codes, with a rationale",
	"reasons":          "the decision gives written reasons",
	"charges":          "at least one charge, one per count, each citing a clause in force when the conduct happened",
	"panel":            "a panel of the hearing body is empanelled, meeting the composition rule, with no member in conflict",
	"hearing":          "a hearing date, at least the notice period after the notice",
	"findings":         "a finding (proved or not proved) on every count",
	"charge_proved":    "at least one count found proved",
	"no_charge_proved": "no count found proved",
	"mitigation":       "the respondent's mitigation has been heard",
	"sanction":         "a sanction from the menu, within its limits, imposed by a body that may impose it",
	"trigger":          "an automatic-exclusion trigger, the conduct date and the evidence relied on",
	"vote":             "the vote of the deciding body (for and against)",
	"waiting_period":   "the readmission waiting period has passed, or the deciding body shortens it with reasons",
	"evidence":         "the evidence relied on is recorded",
	"interim_decided":  "an interim-action decision is recorded in the case (a step with the interim_assessment effect, or an administrative suspension)",
}

// Effects is the vocabulary of what a transition may do to the member.
var Effects = map[string]string{
	"admin_suspension":   "administratively suspend the member (possibly from a later date), with a review date",
	"review_suspension":  "record a review of the administrative suspension and set the next review date",
	"lift_suspension":    "end the administrative suspension",
	"sanction":           "apply the sanction decided",
	"exclusion":          "exclude the member under the trigger",
	"readmission":        "readmit the person",
	"resignation":        "record the member's resignation",
	"quash_sanction":     "quash the sanctions in force in the case (an appeal or review allowed): the register is corrected from this decision's date, the original decision stays in the record",
	"vary_sanction":      "replace the sanctions in force in the case by those decided now (substituted or reduced on appeal or review), from this decision's date",
	"waive_condition":    "waive a qualifying condition of an action for the member, with reasons (a body the condition names as able to waive it)",
	"non_payment":        "record that a fine was not paid by its due date: the member is placed in the status the sanction names until it is paid",
	"payment":            "record payment of a fine; a member placed in a status for non-payment returns to the status they held before",
	"interim_assessment": "record the decision on interim action at intake (whether to suspend pending the case), citing criteria",
}

type disciplineSpec struct {
	Calendar      *Calendar         `yaml:"calendar"`
	Criteria      []Criterion       `yaml:"criteria"`
	Factors       []Factor          `yaml:"factors"`
	States        []CaseState       `yaml:"states"`
	Transitions   []Transition      `yaml:"transitions"`
	Panels        []PanelRule       `yaml:"panels"`
	Suspension    *SuspensionRule   `yaml:"suspension"`
	Conflicts     []string          `yaml:"conflicts"`
	SubjectAccess *SubjectAccess    `yaml:"subject_access"`
	Initial       map[string]string `yaml:"initial"`
	Statuses      *StatusMap        `yaml:"statuses"`
	HandledBy     string            `yaml:"handled_by"`
	Terms         map[string]string `yaml:"terms"`
	Updates       *Duration         `yaml:"complainant_updates"`
	Guidance      []Guidance        `yaml:"guidance"`
	Repeal        struct {
		States      []string `yaml:"states"`
		Transitions []string `yaml:"transitions"`
		Criteria    []string `yaml:"criteria"`
	} `yaml:"repeal"`
}

// amendDiscipline merges a version's discipline section into the draft's.
func (d *draft) amendDiscipline(c *checker, s *disciplineSpec, vp string) {
	if s == nil {
		return
	}
	p := vp + ".discipline"
	if d.disc == nil {
		d.disc = &Discipline{Criteria: map[string]*Criterion{}, Factors: map[string]*Factor{}, States: map[string]*CaseState{},
			Transitions: map[string]*Transition{}, Panels: map[string]*PanelRule{}, Initial: map[string]string{}}
	} else {
		d.disc = d.disc.clone()
	}
	x := d.disc
	if s.Calendar != nil {
		x.Calendar = *s.Calendar
	}
	if s.Suspension != nil {
		x.Suspension = *s.Suspension
	}
	if s.SubjectAccess != nil {
		x.Subject = *s.SubjectAccess
	}
	if s.Conflicts != nil {
		x.Conflicts = s.Conflicts
	}
	for k, v := range s.Initial {
		x.Initial[k] = v
	}
	if s.Statuses != nil {
		x.Statuses = *s.Statuses
	}
	if s.HandledBy != "" {
		x.HandledBy = s.HandledBy
	}
	if s.Updates != nil {
		x.ComplainantUpdates = *s.Updates
	}
	if s.Guidance != nil {
		// A version's guidance replaces the earlier one as a whole: it is
		// published, and revised, as one document.
		x.Guidance = nil
		for i := range s.Guidance {
			gd := s.Guidance[i]
			gd.path = fmt.Sprintf("%s.guidance[%d]", p, i)
			x.Guidance = append(x.Guidance, &gd)
		}
	}
	for k, v := range s.Terms {
		if x.Terms == nil {
			x.Terms = map[string]string{}
		}
		x.Terms[k] = v
	}
	for i := range s.Criteria {
		cr := s.Criteria[i]
		cr.path = fmt.Sprintf("%s.criteria[%d]", p, i)
		x.Criteria[cr.ID] = &cr
	}
	for i := range s.Factors {
		f := s.Factors[i]
		f.path = fmt.Sprintf("%s.factors[%d]", p, i)
		x.Factors[f.ID] = &f
	}
	for i := range s.States {
		st := s.States[i]
		st.path = fmt.Sprintf("%s.states[%d]", p, i)
		if _, ok := x.States[st.ID]; !ok {
			x.StateOrder = append(x.StateOrder, st.ID)
		}
		x.States[st.ID] = &st
	}
	for i := range s.Transitions {
		t := s.Transitions[i]
		t.path = fmt.Sprintf("%s.transitions[%d]", p, i)
		if _, ok := x.Transitions[t.ID]; !ok {
			x.TransOrder = append(x.TransOrder, t.ID)
		}
		x.Transitions[t.ID] = &t
	}
	for i := range s.Panels {
		pr := s.Panels[i]
		pr.path = fmt.Sprintf("%s.panels[%d]", p, i)
		x.Panels[pr.Body] = &pr
	}
	for _, id := range s.Repeal.States {
		delete(x.States, id)
	}
	for _, id := range s.Repeal.Transitions {
		delete(x.Transitions, id)
	}
	for _, id := range s.Repeal.Criteria {
		delete(x.Criteria, id)
	}
}

func (x *Discipline) clone() *Discipline {
	c := *x
	c.Criteria = cloneMap(x.Criteria)
	c.Factors = cloneMap(x.Factors)
	c.States = cloneMap(x.States)
	c.Transitions = cloneMap(x.Transitions)
	c.Panels = cloneMap(x.Panels)
	c.Initial = cloneMap(x.Initial)
	c.Terms = cloneMap(x.Terms)
	c.Guidance = append([]*Guidance(nil), x.Guidance...)
	c.StateOrder = append([]string(nil), x.StateOrder...)
	c.TransOrder = append([]string(nil), x.TransOrder...)
	return &c
}

func cloneMap[V any](m map[string]V) map[string]V {
	c := make(map[string]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

var weekdays = map[string]int{"sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6}

// buildDiscipline checks the resolved discipline section against the version.
func (d *draft) buildDiscipline(c *checker, v *Version, vp string, clause func(path, id string, required bool)) {
	if d.disc == nil {
		return
	}
	x := d.disc.clone()
	v.Discipline = x
	// Keep only entries still present, in declaration order.
	var so, to []string
	for _, id := range x.StateOrder {
		if x.States[id] != nil {
			so = append(so, id)
		}
	}
	for _, id := range x.TransOrder {
		if x.Transitions[id] != nil {
			to = append(to, id)
		}
	}
	x.StateOrder, x.TransOrder = so, to
	cal := &x.Calendar
	cal.holidays = map[rulebook.Date]bool{}
	if len(cal.Weekend) == 0 {
		cal.Weekend = []string{"saturday", "sunday"}
	}
	cal.weekend = [7]bool{}
	for _, w := range cal.Weekend {
		i, ok := weekdays[strings.ToLower(w)]
		if !ok {
			c.addf(vp+".discipline.calendar.weekend", "%q is not a day of the week", w)
			continue
		}
		cal.weekend[i] = true
	}
	for _, h := range cal.Holidays {
		cal.holidays[h] = true
	}
	for _, id := range sortedKeys(x.Criteria) {
		cr := x.Criteria[id]
		if cr.ID == "" || cr.Text == "" {
			c.addf(cr.path, "a criterion needs an id and its published text")
		}
	}
	for _, id := range sortedKeys(x.Factors) {
		f := x.Factors[id]
		if f.Kind != "aggravating" && f.Kind != "mitigating" {
			c.addf(f.path+".kind", "must be aggravating or mitigating, not %q", f.Kind)
		}
	}
	if len(x.States) == 0 {
		c.addf(vp+".discipline.states", "no case states are defined")
	}
	for _, id := range x.StateOrder {
		st := x.States[id]
		if !rulebook.ValidID(st.ID) {
			c.addf(st.path+".id", "%q is not a valid id", st.ID)
		}
		if st.Name == "" {
			c.addf(st.path+".name", "is required")
		}
		clause(st.path+".clause", st.Clause, false)
	}
	for kind, st := range x.Initial {
		if x.States[st] == nil {
			c.addf(vp+".discipline.initial."+kind, "unknown case state %q", st)
		}
	}
	if x.Initial["complaint"] == "" {
		c.addf(vp+".discipline.initial", "the first state of a complaint case (initial: {complaint: STATE}) is required")
	}
	for _, id := range x.TransOrder {
		t := x.Transitions[id]
		if t.Name == "" {
			c.addf(t.path+".name", "is required")
		}
		if len(t.From) == 0 {
			c.addf(t.path+".from", "list the states this step may be taken from (\"*open\" for any open state)")
		}
		for _, f := range t.From {
			if f != "*open" && f != "*closed" && x.States[f] == nil {
				c.addf(t.path+".from", "unknown case state %q", f)
			}
		}
		if t.To != "" && x.States[t.To] == nil {
			c.addf(t.path+".to", "unknown case state %q", t.To)
		}
		if len(t.By) == 0 {
			c.addf(t.path+".by", "at least one body is required")
		}
		for _, b := range t.By {
			if v.Bodies[b] == nil {
				c.addf(t.path+".by", "unknown body %q", b)
			}
		}
		for _, g := range t.Requires {
			if _, ok := Guards[g]; !ok {
				c.addf(t.path+".requires", "unknown guard %q (known: %s)", g, strings.Join(sortedKeys(Guards), ", "))
			}
		}
		for _, e := range t.Effects {
			if _, ok := Effects[e]; !ok {
				c.addf(t.path+".effects", "unknown effect %q (known: %s)", e, strings.Join(sortedKeys(Effects), ", "))
			}
		}
		for _, cr := range t.Criteria {
			if x.Criteria[cr] == nil {
				c.addf(t.path+".criteria", "unknown criterion %q", cr)
			}
		}
		switch t.Vote {
		case "":
		case "carried", "lost":
			if !contains(t.Requires, "vote") {
				c.addf(t.path+".vote", "a step that depends on the vote needs the vote guard (requires: [vote])")
			}
		default:
			c.addf(t.path+".vote", "must be carried or lost, not %q", t.Vote)
		}
		if contains(t.Effects, "vary_sanction") && !contains(t.Requires, "sanction") {
			c.addf(t.path+".effects", "vary_sanction needs the sanction guard: the step decides the sanctions that replace those in force")
		}
		if contains(t.Requires, "criteria") && len(t.Criteria) == 0 {
			c.addf(t.path+".criteria", "the step requires criteria but lists none it may cite")
		}
		if t.Sanction != "" && v.Sanctions[t.Sanction] == nil {
			c.addf(t.path+".sanction", "unknown sanction %q", t.Sanction)
		}
		if !t.EvidenceBefore.IsZero() && (!contains(t.Requires, "hearing") || (t.EvidenceBefore.Unit != "days" && t.EvidenceBefore.Unit != "weeks")) {
			c.addf(t.path+".evidence_before", "an evidence deadline needs the hearing guard and is counted in days or weeks before it")
		}
		if !t.NoticePeriod.IsZero() && !contains(t.Requires, "hearing") {
			c.addf(t.path+".notice_period", "a notice period needs the hearing guard")
		}
		clause(t.path+".clause", t.Clause, true)
	}
	for _, b := range sortedKeys(x.Panels) {
		pr := x.Panels[b]
		if v.Bodies[b] == nil {
			c.addf(pr.path+".body", "unknown body %q", b)
		}
		if pr.Size < 1 {
			c.addf(pr.path+".size", "a panel needs at least one member")
		}
		for _, l := range []struct{ key, id string }{{"roster", pr.Roster}, {"training", pr.Training}} {
			if l.id != "" && v.Lists[l.id] == nil {
				c.addf(pr.path+"."+l.key, "unknown list %q: declare it under lists", l.id)
			}
		}
		if len(pr.Sections) > pr.Size {
			c.addf(pr.path+".sections", "%d sections cannot each be represented on a panel of %d", len(pr.Sections), pr.Size)
		}
		for i, s := range pr.Sections {
			sp := fmt.Sprintf("%s.sections[%d]", pr.path, i)
			switch {
			case s.ID == "":
				c.addf(sp+".id", "a section needs an id")
			case pr.Section(s.ID) != &pr.Sections[i]:
				c.addf(sp+".id", "section %q is listed twice", s.ID)
			}
		}
		clause(pr.path+".clause", pr.Clause, true)
	}
	for i, cf := range x.Conflicts {
		// Inherited rules have no line here; the nearest recorded one is used.
		cp := fmt.Sprintf("%s.discipline.conflicts[%d]", vp, i)
		if kind, ok := strings.CutPrefix(cf, SameUnitRule); ok {
			if v.UnitKinds[kind] == nil {
				c.addf(cp, "conflict rule %q names unit kind %q, which this version does not declare (unit_kinds: %s)", cf, kind, strings.Join(v.UnitKindOrder, ", "))
			}
			continue
		}
		switch cf {
		case "complainant", "respondent", "declared":
		default:
			c.addf(cp, "unknown conflict rule %q (complainant, respondent, declared, or %sKIND for a declared unit kind)", cf, SameUnitRule)
		}
	}
	seenGuidance := map[[2]string]bool{}
	for _, gd := range x.Guidance {
		if v.Clauses[gd.Clause] == nil {
			c.addf(gd.path+".clause", "unknown clause %q", gd.Clause)
		}
		if gd.Seriousness == "" {
			c.addf(gd.path+".seriousness", "is required (e.g. lower, medium, high)")
		}
		k := [2]string{gd.Clause, gd.Seriousness}
		if seenGuidance[k] {
			c.addf(gd.path, "clause %s at %s seriousness has two ranges", gd.Clause, gd.Seriousness)
		}
		seenGuidance[k] = true
		from, to := indexOf(v.SanctionOrder, gd.From), indexOf(v.SanctionOrder, gd.To)
		if from < 0 {
			c.addf(gd.path+".from", "unknown sanction %q", gd.From)
		}
		if to < 0 {
			c.addf(gd.path+".to", "unknown sanction %q", gd.To)
		}
		if from >= 0 && to >= 0 && from > to {
			c.addf(gd.path, "%s comes after %s on the menu, which lists sanctions from least to most severe", gd.From, gd.To)
		}
		clause(gd.path+".source", gd.Source, false)
	}
	for _, k := range sortedKeys(x.Terms) {
		if !contains(TermKeys, k) {
			c.addf(vp+".discipline.terms."+k, "unknown term %q (known: %s)", k, strings.Join(TermKeys, ", "))
		} else if strings.TrimSpace(x.Terms[k]) == "" {
			c.addf(vp+".discipline.terms."+k, "is empty")
		}
	}
	if x.HandledBy != "" && v.Bodies[x.HandledBy] == nil {
		c.addf(vp+".discipline.handled_by", "unknown body %q", x.HandledBy)
	}
	clause(vp+".discipline.suspension.clause", x.Suspension.Clause, false)
	if r := x.Suspension.Restores; r != "" && v.Status(r) == nil {
		c.addf(vp+".discipline.suspension.restores", "unknown status %q", r)
	}
	for name, id := range map[string]string{"suspended": x.Statuses.Suspended, "resigned": x.Statuses.Resigned} {
		if id == "" {
			c.addf(vp+".discipline.statuses."+name, "is required: the member status the procedure uses for %s", name)
		} else if v.Status(id) == nil {
			c.addf(vp+".discipline.statuses."+name, "unknown status %q", id)
		}
	}
}

// IsWorkingDay reports whether d is a working day under the calendar.
func (c *Calendar) IsWorkingDay(d rulebook.Date) bool {
	if c.holidays == nil && len(c.Holidays) > 0 {
		c.holidays = map[rulebook.Date]bool{}
		for _, h := range c.Holidays {
			c.holidays[h] = true
		}
	}
	wk := c.weekend
	if len(c.Weekend) == 0 {
		wk[0], wk[6] = true, true
	}
	return !wk[d.Time().Weekday()] && !c.holidays[d]
}

// Due returns the date a period runs out, counted from start: working days skip
// weekends and holidays; a period in calendar units that ends on a non-working day
// runs to the next working day, as statutory periods do.
func (c *Calendar) Due(start rulebook.Date, p Duration) rulebook.Date {
	if p.Unit == "working days" {
		d := start
		for n := p.N; n > 0; {
			d = d.AddDays(1)
			if c.IsWorkingDay(d) {
				n--
			}
		}
		return d
	}
	d := p.AddTo(start)
	for !c.IsWorkingDay(d) {
		d = d.AddDays(1)
	}
	return d
}

// OpenStates lists the states that are not closed, in declaration order.
func (x *Discipline) OpenStates() []string {
	var out []string
	for _, id := range x.StateOrder {
		if !x.States[id].Closed {
			out = append(out, id)
		}
	}
	return out
}

// From reports whether t may be taken from state s.
func (x *Discipline) From(t *Transition, s string) bool {
	st := x.States[s]
	for _, f := range t.From {
		if f == s || (f == "*open" && st != nil && !st.Closed) || (f == "*closed" && st != nil && st.Closed) {
			return true
		}
	}
	return false
}

// TransitionsFrom lists the steps that may be taken from state s, sorted by id.
func (x *Discipline) TransitionsFrom(s string) []*Transition {
	var out []*Transition
	for _, id := range x.TransOrder {
		if t := x.Transitions[id]; x.From(t, s) {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Varies reports whether body may vary sanctions under v (some step with the
// vary_sanction effect is taken by it): on appeal it may substitute any sanction on
// the menu, whoever imposes it at first instance.
func (v *Version) Varies(body string) bool {
	if v.Discipline == nil {
		return false
	}
	for _, t := range v.Discipline.Transitions {
		if contains(t.Effects, "vary_sanction") && contains(t.By, body) {
			return true
		}
	}
	return false
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
