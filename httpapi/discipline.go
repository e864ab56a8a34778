package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/notices"
	"github.com/rulebook/rulebook/sqldb"
)

// The disciplinary workflow over the API. Every request goes through the
// application layer, which decides who may see and do what; every step is then
// checked against the rule book version governing the case, so the API can take
// no step the web pages or the CLI would refuse.

// caseRoutes lists the discipline endpoints, added to the server's routes.
func (s *Server) caseRoutes() []route {
	return []route{
		{pattern: "GET /api/v1/complaints", handle: s.listComplaints, query: []string{"waiting"}},
		{pattern: "POST /api/v1/complaints", handle: s.receiveComplaint, write: true},
		{pattern: "GET /api/v1/complaints/{id}", handle: s.complaint},
		{pattern: "POST /api/v1/complaints/{id}/information", handle: s.addInformation, write: true},
		{pattern: "POST /api/v1/reports", handle: s.report, write: true, public: true},
		{pattern: "POST /api/v1/reports/status", handle: s.followReport, write: true, public: true},
		{pattern: "POST /api/v1/reports/information", handle: s.addReportInformation, write: true, public: true},

		{pattern: "GET /api/v1/lists/{list}", handle: s.list, query: []string{"on"}},
		{pattern: "POST /api/v1/lists/{list}/entries", handle: s.addListEntry, write: true},

		{pattern: "GET /api/v1/cases", handle: s.listCases, query: []string{"respondent", "state", "kind", "clause", "body", "open", "limit", "offset"}},
		{pattern: "POST /api/v1/cases", handle: s.openCase, write: true},
		{pattern: "GET /api/v1/cases/{id}", handle: s.caseView, query: []string{"on"}},
		{pattern: "GET /api/v1/cases/{id}/events", handle: s.caseEvents},
		{pattern: "POST /api/v1/cases/{id}/steps", handle: s.takeStep, write: true},
		{pattern: "POST /api/v1/cases/{id}/complaints", handle: s.linkComplaint, write: true},
		{pattern: "POST /api/v1/cases/{id}/conflicts", handle: s.declareConflict, write: true},
		{pattern: "POST /api/v1/cases/{id}/recusals", handle: s.recuse, write: true},
		{pattern: "POST /api/v1/cases/{id}/mitigation", handle: s.hearMitigation, write: true},
		{pattern: "POST /api/v1/cases/{id}/withholdings", handle: s.withholdIdentity, write: true},
		{pattern: "POST /api/v1/cases/{id}/updates", handle: s.updateComplainants, write: true},
		{pattern: "POST /api/v1/cases/{id}/contacts", handle: s.logContact, write: true},
		{pattern: "POST /api/v1/cases/{id}/conditions", handle: s.conditionMet, write: true},
		{pattern: "POST /api/v1/cases/{id}/corrections", handle: s.correctCase, write: true},
		{pattern: "POST /api/v1/cases/{id}/roles", handle: s.grantCaseRole, write: true},
		{pattern: "POST /api/v1/cases/{id}/messages", handle: s.writeAboutCase, write: true},
		{pattern: "GET /api/v1/cases/{id}/letters/{template}", handle: s.caseLetter, query: []string{"to", "date", "format"}},
		{pattern: "GET /api/v1/panel-candidates", handle: s.panelCandidates, query: []string{"body"}},
		{pattern: "GET /api/v1/interference", handle: s.interference},

		{pattern: "GET /api/v1/deadlines", handle: s.deadlines, query: []string{"on", "within", "limit"}},
		{pattern: "GET /api/v1/statistics", handle: s.statistics},
		{pattern: "GET /api/v1/precedents", handle: s.precedents, query: []string{"clause", "factor...", "limit", "offset"}},
		{pattern: "GET /api/v1/subject-access/{member}", handle: s.subjectAccess, query: []string{"requested"}},
		{pattern: "GET /api/v1/retention", handle: s.retentionDue, query: []string{"on"}},
		{pattern: "POST /api/v1/retention", handle: s.runRetention, write: true},
		{pattern: "POST /api/v1/members/{id}/erasure", handle: s.eraseOnRequest, write: true},
		{pattern: "GET /api/v1/surveys", handle: s.surveys},
		{pattern: "POST /api/v1/surveys/{case}", handle: s.answerSurvey, write: true},
		{pattern: "GET /api/v1/survey-results", handle: s.surveyResults},
	}
}

