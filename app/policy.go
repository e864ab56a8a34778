package app

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/notices"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Action is something a principal asks to do. Every service call names one, and
// Policy.Decide answers it: the one place that decides access, whichever front end
// (web page, JSON API, command line) the request came through.
type Action string

// The actions. Public ones need no account.
const (
	// Public.
	ReadRuleBook    Action = "rulebook.read"
	ReportComplaint Action = "complaint.report" // the complaint form, signed in or not
	FollowReport    Action = "complaint.follow" // with a report key
	ReadPublicStats Action = "statistics.public"

	// The account's own.
	OwnAccount   Action = "account.own" // password, second factor, tokens, sessions
	AnswerSurvey Action = "survey.answer"

	// Accounts.
	ManageAccounts Action = "accounts.manage"

	// The register.
	SearchMembers Action = "members.search"
	ViewMember    Action = "member.view" // record, history, eligibility; Resource.Member
	ReadRegister  Action = "register.read"
	EditRegister  Action = "register.edit"

	// Complaints and cases.
	ReceiveComplaints Action = "complaints.receive"
	ViewComplaint     Action = "complaint.view" // Resource.Complaint
	ListCases         Action = "cases.list"     // filtered by CaseScope
	OpenCase          Action = "case.open"
	ViewCase          Action = "case.view"        // Resource.Case
	ViewCaseRecord    Action = "case.record.view" // its raw events, letters and bundle
	// ReadLetter is reading a letter of the case (Resource.Letter, to
	// Resource.Member, or to the respondent when empty).
	ReadLetter     Action = "case.letter.read"
	TakeStep       Action = "case.step"    // Resource.Case, Resource.Body
	RecordOnCase   Action = "case.record"  // conflicts, mitigation, contacts…
	DeclareOwn     Action = "case.declare" // one's own conflict or recusal
	AssignCaseRole Action = "case.assign"
	WriteAboutCase Action = "case.write" // a message: from outside its roles, a contact
	EditLists      Action = "lists.edit"
	ReadLists      Action = "lists.read"

	// Reports and oversight.
	ReadDeadlines  Action = "deadlines.read"
	ReadPrecedents Action = "precedents.read"
	Oversee        Action = "oversight" // statistics, interference register, access log, survey results
	SubjectAccess  Action = "subject_access"
	ReadRecord     Action = "record.read"   // the event record and its verification
	EraseRecords   Action = "records.erase" // personal data past its retention, or on request

	// Counting.
	CountVotes Action = "count"

	// Candidate selections.
	RunSelections  Action = "selections.run"  // open, nominate, freeze, papers, refusals, close, count
	ViewSelections Action = "selections.view" // selections, their electorates and counts
	// DecideForSelection is a decision a body the procedure names takes
	// (endorsement, deselection, a challenge): Resource.Body.
	DecideForSelection Action = "selection.decide"
	// VoteInSelection is casting a ballot: Resource.Member.
	VoteInSelection Action = "selection.vote"

	// Public elections: entering contests, members' support and counts; and
	// reading them (a support record says what a member did).
	RecordElections Action = "elections.record"
	ViewElections   Action = "elections.view"
)

// Resource is what an action is about.
type Resource struct {
	Member    string
	Case      *discipline.Case
	Body      string
	Complaint *sqldb.ComplaintRow
	// Letter is a letter template of the case (ReadLetter).
	Letter string
}

// Policy decides who may do what. Its inputs are the principal, the action, the
// resource and the access section of the rule book in force today.
type Policy struct {
	Rules *rules.RuleBook
	Now   func() time.Time
	// Addressee says whom a kind of letter is written to (notices.ToRespondent
	// or notices.ToComplainants); nil: every letter to the respondent.
	Addressee func(template string) string
}

// addressee is whom the letter template is written to.
func (pol *Policy) addressee(template string) string {
	if pol.Addressee == nil {
		return notices.ToRespondent
	}
	return pol.Addressee(template)
}

func (pol *Policy) today() rulebook.Date { return rulebook.DateOf(pol.Now()) }

