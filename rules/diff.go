package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Change is one difference between two versions of a rule book.
type Change struct {
	// Kind is what changed: "clause", "status", "action", "right", "body",
	// "status_change", "sanction", "trigger", "readmission", "state", "transition",
	// "role" or "unit_kind".
	Kind string `json:"kind"`
	// ID names the thing: the clause, status, action, body, sanction, trigger, state,
	// transition or role id, or the unit kind; "status/action" for a right; "from,from→to" for a
	// status change ("any→to" when the rule names no from statuses); "readmission"
	// for the readmission rule.
	ID string `json:"id"`
	// What is "added", "removed" or "changed".
	What string `json:"what"`
	// Before and After are short human-readable descriptions of the thing in each
	// version; Before is empty when it was added, After when it was removed.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// Diff lists what changed from version a to version b (any two versions, in either
// order), sorted by Kind then ID. Diff(a, a) is empty, and Diff(b, a) reports the
// same things with added and removed (and Before and After) exchanged. A nil version
// counts as an empty one.
//
// Rights are compared cell by cell on their effect (allowed, clause and note): a
// cell a later version states explicitly that says what the status's default already
// said is not a change. Status changes have no id in the rule book: the rules moving
// members from the same statuses to the same status are compared together.
func Diff(a, b *Version) []Change {
	var out []Change
	for _, k := range diffKinds {
		out = append(out, diffDescs(k.kind, k.describe(a), k.describe(b))...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].ID < out[j].ID
	})
	return out
}

var diffKinds = []struct {
	kind     string
	describe func(*Version) map[string]string
}{
	{"clause", describeClauses},
	{"status", describeStatuses},
	{"action", describeActions},
	{"right", describeRights},
	{"body", describeBodies},
	{"status_change", describeStatusChanges},
	{"sanction", describeSanctions},
	{"trigger", describeTriggers},
	{"list", describeLists},
	{"guidance", describeGuidance},
	{"readmission", describeReadmission},
	{"retention", describeRetention},
	{"state", describeStates},
	{"transition", describeTransitions},
	{"role", describeRoles},
	{"unit_kind", describeUnitKinds},
	{"selection", describeSelections},
}

// diffDescs compares two id → description maps.
func diffDescs(kind string, before, after map[string]string) []Change {
	var out []Change
	for _, id := range sortedKeys(before) {
		b := before[id]
		a, ok := after[id]
		switch {
		case !ok:
			out = append(out, Change{Kind: kind, ID: id, What: "removed", Before: b})
		case a != b:
			out = append(out, Change{Kind: kind, ID: id, What: "changed", Before: b, After: a})
		}
	}
	for _, id := range sortedKeys(after) {
		if _, ok := before[id]; !ok {
			out = append(out, Change{Kind: kind, ID: id, What: "added", After: after[id]})
		}
	}
	return out
}

// parts joins the non-empty parts of a description.
func parts(ps ...string) string {
	var keep []string
	for _, p := range ps {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "; ")
}

// labelled returns "label a, b" for a non-empty list, "" otherwise.
func labelled(label string, list []string) string {
	if len(list) == 0 {
		return ""
	}
	return label + " " + strings.Join(list, ", ")
}

func labelledDuration(label string, d Duration) string {
	if d.IsZero() {
		return ""
	}
	return label + " " + d.String()
}

func clauseRef(id string) string {
	if id == "" {
		return ""
	}
	return "clause " + id
}

func flag(on bool, s string) string {
	if on {
		return s
	}
	return ""
}

// oneLine collapses the white space of folded YAML text.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func describeClauses(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, id := range v.ClauseOrder {
		c := v.Clauses[id]
		if c == nil {
			continue
		}
		d := oneLine(c.Text)
		if c.Title != "" {
			d = oneLine(c.Title) + ": " + d
		}
		m[id] = d
	}
	return m
}

