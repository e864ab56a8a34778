package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/notices"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// loadCase reads a case and decides act on it (a refused case is answered as not
// found). It returns the principal, the case and the principal's access to it.
func (a *App) loadCase(ctx context.Context, act Action, id, body string) (*Principal, *discipline.Case, CaseAccess, error) {
	return a.loadCaseFrom(ctx, a.cases.Case, act, id, body)
}

func (a *App) loadCaseFrom(ctx context.Context, read func(context.Context, string) (*discipline.Case, error), act Action, id, body string) (*Principal, *discipline.Case, CaseAccess, error) {
	c, err := read(ctx, id)
	if err != nil {
		if rulebook.ErrorCode(err) == rulebook.ENotFound {
			return nil, nil, CaseAccess{}, notFound("case", id)
		}
		return nil, nil, CaseAccess{}, err
	}
	p, err := a.allow(ctx, act, Resource{Case: c, Body: body})
	if err != nil {
		return nil, nil, CaseAccess{}, err
	}
	return p, c, a.Policy.CaseAccess(p, c), nil
}

// CaseSummary is a line of a case list.
type CaseSummary struct {
	ID             string        `json:"id"`
	Kind           string        `json:"kind"`
	Respondent     string        `json:"respondent"`
	RespondentName string        `json:"respondent_name,omitempty"`
	State          string        `json:"state"`
	StateName      string        `json:"state_name,omitempty"`
	Closed         bool          `json:"closed"`
	Outcome        string        `json:"outcome,omitempty"`
	Opened         rulebook.Date `json:"opened"`
	Conduct        rulebook.Date `json:"conduct"`
	Unit           string        `json:"unit,omitempty"`
	// As is the reader's capacity in the case (respondent, complainant, staff…).
	As string `json:"as,omitempty"`
	// Yours are the steps the reader may take themselves, as a party (their
	// appeal), with the last day for each the rule book sets one.
	Yours []OwnStep `json:"yours,omitempty"`
}

// OwnStep is a step a party may take in their own case.
type OwnStep struct {
	Name string        `json:"name"`
	Due  rulebook.Date `json:"due,omitempty"`
}

// CaseList is a page of cases.
type CaseList struct {
	Cases []CaseSummary `json:"cases"`
	// Total is how many cases match, counted up to sqldb.CountCap; More says
	// there are more than that.
	Total  int  `json:"total"`
	More   bool `json:"more,omitempty"`
	Limit  int  `json:"limit"`
	Offset int  `json:"offset"`
}

