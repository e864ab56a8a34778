package httpapi

import (
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
)

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc)
	return nil
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DB.Raw().PingContext(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ok": false, "database": s.svc.DB.Dialect()})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "database": s.svc.DB.Dialect()})
	return nil
}

// writeResult is the answer to a change: the event that records it.
type writeResult struct {
	Event *rulebook.Event `json:"event"`
}

func (s *Server) listBranches(w http.ResponseWriter, r *http.Request) error {
	bs, err := s.svc.DB.Branches(r.Context())
	if err != nil {
		return err
	}
	bs = orEmpty(bs)
	writeJSON(w, http.StatusOK, map[string]any{"branches": bs})
	return nil
}

type branchInput struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Parent    string `json:"parent"`
	Effective string `json:"effective"`
}

func (s *Server) createBranch(w http.ResponseWriter, r *http.Request) error {
	var in branchInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	eff, err := parseDate("effective", in.Effective, s.today())
	if err != nil {
		return err
	}
	bs, err := s.svc.DB.Branches(r.Context())
	if err != nil {
		return err
	}
	parentKnown := in.Parent == ""
	for _, b := range bs {
		if b.ID == in.ID {
			return rulebook.Errorf(rulebook.EConflict, "branch %s already exists", in.ID)
		}
		parentKnown = parentKnown || b.ID == in.Parent
	}
	if !parentKnown {
		return rulebook.FieldError("parent", "no branch %q", in.Parent)
	}
	b := rulebook.Branch{ID: in.ID, Name: in.Name, Kind: in.Kind, Parent: in.Parent}
	e, err := s.svc.CreateBranch(r.Context(), actor(r), b, eff)
	if err != nil {
		return err
	}
	if b.Kind == "" {
		b.Kind = "branch"
	}
	w.Header().Set("Location", "/api/v1/branches")
	writeJSON(w, http.StatusCreated, map[string]any{"branch": b, "event": e})
	return nil
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r, 100, 1000)
	if err != nil {
		return err
	}
	offset, err := queryInt(r, "offset", 0, 0)
	if err != nil {
		return err
	}
	branch := r.URL.Query().Get("branch")
	ms, err := s.svc.DB.Members(r.Context(), sqldb.MemberFilter{Branch: branch, Limit: limit, Offset: int(offset)})
	if err != nil {
		return err
	}
	ms = orEmpty(ms)
	if err := s.logAccess(r, "list_members", "members", r.URL.RawQuery); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": ms, "limit": limit, "offset": offset})
	return nil
}

type joinInput struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Phone        string `json:"phone"`
	Address      string `json:"address"`
	Branch       string `json:"branch"`
	Constituency string `json:"constituency"`
	Joined       string `json:"joined"`
	Status       string `json:"status"`
}

