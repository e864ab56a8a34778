package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/notices"
	"github.com/rulebook/rulebook/sqldb"
)

// The disciplinary workflow over the API. Every step goes through
// discipline.Service, which checks it against the rule book version governing the
// case, so the API can take no step the CLI would refuse.

// caseRoutes lists the discipline endpoints, added to the server's routes.
func (s *Server) caseRoutes() []route {
	return []route{
		{pattern: "POST /api/v1/complaints", handle: s.receiveComplaint, write: true},
		{pattern: "GET /api/v1/complaints/{id}", handle: s.complaint},

		{pattern: "GET /api/v1/lists/{list}", handle: s.list},
		{pattern: "POST /api/v1/lists/{list}/entries", handle: s.addListEntry, write: true},

		{pattern: "GET /api/v1/cases", handle: s.listCases},
		{pattern: "POST /api/v1/cases", handle: s.openCase, write: true},
		{pattern: "GET /api/v1/cases/{id}", handle: s.caseView},
		{pattern: "GET /api/v1/cases/{id}/events", handle: s.caseEvents},
		{pattern: "POST /api/v1/cases/{id}/steps", handle: s.takeStep, write: true},
		{pattern: "POST /api/v1/cases/{id}/complaints", handle: s.linkComplaint, write: true},
		{pattern: "POST /api/v1/cases/{id}/conflicts", handle: s.declareConflict, write: true},
		{pattern: "POST /api/v1/cases/{id}/recusals", handle: s.recuse, write: true},
		{pattern: "POST /api/v1/cases/{id}/mitigation", handle: s.hearMitigation, write: true},
		{pattern: "POST /api/v1/cases/{id}/contacts", handle: s.logContact, write: true},
		{pattern: "POST /api/v1/cases/{id}/conditions", handle: s.conditionMet, write: true},
		{pattern: "POST /api/v1/cases/{id}/corrections", handle: s.correctCase, write: true},
		{pattern: "GET /api/v1/cases/{id}/letters/{template}", handle: s.caseLetter},
		{pattern: "GET /api/v1/interference", handle: s.interference},

		{pattern: "GET /api/v1/deadlines", handle: s.deadlines},
		{pattern: "GET /api/v1/statistics", handle: s.statistics},
		{pattern: "GET /api/v1/precedents", handle: s.precedents},
		{pattern: "GET /api/v1/subject-access/{member}", handle: s.subjectAccess},
	}
}

func caseSubject(id string) string { return discipline.SubjectPrefix + id }

// complaintInput is a written complaint as received.
type complaintInput struct {
	ID          string        `json:"id"`
	Respondent  string        `json:"respondent"`
	Complainant string        `json:"complainant"`
	From        string        `json:"from"`
	Via         string        `json:"via"`
	Conduct     rulebook.Date `json:"conduct"`
	Clauses     []string      `json:"clauses"`
	Summary     string        `json:"summary"`
	Received    rulebook.Date `json:"received"`
}

