package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Trigger ballots: a sitting holder faces the units of the kind the procedure's
// trigger ballot names; each unit's decision is an event with the clause, and at
// the close either an open selection is opened under the procedure (recorded as
// caused by the trigger ballot) or the holder is reselected. The record is the
// only store: a trigger ballot is a few dozen events, folded when read.

// TriggerInput is what opening a trigger ballot takes.
type TriggerInput struct {
	ID        string        `json:"id"`
	Procedure string        `json:"procedure"`
	Contest   string        `json:"contest"`
	Unit      string        `json:"unit,omitempty"`
	Holder    string        `json:"holder"`
	Date      rulebook.Date `json:"date"`
	Closes    rulebook.Date `json:"closes"`
}

func triggerSubject(id string) string { return rulebook.TriggerSubjectPrefix + id }

// trigger folds a trigger ballot's events inside ap's transaction.
func trigger(ap *sqldb.Appender, id string) (*rulebook.Trigger, error) {
	evs, err := ap.EventsWithSubjectPrefix(triggerSubject(id))
	if err != nil {
		return nil, err
	}
	return foldTrigger(id, evs)
}

func foldTrigger(id string, evs []rulebook.Event) (*rulebook.Trigger, error) {
	t := &rulebook.Trigger{}
	n := 0
	for i := range evs {
		if evs[i].Subject != triggerSubject(id) { // a longer id sharing the prefix
			continue
		}
		if err := t.Apply(&evs[i]); err != nil {
			return nil, err
		}
		n++
	}
	if n == 0 {
		return nil, rulebook.Errorf(rulebook.ENotFound, "no trigger ballot %q", id)
	}
	return t, nil
}

// triggerProcedure returns the procedure and its trigger ballot in force on d.
func (a *App) triggerProcedure(procedure string, d rulebook.Date) (*rules.Version, *rules.Selection, error) {
	v, err := a.Rules().VersionAt(d)
	if err != nil {
		return nil, nil, withField(err, "date")
	}
	proc := v.Selection(procedure)
	if proc == nil {
		return nil, nil, fieldErr("procedure", "rule book version %s (in force on %s) has no selection procedure %q (its procedures: %s)", v.ID, d, procedure, orNoneList(v.SelectionOrder))
	}
	if proc.Trigger == nil {
		return nil, nil, fieldErr("procedure", "selection procedure %s of rule book version %s declares no trigger ballot", procedure, v.ID)
	}
	return v, proc, nil
}

// OpenTrigger opens a trigger ballot for a sitting holder under a procedure
// whose rule book declares one: the units balloted are those of its unit kind
// (within in.Unit, when given), fixed now.
func (a *App) OpenTrigger(ctx context.Context, in TriggerInput) (*rulebook.Trigger, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	in.Contest = trim(in.Contest)
	switch {
	case !rulebook.ValidID(in.ID):
		return nil, fieldErr("id", "%q is not a valid id (letters, digits, '-', '_' and '.')", in.ID)
	case in.Date.IsZero():
		return nil, fieldErr("date", "the day the trigger ballot opens is required")
	case in.Contest == "":
		return nil, fieldErr("contest", "name the office the holder holds")
	case in.Closes.IsZero() || in.Closes < in.Date:
		return nil, fieldErr("closes", "give the last day units may decide, on or after the opening %s", in.Date)
	case !rulebook.ValidID(in.Holder):
		return nil, fieldErr("holder", "%q is not a member id", in.Holder)
	}
	if err := rulebook.CheckText("contest", in.Contest, rulebook.MaxLineLen); err != nil {
		return nil, err
	}
	v, proc, err := a.triggerProcedure(in.Procedure, in.Date)
	if err != nil {
		return nil, err
	}
	if _, err := a.db().History(ctx, in.Holder); rulebook.ErrorCode(err) == rulebook.ENotFound {
		return nil, fieldErr("holder", "%s is not on the register", in.Holder)
	} else if err != nil {
		return nil, err
	}
	us, err := a.db().Units(ctx)
	if err != nil {
		return nil, err
	}
	tree := rulebook.NewUnits(us)
	if in.Unit != "" {
		if err := knownUnit(tree, in.Unit); err != nil {
			return nil, err
		}
	}
	var below map[string]bool
	if in.Unit != "" {
		below = tree.Below(in.Unit)
	}
	units := []string{}
	for _, u := range us {
		if u.Kind == proc.Trigger.Units && (below == nil || below[u.ID]) {
			units = append(units, u.ID)
		}
	}
	slices.Sort(units)
	if len(units) == 0 {
		return nil, notPermitted("no unit of kind %s is within %s to ballot (rule book %s, clause %s)", proc.Trigger.Units, orNoUnit(in.Unit), v.ID, proc.Trigger.Clause)
	}
	o := rulebook.TriggerOpened{ID: in.ID, Procedure: proc.ID, Contest: in.Contest, Unit: in.Unit, Holder: in.Holder, UnitKind: proc.Trigger.Units,
		Units: units, Share: proc.Trigger.Share, Closes: in.Closes, Version: v.ID, Clause: proc.Trigger.Clause}
	e, err := register.Event(rulebook.EventTriggerOpened, triggerSubject(in.ID), p.Actor(), in.Date, o)
	if err != nil {
		return nil, err
	}
	ap, err := a.db().Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer ap.Rollback()
	if _, err := trigger(ap, in.ID); err == nil {
		return nil, rulebook.Errorf(rulebook.EConflict, "trigger ballot %s is already open", in.ID)
	} else if rulebook.ErrorCode(err) != rulebook.ENotFound {
		return nil, err
	}
	if err := ap.Add(e); err != nil {
		return nil, err
	}
	t := &rulebook.Trigger{}
	if err := t.Apply(e); err != nil {
		return nil, err
	}
	return t, ap.Commit()
}

