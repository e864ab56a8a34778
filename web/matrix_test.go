package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/httpapi"
	"github.com/rulebook/rulebook/sqldb"
)

// The access matrix: every route the server answers, pages and API alike, asked
// by every kind of user, each answer checked against who the rule book and the
// built-in roles say may have it. The routes come from the server's own route
// table, so a route added without its row here fails the test.
//
// The people (demo accounts): anon (no account), admin (administrator), casey
// (complaints staff, sees the cases of her unit), morag (General Secretary: every
// case, oversight), nia (executive: the cases awaiting its decisions), tom (the
// hearing body's secretary), kwame (a hearing panel member, on no panel of these
// cases), ruth (auditor), rowan and declan (members), paula (membership office:
// the register, and the open cases a resignation closes), rita (returning officer).
var people = []string{"anon", "admin", "casey", "morag", "nia", "tom", "kwame", "ruth", "rowan", "declan", "paula", "rita"}

// Who may do what, by audience.
var audiences = map[string][]string{
	"everyone":  people,
	"signed-in": people[1:],
	"admin":     {"admin"},
	// Readers of the register: the roles with read_register, and the auditor.
	"register": {"casey", "morag", "nia", "paula", "ruth"},
	// The member M0005 (declan) is shown his own record too.
	"member-M0005":     {"casey", "morag", "nia", "paula", "ruth", "declan"},
	"edit-register":    {"paula"},
	"complaints-staff": {"casey", "morag"},
	// Complaints: all of them for staff and the auditor, one's own for a member.
	"complaint-lists": {"casey", "morag", "ruth", "kwame", "rowan", "declan"},
	// Case D-2016-002 (open, under investigation, handled by the Compliance Unit):
	// the unit, the General Secretary, the executive (which may suspend in any open
	// case), the membership office (which closes any open case on a resignation)
	// and the auditor; not the hearing body, which it has not reached.
	"case":        {"casey", "morag", "nia", "paula", "ruth"},
	"case-team":   {"casey", "morag", "nia", "paula"},
	"case-record": {"casey", "morag"},
	// The case's raw record and letters name complainants and witnesses, shown
	// only to the roles the rule book names, and to the auditor.
	"case-file": {"casey", "morag", "ruth"},
	"deadlines": {"casey", "morag", "nia", "tom", "kwame", "paula", "ruth"},
	"lists":     {"casey", "morag", "nia", "tom", "kwame", "ruth", "paula", "rita"},
	"oversight": {"morag", "ruth"},
	"reports":   {"casey", "morag", "nia", "tom", "kwame", "ruth"},
	"record":    {"ruth"},
	"count":     {"rita"},
	"members":   {"kwame", "rowan", "declan"},
	// Invited to the survey about D-2016-001.
	"surveyed": {"rowan", "declan"},
	// Subject access to M0005: those who answer such requests, the auditor, declan.
	"sar-M0005": {"casey", "morag", "ruth", "declan"},
	// The events about M0005 hold his contact details: for those shown them.
	"member-events": {"casey", "morag", "paula", "ruth", "declan"},
	// Ruth's token: hers to revoke, or the administrator's.
	"token-ruth": {"admin", "ruth"},
	// The complainant of C-2016-005 (M0004) has no demo account.
	"nobody": {},
	// Signing in answers anyone about the credentials they give (here, none).
	"credentials":           people,
	"credentials-signed-in": people[1:],
}

