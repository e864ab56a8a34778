package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/httpapi"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// TestRegulatorDemoPages serves the regulator's demo: its own roles see its own
// cases, sanctions and words, and a registrant sees only their own case.
func TestRegulatorDemoPages(t *testing.T) {
	story, err := demo.Find("regulator-2020.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, db := exampleApp(t, filepath.Join(t.TempDir(), "regulator.db"), story.RuleBook, func(db *sqldb.DB, rb *rules.RuleBook, src []byte) error {
		return story.Load(context.Background(), db, rb, src)
	})
	if err := demo.LoadAccountsOf(operator(), a, story.Accounts); err != nil {
		t.Fatal(err)
	}
	srv, err := New(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: srv, app: a, db: db, sessions: map[string]string{}}
	for i, x := range story.Accounts {
		f.sessions[x.Name] = f.signIn(t, x.Name, "192.0.2."+strconv.Itoa(i+1))
	}
	get := func(who, path string) (int, string) {
		r := httptest.NewRequest("GET", path, nil)
		r.RemoteAddr = "192.0.2.1:1234"
		r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: f.sessions[who]})
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	for _, tc := range []struct {
		who, path string
		status    int
		see       []string
	}{
		{"rhian", "/cases/F-2022-002", 200, []string{"varied", "Striking off", "GBP 4,500.00", "Sanctions guidance for clause 5.1 at high seriousness"}},
		// The regulator's words, as its letters use them: an interim order, allegations.
		{"rhian", "/cases/F-2022-001", 200, []string{"GBP 3,000.00", "reprimand", "paid", "<strong>Interim order</strong> from", "<h2>Allegations and findings</h2>",
			">Letter: interim order</a>", ">Letter: notice of allegations</a>",
			// The criteria cited apart from the reasons given.
			`<span class="small">Criteria: IO-PUBLIC — An interim order is necessary to protect the public.</span><br>Two further structural surveys`}},
		{"rhian", "/cases/S-2022-001", 200, []string{"restoration refused", "five-year bar", ">Letter: decision on restoration to the register</a>"}},
		// Her appeal was hers to lodge, within 28 days: she is told when that ended.
		{"imogen", "/cases/F-2022-001", 200, []string{"GBP 3,000.00", "reprimand", "<h2 class=\"noprint\">Steps whose time has passed</h2>",
			"<strong>Lodge an appeal</strong>: <span class=\"refused\">its time has passed: under clause 5.7 (Appeal) it had to be taken within 28 days of 4 May 2022, by 1 June 2022</span>"}},
		{"imogen", "/cases/F-2022-002", 404, nil},
		{"owen", "/cases/F-2022-002", 200, []string{"varied"}},
		{"rhian", "/members/R0001", 200, []string{"Fellow"}},
		{"rhian", "/deadlines", 200, nil},
		{"rhian", "/statistics", 200, []string{"5.1: Striking off", "5.1: Order for costs"}},
		{"ruth", "/cases", 200, []string{"F-2021-001", "F-2022-002"}},
	} {
		code, body := get(tc.who, tc.path)
		if code != tc.status {
			t.Errorf("%s GET %s: %d, want %d", tc.who, tc.path, code, tc.status)
			continue
		}
		for _, s := range tc.see {
			if !strings.Contains(body, s) {
				t.Errorf("%s GET %s: the page does not say %q", tc.who, tc.path, s)
			}
		}
	}
	// On a day within the 28 days, the appeal is hers to lodge, by the last
	// of them; the Registrar's office may record it for her, as received; the
	// auditor, who changes nothing, may not.
	within := rulebook.DateOf(time.Date(2022, 5, 10, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		who    string
		bodies []string
	}{{"imogen", []string{"registrant"}}, {"rhian", []string{"registrant"}}, {"ruth", nil}} {
		acc, err := db.Account(context.Background(), tc.who)
		if err != nil {
			t.Fatal(err)
		}
		file, err := a.Case(app.WithPrincipal(context.Background(), app.AccountPrincipal(acc, true, "session")), "F-2022-001", within)
		if err != nil {
			t.Fatalf("%s: %v", tc.who, err)
		}
		i := slices.IndexFunc(file.Steps, func(o app.StepOption) bool { return o.Transition.ID == "appeal" })
		if i < 0 {
			t.Errorf("%s is not shown the appeal on %s", tc.who, within)
			continue
		}
		o := file.Steps[i]
		if o.Late || o.Due.String() != "2022-06-01" || !slices.Equal(o.Bodies, tc.bodies) {
			t.Errorf("%s on %s: the appeal %+v, want for %v by 2022-06-01", tc.who, within, o, tc.bodies)
		}
	}
}