// access returns the access section in force today (empty before the first version).
func (pol *Policy) access() *rules.Access {
	v, err := pol.Rules.VersionAt(pol.today())
	if err != nil || v.Access == nil {
		return &rules.Access{}
	}
	return v.Access
}

// Holding is what a principal holds under the rule book in force today.
type Holding struct {
	// Roles are the rule book's roles the account holds.
	Roles []*rules.Role
	// Builtin are the built-in roles it holds.
	Administrator, Auditor, Member bool
	// NeedsSecondFactor is set when a role held requires a second factor that the
	// session has not given: the account then holds nothing until it does.
	NeedsSecondFactor bool
}

// Hold resolves the roles a principal holds today. Roles the rule book in force
// no longer declares are ignored; until a required second factor is given, none
// is held.
func (pol *Policy) Hold(p *Principal) Holding {
	var h Holding
	if p.Account == nil || p.Account.Disabled {
		return h
	}
	a := pol.access()
	need := false
	for _, id := range p.Account.Roles {
		switch id {
		case rulebook.RoleAdministrator:
			h.Administrator, need = true, true
		case rulebook.RoleAuditor:
			h.Auditor, need = true, true
		case rulebook.RoleMember:
			h.Member = p.Account.Member != ""
		default:
			if r := a.Role(id); r != nil {
				h.Roles = append(h.Roles, r)
				need = need || r.NeedsTwoFactor()
			}
		}
	}
	if need && !p.SecondFactor {
		return Holding{NeedsSecondFactor: true}
	}
	return h
}

// Can reports whether any rule-book role held has capability c.
func (h Holding) Can(c string) bool {
	for _, r := range h.Roles {
		if r.Can(c) {
			return true
		}
	}
	return false
}

// Bodies lists the bodies the roles held act for.
func (h Holding) Bodies() []string {
	var out []string
	for _, r := range h.Roles {
		for _, b := range r.ActsFor {
			if !slices.Contains(out, b) {
				out = append(out, b)
			}
		}
	}
	return out
}

// Staff reports whether the principal holds any rule-book role.
func (h Holding) Staff() bool { return len(h.Roles) > 0 }

// SeesCases reports whether a rule-book role held sees any cases.
func (h Holding) SeesCases() bool {
	for _, r := range h.Roles {
		if r.Cases != "none" {
			return true
		}
	}
	return false
}

func unauthorized() error {
	return rulebook.Errorf(rulebook.EUnauthorized, "sign in first")
}

func forbidden(format string, args ...any) error {
	return rulebook.Errorf(rulebook.EForbidden, format, args...)
}

// notFound answers a refusal of something the principal may not know exists, in
// the same words as for a thing that does not.
func notFound(what, id string) error {
	return rulebook.Errorf(rulebook.ENotFound, "no %s %q", what, id)
}

