package discipline

import (
	"fmt"
	"slices"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/notices"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Deadlines lists every due date of an open case under the procedure x: the time
// limit of its current state, the steps that must be taken within a period, the
// review date and ageing alerts of an administrative suspension, the hearing, and
// conditions of a sanction not yet met.
func (c *Case) Deadlines(x *rules.Discipline) []sqldb.DeadlineRow {
	var out []sqldb.DeadlineRow
	add := func(kind, what string, due rulebook.Date) {
		out = append(out, sqldb.DeadlineRow{Case: c.ID, Kind: kind, What: what, Due: due})
	}
	// The words are the rule book's (its terms: a regulator's "interim order"),
	// as its letters and pages have them. They are stored in case_deadlines and
	// compared with a rebuild by verify --projection: a change to them needs a
	// migration that rebuilds the cases (as migration 17 did).
	suspension := notices.Letter{Terms: x.Terms}.Term("suspension")
	if !c.Closed {
		if st := x.States[c.State]; st != nil && !st.Deadline.IsZero() {
			add("state", fmt.Sprintf("%s: time limit of %s since %s", st.Name, st.Deadline, c.StateSince.Long()), x.Calendar.Due(c.StateSince, st.Deadline))
		}
		for _, t := range x.TransitionsFrom(c.State) {
			if !t.Within.IsZero() && t.IsPermitted() {
				add("step", "last day to "+rulebook.LowerFirst(t.Name), c.StepDue(x, t))
			}
		}
		if every := x.ComplainantUpdates; !every.IsZero() && len(c.Complainants) > 0 {
			last := c.Opened
			if n := len(c.Updates); n > 0 {
				last = c.Updates[n-1].Date
			}
			add("complainant_update", fmt.Sprintf("progress update to the complainants (every %s)", every), x.Calendar.Due(last, every))
		}
		// A hearing is due until findings are made: findings made on the day of
		// the hearing must not leave it listed (and then overdue).
		if c.Hearing != nil && !c.heard() && (c.Hearing.Notice >= c.StateSince || c.Hearing.Date >= c.StateSince) {
			add("hearing", "hearing", c.Hearing.Date)
			if !c.Hearing.EvidenceBy.IsZero() {
				add("evidence", "evidence and witness statements due for the hearing", c.Hearing.EvidenceBy)
			}
		}
	}
	if s := c.Suspension; s != nil && s.Lifted.IsZero() {
		if !s.ReviewBy.IsZero() {
			add("suspension_review", fmt.Sprintf("review the %s in force since %s", suspension, s.From.Long()), s.ReviewBy)
		}
		for _, age := range x.Suspension.Alerts {
			add("suspension_age", fmt.Sprintf("%s %s old", suspension, age), age.AddTo(s.From))
		}
	}
	for _, cd := range c.Conditions {
		if cd.Met.IsZero() {
			add("condition", "condition of the sanction: "+cd.What, cd.Due)
		}
	}
	return out
}

// heard reports whether any count has a finding.
func (c *Case) heard() bool {
	for _, ch := range c.Charges {
		if ch.Finding != "" {
			return true
		}
	}
	return false
}

// Quarter names the calendar quarter of d, e.g. "2017-Q2".
func Quarter(d rulebook.Date) string { return d.Quarter() }

// StepDue is the last day to take step t from the case's state: its time
// limit (within, from the day the case entered the state, on x's calendar),
// and for a step that contests a standard punishment (the contest_period
// guard) the day the punishment may be contested by, whichever is sooner; no
// date if neither applies.
func (c *Case) StepDue(x *rules.Discipline, t *rules.Transition) rulebook.Date {
	due := rulebook.NoDate
	if !t.Within.IsZero() {
		due = x.Calendar.Due(c.StateSince, t.Within)
	}
	if slices.Contains(t.Requires, "contest_period") && c.Standard != nil && !c.Standard.ContestBy.IsZero() && (due.IsZero() || c.Standard.ContestBy < due) {
		due = c.Standard.ContestBy
	}
	return due
}

// NextSteps lists the steps that may be taken on the case from its state under
// the procedure x, leaving out those whose effect cannot apply: reviewing or
// lifting an administrative suspension when none is in force, or imposing one when
// one already is.
func (c *Case) NextSteps(x *rules.Discipline) []*rules.Transition {
	active := c.Suspension != nil && c.Suspension.Lifted.IsZero()
	// A step about a fine is offered only while one is unpaid (as the step's
	// guard requires): not, say, on an application for readmission.
	unpaid := slices.ContainsFunc(c.Sanctions, func(so SanctionOrder) bool {
		return !so.Amount.IsZero() && so.InForce() && so.Paid.IsZero()
	})
	var out []*rules.Transition
	for _, t := range x.TransitionsFrom(c.State) {
		ok := true
		for _, eff := range t.Effects {
			switch eff {
			case "payment":
				ok = ok && unpaid
			case "non_payment":
				ok = ok && unpaid && c.NonPayment == ""
			case "review_suspension", "lift_suspension":
				if !active && t.To == "" {
					ok = false
				}
			case "admin_suspension":
				if active {
					ok = false
				}
			}
		}
		if ok {
			out = append(out, t)
		}
	}
	return out
}