func (s *Server) receiveComplaint(w http.ResponseWriter, r *http.Request) error {
	var in complaintInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	received := in.Received
	if received.IsZero() {
		received = s.today()
	}
	c := rulebook.ComplaintReceived{ID: in.ID, Respondent: in.Respondent, Complainant: strings.TrimSpace(in.Complainant), From: in.From, Via: in.Via,
		Conduct: in.Conduct, Clauses: in.Clauses, Summary: strings.TrimSpace(in.Summary)}
	if c.Conduct > received {
		return rulebook.FieldError("conduct", "the conduct (%s) cannot be after the complaint was received (%s)", c.Conduct, received)
	}
	if err := s.noComplaint(r, c.ID); err != nil {
		return err
	}
	e, err := s.svc.ReceiveComplaint(r.Context(), actor(r), received, c)
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

// noComplaint refuses a complaint id already used: a second letter about the same
// conduct is a new complaint, linked to the case, not a replacement.
func (s *Server) noComplaint(r *http.Request, id string) error {
	if !rulebook.ValidID(id) {
		return nil // ReceiveComplaint names the field
	}
	ev, err := s.complaintReceived(r, id)
	if err != nil {
		return err
	}
	if ev != nil {
		return rulebook.Errorf(rulebook.EConflict, "complaint %s was already received on %s", id, ev.Effective)
	}
	return nil
}

// complaintReceived is the event that received complaint id; nil if none has.
func (s *Server) complaintReceived(r *http.Request, id string) (*rulebook.Event, error) {
	evs, err := s.svc.DB.Events(r.Context(), sqldb.EventFilter{Subject: rulebook.ComplaintSubjectPrefix + id, Type: rulebook.EventComplaintReceived, Limit: 1})
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	return &evs[0], nil
}

// complaintView is a complaint with when it was received and the case it belongs to.
type complaintView struct {
	Complaint rulebook.ComplaintReceived `json:"complaint"`
	Received  rulebook.Date              `json:"received"`
	Case      string                     `json:"case,omitempty"`
	Event     *rulebook.Event            `json:"event"`
}

func (s *Server) complaint(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	ev, err := s.complaintReceived(r, id)
	if err != nil {
		return err
	}
	if ev == nil {
		return rulebook.Errorf(rulebook.ENotFound, "no complaint %q has been received", id)
	}
	v := complaintView{Received: ev.Effective, Event: ev}
	if err := json.Unmarshal(ev.Data, &v.Complaint); err != nil {
		return err
	}
	rows, err := s.svc.DB.CaseRows(r.Context(), sqldb.CaseFilter{Respondent: v.Complaint.Respondent})
	if err != nil {
		return err
	}
	for _, row := range rows {
		var c discipline.Case
		if err := json.Unmarshal(row.Data, &c); err != nil {
			return err
		}
		for _, k := range c.Complaints {
			if k == id {
				v.Case = c.ID
			}
		}
	}
	if err := s.logAccess(r, "view_complaint", rulebook.ComplaintSubjectPrefix+id, ""); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// lists are the dated lists automatic-exclusion triggers are checked against.
var lists = map[string]bool{"official_candidates": true, "proscribed_organisations": true}

func checkList(name string) error {
	if !lists[name] {
		return rulebook.Errorf(rulebook.ENotFound, "no list %q (the lists are official_candidates and proscribed_organisations)", name)
	}
	return nil
}

type listEntryInput struct {
	ID    string        `json:"id"`
	Name  string        `json:"name"`
	About string        `json:"about"`
	From  rulebook.Date `json:"from"`
	Until rulebook.Date `json:"until"`
}

func (s *Server) addListEntry(w http.ResponseWriter, r *http.Request) error {
	list := r.PathValue("list")
	if err := checkList(list); err != nil {
		return err
	}
	var in listEntryInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if !in.Until.IsZero() && in.Until <= in.From {
		return rulebook.FieldError("until", "%s is not after from (%s)", in.Until, in.From)
	}
	entries, err := s.svc.DB.ListEntries(r.Context(), list)
	if err != nil {
		return err
	}
	if entries[in.ID] != nil {
		return rulebook.Errorf(rulebook.EConflict, "%s is already on the %s list", in.ID, list)
	}
	e := discipline.ListEntry{List: list, ID: in.ID, Name: strings.TrimSpace(in.Name), About: strings.TrimSpace(in.About), From: in.From, Until: in.Until}
	ev, err := s.ds.AddListEntry(r.Context(), actor(r), e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"entry": e, "event": ev})
	return nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) error {
	list := r.PathValue("list")
	if err := checkList(list); err != nil {
		return err
	}
	on, err := queryDate(r, "on", rulebook.NoDate)
	if err != nil {
		return err
	}
	m, err := s.svc.DB.ListEntries(r.Context(), list)
	if err != nil {
		return err
	}
	out := []discipline.ListEntry{}
	for _, b := range m {
		var e discipline.ListEntry
		if err := json.Unmarshal(b, &e); err != nil {
			return err
		}
		if on.IsZero() || e.InForce(on) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		return out[i].ID < out[j].ID
	})
	writeJSON(w, http.StatusOK, map[string]any{"list": list, "entries": out})
	return nil
}

