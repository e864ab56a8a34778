package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rulebook/rulebook"
)

// Occasion is a kind of occasion the organisation records as it happens (a match
// played by a team), in which a sanction's length may be counted: "3 matches" is
// served as the member's unit has such occasions, not by the calendar, so its end
// is known only once the last of them is recorded.
type Occasion struct {
	path string
	// ID is the unit durations are counted in, in the plural ("matches"); One is
	// its singular ("match").
	ID          string `yaml:"id" json:"id"`
	One         string `yaml:"one" json:"one"`
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
	// Outcomes are what a recorded occasion may have come to (played, postponed,
	// abandoned); Counted those that count toward a sanction served in this unit.
	Outcomes []string `yaml:"outcomes" json:"outcomes"`
	Counted  []string `yaml:"counted" json:"counted"`
	Clause   string   `yaml:"clause" json:"clause,omitempty"`
}

// Counts reports whether an occasion with outcome counts toward a sanction.
func (o *Occasion) Counts(outcome string) bool { return contains(o.Counted, outcome) }

// CountUnit is a quantity other than time that a sanction may be a number of
// (league points deducted).
type CountUnit struct {
	path   string
	ID     string `yaml:"id" json:"id"`
	One    string `yaml:"one" json:"one"`
	Name   string `yaml:"name" json:"name"`
	Clause string `yaml:"clause" json:"clause,omitempty"`
}

// Quantity makes a sanction a number of a declared unit, up to Max.
type Quantity struct {
	Unit string `yaml:"unit" json:"unit"`
	Max  int    `yaml:"max" json:"max"`
}

// StandardPunishment is a fixed sanction for an offence, applied on an official's
// report without a hearing unless the person contests it within ContestWithin.
type StandardPunishment struct {
	path        string
	ID          string             `yaml:"id" json:"id"`
	Name        string             `yaml:"name" json:"name"`
	Description string             `yaml:"description" json:"description,omitempty"`
	Sanctions   []StandardSanction `yaml:"sanctions" json:"sanctions"`
	// ContestWithin is how long, from the step applying it, the person has to
	// contest it (which takes the case to a hearing); uncontested, it stands.
	ContestWithin Duration `yaml:"contest_within" json:"contest_within"`
	Clause        string   `yaml:"clause" json:"clause"`
}

// StandardSanction is one sanction of a standard punishment, fixed in advance: a
// count (of the occasions or units the sanction is counted in) or an amount.
type StandardSanction struct {
	Sanction string `yaml:"sanction" json:"sanction"`
	Count    int    `yaml:"count" json:"count,omitempty"`
	// Amount is a fine's sum in the fine's currency ("100.00"); Money is it parsed.
	Amount string         `yaml:"amount" json:"amount,omitempty"`
	Money  rulebook.Money `yaml:"-" json:"money,omitzero"`
}

// Occasion returns the occasion whose id (or singular) is unit, or nil.
func (v *Version) Occasion(unit string) *Occasion {
	if o := v.Occasions[unit]; o != nil {
		return o
	}
	for _, id := range v.OccasionOrder {
		if o := v.Occasions[id]; o.One == unit {
			return o
		}
	}
	return nil
}

// AppliesStandard reports whether body applies standard punishments under v (it
// takes a step with the standard_punishment guard) and one of them fixes sanction
// at count: the rule book itself decided that sanction, so the body need not be
// one the menu lets impose it.
func (v *Version) AppliesStandard(body, sanction string, count int) bool {
	if v.Discipline == nil {
		return false
	}
	applies := false
	for _, t := range v.Discipline.Transitions {
		applies = applies || (contains(t.Requires, "standard_punishment") && contains(t.By, body))
	}
	if !applies {
		return false
	}
	for _, sp := range v.Standard {
		for _, ss := range sp.Sanctions {
			if ss.Sanction == sanction && ss.Count == count {
				return true
			}
		}
	}
	return false
}

// Counted reports whether s lasts a number of occasions rather than a period.
func (s *Sanction) Counted() bool { return s.MaxDuration.Counted() }

// Amount describes n of unit ("1 match", "3 points"), in the rule book's words for
// the occasions and units it declares.
func (v *Version) Amount(n int, unit string) string {
	one := ""
	if o := v.Occasion(unit); o != nil {
		unit, one = o.ID, o.One
	} else if u := v.Units[unit]; u != nil {
		one = u.One
	}
	if n == 0 {
		return "0 " + unit // Duration says nothing for no time at all
	}
	return Duration{N: n, Unit: unit, one: one}.String()
}

