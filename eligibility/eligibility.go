// Package eligibility answers "may member X do action A on date D?" under the rule
// book version in force on D, with the status and clause that decide it. It is a pure
// function of (rule book, member history, question): no storage, no clock.
//
// The answer is built in layers, each overriding the one before:
//  1. the rights matrix cell for the member's status on D (the default);
//  2. the rights the status decision itself narrowed or widened ("unless otherwise
//     defined by that decision");
//  3. any standalone restriction in force on D, in the order recorded;
//  4. if still allowed, the action's extra conditions (e.g. continuous membership of
//     at least six months at the freeze date).
package eligibility

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
)

// Question asks whether a member may do Action on Date. FreezeDate, when set, is the
// contest's freeze date for conditions measured at the freeze date.
type Question struct {
	Action     string        `json:"action"`
	Date       rulebook.Date `json:"date"`
	FreezeDate rulebook.Date `json:"freeze_date,omitempty"`
}

// What decided an answer.
const (
	ByMatrix      = "rights_matrix" // the status default
	ByDecision    = "decision"      // the status decision's own rights
	ByRestriction = "restriction"   // a standalone restriction
	ByCondition   = "condition"     // an extra condition such as continuous membership
	ByNotMember   = "not_member"    // not on the register on that date
)

// Answer is the reasoned reply to a Question.
type Answer struct {
	Member      string        `json:"member"`
	Name        string        `json:"name"`
	Action      string        `json:"action"`
	ActionName  string        `json:"action_name"`
	Date        rulebook.Date `json:"date"`
	FreezeDate  rulebook.Date `json:"freeze_date,omitempty"`
	Allowed     bool          `json:"allowed"`
	Status      string        `json:"status"`
	StatusName  string        `json:"status_name"`
	StatusSince rulebook.Date `json:"status_since,omitempty"`
	// Version is the rule book version in force on Date, under which this is answered.
	Version string `json:"rule_book_version"`
	// DecidedBy says which layer decided (ByMatrix, ByDecision, …).
	DecidedBy string `json:"decided_by"`
	// Clause is the clause that decides, with its text.
	Clause *rules.Clause `json:"clause,omitempty"`
	// Event is the id of the decision or restriction that decided, if one did.
	Event string `json:"event,omitempty"`
	// Body is the body whose decision decided, if one did.
	Body   string `json:"body,omitempty"`
	Reason string `json:"reason"`
	// Waived lists the waivers of qualifying conditions this answer relies on: a
	// body exempting this member, with its reasons.
	Waived []rulebook.WaiverPoint `json:"waived,omitempty"`
	// Serving, when the status is a measure served in occasions (a ban of three
	// matches), says how many had been served by Date and how many remain.
	Serving *ServingState `json:"serving,omitempty"`
}

// verdict is the unformatted result, cheap enough for a million members.
type verdict struct {
	allowed  bool
	by       string
	clause   string
	point    *rulebook.StatusPoint
	restr    *rulebook.Restriction
	cond     *rules.Condition
	note     string
	since    rulebook.Date // continuous membership start, for conditions
	measured rulebook.Date
	waived   []*rulebook.WaiverPoint
}

// Check answers q for the member whose history is h.
func Check(rb *rules.RuleBook, h *rulebook.History, q Question) (*Answer, error) {
	v, err := rb.VersionAt(q.Date)
	if err != nil {
		return nil, err
	}
	a, ok := v.ActionIndex(q.Action)
	if !ok {
		return nil, unknownAction(v, q.Action)
	}
	vd, err := decide(rb, v, a, h, q)
	if err != nil {
		return nil, err
	}
	return explain(v, a, h, q, &vd), nil
}

func unknownAction(v *rules.Version, action string) error {
	names := make([]string, len(v.Actions))
	for i, a := range v.Actions {
		names[i] = a.ID
	}
	e := rulebook.FieldError("action", "unknown action %q in rule book version %s (its actions: %s)", action, v.ID, strings.Join(names, ", "))
	return e
}