// caseSummary is a line of the case list.
type caseSummary struct {
	ID         string        `json:"id"`
	Kind       string        `json:"kind"`
	Respondent string        `json:"respondent"`
	State      string        `json:"state"`
	Closed     bool          `json:"closed"`
	Outcome    string        `json:"outcome,omitempty"`
	Opened     rulebook.Date `json:"opened"`
	Conduct    rulebook.Date `json:"conduct"`
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := sqldb.CaseFilter{Respondent: q.Get("respondent"), State: q.Get("state")}
	switch q.Get("open") {
	case "", "false":
	case "true":
		f.Open = true
	default:
		return rulebook.FieldError("open", "must be true or false, not %q", q.Get("open"))
	}
	limit, err := queryLimit(r, 100, 1000)
	if err != nil {
		return err
	}
	f.Limit = limit
	rows, err := s.svc.DB.CaseRows(r.Context(), f)
	if err != nil {
		return err
	}
	out := []caseSummary{}
	for _, c := range rows {
		out = append(out, caseSummary{ID: c.ID, Kind: c.Kind, Respondent: c.Respondent, State: c.State, Closed: c.Closed, Outcome: c.Outcome, Opened: c.Opened, Conduct: c.Conduct})
	}
	if err := s.logAccess(r, "list_cases", "cases", r.URL.RawQuery); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": out, "limit": limit})
	return nil
}