// complaintInput is a written complaint as received.
type complaintInput struct {
	ID            string        `json:"id"`
	Respondent    string        `json:"respondent"`
	Complainant   string        `json:"complainant"`
	Cosignatories []string      `json:"cosignatories"`
	From          string        `json:"from"`
	Via           string        `json:"via"`
	Conduct       rulebook.Date `json:"conduct"`
	Clauses       []string      `json:"clauses"`
	Summary       string        `json:"summary"`
	Received      rulebook.Date `json:"received"`
}

func (s *Server) receiveComplaint(w http.ResponseWriter, r *http.Request) error {
	var in complaintInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c := rulebook.ComplaintReceived{ID: in.ID, Respondent: in.Respondent, Complainant: in.Complainant, Cosignatories: in.Cosignatories,
		From: in.From, Via: in.Via, Conduct: in.Conduct, Clauses: in.Clauses, Summary: in.Summary}
	e, err := s.app.ReceiveComplaint(r.Context(), in.Received, c)
	if err != nil {
		return err
	}
	var stored rulebook.ComplaintReceived
	if err := json.Unmarshal(e.Data, &stored); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/complaints/"+url.PathEscape(c.ID))
	writeJSON(w, http.StatusCreated, complaintView{Complaint: stored, Received: e.Effective, Event: e})
	return nil
}

// complaintView is a complaint with when it was made or received, the case it
// belongs to, and what its complainant added later.
type complaintView struct {
	Complaint   rulebook.ComplaintReceived `json:"complaint"`
	About       string                     `json:"about,omitempty"`
	Reported    rulebook.Date              `json:"reported,omitempty"`
	Received    rulebook.Date              `json:"received,omitempty"`
	Case        string                     `json:"case,omitempty"`
	Information []app.Information          `json:"information,omitempty"`
	Event       *rulebook.Event            `json:"event,omitempty"`
}

func complaintOf(d *app.ComplaintDetail) complaintView {
	r := d.Row
	return complaintView{Complaint: rulebook.ComplaintReceived{ID: r.ID, Respondent: r.Respondent, Complainant: r.Complainant, From: r.From, Via: r.Via,
		Conduct: d.Conduct, Clauses: orEmpty(d.Clauses), Summary: r.Summary}, About: r.About, Reported: r.Reported, Received: r.Received, Case: r.Case, Information: d.Information}
}

func (s *Server) listComplaints(w http.ResponseWriter, r *http.Request) error {
	waiting, err := queryBool(r, "waiting", false)
	if err != nil {
		return err
	}
	f := sqldb.ComplaintFilter{Waiting: waiting}
	rows, err := s.app.Complaints(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"complaints": rows})
	return nil
}

func (s *Server) complaint(w http.ResponseWriter, r *http.Request) error {
	d, err := s.app.Complaint(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, complaintOf(d))
	return nil
}

type textInput struct {
	Text string `json:"text"`
}

func (s *Server) addInformation(w http.ResponseWriter, r *http.Request) error {
	var in textInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.app.AddInformation(r.Context(), "", r.PathValue("id"), in.Text, clientAddr(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"added": true})
	return nil
}

// clientAddr is the address a request came from, for limiting attempts.
func clientAddr(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return host
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) error {
	var in app.ReportInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rep, err := s.app.ReportComplaint(r.Context(), in, clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rep)
	return nil
}

type keyInput struct {
	Key  string `json:"key"`
	Text string `json:"text,omitempty"`
}

