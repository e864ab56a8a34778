// Package discipline runs disciplinary cases through the procedure a rule book
// declares: complaints to final decision, automatic exclusion, readmission. Every
// step is an event in the record, checked against the rule book version that
// governs the case; what a step does to the member (a suspension, a sanction, an
// exclusion) is a register event written in the same transaction.
//
// This file holds the case as a projection of its events; decide.go checks steps;
// service.go stores them.
package discipline

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
)

// Event types of the case record; every case event's subject is "case/ID".
const (
	EventCaseOpened       = "case.opened"
	EventComplaintLinked  = "case.complaint_linked"
	EventStep             = "case.step"
	EventRefused          = "case.refused"
	EventConflictDeclared = "case.conflict_declared"
	EventRecusal          = "case.recusal"
	EventMitigation       = "case.mitigation_heard"
	EventContact          = "case.contact_logged"
	EventNoticeSent       = "case.notice_sent"
	EventConditionMet     = "case.condition_met"
	EventListEntry        = "list.entry"
	EventCaseCorrected    = "case.corrected"
	EventCaseRoleGranted  = "case.role_granted"
	EventCaseRoleEnded    = "case.role_ended"
	EventMessage          = "case.message"
	// EventIdentityWithheld records a decision, with its reason, to withhold one
	// complainant's identity from the respondent.
	EventIdentityWithheld = "case.identity_withheld"
	// EventComplainantsUpdated records a progress update sent to the complainants.
	EventComplainantsUpdated = "case.complainants_updated"
)

// Case roles a person may be given in one case. Panel members hold theirs by being
// empanelled (the panel is part of the case); respondents and complainants by
// being parties.
const (
	RoleInvestigator   = "investigator"
	RoleRepresentative = "representative"
)

// SubjectPrefix starts the subject of every case event.
const SubjectPrefix = "case/"

// Case is a disciplinary case as its events make it.
type Case struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // "complaint", "exclusion", "readmission"
	// Respondent is the member (or former member) the case is about.
	Respondent string        `json:"respondent"`
	Opened     rulebook.Date `json:"opened"`
	// Conduct is the date of the conduct (for readmission, of the application):
	// the rule book in force then judges it.
	Conduct      rulebook.Date `json:"conduct"`
	Summary      string        `json:"summary"`
	Complaints   []string      `json:"complaints,omitempty"`
	Complainants []string      `json:"complainants,omitempty"`
	// Linked lists earlier cases this one follows from (new conduct after a final decision).
	Linked []string `json:"linked,omitempty"`
	// Unit is the body that handles the case (a staff unit); staff whose roles see
	// their unit's cases see it.
	Unit string `json:"unit,omitempty"`

	State      string        `json:"state"`
	StateSince rulebook.Date `json:"state_since"`
	Closed     bool          `json:"closed"`
	Outcome    string        `json:"outcome,omitempty"`

	Trigger    *TriggerClaim `json:"trigger,omitempty"`
	Charges    []Charge      `json:"charges,omitempty"`
	Panel      *Panel        `json:"panel,omitempty"`
	Hearing    *Hearing      `json:"hearing,omitempty"`
	Mitigation *Mitigation   `json:"mitigation,omitempty"`
	// Sanctions are every sanction decided in the case, in the order decided; one
	// quashed or varied on appeal stays, marked ended, as the record keeps it.
	Sanctions  []SanctionOrder   `json:"sanctions,omitempty"`
	Suspension *Suspension       `json:"suspension,omitempty"`
	Conflicts  []Conflict        `json:"conflicts,omitempty"`
	Recusals   []Conflict        `json:"recusals,omitempty"`
	Steps      []StepRecord      `json:"steps"`
	Refusals   []Refusal         `json:"refusals,omitempty"`
	Contacts   []Contact         `json:"contacts,omitempty"`
	Notices    []NoticeSent      `json:"notices,omitempty"`
	Conditions []ConditionStatus `json:"conditions,omitempty"`
	// Corrections lists events withdrawn from the case as entered in error; the
	// events stay in the record, and the case is as if they had not been made.
	Corrections []CaseCorrection `json:"corrections,omitempty"`
	// Roles are the case roles held (investigators, representatives).
	Roles []CaseRole `json:"roles,omitempty"`
	// RespondentLeft is set when a step recorded the respondent's resignation while
	// the case was open, so a later application for readmission is warned of it.
	RespondentLeft bool `json:"left_while_open,omitempty"`
	// NonPayment is the register event that placed the respondent in a status for
	// an unpaid fine, until it is paid.
	NonPayment string `json:"non_payment,omitempty"`
	// Interim is the decision on interim action taken at intake: to suspend, or
	// not, with the criteria cited.
	Interim *InterimDecision `json:"interim,omitempty"`
	// Withheld are the complainants whose identities are withheld from the
	// respondent, each by a decision in this case with its reason.
	Withheld []Withholding `json:"withheld,omitempty"`
	// Updates are the progress updates sent to the complainants.
	Updates []Update `json:"updates,omitempty"`
	// Guidance is where the last sanctions decided fall in the sanctions guidance,
	// and Departure the reasons given for departing from it.
	Guidance  []GuidanceApplied `json:"guidance,omitempty"`
	Departure string            `json:"departure,omitempty"`
	// Standard is the standard punishment applied in the case, if one was.
	Standard *StandardApplied `json:"standard,omitempty"`
	// Messages are what the parties and the case team wrote about the case.
	Messages []Message `json:"messages,omitempty"`
	// lastSeq is the seq of the last event applied (not part of the case's JSON,
	// which must be the same however it was built).
	lastSeq int64
}

