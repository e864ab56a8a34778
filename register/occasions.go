package register

import (
	"context"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// RecordOccasion records an occasion of a kind the rule book in force on its day
// declares (a match a team played, postponed or abandoned), for the units taking
// part. Whether its outcome counts toward measures served in such occasions is
// decided now, under that rule book, and kept in the record. Recording an id
// again replaces the earlier record (a postponed match rearranged and played);
// the members whose measures it serves are brought up to date in the same
// transaction.
func (s *Service) RecordOccasion(ctx context.Context, actor string, day rulebook.Date, o rulebook.Occasion) (*rulebook.Event, error) {
	e, err := s.OccasionEvent(ctx, actor, day, o)
	if err != nil {
		return nil, err
	}
	return e, s.DB.Append(ctx, e)
}

// OccasionEvent checks an occasion and returns the event recording it, unstored.
func (s *Service) OccasionEvent(ctx context.Context, actor string, day rulebook.Date, o rulebook.Occasion) (*rulebook.Event, error) {
	if !rulebook.ValidID(o.ID) {
		return nil, rulebook.FieldError("id", "%q is not a valid id (letters, digits, '-', '_' and '.')", o.ID)
	}
	v, err := s.version("date", day)
	if err != nil {
		return nil, err
	}
	kind := v.Occasions[o.Kind]
	if kind == nil {
		return nil, rulebook.FieldError("kind", "rule book version %s declares no occasion %q (occasions: %s)", v.ID, o.Kind, strings.Join(v.OccasionOrder, ", "))
	}
	if !contains(kind.Outcomes, o.Outcome) {
		return nil, rulebook.FieldError("outcome", "%s may be %s, not %q", kind.Name, strings.Join(kind.Outcomes, ", "), o.Outcome)
	}
	if len(o.Units) == 0 {
		return nil, rulebook.FieldError("units", "name the units taking part")
	}
	units, err := s.DB.Units(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, u := range units {
		known[u.ID] = true
	}
	seen := map[string]bool{}
	for _, u := range o.Units {
		if !known[u] {
			return nil, rulebook.FieldError("units", "no unit %q on the register", u)
		}
		if seen[u] {
			return nil, rulebook.FieldError("units", "%s is named twice", u)
		}
		seen[u] = true
	}
	prior, err := s.DB.Occasions(ctx, sqldb.OccasionFilter{ID: o.ID})
	if err != nil {
		return nil, err
	}
	for _, p := range prior {
		if p.ID == o.ID && p.Kind != o.Kind {
			return nil, rulebook.FieldError("kind", "occasion %s was recorded as %s, not %s", o.ID, p.Kind, o.Kind)
		}
	}
	o.Name = strings.TrimSpace(o.Name)
	o.Counts = kind.Counts(o.Outcome)
	return event(rulebook.EventOccasionRecorded, rulebook.OccasionSubjectPrefix+o.ID, actor, day, o)
}

// checkServing checks a status change that lasts a number of occasions (a ban of
// three matches), or a sanction counted in them, under version v.
func checkServing(v *rules.Version, sn *rules.Sanction, ch *rulebook.StatusChange) error {
	if ch.Count == 0 {
		if sn != nil && sn.Counted() {
			return rulebook.FieldError("count", "%s lasts a number of %s (at most %s): give the number", sn.Name, sn.MaxDuration.Unit, sn.MaxDuration)
		}
		if ch.Credit != nil || ch.Occasions != "" {
			return rulebook.FieldError("count", "a credit or occasions without a count")
		}
		return nil
	}
	o := v.Occasion(ch.Occasions)
	switch {
	case ch.Count < 0:
		return rulebook.FieldError("count", "must be a positive number")
	case o == nil:
		return rulebook.FieldError("occasions", "rule book version %s declares no occasion %q (occasions: %s)", v.ID, ch.Occasions, strings.Join(v.OccasionOrder, ", "))
	case !ch.Until.IsZero():
		return rulebook.FieldError("until", "a status lasting a number of %s has no end date: it ends when they are served", o.ID)
	case ch.Then == "":
		return rulebook.FieldError("then", "the status that follows once %s are served is required", o.ID)
	case v.Status(ch.Then) == nil:
		return rulebook.FieldError("then", "unknown status %q", ch.Then)
	case ch.Credit != nil && (ch.Credit.Until <= ch.Credit.From || ch.Credit.Until.IsZero()):
		return rulebook.FieldError("credit", "the credited period must end after it begins")
	}
	ch.Occasions = o.ID
	if sn == nil {
		return nil
	}
	if !sn.Counted() || sn.MaxDuration.Unit != o.ID {
		return rulebook.FieldError("occasions", "%s is not counted in %s", sn.Name, o.ID)
	}
	if ch.Count > sn.MaxDuration.N {
		return rulebook.Errorf(rulebook.ENotPermitted, "%s may last at most %s under clause %s, not %s", sn.Name, sn.MaxDuration, sn.Clause, v.Amount(ch.Count, o.ID))
	}
	return nil
}

// appliesStandard reports whether body applies a standard punishment that fixes
// sanction at count, under v or an earlier version: the schedule is the one in
// force at the conduct, which may be older than the decision.
func (s *Service) appliesStandard(v *rules.Version, body, sanction string, count int) bool {
	for _, pv := range s.Rules.Versions {
		if pv.InForceFrom > v.InForceFrom {
			break
		}
		if pv.AppliesStandard(body, sanction, count) {
			return true
		}
	}
	return false
}
