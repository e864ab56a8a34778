package discipline

import (
	"fmt"
	"slices"

	"github.com/rulebook/rulebook"
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
	if !c.Closed {
		if st := x.States[c.State]; st != nil && !st.Deadline.IsZero() {
			add("state", fmt.Sprintf("%s: time limit of %s since %s", st.Name, st.Deadline, c.StateSince), x.Calendar.Due(c.StateSince, st.Deadline))
		}
		for _, t := range x.TransitionsFrom(c.State) {
			if !t.Within.IsZero() && t.IsPermitted() {
				add("step", fmt.Sprintf("last day to %s", lowerFirst(t.Name)), x.Calendar.Due(c.StateSince, t.Within))
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
			add("suspension_review", fmt.Sprintf("review the administrative suspension in force since %s", s.From), s.ReviewBy)
		}
		for _, age := range x.Suspension.Alerts {
			add("suspension_age", fmt.Sprintf("administrative suspension %s old", age), age.AddTo(s.From))
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

// lowerFirst lowers an ASCII first letter. It stays as it is (not
// rulebook.LowerFirst, which spares acronyms): the deadlines' text is stored
// in case_deadlines, and verify --projection compares what is stored with a
// rebuild, so a change here would flag every record made before it.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

// Quarter names the calendar quarter of d, e.g. "2017-Q2".
func Quarter(d rulebook.Date) string { return d.Quarter() }

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