// CaseRole is a role a person holds in one case.
type CaseRole struct {
	Person string        `json:"person"`
	Role   string        `json:"role"`
	Since  rulebook.Date `json:"since"`
	Reason string        `json:"reason,omitempty"`
	Event  string        `json:"event,omitempty"`
}

// Message is something written about a case by a party or a member of the case
// team (a respondent's answer, a complainant's further information, a note). An
// approach from someone with no role in the case is not a message: it goes to the
// interference register as a contact.
type Message struct {
	Date rulebook.Date `json:"date"`
	// From is the person who wrote (a member id, or an account's name); As says
	// in what capacity ("respondent", "complainant", "representative", "staff",
	// "reporter" for an anonymous complainant).
	From  string `json:"from"`
	As    string `json:"as"`
	Text  string `json:"text"`
	Event string `json:"event,omitempty"`
}

// People lists who the case concerns, and how, for per-person lookups.
func (c *Case) People() []sqldb.CasePerson {
	out := []sqldb.CasePerson{{Person: c.Respondent, Relation: "respondent"}}
	for _, p := range c.Complainants {
		out = append(out, sqldb.CasePerson{Person: p, Relation: "complainant"})
	}
	if c.Panel != nil {
		for _, m := range c.Panel.Members {
			out = append(out, sqldb.CasePerson{Person: m.ID, Relation: "panel"})
		}
	}
	for _, cf := range c.Conflicts {
		out = append(out, sqldb.CasePerson{Person: cf.Person, Relation: "conflict"})
	}
	for _, r := range c.Recusals {
		out = append(out, sqldb.CasePerson{Person: r.Person, Relation: "recused"})
	}
	for _, r := range c.Roles {
		out = append(out, sqldb.CasePerson{Person: r.Person, Relation: r.Role})
	}
	return out
}

// CaseCorrection records an event of the case withdrawn as entered in error.
type CaseCorrection struct {
	Event    string        `json:"event"`
	Corrects string        `json:"corrects"`
	Reason   string        `json:"reason"`
	Date     rulebook.Date `json:"date"`
}

// Charge is one count: one alleged breach of one clause.
type Charge struct {
	Count       int    `json:"count"`
	Clause      string `json:"clause"`
	Particulars string `json:"particulars"`
	// Finding is "", "proved" or "not_proved".
	Finding string `json:"finding,omitempty"`
	Reasons string `json:"reasons,omitempty"`
}

// Finding is the hearing body's decision on one count.
type Finding struct {
	Count   int    `json:"count"`
	Finding string `json:"finding"` // "proved" or "not_proved"
	Reasons string `json:"reasons,omitempty"`
}

// PanelMember sits on a hearing panel, drawn from a section of the hearing body.
type PanelMember struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Section string `json:"section"`
}