// DecideTrigger records a unit's decision: whether it asks for an open
// selection. Each unit decides once, between the opening and the close.
func (a *App) DecideTrigger(ctx context.Context, id, unit string, open bool, d rulebook.Date) (*rulebook.Trigger, error) {
	return a.changeTrigger(ctx, id, rulebook.EventTriggerDecided, d, func(ap *sqldb.Appender, p *Principal, t *rulebook.Trigger) (any, []*rulebook.Event, error) {
		switch {
		case t.Closed != nil:
			return nil, nil, notPermitted("trigger ballot %s closed on %s", id, t.ClosedOn)
		case !slices.Contains(t.Units, unit):
			return nil, nil, fieldErr("unit", "%q is not balloted in trigger ballot %s (units: %s)", unit, id, strings.Join(t.Units, ", "))
		case d < t.Opened || d > t.Closes:
			return nil, nil, notPermitted("units decide in trigger ballot %s from %s to %s, not on %s (clause %s)", id, t.Opened, t.Closes, d, t.Clause)
		}
		if x := t.Decision(unit); x != nil {
			return nil, nil, rulebook.Errorf(rulebook.EConflict, "%s decided on %s already (event %s)", unit, x.Date, x.Event)
		}
		return rulebook.TriggerDecision{Unit: unit, Open: open, Clause: t.Clause}, nil, nil
	})
}

// changeTrigger is one change to a trigger ballot, decided on it as recorded
// under the writer's lock: decide returns the data of the trigger's event of
// type typ on d, and any other events to record after it (a list entry).
func (a *App) changeTrigger(ctx context.Context, id, typ string, d rulebook.Date, decide func(ap *sqldb.Appender, p *Principal, t *rulebook.Trigger) (any, []*rulebook.Event, error)) (*rulebook.Trigger, error) {
	p, err := a.allow(ctx, RunSelections, Resource{})
	if err != nil {
		return nil, err
	}
	ap, err := a.db().Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer ap.Rollback()
	t, err := trigger(ap, id)
	if err != nil {
		return nil, err
	}
	data, more, err := decide(ap, p, t)
	if err != nil {
		return nil, err
	}
	e, err := register.Event(typ, triggerSubject(id), p.Actor(), d, data)
	if err != nil {
		return nil, err
	}
	e.ID = rulebook.NewEventID()
	for _, x := range append([]*rulebook.Event{e}, more...) {
		if err := ap.Add(x); err != nil {
			return nil, err
		}
		if x.Type == discipline.EventListEntry {
			var l discipline.ListEntry
			if err := json.Unmarshal(x.Data, &l); err != nil {
				return nil, err
			}
			if err := ap.PutListEntry(l.List, l.ID, x.Data); err != nil {
				return nil, err
			}
		}
	}
	if err := t.Apply(e); err != nil {
		return nil, err
	}
	return t, ap.Commit()
}

// TriggerResult is a trigger ballot closed, and the selection it opened.
type TriggerResult struct {
	Trigger   *rulebook.Trigger   `json:"trigger"`
	Selection *rulebook.Selection `json:"selection,omitempty"`
}