func (s *Server) openCase(w http.ResponseWriter, r *http.Request) error {
	var in discipline.OpenInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Date.IsZero() {
		in.Date = s.today()
	}
	o, err := s.ds.Open(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	warnings := o.Warnings
	warnings = orEmpty(warnings)
	w.Header().Set("Location", "/api/v1/cases/"+url.PathEscape(o.Case.ID))
	writeJSON(w, http.StatusCreated, map[string]any{"case": o.Case, "warnings": warnings})
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
}

// caseView is a case with the steps open to it on a date.
type caseView struct {
	Case *discipline.Case `json:"case"`
	On   rulebook.Date    `json:"on"`
	// Procedure and Conduct are the rule book versions applied: the procedure, and
	// the substantive rules in force when the conduct happened.
	Procedure string          `json:"procedure_version"`
	Conduct   string          `json:"conduct_version"`
	Steps     []availableStep `json:"steps"`
}

func (s *Server) caseView(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	on, err := queryDate(r, "on", s.today())
	if err != nil {
		return err
	}
	c, err := s.ds.Case(r.Context(), id)
	if err != nil {
		return err
	}
	if on < c.Opened {
		return rulebook.FieldError("on", "%s is before the case was opened (%s)", on, c.Opened)
	}
	proc, conduct, err := discipline.Versions(s.svc.Rules, c, on)
	if err != nil {
		return err
	}
	v := caseView{Case: c, On: on, Procedure: proc.ID, Conduct: conduct.ID, Steps: []availableStep{}}
	for _, t := range c.NextSteps(proc.Discipline) {
		v.Steps = append(v.Steps, availableStep{ID: t.ID, Name: t.Name, To: t.To, By: t.By, Requires: t.Requires, Criteria: t.Criteria,
			Effects: t.Effects, Notice: t.Notice, Within: t.Within.String(), Permitted: t.IsPermitted(), Clause: t.Clause})
	}
	if err := s.logAccess(r, "view_case", caseSubject(id), ""); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) caseEvents(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.svc.DB.CaseData(r.Context(), id); err != nil {
		return err
	}
	return s.subjectEvents(w, r, caseSubject(id), "view_case_events")
}

// stepResult is what a step did: the case after it, the events written, and the
// changes to the member's standing it made. A demand the rule book does not permit
// is recorded and comes back with refused set.
type stepResult struct {
	Case         *discipline.Case        `json:"case"`
	Events       []string                `json:"events"`
	Refused      *discipline.RefusedData `json:"refused,omitempty"`
	Notice       string                  `json:"notice,omitempty"`
	MemberEvents []*rulebook.Event       `json:"member_events"`
}

func (s *Server) takeStep(w http.ResponseWriter, r *http.Request) error {
	var cmd discipline.Command
	if err := decodeJSON(r, &cmd); err != nil {
		return err
	}
	if cmd.Transition == "" {
		return rulebook.FieldError("transition", "name the step to take")
	}
	if cmd.Date.IsZero() {
		cmd.Date = s.today()
	}
	out, err := s.ds.Take(r.Context(), actor(r), r.PathValue("id"), cmd)
	if err != nil {
		return err
	}
	res := stepResult{Case: out.Case, Events: out.Events, Refused: out.Refused, Notice: out.Notice, MemberEvents: out.Effects}
	res.MemberEvents = orEmpty(res.MemberEvents)
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

// dated reads the date of a record, today when it is not given.
func (s *Server) dated(d rulebook.Date) rulebook.Date {
	if d.IsZero() {
		return s.today()
	}
	return d
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
	if in.Complaint == "" {
		return rulebook.FieldError("complaint", "is required")
	}
	c, err := s.ds.Link(r.Context(), actor(r), r.PathValue("id"), in.Complaint, s.dated(in.Date))
	return caseWrite(w, c, err)
}

type conflictInput struct {
	Person string        `json:"person"`
	Reason string        `json:"reason"`
	Date   rulebook.Date `json:"date"`
}

func (in *conflictInput) check() error {
	if strings.TrimSpace(in.Person) == "" {
		return rulebook.FieldError("person", "is required")
	}
	if strings.TrimSpace(in.Reason) == "" {
		return rulebook.FieldError("reason", "is required")
	}
	return nil
}

func (s *Server) declareConflict(w http.ResponseWriter, r *http.Request) error {
	return s.recordConflict(w, r, s.ds.DeclareConflict)
}

func (s *Server) recuse(w http.ResponseWriter, r *http.Request) error {
	return s.recordConflict(w, r, s.ds.Recuse)
}

// recordConflict serves declaring a conflict and recusing: the same input, checked
// the same way, recorded by a different step.
func (s *Server) recordConflict(w http.ResponseWriter, r *http.Request,
	record func(ctx context.Context, actor, caseID string, date rulebook.Date, cf discipline.Conflict) (*discipline.Case, error)) error {
	var in conflictInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	c, err := record(r.Context(), actor(r), r.PathValue("id"), s.dated(in.Date), discipline.Conflict{Person: in.Person, Reason: strings.TrimSpace(in.Reason)})
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
	c, err := s.ds.HearMitigation(r.Context(), actor(r), r.PathValue("id"), s.dated(in.Date), strings.TrimSpace(in.Summary))
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
	if strings.TrimSpace(in.From) == "" {
		return rulebook.FieldError("from", "record who made contact")
	}
	c, err := s.ds.LogContact(r.Context(), actor(r), r.PathValue("id"), s.dated(in.Date),
		discipline.ContactData{From: strings.TrimSpace(in.From), Role: in.Role, Channel: in.Channel, Summary: strings.TrimSpace(in.Summary)})
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
	c, err := s.ds.ConditionMet(r.Context(), actor(r), r.PathValue("id"), s.dated(in.Date), in.What)
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
	if in.EventID == "" {
		return rulebook.FieldError("event_id", "name the event of the case to withdraw")
	}
	c, err := s.ds.Correct(r.Context(), actor(r), r.PathValue("id"), in.EventID, in.Reason, in.Date)
	return caseWrite(w, c, err)
}

// caseLetter renders a notice of the case from the record, as HTML, text or PDF.
func (s *Server) caseLetter(w http.ResponseWriter, r *http.Request) error {
	id, tpl := r.PathValue("id"), r.PathValue("template")
	c, err := s.ds.Case(r.Context(), id)
	if err != nil {
		return err
	}
	date, err := queryDate(r, "date", rulebook.NoDate)
	if err != nil {
		return err
	}
	to := r.URL.Query().Get("to")
	l, err := s.ds.Letter(r.Context(), c, tpl, to, date)
	if err != nil {
		return err
	}
	templates := s.templates
	if templates == nil {
		templates = notices.Default()
	}
	rd, err := templates.Render(tpl, l)
	if err != nil {
		return rulebook.FieldError("template", "%v", err)
	}
	var body []byte
	ctype := "text/html; charset=utf-8"
	switch f := r.URL.Query().Get("format"); f {
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
	default:
		return rulebook.FieldError("format", "must be html, text or pdf, not %q", f)
	}
	// Logged once the letter is ready to hand over, as every read is.
	if err := s.logAccess(r, "letter", discipline.SubjectPrefix+id, tpl); err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Write(body)
	return nil
}

// interference lists contacts about cases from outside their roles, for oversight.
func (s *Server) interference(w http.ResponseWriter, r *http.Request) error {
	list, err := s.ds.Interference(r.Context())
	if err != nil {
		return err
	}
	if err := s.logAccess(r, "interference register", "cases", ""); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"contacts": orEmpty(list)})
	return nil
}

