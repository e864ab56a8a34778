package httpapi

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
)

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc)
	return nil
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	dialect, err := s.app.Health(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ok": false, "database": dialect})
		return nil
	}
	body := map[string]any{"ok": true, "database": dialect}
	// With --db-read, the replica's lag; a replica that does not answer fails
	// the reads sent to it, so the service is not healthy.
	if rep, err := s.app.ReplicaHealth(r.Context()); rep != nil {
		body["replica"] = rep
		if err != nil {
			slog.Error("health: the replica", "err", err)
			body["ok"] = false
			writeJSON(w, http.StatusServiceUnavailable, body)
			return nil
		}
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// writeResult is the answer to a change: the event that records it.
type writeResult struct {
	Event *rulebook.Event `json:"event"`
}

func (s *Server) listUnits(w http.ResponseWriter, r *http.Request) error {
	us, err := s.app.Units(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"units": us})
	return nil
}

type unitInput struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Parent    string `json:"parent"`
	Effective string `json:"effective"`
}

func (s *Server) createUnit(w http.ResponseWriter, r *http.Request) error {
	var in unitInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	eff, err := parseDate("effective", in.Effective, s.app.Today())
	if err != nil {
		return err
	}
	e, err := s.app.CreateUnit(r.Context(), rulebook.Unit{ID: in.ID, Name: in.Name, Kind: in.Kind, Parent: in.Parent}, eff)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/units")
	// The unit as recorded, with the kind the register gave it when none was named.
	writeJSON(w, http.StatusCreated, map[string]any{"unit": e.Payload, "event": e})
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
	q := query(r)
	if search := q.Get("q"); search != "" {
		ms, err := s.app.SearchMembers(r.Context(), search, limit)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"members": ms, "limit": limit, "offset": 0})
		return nil
	}
	ms, err := s.app.Members(r.Context(), sqldb.MemberFilter{Unit: q.Get("unit"), Limit: limit, Offset: int(offset)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": ms, "limit": limit, "offset": offset})
	return nil
}

type joinInput struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Phone   string `json:"phone"`
	Address string `json:"address"`
	Unit    string `json:"unit"`
	Joined  string `json:"joined"`
	Status  string `json:"status"`
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
	m := rulebook.Member{ID: in.ID, Name: strings.TrimSpace(in.Name), Email: in.Email, Phone: in.Phone, Address: in.Address,
		Unit: in.Unit, Joined: joined}
	e, v, err := s.app.Join(r.Context(), m, in.Status)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/members/"+url.PathEscape(m.ID))
	writeJSON(w, http.StatusCreated, map[string]any{"member": v.Member, "status_history": v.StatusHistory, "event": e})
	return nil
}

func (s *Server) member(w http.ResponseWriter, r *http.Request) error {
	v, err := s.app.Member(r.Context(), r.PathValue("id"), zeroTime)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) memberHistory(w http.ResponseWriter, r *http.Request) error {
	at, err := queryInstant(r, "as_recorded")
	if err != nil {
		return err
	}
	if at.IsZero() {
		at = s.app.Now()
	}
	v, err := s.app.Member(r.Context(), r.PathValue("id"), at.UTC())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) memberEvents(w http.ResponseWriter, r *http.Request) error {
	evs, err := s.app.Events(r.Context(), sqldb.EventFilter{Subject: r.PathValue("id")})
	if err != nil {
		return err
	}
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
	e, err := s.app.ChangeStatus(r.Context(), r.PathValue("id"), from, ch, credit)
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
	e, err := s.app.Restrict(r.Context(), r.PathValue("id"), from, rr)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, writeResult{Event: e})
	return nil
}

type updateInput struct {
	Name      string `json:"name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Address   string `json:"address"`
	Unit      string `json:"unit"`
	Effective string `json:"effective"`
}

func (s *Server) updateMember(w http.ResponseWriter, r *http.Request) error {
	var in updateInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	eff, err := parseDate("effective", in.Effective, s.app.Today())
	if err != nil {
		return err
	}
	u := rulebook.MemberUpdated{Name: strings.TrimSpace(in.Name), Email: in.Email, Phone: in.Phone, Address: in.Address, Unit: in.Unit}
	id := r.PathValue("id")
	e, v, err := s.app.UpdateMember(r.Context(), id, eff, u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"member": v.Member, "event": e})
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
	e, err := s.app.Correct(r.Context(), in.EventID, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, writeResult{Event: e})
	return nil
}

// importTimeout is how long an import may take to answer. A register of a
// million members takes minutes to store, longer than the server lets any other
// answer take; cut off, its client would be told nothing of an import that is
// stored all the same.
const importTimeout = 30 * time.Minute

func (s *Server) importMembers(w http.ResponseWriter, r *http.Request) error {
	if err := requireType(r, "text/csv"); err != nil {
		return err
	}
	// Where the server sets no deadline (or cannot be told), there is nothing to
	// extend.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(importTimeout))
	res, err := s.app.Import(r.Context(), r.Body, "upload", false, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

func (s *Server) exportMembers(w http.ResponseWriter, r *http.Request) error {
	on, err := queryDate(r, "date", s.app.Today())
	if err != nil {
		return err
	}
	cw := &lazyCSV{w: w, name: "members-" + on.String() + ".csv"}
	if _, err := s.app.Export(r.Context(), cw, on); err != nil {
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
