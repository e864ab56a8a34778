package web

import (
	"html/template"
	"net/http"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/web/svg"
)

// The rule book is public: these pages read it as published.

type rulesIndexData struct {
	Book    *rules.RuleBook
	Current string
}

func (s *Server) rulesIndex(w http.ResponseWriter, r *http.Request) error {
	rb := s.app.Rules()
	d := rulesIndexData{Book: rb}
	if v, err := rb.VersionAt(s.app.Today()); err == nil {
		d.Current = v.ID
	}
	s.render(w, r, http.StatusOK, "rules", "Rule book", d)
	return nil
}

func (s *Server) version(id string) (*rules.Version, error) {
	for _, v := range s.app.Rules().Versions {
		if v.ID == id {
			return v, nil
		}
	}
	return nil, rulebook.Errorf(rulebook.ENotFound, "no rule book version %q", id)
}

type matrixRow struct {
	Status *rules.Status
	Cells  []rules.Cell
}

type versionData struct {
	V        *rules.Version
	Clauses  []*rules.Clause
	Matrix   []matrixRow
	Roles    []*rules.Role
	Diagram  template.HTML
	Steps    []string
	Versions []*rules.Version
}

func (s *Server) rulesVersion(w http.ResponseWriter, r *http.Request) error {
	v, err := s.version(r.PathValue("version"))
	if err != nil {
		return err
	}
	d := versionData{V: v, Versions: s.app.Rules().Versions}
	for _, id := range v.ClauseOrder {
		d.Clauses = append(d.Clauses, v.Clauses[id])
	}
	for si, st := range v.Statuses {
		row := matrixRow{Status: st}
		for ai := range v.Actions {
			row.Cells = append(row.Cells, v.Cell(si, ai))
		}
		d.Matrix = append(d.Matrix, row)
	}
	for _, id := range v.Access.RoleOrder {
		d.Roles = append(d.Roles, v.Access.Roles[id])
	}
	if v.Discipline != nil {
		d.Diagram, d.Steps = svg.Procedure(v.Discipline)
	}
	s.render(w, r, http.StatusOK, "rules_version", "Rule book version "+v.ID, d)
	return nil
}

type diffData struct {
	Versions []*rules.Version
	From, To *rules.Version
	Changes  []rules.Change
}

func (s *Server) rulesDiff(w http.ResponseWriter, r *http.Request) error {
	vs := s.app.Rules().Versions
	d := diffData{Versions: vs}
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" && len(vs) > 1 {
		from, to = vs[len(vs)-2].ID, vs[len(vs)-1].ID
	}
	if from != "" {
		var err error
		if d.From, err = s.version(from); err != nil {
			return rulebook.FieldError("from", "%v", err)
		}
		if d.To, err = s.version(to); err != nil {
			return rulebook.FieldError("to", "%v", err)
		}
		d.Changes = rules.Diff(d.From, d.To)
	}
	s.render(w, r, http.StatusOK, "rules_diff", "What changed between versions", d)
	return nil
}
