// Package rules loads and checks an organisation's rule book: a YAML file of dated
// versions, each naming the member statuses, the actions whose rights depend on them,
// the rights matrix between the two (every cell citing its clause), the bodies and
// what they may decide, the sanctions menu, the automatic-exclusion triggers and the
// readmission rules. Later versions amend earlier ones, as a conference amends a
// rule book; each version is resolved to a complete set before use, and questions
// about a date are answered under the version in force on that date.
package rules

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook"
)

// RuleBook is a loaded, validated rule book with every version resolved.
type RuleBook struct {
	Organisation string
	Kind         string
	Description  string
	// Source is the file it was loaded from; SHA256 the digest of its bytes, recorded
	// in the event record so that every decision can be traced to the exact text.
	Source string
	SHA256 string
	// Versions are sorted by the date they came into force.
	Versions []*Version
}

// VersionAt returns the version in force on d. Before the first version there is
// none, and that is an error: nothing is ever judged under rules not yet made.
func (rb *RuleBook) VersionAt(d rulebook.Date) (*Version, error) {
	i := sort.Search(len(rb.Versions), func(i int) bool { return rb.Versions[i].InForceFrom > d })
	if i == 0 {
		return nil, rulebook.Errorf(rulebook.ENoRules, "no version of the %s rule book was in force on %s (the first came into force on %s)",
			rb.Organisation, d, rb.Versions[0].InForceFrom)
	}
	return rb.Versions[i-1], nil
}

// Version is one complete, resolved version of the rule book.
type Version struct {
	ID          string
	Title       string
	InForceFrom rulebook.Date
	// Until is the day the next version came into force (NoDate for the latest).
	Until rulebook.Date
	// Procedure says which version's procedure governs a case: "conduct" (the version
	// in force when the conduct happened) or "current" (procedural changes apply at once).
	Procedure     string
	DefaultStatus string

	Clauses       map[string]*Clause
	ClauseOrder   []string
	Statuses      []*Status
	Actions       []*Action
	rights        [][]Cell // [status][action]
	statusIndex   map[string]int
	actionIndex   map[string]int
	Bodies        map[string]*Body
	BodyOrder     []string
	StatusChanges []*StatusRule
	Sanctions     map[string]*Sanction
	SanctionOrder []string
	Triggers      map[string]*Trigger
	TriggerOrder  []string
	// Lists are the dated lists triggers are checked against, as the rule book
	// names them.
	Lists     map[string]*List
	ListOrder []string
	// ComplaintSources are the sources of complaints beyond a member and a member
	// of the public (an official, an officer on their own initiative).
	ComplaintSources []*ComplaintSource
	Readmission      *Readmission
	// Discipline is the disciplinary procedure, if the version declares one.
	Discipline *Discipline
	// Access is who may do what in rulebook under this version.
	Access *Access

	// Occasions are the occasions (matches…) a sanction's length may be counted
	// in; Units the other quantities (points…) a sanction may be; Standard the
	// fixed sanctions applied without a hearing. See occasions.go.
	Occasions     map[string]*Occasion
	OccasionOrder []string
	Units         map[string]*CountUnit
	UnitOrder     []string
	Standard      map[string]*StandardPunishment
	StandardOrder []string
	// UnitKinds are the kinds of unit members belong to (see UnitKind), and
	// UnitKindOrder their ids from the top of the hierarchy down.
	UnitKinds     map[string]*UnitKind
	UnitKindOrder []string
	// Retention is how long records holding personal data are kept (see
	// Retention); rulebook retention run erases what is past it.
	Retention []*Retention
	// Selections are the procedures that choose candidates (see Selection).
	Selections     map[string]*Selection
	SelectionOrder []string
}

// Retention is how long the rule book keeps one kind of record after the event
// that starts its clock: a case's file after the case closes ("cases"), a
// member's particulars after their membership ends — a status that is not
// membership ("members"), an entry of the access log after it was logged
// ("access"). When it has passed, the personal data held apart from the record
// (of an access-log entry: who, about whom, and the detail) is erased and the
// erasure recorded; the record itself still verifies.
type Retention struct {
	path    string
	Records string   `yaml:"records" json:"records"`
	Keep    Duration `yaml:"keep" json:"keep"`
	Clause  string   `yaml:"clause" json:"clause"`
}

