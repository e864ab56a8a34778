package web

import (
	"github.com/rulebook/rulebook/rules"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/sqldb"
)

type complaintsData struct {
	Waiting    bool
	Complaints []sqldb.ComplaintRow
	CanReceive bool
}

func (s *Server) complaintsPage(w http.ResponseWriter, r *http.Request) error {
	waiting := r.URL.Query().Get("all") != "1"
	rows, err := s.app.Complaints(r.Context(), sqldb.ComplaintFilter{Waiting: waiting})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "complaints", "Complaints", complaintsData{Waiting: waiting, Complaints: rows,
		CanReceive: s.app.May(r.Context(), app.ReceiveComplaints, app.Resource{})})
	return nil
}

// clauseChoice is a clause offered in a form.
type clauseChoice struct{ ID, Title string }

func (s *Server) clauseChoices(d rulebook.Date) []clauseChoice {
	v, err := s.app.Rules().VersionAt(d)
	if err != nil {
		return nil
	}
	var out []clauseChoice
	for _, id := range v.ClauseOrder {
		out = append(out, clauseChoice{id, v.Clauses[id].Title})
	}
	// In the order of the rule book's numbering (2.I.8 before 2.II.1, 5.I.1
	// before 5.I.2), not the order the file declares them in.
	slices.SortStableFunc(out, func(a, b clauseChoice) int { return rules.CompareClauses(a.ID, b.ID) })
	return out
}

type newComplaintData struct {
	Clauses []clauseChoice
	Today   rulebook.Date
}

func (s *Server) newComplaintPage(w http.ResponseWriter, r *http.Request) error {
	if !s.app.May(r.Context(), app.ReceiveComplaints, app.Resource{}) {
		return rulebook.Errorf(rulebook.EForbidden, "your roles do not receive complaints")
	}
	s.render(w, r, http.StatusOK, "complaint_new", "Record a complaint received", newComplaintData{Clauses: s.clauseChoices(s.app.Today()), Today: s.app.Today()})
	return nil
}

// receiveComplaint records a written complaint as received (a letter or an
// e-mail), or the receipt of one made through the form (id given).
func (s *Server) receiveComplaint(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	received, err := formDate(f, "received")
	if err == nil {
		var conduct rulebook.Date
		if conduct, err = formDate(f, "conduct"); err == nil {
			c := rulebook.ComplaintReceived{ID: strings.TrimSpace(f.Get("id")), Respondent: strings.TrimSpace(f.Get("respondent")),
				Complainant: f.Get("complainant"), From: f.Get("from"), Via: f.Get("via"), Conduct: conduct, Clauses: f["clause"], Summary: f.Get("summary")}
			if c.ID == "" {
				c.ID = newRef("C", s.app.Today())
			}
			if _, err = s.app.ReceiveComplaint(r.Context(), received, c); err == nil {
				return s.done(w, r, "/complaints/"+url.PathEscape(c.ID), "Complaint "+c.ID+" received.")
			}
		}
	}
	if back := f.Get("back"); back != "" {
		d, err2 := s.complaintData(r, back)
		if err2 != nil {
			return err
		}
		return s.formError(w, r, "complaint", "Complaint "+back, d, err)
	}
	return s.formError(w, r, "complaint_new", "Record a complaint received", newComplaintData{Clauses: s.clauseChoices(s.app.Today()), Today: s.app.Today()}, err)
}

type complaintData struct {
	Complaint  *app.ComplaintDetail
	CanReceive bool
	CanOpen    bool
	Clauses    []clauseChoice
	Own        bool
}

func (s *Server) complaintData(r *http.Request, id string) (*complaintData, error) {
	d, err := s.app.Complaint(r.Context(), id)
	if err != nil {
		return nil, err
	}
	p := app.PrincipalFrom(r.Context())
	return &complaintData{Complaint: d, CanReceive: s.app.May(r.Context(), app.ReceiveComplaints, app.Resource{}),
		CanOpen: s.app.May(r.Context(), app.OpenCase, app.Resource{}), Clauses: s.clauseChoices(s.app.Today()),
		Own: p.Member() != "" && p.Member() == d.Row.Complainant}, nil
}

func (s *Server) complaintPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.complaintData(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "complaint", "Complaint "+d.Complaint.Row.ID, d)
	return nil
}

func (s *Server) complaintInformation(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.app.AddInformation(r.Context(), "", id, r.PostForm.Get("text"), clientAddr(r)); err != nil {
		d, err2 := s.complaintData(r, id)
		if err2 != nil {
			return err2
		}
		return s.formError(w, r, "complaint", "Complaint "+id, d, err)
	}
	return s.done(w, r, "/complaints/"+url.PathEscape(id), "Your information is added to the complaint.")
}

// openCase opens a case on received complaints.
func (s *Server) openCase(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	in := discipline.OpenInput{Kind: f.Get("kind"), Respondent: strings.TrimSpace(f.Get("respondent")), Summary: f.Get("summary"),
		Complaints: f["complaint"]}
	if in.Kind == "" {
		in.Kind = "complaint"
	}
	var err error
	if in.Conduct, err = formDate(f, "conduct"); err == nil {
		var o *discipline.Opening
		if o, err = s.app.OpenCase(r.Context(), in); err == nil {
			msg := "Case " + o.Case.ID + " opened."
			for _, w := range o.Warnings {
				msg += " WARNING: " + w
			}
			return s.done(w, r, "/cases/"+url.PathEscape(o.Case.ID), msg)
		}
	}
	if len(in.Complaints) == 1 {
		if d, err2 := s.complaintData(r, in.Complaints[0]); err2 == nil {
			return s.formError(w, r, "complaint", "Complaint "+in.Complaints[0], d, err)
		}
	}
	return err
}