// calendarUnits are the units of calendar time; any other unit a duration names
// is an occasion.
var calendarUnits = map[string]bool{"years": true, "months": true, "weeks": true, "days": true, "working days": true}

// Calendar reports whether d is calendar time (or no time at all).
func (d Duration) Calendar() bool { return d.N == 0 || calendarUnits[d.Unit] }

// Counted reports whether d is a number of occasions.
func (d Duration) Counted() bool { return !d.Calendar() }

// countedWord reports whether a unit could name an occasion: one lower-case word.
func countedWord(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return r < 'a' || r > 'z' }) < 0
}

// maxDurationPath is the one place a duration may be counted in occasions.
var maxDurationPath = regexp.MustCompile(`^versions\[\d+\]\.sanctions\[\d+\]\.max_duration$`)

// countedElsewhere returns a problem for a duration counted in occasions where a
// period of calendar time is meant (a deadline, a bar, a time to pay), where u is
// the value parsed at path; "" when there is none.
func countedElsewhere(u any, path string) string {
	d, ok := u.(*Duration)
	if !ok || d.Calendar() || maxDurationPath.MatchString(path) {
		return ""
	}
	return fmt.Sprintf("unknown unit %q (years, months, weeks, days, working days): only a sanction's max_duration may be counted in occasions the rule book declares", d.Unit)
}

// countedDraft holds the occasions, units and standard punishments of a version
// being built.
type countedDraft struct {
	occasions     map[string]*Occasion
	occasionOrder []string
	units         map[string]*CountUnit
	unitOrder     []string
	standard      map[string]*StandardPunishment
	standardOrder []string
}

func (d *draft) amendCounted(c *checker, vs *versionSpec, vp string) {
	x := &d.counted
	if x.occasions == nil {
		x.occasions, x.units, x.standard = map[string]*Occasion{}, map[string]*CountUnit{}, map[string]*StandardPunishment{}
	}
	x.occasionOrder = keyed(c, x.occasions, x.occasionOrder, vs.Occasions, vp+".occasions", func(o *Occasion) string { return o.ID }, func(o *Occasion, p string) { o.path = p })
	x.unitOrder = keyed(c, x.units, x.unitOrder, vs.Units, vp+".units", func(u *CountUnit) string { return u.ID }, func(u *CountUnit, p string) { u.path = p })
	x.standardOrder = keyed(c, x.standard, x.standardOrder, vs.Standard, vp+".standard_punishments",
		func(s *StandardPunishment) string { return s.ID }, func(s *StandardPunishment, p string) { s.path = p })
	rp := vp + ".repeal"
	for _, r := range []struct {
		ids  []string
		what string
		del  func(string) bool
	}{
		{vs.Repeal.Occasions, "occasions", func(id string) bool { _, ok := x.occasions[id]; delete(x.occasions, id); return ok }},
		{vs.Repeal.Units, "units", func(id string) bool { _, ok := x.units[id]; delete(x.units, id); return ok }},
		{vs.Repeal.Standard, "standard_punishments", func(id string) bool { _, ok := x.standard[id]; delete(x.standard, id); return ok }},
	} {
		for _, id := range r.ids {
			if !r.del(id) {
				c.addf(rp+"."+r.what, "cannot repeal %q: no earlier version has it", id)
			}
		}
	}
}