// Panel is the panel that hears a case.
type Panel struct {
	Body    string        `json:"body"`
	Members []PanelMember `json:"members"`
}

// Hearing is when and where a case is heard.
type Hearing struct {
	Date   rulebook.Date `json:"date"`
	Place  string        `json:"place,omitempty"`
	Paper  bool          `json:"paper,omitempty"`
	Notice rulebook.Date `json:"notice"`
	// EvidenceBy is when the parties' evidence is due, where the rule book sets it.
	EvidenceBy rulebook.Date `json:"evidence_by,omitempty"`
}

// Mitigation records that the respondent's mitigation was heard.
type Mitigation struct {
	Heard   rulebook.Date `json:"heard"`
	Summary string        `json:"summary"`
}

// SanctionOrder is one sanction decided.
type SanctionOrder struct {
	Sanction string        `json:"sanction"`
	From     rulebook.Date `json:"from"`
	Until    rulebook.Date `json:"until,omitempty"`
	// Count is how many of Unit a sanction counted in occasions or units is (a
	// ban of 3 matches, a deduction of 6 points).
	Count int    `json:"count,omitempty"`
	Unit  string `json:"unit,omitempty"`
	// Amount is the sum a fine or costs order requires, due by PayBy.
	Amount rulebook.Money `json:"amount,omitzero"`
	PayBy  rulebook.Date  `json:"pay_by,omitempty"`
	Paid   rulebook.Date  `json:"paid,omitempty"`
	// CreditFrom is the date a sanction's period is counted from when time served
	// under administrative suspension is credited: the suspension's start, or for
	// one lifted before the sanction, as many days before the sanction as it ran.
	CreditFrom rulebook.Date `json:"credit_from,omitempty"`
	// CreditUntil ends the credited period of a sanction counted in occasions:
	// those of the member's unit from CreditFrom until then count toward it.
	CreditUntil rulebook.Date `json:"credit_until,omitempty"`
	Factors     []string      `json:"factors,omitempty"`
	Conditions  []Condition   `json:"conditions,omitempty"`
	// Set by the engine: the step that decided it, and the register event it
	// wrote (if any), so an appeal can end exactly that measure.
	Step        string `json:"step,omitempty"`
	MemberEvent string `json:"member_event,omitempty"`
	// Ended is the date an appeal or review quashed or varied it (EndedHow), by
	// the step EndedBy; it is no longer in force from then.
	Ended    rulebook.Date `json:"ended,omitempty"`
	EndedHow string        `json:"ended_how,omitempty"`
	EndedBy  string        `json:"ended_by,omitempty"`
}

// String describes the sanction in a line: what, how much, when, and whether it
// still stands.
func (so SanctionOrder) String() string {
	s := so.Sanction
	if so.Count > 0 {
		s += fmt.Sprintf(" %d %s", so.Count, so.Unit)
	}
	if !so.Amount.IsZero() {
		s += " " + so.Amount.String() + " (pay by " + so.PayBy.String()
		if !so.Paid.IsZero() {
			s += ", paid " + so.Paid.String()
		}
		s += ")"
	}
	s += " from " + so.From.String()
	if !so.Until.IsZero() {
		s += " until " + so.Until.String()
	}
	if !so.CreditFrom.IsZero() {
		s += " (credit for time served since " + so.CreditFrom.String() + ")"
	}
	if !so.Ended.IsZero() {
		s += " — " + so.EndedHow + " " + so.Ended.String()
	}
	return s
}

// InForce reports whether the sanction has not been quashed or varied.
func (so *SanctionOrder) InForce() bool { return so.Ended.IsZero() }

// Condition is something the member must do by a date (e.g. complete a course).
type Condition struct {
	What string        `json:"what"`
	Due  rulebook.Date `json:"due"`
}

// ConditionStatus tracks a sanction condition.
type ConditionStatus struct {
	Condition
	Met rulebook.Date `json:"met,omitempty"`
}

// Suspension is the administrative suspension imposed in the case.
type Suspension struct {
	From     rulebook.Date   `json:"from"`
	ReviewBy rulebook.Date   `json:"review_by"`
	Rights   map[string]bool `json:"rights,omitempty"`
	Lifted   rulebook.Date   `json:"lifted,omitempty"`
	Event    string          `json:"event"`
	Reviews  []rulebook.Date `json:"reviews,omitempty"`
}

