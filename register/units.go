package register

import (
	"context"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/rules"
)

// CreateUnit adds a unit to the register, effective from eff. Its kind must be one
// the rule book in force on eff declares (or, before the first version, the first
// declares: units can predate the rules) and its parent, if given, a unit of the
// kind the rule book puts it within. A parent may be left unknown.
func (s *Service) CreateUnit(ctx context.Context, actor string, u rulebook.Unit, eff rulebook.Date) (*rulebook.Event, error) {
	units, err := s.DB.Units(ctx)
	if err != nil {
		return nil, err
	}
	e, err := s.unitEvent(actor, u, eff, rulebook.NewUnits(units))
	if err != nil {
		return nil, err
	}
	return e, s.DB.Append(ctx, e)
}

// unitEvent checks a new unit against the tree and the rule book and returns the
// event recording it, unstored.
func (s *Service) unitEvent(actor string, u rulebook.Unit, eff rulebook.Date, tree rulebook.Units) (*rulebook.Event, error) {
	if !rulebook.ValidID(u.ID) {
		return nil, rulebook.FieldError("id", "%q is not a valid id (letters, digits, '-', '_' and '.')", u.ID)
	}
	if strings.TrimSpace(u.Name) == "" {
		return nil, rulebook.FieldError("name", "is required")
	}
	if tree[u.ID] != nil {
		return nil, rulebook.Errorf(rulebook.EConflict, "unit %s already exists", u.ID)
	}
	v, err := s.factVersion("effective", eff)
	if err != nil {
		return nil, err
	}
	if len(v.UnitKindOrder) == 0 {
		return nil, rulebook.Errorf(rulebook.ENotPermitted, "rule book version %s declares no kinds of unit: its members belong to none", v.ID)
	}
	if u.Kind == "" {
		if len(v.UnitKindOrder) > 1 {
			return nil, rulebook.FieldError("kind", "is required: one of %s (rule book version %s)", strings.Join(v.UnitKindOrder, ", "), v.ID)
		}
		u.Kind = v.UnitKindOrder[0]
	}
	k := v.UnitKind(u.Kind)
	if k == nil {
		return nil, rulebook.FieldError("kind", "rule book version %s declares no kind of unit %q (it declares %s)", v.ID, u.Kind, strings.Join(v.UnitKindOrder, ", "))
	}
	if u.Parent != "" {
		p := tree[u.Parent]
		switch {
		case k.Within == "":
			return nil, rulebook.FieldError("parent", "a %s lies within no other unit under rule book version %s", k.Kind, v.ID)
		case p == nil:
			return nil, rulebook.FieldError("parent", "no unit %q on the register", u.Parent)
		case p.Kind != k.Within:
			return nil, rulebook.FieldError("parent", "%s is a %s, and under rule book version %s a %s lies within a %s", p.ID, p.Kind, v.ID, k.Kind, k.Within)
		}
	}
	return event(rulebook.EventUnitCreated, rulebook.UnitSubjectPrefix+u.ID, actor, eff, u)
}

// checkUnit refuses a member's unit the register does not hold.
func (s *Service) checkUnit(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	chain, err := s.DB.UnitChain(ctx, id)
	if err != nil {
		return err
	}
	if len(chain) > 0 {
		return nil
	}
	return rulebook.FieldError("unit", "no unit %q on the register (create it first)", id)
}

// placer places imported members in the tree of units from their rows' unit
// columns, creating the units the register does not hold yet.
type placer struct {
	kinds []string // the reader's unit columns
	tree  rulebook.Units
	// levels caches, per version, each column's depth in its hierarchy (-1 if the
	// version does not declare the kind) and the column of the kind it lies
	// within (-1 at the top or where the kind above is not a column).
	levels map[*rules.Version]*levels
}

type levels struct {
	depth, within []int
}

func newPlacer(kinds []string, tree rulebook.Units) *placer {
	return &placer{kinds: kinds, tree: tree, levels: map[*rules.Version]*levels{}}
}