// The kinds of record a retention schedule covers.
const (
	RetainCases   = "cases"
	RetainMembers = "members"
	RetainAccess  = "access"
)

// RetentionOf returns the schedule for a kind of record, or nil.
func (v *Version) RetentionOf(records string) *Retention {
	for _, r := range v.Retention {
		if r.Records == records {
			return r
		}
	}
	return nil
}

// Clause is a numbered rule with its text, cited by every answer that relies on it.
type Clause struct {
	path  string // where it was defined, for error messages
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title,omitempty"`
	Text  string `yaml:"text" json:"text"`
}

// Status is a member status the rule book defines.
type Status struct {
	path        string // where it was defined, for error messages
	ID          string `yaml:"id" json:"id"`
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
	// Member says whether a person with this status is a member, for continuity of
	// membership: a suspended member still is, an expelled one is not.
	Member bool   `yaml:"member" json:"member"`
	Clause string `yaml:"clause" json:"clause,omitempty"`
}

// Action is something a member may or may not do (vote in a selection, stand…).
type Action struct {
	path        string      // where it was defined, for error messages
	ID          string      `yaml:"id" json:"id"`
	Name        string      `yaml:"name" json:"name"`
	Description string      `yaml:"description" json:"description,omitempty"`
	Conditions  []Condition `yaml:"conditions" json:"conditions,omitempty"`
}

// Condition is an extra requirement on an action beyond the rights matrix.
type Condition struct {
	path string
	// ContinuousMembership is the least unbroken membership required.
	ContinuousMembership Duration `yaml:"continuous_membership" json:"continuous_membership"`
	// MeasuredAt is "freeze_date" (the contest's freeze date, when the question gives
	// one) or "date" (the date asked about).
	MeasuredAt string `yaml:"measured_at" json:"measured_at"`
	Clause     string `yaml:"clause" json:"clause"`
	// WaivableBy lists the bodies that may waive the condition for one member, with
	// reasons (an exemption); the waiver is cited in every answer it changes.
	WaivableBy []string `yaml:"waivable_by" json:"waivable_by,omitempty"`
}

// Cell is one entry of the rights matrix.
type Cell struct {
	path    string
	Allowed bool   `json:"allowed"`
	Clause  string `json:"clause"`
	Note    string `json:"note,omitempty"`
	set     bool
}

// Body is a body or officer that takes decisions (an executive committee, a hearing
// panel, the general secretary).
type Body struct {
	path string // where it was defined, for error messages
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	Kind string `yaml:"kind" json:"kind,omitempty"`
	// Staff marks the staff and officers whose decisions are counted as closed by
	// staff in the statistics (as opposed to elected committees and hearing bodies).
	Staff  bool   `yaml:"staff" json:"staff,omitempty"`
	Clause string `yaml:"clause" json:"clause,omitempty"`
	// Respondent marks the body that is the respondent themselves (the member,
	// registrant or participant a case is about): a step the rule book gives
	// it (an appeal lodged, a standard punishment contested) is theirs, taken
	// by them or their representative, or recorded for them as received by the
	// case team.
	Respondent bool `yaml:"respondent" json:"respondent,omitempty"`
}

// InText is the body's name as it reads within a sentence, with its article:
// "the National Executive Committee", "the member themselves".
func (b *Body) InText() string {
	if rest, ok := strings.CutPrefix(b.Name, "The "); ok {
		return "the " + rest
	}
	if strings.HasPrefix(b.Name, "the ") {
		return b.Name
	}
	return "the " + b.Name
}

// BodiesInText names the bodies ids as a sentence does ("the General
// Secretary or the National Executive Committee"); an id the version does not
// declare stands as it is.
func (v *Version) BodiesInText(ids []string) string {
	var names []string
	for _, id := range ids {
		if b := v.Bodies[id]; b != nil {
			names = append(names, b.InText())
		} else {
			names = append(names, id)
		}
	}
	return strings.Join(names, " or ")
}

