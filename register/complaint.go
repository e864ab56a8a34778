package register

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
)

// ReceiveComplaint records a written complaint about a member, checking that the
// respondent is on the register and that the clauses said to be broken exist in the
// rule book in force when the conduct happened.
func (s *Service) ReceiveComplaint(ctx context.Context, actor string, received rulebook.Date, c rulebook.ComplaintReceived) (*rulebook.Event, error) {
	if !rulebook.ValidID(c.ID) {
		return nil, rulebook.FieldError("id", "%q is not a valid complaint id", c.ID)
	}
	if _, err := s.DB.History(ctx, c.Respondent); err != nil {
		return nil, rulebook.FieldError("respondent", "no member %q on the register", c.Respondent)
	}
	if strings.TrimSpace(c.Complainant) == "" {
		return nil, rulebook.FieldError("complainant", "is required: a complaint must be in writing and say who makes it")
	}
	seen := map[string]bool{strings.TrimSpace(c.Complainant): true}
	for i, p := range c.Cosignatories {
		p = strings.TrimSpace(p)
		if p == "" || seen[p] {
			return nil, rulebook.FieldError(fmt.Sprintf("cosignatories[%d]", i), "each co-signatory is named once, and is not the first complainant")
		}
		seen[p] = true
		c.Cosignatories[i] = p
	}
	switch c.Via {
	case "letter", "form", "email", "api":
	default:
		return nil, rulebook.FieldError("via", "must be letter, form, email or api, not %q", c.Via)
	}
	if strings.TrimSpace(c.Summary) == "" {
		return nil, rulebook.FieldError("summary", "is required")
	}
	if c.Conduct.IsZero() {
		c.Conduct = received
	}
	v, err := s.version("conduct", c.Conduct)
	if err != nil {
		return nil, err
	}
	if sources := v.ComplaintSourceIDs(); !slices.Contains(sources, c.From) {
		return nil, rulebook.FieldError("from", "must be one of %s (rule book version %s), not %q", strings.Join(sources, ", "), v.ID, c.From)
	}
	if len(c.Clauses) == 0 {
		return nil, rulebook.FieldError("clauses", "name the rule(s) said to be broken")
	}
	for _, id := range c.Clauses {
		if v.Clauses[id] == nil {
			return nil, rulebook.FieldError("clauses", "clause %q is not in rule book version %s, in force on the date of the conduct (%s)", id, v.ID, c.Conduct)
		}
	}
	e, err := event(rulebook.EventComplaintReceived, rulebook.ComplaintSubjectPrefix+c.ID, actor, received, c)
	if err != nil {
		return nil, err
	}
	return e, s.DB.Append(ctx, e)
}