// deadline is a due date of an open case; overdue when it fell before overdue_on.
type deadline struct {
	sqldb.DeadlineRow
	Overdue bool `json:"overdue"`
}

func (s *Server) deadlines(w http.ResponseWriter, r *http.Request) error {
	today := s.today()
	until, err := queryDate(r, "until", today)
	if err != nil {
		return err
	}
	overdueOn, err := queryDate(r, "overdue_on", today)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r, 1000, 10000)
	if err != nil {
		return err
	}
	rows, err := s.ds.Deadlines(r.Context(), until, limit)
	if err != nil {
		return err
	}
	out := []deadline{}
	overdue := 0
	for _, d := range rows {
		late := d.Due < overdueOn
		if late {
			overdue++
		}
		out = append(out, deadline{DeadlineRow: d, Overdue: late})
	}
	if err := s.logAccess(r, "deadlines", "deadlines", "until "+until.String()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"until": until, "overdue_on": overdueOn, "overdue": overdue, "deadlines": out})
	return nil
}

func (s *Server) statistics(w http.ResponseWriter, r *http.Request) error {
	st, err := s.ds.Statistics(r.Context())
	if err != nil {
		return err
	}
	st.Steps = orEmpty(st.Steps)
	st.Clauses = orEmpty(st.Clauses)
	if err := s.logAccess(r, "statistics", "statistics", ""); err != nil {
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
	factors := r.URL.Query()["factor"]
	ps, err := s.ds.Precedents(r.Context(), clause, factors)
	if err != nil {
		return err
	}
	// Each past case shown is a read of that case.
	for _, p := range ps {
		if err := s.logAccess(r, "precedents", caseSubject(p.Case), "clause "+clause); err != nil {
			return err
		}
	}
	ps = orEmpty(ps)
	writeJSON(w, http.StatusOK, map[string]any{"clause": clause, "factors": append([]string{}, factors...), "precedents": ps})
	return nil
}

func (s *Server) subjectAccess(w http.ResponseWriter, r *http.Request) error {
	member := r.PathValue("member")
	requested, err := queryDate(r, "requested", s.today())
	if err != nil {
		return err
	}
	sa, err := s.ds.SubjectAccessExport(r.Context(), member, requested)
	if err != nil {
		if rulebook.ErrorCode(err) == rulebook.ENoRules {
			return fieldFor(err, "requested")
		}
		return err
	}
	sa.Events = orEmpty(sa.Events)
	sa.Cases = orEmpty(sa.Cases)
	sa.Redacted = orEmpty(sa.Redacted)
	if err := s.logAccess(r, "subject_access", member, "requested "+requested.String()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sa)
	return nil
}