func describeStatuses(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, s := range v.Statuses {
		member := "not a member"
		if s.Member {
			member = "a member"
		}
		m[s.ID] = parts(s.Name, oneLine(s.Description), member, clauseRef(s.Clause), flag(s.ID == v.DefaultStatus, "new members join with it"))
	}
	return m
}

func describeCondition(c Condition) string {
	at := "the date asked about"
	if c.MeasuredAt == "freeze_date" {
		at = "the freeze date"
	}
	return fmt.Sprintf("%s' continuous membership at %s (clause %s)", c.ContinuousMembership, at, c.Clause)
}

func describeActions(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, a := range v.Actions {
		var conds []string
		for _, c := range a.Conditions {
			conds = append(conds, describeCondition(c))
		}
		m[a.ID] = parts(a.Name, oneLine(a.Description), labelled("needs", conds))
	}
	return m
}

// describeCell is "allow 6.I.1.B" or "deny 2.II.3 — note", as the rule book writes cells.
func describeCell(c Cell) string {
	d := "deny " + c.Clause
	if c.Allowed {
		d = "allow " + c.Clause
	}
	if c.Note != "" {
		d += " — " + oneLine(c.Note)
	}
	return d
}

func describeRights(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil || len(v.rights) != len(v.Statuses) {
		return m
	}
	for si, s := range v.Statuses {
		if len(v.rights[si]) != len(v.Actions) {
			continue
		}
		for ai, a := range v.Actions {
			m[s.ID+"/"+a.ID] = describeCell(v.Cell(si, ai))
		}
	}
	return m
}

func describeBodies(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, id := range v.BodyOrder {
		if b := v.Bodies[id]; b != nil {
			m[id] = parts(b.Name, b.Kind, flag(b.Staff, "staff"), flag(b.Respondent, "the respondent themselves: takes its steps in their own case"), clauseRef(b.Clause))
		}
	}
	return m
}

func describeUnitKinds(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, kind := range v.UnitKindOrder {
		k := v.UnitKinds[kind]
		within := ""
		if k.Within != "" {
			within = "within " + k.Within
		}
		m[kind] = parts(k.Name, within, clauseRef(k.Clause))
	}
	return m
}

// statusChangeKey identifies a status-change rule by the statuses it moves a member
// from (in any order) and to.
func statusChangeKey(r *StatusRule) string {
	from := append([]string(nil), r.From...)
	sort.Strings(from)
	f := strings.Join(from, ",")
	if f == "" {
		f = "any"
	}
	return f + "→" + r.To
}

func describeStatusChanges(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, r := range v.StatusChanges {
		k := statusChangeKey(r)
		d := parts(labelled("by", r.By), clauseRef(r.Clause))
		if prev, ok := m[k]; ok {
			d = prev + " | " + d
		}
		m[k] = d
	}
	return m
}

func describeSanctions(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, id := range v.SanctionOrder {
		s := v.Sanctions[id]
		if s == nil {
			continue
		}
		var rights []string
		for _, a := range sortedKeys(s.Rights) {
			if s.Rights[a] {
				rights = append(rights, "may "+a)
			} else {
				rights = append(rights, "may not "+a)
			}
		}
		status := ""
		if s.Status != "" {
			status = "status " + s.Status
		}
		fine := ""
		if f := s.Fine; f != nil {
			fine = "a sum of up to " + f.MaxAmount.String() + ", to be paid within " + f.PayWithin.String()
			if np := f.NonPayment; np != nil {
				fine += ", unpaid: status " + np.Status
			}
		}
		restores := ""
		if s.Restores != "" {
			restores = "ends in status " + s.Restores
		}
		m[id] = parts(s.Name, status, labelledDuration("up to", s.MaxDuration),
			flag(s.CreditForInterim, "credit for time under administrative suspension"),
			labelledDuration("readmission barred for", s.ReadmissionBar), restores, fine,
			strings.Join(rights, ", "), labelled("by", s.By), clauseRef(s.Clause))
	}
	return m
}

