package register

import (
	"strings"

	"github.com/rulebook/rulebook"
)

// WaiverEvent checks a waiver of a qualifying condition for member h and returns
// the event that records it, without storing it.
func (s *Service) WaiverEvent(h *rulebook.History, actor string, from rulebook.Date, w rulebook.Waiver) (*rulebook.Event, error) {
	v, err := s.version("from", from)
	if err != nil {
		return nil, err
	}
	if h.StatusAt(from) == nil {
		return nil, rulebook.FieldError("from", "member %s had not joined on %s (joined %s)", h.Member.ID, from, h.Member.Joined)
	}
	a := v.Action(w.Action)
	if a == nil {
		return nil, rulebook.FieldError("action", "unknown action %q in rule book version %s", w.Action, v.ID)
	}
	for _, c := range a.Conditions {
		if c.Clause != w.Clause {
			continue
		}
		if !contains(c.WaivableBy, w.Body) {
			return nil, rulebook.Errorf(rulebook.ENotPermitted, "%s may not waive the condition of %s under clause %s (waivable by: %s)",
				w.Body, a.Name, c.Clause, orNone(c.WaivableBy))
		}
		if strings.TrimSpace(w.Reason) == "" {
			return nil, rulebook.FieldError("reason", "a waiver needs written reasons")
		}
		if !w.Until.IsZero() && w.Until <= from {
			return nil, rulebook.FieldError("until", "%s is not after the start %s", w.Until, from)
		}
		return event(rulebook.EventConditionWaived, h.Member.ID, actor, from, w)
	}
	return nil, rulebook.FieldError("condition_clause", "%s has no condition under clause %q in rule book version %s", a.Name, w.Clause, v.ID)
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "no one"
	}
	return strings.Join(list, ", ")
}
