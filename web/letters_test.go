package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/httpapi"
)

// TestRespondentReadsTheirLetters checks that a respondent's case page offers
// copies of the letters the case sent them, and that these open (with the
// complainants withheld from them withheld), while a complainant's page offers
// only their own copy of the acknowledgement, and a letter asked for by its
// address by someone it was not written to is refused.
func TestRespondentReadsTheirLetters(t *testing.T) {
	f := demoFixture(t)
	get := func(user, path string) (int, string) {
		t.Helper()
		r := httptest.NewRequest("GET", path, nil)
		r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: f.sessions[user]})
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	link := regexp.MustCompile(`href="(/cases/D-2016-001/letters/[a-z_]+)">Letter: `)
	code, page := get("rowan", "/cases/D-2016-001")
	links := link.FindAllStringSubmatch(page, -1)
	if code != 200 || len(links) == 0 {
		t.Fatalf("the respondent's case page (%d) offers no letters:\n%s", code, page)
	}
	_, staff := get("morag", "/cases/D-2016-001")
	if got, want := len(links), len(link.FindAllStringSubmatch(staff, -1)); got != want {
		t.Errorf("the respondent is offered %d letters, the General Secretary %d", got, want)
	}
	for _, l := range links {
		code, letter := get("rowan", l[1])
		if code != 200 || !strings.Contains(letter, "Rowan Ashdown") {
			t.Errorf("the respondent's %s: %d\n%s", l[1], code, letter)
		}
		if strings.Contains(letter, "Declan") || strings.Contains(letter, "M0005") {
			t.Errorf("the respondent's %s names the complainant withheld from him", l[1])
		}
		if code, _ := get("declan", l[1]); code != http.StatusForbidden {
			t.Errorf("the complainant asking for %s: %d, want 403", l[1], code)
		}
	}
	// The complainant is offered his own copy of the acknowledgement, written
	// to each complainant, and none of the respondent's.
	_, page = get("declan", "/cases/D-2016-001")
	if link.MatchString(page) {
		t.Error("the complainant's case page offers the respondent's letters")
	}
	if !strings.Contains(page, `href="/cases/D-2016-001/letters/acknowledgement?to=M0005">Letter: acknowledgement, to Declan Marsh (M0005)</a>`) {
		t.Errorf("the complainant's case page does not offer his acknowledgement:\n%s", page)
	}
	if code, letter := get("declan", "/cases/D-2016-001/letters/acknowledgement?to=M0005"); code != 200 || !strings.Contains(letter, "Acknowledgement of your complaint") || !strings.Contains(letter, "Declan Marsh") {
		t.Errorf("the complainant's acknowledgement: %d\n%s", code, letter)
	}
	if code, _ := get("rowan", "/cases/D-2016-001/letters/acknowledgement"); code != http.StatusForbidden {
		t.Errorf("the respondent asking for the complainants' acknowledgement: %d, want 403", code)
	}
	// A letter the case never sent him is not his to fill.
	if code, _ := get("rowan", "/cases/D-2016-001/letters/readmission_decision"); code != http.StatusForbidden {
		t.Errorf("the respondent asking for a letter never sent: %d, want 403", code)
	}
}