// matrix is the expected audience of every route.
var matrix = map[string]string{
	// Pages.
	"GET /{$}":                                  "everyone",
	"GET /signin":                               "everyone",
	"POST /signin":                              "credentials",
	"GET /signin/code":                          "signed-in",
	"POST /signin/code":                         "credentials-signed-in",
	"POST /signout":                             "everyone",
	"GET /report":                               "everyone",
	"POST /report":                              "everyone",
	"GET /report/follow":                        "everyone",
	"POST /report/follow":                       "everyone",
	"POST /report/information":                  "everyone",
	"POST /report/survey":                       "everyone",
	"GET /transparency":                         "everyone",
	"GET /rules":                                "everyone",
	"GET /rules/diff":                           "everyone",
	"GET /rules/{version}":                      "everyone",
	"GET /account":                              "signed-in",
	"POST /account/password":                    "signed-in",
	"GET /account/second-factor":                "signed-in",
	"POST /account/second-factor":               "signed-in",
	"POST /account/tokens":                      "signed-in",
	"POST /account/tokens/{id}/revoke":          "token-ruth",
	"GET /dashboard":                            "signed-in",
	"GET /members":                              "register",
	"GET /members/{id}":                         "member-M0005",
	"GET /complaints":                           "complaint-lists",
	"GET /complaints/new":                       "complaints-staff",
	"POST /complaints":                          "complaints-staff",
	"GET /complaints/{id}":                      "case",
	"POST /complaints/{id}/information":         "nobody",
	"GET /cases":                                "signed-in",
	"POST /cases":                               "complaints-staff",
	"GET /cases/{id}":                           "case",
	"POST /cases/{id}/steps":                    "case-team",
	"POST /cases/{id}/records":                  "case-record",
	"POST /cases/{id}/messages":                 "signed-in",
	"GET /cases/{id}/letters/{template}":        "case-file",
	"GET /cases/{id}/bundle":                    "case",
	"GET /cases/{id}/bundle.pdf":                "case",
	"GET /write":                                "signed-in",
	"POST /write":                               "signed-in",
	"GET /surveys/{case}":                       "surveyed",
	"POST /surveys/{case}":                      "members",
	"GET /deadlines":                            "deadlines",
	"GET /statistics":                           "oversight",
	"GET /precedents":                           "reports",
	"GET /interference":                         "oversight",
	"GET /access-log":                           "oversight",
	"GET /verify":                               "record",
	"GET /count":                                "count",
	"POST /count":                               "count",
	"GET /selections":                           "selections",
	"POST /selections":                          "run-selections",
	"GET /selections/{id}":                      "selections",
	"POST /selections/{id}/steps":               "run-selections",
	"GET /selections/{id}/electorate/check":     "selections",
	"GET /ballots":                              "members",
	"GET /ballots/{id}":                         "members",
	"POST /ballots/{id}":                        "members",
	"GET /admin/accounts":                       "admin",
	"POST /admin/accounts":                      "admin",
	"GET /admin/accounts/{name}":                "admin",
	"POST /admin/accounts/{name}":               "admin",
	"POST /admin/accounts/{name}/password":      "admin",
	"POST /admin/accounts/{name}/second-factor": "admin",

	// The JSON API.
	"GET /openapi.json":                                "everyone",
	"GET /healthz":                                     "everyone",
	"GET /api/v1/me":                                   "signed-in",
	"GET /api/v1/accounts":                             "admin",
	"POST /api/v1/accounts":                            "admin",
	"GET /api/v1/accounts/{name}":                      "admin",
	"PATCH /api/v1/accounts/{name}":                    "admin",
	"POST /api/v1/accounts/{name}/password":            "admin",
	"POST /api/v1/accounts/{name}/second-factor/reset": "admin",
	"GET /api/v1/accounts/{name}/tokens":               "admin",
	"POST /api/v1/tokens":                              "signed-in",
	"DELETE /api/v1/tokens/{id}":                       "token-ruth",
	"GET /api/v1/units":                                "lists",
	"POST /api/v1/units":                               "edit-register",
	"GET /api/v1/occasions":                            "register",
	"POST /api/v1/occasions":                           "edit-register",
	"GET /api/v1/members":                              "register",
	"POST /api/v1/members":                             "edit-register",
	"GET /api/v1/members/{id}":                         "member-M0005",
	"PATCH /api/v1/members/{id}":                       "edit-register",
	"GET /api/v1/members/{id}/history":                 "member-M0005",
	"GET /api/v1/members/{id}/events":                  "member-events",
	"POST /api/v1/members/{id}/status":                 "edit-register",
	"POST /api/v1/members/{id}/restrictions":           "edit-register",
	"POST /api/v1/corrections":                         "edit-register",
	"POST /api/v1/imports/members":                     "edit-register",
	"GET /api/v1/exports/members":                      "edit-register",
	"GET /api/v1/events":                               "record",
	"GET /api/v1/events/{id}":                          "member-events",
	"GET /api/v1/verify":                               "record",
	"GET /api/v1/eligibility":                          "member-M0005",
	"GET /api/v1/electorate":                           "register",
	"GET /api/v1/rulebook":                             "everyone",
	"GET /api/v1/rulebook/versions/{id}":               "everyone",
	"GET /api/v1/access-log":                           "oversight",
	"GET /api/v1/public/statistics":                    "everyone",
	"GET /api/v1/complaints":                           "complaint-lists",
	"POST /api/v1/complaints":                          "complaints-staff",
	"GET /api/v1/complaints/{id}":                      "case",
	"POST /api/v1/complaints/{id}/information":         "nobody",
	"POST /api/v1/reports":                             "everyone",
	"POST /api/v1/reports/status":                      "everyone",
	"POST /api/v1/reports/information":                 "everyone",
	"GET /api/v1/lists/{list}":                         "lists",
	"POST /api/v1/lists/{list}/entries":                "case-record-lists",
	"GET /api/v1/cases":                                "signed-in",
	"POST /api/v1/cases":                               "complaints-staff",
	"GET /api/v1/cases/{id}":                           "case",
	"GET /api/v1/cases/{id}/events":                    "case-file",
	"POST /api/v1/cases/{id}/steps":                    "case-team",
	"POST /api/v1/cases/{id}/complaints":               "case-record",
	"POST /api/v1/cases/{id}/conflicts":                "case-record",
	"POST /api/v1/cases/{id}/recusals":                 "case-record",
	"POST /api/v1/cases/{id}/mitigation":               "case-record",
	"POST /api/v1/cases/{id}/withholdings":             "case-record",
	"POST /api/v1/cases/{id}/updates":                  "case-record",
	"POST /api/v1/cases/{id}/contacts":                 "case-record",
	"POST /api/v1/cases/{id}/conditions":               "case-record",
	"POST /api/v1/cases/{id}/corrections":              "case-record",
	"POST /api/v1/cases/{id}/roles":                    "case-record",
	"POST /api/v1/cases/{id}/messages":                 "signed-in",
	"GET /api/v1/cases/{id}/letters/{template}":        "case-file",
	"GET /api/v1/panel-candidates":                     "lists",
	"GET /api/v1/interference":                         "oversight",
	"GET /api/v1/deadlines":                            "deadlines",
	"GET /api/v1/statistics":                           "oversight",
	"GET /api/v1/precedents":                           "reports",
	"GET /api/v1/subject-access/{member}":              "sar-M0005",
	"GET /api/v1/surveys":                              "members",
	"POST /api/v1/surveys/{case}":                      "members",
	"GET /api/v1/survey-results":                       "oversight",
	"GET /api/v1/selections":                           "selections",
	"POST /api/v1/selections":                          "run-selections",
	"GET /api/v1/selections/{id}":                      "selections",
	"POST /api/v1/selections/{id}/nominate":            "run-selections",
	"POST /api/v1/selections/{id}/withdraw":            "run-selections",
	"POST /api/v1/selections/{id}/shortlist":           "run-selections",
	"GET /api/v1/selections/{id}/electorate":           "selections",
	"POST /api/v1/selections/{id}/electorate/freeze":   "run-selections",
	"GET /api/v1/selections/{id}/electorate/check":     "selections",
	"GET /api/v1/selections/{id}/ballot":               "members",
	"POST /api/v1/selections/{id}/ballot":              "members",
	"POST /api/v1/selections/{id}/papers":              "run-selections",
	"POST /api/v1/selections/{id}/refuse":              "run-selections",
	"POST /api/v1/selections/{id}/challenge":           "run-selections",
	"POST /api/v1/selections/{id}/close":               "run-selections",
	"POST /api/v1/selections/{id}/count":               "run-selections",
	"POST /api/v1/selections/{id}/endorse":             "nec",
	"POST /api/v1/selections/{id}/deselect":            "nec",
	"GET /api/v1/selections/{id}/refusals":             "selections",
	"GET /api/v1/elections":                            "elections",
	"POST /api/v1/elections":                           "record-elections",
	"GET /api/v1/elections/{id}":                       "elections",
	"POST /api/v1/elections/{id}/count":                "record-elections",
	"GET /api/v1/ballots":                              "members",
	"GET /api/v1/official-candidates":                  "lists",
	// Trigger ballots and public elections.
	"GET /triggers":             "selections",
	"POST /triggers":            "run-selections",
	"GET /triggers/{id}":        "selections",
	"POST /triggers/{id}/steps": "run-selections",
	"GET /elections":            "elections",
	"GET /elections/{id}":       "elections",

	// Erasure of personal data: the retention schedule, and requests.
	"GET /erasure":                      "erase",
	"POST /erasure/retention":           "erase",
	"POST /erasure/request":             "erase",
	"GET /api/v1/retention":             "erase",
	"POST /api/v1/retention":            "erase",
	"POST /api/v1/members/{id}/erasure": "erase",

	// Electoral colleges and trigger ballots.
	"POST /api/v1/selections/{id}/roll":                         "run-selections",
	"GET /api/v1/selections/{id}/sections/{section}/electorate": "selections",
	"GET /api/v1/triggers":                                      "selections",
	"POST /api/v1/triggers":                                     "run-selections",
	"GET /api/v1/triggers/{id}":                                 "selections",
	"POST /api/v1/triggers/{id}/decide":                         "run-selections",
	"POST /api/v1/triggers/{id}/close":                          "run-selections",
}