// buildCounted puts the occasions, units and standard punishments in force into
// v, and checks them and every sanction counted in them.
func (d *draft) buildCounted(c *checker, v *Version, clause func(path, id string, required bool)) {
	x := &d.counted
	v.Occasions, v.Units, v.Standard = map[string]*Occasion{}, map[string]*CountUnit{}, map[string]*StandardPunishment{}
	words := map[string]string{} // every word naming a unit, to the path declaring it
	word := func(path, w string) {
		switch {
		case !countedWord(w):
			c.addf(path, "%q must be one lower-case word, as durations and amounts name it (\"3 matches\")", w)
		case calendarUnits[w] || calendarUnits[w+"s"] || w == "working":
			c.addf(path, "%q is a unit of calendar time", w)
		case words[w] != "":
			c.addf(path, "%q already names the unit declared at %s", w, words[w])
		default:
			words[w] = path
		}
	}
	for _, id := range x.occasionOrder {
		o, ok := x.occasions[id]
		if !ok {
			continue
		}
		v.Occasions[id] = o
		v.OccasionOrder = append(v.OccasionOrder, id)
		word(o.path+".id", o.ID)
		if o.One != o.ID {
			word(o.path+".one", o.One)
		}
		if o.Name == "" {
			c.addf(o.path+".name", "is required")
		}
		if len(o.Outcomes) == 0 {
			c.addf(o.path+".outcomes", "list what a recorded occasion may come to (e.g. [played, postponed, abandoned])")
		}
		seen := map[string]bool{}
		for _, out := range o.Outcomes {
			if !rulebook.ValidID(out) || seen[out] {
				c.addf(o.path+".outcomes", "%q is not a valid outcome, or appears twice", out)
			}
			seen[out] = true
		}
		if len(o.Counted) == 0 {
			c.addf(o.path+".counted", "name the outcomes that count toward a sanction (e.g. [played])")
		}
		for _, out := range o.Counted {
			if !seen[out] {
				c.addf(o.path+".counted", "%q is not one of the outcomes (%s)", out, strings.Join(o.Outcomes, ", "))
			}
		}
		clause(o.path+".clause", o.Clause, false)
	}
	for _, id := range x.unitOrder {
		u, ok := x.units[id]
		if !ok {
			continue
		}
		v.Units[id] = u
		v.UnitOrder = append(v.UnitOrder, id)
		word(u.path+".id", u.ID)
		if u.One != u.ID {
			word(u.path+".one", u.One)
		}
		if u.Name == "" {
			c.addf(u.path+".name", "is required")
		}
		clause(u.path+".clause", u.Clause, false)
	}
	for _, id := range v.SanctionOrder {
		s := v.Sanctions[id]
		if s.Counted() && s.Status == "" {
			c.addf(s.path+".status", "a sanction counted in occasions places the member in a status for that long: name it")
		}
		if md := &s.MaxDuration; md.Counted() {
			o := v.Occasion(md.Unit)
			if o == nil {
				c.addf(s.path+".max_duration", "unknown unit %q (years, months, weeks, days, working days, or an occasion declared under occasions: %s)",
					md.Unit, orNone(v.OccasionOrder))
			} else {
				// Resolved here, so that the sanction says "1 match" and names its
				// occasion by id whichever form the rule book wrote.
				md.Unit, md.one = o.ID, o.One
			}
		}
		if q := s.Quantity; q != nil {
			qp := s.path + ".quantity"
			if v.Units[q.Unit] == nil {
				c.addf(qp+".unit", "unknown unit %q: declare it under units (known: %s)", q.Unit, orNone(v.UnitOrder))
			}
			if q.Max < 1 {
				c.addf(qp+".max", "the largest number must be at least 1")
			}
			if s.Fine != nil || !s.MaxDuration.IsZero() || s.Status != "" {
				c.addf(qp, "a sanction that is a quantity has no status, duration or fine: declare those as sanctions of their own")
			}
		}
	}
	for _, id := range x.standardOrder {
		sp, ok := x.standard[id]
		if !ok {
			continue
		}
		v.Standard[id] = sp
		v.StandardOrder = append(v.StandardOrder, id)
		if !rulebook.ValidID(sp.ID) {
			c.addf(sp.path+".id", "%q is not a valid id", sp.ID)
		}
		if sp.Name == "" {
			c.addf(sp.path+".name", "is required")
		}
		if sp.ContestWithin.IsZero() {
			c.addf(sp.path+".contest_within", "is required: how long the person has to contest it (e.g. \"7 days\")")
		}
		if len(sp.Sanctions) == 0 {
			c.addf(sp.path+".sanctions", "list the sanctions it fixes")
		}
		seen, status := map[string]bool{}, ""
		for i := range sp.Sanctions {
			ss := &sp.Sanctions[i]
			p := fmt.Sprintf("%s.sanctions[%d]", sp.path, i)
			s := v.Sanctions[ss.Sanction]
			if s == nil {
				c.addf(p+".sanction", "unknown sanction %q", ss.Sanction)
				continue
			}
			if seen[s.ID] {
				c.addf(p+".sanction", "%s appears twice", s.Name)
			}
			seen[s.ID] = true
			if s.Status != "" {
				if status != "" {
					c.addf(p+".sanction", "%s and %s both change the member's status", status, s.Name)
				}
				status = s.Name
			}
			checkStandardSanction(c, p, s, ss)
		}
		clause(sp.path+".clause", sp.Clause, true)
	}
}