// followReport answers an anonymous complainant's key. The key comes in the body,
// never the URL, so that it is not written to logs.
func (s *Server) followReport(w http.ResponseWriter, r *http.Request) error {
	var in keyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	st, err := s.app.FollowReport(r.Context(), in.Key, clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) addReportInformation(w http.ResponseWriter, r *http.Request) error {
	var in keyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.app.AddInformation(r.Context(), in.Key, "", in.Text, clientAddr(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"added": true})
	return nil
}

type listEntryInput struct {
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	About   string        `json:"about"`
	From    rulebook.Date `json:"from"`
	Until   rulebook.Date `json:"until"`
	Member  string        `json:"member"`
	Section string        `json:"section"`
}

func (s *Server) addListEntry(w http.ResponseWriter, r *http.Request) error {
	var in listEntryInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e := discipline.ListEntry{List: r.PathValue("list"), ID: in.ID, Name: in.Name, About: in.About, From: in.From, Until: in.Until,
		Member: in.Member, Section: in.Section}
	ev, err := s.app.AddListEntry(r.Context(), e)
	if err != nil {
		return err
	}
	e.Name, e.About = strings.TrimSpace(e.Name), strings.TrimSpace(e.About)
	writeJSON(w, http.StatusCreated, map[string]any{"entry": e, "event": ev})
	return nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) error {
	on, err := queryDate(r, "on", rulebook.NoDate)
	if err != nil {
		return err
	}
	list := r.PathValue("list")
	out, err := s.app.ListEntries(r.Context(), list, on)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"list": list, "entries": out})
	return nil
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) error {
	q := query(r)
	f := sqldb.CaseFilter{Respondent: q.Get("respondent"), State: q.Get("state"), Kind: q.Get("kind"), Clause: q.Get("clause"), Body: q.Get("body")}
	open, err := queryBool(r, "open", false)
	if err != nil {
		return err
	}
	f.Open = open
	limit, err := queryLimit(r, 100, 1000)
	if err != nil {
		return err
	}
	offset, err := queryInt(r, "offset", 0, 0)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = limit, int(offset)
	list, err := s.app.Cases(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) openCase(w http.ResponseWriter, r *http.Request) error {
	var in discipline.OpenInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := s.app.OpenCase(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/cases/"+url.PathEscape(o.Case.ID))
	writeJSON(w, http.StatusCreated, map[string]any{"case": o.Case, "warnings": orEmpty(o.Warnings)})
	return nil
}

// availableStep is a step the procedure allows from the case's state, with who may
// take it and what it needs, so a client can offer only steps that can be taken.
type availableStep struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	To        string   `json:"to,omitempty"`
	By        []string `json:"by"`
	Requires  []string `json:"requires,omitempty"`
	Criteria  []string `json:"criteria,omitempty"`
	Effects   []string `json:"effects,omitempty"`
	Notice    string   `json:"notice,omitempty"`
	Within    string   `json:"within,omitempty"`
	Permitted bool     `json:"permitted"`
	Clause    string   `json:"clause"`
	// Bodies are those the caller may take it for; Refused why they may not.
	Bodies  []string `json:"bodies"`
	Refused string   `json:"refused,omitempty"`
	// Due is the last day to take it, where the rule book sets a time limit;
	// Late that it has passed.
	Due  rulebook.Date `json:"due,omitempty"`
	Late bool          `json:"late,omitempty"`
}

// caseView is a case with the steps open to it on a date.
type caseView struct {
	Case *discipline.Case `json:"case"`
	On   rulebook.Date    `json:"on"`
	// As is the caller's capacity in the case; Redactions what was withheld.
	As         string   `json:"as"`
	Redactions []string `json:"redactions"`
	// Procedure and Conduct are the rule book versions applied: the procedure, and
	// the substantive rules in force when the conduct happened.
	Procedure string          `json:"procedure_version"`
	Conduct   string          `json:"conduct_version"`
	Steps     []availableStep `json:"steps"`
	// Letters are the letters the case has sent that the caller may read
	// (GET …/letters/{template}?to=…).
	Letters []app.CaseLetter `json:"letters"`
}

func stepView(o app.StepOption) availableStep {
	t := o.Transition
	return availableStep{ID: t.ID, Name: t.Name, To: t.To, By: t.By, Requires: t.Requires, Criteria: t.Criteria, Effects: t.Effects,
		Notice: t.Notice, Within: t.Within.String(), Permitted: t.IsPermitted(), Clause: t.Clause, Bodies: orEmpty(o.Bodies), Refused: o.Refused, Due: o.Due, Late: o.Late}
}

func (s *Server) caseView(w http.ResponseWriter, r *http.Request) error {
	on, err := queryDate(r, "on", rulebook.NoDate)
	if err != nil {
		return err
	}
	f, err := s.app.CaseBrief(r.Context(), r.PathValue("id"), on)
	if err != nil {
		return err
	}
	v := caseView{Case: f.Case, On: f.On, As: f.Access.As, Redactions: orEmpty(f.Redactions), Procedure: f.Procedure.ID, Conduct: f.Conduct.ID, Steps: []availableStep{}, Letters: orEmpty(f.Letters)}
	for _, o := range f.Steps {
		v.Steps = append(v.Steps, stepView(o))
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) caseEvents(w http.ResponseWriter, r *http.Request) error {
	evs, err := s.app.CaseEvents(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": evs})
	return nil
}

func (s *Server) takeStep(w http.ResponseWriter, r *http.Request) error {
	var cmd discipline.Command
	if err := decodeJSON(r, &cmd); err != nil {
		return err
	}
	res, err := s.app.TakeStep(r.Context(), r.PathValue("id"), cmd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// caseWrite answers a change to a case that needs no rule-book step.
func caseWrite(w http.ResponseWriter, c *discipline.Case, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"case": c})
	return nil
}

type linkInput struct {
	Complaint string        `json:"complaint"`
	Date      rulebook.Date `json:"date"`
}

func (s *Server) linkComplaint(w http.ResponseWriter, r *http.Request) error {
	var in linkInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.app.LinkComplaint(r.Context(), r.PathValue("id"), in.Complaint, in.Date)
	return caseWrite(w, c, err)
}

type conflictInput struct {
	Person string        `json:"person"`
	Reason string        `json:"reason"`
	Date   rulebook.Date `json:"date"`
}

func (s *Server) declareConflict(w http.ResponseWriter, r *http.Request) error {
	return s.recordConflict(w, r, s.app.DeclareConflict)
}

func (s *Server) recuse(w http.ResponseWriter, r *http.Request) error {
	return s.recordConflict(w, r, s.app.Recuse)
}

// recordConflict serves declaring a conflict and recusing: the same input, checked
// the same way, recorded by a different step.
func (s *Server) recordConflict(w http.ResponseWriter, r *http.Request,
	record func(ctx context.Context, id string, date rulebook.Date, cf discipline.Conflict) (*discipline.Case, error)) error {
	var in conflictInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Reason) == "" && strings.TrimSpace(in.Person) != "" {
		return rulebook.FieldError("reason", "is required")
	}
	c, err := record(r.Context(), r.PathValue("id"), in.Date, discipline.Conflict{Person: in.Person, Reason: in.Reason})
	return caseWrite(w, c, err)
}

type mitigationInput struct {
	Summary string        `json:"summary"`
	Date    rulebook.Date `json:"date"`
}

func (s *Server) hearMitigation(w http.ResponseWriter, r *http.Request) error {
	var in mitigationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.app.HearMitigation(r.Context(), r.PathValue("id"), in.Date, in.Summary)
	return caseWrite(w, c, err)
}

type withholdingInput struct {
	Person string        `json:"person"`
	Reason string        `json:"reason"`
	Date   rulebook.Date `json:"date"`
}

func (s *Server) withholdIdentity(w http.ResponseWriter, r *http.Request) error {
	var in withholdingInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.app.WithholdIdentity(r.Context(), r.PathValue("id"), in.Date, discipline.Withholding{Person: in.Person, Reason: in.Reason})
	return caseWrite(w, c, err)
}

type progressInput struct {
	Text string        `json:"text"`
	Date rulebook.Date `json:"date"`
}

func (s *Server) updateComplainants(w http.ResponseWriter, r *http.Request) error {
	var in progressInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.app.UpdateComplainants(r.Context(), r.PathValue("id"), in.Date, in.Text)
	return caseWrite(w, c, err)
}

type contactInput struct {
	From    string        `json:"from"`
	Role    string        `json:"role"`
	Channel string        `json:"channel"`
	Summary string        `json:"summary"`
	Date    rulebook.Date `json:"date"`
}

func (s *Server) logContact(w http.ResponseWriter, r *http.Request) error {
	var in contactInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.app.LogContact(r.Context(), r.PathValue("id"), in.Date, discipline.ContactData{From: in.From, Role: in.Role, Channel: in.Channel, Summary: in.Summary})
	return caseWrite(w, c, err)
}

type conditionInput struct {
	What string        `json:"what"`
	Date rulebook.Date `json:"date"`
}

func (s *Server) conditionMet(w http.ResponseWriter, r *http.Request) error {
	var in conditionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.app.ConditionMet(r.Context(), r.PathValue("id"), in.Date, in.What)
	return caseWrite(w, c, err)
}

type caseCorrectionInput struct {
	EventID string        `json:"event_id"`
	Reason  string        `json:"reason"`
	Date    rulebook.Date `json:"date"`
}

// correctCase withdraws an event of the case entered in error (the latest step with
// its effects on the member, or a record such as a contact).
func (s *Server) correctCase(w http.ResponseWriter, r *http.Request) error {
	var in caseCorrectionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.app.CorrectCase(r.Context(), r.PathValue("id"), in.EventID, in.Reason, in.Date)
	return caseWrite(w, c, err)
}

type caseRoleInput struct {
	Person string        `json:"person"`
	Role   string        `json:"role"`
	Reason string        `json:"reason"`
	End    bool          `json:"end"`
	Date   rulebook.Date `json:"date"`
}

func (s *Server) grantCaseRole(w http.ResponseWriter, r *http.Request) error {
	var in caseRoleInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	cr := discipline.CaseRole{Person: in.Person, Role: in.Role, Reason: in.Reason}
	if in.End {
		c, err := s.app.EndCaseRole(r.Context(), r.PathValue("id"), in.Date, cr)
		return caseWrite(w, c, err)
	}
	c, err := s.app.GrantCaseRole(r.Context(), r.PathValue("id"), in.Date, cr)
	return caseWrite(w, c, err)
}

func (s *Server) writeAboutCase(w http.ResponseWriter, r *http.Request) error {
	var in textInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	res, err := s.app.WriteAboutCase(r.Context(), r.PathValue("id"), in.Text)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, res)
	return nil
}

// caseLetter renders a notice of the case from the record, as HTML, text or PDF.
func (s *Server) caseLetter(w http.ResponseWriter, r *http.Request) error {
	id, tpl := r.PathValue("id"), r.PathValue("template")
	date, err := queryDate(r, "date", rulebook.NoDate)
	if err != nil {
		return err
	}
	format := query(r).Get("format")
	switch format {
	case "", "html", "text", "pdf":
	default:
		return rulebook.FieldError("format", "must be html, text or pdf, not %q", format)
	}
	templates := s.templates
	if templates == nil {
		templates = notices.Default()
	}
	if !slices.Contains(templates.Names(), tpl) {
		return rulebook.FieldError("template", "no letter %q (letters: %s)", tpl, strings.Join(templates.Names(), ", "))
	}
	l, err := s.app.Letter(r.Context(), id, tpl, query(r).Get("to"), date)
	if err != nil {
		return err
	}
	rd, err := templates.Render(tpl, l)
	if err != nil {
		return rulebook.FieldError("template", "%v", err)
	}
	var body []byte
	ctype := "text/html; charset=utf-8"
	switch format {
	case "", "html":
		body = []byte(rd.HTML)
	case "text":
		body, ctype = []byte(rd.Text), "text/plain; charset=utf-8"
	case "pdf":
		if body, err = notices.PDF(rd, l); err != nil {
			return err
		}
		ctype = "application/pdf"
		w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", id+"-"+tpl+".pdf"))
	}
	w.Header().Set("Content-Type", ctype)
	w.Write(body)
	return nil
}

func (s *Server) panelCandidates(w http.ResponseWriter, r *http.Request) error {
	body, err := requiredParam(r, "body")
	if err != nil {
		return err
	}
	cs, err := s.app.PanelCandidates(r.Context(), body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"body": body, "candidates": orEmpty(cs)})
	return nil
}