func init() {
	// Only the Compliance Unit edits the dated lists.
	audiences["case-record-lists"] = []string{"casey"}
	// Selections: the returning officer runs them; the readers of the register,
	// the returning officer and the auditor see them; the NEC (nia) endorses and
	// deselects; members (kwame, rowan, declan) cast only their own ballots.
	audiences["selections"] = []string{"casey", "morag", "nia", "paula", "ruth", "rita"}
	audiences["run-selections"] = []string{"rita"}
	audiences["nec"] = []string{"nia"}
	// Public elections: entered by the returning officer and the keeper of the
	// lists; read also by the readers of the register (the NEC among them) and the auditor.
	audiences["elections"] = []string{"casey", "morag", "nia", "paula", "ruth", "rita"}
	audiences["record-elections"] = []string{"casey", "rita"}
	// Only the General Secretary's role may erase (erase_records): not the
	// auditor, who reads everything.
	audiences["erase"] = []string{"morag"}
}

var paramRE = regexp.MustCompile(`\{(\w+)\}`)

// target fills a route's path parameters with things that exist in the demo.
func target(pattern, tokenID string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	path = paramRE.ReplaceAllStringFunc(path, func(m string) string {
		switch {
		case m == "{template}":
			return "acknowledgement"
		case m == "{version}":
			return "2016"
		case m == "{name}":
			return "irene"
		case m == "{case}":
			return "D-2016-001"
		case m == "{list}":
			return "official_candidates"
		case m == "{member}":
			return "M0005"
		case strings.Contains(path, "/tokens/"):
			return tokenID
		case strings.HasPrefix(path, "/cases/") || strings.HasPrefix(path, "/api/v1/cases/"):
			return "D-2016-002"
		case strings.HasPrefix(path, "/members/") || strings.HasPrefix(path, "/api/v1/members/"):
			return "M0005"
		case strings.HasPrefix(path, "/complaints/") || strings.HasPrefix(path, "/api/v1/complaints/"):
			return "C-2016-005"
		case strings.HasPrefix(path, "/api/v1/rulebook/versions/"):
			return "2016"
		case strings.HasPrefix(path, "/api/v1/events/"):
			return "EVENT"
		case m == "{section}":
			return "members"
		case strings.HasPrefix(path, "/api/v1/selections/") && strings.Contains(path, "/sections/"):
			return "combined-mayor-2013"
		case strings.HasPrefix(path, "/selections/") || strings.HasPrefix(path, "/ballots/") || strings.HasPrefix(path, "/api/v1/selections/"):
			return "mayor-2016"
		case strings.HasPrefix(path, "/api/v1/elections/") || strings.HasPrefix(path, "/elections/"):
			return "northport-mayor-2021"
		case strings.HasPrefix(path, "/triggers/") || strings.HasPrefix(path, "/api/v1/triggers/"):
			return "combined-mayor-trigger-2013"
		}
		return "x"
	})
	return method, path
}

