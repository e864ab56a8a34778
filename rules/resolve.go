package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rulebook/rulebook"
)

// draft is a version being built from its predecessor and its own amendments.
type draft struct {
	clauses       map[string]*Clause
	clauseOrder   []string
	statuses      []*Status
	actions       []*Action
	rights        map[string]map[string]Cell // status → action (or "default") → cell
	rightsPath    map[string]string          // status → where its row was last amended
	bodies        map[string]*Body
	bodyOrder     []string
	statusChanges []*StatusRule
	sanctions     map[string]*Sanction
	sanctionOrder []string
	triggers      map[string]*Trigger
	triggerOrder  []string
	lists         map[string]*List
	listOrder     []string
	sources       []*ComplaintSource
	readmission   *Readmission
	retention     []*Retention
	procedure     string
	defaultStatus string
	disc          *Discipline
	access        *accessDraft
	counted       countedDraft
	unitKinds     map[string]*UnitKind
	unitKindOrder []string
	selections    selectionDraft
}

type checker struct {
	file  string
	lines lineMap
	probs []Problem
}

func (c *checker) addf(path, format string, args ...any) {
	c.probs = append(c.probs, Problem{File: c.file, Line: c.lines.line(path), Field: path, Msg: fmt.Sprintf(format, args...)})
}

func resolve(file string, spec *fileSpec, lm lineMap) (*RuleBook, []Problem) {
	c := &checker{file: file, lines: lm}
	rb := &RuleBook{Organisation: spec.Organisation, Kind: spec.Kind, Description: spec.Description, Source: file}
	if spec.Organisation == "" {
		c.addf("organisation", "is required")
	}
	if len(spec.Versions) == 0 {
		c.addf("versions", "at least one version is required")
		return nil, c.probs
	}
	d := &draft{clauses: map[string]*Clause{}, rights: map[string]map[string]Cell{}, rightsPath: map[string]string{},
		bodies: map[string]*Body{}, sanctions: map[string]*Sanction{}, triggers: map[string]*Trigger{}, lists: map[string]*List{}, procedure: "conduct"}
	ids := map[string]bool{}
	for i := range spec.Versions {
		vs := &spec.Versions[i]
		vp := fmt.Sprintf("versions[%d]", i)
		if vs.ID == "" {
			c.addf(vp+".id", "is required")
		} else if ids[vs.ID] {
			c.addf(vp+".id", "version %q appears twice", vs.ID)
		}
		ids[vs.ID] = true
		if vs.InForceFrom.IsZero() {
			c.addf(vp+".in_force_from", "is required (YYYY-MM-DD)")
		} else if i > 0 && vs.InForceFrom <= spec.Versions[i-1].InForceFrom {
			c.addf(vp+".in_force_from", "%s is not after the previous version's %s: list versions in the order they came into force", vs.InForceFrom, spec.Versions[i-1].InForceFrom)
		}
		d.amend(c, vs, vp)
		v := d.build(c, vs, vp)
		rb.Versions = append(rb.Versions, v)
	}
	for i := 0; i+1 < len(rb.Versions); i++ {
		rb.Versions[i].Until = rb.Versions[i+1].InForceFrom
	}
	if len(c.probs) > 0 {
		return nil, c.probs
	}
	return rb, nil
}

