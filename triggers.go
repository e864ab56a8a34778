package rulebook

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Event types of a trigger ballot (subject "trigger/ID"): a sitting holder faces
// the units the procedure names, each deciding whether it wants an open
// selection; at the close either a selection is opened (recorded as caused by the
// trigger ballot) or the holder is reselected.
const (
	EventTriggerOpened  = "trigger.opened"
	EventTriggerDecided = "trigger.decided"
	EventTriggerClosed  = "trigger.closed"
)

// TriggerSubjectPrefix starts the subject of a trigger ballot's events.
const TriggerSubjectPrefix = "trigger/"

// The outcomes of a trigger ballot.
const (
	TriggerOpenSelection = "open_selection"
	TriggerReselected    = "reselected"
)

// IsTriggerEvent reports whether an event type is a trigger ballot's.
func IsTriggerEvent(typ string) bool { return strings.HasPrefix(typ, "trigger.") }

// TriggerOpened is the data of trigger.opened: the holder, the procedure the
// selection would run under, and the units balloted (those of the procedure's
// unit kind within Unit, when given), fixed at the opening.
type TriggerOpened struct {
	ID        string   `json:"id"`
	Procedure string   `json:"procedure"`
	Contest   string   `json:"contest"`
	Unit      string   `json:"unit,omitempty"`
	Holder    string   `json:"holder"`
	UnitKind  string   `json:"unit_kind"`
	Units     []string `json:"units"`
	Share     string   `json:"share"`
	Closes    Date     `json:"closes"`
	Version   string   `json:"rule_book_version"`
	Clause    string   `json:"clause"`
}

// TriggerDecision is the data of trigger.decided: a unit's decision, on the
// event's effective date.
type TriggerDecision struct {
	Unit string `json:"unit"`
	// Open is whether the unit asked for an open selection.
	Open   bool   `json:"open_selection"`
	Clause string `json:"clause"`
}

// TriggerClosed is the data of trigger.closed: how many units asked of how many,
// the outcome, and what it made: the selection opened, or the holder's entry on
// the official list (Entry; Kept when the entry already in force stays).
type TriggerClosed struct {
	Asked     int    `json:"asked"`
	Units     int    `json:"units"`
	Share     string `json:"share"`
	Outcome   string `json:"outcome"`
	Selection string `json:"selection,omitempty"`
	Holder    string `json:"holder"`
	List      string `json:"list,omitempty"`
	Entry     string `json:"entry,omitempty"`
	Kept      bool   `json:"kept,omitempty"`
	Clause    string `json:"clause"`
}

// Trigger is a trigger ballot as its events make it.
type Trigger struct {
	TriggerOpened
	Opened    Date                  `json:"opened"`
	Decisions []TriggerUnitDecision `json:"decisions"`
	Closed    *TriggerClosed        `json:"closed,omitempty"`
	ClosedOn  Date                  `json:"closed_on,omitempty"`
}

// TriggerUnitDecision is a unit's decision, dated.
type TriggerUnitDecision struct {
	TriggerDecision
	Date  Date   `json:"date"`
	Event string `json:"event"`
}

// Decision returns a unit's decision, or nil.
func (t *Trigger) Decision(unit string) *TriggerUnitDecision {
	for i := range t.Decisions {
		if t.Decisions[i].Unit == unit {
			return &t.Decisions[i]
		}
	}
	return nil
}

// Asked counts the units that asked for an open selection.
func (t *Trigger) Asked() int {
	n := 0
	for _, d := range t.Decisions {
		if d.Open {
			n++
		}
	}
	return n
}

// Apply folds one trigger event into t.
func (t *Trigger) Apply(e *Event) error {
	into := func(v any) error {
		if err := json.Unmarshal(e.Data, v); err != nil {
			return fmt.Errorf("event %s (%s): %v", e.ID, e.Type, err)
		}
		return nil
	}
	switch e.Type {
	case EventTriggerOpened:
		var o TriggerOpened
		if err := into(&o); err != nil {
			return err
		}
		*t = Trigger{TriggerOpened: o, Opened: e.Effective, Decisions: []TriggerUnitDecision{}}
	case EventTriggerDecided:
		var d TriggerDecision
		if err := into(&d); err != nil {
			return err
		}
		if !slices.Contains(t.Units, d.Unit) {
			return fmt.Errorf("event %s: unit %s is not balloted in trigger ballot %s", e.ID, d.Unit, t.ID)
		}
		t.Decisions = append(t.Decisions, TriggerUnitDecision{TriggerDecision: d, Date: e.Effective, Event: e.ID})
	case EventTriggerClosed:
		var c TriggerClosed
		if err := into(&c); err != nil {
			return err
		}
		t.Closed, t.ClosedOn = &c, e.Effective
	default:
		return fmt.Errorf("event %s (%s): not a trigger ballot's", e.ID, e.Type)
	}
	return nil
}
