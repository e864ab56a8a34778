package discipline

import (
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
)

// Sanctions counted in occasions or units, and standard punishments.
//
// A sanction whose length the rule book counts in occasions (a ban of 3 matches)
// is decided as a count, not an end date: the register ends it once the member's
// unit has had that many counted occasions (see rulebook.Serving). A sanction that
// is a quantity (a deduction of 6 points) is decided as a count of its unit.
//
// A standard punishment is a sanction the rule book fixes for an offence (a ban
// for a sending-off), applied on an official's report without a hearing: a step
// with the standard_punishment guard applies it (with the sanction effect), and
// the person may contest it within its time limit, by a step with the
// contest_period guard that takes the case to a hearing. Uncontested, it stands.

// StandardApplied records the standard punishment applied in a case.
type StandardApplied struct {
	ID        string        `json:"id"`
	Applied   rulebook.Date `json:"applied"`
	ContestBy rulebook.Date `json:"contest_by"`
	Step      string        `json:"step"`
}

// checkServing checks a sanction counted in occasions: a count within the menu's
// limit, and the period before it whose occasions are credited.
func (g *guard) checkServing(f string, s *rules.Sanction, out *SanctionOrder) error {
	unit := s.MaxDuration.Unit
	if !out.Until.IsZero() {
		return rulebook.FieldError(f+".until", "%s lasts a number of %s, not until a date: give the count", s.Name, unit)
	}
	if out.Count < 1 {
		return rulebook.FieldError(f+".count", "%s lasts a number of %s (at most %s): give the count", s.Name, unit, s.MaxDuration)
	}
	if out.Count > s.MaxDuration.N {
		return notPermitted("%s may last at most %s under %s, not %s", s.Name, s.MaxDuration, cite(g.vc, s.Clause), g.vc.Amount(out.Count, unit))
	}
	out.Unit = unit
	// Credit for time served: the occasions of the member's unit while they were
	// under the case's administrative suspension count, up to the sanction or to
	// the suspension's lifting if that came first.
	if sp := g.c.Suspension; s.CreditForInterim && sp != nil && sp.From < out.From {
		out.CreditFrom, out.CreditUntil = sp.From, out.From
		if !sp.Lifted.IsZero() && sp.Lifted < out.From {
			out.CreditUntil = sp.Lifted
		}
		if out.CreditUntil <= out.CreditFrom {
			out.CreditFrom, out.CreditUntil = 0, 0
		}
	}
	return nil
}

// checkCount checks the count of a sanction that is a quantity (points), and that
// no other sanction is given one.
func (g *guard) checkCount(f string, s *rules.Sanction, out *SanctionOrder) error {
	q := s.Quantity
	switch {
	case s.Counted():
		return nil // checked with its period
	case q == nil && out.Count != 0:
		return rulebook.FieldError(f+".count", "%s is not counted in occasions or units", s.Name)
	case q == nil:
		out.Unit = ""
		return nil
	case out.Count < 1:
		return rulebook.FieldError(f+".count", "%s is a number of %s, up to %d: give it", s.Name, q.Unit, q.Max)
	case out.Count > q.Max:
		return notPermitted("%s may be at most %s under %s, not %s", s.Name, g.vc.Amount(q.Max, q.Unit), cite(g.vc, s.Clause), g.vc.Amount(out.Count, q.Unit))
	}
	out.Unit = q.Unit
	return nil
}

// serveIn makes ch, the status change a sanction counted in occasions makes, last
// that many occasions, crediting those before it the order credits: an interim
// suspension's, and, for a sanction varied on appeal that keeps its start, those
// already served since then.
func (g *guard) serveIn(h *rulebook.History, s *rules.Sanction, so SanctionOrder, from rulebook.Date, ch *rulebook.StatusChange) error {
	then, err := g.restoreTo(h, s.Restores, from)
	if err != nil {
		return err
	}
	ch.Count, ch.Occasions, ch.Then = so.Count, s.MaxDuration.Unit, then
	start := so.CreditFrom
	if start.IsZero() || (!so.CreditUntil.IsZero() && so.CreditUntil < so.From) {
		start = so.From // no credit, or one that does not run up to the sanction
	}
	switch {
	case so.From < from:
		ch.Credit = &rulebook.Period{From: start, Until: from}
	case !so.CreditFrom.IsZero():
		ch.Credit = &rulebook.Period{From: so.CreditFrom, Until: so.CreditUntil}
	}
	return nil
}

// served reports whether the register shows so, a sanction counted in
// occasions, served by d.
func served(h *rulebook.History, so SanctionOrder, d rulebook.Date) bool {
	if h == nil || so.MemberEvent == "" || so.Count == 0 {
		return false
	}
	sv := h.ServingOf(so.MemberEvent)
	return sv != nil && !sv.Served.IsZero() && sv.Served <= d
}

// checkStandard applies the standard punishment the command names, as the rule
// book in force at the conduct fixes it.
func (g *guard) checkStandard() error {
	id := g.cmd.Standard
	sp := g.vc.Standard[id]
	if sp == nil {
		return rulebook.FieldError("standard", "%q is not a standard punishment in the rule book in force when the conduct happened (version %s: %s)",
			id, g.vc.ID, orNothing(g.vc.StandardOrder))
	}
	if len(g.cmd.orders()) > 0 {
		return rulebook.FieldError("sanctions", "%s fixes its own sanctions: name the standard punishment only", sp.Name)
	}
	var orders []SanctionOrder
	for _, ss := range sp.Sanctions {
		orders = append(orders, SanctionOrder{Sanction: ss.Sanction, Count: ss.Count, Amount: ss.Money})
	}
	if err := g.checkOrders(orders, true); err != nil {
		return err
	}
	g.d.Step.Standard = sp.ID
	g.d.Step.ContestBy = g.proc.Discipline.Calendar.Due(g.cmd.Date, sp.ContestWithin)
	return nil
}

// checkContest lets a standard punishment be contested only within its time.
func (g *guard) checkContest() error {
	sa := g.c.Standard
	if sa == nil {
		return notPermitted("no standard punishment has been applied in this case to contest")
	}
	if g.cmd.Date > sa.ContestBy {
		name, within, clause := sa.ID, "", ""
		if sp := g.vc.Standard[sa.ID]; sp != nil {
			name, within, clause = sp.Name, sp.ContestWithin.String(), sp.Clause
		}
		return notPermitted("%s is out of time: under %s it may be contested within %s of %s, by %s", name, cite(g.vc, clause), within, sa.Applied, sa.ContestBy)
	}
	return nil
}

func orNothing(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}
