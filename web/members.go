package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/sqldb"
)

type membersData struct {
	Query   string
	Members []rulebook.Member
}

func (s *Server) membersPage(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := membersData{Query: q}
	if q != "" {
		ms, err := s.app.SearchMembers(r.Context(), q, 50)
		if err != nil {
			return err
		}
		d.Members = ms
	} else if _, err := s.app.SearchMembers(r.Context(), "", 0); err != nil {
		return err // not allowed to search at all
	}
	s.render(w, r, http.StatusOK, "members", "Members", d)
	return nil
}

type memberData struct {
	View        *app.MemberView
	Date        rulebook.Date
	Freeze      rulebook.Date
	AsRecorded  time.Time
	Answers     []*eligibility.Answer
	StatusNames map[string]string
	Cases       *app.CaseList
	Own         bool
}

func (s *Server) memberPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	q := r.URL.Query()
	date, err := queryDate(q, "date", s.app.Today())
	if err != nil {
		return err
	}
	freeze, err := queryDate(q, "freeze_date", rulebook.NoDate)
	if err != nil {
		return err
	}
	at, err := queryInstant(q, "as_recorded")
	if err != nil {
		return err
	}
	v, err := s.app.Member(r.Context(), id, at)
	if err != nil {
		return err
	}
	answers, err := s.app.EligibilityAll(r.Context(), id, date, freeze, at)
	if err != nil {
		return err
	}
	d := memberData{View: v, Date: date, Freeze: freeze, AsRecorded: at, Answers: answers, StatusNames: map[string]string{},
		Own: app.PrincipalFrom(r.Context()).Member() == id}
	for _, ver := range s.app.Rules().Versions {
		for _, st := range ver.Statuses {
			d.StatusNames[st.ID] = st.Name
		}
	}
	if cl, err := s.app.Cases(r.Context(), sqldb.CaseFilter{Respondent: id, Limit: 50}); err == nil {
		d.Cases = cl
	}
	s.render(w, r, http.StatusOK, "member", v.Member.Name, d)
	return nil
}