// latest returns what get finds in the latest version that has it.
func latest[T any](rb *RuleBook, get func(v *Version) *T) *T {
	if rb == nil {
		return nil
	}
	for i := len(rb.Versions) - 1; i >= 0; i-- {
		if x := get(rb.Versions[i]); x != nil {
			return x
		}
	}
	return nil
}

// LatestBody is body id as the latest version declaring it has it, or nil: for
// naming a body in a record that spans versions.
func (rb *RuleBook) LatestBody(id string) *Body {
	return latest(rb, func(v *Version) *Body { return v.Bodies[id] })
}

// LatestAction is action id as the latest version declaring it has it, or nil.
func (rb *RuleBook) LatestAction(id string) *Action {
	return latest(rb, func(v *Version) *Action { return v.Action(id) })
}

// LatestClause is clause id as the latest version declaring it has it, or nil.
func (rb *RuleBook) LatestClause(id string) *Clause {
	return latest(rb, func(v *Version) *Clause { return v.Clauses[id] })
}

// LatestSanction is sanction id as the latest version declaring it has it, or nil.
func (rb *RuleBook) LatestSanction(id string) *Sanction {
	return latest(rb, func(v *Version) *Sanction { return v.Sanctions[id] })
}

// LatestTransition is the disciplinary step id as the latest version declaring
// it has it, or nil.
func (rb *RuleBook) LatestTransition(id string) *Transition {
	return latest(rb, func(v *Version) *Transition {
		if v.Discipline == nil {
			return nil
		}
		return v.Discipline.Transitions[id]
	})
}

// LatestSection is the hearing panels' section id as the latest version
// declaring it has it, or nil.
func (rb *RuleBook) LatestSection(id string) *PanelSection {
	return latest(rb, func(v *Version) *PanelSection { return v.Discipline.Section(id) })
}

// List is a dated list the rule book relies on: entries with the dates they were on
// it, against which automatic-exclusion triggers are checked.
type List struct {
	path        string
	ID          string `yaml:"id" json:"id"`
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
	// Warns says a step affecting a member on this list (on the step's date), or a
	// case opened about one, is flagged: candidates and applicants in open
	// selections, whose selection a suspension would decide.
	Warns  bool   `yaml:"warns" json:"warns,omitempty"`
	Clause string `yaml:"clause" json:"clause,omitempty"`
}

// ComplaintSource is who a complaint may come from, as the rule book names them.
type ComplaintSource struct {
	path string
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
}

// ComplaintSourceIDs lists the sources a complaint may come from under v.
func (v *Version) ComplaintSourceIDs() []string {
	out := append([]string(nil), rulebook.ComplaintSources...)
	for _, s := range v.ComplaintSources {
		out = append(out, s.ID)
	}
	return out
}

// StatusRule says which bodies may move a member to a status, and from which.
type StatusRule struct {
	path   string   // where it was defined, for error messages
	To     string   `yaml:"to" json:"to"`
	From   []string `yaml:"from" json:"from,omitempty"`
	By     []string `yaml:"by" json:"by"`
	Clause string   `yaml:"clause" json:"clause"`
}