// query gives the routes that need them the parameters that make a real question.
var query = map[string]string{
	"GET /api/v1/eligibility":      "member=M0005&action=canvass",
	"GET /api/v1/electorate":       "action=canvass",
	"GET /api/v1/precedents":       "clause=2.I.8",
	"GET /precedents":              "clause=2.I.8",
	"GET /api/v1/panel-candidates": "body=ncc",
	"GET /members":                 "q=marsh",
}

// form gives the routes that need one a body that reaches the application (an
// empty form is refused as such before anyone's access is looked at). KEY is an
// anonymous complaint's report key.
var form = map[string]string{
	"POST /cases/{id}/records":         "kind=mitigation&summary=",
	"POST /report/follow":              "key=KEY",
	"POST /report/information":         "key=KEY&text=",
	"POST /report/survey":              "key=KEY",
	"POST /api/v1/reports/status":      `{"key":"KEY"}`,
	"POST /api/v1/reports/information": `{"key":"KEY","text":""}`,
	"POST /api/v1/imports/members":     "",
	// A step of the demo's mayoral selection, which is over: the application
	// answers who may take it before saying it is too late.
	"POST /selections/{id}/steps":           "kind=close",
	"POST /ballots/{id}":                    "rank.M0002=1",
	"POST /selections":                      "id=",
	"POST /api/v1/selections/{id}/endorse":  `{"body":"nec"}`,
	"POST /api/v1/selections/{id}/deselect": `{"body":"nec","candidate":"M0002","reasons":"r"}`,

	"POST /triggers":                    "id=",
	"POST /triggers/{id}/steps":         "kind=close",
	"POST /api/v1/triggers/{id}/close":  `{}`,
	"POST /api/v1/triggers/{id}/decide": `{"unit":"greenway-ward","decision":"open"}`,
	"POST /api/v1/selections/{id}/roll": `{"section":"affiliates","voters":[{"id":"X1"}]}`,
}

