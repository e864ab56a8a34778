package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
)

// UnitKind is a kind of organisational unit members belong to, as the rule book
// names it: local branches within districts, a club's sections, a
// regulator's regions. Kinds form a hierarchy through Within; a rule book may
// declare none, and then members belong to no unit.
type UnitKind struct {
	path string
	Kind string `yaml:"kind" json:"kind"`
	Name string `yaml:"name" json:"name"`
	// Within is the kind of unit a unit of this kind lies in (empty at the top).
	Within string `yaml:"within" json:"within,omitempty"`
	Clause string `yaml:"clause" json:"clause,omitempty"`
}

// ReservedUnitKinds are the members CSV's own columns, which a unit kind (a column
// of its own in that file) may not take.
var ReservedUnitKinds = []string{"id", "name", "email", "phone", "address", "joined", "status", "status_since", "unit"}

// UnitKind returns the kind declared with id kind, or nil.
func (v *Version) UnitKind(kind string) *UnitKind { return v.UnitKinds[kind] }

// UnitDepth is how many kinds lie above kind (0 at the top), or -1 if the version
// does not declare it.
func (v *Version) UnitDepth(kind string) int {
	k := v.UnitKinds[kind]
	if k == nil {
		return -1
	}
	n := 0
	for k.Within != "" && n <= len(v.UnitKinds) {
		k = v.UnitKinds[k.Within]
		if k == nil {
			break
		}
		n++
	}
	return n
}

// UnitKindAbove reports whether a unit of kind above may contain, at some level,
// a unit of kind below.
func (v *Version) UnitKindAbove(above, below string) bool {
	k := v.UnitKinds[below]
	for i := 0; k != nil && i <= len(v.UnitKinds); i++ {
		if k.Within == above {
			return true
		}
		k = v.UnitKinds[k.Within]
	}
	return false
}

// UnitKinds lists every kind of unit any version declares: those of the latest
// version first, from the top of its hierarchy down, then kinds only earlier
// versions declared. They are the unit columns of the members CSV.
func (rb *RuleBook) UnitKinds() []string {
	var out []string
	for i := len(rb.Versions) - 1; i >= 0; i-- {
		for _, k := range rb.Versions[i].UnitKindOrder {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// UnitKind returns the latest declaration of kind in any version, or nil.
func (rb *RuleBook) UnitKind(kind string) *UnitKind {
	for i := len(rb.Versions) - 1; i >= 0; i-- {
		if k := rb.Versions[i].UnitKinds[kind]; k != nil {
			return k
		}
	}
	return nil
}

// amendUnits merges a version's unit kinds into the draft: a kind already declared
// is replaced, a new one added, and repealed kinds removed.
func (d *draft) amendUnits(c *checker, vs *versionSpec, vp string) {
	if d.unitKinds == nil {
		d.unitKinds = map[string]*UnitKind{}
	}
	seen := map[string]bool{}
	for i := range vs.UnitKinds {
		k := vs.UnitKinds[i]
		k.path = fmt.Sprintf("%s.unit_kinds[%d]", vp, i)
		switch {
		case k.Kind == "":
			c.addf(k.path+".kind", "is required")
			continue
		case !rulebook.ValidID(k.Kind):
			c.addf(k.path+".kind", "%q is not a valid id (letters, digits, '-', '_' and '.')", k.Kind)
		case slices.Contains(ReservedUnitKinds, k.Kind):
			c.addf(k.path+".kind", "%q is a column of the members CSV already; name the kind otherwise", k.Kind)
		case seen[k.Kind]:
			c.addf(k.path+".kind", "kind %q is declared twice in this version", k.Kind)
		}
		seen[k.Kind] = true
		if _, ok := d.unitKinds[k.Kind]; !ok {
			d.unitKindOrder = append(d.unitKindOrder, k.Kind)
		}
		d.unitKinds[k.Kind] = &k
	}
	for _, kind := range vs.Repeal.UnitKinds {
		if _, ok := d.unitKinds[kind]; !ok {
			c.addf(vp+".repeal.unit_kinds", "cannot repeal unit kind %q: no earlier version declares it", kind)
		}
		delete(d.unitKinds, kind)
	}
}

// buildUnits resolves version v's unit kinds and checks that they form a
// hierarchy: each within a declared kind, none within itself at any remove.
func (d *draft) buildUnits(c *checker, v *Version, clause func(path, id string, required bool)) {
	v.UnitKinds = map[string]*UnitKind{}
	for _, kind := range d.unitKindOrder {
		if k, ok := d.unitKinds[kind]; ok {
			v.UnitKinds[kind] = k
			v.UnitKindOrder = append(v.UnitKindOrder, kind)
		}
	}
	for _, kind := range v.UnitKindOrder {
		k := v.UnitKinds[kind]
		if k.Name == "" {
			c.addf(k.path+".name", "is required")
		}
		clause(k.path+".clause", k.Clause, false)
		if k.Within == "" {
			continue
		}
		if v.UnitKinds[k.Within] == nil {
			c.addf(k.path+".within", "unknown unit kind %q (declared: %s)", k.Within, strings.Join(v.UnitKindOrder, ", "))
			continue
		}
		// Follow the chain upwards: coming back to kind is a cycle.
		chain := []string{kind}
		for up := v.UnitKinds[k.Within]; up != nil; up = v.UnitKinds[up.Within] {
			chain = append(chain, up.Kind)
			if up.Kind == kind {
				c.addf(k.path+".within", "unit kinds cannot lie within themselves: %s", strings.Join(chain, " within "))
				break
			}
			if len(chain) > len(v.UnitKindOrder) {
				break // a cycle above this kind, reported at its own entry
			}
		}
	}
	// Top of the hierarchy first, so the CSV's columns and forms read downwards.
	depth := map[string]int{}
	for _, kind := range v.UnitKindOrder {
		depth[kind] = v.UnitDepth(kind)
	}
	slices.SortStableFunc(v.UnitKindOrder, func(a, b string) int { return depth[a] - depth[b] })
}

// SameUnitRule is the prefix of a conflict rule over a declared unit kind:
// "same_unit:KIND" keeps off a panel anyone whose unit of that kind (their own
// unit, or the one of that kind above it) is the respondent's.
const SameUnitRule = "same_unit:"
