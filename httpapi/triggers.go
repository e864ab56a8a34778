package httpapi

import (
	"net/http"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
)

// Trigger ballots over the API: the command line's `selection trigger open`,
// `vote` (here …/decide, a unit's decision), `close` and `show`, with its flags'
// names as the body's fields.

func (s *Server) triggerRoutes() []route {
	return []route{
		{pattern: "GET /api/v1/triggers", handle: s.listTriggers},
		{pattern: "POST /api/v1/triggers", handle: s.openTrigger, write: true},
		{pattern: "GET /api/v1/triggers/{id}", handle: s.trigger},
		{pattern: "POST /api/v1/triggers/{id}/decide", handle: s.decideTrigger, write: true},
		{pattern: "POST /api/v1/triggers/{id}/close", handle: s.closeTrigger, write: true},
	}
}

func (s *Server) listTriggers(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.Triggers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"triggers": list})
	return nil
}

func (s *Server) openTrigger(w http.ResponseWriter, r *http.Request) error {
	var in app.TriggerInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Date.IsZero() {
		in.Date = s.app.Today()
	}
	t, err := s.app.OpenTrigger(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) trigger(w http.ResponseWriter, r *http.Request) error {
	t, err := s.app.Trigger(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// decideInput is a unit's decision: the command line's vote --unit --decision.
type decideInput struct {
	Unit     string        `json:"unit"`
	Decision string        `json:"decision"`
	Date     rulebook.Date `json:"date"`
}

func (s *Server) decideTrigger(w http.ResponseWriter, r *http.Request) error {
	var in decideInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Decision != "open" && in.Decision != "reselect" {
		return rulebook.FieldError("decision", "%q: open (the unit asks for an open selection) or reselect", in.Decision)
	}
	if in.Date.IsZero() {
		in.Date = s.app.Today()
	}
	t, err := s.app.DecideTrigger(r.Context(), r.PathValue("id"), in.Unit, in.Decision == "open", in.Date)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// closeInput closes a trigger ballot: the command line's close, with the open
// selection's id and timetable for when the units asked for one.
type closeInput struct {
	Date      rulebook.Date `json:"date"`
	Selection string        `json:"selection"`
	rulebook.Timetable
}

func (s *Server) closeTrigger(w http.ResponseWriter, r *http.Request) error {
	var in closeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Date.IsZero() {
		in.Date = s.app.Today()
	}
	var open *app.OpenSelectionInput
	if in.Selection != "" {
		open = &app.OpenSelectionInput{ID: in.Selection, Timetable: in.Timetable}
	} else if in.Timetable != (rulebook.Timetable{}) {
		return rulebook.FieldError("selection", "a timetable is given for an open selection: give its id too")
	}
	res, err := s.app.CloseTrigger(r.Context(), r.PathValue("id"), in.Date, open)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
