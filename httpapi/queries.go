package httpapi

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

var zeroTime time.Time

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	q := query(r)
	after, err := queryInt(r, "after", 0, 0)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r, 100, 1000)
	if err != nil {
		return err
	}
	f := sqldb.EventFilter{Subject: q.Get("subject"), Type: q.Get("type"), AfterSeq: after, Limit: limit}
	evs, err := s.app.Events(r.Context(), f)
	if err != nil {
		return err
	}
	out := map[string]any{"events": evs}
	// A full page may have more after it; the client asks again with after=next_after.
	if len(evs) == limit {
		out["next_after"] = evs[len(evs)-1].Seq
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) event(w http.ResponseWriter, r *http.Request) error {
	e, err := s.app.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) error {
	res, err := s.app.Verify(r.Context(), nil)
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
	if q.Date, err = queryDate(r, "date", s.app.Today()); err != nil {
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
	ans, err := s.app.Eligibility(r.Context(), id, q, at)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}

// electorate streams the electorate as it is decided, as JSON or, asked for
// with Accept: text/csv, as CSV: the first members leave before the last are
// read, and the server holds one member's history at a time, whatever the size
// of the register.
func (s *Server) electorate(w http.ResponseWriter, r *http.Request) error {
	q, err := s.question(r)
	if err != nil {
		return err
	}
	format, ctype := app.ElectorateJSON, "application/json"
	if acceptsCSV(r) {
		format, ctype = app.ElectorateCSV, "text/csv; charset=utf-8"
	}
	lw := &lazyWriter{w: w, ctype: ctype}
	if _, _, err := s.app.WriteElectorate(r.Context(), lw, format, q, query(r).Get("unit")); err != nil {
		if !lw.started {
			return err
		}
		// Too late for a JSON error: the client sees a cut-short answer, which
		// does not parse (JSON) or lacks its last lines (CSV).
		slog.Error("electorate cut short", "path", r.URL.Path, "err", err)
		return nil
	}
	if !lw.started {
		lw.start()
	}
	return nil
}

// acceptsCSV reports whether the request asks for CSV (Accept: text/csv)
// rather than JSON.
func acceptsCSV(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for _, t := range strings.Split(v, ",") {
			t, _, _ = strings.Cut(t, ";")
			if strings.EqualFold(strings.TrimSpace(t), "text/csv") {
				return true
			}
		}
	}
	return false
}

// lazyWriter sends the status and headers with the first bytes, so that a
// failure before any is written can still be answered with a JSON error.
type lazyWriter struct {
	w       http.ResponseWriter
	ctype   string
	started bool
}

func (l *lazyWriter) start() {
	l.started = true
	l.w.Header().Set("Content-Type", l.ctype)
	l.w.Header().Set("X-Content-Type-Options", "nosniff")
	l.w.WriteHeader(http.StatusOK)
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.start()
	}
	return l.w.Write(b)
}

type versionSummary struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	InForceFrom rulebook.Date `json:"in_force_from"`
	Until       rulebook.Date `json:"until,omitempty"`
}

// The rule book is public: these read it through the application without asking
// who is asking.
func (s *Server) ruleBook(w http.ResponseWriter, r *http.Request) error {
	rb := s.app.Rules()
	vs := make([]versionSummary, len(rb.Versions))
	for i, v := range rb.Versions {
		vs[i] = versionSummary{ID: v.ID, Title: v.Title, InForceFrom: v.InForceFrom, Until: v.Until}
	}
	cur := ""
	if v, err := rb.VersionAt(s.app.Today()); err == nil {
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
	Roles         []*rules.Role                    `json:"roles"`
}

func (s *Server) ruleBookVersion(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var v *rules.Version
	for _, c := range s.app.Rules().Versions {
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
		Rights: map[string]map[string]rules.Cell{}, Roles: []*rules.Role{},
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
	for _, id := range v.Access.RoleOrder {
		out.Roles = append(out.Roles, v.Access.Roles[id])
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
	es, err := s.app.AccessLog(r.Context(), query(r).Get("subject"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": es})
	return nil
}

func (s *Server) publicStatistics(w http.ResponseWriter, r *http.Request) error {
	st, err := s.app.PublicStatistics(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