// TriggerClaim is the automatic-exclusion trigger relied on.
type TriggerClaim struct {
	Trigger string        `json:"trigger"`
	Conduct rulebook.Date `json:"conduct"`
	// Entry is the id of the entry on the trigger's dated list (the candidate
	// stood against, the organisation joined).
	Entry string `json:"entry,omitempty"`
}

// Vote is a deciding body's vote on the motion before it.
type Vote struct {
	For     int `json:"for"`
	Against int `json:"against"`
	Abstain int `json:"abstain,omitempty"`
}

// Conflict is a declared conflict of interest, or a recusal.
type Conflict struct {
	Person string        `json:"person"`
	Reason string        `json:"reason"`
	Date   rulebook.Date `json:"date"`
}

// StepRecord is a step taken, as the case history shows it.
type StepRecord struct {
	Transition string        `json:"transition"`
	From       string        `json:"from"`
	To         string        `json:"to"`
	Date       rulebook.Date `json:"date"`
	Body       string        `json:"body"`
	Actor      string        `json:"actor"`
	Clause     string        `json:"clause"`
	Criteria   []string      `json:"criteria,omitempty"`
	Rationale  string        `json:"rationale,omitempty"`
	Vote       *Vote         `json:"vote,omitempty"`
	Version    string        `json:"rule_book_version"`
	Event      string        `json:"event"`
}

// Refusal is a step demanded that the rule book does not permit: recorded, and
// answered with the clause.
type Refusal struct {
	Transition string        `json:"transition"`
	Date       rulebook.Date `json:"date"`
	Body       string        `json:"body"`
	Demand     string        `json:"demand"`
	Clause     string        `json:"clause"`
	Answer     string        `json:"answer"`
	Event      string        `json:"event"`
}

// Contact is an approach about a case from someone outside its roles: the
// interference register.
type Contact struct {
	Date    rulebook.Date `json:"date"`
	From    string        `json:"from"`
	Role    string        `json:"role,omitempty"`
	Channel string        `json:"channel,omitempty"`
	Summary string        `json:"summary"`
	Event   string        `json:"event"`
}

// NoticeSent records a letter sent.
type NoticeSent struct {
	Template  string        `json:"template"`
	To        []string      `json:"to"`
	Date      rulebook.Date `json:"date"`
	MessageID string        `json:"message_id,omitempty"`
	Event     string        `json:"event"`
}

// Opened is the data of case.opened.
type Opened struct {
	ID           string        `json:"id"`
	Kind         string        `json:"kind"`
	Respondent   string        `json:"respondent"`
	Conduct      rulebook.Date `json:"conduct"`
	Summary      string        `json:"summary"`
	Complaints   []string      `json:"complaints,omitempty"`
	Complainants []string      `json:"complainants,omitempty"`
	Linked       []string      `json:"linked,omitempty"`
	Unit         string        `json:"unit,omitempty"`
	State        string        `json:"state"`
}