func (s *Server) join(w http.ResponseWriter, r *http.Request) error {
	var in joinInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	joined, err := parseDate("joined", in.Joined, rulebook.NoDate)
	if err != nil {
		return err
	}
	if joined.IsZero() {
		return rulebook.FieldError("joined", "the joining date is required")
	}
	m := rulebook.Member{ID: in.ID, Name: strings.TrimSpace(in.Name), Email: in.Email, Phone: in.Phone, Address: in.Address,
		Branch: in.Branch, Constituency: in.Constituency, Joined: joined}
	if err := s.checkParticulars(r, m.Email, m.Branch, m.Constituency); err != nil {
		return err
	}
	e, err := s.svc.Join(r.Context(), actor(r), m, in.Status)
	if err != nil {
		return err
	}
	h, err := s.svc.DB.History(r.Context(), m.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/members/"+url.PathEscape(m.ID))
	writeJSON(w, http.StatusCreated, map[string]any{"member": h.Member, "status_history": h.Points, "event": e})
	return nil
}

// checkParticulars checks what the register itself does not: an e-mail address
// that parses, and branches that exist.
func (s *Server) checkParticulars(r *http.Request, email, branch, constituency string) error {
	if email != "" && !validEmail(email) {
		return rulebook.FieldError("email", "%q is not an e-mail address", email)
	}
	if branch == "" && constituency == "" {
		return nil
	}
	bs, err := s.svc.DB.Branches(r.Context())
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, b := range bs {
		known[b.ID] = true
	}
	for _, f := range []struct{ name, id string }{{"branch", branch}, {"constituency", constituency}} {
		if f.id != "" && !known[f.id] {
			return rulebook.FieldError(f.name, "no branch %q on the register (create it first)", f.id)
		}
	}
	return nil
}

// memberView is a member with their whole standing and the status in force today.
type memberView struct {
	Member        rulebook.Member        `json:"member"`
	StatusHistory []rulebook.StatusPoint `json:"status_history"`
	Restrictions  []rulebook.Restriction `json:"restrictions"`
	Today         rulebook.Date          `json:"today"`
	StatusToday   *rulebook.StatusPoint  `json:"status_today"`
}

func (s *Server) member(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	h, err := s.svc.DB.History(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.logAccess(r, "view_member", id, ""); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view(h, s.today()))
	return nil
}

func view(h *rulebook.History, today rulebook.Date) memberView {
	return memberView{Member: h.Member, StatusHistory: orEmpty(h.Points), Restrictions: orEmpty(h.Restrictions), Today: today, StatusToday: h.StatusAt(today)}
}

// historyView is what the register believed about a member at an instant.
type historyView struct {
	AsRecorded time.Time `json:"as_recorded"`
	memberView
}

func (s *Server) memberHistory(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	at, err := queryInstant(r, "as_recorded")
	if err != nil {
		return err
	}
	if at.IsZero() {
		at = s.now()
	}
	h, err := s.svc.DB.HistoryAsRecorded(r.Context(), id, at)
	if err != nil {
		return err
	}
	if err := s.logAccess(r, "view_history", id, "as recorded at "+at.UTC().Format(time.RFC3339Nano)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, historyView{AsRecorded: at.UTC(), memberView: view(h, s.today())})
	return nil
}

func (s *Server) memberEvents(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.svc.DB.History(r.Context(), id); err != nil {
		return err
	}
	return s.subjectEvents(w, r, id, "view_events")
}

// subjectEvents answers with every event about subject (a member or a case the
// caller has found), logging the read as action.
func (s *Server) subjectEvents(w http.ResponseWriter, r *http.Request, subject, action string) error {
	evs, err := s.svc.DB.Events(r.Context(), sqldb.EventFilter{Subject: subject})
	if err != nil {
		return err
	}
	if err := s.logAccess(r, action, subject, ""); err != nil {
		return err
	}
	evs = orEmpty(evs)
	writeJSON(w, http.StatusOK, map[string]any{"events": evs})
	return nil
}

type statusInput struct {
	Status     string          `json:"status"`
	From       string          `json:"from"`
	Until      string          `json:"until"`
	Then       string          `json:"then"`
	Rights     map[string]bool `json:"rights"`
	Body       string          `json:"body"`
	Clause     string          `json:"clause"`
	Reason     string          `json:"reason"`
	Sanction   string          `json:"sanction"`
	Case       string          `json:"case"`
	CreditFrom string          `json:"credit_from"`
}

func (s *Server) changeStatus(w http.ResponseWriter, r *http.Request) error {
	var in statusInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Status == "" {
		return rulebook.FieldError("status", "is required")
	}
	var from, until, credit rulebook.Date
	var err error
	if from, err = parseDate("from", in.From, rulebook.NoDate); err != nil {
		return err
	}
	if until, err = parseDate("until", in.Until, rulebook.NoDate); err != nil {
		return err
	}
	if credit, err = parseDate("credit_from", in.CreditFrom, rulebook.NoDate); err != nil {
		return err
	}
	ch := rulebook.StatusChange{Status: in.Status, Until: until, Then: in.Then, Rights: in.Rights,
		Decision: rulebook.Decision{Body: in.Body, Clause: in.Clause, Reason: in.Reason, Case: in.Case, Sanction: in.Sanction}}
	e, err := s.svc.ChangeStatus(r.Context(), actor(r), r.PathValue("id"), from, ch, credit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, writeResult{Event: e})
	return nil
}

type restrictInput struct {
	Rights   map[string]bool `json:"rights"`
	From     string          `json:"from"`
	Until    string          `json:"until"`
	Body     string          `json:"body"`
	Clause   string          `json:"clause"`
	Reason   string          `json:"reason"`
	Sanction string          `json:"sanction"`
	Case     string          `json:"case"`
}

func (s *Server) restrict(w http.ResponseWriter, r *http.Request) error {
	var in restrictInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	from, err := parseDate("from", in.From, rulebook.NoDate)
	if err != nil {
		return err
	}
	until, err := parseDate("until", in.Until, rulebook.NoDate)
	if err != nil {
		return err
	}
	rr := rulebook.RightsRestricted{Rights: in.Rights, Until: until,
		Decision: rulebook.Decision{Body: in.Body, Clause: in.Clause, Reason: in.Reason, Case: in.Case, Sanction: in.Sanction}}
	e, err := s.svc.Restrict(r.Context(), actor(r), r.PathValue("id"), from, rr)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, writeResult{Event: e})
	return nil
}

