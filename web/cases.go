package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

type casesData struct {
	List    *app.CaseList
	Filter  url.Values
	States  []stateChoice
	Bodies  []stateChoice
	Next    string
	Prev    string
	Showing string
}

type stateChoice struct{ ID, Name string }

func (s *Server) casesPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := sqldb.CaseFilter{State: q.Get("state"), Kind: q.Get("kind"), Clause: strings.TrimSpace(q.Get("clause")), Body: q.Get("body"), Limit: 50}
	switch q.Get("open") {
	case "open":
		f.Open = true
	case "closed":
		f.Closed = true
	}
	if age := q.Get("older_than"); age != "" {
		days, err := strconv.Atoi(age)
		if err != nil || days < 0 {
			return rulebook.FieldError("older_than", "%q is not a number of days", age)
		}
		f.OpenedBy = s.app.Today().AddDays(-days)
	}
	p := app.PrincipalFrom(r.Context())
	if q.Get("assigned") == "me" && p.Account != nil {
		f.Person = p.Person()
		f.Relations = []string{"panel", discipline.RoleInvestigator, discipline.RoleRepresentative}
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	f.Offset = max(offset, 0)
	list, err := s.app.Cases(r.Context(), f)
	if err != nil {
		return err
	}
	d := casesData{List: list, Filter: q}
	seen := map[string]bool{}
	for _, v := range s.app.Rules().Versions {
		if v.Discipline == nil {
			continue
		}
		for _, id := range v.Discipline.StateOrder {
			if !seen["s"+id] {
				seen["s"+id] = true
				d.States = append(d.States, stateChoice{id, v.Discipline.States[id].Name})
			}
		}
		for _, id := range v.BodyOrder {
			if !seen["b"+id] {
				seen["b"+id] = true
				d.Bodies = append(d.Bodies, stateChoice{id, v.Bodies[id].Name})
			}
		}
	}
	d.Prev, d.Next, d.Showing = pager("/cases", q, f.Offset, f.Limit, len(list.Cases), list.Total, list.More)
	s.render(w, r, http.StatusOK, "cases", "Cases", d)
	return nil
}

// caseData is the case file page.
type caseData struct {
	File    *app.CaseFile
	Forms   []stepForm
	Refused []app.StepOption
	// Late are the steps whose time limit has passed.
	Late       []app.StepOption
	StateNames map[string]string
	Staff      bool
	CanRecord  bool
	CanAssign  bool
	// Failed is the step whose form was refused, opened again with what was typed.
	Failed   string
	Timeline []entry
}

// entry is one line of a case's timeline.
type entry struct {
	Date   rulebook.Date
	What   string
	Detail string
	// Criteria are the published criteria a step cited, each with its text.
	Criteria []string
	By       string
	Clause   string
	Event    string
	Class    string
}

