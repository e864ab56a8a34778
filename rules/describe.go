package rules

import "github.com/rulebook/rulebook"

// Description is a version of the rule book in a form for JSON: everything it says,
// with the rights matrix spelt out cell by cell.
type Description struct {
	Organisation string             `json:"organisation"`
	SHA256       string             `json:"sha256"`
	Version      string             `json:"version"`
	Title        string             `json:"title,omitempty"`
	InForceFrom  rulebook.Date      `json:"in_force_from"`
	Until        rulebook.Date      `json:"until,omitempty"`
	Procedure    string             `json:"procedure"`
	Default      string             `json:"default_status"`
	Statuses     []*Status          `json:"statuses"`
	Actions      []*Action          `json:"actions"`
	Rights       []RightsRow        `json:"rights"`
	Bodies       []*Body            `json:"bodies"`
	StatusRules  []*StatusRule      `json:"status_changes"`
	Sanctions    []*Sanction        `json:"sanctions"`
	Triggers     []*Trigger         `json:"automatic_exclusion"`
	Lists        []*List            `json:"lists,omitempty"`
	Sources      []*ComplaintSource `json:"complaint_sources,omitempty"`
	Readmission  *Readmission       `json:"readmission,omitempty"`
	Retention    []*Retention       `json:"retention,omitempty"`
	Clauses      []*Clause          `json:"clauses"`
	Versions     []VersionSummary   `json:"versions"`

	// What sanctions are counted in, and the standard punishments (occasions.go).
	Occasions []*Occasion           `json:"occasions,omitempty"`
	Units     []*CountUnit          `json:"units,omitempty"`
	Standard  []*StandardPunishment `json:"standard_punishments,omitempty"`
}

// RightsRow is one status's row of the rights matrix.
type RightsRow struct {
	Status string          `json:"status"`
	Cells  map[string]Cell `json:"cells"`
}

// VersionSummary names a version and when it was in force.
type VersionSummary struct {
	ID          string        `json:"id"`
	Title       string        `json:"title,omitempty"`
	InForceFrom rulebook.Date `json:"in_force_from"`
	Until       rulebook.Date `json:"until,omitempty"`
}

// Summaries lists the rule book's versions.
func (rb *RuleBook) Summaries() []VersionSummary {
	out := make([]VersionSummary, len(rb.Versions))
	for i, v := range rb.Versions {
		out[i] = VersionSummary{ID: v.ID, Title: v.Title, InForceFrom: v.InForceFrom, Until: v.Until}
	}
	return out
}

// Describe returns everything version v says.
func Describe(rb *RuleBook, v *Version) *Description {
	d := &Description{Organisation: rb.Organisation, SHA256: rb.SHA256, Version: v.ID, Title: v.Title, InForceFrom: v.InForceFrom,
		Until: v.Until, Procedure: v.Procedure, Default: v.DefaultStatus, Statuses: v.Statuses, Actions: v.Actions,
		StatusRules: v.StatusChanges, Readmission: v.Readmission, Retention: v.Retention, Versions: rb.Summaries(), Sources: v.ComplaintSources}
	for si, s := range v.Statuses {
		row := RightsRow{Status: s.ID, Cells: map[string]Cell{}}
		for ai, a := range v.Actions {
			row.Cells[a.ID] = v.Cell(si, ai)
		}
		d.Rights = append(d.Rights, row)
	}
	for _, id := range v.BodyOrder {
		d.Bodies = append(d.Bodies, v.Bodies[id])
	}
	for _, id := range v.SanctionOrder {
		d.Sanctions = append(d.Sanctions, v.Sanctions[id])
	}
	for _, id := range v.TriggerOrder {
		d.Triggers = append(d.Triggers, v.Triggers[id])
	}
	for _, id := range v.ListOrder {
		d.Lists = append(d.Lists, v.Lists[id])
	}
	for _, id := range v.ClauseOrder {
		d.Clauses = append(d.Clauses, v.Clauses[id])
	}
	for _, id := range v.OccasionOrder {
		d.Occasions = append(d.Occasions, v.Occasions[id])
	}
	for _, id := range v.UnitOrder {
		d.Units = append(d.Units, v.Units[id])
	}
	for _, id := range v.StandardOrder {
		d.Standard = append(d.Standard, v.Standard[id])
	}
	return d
}