// interference lists contacts about cases from outside their roles, for oversight.
func (s *Server) interference(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.Interference(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"contacts": list})
	return nil
}

// deadlines answers as the command line's deadlines does: what is overdue on a
// day (on, default today) and what falls due within some days after it (within,
// default 30).
func (s *Server) deadlines(w http.ResponseWriter, r *http.Request) error {
	on, err := queryDate(r, "on", s.app.Today())
	if err != nil {
		return err
	}
	within, err := queryInt(r, "within", 30, 36525)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r, 1000, 10000)
	if err != nil {
		return err
	}
	until := on.AddDays(int(within))
	out, err := s.app.Deadlines(r.Context(), until, on, limit)
	if err != nil {
		return err
	}
	overdue := 0
	for _, d := range out {
		if d.Overdue {
			overdue++
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"on": on, "within": within, "until": until, "overdue": overdue, "deadlines": out})
	return nil
}

func (s *Server) statistics(w http.ResponseWriter, r *http.Request) error {
	st, err := s.app.Statistics(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) precedents(w http.ResponseWriter, r *http.Request) error {
	clause, err := requiredParam(r, "clause")
	if err != nil {
		return err
	}
	limit, err := queryLimit(r, 50, 200)
	if err != nil {
		return err
	}
	offset, err := queryInt(r, "offset", 0, 0)
	if err != nil {
		return err
	}
	ps, err := s.app.Precedents(r.Context(), clause, append([]string{}, query(r)["factor"]...), limit, int(offset))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ps)
	return nil
}