// CloseTrigger closes a trigger ballot on d. If at least the procedure's share of
// the units balloted asked for an open selection (a unit that did not decide did
// not ask), the selection open describes is opened under the trigger's
// procedure, recorded as caused by the trigger ballot; open must then give its id
// and timetable. Otherwise the holder is reselected: recorded, and entered on the
// procedure's official list for the contest (an entry already in force stays).
func (a *App) CloseTrigger(ctx context.Context, id string, d rulebook.Date, open *OpenSelectionInput) (*TriggerResult, error) {
	out := &TriggerResult{}
	t, err := a.changeTrigger(ctx, id, rulebook.EventTriggerClosed, d, func(ap *sqldb.Appender, p *Principal, t *rulebook.Trigger) (any, []*rulebook.Event, error) {
		if t.Closed != nil {
			return nil, nil, rulebook.Errorf(rulebook.EConflict, "trigger ballot %s closed on %s already", id, t.ClosedOn)
		}
		if d < t.Opened {
			return nil, nil, fieldErr("date", "%s is before the trigger ballot opened (%s)", d, t.Opened)
		}
		share, err := (&rules.TriggerBallot{Share: t.Share}).ShareRat()
		if err != nil {
			return nil, nil, err
		}
		asked := t.Asked()
		c := rulebook.TriggerClosed{Asked: asked, Units: len(t.Units), Share: t.Share, Holder: t.Holder, Clause: t.Clause, Outcome: rulebook.TriggerReselected}
		if big.NewRat(int64(asked), int64(len(t.Units))).Cmp(share) >= 0 {
			c.Outcome = rulebook.TriggerOpenSelection
		}
		var evs []*rulebook.Event
		if c.Outcome == rulebook.TriggerOpenSelection {
			if open == nil || open.ID == "" {
				return nil, nil, fieldErr("selection", "%d of %d units asked for an open selection (at least %s needed, clause %s): give the open selection's id and timetable", asked, len(t.Units), t.Share, t.Clause)
			}
			in := *open
			in.Procedure, in.Date, in.cause = t.Procedure, d, triggerSubject(id)
			if in.Contest == "" {
				in.Contest = t.Contest
			}
			if in.Unit == "" {
				in.Unit = t.Unit
			}
			oe, err := a.openingEvent(ctx, p, in)
			if err != nil {
				return nil, nil, err
			}
			if out.Selection, err = a.putOpening(ap, in.ID, oe); err != nil {
				return nil, nil, err
			}
			c.Selection = in.ID
		} else {
			le, err := a.reselect(ctx, p, t, d, &c)
			if err != nil {
				return nil, nil, err
			}
			if le != nil {
				evs = append(evs, le)
			}
		}
		return c, evs, nil
	})
	if err != nil {
		return nil, err
	}
	out.Trigger = t
	return out, nil
}

// reselect fills in c for a reselected holder and returns the event entering them
// on the procedure's official list, or nil if it has none or their entry for the
// contest is in force on d.
func (a *App) reselect(ctx context.Context, p *Principal, t *rulebook.Trigger, d rulebook.Date, c *rulebook.TriggerClosed) (*rulebook.Event, error) {
	v, err := a.Rules().VersionAt(t.Opened)
	if err != nil {
		return nil, err
	}
	proc := v.Selection(t.Procedure)
	if proc == nil || proc.OfficialList == "" {
		return nil, nil
	}
	c.List = proc.OfficialList
	entries, err := a.db().ListEntries(ctx, proc.OfficialList)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(entries))
	for k := range entries {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	for _, k := range ids {
		var l discipline.ListEntry
		if err := json.Unmarshal(entries[k], &l); err != nil {
			return nil, fmt.Errorf("entry %s on %s: %w", k, proc.OfficialList, err)
		}
		if l.Member == t.Holder && l.About == t.Contest && l.From <= d && (l.Until.IsZero() || l.Until > d) {
			c.Entry, c.Kept = l.ID, true
			return nil, nil
		}
	}
	name := t.Holder
	if names, err := a.db().MemberNames(ctx, []string{t.Holder}); err == nil && names[t.Holder] != "" {
		name = names[t.Holder]
	}
	c.Entry = t.ID + "-" + t.Holder
	return listEntry(p.Actor(), d, discipline.ListEntry{List: proc.OfficialList, ID: c.Entry, Name: name, About: t.Contest, From: d, Member: t.Holder})
}

// TriggerView is a trigger ballot with the names a person reads it by: the
// holder's, the units', the procedure's.
type TriggerView struct {
	*rulebook.Trigger
	HolderName    string
	UnitNames     map[string]string
	ProcedureName string
}

// Unit names a unit as the register does, with its id, or the id alone.
func (v *TriggerView) UnitName(id string) string { return rulebook.Person(v.UnitNames[id], id) }

// TriggerView returns a trigger ballot with the names it is read by.
func (a *App) TriggerView(ctx context.Context, id string) (*TriggerView, error) {
	t, err := a.Trigger(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &TriggerView{Trigger: t, UnitNames: map[string]string{}}
	names, err := a.db().MemberNames(ctx, []string{t.Holder})
	if err != nil {
		return nil, err
	}
	v.HolderName = names[t.Holder]
	for _, u := range append([]string{t.Unit}, t.Units...) {
		if u == "" {
			continue
		}
		chain, err := a.db().UnitChain(ctx, u)
		if err != nil {
			return nil, err
		}
		if len(chain) > 0 {
			v.UnitNames[u] = chain[0].Name
		}
	}
	for _, rv := range a.Rules().Versions {
		if p := rv.Selection(t.Procedure); rv.ID == t.Version && p != nil {
			v.ProcedureName = p.Name
		}
	}
	return v, nil
}

// Trigger returns a trigger ballot.
func (a *App) Trigger(ctx context.Context, id string) (*rulebook.Trigger, error) {
	p, err := a.allow(ctx, ViewSelections, Resource{})
	if err != nil {
		return nil, err
	}
	evs, err := a.db().EventsWithSubjectPrefix(ctx, triggerSubject(id))
	if err != nil {
		return nil, err
	}
	t, err := foldTrigger(id, evs)
	if err != nil {
		return nil, err
	}
	return t, a.logAccess(ctx, p, "view_trigger", triggerSubject(id), "")
}