func decide(rb *rules.RuleBook, v *rules.Version, a int, h *rulebook.History, q Question) (verdict, error) {
	p := h.StatusAt(q.Date)
	if p == nil {
		return verdict{by: ByNotMember}, nil
	}
	si, ok := v.StatusIndex(p.Status)
	if !ok {
		return verdict{}, rulebook.Errorf(rulebook.EInvalid, "member %s has status %q (event %s), which rule book version %s does not define",
			h.Member.ID, p.Status, p.EventID, v.ID)
	}
	action := v.Actions[a]
	cell := v.Cell(si, a)
	vd := verdict{allowed: cell.Allowed, by: ByMatrix, clause: cell.Clause, point: p, note: cell.Note}
	if allowed, ok := p.Rights[action.ID]; ok {
		vd = verdict{allowed: allowed, by: ByDecision, clause: p.Clause, point: p}
		if vd.clause == "" {
			vd.clause = cell.Clause
		}
	}
	for i := range h.Restrictions {
		r := &h.Restrictions[i]
		if r.From > q.Date || (!r.Until.IsZero() && q.Date >= r.Until) {
			continue
		}
		if allowed, ok := r.Rights[action.ID]; ok {
			vd = verdict{allowed: allowed, by: ByRestriction, clause: r.Clause, point: p, restr: r}
			if vd.clause == "" {
				vd.clause = cell.Clause
			}
		}
	}
	if !vd.allowed {
		return vd, nil
	}
	for i := range action.Conditions {
		c := &action.Conditions[i]
		at := q.Date
		if c.MeasuredAt == "freeze_date" && !q.FreezeDate.IsZero() {
			at = q.FreezeDate
		}
		since := continuousSince(rb, v, h, at)
		if since.IsZero() || c.ContinuousMembership.AddTo(since) > at {
			// A waiver in force on the day asked about exempts this member from
			// this condition; the answer cites it.
			if w := h.WaiverAt(action.ID, c.Clause, q.Date); w != nil {
				vd.waived = append(vd.waived, w)
				continue
			}
			return verdict{allowed: false, by: ByCondition, clause: c.Clause, point: p, cond: c, since: since, measured: at}, nil
		}
	}
	return vd, nil
}

// continuousSince returns the start of the unbroken run of membership that includes
// d, or NoDate if the person was not a member on d. Whether a status counts as
// membership is read from the version in force at each step, falling back to v.
func continuousSince(rb *rules.RuleBook, v *rules.Version, h *rulebook.History, d rulebook.Date) rulebook.Date {
	i := sort.Search(len(h.Points), func(i int) bool { return h.Points[i].From > d }) - 1
	start := rulebook.NoDate
	for ; i >= 0; i-- {
		p := &h.Points[i]
		if !isMember(rb, v, p) {
			break
		}
		start = p.From
	}
	return start
}

func isMember(rb *rules.RuleBook, v *rules.Version, p *rulebook.StatusPoint) bool {
	if pv, err := rb.VersionAt(p.From); err == nil {
		if s := pv.Status(p.Status); s != nil {
			return s.Member
		}
	}
	if s := v.Status(p.Status); s != nil {
		return s.Member
	}
	return false
}

