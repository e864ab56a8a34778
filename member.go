package rulebook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Event types of the register. Later parts of rulebook (discipline, selections) add
// their own types; the record and its verification do not depend on the type.
const (
	EventUnitCreated      = "unit.created"
	EventMemberJoined     = "member.joined"
	EventMemberUpdated    = "member.updated"
	EventStatusChanged    = "member.status_changed"
	EventRightsRestricted = "member.rights_restricted"
	EventConditionWaived  = "member.condition_waived"
	EventCorrected        = "event.corrected"
	EventRuleBookAdopted  = "rulebook.adopted"
)

// UnitSubjectPrefix starts the subject of events about a unit ("unit/north"):
// subjects that are not members are "kind/id", and ids cannot contain '/'.
const UnitSubjectPrefix = "unit/"

// The first releases recorded a unit's creation under another type and subject
// prefix. Those events stay in the record as they are, and project as
// EventUnitCreated does.
const (
	LegacyUnitCreated       = "branch.created"
	LegacyUnitSubjectPrefix = "branch/"
)

// Unit is an organisational unit members belong to. Kind is one of the kinds the
// rule book declares, in the organisation's own words; Parent is the unit it lies
// within, of the kind the rule book puts Kind within (empty at the top, or where
// the register does not know it).
type Unit struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Parent string `json:"parent,omitempty"`
}

// Member is a person on the register. A member belongs to one unit (at the lowest
// level known); the units above it follow from the tree of units.
type Member struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
	Unit    string `json:"unit,omitempty"`
	Joined  Date   `json:"joined"`
}

// UnmarshalJSON reads a member as recorded today, or as the first releases
// recorded one: they named the member's units under their kinds, lowest first,
// instead of one unit, and the lowest named is the member's unit. A member who
// has a unit is read as recorded today; only one without is looked at again for
// the units of the first releases (the keys today's form does not have), which
// spares every other member a second, strict reading.
func (m *Member) UnmarshalJSON(b []byte) error {
	type plain Member
	*m = Member{}
	if err := json.Unmarshal(b, (*plain)(m)); err != nil {
		return err
	}
	if m.Unit == "" {
		named, err := legacyUnits(b, memberKeys)
		if err != nil {
			return err
		}
		if len(named) > 0 {
			m.Unit = named[0]
		}
	}
	return nil
}

var memberKeys = []string{"id", "name", "email", "phone", "address", "unit", "joined"}

// legacyUnits returns, in the order written, the non-empty strings of object b
// under keys not in known: the units the first releases named by kind.
func legacyUnits(b []byte, known []string) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("expected a JSON object")
	}
	var out []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		// A key is known as encoding/json matches it to a field: ignoring case.
		if k, _ := t.(string); slices.ContainsFunc(known, func(x string) bool { return strings.EqualFold(x, k) }) {
			continue
		}
		var id string
		if json.Unmarshal(raw, &id) == nil && id != "" {
			out = append(out, id)
		}
	}
	return out, nil
}

// MemberJoined is the data of a member.joined event; its Effective date is the
// joining date.
type MemberJoined struct {
	Member Member `json:"member"`
	// Status is the status the member joins with (the rule book's first status when empty).
	Status string `json:"status,omitempty"`
}

// MemberUpdated changes a member's particulars; empty fields are left alone.
type MemberUpdated struct {
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
	Unit    string `json:"unit,omitempty"`
	// legacy are the units an update of the first releases named by kind, lowest
	// first (see Member.UnmarshalJSON); Register.Apply places the member.
	legacy []string
}

// IsZero reports whether the update changes nothing.
func (u *MemberUpdated) IsZero() bool {
	return u.Name == "" && u.Email == "" && u.Phone == "" && u.Address == "" && u.Unit == "" && len(u.legacy) == 0
}

// Legacy reports whether the update is one of the first releases', naming units
// by kind: applying it needs the tree of units (see Register.Apply).
func (u *MemberUpdated) Legacy() bool { return len(u.legacy) > 0 }

