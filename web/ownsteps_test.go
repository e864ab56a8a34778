package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/httpapi"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// TestRespondentTakesOwnStep checks the case page of a respondent whose rule
// book gives them a step of their own (here the example party's, its member
// body marked as the respondent themselves: the member may close a case by
// resigning): the form asks only for their reasons, not a date; submitting it
// takes the step as theirs; and the case team's form records it as received.
func TestRespondentTakesOwnStep(t *testing.T) {
	f := ownStepFixture(t)
	a := f.app
	for i, name := range []string{"sofia", "casey"} {
		f.sessions[name] = f.signIn(t, name, "192.0.2."+strconv.Itoa(i+1))
	}
	do := func(who, method, path, form string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(form))
		if form != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: f.sessions[who]})
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, r)
		return w
	}
	form := func(page string) string {
		i := strings.Index(page, `id="step-respondent_resigned"`)
		if i < 0 {
			return ""
		}
		return page[i : i+strings.Index(page[i:], "</form>")]
	}
	page := do("casey", "GET", "/cases/D-2016-002", "").Body.String()
	if staff := form(page); !strings.Contains(staff, "Date received") || !strings.Contains(staff, `name="body" value="member"><p>Taken by <strong>The member themselves</strong>: you record it for them, as received.`) {
		t.Errorf("the case team's form for the respondent's step:\n%s", staff)
	}
	page = do("sofia", "GET", "/cases/D-2016-002", "").Body.String()
	own := form(page)
	if !strings.Contains(page, "Next steps you may take") || !strings.Contains(own, "You take this step yourself") || !strings.Contains(own, "Your reasons") ||
		strings.Contains(own, `name="date"`) || !strings.Contains(own, `name="body" value="member"`) {
		t.Fatalf("the respondent's form for her own step:\n%s", own)
	}
	if strings.Contains(page, "Steps others take") {
		t.Error("the respondent is shown the steps others take")
	}
	// Her dashboard and her list of cases say so beside the case.
	const yours = "Yours to take: Close on the respondent&#39;s resignation</strong> (on the case's page)"
	if dash := do("sofia", "GET", "/dashboard", "").Body.String(); !strings.Contains(dash, yours) {
		t.Errorf("the respondent's dashboard does not offer her step:\n%s", dash)
	}
	if list := do("sofia", "GET", "/cases", "").Body.String(); !strings.Contains(list, "Yours to take: Close on the respondent&#39;s resignation</strong>") {
		t.Errorf("the respondent's list of cases does not offer her step:\n%s", list)
	}
	w := do("sofia", "POST", "/cases/D-2016-002/steps", "transition=respondent_resigned&body=member&rationale=I+resign.")
	if w.Code != http.StatusSeeOther {
		t.Fatalf("taking her own step: %d\n%s", w.Code, w.Body)
	}
	c, err := a.Case(operator(), "D-2016-002", 0)
	if err != nil {
		t.Fatal(err)
	}
	last := c.Case.Steps[len(c.Case.Steps)-1]
	if !c.Case.Closed || last.Transition != "respondent_resigned" || last.Actor != "sofia" || last.Body != "member" || last.Date != a.Today() {
		t.Errorf("after her step: closed %v, last step %+v", c.Case.Closed, last)
	}
	if dash := do("sofia", "GET", "/dashboard", "").Body.String(); strings.Contains(dash, "Yours to take") {
		t.Errorf("the respondent's dashboard offers a step of a closed case:\n%s", dash)
	}
}

// ownStepFixture serves the example party's demo under its rule book with the
// member body marked as the respondent themselves, with an account for Sofia
// Brandt (M0025), the respondent of D-2016-002 (open).
func ownStepFixture(t *testing.T) *fixture {
	t.Helper()
	src, err := examples.FS.ReadFile(examples.Labour)
	if err != nil {
		t.Fatal(err)
	}
	marked := strings.ReplaceAll(string(src), "{id: member, name: The member themselves, kind: person}", "{id: member, name: The member themselves, kind: person, respondent: true}")
	a, db := exampleAppFrom(t, filepath.Join(t.TempDir(), "rulebook.db"), examples.Labour, []byte(marked), func(db *sqldb.DB, rb *rules.RuleBook, src []byte) error {
		return demo.Load(context.Background(), db, rb, src)
	})
	if err := demo.LoadAccounts(operator(), a); err != nil {
		t.Fatal(err)
	}
	// Sofia Brandt (M0025) is the respondent of D-2016-002, open.
	if _, err := a.CreateAccount(operator(), app.AccountInput{Name: "sofia", Display: "Sofia Brandt", Member: "M0025", Roles: []string{rulebook.RoleMember}}, demo.Password); err != nil {
		t.Fatal(err)
	}
	srv, err := New(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, app: a, db: db, sessions: map[string]string{}}
}

// TestBrowserOwnStep takes a respondent's own step in the browser: her
// dashboard names it, her case page offers its form (checked by axe-core and
// by keyboard), and submitting it closes the case as hers.
func TestBrowserOwnStep(t *testing.T) {
	path := chromiumPath(t)
	axe := axeSource(t)
	b := newBrowserOn(t, ownStepFixture(t), path, axe)
	sofia := b.user("sofia")
	sofia.signIn()
	sofia.see("Yours to take: Close on the respondent's resignation")
	sofia.visit("/cases/D-2016-002")
	sofia.openStep("respondent_resigned")
	sofia.see("Next steps you may take", "You take this step yourself")
	sofia.check("case-own-step")
	sofia.fill("#respondent_resigned-rationale", "I resign my membership.")
	sofia.submit("#step-respondent_resigned")
	sofia.see("Recorded: Close on the respondent's resignation.", "Closed")
	sofia.notSee("Next steps you may take")
}