func explain(v *rules.Version, a int, h *rulebook.History, q Question, vd *verdict) *Answer {
	act := v.Actions[a]
	ans := &Answer{Member: h.Member.ID, Name: h.Member.Name, Action: act.ID, ActionName: act.Name, Date: q.Date,
		FreezeDate: q.FreezeDate, Allowed: vd.allowed, Version: v.ID, DecidedBy: vd.by}
	verb := "may not"
	if vd.allowed {
		verb = "may"
	}
	if vd.by == ByNotMember {
		ans.Status = "not_a_member"
		ans.StatusName = "Not a member"
		if h.Member.Joined.IsZero() || q.Date < h.Member.Joined {
			ans.Reason = fmt.Sprintf("%s was not on the register on %s (joined %s)", h.Member.Name, q.Date, h.Member.Joined)
		} else {
			ans.Reason = fmt.Sprintf("%s was not on the register on %s", h.Member.Name, q.Date)
		}
		return ans
	}
	p := vd.point
	st := v.Status(p.Status)
	ans.Status, ans.StatusName, ans.StatusSince = st.ID, st.Name, p.From
	if vd.clause != "" {
		ans.Clause = v.Clause(vd.clause)
	}
	defer func() {
		for _, w := range vd.waived {
			ans.Waived = append(ans.Waived, *w)
			ans.Reason += fmt.Sprintf("; the qualifying condition of clause %s was waived for this member from %s (event %s%s): %s", w.Clause, w.From, w.EventID, byBody(w.Body), w.Reason)
		}
	}()
	switch vd.by {
	case ByMatrix:
		ans.Reason = fmt.Sprintf("with status %q a person %s %s (rule book %s, clause %s)", st.Name, verb, lower(act.Name), v.ID, vd.clause)
		if vd.note != "" {
			ans.Reason += ": " + vd.note
		}
	case ByDecision:
		ans.Event, ans.Body = p.EventID, p.Body
		ans.Reason = fmt.Sprintf("the decision placing the member in status %s (event %s%s) says they %s %s", st.Name, p.EventID, byBody(p.Body), verb, lower(act.Name))
	case ByRestriction:
		r := vd.restr
		ans.Event, ans.Body = r.EventID, r.Body
		until := "until further notice"
		if !r.Until.IsZero() {
			until = "until " + r.Until.String()
		}
		ans.Reason = fmt.Sprintf("a restriction from %s %s (event %s%s) says the member %s %s", r.From, until, r.EventID, byBody(r.Body), verb, lower(act.Name))
	case ByCondition:
		c := vd.cond
		if vd.since.IsZero() {
			ans.Reason = fmt.Sprintf("the member was not a member on %s, when continuous membership of %s is measured", vd.measured, c.ContinuousMembership)
		} else {
			ans.Reason = fmt.Sprintf("continuous membership since %s is less than the %s required on %s", vd.since, c.ContinuousMembership, vd.measured)
		}
	}
	serving(v, h, q, p, ans)
	return ans
}

func byBody(b string) string {
	if b == "" {
		return ""
	}
	return ", by " + b
}

func lower(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'A' && b[0] <= 'Z' && (len(b) < 2 || !(b[1] >= 'A' && b[1] <= 'Z')) {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

// Entry is one line of an electorate.
type Entry struct {
	Member string `json:"member"`
	Name   string `json:"name"`
	Unit   string `json:"unit,omitempty"`
	Status string `json:"status"`
}

// Electorate lists, in member-id order, the members who may do q.Action on q.Date.
// It also returns how many members were refused, by the deciding status or reason.
func Electorate(rb *rules.RuleBook, members []*rulebook.History, q Question) ([]Entry, map[string]int, error) {
	dc, err := NewDecider(rb, q)
	if err != nil {
		return nil, nil, err
	}
	out := make([]Entry, 0, len(members))
	for _, h := range members {
		ok, status, err := dc.Decide(h)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			out = append(out, Entry{Member: h.Member.ID, Name: h.Member.Name, Unit: h.Member.Unit, Status: status})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Member < out[j].Member })
	return out, dc.Refused, nil
}

// Decider answers one question for member after member, as they are read: an
// electorate of a million is worked out without holding a million histories.
type Decider struct {
	rb *rules.RuleBook
	v  *rules.Version
	a  int
	q  Question
	// Refused counts the members refused so far, by the deciding status or
	// reason (as Electorate returns them).
	Refused map[string]int
}

// NewDecider prepares to answer q, under the rule book version in force on q.Date.
func NewDecider(rb *rules.RuleBook, q Question) (*Decider, error) {
	v, err := rb.VersionAt(q.Date)
	if err != nil {
		return nil, err
	}
	a, ok := v.ActionIndex(q.Action)
	if !ok {
		return nil, unknownAction(v, q.Action)
	}
	return &Decider{rb: rb, v: v, a: a, q: q, Refused: map[string]int{}}, nil
}

// Version is the rule book version the answers are given under.
func (dc *Decider) Version() *rules.Version { return dc.v }

// Decide says whether the member whose history is h may do the action, and if so
// with which status; a refusal is counted in Refused. h is not kept: a reader
// may reuse it for the next member.
func (dc *Decider) Decide(h *rulebook.History) (bool, string, error) {
	vd, err := decide(dc.rb, dc.v, dc.a, h, dc.q)
	if err != nil {
		return false, "", err
	}
	if !vd.allowed {
		key := vd.by
		if vd.point != nil && vd.by != ByCondition {
			key = vd.point.Status
		}
		dc.Refused[key]++
		return false, "", nil
	}
	return true, vd.point.Status, nil
}