// amend applies one version's additions, replacements and repeals to the draft.
func (d *draft) amend(c *checker, vs *versionSpec, vp string) {
	if vs.Procedure != "" {
		if vs.Procedure != "conduct" && vs.Procedure != "current" {
			c.addf(vp+".procedure", "must be \"conduct\" (cases follow the procedure in force when the conduct happened) or \"current\" (procedural changes apply at once), not %q", vs.Procedure)
		}
		d.procedure = vs.Procedure
	}
	if vs.DefaultStatus != "" {
		d.defaultStatus = vs.DefaultStatus
	}
	seen := map[string]bool{}
	for i := range vs.Clauses {
		cl := vs.Clauses[i]
		cl.path = fmt.Sprintf("%s.clauses[%d]", vp, i)
		switch {
		case cl.ID == "":
			c.addf(cl.path+".id", "is required")
			continue
		case seen[cl.ID]:
			c.addf(cl.path+".id", "clause %q appears twice in this version", cl.ID)
		case cl.Text == "":
			c.addf(cl.path+".text", "clause %s has no text: every answer quotes the clause it relies on", cl.ID)
		}
		seen[cl.ID] = true
		if _, ok := d.clauses[cl.ID]; !ok {
			d.clauseOrder = append(d.clauseOrder, cl.ID)
		}
		d.clauses[cl.ID] = &cl
	}
	d.statuses = upsert(c, d.statuses, vs.Statuses, vp+".statuses", func(s *Status) *string { return &s.ID }, func(s *Status, p string) { s.path = p })
	d.actions = upsert(c, d.actions, vs.Actions, vp+".actions", func(a *Action) *string { return &a.ID }, func(a *Action, p string) { a.path = p })
	d.bodyOrder = keyed(c, d.bodies, d.bodyOrder, vs.Bodies, vp+".bodies", func(b *Body) string { return b.ID }, func(b *Body, p string) { b.path = p })
	d.sanctionOrder = keyed(c, d.sanctions, d.sanctionOrder, vs.Sanctions, vp+".sanctions", func(s *Sanction) string { return s.ID }, func(s *Sanction, p string) { s.path = p })
	d.triggerOrder = keyed(c, d.triggers, d.triggerOrder, vs.Triggers, vp+".automatic_exclusion", func(t *Trigger) string { return t.ID }, func(t *Trigger, p string) { t.path = p })
	d.listOrder = keyed(c, d.lists, d.listOrder, vs.Lists, vp+".lists", func(l *List) string { return l.ID }, func(l *List, p string) { l.path = p })
	d.sources = upsert(c, d.sources, vs.Sources, vp+".complaint_sources", func(s *ComplaintSource) *string { return &s.ID }, func(s *ComplaintSource, p string) { s.path = p })
	if vs.Repeal.StatusChanges {
		d.statusChanges = nil
	}
	for i := range vs.StatusChanges {
		r := vs.StatusChanges[i]
		r.path = fmt.Sprintf("%s.status_changes[%d]", vp, i)
		d.statusChanges = append(d.statusChanges, &r)
	}
	if vs.Readmission != nil {
		r := *vs.Readmission
		r.path = vp + ".readmission"
		d.readmission = &r
	}
	// A version that gives a retention schedule replaces the whole schedule.
	if vs.Retention != nil {
		d.retention = nil
		for i := range vs.Retention {
			r := vs.Retention[i]
			r.path = fmt.Sprintf("%s.retention[%d]", vp, i)
			d.retention = append(d.retention, &r)
		}
	}
	for _, st := range sortedKeys(vs.Rights) {
		row := d.rights[st]
		if row == nil {
			row = map[string]Cell{}
			d.rights[st] = row
		}
		for a, cell := range vs.Rights[st] {
			cell.path = fmt.Sprintf("%s.rights.%s.%s", vp, st, a)
			row[a] = cell
		}
		d.rightsPath[st] = vp + ".rights." + st
	}
	d.amendDiscipline(c, vs.Discipline, vp)
	d.amendAccess(c, vs.Access, vp)
	d.amendCounted(c, vs, vp)
	d.amendUnits(c, vs, vp)
	d.amendSelections(c, vs, vp)
	// Repeals come last so a version can repeal and re-enact in one go only by
	// listing the new text under a new id.
	rp := vp + ".repeal"
	for _, id := range vs.Repeal.Clauses {
		if _, ok := d.clauses[id]; !ok {
			c.addf(rp+".clauses", "cannot repeal clause %q: no earlier version has it", id)
		}
		delete(d.clauses, id)
	}
	d.statuses = remove(c, d.statuses, vs.Repeal.Statuses, rp+".statuses", func(s *Status) string { return s.ID })
	d.actions = remove(c, d.actions, vs.Repeal.Actions, rp+".actions", func(a *Action) string { return a.ID })
	for _, id := range vs.Repeal.Statuses {
		delete(d.rights, id)
	}
	for _, id := range vs.Repeal.Bodies {
		delete(d.bodies, id)
	}
	for _, id := range vs.Repeal.Sanctions {
		delete(d.sanctions, id)
	}
	for _, id := range vs.Repeal.Triggers {
		delete(d.triggers, id)
	}
	for _, id := range vs.Repeal.Lists {
		delete(d.lists, id)
	}
}

