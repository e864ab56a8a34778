package web

import (
	"net/http"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
)

type reportData struct {
	Member  bool
	Made    *app.Reported
	Unit    string
	Today   rulebook.Date
	Kinds   []string
	Reports bool
	// UnitName names, for the form, the lowest kind of unit the rule book in
	// force declares, in lower case; empty if it declares none.
	UnitName string
}

// reportData is the complaint form's data, for the principal in r's context.
func (s *Server) newReportData(r *http.Request) reportData {
	d := reportData{Member: s.app.Hold(r.Context()).Member, Today: s.app.Today()}
	if v, err := s.app.Rules().VersionAt(d.Today); err == nil && len(v.UnitKindOrder) > 0 {
		d.UnitName = strings.ToLower(v.UnitKinds[v.UnitKindOrder[len(v.UnitKindOrder)-1]].Name)
	}
	return d
}

// reportPage is the complaint form: anyone may complain, signed in (as a member)
// or not (anonymously, with a report key to follow it).
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "report", "Make a complaint", s.newReportData(r))
	return nil
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	d := s.newReportData(r)
	conduct, err := formDate(f, "conduct")
	if err != nil {
		return s.formError(w, r, "report", "Make a complaint", d, err)
	}
	made, err := s.app.ReportComplaint(r.Context(), app.ReportInput{About: f.Get("about"), AboutUnit: f.Get("about_unit"), Conduct: conduct, Summary: f.Get("summary")}, clientAddr(r))
	if err != nil {
		return s.formError(w, r, "report", "Make a complaint", d, err)
	}
	d.Made = made
	s.render(w, r, http.StatusCreated, "report_made", "Complaint made", d)
	return nil
}

type followData struct {
	Status *app.ReportStatus
	Key    string
	Survey []struct{ ID, Text string }
}

func (s *Server) followPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "follow", "Follow a complaint", followData{})
	return nil
}

// follow shows where an anonymous complaint has got to. The key travels in the
// form's body, never in the address, so it stays out of logs and history.
func (s *Server) follow(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	key := strings.TrimSpace(r.PostForm.Get("key"))
	st, err := s.app.FollowReport(r.Context(), key, clientAddr(r))
	if err != nil {
		return s.formError(w, r, "follow", "Follow a complaint", followData{}, err)
	}
	s.render(w, r, http.StatusOK, "follow", "Follow a complaint", followData{Status: st, Key: key, Survey: app.SurveyQuestions})
	return nil
}

func (s *Server) reportInformation(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	key := strings.TrimSpace(r.PostForm.Get("key"))
	if err := s.app.AddInformation(r.Context(), key, "", r.PostForm.Get("text"), clientAddr(r)); err != nil {
		return s.formError(w, r, "follow", "Follow a complaint", followData{}, err)
	}
	st, err := s.app.FollowReport(r.Context(), key, clientAddr(r))
	if err != nil {
		return s.formError(w, r, "follow", "Follow a complaint", followData{}, err)
	}
	s.renderPage(w, r, http.StatusOK, "follow", &page{Title: "Follow a complaint", Flash: "Your information is added to your complaint.",
		Data: followData{Status: st, Key: key, Survey: app.SurveyQuestions}})
	return nil
}

func (s *Server) reportSurvey(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	key := strings.TrimSpace(r.PostForm.Get("key"))
	if err := s.app.AnswerSurveyByKey(r.Context(), key, scoresFrom(r.PostForm), clientAddr(r)); err != nil {
		return s.formError(w, r, "follow", "Follow a complaint", followData{}, err)
	}
	s.renderPage(w, r, http.StatusOK, "follow", &page{Title: "Follow a complaint", Flash: "Thank you. Your answers are kept apart from your complaint.", Data: followData{}})
	return nil
}