type updateInput struct {
	Name         string `json:"name"`
	Email        string `json:"email"`
	Phone        string `json:"phone"`
	Address      string `json:"address"`
	Branch       string `json:"branch"`
	Constituency string `json:"constituency"`
	Effective    string `json:"effective"`
}

func (s *Server) updateMember(w http.ResponseWriter, r *http.Request) error {
	var in updateInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	eff, err := parseDate("effective", in.Effective, s.today())
	if err != nil {
		return err
	}
	u := rulebook.MemberUpdated{Name: strings.TrimSpace(in.Name), Email: in.Email, Phone: in.Phone, Address: in.Address,
		Branch: in.Branch, Constituency: in.Constituency}
	if u == (rulebook.MemberUpdated{}) {
		return rulebook.FieldError("body", "nothing to change: give at least one of name, email, phone, address, branch, constituency")
	}
	if err := s.checkParticulars(r, u.Email, u.Branch, u.Constituency); err != nil {
		return err
	}
	id := r.PathValue("id")
	e, err := s.svc.Update(r.Context(), actor(r), id, eff, u)
	if err != nil {
		return err
	}
	h, err := s.svc.DB.History(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"member": h.Member, "event": e})
	return nil
}

type correctionInput struct {
	EventID string `json:"event_id"`
	Reason  string `json:"reason"`
}

func (s *Server) correct(w http.ResponseWriter, r *http.Request) error {
	var in correctionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.EventID == "" {
		return rulebook.FieldError("event_id", "is required")
	}
	e, err := s.svc.Correct(r.Context(), actor(r), in.EventID, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, writeResult{Event: e})
	return nil
}

func (s *Server) importMembers(w http.ResponseWriter, r *http.Request) error {
	if err := requireType(r, "text/csv"); err != nil {
		return err
	}
	res, err := s.svc.Import(r.Context(), actor(r), r.Body, "upload", nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

func (s *Server) exportMembers(w http.ResponseWriter, r *http.Request) error {
	on, err := queryDate(r, "date", s.today())
	if err != nil {
		return err
	}
	if err := s.logAccess(r, "export_members", "members", "status on "+on.String()); err != nil {
		return err
	}
	cw := &lazyCSV{w: w, name: "members-" + on.String() + ".csv"}
	if _, err := s.svc.Export(r.Context(), cw, on); err != nil {
		if !cw.started {
			return err
		}
		// Too late for a JSON error: the client sees a cut-short file.
		return nil
	}
	if !cw.started {
		cw.start()
	}
	return nil
}

// lazyCSV sends the CSV headers with the first bytes, so that a failure before
// any row is written can still be answered with a JSON error.
type lazyCSV struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (c *lazyCSV) start() {
	c.started = true
	c.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	c.w.Header().Set("Content-Disposition", `attachment; filename="`+c.name+`"`)
	c.w.WriteHeader(http.StatusOK)
}

func (c *lazyCSV) Write(b []byte) (int, error) {
	if !c.started {
		c.start()
	}
	return c.w.Write(b)
}
