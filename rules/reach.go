package rules

// Steps is the status changes a version's rules permit in one step, whichever body
// decides: what a record that does not say who decided (an imported status) can be
// checked against. It is prepared once per version so that a million-row import
// checks each row with a map lookup rather than a scan of the rules.
type Steps struct {
	open    bool                      // the version lists no status changes: nothing is restricted
	from    map[[2]string]*StatusRule // {from, to} → a rule naming from among its from statuses
	anyFrom map[string]*StatusRule    // to → a rule that omits from (any status)
	to      map[string][]*StatusRule  // to → every rule leading there, for messages
}

// Steps returns the one-step status changes v permits, by any body.
func (v *Version) Steps() *Steps {
	s := &Steps{open: len(v.StatusChanges) == 0, from: map[[2]string]*StatusRule{},
		anyFrom: map[string]*StatusRule{}, to: map[string][]*StatusRule{}}
	for _, r := range v.StatusChanges {
		s.to[r.To] = append(s.to[r.To], r)
		if len(r.From) == 0 {
			if s.anyFrom[r.To] == nil {
				s.anyFrom[r.To] = r
			}
			continue
		}
		for _, f := range r.From {
			if k := [2]string{f, r.To}; s.from[k] == nil {
				s.from[k] = r
			}
		}
	}
	return s
}

// Rule reports whether some body may move a member from status from to status to in
// one step, and the rule that says so (nil when the version restricts nothing). When
// no rule permits it, the rule returned is one leading to to from other statuses, or
// nil if none leads there at all — as MayImpose does, so messages can cite it.
func (s *Steps) Rule(from, to string) (*StatusRule, bool) {
	if s.open {
		return nil, true
	}
	if r := s.from[[2]string{from, to}]; r != nil {
		return r, true
	}
	if r := s.anyFrom[to]; r != nil {
		return r, true
	}
	if rs := s.to[to]; len(rs) > 0 {
		return rs[0], false
	}
	return nil, false
}

// Into returns every rule that leads to status to, in the order the rule book gives
// them: the ways a member may reach it.
func (s *Steps) Into(to string) []*StatusRule { return s.to[to] }