// Sanction is an entry of the sanctions menu.
type Sanction struct {
	path string // where it was defined, for error messages
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Status is the status the sanction places the member in, if any (a warning has none).
	Status string `yaml:"status" json:"status,omitempty"`
	// MaxDuration limits a time-limited sanction; zero means it has no duration.
	MaxDuration Duration `yaml:"max_duration" json:"max_duration"`
	// CreditForInterim says whether time served under administrative suspension counts.
	CreditForInterim bool `yaml:"credit_for_interim" json:"credit_for_interim,omitempty"`
	// ReadmissionBar is how long an expelled (struck-off) person must wait before
	// being readmitted; the longest bar that applies governs, with the general
	// waiting period, unless a body with the power shortens it with reasons.
	ReadmissionBar Duration `yaml:"readmission_bar" json:"readmission_bar"`
	// Restores is the status a member returns to when a time-limited sanction ends;
	// empty means the status they held before the measure began.
	Restores string `yaml:"restores" json:"restores,omitempty"`
	// Fine makes the sanction a sum to pay (a fine, costs).
	Fine *FineRule `yaml:"fine" json:"fine,omitempty"`
	// Quantity makes the sanction a number of a declared unit (a deduction of points).
	Quantity *Quantity `yaml:"quantity" json:"quantity,omitempty"`
	// Rights overrides the status defaults while the sanction lasts.
	Rights map[string]bool `yaml:"rights" json:"rights,omitempty"`
	By     []string        `yaml:"by" json:"by"`
	Clause string          `yaml:"clause" json:"clause"`
}

// FineRule says what a financial sanction may be and what follows non-payment.
type FineRule struct {
	Currency string `yaml:"currency" json:"currency"`
	// Max is the largest amount the sanction may be ("5000.00").
	Max       string         `yaml:"max" json:"max"`
	MaxAmount rulebook.Money `yaml:"-" json:"max_amount"`
	PayWithin Duration       `yaml:"pay_within" json:"pay_within"`
	// NonPayment is what not paying by the due date leads to.
	NonPayment *NonPayment `yaml:"non_payment" json:"non_payment,omitempty"`
}

// NonPayment is the status a member is placed in when a fine is unpaid after its
// due date, until it is paid.
type NonPayment struct {
	Status string   `yaml:"status" json:"status"`
	By     []string `yaml:"by" json:"by"`
	Clause string   `yaml:"clause" json:"clause"`
}

// Trigger is an automatic-exclusion trigger.
type Trigger struct {
	path        string // where it was defined, for error messages
	ID          string `yaml:"id" json:"id"`
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
	// Status is the status a confirmed exclusion places the member in.
	Status string `yaml:"status" json:"status"`
	// ConfirmBy lists who must confirm or decline a proposed exclusion, with reasons.
	ConfirmBy []string `yaml:"confirm_by" json:"confirm_by"`
	// Checks names the dated list (see List) the trigger is checked against.
	Checks string `yaml:"checks" json:"checks,omitempty"`
	// Catches says which conduct recorded in a public election the trigger
	// catches (see PublicConducts): standing against an entry on Checks, or
	// nominating or campaigning for a rival to one.
	Catches string `yaml:"catches" json:"catches,omitempty"`
	Clause  string `yaml:"clause" json:"clause"`
}

// Readmission says how an expelled or excluded person may come back.
type Readmission struct {
	path          string   // where it was defined, for error messages
	From          []string `yaml:"from" json:"from"`
	WaitingPeriod Duration `yaml:"waiting_period" json:"waiting_period"`
	DecidedBy     []string `yaml:"decided_by" json:"decided_by"`
	MayShorten    bool     `yaml:"may_shorten" json:"may_shorten"`
	Status        string   `yaml:"status" json:"status"`
	Clause        string   `yaml:"clause" json:"clause"`
}

// Status returns the status with id, or nil.
func (v *Version) Status(id string) *Status {
	i, ok := v.statusIndex[id]
	if !ok {
		return nil
	}
	return v.Statuses[i]
}

// Action returns the action with id, or nil.
func (v *Version) Action(id string) *Action {
	i, ok := v.actionIndex[id]
	if !ok {
		return nil
	}
	return v.Actions[i]
}

// StatusIndex and ActionIndex give the dense indices the eligibility engine uses.
func (v *Version) StatusIndex(id string) (int, bool) { i, ok := v.statusIndex[id]; return i, ok }
func (v *Version) ActionIndex(id string) (int, bool) { i, ok := v.actionIndex[id]; return i, ok }

// Cell returns the rights matrix entry for status index s and action index a.
func (v *Version) Cell(s, a int) Cell { return v.rights[s][a] }