// Step is the data of case.step: a transition taken, with what it decided.
type Step struct {
	Transition string   `json:"transition"`
	Body       string   `json:"body"`
	Criteria   []string `json:"criteria,omitempty"`
	Rationale  string   `json:"rationale,omitempty"`
	// Decided is filled in by the engine: the states and the rule book versions.
	From     string    `json:"from"`
	To       string    `json:"to"`
	Clause   string    `json:"clause"`
	Version  string    `json:"rule_book_version"`
	Charges  []Charge  `json:"charges,omitempty"`
	Findings []Finding `json:"findings,omitempty"`
	Panel    *Panel    `json:"panel,omitempty"`
	Hearing  *Hearing  `json:"hearing,omitempty"`
	// Sanction is how steps recorded before several sanctions per decision named
	// their one sanction; Sanctions is read from it for those.
	Sanction  *SanctionOrder  `json:"sanction,omitempty"`
	Sanctions []SanctionOrder `json:"sanctions,omitempty"`
	Suspend   *SuspendOrder   `json:"suspend,omitempty"`
	Trigger   *TriggerClaim   `json:"trigger,omitempty"`
	Evidence  []string        `json:"evidence,omitempty"`
	Vote      *Vote           `json:"vote,omitempty"`
	Shorten   bool            `json:"shorten,omitempty"`
	Waive     *WaiveOrder     `json:"waive,omitempty"`
	// Guidance places the sanctions against the rule book's guidance, and
	// Departure gives the reasons for one outside it.
	Guidance  []GuidanceApplied `json:"guidance,omitempty"`
	Departure string            `json:"departure,omitempty"`
	// Paid names the sanction (by index in the case's Sanctions) a payment is for.
	Paid *int `json:"paid,omitempty"`
	// Standard names the standard punishment the step applied, and ContestBy the
	// last day to contest it.
	Standard  string        `json:"standard,omitempty"`
	ContestBy rulebook.Date `json:"contest_by,omitempty"`
	// Effects, Closed and Outcome are filled in by the engine from the transition,
	// so the event says what the step did under the version applied.
	Effects []string `json:"effects,omitempty"`
	Closed  bool     `json:"closed,omitempty"`
	Outcome string   `json:"outcome,omitempty"`
	// Sanctioned names the sanctions the step applied ("fine+reprimand"), for the
	// statistics.
	Sanctioned string `json:"sanctioned,omitempty"`
	// MemberEvents are the ids of the register events the step wrote (its effects
	// on the member), stored with it in the same transaction.
	MemberEvents []string `json:"member_events,omitempty"`
}

// Withholding is a decision to withhold a complainant's identity from the
// respondent.
type Withholding struct {
	Person string        `json:"person"`
	Reason string        `json:"reason"`
	Date   rulebook.Date `json:"date,omitempty"`
	Event  string        `json:"event,omitempty"`
}

// Update is a progress update sent to the complainants.
type Update struct {
	Text  string        `json:"text"`
	Date  rulebook.Date `json:"date,omitempty"`
	Event string        `json:"event,omitempty"`
}

// withheld reports whether person's identity is withheld from the respondent.
func (c *Case) withheld(person string) bool {
	for _, w := range c.Withheld {
		if w.Person == person {
			return true
		}
	}
	return false
}

// InterimDecision is the recorded decision on interim action in a case.
type InterimDecision struct {
	Date      rulebook.Date `json:"date"`
	Suspended bool          `json:"suspended"`
	Criteria  []string      `json:"criteria,omitempty"`
	Rationale string        `json:"rationale,omitempty"`
	Event     string        `json:"event"`
}

// GuidanceApplied is where a decision's sanctions fall in the guidance for one
// clause: "below", "within" or "above" the range for the seriousness found.
type GuidanceApplied struct {
	Clause      string `json:"clause"`
	Seriousness string `json:"seriousness"`
	From        string `json:"from"`
	To          string `json:"to"`
	Position    string `json:"position"`
}

// WaiveOrder waives a qualifying condition of an action for the respondent.
type WaiveOrder struct {
	Action string        `json:"action"`
	Clause string        `json:"condition_clause"`
	Until  rulebook.Date `json:"until,omitempty"`
}

// SuspendOrder is what an administrative suspension decision says.
type SuspendOrder struct {
	// From may be later than the decision (a suspension scheduled to start when a
	// sanction ends).
	From     rulebook.Date   `json:"from"`
	ReviewBy rulebook.Date   `json:"review_by,omitempty"`
	Rights   map[string]bool `json:"rights,omitempty"`
}

// RefusedData is the data of case.refused.
type RefusedData struct {
	Transition string `json:"transition"`
	Body       string `json:"body"`
	Demand     string `json:"demand"`
	Clause     string `json:"clause"`
	Answer     string `json:"answer"`
}

// ContactData is the data of case.contact_logged.
type ContactData struct {
	From    string `json:"from"`
	Role    string `json:"role,omitempty"`
	Channel string `json:"channel,omitempty"`
	Summary string `json:"summary"`
}

// NoticeData is the data of case.notice_sent.
type NoticeData struct {
	Template  string   `json:"template"`
	To        []string `json:"to"`
	MessageID string   `json:"message_id,omitempty"`
}

