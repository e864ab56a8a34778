package httpapi

import (
	"net/http"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/eligibility"
)

// Selections by electoral college over the API, with the command line's names:
// `selection roll` is POST …/roll, `selection ballot --section` is the ballot and
// papers routes with a section, and a college's count takes its next ballot's
// days. A section's electorate is read a section at a time.

func (s *Server) collegeRoutes() []route {
	return []route{
		{pattern: "POST /api/v1/selections/{id}/roll", handle: s.enterRoll, write: true},
		{pattern: "GET /api/v1/selections/{id}/sections/{section}/electorate", handle: s.sectionElectorate, query: []string{"format"}},
	}
}

// rollInput is the roll of a section: the command line's --section and --file
// (a voter a line, ID,NAME), as a list.
type rollInput struct {
	Section string          `json:"section"`
	Voters  []app.RollVoter `json:"voters"`
	Date    rulebook.Date   `json:"date"`
}

func (s *Server) enterRoll(w http.ResponseWriter, r *http.Request) error {
	var in rollInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Section == "" {
		return rulebook.FieldError("section", "name the section whose roll it is")
	}
	if in.Date.IsZero() {
		in.Date = s.app.Today()
	}
	return changed(w)(s.app.EnterRoll(r.Context(), r.PathValue("id"), in.Section, in.Voters, in.Date))
}

func (s *Server) sectionElectorate(w http.ResponseWriter, r *http.Request) error {
	id, sec := r.PathValue("id"), r.PathValue("section")
	return writeElectorate(w, r, map[string]any{"selection": id, "section": sec}, func() ([]eligibility.Entry, error) {
		return s.app.SectionElectorate(r.Context(), id, sec)
	})
}