// Decide answers whether p may do act on r: nil, or the error to give. It is the
// only function that grants access; everything the application layer does passes
// through it first.
func (pol *Policy) Decide(p *Principal, act Action, r Resource) error {
	switch act {
	case ReadRuleBook, ReportComplaint, FollowReport, ReadPublicStats:
		return nil
	}
	if p.Operator != "" {
		return nil // the command line holds the database itself
	}
	if p.Account == nil {
		return unauthorized()
	}
	if p.Account.Disabled {
		return rulebook.Errorf(rulebook.EUnauthorized, "account %s is disabled", p.Account.Name)
	}
	if act == OwnAccount {
		return nil
	}
	h := pol.Hold(p)
	if h.NeedsSecondFactor {
		return forbidden("give your second factor (a code from your authenticator app) first")
	}
	readAll := h.Auditor
	switch act {
	case AnswerSurvey:
		if h.Member {
			return nil
		}
	case ManageAccounts:
		if h.Administrator {
			return nil
		}
	case SearchMembers, ReadRegister:
		if readAll || h.Can("read_register") {
			return nil
		}
	case ViewMember:
		if readAll || h.Can("read_register") || (h.Member && p.Account.Member == r.Member) {
			return nil
		}
		return notFound("member", r.Member)
	case EditRegister:
		if h.Can("edit_register") {
			return nil
		}
	case ReceiveComplaints:
		if h.Can("receive_complaints") {
			return nil
		}
	case ViewComplaint:
		k := r.Complaint
		switch {
		case readAll || k.Case == "" && h.Can("receive_complaints"):
			return nil
		case h.Member && k.Complainant == p.Account.Member:
			return nil
		case k.Case != "" && r.Case != nil && pol.CaseAccess(p, r.Case).View >= StaffView:
			return nil
		}
		return notFound("complaint", k.ID)
	case ListCases:
		return nil // CaseScope decides which
	case OpenCase:
		if h.Can("open_cases") {
			return nil
		}
	case ViewCase, ViewCaseRecord, ReadLetter, TakeStep, RecordOnCase, DeclareOwn, AssignCaseRole:
		return pol.decideCase(p, h, act, r)
	case WriteAboutCase:
		return nil // from outside the case's roles, it is recorded as a contact
	case EditLists:
		if h.Can("edit_lists") {
			return nil
		}
	case ReadLists:
		if readAll || h.Staff() {
			return nil
		}
	case ReadDeadlines:
		if readAll || h.SeesCases() {
			return nil // the deadlines of the cases they see
		}
	case ReadPrecedents:
		if readAll || h.Can("read_reports") {
			return nil
		}
	case Oversee:
		if readAll || h.Can("oversight") {
			return nil
		}
	case SubjectAccess:
		if readAll || h.Can("subject_access") || (h.Member && p.Account.Member == r.Member) {
			return nil
		}
		return notFound("member", r.Member)
	case ReadRecord:
		if readAll || h.Can("read_record") {
			return nil
		}
	case EraseRecords:
		// Not the auditor's to do: reading everything is not erasing it.
		if h.Can("erase_records") {
			return nil
		}
	case CountVotes:
		if h.Can("count_votes") {
			return nil
		}
	case RunSelections:
		if h.Can("run_selections") {
			return nil
		}
	case ViewSelections:
		if readAll || h.Can("run_selections") || h.Can("read_register") || h.Can("count_votes") {
			return nil
		}
	case DecideForSelection:
		for _, role := range h.Roles {
			if r.Body != "" && role.ActsForBody(r.Body) {
				return nil
			}
		}
		return forbidden("%s does not act for %s", p.Account.Name, orNone(r.Body))
	case RecordElections:
		// Those who run selections, count votes or keep the lists the triggers
		// check enter the elections the candidates fight.
		if h.Can("run_selections") || h.Can("count_votes") || h.Can("edit_lists") {
			return nil
		}
	case ViewElections:
		if readAll || h.Can("run_selections") || h.Can("count_votes") || h.Can("edit_lists") || h.Can("read_register") {
			return nil
		}
	case VoteInSelection:
		// A ballot is the member's own: no role casts one for a member by name,
		// so no one but the member ever sees a named member's ranking.
		if h.Member && p.Account.Member == r.Member {
			return nil
		}
		return forbidden("%s may cast only their own ballot", p.Account.Name)
	default:
		return fmt.Errorf("policy: no rule for action %q", act)
	}
	return forbidden("%s may not %s", p.Account.Name, describe(act))
}