// endsSessions are the routes after which everyone signs in again (signing out,
// resetting a password or a second factor end sessions).
var endsSessions = map[string]bool{"POST /signout": true, "POST /admin/accounts/{name}/password": true,
	"POST /admin/accounts/{name}/second-factor": true, "POST /api/v1/accounts/{name}/password": true,
	"POST /api/v1/accounts/{name}/second-factor/reset": true, "POST /admin/accounts/{name}": true, "PATCH /api/v1/accounts/{name}": true}

func TestAccessMatrix(t *testing.T) {
	f := demoFixture(t)
	ctx := operator()
	// Ruth's token, to revoke; declan and rowan invited to the survey.
	_, tok, err := f.app.CreateToken(ctx, "ruth", "matrix", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.Invite(ctx, []sqldb.Invitation{{Case: "D-2016-001", Person: "M0005", Party: "complainant", Quarter: "2017-Q2"},
		{Case: "D-2016-001", Person: "M0001", Party: "respondent", Quarter: "2017-Q2"}}, f.app.Now()); err != nil {
		t.Fatal(err)
	}
	evs, err := f.db.Events(ctx, sqldb.EventFilter{Subject: "M0005", Limit: 1})
	if err != nil || len(evs) == 0 {
		t.Fatal(err)
	}
	rep, err := f.app.ReportComplaint(context.Background(), app.ReportInput{About: "Someone", Summary: "Something."}, "203.0.113.9")
	if err != nil {
		t.Fatal(err)
	}
	routes := f.srv.Routes()
	var missing []string
	for _, rt := range routes {
		if _, ok := matrix[rt]; !ok {
			missing = append(missing, rt)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("routes without a row in the access matrix (add one, naming who may use them):\n  %s", strings.Join(missing, "\n  "))
	}
	for k := range matrix {
		if !slices.Contains(routes, k) {
			t.Errorf("the matrix has a row for %s, which is not a route", k)
		}
	}
	sort.Strings(routes)
	for _, rt := range routes {
		aud, ok := audiences[matrix[rt]]
		if !ok {
			t.Fatalf("%s: no audience %q", rt, matrix[rt])
		}
		method, path := target(rt, tok.ID)
		path = strings.Replace(path, "EVENT", evs[0].ID, 1)
		if q := query[rt]; q != "" {
			path += "?" + q
		}
		for _, who := range people {
			body, given := form[rt]
			if !given && strings.HasPrefix(path, "/api/") && method != "GET" && method != "DELETE" {
				body = "{}"
			}
			body = strings.ReplaceAll(body, "KEY", rep.Key)
			r := httptest.NewRequest(method, path, strings.NewReader(body))
			switch {
			case rt == "POST /api/v1/imports/members":
				r.Header.Set("Content-Type", "text/csv")
			case strings.HasPrefix(path, "/api/") && method != "GET":
				r.Header.Set("Content-Type", "application/json")
			case method != "GET":
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if who != "anon" {
				r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: f.sessions[who]})
			}
			r.RemoteAddr = "198.51.100.7:1234"
			w := httptest.NewRecorder()
			f.srv.ServeHTTP(w, r)
			got := classify(w)
			if strings.HasPrefix(matrix[rt], "credentials") && w.Code == http.StatusUnauthorized && strings.Contains(w.Body.String(), `action="/signin`) {
				got = "allowed" // the form again, saying the credentials are wrong
			}
			want := "refused"
			if slices.Contains(aud, who) {
				want = "allowed"
			}
			if got != want {
				t.Errorf("%-45s as %-7s: %s (%d %s), want %s", rt, who, got, w.Code, brief(w), want)
			}
		}
		if endsSessions[rt] {
			for i, who := range people[1:] {
				f.sessions[who] = f.signIn(t, who, "192.0.2."+strconv.Itoa(100+i))
			}
		}
	}
}

// classify sorts an answer: refused (not signed in, not allowed, or not found as
// the policy answers what the asker may not know of) or allowed (anything else:
// the page, or the application's verdict on the request itself).
func classify(w *httptest.ResponseRecorder) string {
	switch w.Code {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return "refused"
	case http.StatusSeeOther, http.StatusFound:
		if loc, _ := url.Parse(w.Header().Get("Location")); loc != nil && (loc.Path == "/signin" || loc.Path == "/signin/code") {
			return "refused"
		}
	}
	return "allowed"
}

func brief(w *httptest.ResponseRecorder) string {
	if loc := w.Header().Get("Location"); loc != "" {
		return "→ " + loc
	}
	b := w.Body.String()
	if i := strings.Index(b, `role="alert"`); i >= 0 {
		b = b[i:]
	}
	b = regexp.MustCompile(`<[^>]+>|\s+`).ReplaceAllString(b, " ")
	if len(b) > 120 {
		b = b[:120]
	}
	return strings.TrimSpace(b)
}