// upsert adds new entries and replaces entries with an existing id, keeping order.
func upsert[T any](c *checker, have []*T, add []T, path string, id func(*T) *string, setPath func(*T, string)) []*T {
	seen := map[string]bool{}
	for i := range add {
		x := add[i]
		p := fmt.Sprintf("%s[%d]", path, i)
		setPath(&x, p)
		k := *id(&x)
		if k == "" {
			c.addf(p+".id", "is required")
			continue
		}
		if !rulebook.ValidID(k) {
			c.addf(p+".id", "%q is not a valid id (letters, digits, '-', '_' and '.')", k)
		}
		if seen[k] {
			c.addf(p+".id", "%q appears twice in this version", k)
		}
		seen[k] = true
		replaced := false
		for j := range have {
			if *id(have[j]) == k {
				have[j] = &x
				replaced = true
			}
		}
		if !replaced {
			have = append(have, &x)
		}
	}
	return have
}

// keyed adds or replaces entries of a map kept in declaration order, returning the
// order with new ids appended.
func keyed[T any](c *checker, m map[string]*T, order []string, add []T, path string, id func(*T) string, setPath func(*T, string)) []string {
	for i := range add {
		x := add[i]
		p := fmt.Sprintf("%s[%d]", path, i)
		setPath(&x, p)
		k := id(&x)
		if k == "" {
			c.addf(p+".id", "is required")
			continue
		}
		if _, ok := m[k]; !ok {
			order = append(order, k)
		}
		m[k] = &x
	}
	return order
}

