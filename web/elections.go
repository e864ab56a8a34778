package web

import (
	"net/http"

	"github.com/rulebook/rulebook/app"
)

// Public elections, read-only: the list, and a contest's page with its
// candidates, votes, shares, majority, turnout, change, hold or gain, the ward
// breakdown and the list seats with the names filling them.

func (s *Server) electionsPage(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.Elections(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "elections", "Elections", list)
	return nil
}

// electionData is a contest's page.
type electionData struct {
	*app.ElectionView
}

// Share is a candidate's (or party's) share of the vote as the count gives it:
// the count names a member candidate "Name (id)".
func (d *electionData) Share(name, member string) string {
	if d.Count == nil || d.Count.Result == nil {
		return ""
	}
	if v, ok := d.Count.Result.Shares[name]; ok {
		return v
	}
	return d.Count.Result.Shares[name+" ("+member+")"]
}

// Named gives a member as "Name (id)", or the id.
func (d *electionData) Named(id string) string {
	if n := d.Names[id]; n != "" {
		return n + " (" + id + ")"
	}
	return id
}

func (s *Server) electionPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.app.Election(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "election", v.Title, &electionData{ElectionView: v})
	return nil
}
