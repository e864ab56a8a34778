package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook/httpapi"
)

// TestPagesNameMembers checks that the pages show the members a case is about
// and who complained by name with their number, and the bodies in the words of
// a sentence: staff know people by name, and "M0025" alone tells them nothing.
func TestPagesNameMembers(t *testing.T) {
	f := demoFixture(t)
	get := func(user, path string) string {
		t.Helper()
		r := httptest.NewRequest("GET", path, nil)
		r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: f.sessions[user]})
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("%s %s: %d\n%s", user, path, w.Code, w.Body)
		}
		return w.Body.String()
	}
	has := func(page, body string, want ...string) {
		t.Helper()
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("%s lacks %q", page, s)
			}
		}
	}
	// D-2016-002 is about Sofia Brandt (M0025), on a complaint by Gwen Oduya
	// (M0004), awaiting the Compliance Unit.
	has("the dashboard", get("casey", "/dashboard"), `D-2016-002</a> — Sofia Brandt (M0025): Under investigation`)
	has("the cases", get("casey", "/cases"), `<td>Sofia Brandt (M0025)</td>`)
	has("the deadlines", get("casey", "/deadlines"), `<td>Sofia Brandt (M0025)</td>`)
	has("the case file", get("casey", "/cases/D-2016-002"),
		`Sofia Brandt (M0025)</a>`,
		`<dt>Complainants</dt><dd>Gwen Oduya (M0004)</dd>`,
		`<p>From Gwen Oduya (M0004) (`,
		`handled by the Compliance Unit`,
		// A step for a body named "The member themselves", mid-sentence.
		`only the member themselves or the Membership office may take this step`,
		`by the General Secretary, clause 6.I.1.B`)
	// The panel and a conflict declared in the browser story's case are
	// checked there; here the demo's heard case.
	has("a heard case", get("morag", "/cases/D-2009-001"), `Heard by the National Constitutional Committee: `)
	has("the statistics", get("morag", "/statistics"), `<td>Acknowledge the complaint</td><td>Compliance Unit (staff of the General Secretary)</td>`)
	has("a sanctioned case", get("morag", "/cases/D-2016-001"), `<strong>Suspension from holding office and representation</strong>`)
	has("a restricted member's record", get("casey", "/members/M0009"), `may not hold Party office; `)
	has("the precedents", get("casey", "/precedents?clause=2.I.8"), `Suspension from holding office and representation, 4 April 2017`,
		// Factors in the rule book's words, not codes alone.
		`aggravating: The conduct was public and widely reported. (AGG-PUBLIC); aggravating: The conduct`)
	complaint := get("casey", "/complaints/C-2009-001")
	has("a complaint", complaint, `>Bernard Culshaw (M0022)</a>`, `<dt>Complainant</dt><dd>Nadia Ferro (M0008) (member)</dd>`)
	// Accounts: roles by name, what a role declared without a description
	// does in words, and the sections the panels declare to choose from.
	has("the accounts", get("admin", "/admin/accounts"),
		`<td>NCC panel member, Member</td>`,
		`sees the cases handled by a body the role acts for; acts for the Compliance Unit`,
		`<option value="clp">CLP section (National Constitutional Committee)</option>`)
	has("a panel member's account", get("admin", "/admin/accounts/irene"), `<option value="clp" selected>CLP section`)
	has("one's own account", get("irene", "/account"), `<dt>Roles</dt><dd>NCC panel member, Member</dd>`)
	// The rules to choose from in the rule book's numbering.
	form := get("casey", "/complaints/new")
	if i, j, k := strings.Index(form, `value="5.I.1"`), strings.Index(form, `value="5.I.2"`), strings.Index(form, `value="5.II.1"`); i < 0 || j < i || k < j || strings.Index(form, `value="6.I.1.A"`) < k {
		t.Errorf("the complaint form's rules are not in the rule book's order: 5.I.1 at %d, 5.I.2 at %d, 5.II.1 at %d", i, j, k)
	}
	has("the published statistics", get("", "/transparency"), `<th scope="col" class="num">Exclusion declined</th>`,
		`<a href="/rules">2.I.8</a> Conduct prejudicial to the Party</td>`, `<th scope="row" class="nowrap">2021-Q2</th>`)
	has("the member's record", get("casey", "/members/M0025"), `by the General Secretary under clause 6.I.1.B`)
	has("a selection", get("morag", "/selections/harbour-ward-2017"), `endorsed by the National Executive Committee on`)
}

// TestInstantToTheSecond: the access log is evidence; its times are to the
// second.
func TestInstantToTheSecond(t *testing.T) {
	f := funcs["instant"].(func(time.Time) string)
	if got := f(time.Date(2026, 12, 3, 17, 51, 7, 0, time.FixedZone("CET", 3600))); got != "3 Dec 2026 16:51:07 UTC" {
		t.Errorf("instant: %q", got)
	}
}