func describeTriggers(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, id := range v.TriggerOrder {
		t := v.Triggers[id]
		if t == nil {
			continue
		}
		checks := ""
		if t.Checks != "" {
			checks = "checked against " + t.Checks
		}
		m[id] = parts(t.Name, oneLine(t.Description), "status "+t.Status, labelled("confirmed by", t.ConfirmBy), checks, flag(t.Catches != "", "catches "+t.Catches), clauseRef(t.Clause))
	}
	return m
}

func describeReadmission(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil || v.Readmission == nil {
		return m
	}
	r := v.Readmission
	m["readmission"] = parts(labelled("from", r.From), labelledDuration("after", r.WaitingPeriod),
		labelled("decided by", r.DecidedBy), flag(r.MayShorten, "the wait may be shortened"),
		"to status "+r.Status, clauseRef(r.Clause))
	return m
}

func describeRetention(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, r := range v.Retention {
		m[r.Records] = parts("kept "+r.Keep.String(), clauseRef(r.Clause))
	}
	return m
}

func describeStates(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil || v.Discipline == nil {
		return m
	}
	x := v.Discipline
	initial := map[string][]string{}
	for _, kind := range sortedKeys(x.Initial) {
		initial[x.Initial[kind]] = append(initial[x.Initial[kind]], kind)
	}
	for _, id := range x.StateOrder {
		st := x.States[id]
		if st == nil {
			continue
		}
		m[id] = parts(st.Name, flag(st.Closed, "closed"), labelledDuration("deadline", st.Deadline),
			labelled("first state of", initial[id]), clauseRef(st.Clause))
	}
	return m
}

func describeTransitions(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil || v.Discipline == nil {
		return m
	}
	x := v.Discipline
	for _, id := range x.TransOrder {
		t := x.Transitions[id]
		if t == nil {
			continue
		}
		to := "staying in its state"
		if t.To != "" {
			to = "to " + t.To
		}
		one := func(label, s string) string {
			if s == "" {
				return ""
			}
			return label + " " + s
		}
		m[id] = parts(t.Name, flag(!t.IsPermitted(), "refused (not permitted)"),
			strings.TrimSpace(labelled("from", t.From)+" "+to), labelled("by", t.By), labelled("requires", t.Requires),
			labelled("criteria", t.Criteria), labelled("effects", t.Effects), one("sanction", t.Sanction),
			one("opens", t.Kind), one("outcome", t.Outcome), one("vote", t.Vote), one("notice", t.Notice),
			labelledDuration("notice period", t.NoticePeriod), labelledDuration("evidence", t.EvidenceBefore),
			labelledDuration("within", t.Within), clauseRef(t.Clause))
	}
	return m
}

func describeRoles(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil || v.Access == nil {
		return m
	}
	a := v.Access
	for _, id := range a.RoleOrder {
		r := a.Roles[id]
		if r == nil {
			continue
		}
		var hidden []string
		for _, f := range sortedKeys(a.Confidential) {
			if !a.ShownTo(f, id) {
				hidden = append(hidden, f)
			}
		}
		m[id] = parts(r.Name, oneLine(r.Description), labelled("acts for", r.ActsFor), "cases: "+r.Cases,
			labelled("may", r.May), labelled("not shown", hidden), flag(!r.NeedsTwoFactor(), "password alone"),
			flag(r.FromBody, "the body's own role"))
	}
	return m
}

func describeLists(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, id := range v.ListOrder {
		l := v.Lists[id]
		m[id] = parts(l.Name, flag(l.Warns, "flags cases and steps about members on it"), clauseRef(l.Clause))
	}
	return m
}

func describeGuidance(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil || v.Discipline == nil {
		return m
	}
	for _, g := range v.Discipline.Guidance {
		m[g.Clause+" "+g.Seriousness] = parts(g.From+" to "+g.To, clauseRef(g.Source))
	}
	return m
}