func (s *Server) subjectAccess(w http.ResponseWriter, r *http.Request) error {
	requested, err := queryDate(r, "requested", s.app.Today())
	if err != nil {
		return err
	}
	sa, err := s.app.SubjectAccess(r.Context(), r.PathValue("member"), requested)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sa)
	return nil
}

func (s *Server) surveys(w http.ResponseWriter, r *http.Request) error {
	invs, err := s.app.SurveyInvitations(r.Context())
	if err != nil {
		return err
	}
	var qs []map[string]string
	for _, q := range app.SurveyQuestions {
		qs = append(qs, map[string]string{"id": q.ID, "text": q.Text})
	}
	writeJSON(w, http.StatusOK, map[string]any{"invitations": invs, "questions": qs})
	return nil
}

type surveyInput struct {
	Scores map[string]int `json:"scores"`
}

func (s *Server) answerSurvey(w http.ResponseWriter, r *http.Request) error {
	var in surveyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.app.AnswerSurvey(r.Context(), r.PathValue("case"), in.Scores); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"answered": true})
	return nil
}

func (s *Server) surveyResults(w http.ResponseWriter, r *http.Request) error {
	res, err := s.app.SurveyResults(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": res})
	return nil
}

// retentionAnswer is what the retention schedule says is due on a day, or
// what a run erased.
type retentionAnswer struct {
	On      rulebook.Date `json:"on"`
	Erased  bool          `json:"erased"`
	Records []app.Erased  `json:"records"`
}

func (s *Server) retentionDue(w http.ResponseWriter, r *http.Request) error {
	on, err := queryDate(r, "on", s.app.Today())
	if err != nil {
		return err
	}
	due, err := s.app.Retention(r.Context(), on, false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, retentionAnswer{On: on, Records: orEmpty(due)})
	return nil
}

// runRetention erases what the schedule says is due on the day given: the day
// is never taken for today, so that no request erases by default.
func (s *Server) runRetention(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		On rulebook.Date `json:"on"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	done, err := s.app.Retention(r.Context(), in.On, true)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, retentionAnswer{On: in.On, Erased: true, Records: orEmpty(done)})
	return nil
}

func (s *Server) eraseOnRequest(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	x, err := s.app.EraseOnRequest(r.Context(), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, x)
	return nil
}
