package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// isMemberSubject reports whether an event subject is a member: other subjects are
// "kind/id" (branch/north, rulebook/…).
func isMemberSubject(subject string) bool { return subject != "" && !strings.Contains(subject, "/") }

// isPersonalSubject reports whether reading events about subject must be logged: a
// member, a disciplinary case, or a complaint.
func isPersonalSubject(subject string) bool {
	return isMemberSubject(subject) || strings.HasPrefix(subject, discipline.SubjectPrefix) || strings.HasPrefix(subject, rulebook.ComplaintSubjectPrefix)
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	after, err := queryInt(r, "after", 0, 0)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r, 100, 1000)
	if err != nil {
		return err
	}
	f := sqldb.EventFilter{Subject: q.Get("subject"), Type: q.Get("type"), AfterSeq: after, Limit: limit}
	evs, err := s.svc.DB.Events(r.Context(), f)
	if err != nil {
		return err
	}
	if isPersonalSubject(f.Subject) {
		if err := s.logAccess(r, "view_events", f.Subject, ""); err != nil {
			return err
		}
	}
	evs = orEmpty(evs)
	out := map[string]any{"events": evs}
	// A full page may have more after it; the client asks again with after=next_after.
	if len(evs) == limit {
		out["next_after"] = evs[len(evs)-1].Seq
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) event(w http.ResponseWriter, r *http.Request) error {
	e, err := s.svc.DB.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if isPersonalSubject(e.Subject) {
		if err := s.logAccess(r, "view_event", e.Subject, e.ID); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) error {
	res, err := s.svc.DB.Verify(r.Context(), nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// question reads the action, date and freeze date shared by eligibility and electorate.
func (s *Server) question(r *http.Request) (eligibility.Question, error) {
	var q eligibility.Question
	var err error
	if q.Action, err = requiredParam(r, "action"); err != nil {
		return q, err
	}
	if q.Date, err = queryDate(r, "date", s.today()); err != nil {
		return q, err
	}
	if q.FreezeDate, err = queryDate(r, "freeze_date", rulebook.NoDate); err != nil {
		return q, err
	}
	return q, nil
}

func (s *Server) eligibility(w http.ResponseWriter, r *http.Request) error {
	id, err := requiredParam(r, "member")
	if err != nil {
		return err
	}
	q, err := s.question(r)
	if err != nil {
		return err
	}
	at, err := queryInstant(r, "as_recorded")
	if err != nil {
		return err
	}
	var h *rulebook.History
	if at.IsZero() {
		h, err = s.svc.DB.History(r.Context(), id)
	} else {
		h, err = s.svc.DB.HistoryAsRecorded(r.Context(), id, at)
	}
	if err != nil {
		return err
	}
	ans, err := eligibility.Check(s.svc.Rules, h, q)
	if err != nil {
		return fieldFor(err, "date")
	}
	detail := q.Action + " on " + q.Date.String()
	if !at.IsZero() {
		detail += " as recorded at " + at.UTC().Format(time.RFC3339Nano)
	}
	if err := s.logAccess(r, "eligibility", id, detail); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}

// fieldFor names field on a no_rules error, which is about the date asked.
func fieldFor(err error, field string) error {
	if e, ok := err.(*rulebook.Error); ok && e.Code == rulebook.ENoRules && e.Field == "" {
		e.Field = field
	}
	return err
}

type electorateView struct {
	Action     string              `json:"action"`
	Date       rulebook.Date       `json:"date"`
	FreezeDate rulebook.Date       `json:"freeze_date,omitempty"`
	Version    string              `json:"rule_book_version"`
	Count      int                 `json:"count"`
	Members    []eligibility.Entry `json:"members"`
	// Refused counts the members left out, by the status (or reason) that decided.
	Refused map[string]int `json:"refused"`
}

func (s *Server) electorate(w http.ResponseWriter, r *http.Request) error {
	q, err := s.question(r)
	if err != nil {
		return err
	}
	v, err := s.svc.Rules.VersionAt(q.Date)
	if err != nil {
		return fieldFor(err, "date")
	}
	hs, err := s.svc.DB.Histories(r.Context())
	if err != nil {
		return err
	}
	list, refused, err := eligibility.Electorate(s.svc.Rules, hs, q)
	if err != nil {
		return err
	}
	detail := q.Action + " on " + q.Date.String()
	if !q.FreezeDate.IsZero() {
		detail += ", freeze date " + q.FreezeDate.String()
	}
	if err := s.logAccess(r, "electorate", "electorate/"+q.Action, detail); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, electorateView{Action: q.Action, Date: q.Date, FreezeDate: q.FreezeDate, Version: v.ID,
		Count: len(list), Members: list, Refused: refused})
	return nil
}

type versionSummary struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	InForceFrom rulebook.Date `json:"in_force_from"`
	Until       rulebook.Date `json:"until,omitempty"`
}

func (s *Server) ruleBook(w http.ResponseWriter, r *http.Request) error {
	rb := s.svc.Rules
	vs := make([]versionSummary, len(rb.Versions))
	for i, v := range rb.Versions {
		vs[i] = versionSummary{ID: v.ID, Title: v.Title, InForceFrom: v.InForceFrom, Until: v.Until}
	}
	cur := ""
	if v, err := rb.VersionAt(s.today()); err == nil {
		cur = v.ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"organisation": rb.Organisation, "kind": rb.Kind, "description": rb.Description,
		"sha256": rb.SHA256, "versions": vs, "in_force_today": cur})
	return nil
}

