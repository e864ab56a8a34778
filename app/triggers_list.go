package app

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
)

// Triggers lists the trigger ballots, the latest opened first (the same day by
// id), each folded from its events as Trigger folds one.
func (a *App) Triggers(ctx context.Context) ([]*rulebook.Trigger, error) {
	if _, err := a.allow(ctx, ViewSelections, Resource{}); err != nil {
		return nil, err
	}
	evs, err := a.db().EventsWithSubjectPrefix(ctx, rulebook.TriggerSubjectPrefix)
	if err != nil {
		return nil, err
	}
	// Group by subject, keeping each trigger's events in the record's order.
	bySubject := map[string][]rulebook.Event{}
	for _, e := range evs {
		bySubject[e.Subject] = append(bySubject[e.Subject], e)
	}
	out := []*rulebook.Trigger{}
	for subj, list := range bySubject {
		t, err := foldTrigger(strings.TrimPrefix(subj, rulebook.TriggerSubjectPrefix), list)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(x, y *rulebook.Trigger) int {
		if x.Opened != y.Opened {
			return cmp.Compare(y.Opened, x.Opened)
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out, nil
}