// timeline merges a case's steps and records in date order.
func timeline(f *app.CaseFile) []entry {
	c, proc := f.Case, f.Procedure
	name := func(id string) string {
		if t := proc.Discipline.Transitions[id]; t != nil {
			return t.Name
		}
		return id
	}
	out := []entry{{Date: c.Opened, What: "Case opened", Detail: c.Summary}}
	for _, st := range c.Steps {
		e := entry{Date: st.Date, What: name(st.Transition), Detail: st.Rationale, By: proc.BodiesInText([]string{st.Body}), Clause: st.Clause, Event: st.Event}
		if st.To != "" && st.To != st.From {
			if s := proc.Discipline.States[st.To]; s != nil {
				e.What += " → " + s.Name
			}
		}
		// Each criterion cited, in the rule book's words, apart from the
		// reasons the deciding body gave.
		for _, id := range st.Criteria {
			if cr := f.Criterion(id); cr != nil && cr.Text != "" {
				e.Criteria = append(e.Criteria, id+" — "+strings.TrimSuffix(cr.Text, "."))
			} else {
				e.Criteria = append(e.Criteria, id)
			}
		}
		if st.Vote != nil {
			e.Detail = strings.TrimSpace(fmt.Sprintf("vote %d for, %d against. %s", st.Vote.For, st.Vote.Against, e.Detail))
		}
		out = append(out, e)
	}
	for _, x := range c.Refusals {
		out = append(out, entry{Date: x.Date, What: "Demand refused: " + name(x.Transition), Detail: x.Answer, By: proc.BodiesInText([]string{x.Body}), Clause: x.Clause, Event: x.Event, Class: "refused"})
	}
	for _, x := range c.Conflicts {
		out = append(out, entry{Date: x.Date, What: "Conflict of interest declared", Detail: f.Person(x.Person) + ": " + x.Reason})
	}
	for _, x := range c.Recusals {
		out = append(out, entry{Date: x.Date, What: "Recusal", Detail: f.Person(x.Person) + ": " + x.Reason})
	}
	for _, x := range c.Contacts {
		out = append(out, entry{Date: x.Date, What: "Contact from outside the case", Detail: x.From + " (" + x.Channel + "): " + x.Summary, Event: x.Event, Class: "refused"})
	}
	for _, x := range c.Notices {
		out = append(out, entry{Date: x.Date, What: "Notice sent: " + strings.ReplaceAll(x.Template, "_", " "), Detail: strings.Join(x.To, ", "), Event: x.Event})
	}
	for _, x := range c.Roles {
		out = append(out, entry{Date: x.Since, What: "Case role: " + x.Role, Detail: x.Person + " " + x.Reason, Event: x.Event})
	}
	for _, x := range c.Messages {
		out = append(out, entry{Date: x.Date, What: "Message from " + x.From + " (" + x.As + ")", Detail: x.Text, Event: x.Event})
	}
	if m := c.Mitigation; m != nil {
		out = append(out, entry{Date: m.Heard, What: "Mitigation heard", Detail: m.Summary})
	}
	for _, x := range c.Corrections {
		out = append(out, entry{Date: x.Date, What: "Entry withdrawn as made in error", Detail: x.Corrects + ": " + x.Reason, Event: x.Event})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// stepForm is the form for one step, built from what the rule book says it needs.
type stepForm struct {
	T *rules.Transition
	// Party is set when the reader takes the step as a party (their own
	// appeal): it is dated the day they take it, and asks only for reasons.
	Party bool
	// Received is set when every body it may be taken for is the respondent
	// themselves: the case team records it as received, on that date.
	Received bool
	// Due is the last day to take it, where the rule book sets a time limit.
	Due        rulebook.Date
	Bodies     []string
	BodyNames  map[string]string
	Criteria   []*rules.Criterion
	Needs      map[string]bool // guard → shown
	Suspends   bool
	Charges    []int
	ChargeRows []discipline.Charge
	Clauses    []clauseChoice
	PanelRule  *rules.PanelRule
	Candidates []app.PanelCandidate
	Sanctions  []*rules.Sanction
	// Guidance is the sanctions guidance for the clauses found proved, for the
	// panel to see where a sanction falls.
	Guidance []*rules.Guidance
	Levels   []string // the seriousness levels the guidance grades
	// Standards are the standard punishments a step may apply without a hearing.
	Standards   []*rules.StandardPunishment
	Factors     []*rules.Factor
	Triggers    []*rules.Trigger
	ListEntries []discipline.ListEntry
	NotAllowed  string // a demand the rule book refuses
}

func (s *Server) caseData(r *http.Request, id string) (*caseData, error) {
	ctx := r.Context()
	f, err := s.app.Case(ctx, id, rulebook.NoDate)
	if err != nil {
		return nil, err
	}
	d := &caseData{File: f, StateNames: map[string]string{}, Staff: f.Access.View >= app.StaffView, Timeline: timeline(f)}
	for id, st := range f.Procedure.Discipline.States {
		d.StateNames[id] = st.Name
	}
	res := app.Resource{Case: f.Case}
	d.CanRecord = s.app.May(ctx, app.RecordOnCase, res)
	d.CanAssign = s.app.May(ctx, app.AssignCaseRole, res)
	for _, o := range f.Steps {
		if o.Late {
			d.Late = append(d.Late, o)
			continue
		}
		if len(o.Bodies) == 0 {
			d.Refused = append(d.Refused, o)
			continue
		}
		sf, err := s.stepForm(r, f, o)
		if err != nil {
			return nil, err
		}
		d.Forms = append(d.Forms, sf)
	}
	return d, nil
}

// stepForm lays out the fields a step needs, from its guards and effects.
func (s *Server) stepForm(r *http.Request, f *app.CaseFile, o app.StepOption) (stepForm, error) {
	t, proc, vc := o.Transition, f.Procedure, f.Conduct
	sf := stepForm{T: t, Party: f.Access.View == app.PartyView, Due: o.Due, Bodies: o.Bodies, BodyNames: map[string]string{}, Needs: map[string]bool{}}
	sf.Received = len(o.Bodies) > 0
	for _, b := range o.Bodies {
		sf.BodyNames[b] = b
		body := proc.Bodies[b]
		if body != nil {
			sf.BodyNames[b] = body.Name
		}
		sf.Received = sf.Received && body != nil && body.Respondent
	}
	if !t.IsPermitted() {
		cl := proc.Clause(t.Clause)
		sf.NotAllowed = fmt.Sprintf("The rule book does not permit this step (clause %s, %s). A demand for it is recorded, and answered as refused with that clause.", cl.ID, cl.Title)
		return sf, nil
	}
	for _, g := range t.Requires {
		sf.Needs[g] = true
	}
	sf.Suspends = slices.Contains(t.Effects, "admin_suspension")
	for _, c := range t.Criteria {
		if cr := proc.Discipline.Criteria[c]; cr != nil {
			sf.Criteria = append(sf.Criteria, cr)
		}
	}
	if sf.Needs["charges"] {
		sf.Charges = []int{1, 2, 3, 4}
		sf.Clauses = s.clauseChoices(f.Case.Conduct)
	}
	if sf.Needs["findings"] {
		sf.ChargeRows = f.Case.Charges
	}
	if sf.Needs["panel"] {
		for _, b := range o.Bodies {
			if pr := proc.Discipline.Panels[b]; pr != nil {
				sf.PanelRule = pr
				cs, err := s.app.PanelCandidates(r.Context(), b)
				if err != nil {
					return sf, err
				}
				sf.Candidates = cs
				break
			}
		}
	}
	if sf.Needs["sanction"] {
		varies := slices.Contains(o.Transition.Effects, "vary_sanction")
		for _, id := range vc.SanctionOrder {
			sn := vc.Sanctions[id]
			if varies || slices.ContainsFunc(o.Bodies, func(b string) bool { return slices.Contains(sn.By, b) }) {
				sf.Sanctions = append(sf.Sanctions, sn)
			}
		}
		for _, cl := range f.Case.ProvedClauses() {
			sf.Guidance = append(sf.Guidance, proc.Discipline.GuidanceFor(cl)...)
		}
		for _, g := range sf.Guidance {
			if !slices.Contains(sf.Levels, g.Seriousness) {
				sf.Levels = append(sf.Levels, g.Seriousness)
			}
		}
		for _, id := range sortedKeys(proc.Discipline.Factors) {
			sf.Factors = append(sf.Factors, proc.Discipline.Factors[id])
		}
	}
	if sf.Needs["standard_punishment"] {
		for _, id := range vc.StandardOrder {
			sf.Standards = append(sf.Standards, vc.Standard[id])
		}
	}
	if sf.Needs["trigger"] {
		for _, id := range vc.TriggerOrder {
			tr := vc.Triggers[id]
			sf.Triggers = append(sf.Triggers, tr)
		}
		for _, list := range s.app.Lists() {
			es, err := s.app.ListEntries(r.Context(), list, rulebook.NoDate)
			if err == nil {
				sf.ListEntries = append(sf.ListEntries, es...)
			}
		}
	}
	return sf, nil
}

// pager returns the links to the previous and next pages of a list at base with
// query q, shown limit at a time (shown of them on this page, from offset, of
// total, or of more than total), and what this page shows.
func pager(base string, q url.Values, offset, limit, shown, total int, more bool) (prev, next, showing string) {
	page := func(off int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("offset", strconv.Itoa(off))
		return base + "?" + v.Encode()
	}
	if offset+shown < total || more && shown == limit {
		next = page(offset + limit)
	}
	if offset > 0 {
		prev = page(max(0, offset-limit))
	}
	of := thousands(total)
	if more {
		of = "more than " + of
	}
	if shown == 0 {
		return prev, next, "none of " + of
	}
	return prev, next, fmt.Sprintf("%s–%s of %s", thousands(offset+1), thousands(offset+shown), of)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.caseData(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "case", "Case "+d.File.Case.ID, d)
	return nil
}

// commandFrom reads a step's form into the command the rule book checks.
func commandFrom(f url.Values, c *discipline.Case) (discipline.Command, error) {
	cmd := discipline.Command{Transition: f.Get("transition"), Body: f.Get("body"), Criteria: f["criteria"],
		Rationale: strings.TrimSpace(f.Get("rationale")), Evidence: lines(f.Get("evidence")), Shorten: f.Get("shorten") == "on"}
	var err error
	if cmd.Date, err = formDate(f, "date"); err != nil {
		return cmd, err
	}
	for n := 1; n <= 20; n++ {
		k := strconv.Itoa(n)
		cl, part := f.Get("charge_clause_"+k), strings.TrimSpace(f.Get("charge_particulars_"+k))
		if cl == "" && part == "" {
			continue
		}
		cmd.Charges = append(cmd.Charges, discipline.Charge{Count: len(cmd.Charges) + 1, Clause: cl, Particulars: part})
	}
	for _, ch := range c.Charges {
		k := strconv.Itoa(ch.Count)
		if v := f.Get("finding_" + k); v != "" {
			cmd.Findings = append(cmd.Findings, discipline.Finding{Count: ch.Count, Finding: v, Reasons: strings.TrimSpace(f.Get("finding_reasons_" + k))})
		}
	}
	if members := f["panel"]; len(members) > 0 {
		p := &discipline.Panel{Body: f.Get("panel_body")}
		for _, m := range members {
			parts := strings.SplitN(m, "|", 3)
			for len(parts) < 3 {
				parts = append(parts, "")
			}
			p.Members = append(p.Members, discipline.PanelMember{ID: parts[0], Name: parts[1], Section: parts[2]})
		}
		cmd.Panel = p
	}
	if f.Has("hearing_date") {
		h := &discipline.Hearing{Place: strings.TrimSpace(f.Get("hearing_place")), Paper: f.Get("hearing_paper") == "on"}
		if h.Date, err = formDate(f, "hearing_date"); err != nil {
			return cmd, rulebook.FieldError("hearing.date", "%v", err)
		}
		cmd.Hearing = h
	}
	cmd.Seriousness, cmd.Departure = f.Get("seriousness"), strings.TrimSpace(f.Get("departure"))
	cmd.Standard = f.Get("standard")
	if sn := f.Get("sanction"); sn != "" {
		so := &discipline.SanctionOrder{Sanction: sn, Factors: f["factor"]}
		if n := strings.TrimSpace(f.Get("sanction_count")); n != "" {
			if so.Count, err = strconv.Atoi(n); err != nil || so.Count < 1 {
				return cmd, rulebook.FieldError("sanction.count", "%q is not a number of occasions or units (1 or more)", n)
			}
		}
		if a := strings.TrimSpace(f.Get("sanction_amount")); a != "" {
			if err := so.Amount.UnmarshalText([]byte(a)); err != nil {
				return cmd, rulebook.FieldError("sanction.amount", "%v", err)
			}
		}
		if also := f.Get("sanction_also"); also != "" {
			ao := discipline.SanctionOrder{Sanction: also}
			if a := strings.TrimSpace(f.Get("sanction_also_amount")); a != "" {
				if err := ao.Amount.UnmarshalText([]byte(a)); err != nil {
					return cmd, rulebook.FieldError("sanctions[1].amount", "%v", err)
				}
			}
			cmd.Sanctions = []discipline.SanctionOrder{ao}
		}
		if so.From, err = formDate(f, "sanction_from"); err != nil {
			return cmd, err
		}
		if so.Until, err = formDate(f, "sanction_until"); err != nil {
			return cmd, err
		}
		for n := 1; n <= 3; n++ {
			k := strconv.Itoa(n)
			what := strings.TrimSpace(f.Get("condition_" + k))
			if what == "" {
				continue
			}
			due, err := formDate(f, "condition_due_"+k)
			if err != nil {
				return cmd, err
			}
			so.Conditions = append(so.Conditions, discipline.Condition{What: what, Due: due})
		}
		cmd.Sanction = so
	}
	if tr := f.Get("trigger"); tr != "" {
		tc := &discipline.TriggerClaim{Trigger: tr, Entry: f.Get("trigger_entry")}
		if tc.Conduct, err = formDate(f, "trigger_conduct"); err != nil {
			return cmd, err
		}
		cmd.Trigger = tc
	}
	if f.Has("vote_for") {
		v := &discipline.Vote{}
		if v.For, err = formInt(f, "vote_for"); err != nil {
			return cmd, err
		}
		if v.Against, err = formInt(f, "vote_against"); err != nil {
			return cmd, err
		}
		if v.Abstain, err = formInt(f, "vote_abstain"); err != nil {
			return cmd, err
		}
		cmd.Vote = v
	}
	if f.Has("suspend_from") {
		so := &discipline.SuspendOrder{}
		if so.From, err = formDate(f, "suspend_from"); err != nil {
			return cmd, err
		}
		if so.ReviewBy, err = formDate(f, "suspend_review_by"); err != nil {
			return cmd, err
		}
		if !so.From.IsZero() || !so.ReviewBy.IsZero() {
			cmd.Suspend = so
		}
	}
	return cmd, nil
}

func (s *Server) takeStep(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id := r.PathValue("id")
	f, err := s.app.Case(r.Context(), id, rulebook.NoDate)
	if err != nil {
		return err
	}
	cmd, err := commandFrom(r.PostForm, f.Case)
	if err == nil {
		var res *app.StepResult
		if res, err = s.app.TakeStep(r.Context(), id, cmd); err == nil {
			msg := "Recorded: " + stepName(f, cmd.Transition) + "."
			if res.Refused != nil {
				msg = "The demand is recorded and refused: " + res.Refused.Answer
			}
			for _, w := range res.Warnings {
				msg += " WARNING: " + w
			}
			return s.done(w, r, "/cases/"+url.PathEscape(id), msg)
		}
	}
	return s.caseFormError(w, r, id, cmd.Transition, err)
}

func stepName(f *app.CaseFile, id string) string {
	if t := f.Procedure.Discipline.Transitions[id]; t != nil {
		return t.Name
	}
	return id
}

// caseFormError shows the case file again with a refused form's error, its form
// open with what was typed.
func (s *Server) caseFormError(w http.ResponseWriter, r *http.Request, id, failed string, err error) error {
	if c := rulebook.ErrorCode(err); c == rulebook.EUnauthorized {
		return err
	}
	d, err2 := s.caseData(r, id)
	if rulebook.ErrorCode(err2) == rulebook.ENotFound && failed == "message" {
		// Someone outside the case wrote about it: they are shown the writing
		// page again, not the case.
		return s.formError(w, r, "write", "Write about a case", nil, err)
	}
	if err2 != nil {
		return err2
	}
	d.Failed = failed
	return s.formError(w, r, "case", "Case "+id, d, err)
}

// caseRecord records what needs no step: a conflict, a recusal, mitigation heard,
// a contact, a condition met, a linked complaint, a case role, a correction.
func (s *Server) caseRecord(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, f, ctx := r.PathValue("id"), r.PostForm, r.Context()
	kind := f.Get("kind")
	date, err := formDate(f, "date")
	if err == nil {
		switch kind {
		case "conflict":
			_, err = s.app.DeclareConflict(ctx, id, date, discipline.Conflict{Person: f.Get("person"), Reason: f.Get("reason")})
		case "recusal":
			_, err = s.app.Recuse(ctx, id, date, discipline.Conflict{Person: f.Get("person"), Reason: f.Get("reason")})
		case "mitigation":
			_, err = s.app.HearMitigation(ctx, id, date, f.Get("summary"))
		case "withhold":
			_, err = s.app.WithholdIdentity(ctx, id, date, discipline.Withholding{Person: f.Get("person"), Reason: f.Get("reason")})
		case "update":
			_, err = s.app.UpdateComplainants(ctx, id, date, f.Get("text"))
		case "contact":
			_, err = s.app.LogContact(ctx, id, date, discipline.ContactData{From: f.Get("from"), Role: f.Get("role"), Channel: f.Get("channel"), Summary: f.Get("summary")})
		case "condition":
			_, err = s.app.ConditionMet(ctx, id, date, f.Get("what"))
		case "link":
			_, err = s.app.LinkComplaint(ctx, id, strings.TrimSpace(f.Get("complaint")), date)
		case "role":
			_, err = s.app.GrantCaseRole(ctx, id, date, discipline.CaseRole{Person: strings.TrimSpace(f.Get("person")), Role: f.Get("role"), Reason: f.Get("reason")})
		case "correction":
			_, err = s.app.CorrectCase(ctx, id, f.Get("event"), f.Get("reason"), date)
		default:
			err = rulebook.FieldError("kind", "nothing to record as %q", kind)
		}
	}
	if err != nil {
		// A refused record of a case the reader does not see is answered as the
		// case not found, as everything about it is.
		if c := rulebook.ErrorCode(err); c == rulebook.ENotFound && strings.Contains(err.Error(), "no case") {
			return err
		}
		return s.caseFormError(w, r, id, "record-"+kind, err)
	}
	label := map[string]string{"conflict": "Conflict of interest", "recusal": "Recusal", "mitigation": "Mitigation", "contact": "Contact",
		"withhold": "Complainant's identity withheld", "update": "Update to the complainants",
		"condition": "Condition met", "link": "Complaint linked", "role": "Case role", "correction": "Correction"}[kind]
	return s.done(w, r, "/cases/"+url.PathEscape(id), label+" recorded.")
}

func (s *Server) caseMessage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := s.app.WriteAboutCase(r.Context(), id, r.PostForm.Get("text")); err != nil {
		return s.caseFormError(w, r, id, "message", err)
	}
	return s.done(w, r, "/cases/"+url.PathEscape(id), "Your message is added to the case.")
}

func (s *Server) caseLetter(w http.ResponseWriter, r *http.Request) error {
	id, tpl := r.PathValue("id"), r.PathValue("template")
	l, err := s.app.Letter(r.Context(), id, tpl, r.URL.Query().Get("to"), rulebook.NoDate)
	if err != nil {
		return err
	}
	rd, err := s.letters.Render(tpl, l)
	if err != nil {
		return rulebook.FieldError("template", "%v", err)
	}
	// A letter is a document of its own, with its own styles; it may not run
	// script or be framed, like every page here.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = w.Write([]byte(rd.HTML))
	return err
}

// write lets anyone signed in write about a case by its reference: a party or the
// case team adds a message; anyone else's approach goes to the interference
// register, whether or not they can see the case (or it exists).
func (s *Server) writePage(w http.ResponseWriter, r *http.Request) error {
	if !app.PrincipalFrom(r.Context()).SignedIn() {
		return rulebook.Errorf(rulebook.EUnauthorized, "sign in first")
	}
	s.render(w, r, http.StatusOK, "write", "Write about a case", nil)
	return nil
}

func (s *Server) write(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ref := strings.TrimSpace(r.PostForm.Get("case"))
	if _, err := s.app.WriteAboutCase(r.Context(), ref, r.PostForm.Get("text")); err != nil {
		if rulebook.ErrorCode(err) == rulebook.EUnauthorized {
			return err
		}
		return s.formError(w, r, "write", "Write about a case", nil, err)
	}
	return s.done(w, r, "/dashboard", "Your message about case "+ref+" has been passed on and recorded.")
}

type surveyData struct {
	Case      string
	Questions []struct{ ID, Text string }
	Key       string
}

func (s *Server) surveyPage(w http.ResponseWriter, r *http.Request) error {
	invs, err := s.app.SurveyInvitations(r.Context())
	if err != nil {
		return err
	}
	id := r.PathValue("case")
	if !slices.ContainsFunc(invs, func(iv sqldb.Invitation) bool { return iv.Case == id }) {
		return rulebook.Errorf(rulebook.ENotFound, "no survey for case %q is waiting for you", id)
	}
	s.render(w, r, http.StatusOK, "survey", "Your confidence in the process", surveyData{Case: id, Questions: app.SurveyQuestions})
	return nil
}

func scoresFrom(f url.Values) map[string]int {
	out := map[string]int{}
	for _, q := range app.SurveyQuestions {
		if n, err := strconv.Atoi(f.Get(q.ID)); err == nil {
			out[q.ID] = n
		}
	}
	return out
}

func (s *Server) answerSurvey(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id := r.PathValue("case")
	if err := s.app.AnswerSurvey(r.Context(), id, scoresFrom(r.PostForm)); err != nil {
		return s.formError(w, r, "survey", "Your confidence in the process", surveyData{Case: id, Questions: app.SurveyQuestions}, err)
	}
	return s.done(w, r, "/dashboard", "Thank you. Your answers are kept apart from your name and the case.")
}