// versionView is a complete rule book version, everything in the order the rule
// book gives it.
type versionView struct {
	versionSummary
	Procedure     string                           `json:"procedure"`
	DefaultStatus string                           `json:"default_status"`
	Clauses       []*rules.Clause                  `json:"clauses"`
	Statuses      []*rules.Status                  `json:"statuses"`
	Actions       []*rules.Action                  `json:"actions"`
	Rights        map[string]map[string]rules.Cell `json:"rights"`
	Bodies        []*rules.Body                    `json:"bodies"`
	StatusChanges []*rules.StatusRule              `json:"status_changes"`
	Sanctions     []*rules.Sanction                `json:"sanctions"`
	Triggers      []*rules.Trigger                 `json:"automatic_exclusion"`
	Readmission   *rules.Readmission               `json:"readmission"`
}

func (s *Server) ruleBookVersion(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var v *rules.Version
	for _, c := range s.svc.Rules.Versions {
		if c.ID == id {
			v = c
		}
	}
	if v == nil {
		return rulebook.Errorf(rulebook.ENotFound, "no rule book version %q", id)
	}
	out := versionView{
		versionSummary: versionSummary{ID: v.ID, Title: v.Title, InForceFrom: v.InForceFrom, Until: v.Until},
		Procedure:      v.Procedure, DefaultStatus: v.DefaultStatus,
		Statuses: v.Statuses, Actions: v.Actions, StatusChanges: v.StatusChanges, Readmission: v.Readmission,
		Clauses: []*rules.Clause{}, Bodies: []*rules.Body{}, Sanctions: []*rules.Sanction{}, Triggers: []*rules.Trigger{},
		Rights: map[string]map[string]rules.Cell{},
	}
	for _, c := range v.ClauseOrder {
		out.Clauses = append(out.Clauses, v.Clauses[c])
	}
	for _, b := range v.BodyOrder {
		out.Bodies = append(out.Bodies, v.Bodies[b])
	}
	for _, sn := range v.SanctionOrder {
		out.Sanctions = append(out.Sanctions, v.Sanctions[sn])
	}
	for _, t := range v.TriggerOrder {
		out.Triggers = append(out.Triggers, v.Triggers[t])
	}
	for si, st := range v.Statuses {
		row := map[string]rules.Cell{}
		for ai, a := range v.Actions {
			row[a.ID] = v.Cell(si, ai)
		}
		out.Rights[st.ID] = row
	}
	out.StatusChanges = orEmpty(out.StatusChanges)
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) accessLog(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r, 100, 1000)
	if err != nil {
		return err
	}
	es, err := s.svc.DB.AccessLog(r.Context(), r.URL.Query().Get("subject"), limit)
	if err != nil {
		return err
	}
	es = orEmpty(es)
	writeJSON(w, http.StatusOK, map[string]any{"entries": es})
	return nil
}
