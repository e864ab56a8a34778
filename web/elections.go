package web

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/count/report"
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
	// Report is the count, round by round, as the count page shows one.
	Report template.HTML
}

func (s *Server) electionPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.app.Election(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	d := &electionData{ElectionView: v}
	if c := v.Count; c != nil && c.Result != nil {
		source, sum, options, err := app.ElectionCountSource(v.PublicElection)
		if err != nil {
			return err
		}
		res := *c.Result
		res.Normalize()
		meta := report.Meta{File: source, SHA256: sum, Options: options, Counted: v.Counted.Time(), Version: report.BuildVersion()}
		var b bytes.Buffer
		if err := report.WriteFragmentMeta(&b, &res, meta); err != nil {
			return err
		}
		d.Report = template.HTML(b.String())
	}
	s.render(w, r, http.StatusOK, "election", v.Title, d)
	return nil
}
