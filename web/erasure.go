package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
)

// Erasure of personal data, for those whose role may erase (erase_records):
// what the retention schedule says is due on a day, erased at a click, and a
// member's particulars erased on a valid request. The application decides who
// may, as for the command line's retention and erase.

type erasureData struct {
	On  rulebook.Date
	Due []app.Erased
}

// Page is where a record due for erasure is shown: a case's file, or a
// member's record (the access log is its own page).
func (erasureData) Page(subject string) string {
	if id, ok := strings.CutPrefix(subject, discipline.SubjectPrefix); ok {
		return "/cases/" + url.PathEscape(id)
	}
	return "/members/" + url.PathEscape(subject)
}

func (s *Server) erasurePage(w http.ResponseWriter, r *http.Request) error {
	on, err := queryDate(r.URL.Query(), "on", s.app.Today())
	if err != nil {
		return err
	}
	d, err := s.erasureData(r, on)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "erasure", "Erasure of personal data", d)
	return nil
}

func (s *Server) erasureData(r *http.Request, on rulebook.Date) (*erasureData, error) {
	due, err := s.app.Retention(r.Context(), on, false)
	if err != nil {
		return nil, err
	}
	return &erasureData{On: on, Due: due}, nil
}

// runRetention erases what is due on the day the form names (never by default).
func (s *Server) runRetention(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	on, err := formDate(r.PostForm, "on")
	if err == nil {
		var done []app.Erased
		if done, err = s.app.Retention(r.Context(), on, true); err == nil {
			return s.done(w, r, "/erasure?on="+on.String(), erasedSummary(done, on))
		}
	}
	return s.erasureError(w, r, err)
}

// erasedSummary says in a sentence what a retention run erased.
func erasedSummary(done []app.Erased, on rulebook.Date) string {
	if len(done) == 0 {
		return "Nothing was due for erasure on " + on.String() + "."
	}
	var events, entries int64
	for _, x := range done {
		events += int64(x.Events)
		entries += x.Entries
	}
	parts := []string{fmt.Sprintf("%s erased under the retention schedule on %s: the personal data of %s", rulebook.Plural(len(done), "record", "records"), on, rulebook.Plural(int(events), "event", "events"))}
	if entries > 0 {
		parts = append(parts, fmt.Sprintf("and of %d access-log entries", entries))
	}
	return strings.Join(parts, " ") + ". Each erasure is recorded, and the record still verifies."
}

// eraseOnRequest erases a member's particulars on a valid request.
func (s *Server) eraseOnRequest(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	member := strings.TrimSpace(r.PostForm.Get("member"))
	x, err := s.app.EraseOnRequest(r.Context(), member, r.PostForm.Get("reason"))
	if err != nil {
		return s.erasureError(w, r, err)
	}
	msg := fmt.Sprintf("Member %s: no personal data held apart was left to erase.", member)
	if x.Events > 0 {
		msg = fmt.Sprintf("Member %s: the personal data of %s erased, recorded as event %s. The record still verifies.", member, rulebook.Plural(x.Events, "event", "events"), x.Event)
	}
	return s.done(w, r, "/erasure", msg)
}

// erasureError shows the page again with the form's error, or refuses as the
// application did.
func (s *Server) erasureError(w http.ResponseWriter, r *http.Request, err error) error {
	if c := rulebook.ErrorCode(err); c == rulebook.EForbidden || c == rulebook.EUnauthorized {
		return err
	}
	on, _ := formDate(r.PostForm, "on")
	if on.IsZero() {
		on = s.app.Today()
	}
	d, derr := s.erasureData(r, on)
	if derr != nil {
		return derr
	}
	return s.formError(w, r, "erasure", "Erasure of personal data", d, err)
}