// Clause returns the clause with id, or a placeholder naming the missing id (validation
// guarantees every reference resolves, so the placeholder never reaches a user).
func (v *Version) Clause(id string) *Clause {
	if c, ok := v.Clauses[id]; ok {
		return c
	}
	return &Clause{ID: id, Text: "(clause not in this version)"}
}

// MayImpose reports whether body may move a member from status from to status to, and
// the rule that says so. A rule book that lists no status changes restricts nothing.
func (v *Version) MayImpose(body, from, to string) (*StatusRule, bool) {
	if len(v.StatusChanges) == 0 {
		return nil, true
	}
	var found *StatusRule
	for _, r := range v.StatusChanges {
		if r.To != to {
			continue
		}
		found = r
		if len(r.From) > 0 && !contains(r.From, from) {
			continue
		}
		if contains(r.By, body) {
			return r, true
		}
	}
	return found, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Duration is a period in the rule book's own terms: "2 years", "6 months",
// "14 days", "10 working days", "8 weeks" — or, for a sanction's length, a number
// of occasions the rule book declares ("3 matches"; see Occasion).
type Duration struct {
	N    int
	Unit string // "years", "months", "weeks", "days", "working days", or an occasion's id
	// one is the singular of an occasion unit, set when the rule book is resolved.
	one string
}

// IsZero reports whether no duration was given.
func (d Duration) IsZero() bool { return d.N == 0 }

func (d Duration) String() string {
	if d.N == 0 {
		return ""
	}
	u := d.Unit
	if d.N == 1 {
		switch {
		case d.one != "":
			u = d.one
		case d.Calendar():
			u = strings.Replace(u, "s", "", 1)
		}
	}
	return fmt.Sprintf("%d %s", d.N, u)
}

// ParseDuration parses "N unit", a period of calendar time.
func ParseDuration(s string) (Duration, error) { return parseDuration(s, false) }

// parseDuration parses "N unit"; with counted, a unit of one word that is not
// calendar time is taken for an occasion, which the rule book must declare.
func parseDuration(s string, counted bool) (Duration, error) {
	f := strings.Fields(strings.ToLower(s))
	if len(f) < 2 || len(f) > 3 {
		return Duration{}, fmt.Errorf("%q is not a period such as \"2 years\", \"6 months\", \"14 days\" or \"10 working days\"", s)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 0 {
		return Duration{}, fmt.Errorf("%q: %q is not a whole number", s, f[0])
	}
	unit := strings.Join(f[1:], " ")
	switch unit {
	case "year", "years":
		unit = "years"
	case "month", "months":
		unit = "months"
	case "week", "weeks":
		unit = "weeks"
	case "day", "days":
		unit = "days"
	case "working day", "working days":
		unit = "working days"
	default:
		// A single word may be an occasion the rule book declares ("3 matches"):
		// which words are is known only once the rule book is resolved.
		if !counted || !countedWord(unit) {
			return Duration{}, fmt.Errorf("%q: unknown unit %q (years, months, weeks, days, working days)", s, unit)
		}
	}
	return Duration{N: n, Unit: unit}, nil
}

// AddTo returns d after date. Working days skip Saturdays and Sundays; holiday
// calendars are applied by the deadline code, which knows the organisation's calendar.
func (d Duration) AddTo(date rulebook.Date) rulebook.Date {
	switch d.Unit {
	case "years":
		return date.AddYears(d.N)
	case "months":
		return date.AddMonths(d.N)
	case "weeks":
		return date.AddDays(7 * d.N)
	case "days":
		return date.AddDays(d.N)
	case "working days":
		for n := d.N; n > 0; {
			date = date.AddDays(1)
			if wd := date.Time().Weekday(); wd != 0 && wd != 6 {
				n--
			}
		}
		return date
	}
	return date
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Duration{}
		return nil
	}
	v, err := parseDuration(string(b), true)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Lists returns the ids of the dated lists any version declares, in the order
// they were first declared: entries on a list stay evidence after a later version
// stops relying on it.
func (rb *RuleBook) Lists() []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range rb.Versions {
		for _, id := range v.ListOrder {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}
