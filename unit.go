package rulebook

// Units is the register's tree of units, by id: each names the unit it lies
// within. A member belongs to one unit; the units above it follow from here.
type Units map[string]*Unit

// NewUnits indexes a list of units by id.
func NewUnits(list []Unit) Units {
	t := make(Units, len(list))
	for i := range list {
		u := list[i]
		t[u.ID] = &u
	}
	return t
}

// Chain returns unit id and the units above it, lowest first. A unit the tree
// does not hold ends the chain; so does a loop, which the register never records
// but a tampered projection could hold.
func (t Units) Chain(id string) []*Unit {
	var out []*Unit
	for u := t[id]; u != nil && len(out) <= len(t); u = t[u.Parent] {
		out = append(out, u)
	}
	return out
}

// up calls f with unit id and each unit above it, lowest first, until f returns
// true, without building the chain (an import asks this of every row).
func (t Units) up(id string, f func(*Unit) bool) {
	n := 0
	for u := t[id]; u != nil && n <= len(t); u = t[u.Parent] {
		if f(u) {
			return
		}
		n++
	}
}

// OfKind returns the unit of kind that unit id is, or lies within, or "".
func (t Units) OfKind(id, kind string) string {
	found := ""
	t.up(id, func(u *Unit) bool {
		if u.Kind == kind {
			found = u.ID
		}
		return found != ""
	})
	return found
}

// Within reports whether unit id lies within unit above, at any remove.
func (t Units) Within(id, above string) bool {
	in := false
	t.up(id, func(u *Unit) bool {
		in = above != "" && u.Parent == above
		return in
	})
	return in
}

// Below returns unit id and every unit within it, at any remove: the units a
// filter by id takes in.
func (t Units) Below(id string) map[string]bool {
	out := map[string]bool{id: true}
	children := map[string][]string{}
	for _, u := range t {
		children[u.Parent] = append(children[u.Parent], u.ID)
	}
	next := []string{id}
	for len(next) > 0 {
		cur := next[0]
		next = next[1:]
		for _, c := range children[cur] {
			if !out[c] {
				out[c] = true
				next = append(next, c)
			}
		}
	}
	return out
}

// legacyPlace is where an update of the first releases leaves a member in unit
// cur. Those updates named units by kind, lowest first, and left the member's
// other units alone: a member stays where they are if every unit named is theirs
// or one above it, and is otherwise placed in the lowest named.
func (t Units) legacyPlace(cur string, named []string) string {
	for _, id := range named {
		if id != cur && !t.Within(cur, id) {
			return named[0]
		}
	}
	return cur
}