// UnmarshalJSON reads an update as recorded today or by the first releases (as
// Member.UnmarshalJSON does).
func (u *MemberUpdated) UnmarshalJSON(b []byte) error {
	type plain MemberUpdated
	*u = MemberUpdated{}
	if err := json.Unmarshal(b, (*plain)(u)); err != nil {
		return err
	}
	if u.Unit == "" {
		named, err := legacyUnits(b, updateKeys)
		if err != nil {
			return err
		}
		u.legacy = named
	}
	return nil
}

var updateKeys = []string{"name", "email", "phone", "address", "unit"}

// Decision says who decided something, under which clause, and why. Every change of
// status or rights carries one, so that every answer can cite it.
type Decision struct {
	Body   string `json:"body,omitempty"`
	Clause string `json:"clause,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Case links the decision to a disciplinary case, where there is one.
	Case string `json:"case,omitempty"`
	// Sanction names the rule book's sanction applied, where this is one.
	Sanction string `json:"sanction,omitempty"`
}

// StatusChange is the data of a member.status_changed event: from its Effective date
// the member has Status. With Until set, the status lasts until that date and Then
// follows (a two-year suspension, after which the member is active again).
type StatusChange struct {
	Status string `json:"status"`
	Until  Date   `json:"until,omitempty"`
	Then   string `json:"then,omitempty"`
	// Rights narrows or widens the rule book's defaults for this status, for this
	// member, while it lasts ("unless otherwise defined by that decision").
	Rights map[string]bool `json:"rights,omitempty"`
	// Ends lists earlier status or rights events whose measure this change ends
	// early (an appeal quashing or varying a sanction, a fine paid): their points
	// from this change's date on — a scheduled end, a return — no longer apply, and
	// their restrictions end on it. The earlier events stay in the record.
	Ends []string `json:"ends,omitempty"`
	// Count, instead of Until, makes the status last until the member's unit has
	// had Count counted occasions of kind Occasions (a ban of three matches; see
	// Serving); Then follows. Credit is an earlier period whose occasions count too.
	Count     int     `json:"count,omitempty"`
	Occasions string  `json:"occasions,omitempty"`
	Credit    *Period `json:"credit,omitempty"`
	Decision
}

// RightsRestricted is the data of a member.rights_restricted event: from its Effective
// date until Until (open-ended when unset), the listed actions are allowed or barred
// whatever the member's status.
type RightsRestricted struct {
	Rights map[string]bool `json:"rights"`
	Until  Date            `json:"until,omitempty"`
	// Ends, as for StatusChange: a rights-only sanction quashed on appeal is ended
	// by an event with no rights of its own.
	Ends []string `json:"ends,omitempty"`
	Decision
}

// Waiver is the data of a member.condition_waived event: from its Effective date
// until Until (open-ended when unset), the qualifying condition of Action that
// Clause states does not apply to this member — a body with the power exempting
// one person, with reasons. Every answer it changes cites it.
type Waiver struct {
	Action string `json:"action"`
	Clause string `json:"condition_clause"`
	Until  Date   `json:"until,omitempty"`
	Decision
}

// WaiverPoint is a waiver as the register holds it.
type WaiverPoint struct {
	From    Date   `json:"from"`
	EventID string `json:"event_id"`
	Seq     int64  `json:"seq"`
	Waiver
}

// Correction is the data of an event.corrected event: it withdraws an earlier event
// from the record's meaning (the event itself stays, as everything does). A
// replacement, if any, is a new event.
type Correction struct {
	Corrects string `json:"corrects"`
	Reason   string `json:"reason"`
}

// RuleBookAdopted records the rule book the service was run under.
type RuleBookAdopted struct {
	Organisation string   `json:"organisation"`
	SHA256       string   `json:"sha256"`
	Versions     []string `json:"versions"`
}

// StatusPoint is one step in a member's status history: from From, the member has
// Status (until a later point).
type StatusPoint struct {
	From    Date            `json:"from"`
	Status  string          `json:"status"`
	Rights  map[string]bool `json:"rights,omitempty"`
	EventID string          `json:"event_id"`
	Seq     int64           `json:"seq"`
	Decision
}

// Restriction is a period during which some actions are allowed or barred for a
// member whatever their status.
type Restriction struct {
	From    Date            `json:"from"`
	Until   Date            `json:"until,omitempty"`
	Rights  map[string]bool `json:"rights"`
	EventID string          `json:"event_id"`
	Seq     int64           `json:"seq"`
	Decision
}

// History is everything the register knows about one member's standing over time.
// Points are sorted by (From, Seq): the status on a date is the last point on or
// before it, so a later decision about an earlier date overrides from that date on.
type History struct {
	Member       Member        `json:"member"`
	Points       []StatusPoint `json:"status_history"`
	Restrictions []Restriction `json:"restrictions,omitempty"`
	Waivers      []WaiverPoint `json:"waivers,omitempty"`
	// Servings are the measures that last a number of occasions (see Serving).
	Servings []Serving `json:"servings,omitempty"`
}

// WaiverAt returns the waiver of action's condition under clause in force on d, if any.
func (h *History) WaiverAt(action, clause string, d Date) *WaiverPoint {
	for i := len(h.Waivers) - 1; i >= 0; i-- {
		w := &h.Waivers[i]
		if w.Action == action && w.Clause == clause && w.From <= d && (w.Until.IsZero() || d < w.Until) {
			return w
		}
	}
	return nil
}

// end applies a change's Ends: the ended events' points from d on are dropped and
// their restrictions end on d. The joining (event join) is no measure to end: a
// change that names it leaves it be, so no history is ever left without it.
func (h *History) end(ids []string, d Date, join string) {
	for _, id := range ids {
		if id == join {
			continue
		}
		kept := h.Points[:0]
		for _, p := range h.Points {
			if p.EventID == id && p.From >= d {
				continue
			}
			kept = append(kept, p)
		}
		h.Points = kept
		h.endServings([]string{id}, d)
		for i := range h.Restrictions {
			r := &h.Restrictions[i]
			if r.EventID == id && (r.Until.IsZero() || r.Until > d) {
				r.Until = d
			}
		}
	}
}

// StatusAt returns the status point in force on d, or nil before the member joined.
func (h *History) StatusAt(d Date) *StatusPoint {
	i := sort.Search(len(h.Points), func(i int) bool { return h.Points[i].From > d })
	if i == 0 {
		return nil
	}
	return &h.Points[i-1]
}

func (h *History) addPoint(p StatusPoint) {
	i := sort.Search(len(h.Points), func(i int) bool {
		q := h.Points[i]
		return q.From > p.From || (q.From == p.From && q.Seq > p.Seq)
	})
	h.Points = append(h.Points, StatusPoint{})
	copy(h.Points[i+1:], h.Points[i:])
	h.Points[i] = p
}

// Register is the projection of the record: the tree of units and members'
// histories. It is built by applying events in order; Project builds one from a
// whole record.
type Register struct {
	Units   Units
	Members map[string]*History
	// DefaultStatus is given to members who join without a status.
	DefaultStatus string
	// occasions holds what measures served in occasions are worked out from.
	occasions *occasionState
	// joins names each member's joining event.
	joins map[string]string
}

// NewRegister returns an empty register whose joiners get defaultStatus.
func NewRegister(defaultStatus string) *Register {
	return &Register{Units: Units{}, Members: map[string]*History{}, DefaultStatus: defaultStatus, joins: map[string]string{}}
}

// Project builds the register from events in stored order, as believed at asOf: events
// recorded after asOf, and events withdrawn by corrections recorded by then, are left
// out. A zero asOf means now (everything recorded).
func Project(events []Event, defaultStatus string, asOf time.Time) (*Register, error) {
	return ProjectWith(nil, events, defaultStatus, asOf)
}

// ProjectWith is Project starting from a register that holds units already: one
// member's events projected alone need the tree if they hold an update of the
// first releases (see NeedsUnits).
func ProjectWith(units []Unit, events []Event, defaultStatus string, asOf time.Time) (*Register, error) {
	retracted := map[string]bool{}
	for i := range events {
		e := &events[i]
		if e.Type != EventCorrected || (!asOf.IsZero() && e.Recorded.After(asOf)) {
			continue
		}
		var c Correction
		if err := json.Unmarshal(e.Data, &c); err != nil {
			return nil, fmt.Errorf("event %s: %v", e.ID, err)
		}
		retracted[c.Corrects] = true
	}
	r := NewRegister(defaultStatus)
	for i := range units {
		u := units[i]
		r.Units[u.ID] = &u
	}
	for i := range events {
		e := &events[i]
		if retracted[e.ID] || (!asOf.IsZero() && e.Recorded.After(asOf)) {
			continue
		}
		if err := r.Apply(e); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Apply folds one event into the register. Corrections are not handled here: a
// correction needs the subject's earlier events, so callers rebuild that subject
// (Project over its events) instead. Unknown event types are ignored; they belong to
// other projections.
func (r *Register) Apply(e *Event) error {
	bad := func(err error) error { return fmt.Errorf("event %s (%s): %v", e.ID, e.Type, err) }
	switch e.Type {
	case EventUnitCreated, LegacyUnitCreated:
		var u Unit
		if err := json.Unmarshal(e.Data, &u); err != nil {
			return bad(err)
		}
		r.Units[u.ID] = &u
	case EventMemberJoined:
		var d MemberJoined
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return bad(err)
		}
		st := d.Status
		if st == "" {
			st = r.DefaultStatus
		}
		d.Member.Joined = e.Effective
		h := r.Members[d.Member.ID]
		if h == nil {
			h = &History{}
			r.Members[d.Member.ID] = h
		}
		h.Member = d.Member
		r.joins[d.Member.ID] = e.ID
		h.addPoint(StatusPoint{From: e.Effective, Status: st, EventID: e.ID, Seq: e.Seq, Decision: Decision{Reason: "joined"}})
	case EventMemberUpdated:
		h := r.Members[e.Subject]
		if h == nil {
			return bad(fmt.Errorf("no member %q", e.Subject))
		}
		var d MemberUpdated
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return bad(err)
		}
		m := &h.Member
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		set(&m.Name, d.Name)
		set(&m.Email, d.Email)
		set(&m.Phone, d.Phone)
		set(&m.Address, d.Address)
		unit := m.Unit
		set(&unit, d.Unit)
		if d.Legacy() {
			unit = r.Units.legacyPlace(unit, d.legacy)
		}
		// A change of unit (a transfer) is dated: measures served in occasions
		// follow the member from its day. Noted before the member moves, so the
		// history starts from the unit they were in.
		if d.Unit != "" || d.Legacy() {
			r.noteUnit(e.Subject, e.Effective, e.Seq, unit)
		}
		m.Unit = unit
		if r.occ().counting[e.Subject] {
			r.serve(e.Subject)
		}
	case EventStatusChanged:
		h := r.Members[e.Subject]
		if h == nil {
			return bad(fmt.Errorf("no member %q", e.Subject))
		}
		var d StatusChange
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return bad(err)
		}
		h.end(d.Ends, e.Effective, r.joins[e.Subject])
		var pts [2]StatusPoint
		for _, p := range d.points(e.ID, e.Seq, e.Effective, pts[:0]) {
			h.addPoint(p)
		}
		if d.Count > 0 {
			r.addServing(e.Subject, h, e, &d)
		} else if len(d.Ends) > 0 && r.occ().counting[e.Subject] {
			r.serve(e.Subject)
		}
	case EventRightsRestricted:
		h := r.Members[e.Subject]
		if h == nil {
			return bad(fmt.Errorf("no member %q", e.Subject))
		}
		var d RightsRestricted
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return bad(err)
		}
		h.end(d.Ends, e.Effective, r.joins[e.Subject])
		if len(d.Ends) > 0 && r.occ().counting[e.Subject] {
			r.serve(e.Subject)
		}
		h.Restrictions = d.restrictions(e.ID, e.Seq, e.Effective, h.Restrictions)
	case EventConditionWaived:
		h := r.Members[e.Subject]
		if h == nil {
			return bad(fmt.Errorf("no member %q", e.Subject))
		}
		var d Waiver
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return bad(err)
		}
		h.Waivers = append(h.Waivers, d.point(e.ID, e.Seq, e.Effective))
	case EventOccasionRecorded:
		if err := r.recordOccasion(e); err != nil {
			return bad(err)
		}
	}
	return nil
}

// points appends the status points a status change makes: its status from
// eff, and, with Until, Then from that day.
func (d *StatusChange) points(id string, seq int64, eff Date, dst []StatusPoint) []StatusPoint {
	dst = append(dst, StatusPoint{From: eff, Status: d.Status, Rights: d.Rights, EventID: id, Seq: seq, Decision: d.Decision})
	if !d.Until.IsZero() {
		dst = append(dst, StatusPoint{From: d.Until, Status: d.Then, EventID: id, Seq: seq,
			Decision: Decision{Body: d.Body, Clause: d.Clause, Case: d.Case, Reason: "end of " + d.Status}})
	}
	return dst
}

// restrictions appends the restriction a restriction of rights makes, if it
// restricts any (one with none only ends others).
func (d *RightsRestricted) restrictions(id string, seq int64, eff Date, dst []Restriction) []Restriction {
	if len(d.Rights) == 0 {
		return dst
	}
	return append(dst, Restriction{From: eff, Until: d.Until, Rights: d.Rights, EventID: id, Seq: seq, Decision: d.Decision})
}

// point is the waiver as the register holds it, from eff.
func (d *Waiver) point(id string, seq int64, eff Date) WaiverPoint {
	return WaiverPoint{From: eff, EventID: id, Seq: seq, Waiver: *d}
}

// Effect is what an event about a member adds to their history by itself (see
// LocalEffect).
type Effect struct {
	Points       []StatusPoint
	Restrictions []Restriction
	Waivers      []WaiverPoint
}

// LocalEffect sets x to what an event about a member (of type typ, with id, seq,
// effective day eff and data) adds to their history, if that is all it does:
// a status change that ends no earlier measure and is not served in
// occasions, a restriction of rights that ends none, or a waiver. Applied to
// a member's history (Register.Apply), such an event adds these and changes
// nothing else, whatever came before or comes after it but a later event that
// ends or corrects it; so the rows a projection stores for it follow from the
// event alone. ok is false for any other event, or one whose data does not
// read (Apply then says why).
func LocalEffect(typ, id string, seq int64, eff Date, data []byte, x *Effect) (ok bool) {
	x.Points, x.Restrictions, x.Waivers = x.Points[:0], x.Restrictions[:0], x.Waivers[:0]
	switch typ {
	case EventStatusChanged:
		var d StatusChange
		if !quickStatusChange(data, &d) {
			// What the quick reading set is not to be kept.
			d = StatusChange{}
			if json.Unmarshal(data, &d) != nil || len(d.Ends) > 0 || d.Count > 0 {
				return false
			}
		}
		x.Points = d.points(id, seq, eff, x.Points)
	case EventRightsRestricted:
		var d RightsRestricted
		if json.Unmarshal(data, &d) != nil || len(d.Ends) > 0 {
			return false
		}
		x.Restrictions = d.restrictions(id, seq, eff, x.Restrictions)
	case EventConditionWaived:
		var d Waiver
		if json.Unmarshal(data, &d) != nil {
			return false
		}
		x.Waivers = append(x.Waivers, d.point(id, seq, eff))
	default:
		return false
	}
	return true
}

// quickStatusChange reads a status change's data, as json.Unmarshal would, if
// it is as MarshalData writes one that ends nothing and counts no occasions:
// an object of strings without escapes, under keys of StatusChange as
// written. ok is false for any other data (left to json.Unmarshal), and d is
// then not to be used. A check of the projection reads every such change in
// the record, where encoding/json, whose scan before it decodes alone costs
// more than this, was most of the cost.
func quickStatusChange(data []byte, d *StatusChange) (ok bool) {
	if len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' {
		return false
	}
	b := data[1 : len(data)-1]
	for len(b) > 0 {
		key, rest, ok := quickString(b)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return false
		}
		val, rest, ok := quickString(rest[1:])
		if !ok {
			return false
		}
		switch string(key) {
		case "status":
			d.Status = string(val)
		case "until":
			if d.Until.UnmarshalText(val) != nil {
				return false
			}
		case "then":
			d.Then = string(val)
		case "occasions":
			d.Occasions = string(val)
		case "body":
			d.Body = string(val)
		case "clause":
			d.Clause = string(val)
		case "reason":
			d.Reason = string(val)
		case "case":
			d.Case = string(val)
		case "sanction":
			d.Sanction = string(val)
		default:
			return false
		}
		if len(rest) > 0 {
			if rest[0] != ',' || len(rest) == 1 {
				return false
			}
			rest = rest[1:]
		}
		b = rest
	}
	return true
}

// QuickPairs calls f with each key and value of b, an object after its
// opening brace, of strings without escapes and nulls (val nil), as
// MarshalData writes them, and returns what follows the object; ok is false
// for anything else (left to encoding/json) or if f says so. A check of the
// projection reads particulars this way, where encoding/json cost most.
func QuickPairs(b []byte, f func(key, val []byte) bool) (rest []byte, ok bool) {
	if len(b) == 0 {
		return nil, false
	}
	if b[0] == '}' {
		return b[1:], true
	}
	for {
		key, r, ok := quickString(b)
		if !ok || len(r) == 0 || r[0] != ':' {
			return nil, false
		}
		r = r[1:]
		var val []byte
		if bytes.HasPrefix(r, []byte("null")) {
			r = r[4:]
		} else if val, r, ok = quickString(r); !ok {
			return nil, false
		} else if val == nil {
			val = []byte{}
		}
		if !f(key, val) || len(r) == 0 {
			return nil, false
		}
		switch r[0] {
		case '}':
			return r[1:], true
		case ',':
			b = r[1:]
		default:
			return nil, false
		}
	}
}

// quickString reads a JSON string at the start of b that holds no escape and
// is valid UTF-8 (so that it decodes to its own bytes), and returns what
// follows it.
func quickString(b []byte) (s, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, nil, false
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return b[1:i], b[i+1:], utf8.Valid(b[1:i])
		case c == '\\' || c < 0x20:
			return nil, nil, false
		}
	}
	return nil, nil, false
}

// NeedsUnits reports whether projecting events needs the tree of units: whether
// they hold an update of the first releases, which named units by kind.
func NeedsUnits(events []Event) bool {
	for i := range events {
		if events[i].Type != EventMemberUpdated {
			continue
		}
		var u MemberUpdated
		if json.Unmarshal(events[i].Data, &u) == nil && u.Legacy() {
			return true
		}
	}
	return false
}

// SortedMemberIDs returns the register's member ids in order.
func (r *Register) SortedMemberIDs() []string {
	ids := make([]string, 0, len(r.Members))
	for id := range r.Members {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ValidID reports whether s is usable as a member or unit id: 1–64 characters of
// letters, digits, '-', '_' and '.'; ids appear in URLs and CSV files.
func ValidID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) < 0
}

// SearchKey is how the register finds members by name: lower-cased, the last word
// (the surname, in most names on a register) first, then the rest. "Rowan Ashdown"
// is found by "ashdown", "ashd" or "rowan ashdown", whose keys it begins with.
func SearchKey(name string) string {
	f := strings.Fields(strings.ToLower(name))
	if len(f) < 2 {
		return strings.Join(f, " ")
	}
	return f[len(f)-1] + " " + strings.Join(f[:len(f)-1], " ")
}