func (pol *Policy) decideCase(p *Principal, h Holding, act Action, r Resource) error {
	c := r.Case
	ca := pol.CaseAccess(p, c)
	if ca.View == NoView {
		return notFound("case", c.ID)
	}
	switch act {
	case ViewCase:
		return nil
	case ViewCaseRecord:
		if ca.View == FullView || ca.View == StaffView && pol.seesEverything(h) {
			return nil
		}
		return forbidden("the record of case %s holds fields your roles are not shown", c.ID)
	case ReadLetter:
		if ca.View == FullView || ca.View == StaffView && pol.seesEverything(h) {
			return nil
		}
		// A party may read a copy of a letter the case has sent them: the
		// respondent (and whoever represents them) those written to the
		// respondent, with the complainants withheld from them withheld; a
		// complainant those written to the complainants, their own copy.
		if ca.View == PartyView {
			var mine bool
			switch pol.addressee(r.Letter) {
			case notices.ToComplainants:
				mine = ca.As == "complainant" && r.Member == p.Member()
			default:
				mine = (ca.As == "respondent" || ca.As == discipline.RoleRepresentative) && (r.Member == "" || r.Member == c.Respondent)
			}
			if !mine {
				return forbidden("the letter %q of case %s is not written to you", r.Letter, c.ID)
			}
			if sent, err := discipline.LettersSent(pol.Rules, c); err == nil && slices.ContainsFunc(sent, func(l discipline.SentLetter) bool { return l.Template == r.Letter }) {
				return nil
			}
			return forbidden("case %s has sent you no letter %q", c.ID, r.Letter)
		}
		return forbidden("the letters of case %s name people your roles are not shown", c.ID)
	}
	if act == TakeStep {
		if decided, err := pol.respondentsStep(h, c, ca, r.Body); decided {
			return err
		}
	}
	if ca.View < StaffView || h.Auditor && !h.Staff() {
		return forbidden("%s may not %s on case %s", p.Account.Name, describe(act), c.ID)
	}
	switch act {
	case TakeStep:
		// With no body named, the question is whether they may take any step.
		for _, role := range h.Roles {
			if r.Body == "" && len(role.ActsFor) > 0 || role.ActsForBody(r.Body) {
				return nil
			}
		}
		return forbidden("%s does not act for %s", p.Account.Name, orNone(r.Body))
	case RecordOnCase:
		if h.Can("record_on_cases") {
			return nil
		}
	case DeclareOwn:
		return nil
	case AssignCaseRole:
		if h.Can("assign_case_roles") {
			return nil
		}
	}
	return forbidden("%s may not %s on case %s", p.Account.Name, describe(act), c.ID)
}

func orNone(body string) string {
	if body == "" {
		return "no body"
	}
	return body
}

// seesEverything reports whether the roles held are shown every confidential field.
func (pol *Policy) seesEverything(h Holding) bool {
	if h.Auditor {
		return true
	}
	a := pol.access()
	for f := range a.Confidential {
		if !pol.shown(h, f) {
			return false
		}
	}
	return true
}

// shown reports whether a confidential field is shown to a holder of h.
func (pol *Policy) shown(h Holding, field string) bool {
	if h.Auditor {
		return true
	}
	a := pol.access()
	if _, restricted := a.Confidential[field]; !restricted {
		return true
	}
	for _, r := range h.Roles {
		if a.ShownTo(field, r.ID) {
			return true
		}
	}
	return false
}

func describe(act Action) string { return actionWords.Replace(string(act)) }

// actionWords writes an action's id in words (made once: a refusal is
// described on every check that refuses, several a page).
var actionWords = strings.NewReplacer(".", " ", "_", " ")

// CaseView is how much of a case a principal sees.
type CaseView int

const (
	NoView CaseView = iota
	// PartyView is a party's (respondent, complainant, representative): what the
	// rule book's subject-access rules give them.
	PartyView
	// StaffView is the case team's: every field but those the rule book shows
	// only to other roles.
	StaffView
	// FullView is the auditor's and the operator's: everything.
	FullView
)

// CaseAccess is a principal's access to one case.
type CaseAccess struct {
	View CaseView
	// As is the capacity: "respondent", "complainant", "representative", "staff",
	// "panel", "investigator" or "auditor".
	As string
}

// CaseAccess decides how p sees c. Parties see their own case as parties, even if
// they hold staff roles; anyone who has declared a conflict in a case, or recused
// themselves, does not see it as staff.
func (pol *Policy) CaseAccess(p *Principal, c *discipline.Case) CaseAccess {
	if p.Operator != "" {
		return CaseAccess{FullView, "operator"}
	}
	if p.Account == nil || p.Account.Disabled {
		return CaseAccess{}
	}
	h := pol.Hold(p)
	if h.NeedsSecondFactor {
		return CaseAccess{}
	}
	person := p.Account.Person()
	if m := p.Account.Member; m != "" {
		switch {
		case c.Respondent == m:
			return CaseAccess{PartyView, "respondent"}
		case slices.Contains(c.Complainants, m):
			return CaseAccess{PartyView, "complainant"}
		}
	}
	if hasRole(c, person, discipline.RoleRepresentative) {
		return CaseAccess{PartyView, "representative"}
	}
	if h.Auditor {
		return CaseAccess{FullView, "auditor"}
	}
	if barred(c, person) {
		return CaseAccess{}
	}
	if onPanel(c, person) && h.Staff() {
		return CaseAccess{StaffView, "panel"}
	}
	if hasRole(c, person, discipline.RoleInvestigator) {
		return CaseAccess{StaffView, "investigator"}
	}
	for _, r := range h.Roles {
		if pol.inScope(r, c) {
			return CaseAccess{StaffView, "staff"}
		}
	}
	return CaseAccess{}
}