// ListEntry is an entry on a dated list the rule book declares: what a trigger is
// checked against, a hearing body's roster, training completed, candidates in open
// selections.
type ListEntry struct {
	List  string        `json:"list"` // a list the rule book declares
	ID    string        `json:"id"`
	Name  string        `json:"name"`
	About string        `json:"about,omitempty"` // the election, or a description
	From  rulebook.Date `json:"from"`
	Until rulebook.Date `json:"until,omitempty"`
	// Member is the member the entry is about, where it is about one: a candidate
	// in an open selection, a hearing body's panel member on its roster, a course
	// completed (From) and until when it counts (Until).
	Member string `json:"member,omitempty"`
	// Section is the roster section a panel member sits for.
	Section string `json:"section,omitempty"`
}

// InForce reports whether the entry was on its list on d.
func (l *ListEntry) InForce(d rulebook.Date) bool {
	return l.From <= d && (l.Until.IsZero() || d < l.Until)
}

// Apply folds one case event into c.
func (c *Case) Apply(e *rulebook.Event) error {
	_, err := c.apply(e)
	return err
}

// apply is Apply, returning the step a step event holds, decoded (its row
// needs it too: decoding it twice was a good part of a rebuild's time).
func (c *Case) apply(e *rulebook.Event) (step *Step, err error) {
	bad := func(err error) (*Step, error) { return nil, fmt.Errorf("event %s (%s): %v", e.ID, e.Type, err) }
	defer func() { c.lastSeq = e.Seq }()
	switch e.Type {
	case EventCaseOpened:
		var o Opened
		if err := json.Unmarshal(e.Data, &o); err != nil {
			return bad(err)
		}
		*c = Case{ID: o.ID, Kind: o.Kind, Respondent: o.Respondent, Opened: e.Effective, Conduct: o.Conduct, Summary: o.Summary,
			Complaints: o.Complaints, Complainants: o.Complainants, Linked: o.Linked, Unit: o.Unit, State: o.State, StateSince: e.Effective}
	case EventComplaintLinked:
		var o Opened
		if err := json.Unmarshal(e.Data, &o); err != nil {
			return bad(err)
		}
		c.Complaints = append(c.Complaints, o.Complaints...)
		for _, p := range o.Complainants {
			if !has(c.Complainants, p) {
				c.Complainants = append(c.Complainants, p)
			}
		}
		if !o.Conduct.IsZero() && o.Conduct < c.Conduct {
			c.Conduct = o.Conduct
		}
	case EventStep:
		step = &Step{}
		if err := json.Unmarshal(e.Data, step); err != nil {
			return bad(err)
		}
		c.applyStep(e, step)
	case EventRefused:
		var r RefusedData
		if err := json.Unmarshal(e.Data, &r); err != nil {
			return bad(err)
		}
		c.Refusals = append(c.Refusals, Refusal{Transition: r.Transition, Date: e.Effective, Body: r.Body, Demand: r.Demand, Clause: r.Clause, Answer: r.Answer, Event: e.ID})
	case EventConflictDeclared, EventRecusal:
		var cf Conflict
		if err := json.Unmarshal(e.Data, &cf); err != nil {
			return bad(err)
		}
		cf.Date = e.Effective
		if e.Type == EventConflictDeclared {
			c.Conflicts = append(c.Conflicts, cf)
		} else {
			c.Recusals = append(c.Recusals, cf)
			if c.Panel != nil {
				kept := c.Panel.Members[:0:0]
				for _, m := range c.Panel.Members {
					if m.ID != cf.Person {
						kept = append(kept, m)
					}
				}
				c.Panel.Members = kept
			}
		}
	case EventMitigation:
		var m Mitigation
		if err := json.Unmarshal(e.Data, &m); err != nil {
			return bad(err)
		}
		m.Heard = e.Effective
		c.Mitigation = &m
	case EventContact:
		var d ContactData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return bad(err)
		}
		c.Contacts = append(c.Contacts, Contact{Date: e.Effective, From: d.From, Role: d.Role, Channel: d.Channel, Summary: d.Summary, Event: e.ID})
	case EventNoticeSent:
		var d NoticeData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return bad(err)
		}
		c.Notices = append(c.Notices, NoticeSent{Template: d.Template, To: d.To, Date: e.Effective, MessageID: d.MessageID, Event: e.ID})
	case EventCaseCorrected:
		var d rulebook.Correction
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return bad(err)
		}
		c.Corrections = append(c.Corrections, CaseCorrection{Event: e.ID, Corrects: d.Corrects, Reason: d.Reason, Date: e.Effective})
	case EventCaseRoleGranted:
		var r CaseRole
		if err := json.Unmarshal(e.Data, &r); err != nil {
			return bad(err)
		}
		r.Since, r.Event = e.Effective, e.ID
		c.Roles = append(c.Roles, r)
	case EventCaseRoleEnded:
		var r CaseRole
		if err := json.Unmarshal(e.Data, &r); err != nil {
			return bad(err)
		}
		kept := c.Roles[:0:0]
		for _, x := range c.Roles {
			if x.Person != r.Person || x.Role != r.Role {
				kept = append(kept, x)
			}
		}
		c.Roles = kept
	case EventMessage:
		var m Message
		if err := json.Unmarshal(e.Data, &m); err != nil {
			return bad(err)
		}
		m.Date, m.Event = e.Effective, e.ID
		c.Messages = append(c.Messages, m)
	case EventIdentityWithheld:
		var w Withholding
		if err := json.Unmarshal(e.Data, &w); err != nil {
			return bad(err)
		}
		w.Date, w.Event = e.Effective, e.ID
		c.Withheld = append(c.Withheld, w)
	case EventComplainantsUpdated:
		var u Update
		if err := json.Unmarshal(e.Data, &u); err != nil {
			return bad(err)
		}
		u.Date, u.Event = e.Effective, e.ID
		c.Updates = append(c.Updates, u)
	case EventConditionMet:
		var d Condition
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return bad(err)
		}
		for i := range c.Conditions {
			if c.Conditions[i].What == d.What && c.Conditions[i].Met.IsZero() {
				c.Conditions[i].Met = e.Effective
				break
			}
		}
	}
	return step, nil
}

