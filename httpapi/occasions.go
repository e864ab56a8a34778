package httpapi

import (
	"net/http"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
)

type occasionInput struct {
	ID      string        `json:"id"`
	Kind    string        `json:"kind"`
	Units   []string      `json:"units"`
	Outcome string        `json:"outcome"`
	Name    string        `json:"name"`
	Date    rulebook.Date `json:"date"`
}

// recordOccasion records an occasion the rule book declares (a match played,
// postponed or abandoned); measures served in such occasions follow at once.
func (s *Server) recordOccasion(w http.ResponseWriter, r *http.Request) error {
	var in occasionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e, err := s.app.RecordOccasion(r.Context(), in.Date, rulebook.Occasion{ID: in.ID, Kind: in.Kind, Units: in.Units, Outcome: in.Outcome, Name: in.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"occasion": e.Payload, "event": e})
	return nil
}

func (s *Server) listOccasions(w http.ResponseWriter, r *http.Request) error {
	q := query(r)
	from, err := queryDate(r, "from", rulebook.NoDate)
	if err != nil {
		return err
	}
	to, err := queryDate(r, "to", rulebook.NoDate)
	if err != nil {
		return err
	}
	ps, err := s.app.Occasions(r.Context(), sqldb.OccasionFilter{Unit: q.Get("unit"), Kind: q.Get("kind"), From: from, To: to})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"occasions": ps})
	return nil
}
