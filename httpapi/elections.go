package httpapi

import (
	"net/http"

	"github.com/rulebook/rulebook"
)

// Public elections over the API: the command line's `election list`, `show`,
// `enter` and `count`. The application decides who may read and enter them.

func (s *Server) electionRoutes() []route {
	return []route{
		{pattern: "GET /api/v1/elections", handle: s.listElections},
		{pattern: "POST /api/v1/elections", handle: s.enterElection, write: true},
		{pattern: "GET /api/v1/elections/{id}", handle: s.election},
		{pattern: "POST /api/v1/elections/{id}/count", handle: s.countElection, write: true},
	}
}

func (s *Server) listElections(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.Elections(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"elections": list})
	return nil
}

// electionInput is a contest as entered, and the day it is entered.
type electionInput struct {
	rulebook.PublicContest
	Date rulebook.Date `json:"date"`
}

func (s *Server) enterElection(w http.ResponseWriter, r *http.Request) error {
	var in electionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	el, err := s.app.EnterElection(r.Context(), in.PublicContest, in.Date)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, el)
	return nil
}

func (s *Server) election(w http.ResponseWriter, r *http.Request) error {
	v, err := s.app.Election(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// countElection counts a declared contest, with its majority, turnout and change;
// lists names, by party, the list selection filling an AMS party's list seats.
func (s *Server) countElection(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Date  rulebook.Date     `json:"date"`
		Lists map[string]string `json:"lists"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Date.IsZero() {
		in.Date = s.app.Today()
	}
	if _, err := s.app.CountElection(r.Context(), r.PathValue("id"), in.Date, in.Lists); err != nil {
		return err
	}
	return s.election(w, r)
}
