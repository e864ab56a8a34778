package web

import (
	"net/http"

	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/sqldb"
)

type dashboardData struct {
	Hold      app.Holding
	Deadlines []app.Deadline
	Overdue   int
	Awaiting  []app.CaseSummary
	Assigned  []app.CaseSummary
	Own       []app.CaseSummary
	Waiting   int
	Surveys   []sqldb.Invitation
	Member    string
}

// dashboard is each person's work: what is due and overdue, the cases awaiting a
// decision they may take, those they sit on, and for members their own cases.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := app.PrincipalFrom(ctx)
	if p.Account == nil {
		return s.done(w, r, "/signin?next=/dashboard", "")
	}
	h := s.app.Hold(ctx)
	d := dashboardData{Hold: h, Member: p.Account.Member}
	today := s.app.Today()
	if s.app.May(ctx, app.ReadDeadlines, app.Resource{}) {
		dl, err := s.app.Deadlines(ctx, today.AddDays(14), today, 50)
		if err != nil {
			return err
		}
		d.Deadlines = dl
		for _, x := range dl {
			if x.Overdue {
				d.Overdue++
			}
		}
	}
	if h.Staff() || h.Auditor {
		aw, err := s.app.Awaiting(ctx, 20)
		if err != nil {
			return err
		}
		d.Awaiting = aw
		mine, err := s.app.Cases(ctx, sqldb.CaseFilter{Person: p.Person(), Relations: []string{"panel", discipline.RoleInvestigator}, Limit: 50})
		if err != nil {
			return err
		}
		d.Assigned = mine.Cases
	}
	if s.app.May(ctx, app.ReceiveComplaints, app.Resource{}) {
		ws, err := s.app.Complaints(ctx, sqldb.ComplaintFilter{Waiting: true})
		if err != nil {
			return err
		}
		d.Waiting = len(ws)
	}
	if h.Member {
		own, err := s.app.Cases(ctx, sqldb.CaseFilter{Person: p.Account.Member, Relations: []string{"respondent", "complainant", discipline.RoleRepresentative}, Limit: 50})
		if err != nil {
			return err
		}
		d.Own = own.Cases
		if d.Surveys, err = s.app.SurveyInvitations(ctx); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "dashboard", "Dashboard", d)
	return nil
}