func (p *placer) levelsOf(v *rules.Version) *levels {
	if l := p.levels[v]; l != nil {
		return l
	}
	l := &levels{depth: make([]int, len(p.kinds)), within: make([]int, len(p.kinds))}
	for i, k := range p.kinds {
		l.depth[i] = v.UnitDepth(k)
		l.within[i] = -1
		if kk := v.UnitKind(k); kk != nil {
			l.within[i] = slices.Index(p.kinds, kk.Within)
		}
	}
	p.levels[v] = l
	return l
}

// place returns the member's unit for a row (the lowest it names) and the units
// the row brings to the register, which are then in the tree. A row that names
// units of kinds not on one line of the hierarchy, a unit as of the wrong kind, or
// units the tree puts elsewhere is refused, naming the column, and leaves the tree
// as it was.
func (p *placer) place(row *memberscsv.Row, v *rules.Version) (string, []rulebook.Unit, error) {
	if len(row.Units) == 0 {
		return "", nil, nil
	}
	l := p.levelsOf(v)
	low := -1
	for i, id := range row.Units {
		if id == "" {
			continue
		}
		if l.depth[i] < 0 {
			return "", nil, rulebook.FieldError(p.kinds[i], "rule book version %s (in force on %s, the joining date) declares no kind of unit %q", v.ID, row.Member.Joined, p.kinds[i])
		}
		if low < 0 || l.depth[i] > l.depth[low] {
			low = i
		}
	}
	if low < 0 {
		return "", nil, nil
	}
	for i, id := range row.Units {
		if id != "" && i != low && !v.UnitKindAbove(p.kinds[i], p.kinds[low]) {
			return "", nil, rulebook.FieldError(p.kinds[i], "a member belongs to one unit, and under rule book version %s a %s does not lie within a %s: give one of %s %s and %s %s",
				v.ID, p.kinds[low], p.kinds[i], p.kinds[i], id, p.kinds[low], row.Units[low])
		}
	}
	// From the top down, so that a new unit's parent is in the tree before it.
	var created []rulebook.Unit
	undo := func() {
		for _, u := range created {
			delete(p.tree, u.ID)
		}
	}
	for d := 0; d <= l.depth[low]; d++ {
		for i, id := range row.Units {
			if id == "" || l.depth[i] != d {
				continue
			}
			if u := p.tree[id]; u != nil {
				if u.Kind != p.kinds[i] {
					undo()
					return "", nil, rulebook.FieldError(p.kinds[i], "%s is a %s on the register, not a %s", id, u.Kind, p.kinds[i])
				}
				continue
			}
			u := rulebook.Unit{ID: id, Name: id, Kind: p.kinds[i]}
			if w := l.within[i]; w >= 0 {
				u.Parent = row.Units[w]
			}
			p.tree[id] = &u
			created = append(created, u)
		}
	}
	unit := row.Units[low]
	for i, id := range row.Units {
		if id == "" || i == low {
			continue
		}
		switch got := p.tree.OfKind(unit, p.kinds[i]); {
		case got == id:
		case slices.ContainsFunc(created, func(u rulebook.Unit) bool { return u.ID == unit }):
			undo()
			return "", nil, rulebook.FieldError(p.kinds[i], "%s %s is new to the register, and the row does not name the unit it lies within, so it cannot be placed within %s %s",
				p.kinds[low], unit, p.kinds[i], id)
		case got == "":
			undo()
			return "", nil, rulebook.FieldError(p.kinds[i], "the register has %s %s within no %s, not within %s", p.kinds[low], unit, p.kinds[i], id)
		default:
			undo()
			return "", nil, rulebook.FieldError(p.kinds[i], "the register has %s %s within %s %s, not %s", p.kinds[low], unit, p.kinds[i], got, id)
		}
	}
	return unit, created, nil
}

// unitsOf returns the member's unit of each of kinds (their own, or the one of
// that kind above it), for the CSV's unit columns. A unit the tree does not hold
// has no kind to be written under, and is left out.
func unitsOf(tree rulebook.Units, unit string, kinds []string) []string {
	if len(kinds) == 0 {
		return nil
	}
	out := make([]string, len(kinds))
	chain := tree.Chain(unit)
	for i, k := range kinds {
		for _, u := range chain {
			if u.Kind == k {
				out[i] = u.ID
				break
			}
		}
	}
	return out
}
