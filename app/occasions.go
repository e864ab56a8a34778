package app

import (
	"context"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
)

// RecordOccasion records an occasion the rule book declares (a match a team
// played, postponed or abandoned); measures served in such occasions follow at once.
func (a *App) RecordOccasion(ctx context.Context, day rulebook.Date, o rulebook.Occasion) (*rulebook.Event, error) {
	p, err := a.allow(ctx, EditRegister, Resource{})
	if err != nil {
		return nil, err
	}
	if day.IsZero() {
		return nil, fieldErr("date", "the day of the occasion is required")
	}
	return a.reg.RecordOccasion(ctx, p.Actor(), day, o)
}

// Occasions lists the occasions recorded that f selects, by day.
func (a *App) Occasions(ctx context.Context, f sqldb.OccasionFilter) ([]rulebook.OccasionPoint, error) {
	if _, err := a.allow(ctx, ReadRegister, Resource{}); err != nil {
		return nil, err
	}
	ps, err := a.db().Occasions(ctx, f)
	return orEmpty(ps), err
}