func (c *Case) applyStep(e *rulebook.Event, s *Step) {
	c.Steps = append(c.Steps, StepRecord{Transition: s.Transition, From: s.From, To: s.To, Date: e.Effective, Body: s.Body, Actor: e.Actor,
		Clause: s.Clause, Criteria: s.Criteria, Rationale: s.Rationale, Vote: s.Vote, Version: s.Version, Event: e.ID})
	if s.To != "" && s.To != c.State {
		c.State, c.StateSince = s.To, e.Effective
	}
	if s.Charges != nil {
		c.Charges = append([]Charge(nil), s.Charges...)
	}
	if s.Panel != nil {
		p := *s.Panel
		c.Panel = &p
	}
	if s.Hearing != nil {
		h := *s.Hearing
		c.Hearing = &h
	}
	for _, f := range s.Findings {
		for i := range c.Charges {
			if c.Charges[i].Count == f.Count {
				c.Charges[i].Finding, c.Charges[i].Reasons = f.Finding, f.Reasons
			}
		}
	}
	if s.Trigger != nil {
		t := *s.Trigger
		c.Trigger = &t
	}
	sanctions := s.Sanctions
	if len(sanctions) == 0 && s.Sanction != nil {
		// Recorded before sanctions named their register events: a sanction's
		// event came first among the step's.
		so := *s.Sanction
		if len(s.MemberEvents) > 0 && has(s.Effects, "sanction") {
			so.MemberEvent = s.MemberEvents[0]
		}
		sanctions = []SanctionOrder{so}
	}
	if has(s.Effects, "quash_sanction") || has(s.Effects, "vary_sanction") {
		how := "quashed"
		if has(s.Effects, "vary_sanction") {
			how = "varied"
		}
		for i := range c.Sanctions {
			if so := &c.Sanctions[i]; so.InForce() {
				so.Ended, so.EndedHow, so.EndedBy = e.Effective, how, e.ID
			}
		}
	}
	if s.Paid != nil && *s.Paid >= 0 && *s.Paid < len(c.Sanctions) {
		c.Sanctions[*s.Paid].Paid = e.Effective
	}
	if has(s.Effects, "non_payment") && len(s.MemberEvents) > 0 {
		c.NonPayment = s.MemberEvents[0]
	}
	if has(s.Effects, "payment") {
		c.NonPayment = ""
	}
	if c.Interim == nil && (has(s.Effects, "interim_assessment") || has(s.Effects, "admin_suspension")) {
		c.Interim = &InterimDecision{Date: e.Effective, Suspended: has(s.Effects, "admin_suspension"), Criteria: s.Criteria, Rationale: s.Rationale, Event: e.ID}
	}
	if has(s.Effects, "resignation") && !c.Closed {
		c.RespondentLeft = true
	}
	if s.Guidance != nil {
		c.Guidance, c.Departure = s.Guidance, s.Departure
	}
	if s.Standard != "" {
		c.Standard = &StandardApplied{ID: s.Standard, Applied: e.Effective, ContestBy: s.ContestBy, Step: e.ID}
	}
	for _, so := range sanctions {
		so.Step = e.ID
		c.Sanctions = append(c.Sanctions, so)
		for _, cd := range so.Conditions {
			c.Conditions = append(c.Conditions, ConditionStatus{Condition: cd})
		}
	}
	for _, eff := range s.Effects {
		switch {
		case eff == "admin_suspension" && s.Suspend != nil:
			c.Suspension = &Suspension{From: s.Suspend.From, ReviewBy: s.Suspend.ReviewBy, Rights: s.Suspend.Rights, Event: e.ID}
			if len(s.MemberEvents) > 0 {
				c.Suspension.Event = s.MemberEvents[0]
			}
		case c.Suspension == nil || !c.Suspension.Lifted.IsZero():
		case eff == "review_suspension":
			c.Suspension.Reviews = append(c.Suspension.Reviews, e.Effective)
			if s.Suspend != nil && !s.Suspend.ReviewBy.IsZero() {
				c.Suspension.ReviewBy = s.Suspend.ReviewBy
			}
		case eff == "lift_suspension" || eff == "exclusion" || eff == "resignation":
			c.Suspension.Lifted = e.Effective
		case eff == "sanction" && len(sanctions) > 0:
			c.Suspension.Lifted = sanctions[0].From
		}
	}
	// A step into a state says whether the case is closed there: a step out of a
	// closed state into an open one (an appeal) reopens the case, and the outcome
	// waits for the next closing step.
	if s.To != "" {
		c.Closed = s.Closed
		c.Outcome = ""
	}
	if s.Closed {
		c.Outcome = s.Outcome
	}
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// InForce returns the sanctions decided in the case and not quashed or varied.
func (c *Case) InForce() []SanctionOrder {
	var out []SanctionOrder
	for _, so := range c.Sanctions {
		if so.InForce() {
			out = append(out, so)
		}
	}
	return out
}

// SanctionsImposed lists the ids of the sanctions a closed case ended with.
func (c *Case) SanctionsImposed() []string {
	if !c.Closed {
		return nil
	}
	var out []string
	for _, so := range c.InForce() {
		out = append(out, so.Sanction)
	}
	return out
}

// Factors lists the aggravating and mitigating factors of the sanctions in force.
func (c *Case) Factors() []string {
	var out []string
	for _, so := range c.InForce() {
		for _, f := range so.Factors {
			if !has(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// ProvedClauses lists, once each and sorted, the clauses of the counts found proved.
func (c *Case) ProvedClauses() []string {
	var out []string
	for _, ch := range c.Charges {
		if ch.Finding == "proved" {
			out = append(out, ch.Clause)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// ProvedCounts lists the counts found proved.
func (c *Case) ProvedCounts() []int {
	var out []int
	for _, ch := range c.Charges {
		if ch.Finding == "proved" {
			out = append(out, ch.Count)
		}
	}
	sort.Ints(out)
	return out
}

func jsonInto(b []byte, v any) error { return json.Unmarshal(b, v) }

// Retracted returns the ids of the events that corrections among evs withdraw.
func Retracted(evs []rulebook.Event) map[string]bool {
	out := map[string]bool{}
	for i := range evs {
		if evs[i].Type != EventCaseCorrected {
			continue
		}
		var d rulebook.Correction
		if json.Unmarshal(evs[i].Data, &d) == nil {
			out[d.Corrects] = true
		}
	}
	return out
}