func remove[T any](c *checker, have []*T, ids []string, path string, id func(*T) string) []*T {
	for _, k := range ids {
		found := false
		for j := range have {
			if id(have[j]) == k {
				have = append(have[:j:j], have[j+1:]...)
				found = true
				break
			}
		}
		if !found {
			c.addf(path, "cannot repeal %q: no earlier version has it", k)
		}
	}
	return have
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// build turns the draft into a complete Version and checks every reference in it.
func (d *draft) build(c *checker, vs *versionSpec, vp string) *Version {
	v := &Version{ID: vs.ID, Title: vs.Title, InForceFrom: vs.InForceFrom, Procedure: d.procedure, DefaultStatus: d.defaultStatus,
		Clauses: map[string]*Clause{}, statusIndex: map[string]int{}, actionIndex: map[string]int{},
		Bodies: map[string]*Body{}, Sanctions: map[string]*Sanction{}, Triggers: map[string]*Trigger{}, Lists: map[string]*List{}}
	for _, id := range d.clauseOrder {
		if cl, ok := d.clauses[id]; ok {
			v.Clauses[id] = cl
			v.ClauseOrder = append(v.ClauseOrder, id)
		}
	}
	clause := func(path, id string, required bool) {
		if id == "" {
			if required {
				c.addf(path, "a clause is required: every rule must cite the clause that makes it")
			}
			return
		}
		if _, ok := v.Clauses[id]; !ok {
			c.addf(path, "clause %q is not in version %s", id, vs.ID)
		}
	}
	v.Statuses = append(v.Statuses, d.statuses...)
	v.Actions = append(v.Actions, d.actions...)
	if len(v.Statuses) == 0 {
		c.addf(vp+".statuses", "no member statuses are defined")
	}
	if len(v.Actions) == 0 {
		c.addf(vp+".actions", "no actions are defined")
	}
	for i, s := range v.Statuses {
		v.statusIndex[s.ID] = i
		if s.Name == "" {
			c.addf(s.path+".name", "is required")
		}
		clause(s.path+".clause", s.Clause, false)
	}
	for i, a := range v.Actions {
		v.actionIndex[a.ID] = i
		if a.Name == "" {
			c.addf(a.path+".name", "is required")
		}
		for j := range a.Conditions {
			cp := fmt.Sprintf("%s.conditions[%d]", a.path, j)
			cond := &a.Conditions[j]
			cond.path = cp
			if cond.ContinuousMembership.IsZero() {
				c.addf(cp+".continuous_membership", "is required (e.g. \"6 months\")")
			} else if cond.ContinuousMembership.Unit == "working days" {
				c.addf(cp+".continuous_membership", "membership is reckoned in calendar time, not working days")
			}
			if cond.MeasuredAt == "" {
				cond.MeasuredAt = "date"
			} else if cond.MeasuredAt != "date" && cond.MeasuredAt != "freeze_date" {
				c.addf(cp+".measured_at", "must be \"date\" or \"freeze_date\", not %q", cond.MeasuredAt)
			}
			clause(cp+".clause", cond.Clause, true)
		}
	}
	if v.DefaultStatus == "" {
		c.addf(vp+".default_status", "is required: the status new members join with")
	} else if s := v.Status(v.DefaultStatus); s == nil {
		c.addf(vp+".default_status", "unknown status %q", v.DefaultStatus)
	} else if !s.Member {
		c.addf(vp+".default_status", "status %q is not a membership status (member: false)", v.DefaultStatus)
	}
	// The rights matrix must be complete: an unanswered question is a bug in the
	// rule book, never a silent "yes".
	v.rights = make([][]Cell, len(v.Statuses))
	for st := range d.rights {
		if _, ok := v.statusIndex[st]; !ok {
			c.addf(d.rightsPath[st], "unknown status %q", st)
		}
	}
	for si, s := range v.Statuses {
		row := d.rights[s.ID]
		v.rights[si] = make([]Cell, len(v.Actions))
		for a, cell := range row {
			if a == "default" {
				continue
			}
			if _, ok := v.actionIndex[a]; !ok {
				c.addf(cell.path, "unknown action %q", a)
			}
		}
		def, hasDef := row["default"]
		if hasDef {
			clause(def.path, def.Clause, true)
		}
		for ai, a := range v.Actions {
			cell, ok := row[a.ID]
			if !ok {
				if !hasDef {
					p := d.rightsPath[s.ID]
					if p == "" {
						p = vp + ".rights"
					}
					c.addf(p, "status %q has no entry for action %q and no default: every cell of the rights matrix must be decided", s.ID, a.ID)
					continue
				}
				cell = def
			} else {
				clause(cell.path, cell.Clause, true)
			}
			v.rights[si][ai] = cell
		}
	}
	for _, id := range d.bodyOrder {
		b, ok := d.bodies[id]
		if !ok {
			continue
		}
		v.Bodies[id] = b
		v.BodyOrder = append(v.BodyOrder, id)
		if b.Name == "" {
			c.addf(b.path+".name", "is required")
		}
		clause(b.path+".clause", b.Clause, false)
	}
	bodies := func(path string, ids []string, required bool) {
		if len(ids) == 0 && required {
			c.addf(path, "at least one body is required")
		}
		for _, id := range ids {
			if _, ok := v.Bodies[id]; !ok {
				c.addf(path, "unknown body %q", id)
			}
		}
	}
	status := func(path, id string, required bool) {
		if id == "" {
			if required {
				c.addf(path, "is required")
			}
			return
		}
		if v.Status(id) == nil {
			c.addf(path, "unknown status %q", id)
		}
	}
	rights := func(path string, m map[string]bool) {
		for _, a := range sortedKeys(m) {
			if v.Action(a) == nil {
				c.addf(path+"."+a, "unknown action %q", a)
			}
		}
	}
	for _, r := range d.statusChanges {
		status(r.path+".to", r.To, true)
		for _, f := range r.From {
			status(r.path+".from", f, true)
		}
		bodies(r.path+".by", r.By, true)
		clause(r.path+".clause", r.Clause, true)
		v.StatusChanges = append(v.StatusChanges, r)
	}
	for _, id := range d.sanctionOrder {
		s, ok := d.sanctions[id]
		if !ok {
			continue
		}
		v.Sanctions[id] = s
		v.SanctionOrder = append(v.SanctionOrder, id)
		if s.Name == "" {
			c.addf(s.path+".name", "is required")
		}
		status(s.path+".status", s.Status, false)
		rights(s.path+".rights", s.Rights)
		bodies(s.path+".by", s.By, true)
		clause(s.path+".clause", s.Clause, true)
		if s.CreditForInterim && s.MaxDuration.IsZero() {
			c.addf(s.path+".credit_for_interim", "only a sanction with a duration can credit time served")
		}
		status(s.path+".restores", s.Restores, false)
		if s.Restores != "" && s.MaxDuration.IsZero() {
			c.addf(s.path+".restores", "only a sanction with a duration ends and restores a status")
		}
		if f := s.Fine; f != nil {
			fp := s.path + ".fine"
			if m, err := rulebook.ParseMoney(f.Currency, f.Max); err != nil {
				c.addf(fp+".max", "%v", err)
			} else if m.Minor <= 0 {
				c.addf(fp+".max", "the largest amount must be more than nothing")
			} else {
				f.MaxAmount = m
			}
			if f.PayWithin.IsZero() {
				c.addf(fp+".pay_within", "is required: how long the person has to pay (e.g. \"28 days\")")
			}
			if np := f.NonPayment; np != nil {
				status(fp+".non_payment.status", np.Status, true)
				bodies(fp+".non_payment.by", np.By, true)
				clause(fp+".non_payment.clause", np.Clause, true)
			}
		}
	}
	for _, a := range v.Actions {
		for j := range a.Conditions {
			if w := a.Conditions[j].WaivableBy; len(w) > 0 {
				bodies(fmt.Sprintf("%s.conditions[%d].waivable_by", a.path, j), w, false)
			}
		}
	}
	for _, src := range d.sources {
		if slices.Contains(rulebook.ComplaintSources, src.ID) {
			c.addf(src.path+".id", "%q is a source every rule book has (%s): declare only others", src.ID, strings.Join(rulebook.ComplaintSources, ", "))
		}
		if src.Name == "" {
			c.addf(src.path+".name", "is required")
		}
		v.ComplaintSources = append(v.ComplaintSources, src)
	}
	for _, id := range d.listOrder {
		l, ok := d.lists[id]
		if !ok {
			continue
		}
		v.Lists[id] = l
		v.ListOrder = append(v.ListOrder, id)
		if l.Name == "" {
			c.addf(l.path+".name", "is required")
		}
		clause(l.path+".clause", l.Clause, false)
	}
	for _, id := range d.triggerOrder {
		t, ok := d.triggers[id]
		if !ok {
			continue
		}
		v.Triggers[id] = t
		v.TriggerOrder = append(v.TriggerOrder, id)
		if t.Name == "" {
			c.addf(t.path+".name", "is required")
		}
		status(t.path+".status", t.Status, true)
		bodies(t.path+".confirm_by", t.ConfirmBy, true)
		clause(t.path+".clause", t.Clause, true)
		if t.Checks != "" && v.Lists[t.Checks] == nil {
			c.addf(t.path+".checks", "unknown list %q: declare it under lists (known: %s)", t.Checks, strings.Join(v.ListOrder, ", "))
		}
		checkCatches(c, t)
	}
	if r := d.readmission; r != nil {
		v.Readmission = r
		for _, f := range r.From {
			status(r.path+".from", f, true)
		}
		status(r.path+".status", r.Status, true)
		bodies(r.path+".decided_by", r.DecidedBy, true)
		clause(r.path+".clause", r.Clause, true)
	}
	seen := map[string]bool{}
	for _, r := range d.retention {
		v.Retention = append(v.Retention, r)
		switch {
		case r.Records != RetainCases && r.Records != RetainMembers && r.Records != RetainAccess:
			c.addf(r.path+".records", "unknown kind of record %q (cases, members, access)", r.Records)
		case seen[r.Records]:
			c.addf(r.path+".records", "%s already have a retention period", r.Records)
		}
		seen[r.Records] = true
		if r.Keep.IsZero() || !r.Keep.Calendar() {
			c.addf(r.path+".keep", "give how long the records are kept, in calendar time (\"6 years\")")
		}
		clause(r.path+".clause", r.Clause, true)
	}
	d.buildUnits(c, v, clause)
	d.buildDiscipline(c, v, vp, clause)
	d.buildAccess(c, v)
	d.buildCounted(c, v, clause)
	d.buildSelections(c, v, clause)
	return v
}