// respondentsStep decides a step on c for a body the rule book marks as the
// respondent themselves (decided is false for any other body): the respondent and
// their representative take it; the case team, if its roles may record on
// cases, records it for them as received (by letter, by e-mail). With no body
// named, the question is whether they may take any step: for a party, or for
// a case team that records, yes if the procedure gives the respondent any.
func (pol *Policy) respondentsStep(h Holding, c *discipline.Case, ca CaseAccess, body string) (decided bool, err error) {
	proc, _, verr := discipline.Versions(pol.Rules, c, pol.today())
	if verr != nil {
		return false, nil
	}
	party := ca.View == PartyView && (ca.As == "respondent" || ca.As == discipline.RoleRepresentative)
	recorder := ca.View >= StaffView && h.Staff() && h.Can("record_on_cases")
	if body == "" {
		if !party && !recorder {
			return false, nil
		}
		for _, b := range proc.Bodies {
			if b.Respondent {
				return true, nil
			}
		}
		if recorder {
			return false, nil // whether their roles act for a body decides
		}
		return true, forbidden("no step of case %s is the respondent's own", c.ID)
	}
	b := proc.Bodies[body]
	if b == nil || !b.Respondent {
		return false, nil
	}
	if party || recorder {
		return true, nil
	}
	return true, forbidden("a step for %s is theirs: only they, their representative, or a case team that records on cases may take it", b.InText())
}

func hasRole(c *discipline.Case, person, role string) bool {
	for _, r := range c.Roles {
		if r.Person == person && r.Role == role {
			return true
		}
	}
	return false
}

func onPanel(c *discipline.Case, person string) bool {
	if c.Panel == nil {
		return false
	}
	for _, m := range c.Panel.Members {
		if m.ID == person {
			return true
		}
	}
	return false
}

func barred(c *discipline.Case, person string) bool {
	for _, cf := range c.Conflicts {
		if cf.Person == person {
			return true
		}
	}
	for _, cf := range c.Recusals {
		if cf.Person == person {
			return true
		}
	}
	return false
}

// inScope reports whether role r's case scope takes in c.
func (pol *Policy) inScope(r *rules.Role, c *discipline.Case) bool {
	switch r.Cases {
	case "all":
		return true
	case "unit":
		return slices.Contains(r.ActsFor, c.Unit)
	case "docket":
		for _, s := range c.Steps {
			if r.ActsForBody(s.Body) {
				return true
			}
		}
		proc, _, err := discipline.Versions(pol.Rules, c, pol.today())
		if err != nil {
			return false
		}
		for _, t := range proc.Discipline.TransitionsFrom(c.State) {
			if !t.IsPermitted() {
				continue // a demand the rule book refuses gives no one a docket
			}
			for _, b := range t.By {
				if r.ActsForBody(b) {
					return true
				}
			}
		}
	}
	return false
}

// partyRelations are the relations in which a person sees a case as a party.
var partyRelations = []string{"respondent", "complainant", discipline.RoleRepresentative}