// Cases lists the cases the principal may see that match f, newest first.
func (a *App) Cases(ctx context.Context, f sqldb.CaseFilter) (*CaseList, error) {
	ctx = onReplica(ctx)
	p, err := a.allow(ctx, ListCases, Resource{})
	if err != nil {
		return nil, err
	}
	f.Scope = a.Policy.CaseScope(p)
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	total, more, err := a.db().CountCases(ctx, f)
	if err != nil {
		return nil, err
	}
	rows, err := a.db().CaseRows(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &CaseList{Cases: []CaseSummary{}, Total: total, More: more, Limit: f.Limit, Offset: f.Offset}
	for _, r := range rows {
		var c discipline.Case
		if err := json.Unmarshal(r.Data, &c); err != nil {
			return nil, err
		}
		ca := a.Policy.CaseAccess(p, &c)
		if ca.View == NoView {
			out.Total--
			continue
		}
		sum := CaseSummary{ID: c.ID, Kind: c.Kind, Respondent: c.Respondent,
			State: c.State, StateName: a.stateName(&c), Closed: c.Closed, Outcome: c.Outcome, Opened: c.Opened, Conduct: c.Conduct, Unit: c.Unit, As: ca.As}
		if ca.View == PartyView {
			// A party's list says which steps are theirs to take, and by when.
			today := a.Today()
			if proc, _, err := discipline.Versions(a.Rules(), &c, today); err == nil {
				for _, o := range a.stepOptions(p, &c, ca, proc, today) {
					if !o.Late && len(o.Bodies) > 0 {
						sum.Yours = append(sum.Yours, OwnStep{Name: o.Transition.Name, Due: o.Due})
					}
				}
			}
		}
		out.Cases = append(out.Cases, sum)
	}
	// Only the names of respondents in cases the reader may see are read.
	if err := nameEach(ctx, a, out.Cases, func(c *CaseSummary) (string, *string) { return c.Respondent, &c.RespondentName }); err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("%d listed", len(out.Cases))
	return out, a.logAccess(ctx, p, "list_cases", "cases", detail)
}

func (a *App) stateName(c *discipline.Case) string {
	proc, _, err := discipline.Versions(a.Rules(), c, a.Today())
	if err != nil {
		return c.State
	}
	if st := proc.Discipline.States[c.State]; st != nil {
		return st.Name
	}
	return c.State
}

// OpenCase opens a case. Unless it names a unit, a case opened by someone whose
// role sees their unit's cases is handled by that unit, otherwise by the one the
// rule book names.
func (a *App) OpenCase(ctx context.Context, in discipline.OpenInput) (*discipline.Opening, error) {
	p, err := a.allow(ctx, OpenCase, Resource{})
	if err != nil {
		return nil, err
	}
	if in.Date.IsZero() {
		in.Date = a.Today()
	}
	if in.Unit == "" {
		for _, r := range a.Policy.Hold(p).Roles {
			if r.Cases == "unit" && len(r.ActsFor) > 0 {
				in.Unit = r.ActsFor[0]
				break
			}
		}
	}
	return a.cases.Open(ctx, p.Actor(), in)
}

// StepOption is a step the procedure offers from the case's state: one the
// reader may take, or one they may not with the reason.
type StepOption struct {
	Transition *rules.Transition `json:"transition"`
	// Bodies are the bodies the reader may take it for.
	Bodies []string `json:"bodies,omitempty"`
	// Refused says why the reader cannot take it (who may, under which clause;
	// or that its time has passed).
	Refused string `json:"refused,omitempty"`
	// Due is the last day to take it, where the rule book sets a time limit;
	// Late that the day has passed (the file's date is after it).
	Due  rulebook.Date `json:"due,omitempty"`
	Late bool          `json:"late,omitempty"`
}

// CaseFile is a case as one reader sees it, with what they may do next.
type CaseFile struct {
	Case   *discipline.Case `json:"case"`
	Access CaseAccess       `json:"access"`
	On     rulebook.Date    `json:"on"`
	// Procedure and Conduct are the rule book versions applied: the procedure,
	// and the substantive rules in force when the conduct happened.
	Procedure *rules.Version `json:"-"`
	Conduct   *rules.Version `json:"-"`
	// Redactions lists what was withheld from this reader.
	Redactions []string `json:"redactions,omitempty"`
	// Letters are the letters the case has sent that this reader may open, in
	// the order first sent.
	Letters []CaseLetter `json:"letters,omitempty"`
	// Steps are the next steps the procedure offers, for the case team.
	Steps []StepOption `json:"-"`
	// Complaints are the complaints the case is built on, with what complainants
	// added later (for the case team).
	Complaints []ComplaintDetail `json:"complaints,omitempty"`
	// RespondentName is the respondent's name on the register.
	RespondentName string `json:"respondent_name,omitempty"`
	// Names are the names on the register of the members the file shows by
	// number (the respondent, complainants who are members, those who
	// declared a conflict or stood down), for pages.
	Names map[string]string `json:"-"`
}

// CaseLetter is a letter a case has sent: its template, and to whom, when
// not to the respondent (a complainant's copy of a letter written to each).
type CaseLetter struct {
	Template string `json:"template"`
	To       string `json:"to,omitempty"`
	// Date is the letter's date: the step's that sent it.
	Date rulebook.Date `json:"date"`
}

// Person names a member the file shows by number as people know them: the
// name with the number, or the number alone (or whatever stands in the file,
// such as a withheld complainant) where the register holds no name.
func (f *CaseFile) Person(id string) string {
	return rulebook.Person(f.Names[id], id)
}

// nameEach fills in the name on the register of the member each item is about:
// field gives the member's id and where their name goes.
func nameEach[T any](ctx context.Context, a *App, items []T, field func(*T) (id string, name *string)) error {
	ids := make([]string, len(items))
	for i := range items {
		ids[i], _ = field(&items[i])
	}
	names, err := a.db().MemberNames(ctx, ids)
	if err != nil {
		return err
	}
	for i := range items {
		id, name := field(&items[i])
		*name = names[id]
	}
	return nil
}

// SanctionName names a sanction as the rules the conduct is judged under do
// (else the procedure's version); an id neither declares is shown in words.
func (f *CaseFile) SanctionName(id string) string {
	for _, v := range []*rules.Version{f.Conduct, f.Procedure} {
		if v == nil {
			continue
		}
		if x := v.Sanctions[id]; x != nil && x.Name != "" {
			return x.Name
		}
	}
	return strings.ReplaceAll(id, "_", " ")
}

// discipline is the procedure's disciplinary rules, else the conduct's.
func (f *CaseFile) discipline() []*rules.Discipline {
	var out []*rules.Discipline
	for _, v := range []*rules.Version{f.Procedure, f.Conduct} {
		if v != nil && v.Discipline != nil {
			out = append(out, v.Discipline)
		}
	}
	return out
}

// Term is the organisation's word for a step of the procedure (key, as in
// notices.DefaultTerms: "suspension", "charges"…) as the procedure's rules give
// it, the letters' default otherwise: a regulator's pages say "interim order"
// where a party's say "administrative suspension", as its letters do.
func (f *CaseFile) Term(key string) string { return f.terms().Term(key) }

// TermTitle is Term for a heading or the start of a sentence.
func (f *CaseFile) TermTitle(key string) string { return f.terms().TermTitle(key) }

// LetterTitle names letter template tpl in the procedure's terms ("interim
// order", "notice of allegations").
func (f *CaseFile) LetterTitle(tpl string) string { return f.terms().Title(tpl) }

// LetterLabel names a letter the case sent: its title, and to whom when it is
// a complainant's copy ("acknowledgement, to Declan Marsh (M0005)").
func (f *CaseFile) LetterLabel(l CaseLetter) string {
	if l.To == "" {
		return f.LetterTitle(l.Template)
	}
	return f.LetterTitle(l.Template) + ", to " + f.Person(l.To)
}

// terms is a letter holding the procedure's terms, which words them.
func (f *CaseFile) terms() notices.Letter {
	if f.Procedure == nil || f.Procedure.Discipline == nil {
		return notices.Letter{}
	}
	return notices.Letter{Terms: f.Procedure.Discipline.Terms}
}

// Factor is an aggravating or mitigating factor as the rule book words it,
// nil for one it does not declare.
func (f *CaseFile) Factor(id string) *rules.Factor {
	for _, d := range f.discipline() {
		if x := d.Factors[id]; x != nil {
			return x
		}
	}
	return nil
}

// Criterion is a published criterion as the rule book words it, nil for one it
// does not declare.
func (f *CaseFile) Criterion(id string) *rules.Criterion {
	for _, d := range f.discipline() {
		if x := d.Criteria[id]; x != nil {
			return x
		}
	}
	return nil
}

// Case returns a case file as the principal may see it, on a date (today when
// zero) for the steps open to it.
func (a *App) Case(ctx context.Context, id string, on rulebook.Date) (*CaseFile, error) {
	return a.caseFile(ctx, id, on, true)
}

// CaseBrief is Case without the complaints' details and the respondent's name,
// for a reader that shows neither (the API, whose clients ask for them
// separately): reading them was most of the work of a case file.
func (a *App) CaseBrief(ctx context.Context, id string, on rulebook.Date) (*CaseFile, error) {
	return a.caseFile(ctx, id, on, false)
}

func (a *App) caseFile(ctx context.Context, id string, on rulebook.Date, details bool) (*CaseFile, error) {
	read := a.cases.Case
	if !details {
		// The brief is only encoded, never changed: it may share a kept case.
		read = a.keptCase
	}
	p, c, ca, err := a.loadCaseFrom(ctx, read, ViewCase, id, "")
	if err != nil {
		return nil, err
	}
	if on.IsZero() {
		on = a.Today()
	}
	if on < c.Opened {
		return nil, fieldErr("on", "%s is before the case was opened (%s)", on, c.Opened)
	}
	proc, conduct, err := discipline.Versions(a.Rules(), c, on)
	if err != nil {
		return nil, err
	}
	shown, redactions := a.Policy.RedactCase(p, c, ca)
	f := &CaseFile{Case: shown, Access: ca, On: on, Procedure: proc, Conduct: conduct, Redactions: redactions}
	// The letters the case has sent, those this reader may open.
	sent, err := discipline.LettersSent(a.Rules(), c)
	if err != nil {
		return nil, err
	}
	for _, sl := range sent {
		to := []string{""}
		if a.Policy.addressee(sl.Template) == notices.ToComplainants {
			to = c.Complainants // a letter each
		}
		for _, k := range to {
			if a.Policy.Decide(p, ReadLetter, Resource{Case: c, Letter: sl.Template, Member: k}) == nil {
				f.Letters = append(f.Letters, CaseLetter{Template: sl.Template, To: k, Date: sl.Date})
			}
		}
	}
	f.Steps = a.stepOptions(p, c, ca, proc, on)
	if ca.View >= StaffView {
		h := a.Policy.Hold(p)
		showComplainants := a.Policy.shown(h, "complainants") || ca.View == FullView
		for _, k := range c.Complaints {
			if !details {
				break
			}
			d, err := a.complaintDetail(ctx, k)
			if err != nil {
				continue
			}
			if !showComplainants {
				d.Row.Complainant = "[withheld]"
			}
			f.Complaints = append(f.Complaints, *d)
		}
	}
	if details {
		// The names of the members the file shows by number, as the reader
		// may see them (a withheld complainant is not looked up).
		ids := append([]string{c.Respondent}, shown.Complainants...)
		for _, d := range f.Complaints {
			ids = append(ids, d.Row.Complainant)
		}
		for _, x := range slices.Concat(shown.Conflicts, shown.Recusals) {
			ids = append(ids, x.Person)
		}
		if f.Names, err = a.db().MemberNames(ctx, ids); err != nil {
			return nil, err
		}
		f.RespondentName = f.Names[c.Respondent]
	}
	return f, a.logAccess(ctx, p, "view_case", discipline.SubjectPrefix+id, "")
}

// StepResult is what a step did.
type StepResult struct {
	Case         *discipline.Case        `json:"case"`
	Events       []string                `json:"events"`
	Refused      *discipline.RefusedData `json:"refused,omitempty"`
	Notice       string                  `json:"notice,omitempty"`
	MemberEvents []*rulebook.Event       `json:"member_events"`
	// Warnings flag a respondent who is a candidate or applicant in an open
	// selection (on a list the rule book marks as warning).
	Warnings []string `json:"warnings,omitempty"`
}

// TakeStep takes a step on a case for a body the principal acts for; the rule
// book decides the rest. A case closed by the step invites its parties to the
// confidence survey.
func (a *App) TakeStep(ctx context.Context, id string, cmd discipline.Command) (*StepResult, error) {
	// Whether steps may be taken on the case at all comes first (a hidden case is
	// not found), then what the step is, then whether it may be taken for its body.
	p, c, ca, err := a.loadCase(ctx, TakeStep, id, "")
	if err != nil {
		return nil, err
	}
	if cmd.Transition == "" {
		return nil, fieldErr("transition", "name the step to take")
	}
	if err := a.Policy.Decide(p, TakeStep, Resource{Case: c, Body: cmd.Body}); err != nil {
		return nil, err
	}
	// The case team dates a step as the decision was taken (or a party's step
	// as it was received); a party's own step is taken the day they take it.
	if today := a.Today(); ca.View == PartyView && !cmd.Date.IsZero() && cmd.Date != today {
		return nil, fieldErr("date", "a step you take yourself is dated the day you take it, %s, not %s", today.Long(), cmd.Date.Long())
	}
	if cmd.Date.IsZero() {
		cmd.Date = a.Today()
	}
	out, err := a.cases.Take(ctx, p.Actor(), id, cmd)
	if err != nil {
		return nil, err
	}
	if out.Case.Closed && out.Refused == nil {
		if err := a.invite(ctx, out.Case); err != nil {
			return nil, err
		}
	}
	ca = a.Policy.CaseAccess(p, out.Case)
	shown, _ := a.Policy.RedactCase(p, out.Case, ca)
	return &StepResult{Case: shown, Events: out.Events, Refused: out.Refused, Notice: out.Notice, MemberEvents: orEmpty(out.Effects), Warnings: out.Warnings}, nil
}

// stepOptions are the next steps of c under proc on the day on, as p (who
// sees c as ca) may take them: the case team's, with those others take; a
// party's, only those the rule book makes the respondent's own.
func (a *App) stepOptions(p *Principal, c *discipline.Case, ca CaseAccess, proc *rules.Version, on rulebook.Date) []StepOption {
	party := ca.View == PartyView
	if ca.View < StaffView && !party {
		return nil
	}
	// Whether they may take any step at all spares asking for each body (an
	// auditor's file, most of a case read's checks).
	takes := a.Policy.Decide(p, TakeStep, Resource{Case: c}) == nil
	if party && !takes {
		return nil
	}
	var out []StepOption
	for _, t := range c.NextSteps(proc.Discipline) {
		opt := StepOption{Transition: t, Due: c.StepDue(proc.Discipline, t)}
		for _, b := range t.By {
			if takes && a.Policy.Decide(p, TakeStep, Resource{Case: c, Body: b}) == nil {
				opt.Bodies = append(opt.Bodies, b)
			}
		}
		cl := proc.Clause(t.Clause)
		switch {
		case len(opt.Bodies) == 0 && party:
			continue
		case len(opt.Bodies) == 0:
			opt.Refused = fmt.Sprintf("only %s may take this step, under clause %s (%s)", proc.BodiesInText(t.By), cl.ID, cl.Title)
		case !opt.Due.IsZero() && on > opt.Due:
			// Its time has passed: the engine would refuse it.
			opt.Bodies, opt.Late = nil, true
			opt.Refused = fmt.Sprintf("its time has passed: under clause %s (%s) the last day to take it was %s", cl.ID, cl.Title, opt.Due.Long())
			if !t.Within.IsZero() && opt.Due == proc.Discipline.Calendar.Due(c.StateSince, t.Within) {
				opt.Refused = fmt.Sprintf("its time has passed: under clause %s (%s) it had to be taken within %s of %s, by %s",
					cl.ID, cl.Title, t.Within, c.StateSince.Long(), opt.Due.Long())
			}
		}
		out = append(out, opt)
	}
	return out
}

// caseRecord is how the simple case records are taken: decide, then record.
func (a *App) caseRecord(ctx context.Context, act Action, id string, fn func(actor string) (*discipline.Case, error)) (*discipline.Case, error) {
	p, _, _, err := a.loadCase(ctx, act, id, "")
	if err != nil {
		return nil, err
	}
	c, err := fn(p.Actor())
	if err != nil {
		return nil, err
	}
	shown, _ := a.Policy.RedactCase(p, c, a.Policy.CaseAccess(p, c))
	return shown, nil
}

func (a *App) dated(d rulebook.Date) rulebook.Date {
	if d.IsZero() {
		return a.Today()
	}
	return d
}

// LinkComplaint adds a further complaint about the same conduct to a case.
func (a *App) LinkComplaint(ctx context.Context, id, complaint string, date rulebook.Date) (*discipline.Case, error) {
	return a.caseRecord(ctx, RecordOnCase, id, func(actor string) (*discipline.Case, error) {
		if complaint == "" {
			return nil, fieldErr("complaint", "is required")
		}
		return a.cases.Link(ctx, actor, id, complaint, a.dated(date))
	})
}

// conflictAction is the action recording a conflict or recusal: one's own needs
// only to be on the case team, anyone else's the right to record on cases.
func conflictAction(p *Principal, person string) Action {
	if p.Account != nil && person == p.Person() {
		return DeclareOwn
	}
	return RecordOnCase
}

// DeclareConflict records a person's conflict of interest in a case: they can
// then neither sit on its panel nor see it as staff.
func (a *App) DeclareConflict(ctx context.Context, id string, date rulebook.Date, cf discipline.Conflict) (*discipline.Case, error) {
	return a.caseRecord(ctx, conflictAction(PrincipalFrom(ctx), cf.Person), id, func(actor string) (*discipline.Case, error) {
		if trim(cf.Person) == "" {
			return nil, fieldErr("person", "is required")
		}
		return a.cases.DeclareConflict(ctx, actor, id, a.dated(date), discipline.Conflict{Person: trim(cf.Person), Reason: trim(cf.Reason)})
	})
}

// Recuse records that a panel member stands down from a case.
func (a *App) Recuse(ctx context.Context, id string, date rulebook.Date, cf discipline.Conflict) (*discipline.Case, error) {
	return a.caseRecord(ctx, conflictAction(PrincipalFrom(ctx), cf.Person), id, func(actor string) (*discipline.Case, error) {
		if trim(cf.Person) == "" {
			return nil, fieldErr("person", "is required")
		}
		return a.cases.Recuse(ctx, actor, id, a.dated(date), discipline.Conflict{Person: trim(cf.Person), Reason: trim(cf.Reason)})
	})
}

// WithholdIdentity records a decision to withhold a complainant's identity from
// the respondent, with its reason.
func (a *App) WithholdIdentity(ctx context.Context, id string, date rulebook.Date, w discipline.Withholding) (*discipline.Case, error) {
	return a.caseRecord(ctx, RecordOnCase, id, func(actor string) (*discipline.Case, error) {
		return a.cases.WithholdIdentity(ctx, actor, id, a.dated(date), w)
	})
}

// UpdateComplainants records a progress update sent to the complainants.
func (a *App) UpdateComplainants(ctx context.Context, id string, date rulebook.Date, text string) (*discipline.Case, error) {
	return a.caseRecord(ctx, RecordOnCase, id, func(actor string) (*discipline.Case, error) {
		return a.cases.UpdateComplainants(ctx, actor, id, a.dated(date), text)
	})
}

// HearMitigation records that the respondent's mitigation was heard.
func (a *App) HearMitigation(ctx context.Context, id string, date rulebook.Date, summary string) (*discipline.Case, error) {
	return a.caseRecord(ctx, RecordOnCase, id, func(actor string) (*discipline.Case, error) {
		return a.cases.HearMitigation(ctx, actor, id, a.dated(date), trim(summary))
	})
}

// LogContact records an approach about a case from someone outside its roles.
func (a *App) LogContact(ctx context.Context, id string, date rulebook.Date, d discipline.ContactData) (*discipline.Case, error) {
	return a.caseRecord(ctx, RecordOnCase, id, func(actor string) (*discipline.Case, error) {
		if trim(d.From) == "" {
			return nil, fieldErr("from", "record who made contact")
		}
		return a.cases.LogContact(ctx, actor, id, a.dated(date), discipline.ContactData{From: trim(d.From), Role: d.Role, Channel: d.Channel, Summary: trim(d.Summary)})
	})
}

// ConditionMet records that a condition of a sanction was met.
func (a *App) ConditionMet(ctx context.Context, id string, date rulebook.Date, what string) (*discipline.Case, error) {
	return a.caseRecord(ctx, RecordOnCase, id, func(actor string) (*discipline.Case, error) {
		return a.cases.ConditionMet(ctx, actor, id, a.dated(date), what)
	})
}

// CorrectCase withdraws an event of a case entered in error.
func (a *App) CorrectCase(ctx context.Context, id, eventID, reason string, date rulebook.Date) (*discipline.Case, error) {
	return a.caseRecord(ctx, RecordOnCase, id, func(actor string) (*discipline.Case, error) {
		if eventID == "" {
			return nil, fieldErr("event_id", "name the event of the case to withdraw")
		}
		return a.cases.Correct(ctx, actor, id, eventID, reason, date)
	})
}

// GrantCaseRole assigns an investigator or the respondent's representative.
func (a *App) GrantCaseRole(ctx context.Context, id string, date rulebook.Date, r discipline.CaseRole) (*discipline.Case, error) {
	return a.caseRecord(ctx, AssignCaseRole, id, func(actor string) (*discipline.Case, error) {
		return a.cases.GrantRole(ctx, actor, id, a.dated(date), r)
	})
}

// EndCaseRole ends a person's role in a case.
func (a *App) EndCaseRole(ctx context.Context, id string, date rulebook.Date, r discipline.CaseRole) (*discipline.Case, error) {
	return a.caseRecord(ctx, AssignCaseRole, id, func(actor string) (*discipline.Case, error) {
		return a.cases.EndRole(ctx, actor, id, a.dated(date), r)
	})
}

// Written is what became of something written about a case.
type Written struct {
	// Recorded is "message" (on the case, from someone in it) or "contact" (from
	// someone with no role in it: the interference register).
	Recorded string `json:"recorded"`
}

// WriteAboutCase records something a signed-in person writes about a case. From a
// party or the case team it is a message on the case; from anyone else it is a
// contact, entered in the interference register that oversight reads. The answer
// is the same whether or not the case exists, so it reveals nothing.
func (a *App) WriteAboutCase(ctx context.Context, id, text string) (*Written, error) {
	p, err := a.allow(ctx, WriteAboutCase, Resource{})
	if err != nil {
		return nil, err
	}
	if trim(id) == "" {
		return nil, fieldErr("case", "give the case reference")
	}
	text = trim(text)
	if text == "" {
		return nil, fieldErr("text", "write something")
	}
	c, err := a.cases.Case(ctx, id)
	if err != nil {
		if rulebook.ErrorCode(err) == rulebook.ENotFound {
			return &Written{Recorded: "contact"}, a.logAccess(ctx, p, "write_about_unknown_case", discipline.SubjectPrefix+id, "")
		}
		return nil, err
	}
	ca := a.Policy.CaseAccess(p, c)
	if ca.View == NoView {
		from := p.Actor()
		if p.Account != nil {
			from = p.Account.Display + " (" + p.Account.Name + ")"
		}
		_, err := a.cases.LogContact(ctx, p.Actor(), id, a.Today(), discipline.ContactData{From: from, Role: "no role in the case", Channel: "rulebook", Summary: text})
		return &Written{Recorded: "contact"}, err
	}
	as := ca.As
	if as == "auditor" || as == "operator" {
		as = "staff"
	}
	_, err = a.cases.AddMessage(ctx, p.Actor(), id, a.Today(), discipline.Message{From: p.Person(), As: as, Text: text})
	return &Written{Recorded: "message"}, err
}

// CaseEvents returns every event of a case (for readers shown all its fields).
func (a *App) CaseEvents(ctx context.Context, id string) ([]rulebook.Event, error) {
	p, _, _, err := a.loadCase(ctx, ViewCaseRecord, id, "")
	if err != nil {
		return nil, err
	}
	evs, err := a.db().Events(ctx, sqldb.EventFilter{Subject: discipline.SubjectPrefix + id})
	if err != nil {
		return nil, err
	}
	return orEmpty(evs), a.logAccess(ctx, p, "view_case_events", discipline.SubjectPrefix+id, "")
}

// Letter fills a notice of a case from the record.
func (a *App) Letter(ctx context.Context, id, template, to string, date rulebook.Date) (notices.Letter, error) {
	c, err := a.cases.Case(ctx, id)
	if err != nil {
		if rulebook.ErrorCode(err) == rulebook.ENotFound {
			return notices.Letter{}, notFound("case", id)
		}
		return notices.Letter{}, err
	}
	// A letter written to each complainant is addressed to one: the reader,
	// if they are one, else the one named.
	if to == "" && a.Policy.addressee(template) == notices.ToComplainants {
		p := PrincipalFrom(ctx)
		if m := p.Member(); m != "" && slices.Contains(c.Complainants, m) {
			to = m
		} else if a.Policy.Decide(p, ReadLetter, Resource{Case: c, Letter: template, Member: c.Respondent}) == nil {
			return notices.Letter{}, fieldErr("to", "the letter %q is written to each complainant: name one (%s)", template, strings.Join(c.Complainants, ", "))
		}
	}
	p, err := a.allow(ctx, ReadLetter, Resource{Case: c, Letter: template, Member: to})
	if err != nil {
		return notices.Letter{}, err
	}
	l, err := a.cases.Letter(ctx, c, template, to, date)
	if err != nil {
		return l, err
	}
	return l, a.logAccess(ctx, p, "letter", discipline.SubjectPrefix+id, template)
}

// Deadline is a due date of a case the principal sees; overdue when it fell
// before the day asked about.
type Deadline struct {
	sqldb.DeadlineRow
	// RespondentName is the respondent's name on the register.
	RespondentName string `json:"respondent_name,omitempty"`
	Overdue        bool   `json:"overdue"`
}

// Deadlines lists the due dates, up to until, of the open cases the principal sees.
func (a *App) Deadlines(ctx context.Context, until, overdueOn rulebook.Date, limit int) ([]Deadline, error) {
	ctx = onReplica(ctx)
	p, err := a.allow(ctx, ReadDeadlines, Resource{})
	if err != nil {
		return nil, err
	}
	rows, err := a.cases.Deadlines(ctx, until, limit, a.Policy.CaseScope(p))
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, d := range rows {
		ids = append(ids, d.Case)
	}
	cases, err := a.cases.Cases(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := []Deadline{}
	for _, d := range rows {
		if c := cases[d.Case]; c != nil && a.Policy.CaseAccess(p, c).View >= StaffView {
			out = append(out, Deadline{DeadlineRow: d, Overdue: d.Due < overdueOn})
		}
	}
	if err := nameEach(ctx, a, out, func(d *Deadline) (string, *string) { return d.Respondent, &d.RespondentName }); err != nil {
		return nil, err
	}
	return out, a.logAccess(ctx, p, "deadlines", "deadlines", "until "+until.String())
}

// Statistics are the case statistics, for oversight.
func (a *App) Statistics(ctx context.Context) (*discipline.Statistics, error) {
	ctx = onReplica(ctx)
	p, err := a.allow(ctx, Oversee, Resource{})
	if err != nil {
		return nil, err
	}
	st, err := a.cases.Statistics(ctx)
	if err != nil {
		return nil, err
	}
	st.Steps, st.Clauses = orEmpty(st.Steps), orEmpty(st.Clauses)
	return st, a.logAccess(ctx, p, "statistics", "statistics", "")
}

// Flows returns the moves of cases between states by quarter, for oversight's charts.
func (a *App) Flows(ctx context.Context) ([]sqldb.FlowCount, error) {
	ctx = onReplica(ctx)
	if _, err := a.allow(ctx, Oversee, Resource{}); err != nil {
		return nil, err
	}
	return a.db().FlowCounts(ctx)
}

// Precedents lists closed cases under a clause, most like the case in hand first
// (see discipline.Service.Precedents), limit at a time (at most 200; 50 when 0)
// from offset. Reading one is logged for each case shown.
func (a *App) Precedents(ctx context.Context, clause string, factors []string, limit, offset int) (*discipline.Precedents, error) {
	p, err := a.allow(ctx, ReadPrecedents, Resource{})
	if err != nil {
		return nil, err
	}
	if clause == "" {
		return nil, fieldErr("clause", "is required")
	}
	switch {
	case limit < 0 || limit > 200:
		return nil, fieldErr("limit", "must be from 1 to 200")
	case limit == 0:
		limit = 50
	}
	if offset < 0 {
		return nil, fieldErr("offset", "must not be negative")
	}
	ps, err := a.cases.Precedents(ctx, clause, factors, limit, offset, func(c *discipline.Case) bool { return a.Policy.CaseAccess(p, c).View >= StaffView })
	if err != nil {
		return nil, err
	}
	var seen []sqldb.Access
	for _, x := range ps.Precedents {
		if x.Case != "[withheld]" {
			seen = append(seen, sqldb.Access{Actor: p.Actor(), Action: "precedents", Subject: discipline.SubjectPrefix + x.Case, Detail: "clause " + clause})
		}
	}
	return ps, a.logAccesses(ctx, seen...)
}

// SubjectAccess gathers what is held about a member, redacted, with its due date:
// for those who answer such requests, and for the member.
func (a *App) SubjectAccess(ctx context.Context, member string, requested rulebook.Date) (*discipline.SubjectAccess, error) {
	p, err := a.allow(ctx, SubjectAccess, Resource{Member: member})
	if err != nil {
		return nil, err
	}
	sa, err := a.cases.SubjectAccessExport(ctx, member, requested)
	if err != nil {
		return nil, withField(err, "requested")
	}
	sa.Events, sa.Cases, sa.Redacted = orEmpty(sa.Events), orEmpty(sa.Cases), orEmpty(sa.Redacted)
	return sa, a.logAccess(ctx, p, "subject_access", member, "requested "+requested.String())
}

// Interference lists the contacts about cases from outside their roles.
func (a *App) Interference(ctx context.Context) ([]discipline.ContactRecord, error) {
	p, err := a.allow(ctx, Oversee, Resource{})
	if err != nil {
		return nil, err
	}
	list, err := a.cases.Interference(ctx)
	if err != nil {
		return nil, err
	}
	return orEmpty(list), a.logAccess(ctx, p, "interference register", "cases", "")
}

// AccessLog returns the newest entries of the access log (about one subject),
// those just logged among them.
func (a *App) AccessLog(ctx context.Context, subject string, limit int) ([]AccessEntry, error) {
	p, err := a.allow(ctx, Oversee, Resource{})
	if err != nil {
		return nil, err
	}
	if err := a.access.flush(ctx); err != nil {
		return nil, err
	}
	es, err := a.db().AccessLog(ctx, subject, limit)
	if err != nil {
		return nil, err
	}
	out := make([]AccessEntry, len(es))
	for i, e := range es {
		out[i].Access = e
	}
	// Who read, by the names their accounts show; what, by a member's name
	// where the reader may read the register, and an account's.
	accs, err := a.db().Accounts(ctx)
	if err != nil {
		return nil, err
	}
	display := make(map[string]string, len(accs))
	for _, acc := range accs {
		display[acc.Name] = acc.Display
	}
	for i := range out {
		out[i].ActorName = display[out[i].Actor]
		if name, ok := strings.CutPrefix(out[i].Subject, rulebook.AccountSubjectPrefix); ok {
			out[i].SubjectName = display[name]
		}
	}
	if a.Policy.Decide(p, ReadRegister, Resource{}) == nil {
		err = nameEach(ctx, a, out, func(e *AccessEntry) (string, *string) {
			if e.SubjectName != "" {
				return "", new(string)
			}
			return e.Subject, &e.SubjectName
		})
	}
	return out, err
}

// AccessEntry is an entry of the access log with the names of who read and,
// where the reader may know it, of whom.
type AccessEntry struct {
	sqldb.Access
	// ActorName is the name the reader's account shows.
	ActorName string `json:"actor_name,omitempty"`
	// SubjectName is the name of the member or the account the entry is
	// about: a member's only for a reader who may read the register.
	SubjectName string `json:"subject_name,omitempty"`
}

// Lists are the dated lists the rule book declares, that automatic-exclusion
// triggers are checked against.
func (a *App) Lists() []string { return a.reg.Rules.Lists() }

func (a *App) checkList(name string) error {
	if lists := a.Lists(); !slices.Contains(lists, name) {
		return rulebook.Errorf(rulebook.ENotFound, "no list %q (the rule book's lists are: %s)", name, strings.Join(lists, ", "))
	}
	return nil
}

// ListEntries returns a dated list's entries (those on it on a date, when given).
func (a *App) ListEntries(ctx context.Context, list string, on rulebook.Date) ([]discipline.ListEntry, error) {
	if _, err := a.allow(ctx, ReadLists, Resource{}); err != nil {
		return nil, err
	}
	if err := a.checkList(list); err != nil {
		return nil, err
	}
	m, err := a.db().ListEntries(ctx, list)
	if err != nil {
		return nil, err
	}
	out := []discipline.ListEntry{}
	for _, b := range m {
		var e discipline.ListEntry
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, err
		}
		if on.IsZero() || e.InForce(on) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(x, y discipline.ListEntry) int {
		if x.From != y.From {
			return int(x.From - y.From)
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out, nil
}

// AddListEntry records an entry on a dated list.
func (a *App) AddListEntry(ctx context.Context, e discipline.ListEntry) (*rulebook.Event, error) {
	p, err := a.allow(ctx, EditLists, Resource{})
	if err != nil {
		return nil, err
	}
	if err := a.checkList(e.List); err != nil {
		return nil, err
	}
	entries, err := a.db().ListEntries(ctx, e.List)
	if err != nil {
		return nil, err
	}
	if entries[e.ID] != nil {
		return nil, rulebook.Errorf(rulebook.EConflict, "%s is already on the %s list", e.ID, e.List)
	}
	e.Name, e.About = trim(e.Name), trim(e.About)
	return a.cases.AddListEntry(ctx, p.Actor(), e)
}

// invite asks the parties of a case just closed to the confidence survey: the
// respondent and the complainants who are members, and an anonymous complainant
// through their report key.
func (a *App) invite(ctx context.Context, c *discipline.Case) error {
	q := a.Today().Quarter()
	invs := []sqldb.Invitation{{Case: c.ID, Person: c.Respondent, Party: "respondent", Quarter: q}}
	for _, k := range c.Complainants {
		if _, err := a.db().History(ctx, k); err == nil {
			invs = append(invs, sqldb.Invitation{Case: c.ID, Person: k, Party: "complainant", Quarter: q})
		}
	}
	for _, k := range c.Complaints {
		rows, err := a.db().Complaints(ctx, sqldb.ComplaintFilter{ID: k})
		if err == nil && len(rows) == 1 && rows[0].Complainant == rulebook.Anonymous {
			invs = append(invs, sqldb.Invitation{Case: c.ID, Person: reporterPerson(k), Party: "complainant", Quarter: q})
		}
	}
	return a.db().Invite(ctx, invs, a.now())
}

// reporterPerson is how an anonymous complainant is named in survey invitations.
func reporterPerson(complaint string) string { return "report:" + complaint }

// Awaiting lists the open cases the principal sees that wait for a step a body
// they act for may take, one that moves the case on (at most limit, newest first).
func (a *App) Awaiting(ctx context.Context, limit int) ([]CaseSummary, error) {
	p, err := a.allow(ctx, ListCases, Resource{})
	if err != nil {
		return nil, err
	}
	h := a.Policy.Hold(p)
	bodies := h.Bodies()
	out := []CaseSummary{}
	if len(bodies) == 0 {
		return out, nil
	}
	// Only the states some step of theirs moves a case on from (any open state, if
	// one such step is taken from every open state).
	scope := a.Policy.CaseScope(p)
	var states []string
	anyOpen := false
	for _, v := range a.Rules().Versions {
		if v.Discipline == nil {
			continue
		}
		for _, t := range v.Discipline.Transitions {
			if t.To == "" || !t.IsPermitted() || !slices.ContainsFunc(t.By, func(b string) bool { return slices.Contains(bodies, b) }) {
				continue
			}
			for _, f := range t.From {
				switch {
				case f == "*open":
					anyOpen = true
				case !strings.HasPrefix(f, "*") && !slices.Contains(states, f):
					states = append(states, f)
				}
			}
		}
	}
	// Most cases in those states await the reader, so a page a few times the list
	// usually fills it at once.
	f := sqldb.CaseFilter{Open: true, Scope: scope, Limit: max(4*limit, 50)}
	if !anyOpen {
		if len(states) == 0 {
			return out, nil
		}
		f.States = states
	}
	for ; len(out) < limit; f.Offset += f.Limit {
		rows, err := a.db().CaseRows(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			var c discipline.Case
			if err := json.Unmarshal(r.Data, &c); err != nil {
				return nil, err
			}
			ca := a.Policy.CaseAccess(p, &c)
			if ca.View < StaffView {
				continue
			}
			proc, _, err := discipline.Versions(a.Rules(), &c, a.Today())
			if err != nil {
				continue
			}
			if slices.ContainsFunc(c.NextSteps(proc.Discipline), func(t *rules.Transition) bool {
				return t.To != "" && t.IsPermitted() && slices.ContainsFunc(t.By, func(b string) bool { return slices.Contains(bodies, b) })
			}) {
				out = append(out, CaseSummary{ID: c.ID, Kind: c.Kind, Respondent: c.Respondent, State: c.State, StateName: a.stateName(&c),
					Opened: c.Opened, Conduct: c.Conduct, Unit: c.Unit, As: ca.As})
				if len(out) == limit {
					break
				}
			}
		}
		if len(rows) < f.Limit {
			break
		}
	}
	if err := nameEach(ctx, a, out, func(c *CaseSummary) (string, *string) { return c.Respondent, &c.RespondentName }); err != nil {
		return nil, err
	}
	return out, a.logAccess(ctx, p, "list_cases", "cases", fmt.Sprintf("%d awaiting a decision", len(out)))
}

// SanctionCounts counts sanctioned cases by clause and sanction, for oversight.
func (a *App) SanctionCounts(ctx context.Context) ([]sqldb.SanctionCount, error) {
	ctx = onReplica(ctx)
	if _, err := a.allow(ctx, Oversee, Resource{}); err != nil {
		return nil, err
	}
	return a.db().SanctionCounts(ctx)
}

// caseKeepMax is the most decoded cases kept for reading; past it, the store
// starts again.
const caseKeepMax = 1024

// caseKeep keeps decoded cases, each beside the stored JSON it was decoded
// from: decoding was two fifths of the work of reading a case over the API.
type caseKeep struct {
	mu sync.Mutex
	m  map[string]*keptCase
}

type keptCase struct {
	data []byte
	c    *discipline.Case
}

// keptCase returns case id as stored now, decoded, for reading only: callers
// must not change it, since later readers share it. The stored JSON is read
// every time and the kept case served only if it was decoded from the very same
// bytes, so a case changed in any way (a step, an erasure that keeps its
// sequence number), by any process, is never served stale.
func (a *App) keptCase(ctx context.Context, id string) (*discipline.Case, error) {
	data, _, err := a.db().CaseDataSeq(ctx, id)
	if err != nil {
		return nil, err
	}
	k := &a.caseKeep
	k.mu.Lock()
	e := k.m[id]
	k.mu.Unlock()
	if e != nil && bytes.Equal(e.data, data) {
		return e.c, nil
	}
	var c discipline.Case
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	k.mu.Lock()
	if k.m == nil || len(k.m) >= caseKeepMax {
		k.m = map[string]*keptCase{}
	}
	k.m[id] = &keptCase{data: data, c: &c}
	k.mu.Unlock()
	return &c, nil
}