// checkStandardSanction checks the count or amount a standard punishment fixes for
// sanction s against the sanction's own limits.
func checkStandardSanction(c *checker, p string, s *Sanction, ss *StandardSanction) {
	limit := 0
	switch {
	case s.Counted():
		limit = s.MaxDuration.N
	case s.Quantity != nil:
		limit = s.Quantity.Max
	case !s.MaxDuration.IsZero():
		c.addf(p+".sanction", "%s lasts calendar time (up to %s); a standard punishment fixes only counts of occasions, quantities and amounts", s.Name, s.MaxDuration)
	}
	switch {
	case limit > 0 && (ss.Count < 1 || ss.Count > limit):
		c.addf(p+".count", "%s needs a count from 1 to %d", s.Name, limit)
	case limit == 0 && ss.Count != 0:
		c.addf(p+".count", "%s is not counted in occasions or units", s.Name)
	}
	f := s.Fine
	switch {
	case f == nil && ss.Amount != "":
		c.addf(p+".amount", "%s is not a sum of money", s.Name)
	case f != nil && ss.Amount == "":
		c.addf(p+".amount", "%s needs the amount, in %s", s.Name, f.Currency)
	case f != nil:
		m, err := rulebook.ParseMoney(f.Currency, ss.Amount)
		switch {
		case err != nil:
			c.addf(p+".amount", "%v", err)
		case m.Minor <= 0 || (f.MaxAmount.Minor > 0 && m.Minor > f.MaxAmount.Minor):
			c.addf(p+".amount", "%s must be more than nothing and at most %s", s.Name, f.MaxAmount)
		default:
			ss.Money = m
		}
	}
}

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

func init() {
	// The guards standard punishments need, beside the procedure's others.
	Guards["standard_punishment"] = "a standard punishment of the rule book in force at the conduct, applied as it fixes it, without a hearing"
	Guards["contest_period"] = "the standard punishment applied in the case is contested within the time it allows"
	// Changes to occasions, units and standard punishments are shown by rules diff
	// like every other part of a version.
	diffKinds = append(diffKinds,
		struct {
			kind     string
			describe func(*Version) map[string]string
		}{"occasion", describeOccasions},
		struct {
			kind     string
			describe func(*Version) map[string]string
		}{"unit", describeUnits},
		struct {
			kind     string
			describe func(*Version) map[string]string
		}{"standard_punishment", describeStandard})
}

func describeOccasions(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, id := range v.OccasionOrder {
		o := v.Occasions[id]
		m[id] = parts(o.Name, "one "+o.One, "outcomes "+strings.Join(o.Outcomes, ", "), "counted "+strings.Join(o.Counted, ", "), clauseRef(o.Clause))
	}
	return m
}

func describeUnits(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, id := range v.UnitOrder {
		u := v.Units[id]
		m[id] = parts(u.Name, "one "+u.One, clauseRef(u.Clause))
	}
	return m
}

func describeStandard(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, id := range v.StandardOrder {
		sp := v.Standard[id]
		var ss []string
		for _, s := range sp.Sanctions {
			x := s.Sanction
			if s.Count > 0 {
				x += " " + v.Amount(s.Count, unitOf(v.Sanctions[s.Sanction]))
			}
			if s.Amount != "" {
				x += " " + s.Amount
			}
			ss = append(ss, x)
		}
		m[id] = parts(sp.Name, strings.Join(ss, " and "), labelledDuration("contested within", sp.ContestWithin), clauseRef(sp.Clause))
	}
	return m
}

// unitOf names what a sanction is counted in: its occasion or its quantity's unit.
func unitOf(s *Sanction) string {
	switch {
	case s == nil:
		return ""
	case s.Counted():
		return s.MaxDuration.Unit
	case s.Quantity != nil:
		return s.Quantity.Unit
	}
	return ""
}

// UnitOf names what s is counted in ("matches", "points"), or "" for a sanction
// that is not counted.
func UnitOf(s *Sanction) string { return unitOf(s) }
