package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/httpapi"
)

// The members page lists a unit's members with those of the units within it,
// offering the register's units by the rule book's names for their kinds; a
// member's page names their unit and the units above it.
func TestMembersByUnit(t *testing.T) {
	f := demoFixture(t)
	get := func(path string) (int, string) {
		r := httptest.NewRequest("GET", path, nil)
		r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: f.sessions["paula"]})
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	code, body := get("/members?unit=northport-central")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	for _, want := range []string{`<option value="northport-central" selected>Constituency Labour Party: Northport Central CLP`, `<option value="harbour-ward">Branch: Harbour Ward branch`,
		`<h2>Members of Northport Central CLP</h2>`,
		`href="/members/M0001"`, `<td><a href="/members?unit=harbour-ward">Harbour Ward branch</a></td>`, `<td><a href="/members?unit=castle-ward">Castle Ward branch</a></td>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the members of Northport Central lack %q", want)
		}
	}
	if strings.Contains(body, `?unit=eastfield-ward">`) {
		t.Error("a member of another constituency is listed")
	}
	if _, body := get("/members?unit=harbour-ward"); strings.Contains(body, `<td><a href="/members?unit=castle-ward">`) || !strings.Contains(body, `<td><a href="/members?unit=harbour-ward">`) {
		t.Error("a branch's list holds another branch's members")
	}
	if code, _ := get("/members?unit=atlantis"); code != 400 {
		t.Errorf("an unknown unit: %d", code)
	}
	code, body = get("/members/M0001")
	if code != 200 || !strings.Contains(body, "<dt>Branch</dt><dd><a href=\"/members?unit=harbour-ward\">Harbour Ward branch</a>") ||
		!strings.Contains(body, "<dt>Constituency Labour Party</dt><dd><a href=\"/members?unit=northport-central\">Northport Central CLP</a>") {
		t.Errorf("member page: %d\n%s", code, body)
	}
	// The public complaint form asks for the unit in the rule book's words.
	if code, body := get("/report"); code != 200 || !strings.Contains(body, "Their branch or area") {
		t.Errorf("complaint form: %d", code)
	}
}