// CaseScope is the query form of CaseAccess: the cases p may see, for listing them.
// It may let through a case CaseAccess refuses (every listed case is checked
// again), never the reverse.
func (pol *Policy) CaseScope(p *Principal) *sqldb.CaseScope {
	if p.Operator != "" {
		return &sqldb.CaseScope{All: true}
	}
	if p.Account == nil || p.Account.Disabled {
		return &sqldb.CaseScope{}
	}
	h := pol.Hold(p)
	if h.NeedsSecondFactor {
		return &sqldb.CaseScope{}
	}
	person := p.Account.Person()
	sc := &sqldb.CaseScope{Person: person, Barred: []string{"conflict", "recused"}}
	if p.Account.Member != "" {
		sc.Party = partyRelations
	} else {
		sc.Party = []string{discipline.RoleRepresentative}
	}
	if h.Auditor {
		sc.All, sc.Barred = true, nil
		return sc
	}
	if h.Staff() {
		sc.Assigned = []string{"panel", discipline.RoleInvestigator}
	}
	for _, r := range h.Roles {
		switch r.Cases {
		case "all":
			sc.All = true
		case "unit":
			sc.Units = append(sc.Units, r.ActsFor...)
		case "docket":
			sc.StepBodies = append(sc.StepBodies, r.ActsFor...)
			for _, v := range pol.Rules.Versions {
				if v.Discipline == nil {
					continue
				}
				x := v.Discipline
				for _, id := range x.TransOrder {
					t := x.Transitions[id]
					if !t.IsPermitted() || !slices.ContainsFunc(t.By, r.ActsForBody) {
						continue
					}
					for _, f := range t.From {
						switch f {
						case "*open":
							sc.AnyOpen = true
						case "*closed":
							sc.AnyClosed = true
						default:
							if !slices.Contains(sc.States, f) {
								sc.States = append(sc.States, f)
							}
						}
					}
				}
			}
		}
	}
	return sc
}

// RedactCase returns the case as the principal may see it: a party's view follows
// the rule book's subject-access rules, the case team's hides the fields the rule
// book shows only to other roles. Each redaction is listed.
func (pol *Policy) RedactCase(p *Principal, c *discipline.Case, ca CaseAccess) (*discipline.Case, []string) {
	if ca.View == FullView {
		// Nothing is withheld: the case as read (each caller's own, read for it;
		// the copy the other views are redacted in was most of an auditor's read).
		return c, nil
	}
	out := c.Clone()
	switch ca.View {
	case PartyView:
		party := ca.As
		if party == discipline.RoleRepresentative {
			party = "respondent"
		}
		var redactions []string
		v, err := pol.Rules.VersionAt(pol.today())
		if err == nil {
			redactions = discipline.RedactForParty(out, party, p.Member(), v, false)
		}
		// Parties see their own messages, not the case team's notes or another party's.
		kept := out.Messages[:0:0]
		for _, m := range out.Messages {
			if m.From == p.Person() {
				kept = append(kept, m)
			}
		}
		out.Messages = kept
		out.Roles, out.Conflicts, out.Recusals = nil, nil, nil
		return out, redactions
	}
	h := pol.Hold(p)
	var redactions []string
	withheld := func(field, what string) bool {
		if pol.shown(h, field) {
			return false
		}
		redactions = append(redactions, what)
		return true
	}
	if len(out.Complainants) > 0 && withheld("complainants", "the complainants' identities") {
		for i := range out.Complainants {
			out.Complainants[i] = fmt.Sprintf("[complainant %d withheld]", i+1)
		}
		for i := range out.Withheld {
			out.Withheld[i].Person = "[withheld]"
		}
		for i := range out.Messages {
			if out.Messages[i].As == "complainant" {
				out.Messages[i].From = "[complainant withheld]"
			}
		}
	}
	if len(out.Contacts) > 0 && withheld("witnesses", "who made contact about the case") {
		for i := range out.Contacts {
			out.Contacts[i].From = "[withheld]"
		}
	}
	if out.Panel != nil && !onPanel(c, p.Person()) && withheld("panel", "the panel members' names") {
		for i := range out.Panel.Members {
			out.Panel.Members[i].Name = "[withheld]"
			out.Panel.Members[i].ID = ""
		}
	}
	return out, redactions
}

// RedactMember hides the contact details of a member's record from roles the rule
// book does not show them to (the member always sees their own).
func (pol *Policy) RedactMember(p *Principal, m *rulebook.Member) bool {
	if p.Operator != "" || p.Member() == m.ID {
		return false
	}
	if pol.shown(pol.Hold(p), "contact_details") {
		return false
	}
	m.Email, m.Phone, m.Address = "", "", ""
	return true
}
