package eligibility

import (
	"fmt"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
)

// ServingState is how far a measure served in occasions (a ban of three matches)
// had been served by the date asked about: its end is not known in advance, so an
// answer that relies on it says how many occasions remain.
type ServingState struct {
	Event        string `json:"event"`
	Sanction     string `json:"sanction,omitempty"`
	SanctionName string `json:"sanction_name,omitempty"`
	// Clause is the clause of the sanction (or of the decision) the measure is.
	Clause string `json:"clause,omitempty"`
	// Occasions is the unit ("matches"); Count how many the measure lasts, Served
	// how many had counted before the date, Remaining how many are still to come.
	Occasions string `json:"occasions"`
	Count     int    `json:"count"`
	Served    int    `json:"served"`
	Remaining int    `json:"remaining"`
}

// serving adds to ans, answered from status point p, how far the measure served
// in occasions that placed the member in that status had been served by q.Date.
func serving(v *rules.Version, h *rulebook.History, q Question, p *rulebook.StatusPoint, ans *Answer) {
	if p == nil {
		return
	}
	s := h.ServingOf(p.EventID)
	if s == nil || s.From != p.From || (!s.Served.IsZero() && s.Served <= q.Date) {
		return // the point is not the measure in force (its end, or another event's)
	}
	st := &ServingState{Event: s.EventID, Sanction: s.Sanction, Clause: s.Clause, Occasions: s.Occasions, Count: s.Count, Served: s.ServedBefore(q.Date)}
	st.Remaining = max(st.Count-st.Served, 0)
	name := "the measure"
	if sn := v.Sanctions[s.Sanction]; sn != nil {
		st.SanctionName, name = sn.Name, sn.Name
	}
	ans.Serving = st
	cl := ""
	if s.Clause != "" {
		cl = ", clause " + s.Clause
	}
	verb := "remain"
	if st.Remaining == 1 {
		verb = "remains"
	}
	ans.Reason += fmt.Sprintf("; %s (event %s%s) lasts %s of the member's unit: %s served before %s, %s %s",
		name, s.EventID, cl, v.Amount(s.Count, s.Occasions), v.Amount(st.Served, s.Occasions), q.Date, v.Amount(st.Remaining, s.Occasions), verb)
}
