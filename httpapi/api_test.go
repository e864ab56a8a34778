package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

func TestMain(m *testing.M) {
	// Request logs would drown the test output.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

const (
	// A fixed copy of the Labour-modelled example as it stood when these scenarios
	// were written, so the example can grow without rewriting them.
	rulesFile = "testdata/labour-1999.yaml"
)

// exchange is one recorded request and response, checked against the OpenAPI document.
type exchange struct {
	method, target, pattern string
	query                   url.Values
	reqType                 string
	reqBody                 []byte
	status                  int
	ctype                   string
	body                    []byte
}

// tb is what env needs of a test: a *testing.T, *testing.B, *testing.F or *rapid.T.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Fatal(args ...any)
}

// env is a server over a fresh database with the Labour-modelled rule book, and
// an officer's account (officer.jones) whose API token every request carries
// unless told otherwise.
type env struct {
	t     tb
	srv   *Server
	app   *app.App
	db    *sqldb.DB
	clock time.Time
	mu    sync.Mutex
	recs  []exchange
	token string
	// vars are values scenarios may use as {{name}} (other accounts' tokens).
	vars map[string]string
}

// officer is the tests' account: the rule books in testdata give its role every
// capability and every body (the policy itself is tested in package app).
const officer = "officer.jones"

// account creates an account with roles and returns an API token for it.
func (e *env) account(name string, member string, roles ...string) string {
	e.t.Helper()
	ctx := app.WithPrincipal(context.Background(), app.OperatorPrincipal("test"))
	if _, err := e.app.CreateAccount(ctx, app.AccountInput{Name: name, Display: name, Member: member, Roles: roles}, "a long enough password"); err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := e.app.CreateToken(ctx, name, "test", rulebook.NoDate)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func newEnv(t testing.TB, db *sqldb.DB) *env {
	t.Helper()
	return newEnvWith(t, db, rulesFile)
}

// newEnvWith is newEnv with another rule book.
func newEnvWith(t testing.TB, db *sqldb.DB, rulesFile string) *env {
	t.Helper()
	rb, err := rules.LoadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	// The rule book is adopted before any test's clock: recording time only moves
	// forward, and some scenarios enter events recorded as early as 2010.
	e := &env{t: t, db: db, clock: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}
	db.Now = e.now
	svc, err := register.New(context.Background(), db, rb, src)
	if err != nil {
		t.Fatal(err)
	}
	if e.app, err = app.New(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.app.Close() }) // before the database closes
	e.token = e.account(officer, "", "officer")
	e.clock = time.Date(2016, 6, 1, 10, 0, 0, 0, time.UTC)
	e.srv = NewServer(e.app, Options{})
	return e
}

func (e *env) now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.clock
}

func (e *env) setClock(s string) {
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		e.t.Fatal(err)
	}
	e.mu.Lock()
	e.clock = tm
	e.mu.Unlock()
}

// do sends a request with the officer's token, unless hdr says otherwise (an
// empty value removes a header).
func (e *env) do(method, target, ctype, body string, hdr map[string]string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+e.token)
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	_, pattern := e.srv.mux.Handler(r)
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	e.recs = append(e.recs, exchange{method: method, target: target, pattern: pattern, query: r.URL.Query(),
		reqType: ctype, reqBody: []byte(body), status: w.Code, ctype: w.Header().Get("Content-Type"), body: w.Body.Bytes()})
	return w
}

// get walks a decoded JSON value by a dotted path ("status_history.1.status");
// a final "#" gives the length of an array or object.
func get(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			if p == "#" {
				return float64(len(x)), true
			}
			var ok bool
			if v, ok = x[p]; !ok {
				return nil, false
			}
		case []any:
			if p == "#" {
				return float64(len(x)), true
			}
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// step is one request of a scenario and what must come back. Scenarios run in
// order against one database; {{name}} in a path or body is a value saved earlier.
type step struct {
	name   string
	method string
	path   string
	body   string
	ctype  string // application/json when a body is given and this is empty
	hdr    map[string]string
	status int
	// want maps JSON paths to expected values; "*" means present and not empty, "-" absent.
	want map[string]any
	// contains must appear in the raw body (CSV responses, messages).
	contains []string
	// absent must not appear in the raw body.
	absent []string
	save   map[string]string
}

var placeholder = regexp.MustCompile(`\{\{(\w+)\}\}`)

func (e *env) run(steps []step) {
	t := e.t
	saved := map[string]string{}
	for k, v := range e.vars {
		saved[k] = v
	}
	subst := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			k := m[2 : len(m)-2]
			v, ok := saved[k]
			if !ok {
				t.Fatalf("nothing saved as %s", k)
			}
			return v
		})
	}
	for _, st := range steps {
		path, body := subst(st.path), subst(st.body)
		if len(st.hdr) > 0 {
			hdr := map[string]string{}
			for k, v := range st.hdr {
				hdr[k] = subst(v)
			}
			st.hdr = hdr
		}
		ctype := st.ctype
		if ctype == "" && body != "" {
			ctype = "application/json"
		}
		if ctype == "-" {
			ctype = ""
		}
		w := e.do(st.method, path, ctype, body, st.hdr)
		label := fmt.Sprintf("%s: %s %s", st.name, st.method, path)
		if strings.HasPrefix(path, "/api/") && w.Code != 404 && w.Code != 405 && w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", label, w.Header().Get("Cache-Control"))
		}
		if ct, _, _ := strings.Cut(w.Header().Get("Content-Type"), ";"); !map[string]bool{"application/json": true, "text/csv": true,
			"text/html": true, "text/plain": true, "application/pdf": true}[ct] {
			t.Errorf("%s: Content-Type %q", label, ct)
		}
		if w.Code != st.status {
			t.Errorf("%s: status %d, want %d; body %s", label, w.Code, st.status, w.Body)
			continue
		}
		raw := w.Body.String()
		for _, c := range st.contains {
			if !strings.Contains(raw, c) {
				t.Errorf("%s: body lacks %q: %s", label, c, raw)
			}
		}
		for _, c := range st.absent {
			if strings.Contains(raw, c) {
				t.Errorf("%s: body has %q: %s", label, c, raw)
			}
		}
		if len(st.want) == 0 && len(st.save) == 0 {
			continue
		}
		var v any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Errorf("%s: not JSON: %v: %s", label, err, raw)
			continue
		}
		for p, want := range st.want {
			got, ok := get(v, p)
			switch want {
			case "-":
				if ok {
					t.Errorf("%s: %s = %v, want it absent", label, p, got)
				}
				continue
			case "*":
				if !ok || got == nil || got == "" {
					t.Errorf("%s: %s is missing or empty in %s", label, p, raw)
				}
				continue
			}
			if ws, isStr := want.(string); isStr {
				want = subst(ws)
			}
			if !ok {
				t.Errorf("%s: %s is missing in %s", label, p, raw)
			} else if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: %s = %v, want %v", label, p, got, want)
			}
		}
		for k, p := range st.save {
			got, ok := get(v, p)
			if !ok {
				t.Fatalf("%s: cannot save %s: no %s in %s", label, k, p, raw)
			}
			if f, isNum := got.(float64); isNum {
				saved[k] = strconv.FormatInt(int64(f), 10)
			} else {
				saved[k] = fmt.Sprint(got)
			}
		}
	}
}

func invalid(field string) map[string]any {
	return map[string]any{"error.code": "invalid", "error.field": field, "error.message": "*"}
}

func code(c string) map[string]any { return map[string]any{"error.code": c, "error.message": "*"} }

const (
	joinAnn   = `{"id":"ann","name":"Ann Archer","email":"ann@example.org","unit":"north","joined":"2000-05-01"}`
	joinBob   = `{"id":"bob","name":"Bob Baker","unit":"south","joined":"2015-06-01"}`
	joinCarol = `{"id":"carol","name":"Carol Cole","joined":"2016-03-01","status":"active"}`
)

// scenarios covers every endpoint and every error code the API produces, on the
// Labour-modelled rule book, "today" being 1 June 2016.
var scenarios = []step{
	{name: "health", method: "GET", path: "/healthz", status: 200, hdr: map[string]string{"Authorization": ""}, want: map[string]any{"ok": true}},
	{name: "openapi", method: "GET", path: "/openapi.json", status: 200, hdr: map[string]string{"Authorization": ""}, want: map[string]any{"openapi": "3.1.0", "paths./api/v1/verify.get": "*"}},

	// Rule book.
	{name: "rule book", method: "GET", path: "/api/v1/rulebook", status: 200, want: map[string]any{
		"organisation": "Example Labour-style Party", "versions.#": 3, "versions.0.id": "1999", "versions.0.until": "2008-01-01",
		"versions.2.in_force_from": "2016-01-01", "versions.2.until": "-", "in_force_today": "2016", "sha256": "*"}},
	{name: "rule book version", method: "GET", path: "/api/v1/rulebook/versions/2016", status: 200, want: map[string]any{
		"id": "2016", "in_force_from": "2016-01-01", "default_status": "active",
		"rights.admin_suspended.attend_branch_meetings.allowed": true, "rights.admin_suspended.attend_branch_meetings.clause": "6.I.1.B",
		"rights.admin_suspended.vote_in_selection.allowed": false, "rights.expelled.canvass.clause": "2.II.3",
		"rights.sanction_suspended.vote_in_selection.allowed": true, "readmission.waiting_period": "5 years",
		"automatic_exclusion.0.id": "stood_against_official_candidate", "bodies.#": 6, "clauses.0.text": "*"},
		contains: []string{`"max_duration":"2 years"`, `"continuous_membership":"6 months"`, `"measured_at":"freeze_date"`}},
	{name: "older version has older rules", method: "GET", path: "/api/v1/rulebook/versions/1999", status: 200, want: map[string]any{
		"until": "2008-01-01", "rights.sanction_suspended": "-", "rights.admin_suspended.vote_in_selection.clause": "6.I.1.B"},
		contains: []string{`"continuous_membership":"12 months"`}},
	{name: "no such version", method: "GET", path: "/api/v1/rulebook/versions/1066", status: 404, want: code("not_found")},

	// Units, of the kinds the rule book declares.
	{name: "no units yet", method: "GET", path: "/api/v1/units", status: 200, want: map[string]any{"units.#": 0}},
	{name: "no occasions", method: "GET", path: "/api/v1/occasions", status: 200, want: map[string]any{"occasions.#": 0}},
	{name: "a body not valid UTF-8", method: "POST", path: "/api/v1/units", body: "{\"id\":\"east\",\"name\":\"East\xff\",\"kind\":\"branch\"}", status: 400, want: invalid("body")},
	{name: "an occasion this rule book does not declare", method: "POST", path: "/api/v1/occasions", body: `{"id":"F1","kind":"matches","units":["north"],"outcome":"played","date":"2016-05-01"}`, status: 400, want: invalid("kind")},
	{name: "an occasion without a day", method: "POST", path: "/api/v1/occasions", body: `{"id":"F1","kind":"matches","units":["north"],"outcome":"played"}`, status: 400, want: invalid("date")},
	{name: "create constituency", method: "POST", path: "/api/v1/units", body: `{"id":"north-cp","name":"North Constituency","kind":"constituency","effective":"1999-01-01"}`, status: 201,
		want: map[string]any{"unit.kind": "constituency", "event.type": "unit.created", "event.subject": "unit/north-cp", "event.actor": "officer.jones", "event.effective": "1999-01-01"}},
	{name: "create branch", method: "POST", path: "/api/v1/units", body: `{"id":"north","name":"North Ward","kind":"branch","parent":"north-cp"}`, status: 201,
		want: map[string]any{"unit.kind": "branch", "unit.parent": "north-cp", "event.effective": "2016-06-01"}},
	{name: "create south", method: "POST", path: "/api/v1/units", body: `{"id":"south","name":"South Ward","kind":"branch"}`, status: 201},
	{name: "unit exists", method: "POST", path: "/api/v1/units", body: `{"id":"north","name":"Again","kind":"branch"}`, status: 409, want: code("conflict")},
	{name: "unit unknown parent", method: "POST", path: "/api/v1/units", body: `{"id":"east","name":"East","kind":"branch","parent":"nowhere"}`, status: 400, want: invalid("parent")},
	{name: "unit within a unit of the wrong kind", method: "POST", path: "/api/v1/units", body: `{"id":"east","name":"East","kind":"branch","parent":"north"}`, status: 400, want: invalid("parent")},
	{name: "unit without a kind", method: "POST", path: "/api/v1/units", body: `{"id":"east","name":"East"}`, status: 400, want: invalid("kind")},
	{name: "unit of an undeclared kind", method: "POST", path: "/api/v1/units", body: `{"id":"east","name":"East","kind":"region"}`, status: 400, want: invalid("kind")},
	{name: "unit bad id", method: "POST", path: "/api/v1/units", body: `{"id":"a b","name":"East","kind":"branch"}`, status: 400, want: invalid("id")},
	{name: "units", method: "GET", path: "/api/v1/units", status: 200, want: map[string]any{"units.#": 3, "units.0.id": "north", "units.0.parent": "north-cp"}},

	// Joining, and every way a request body can be wrong.
	{name: "join before any rule book", method: "POST", path: "/api/v1/members", body: `{"id":"ann","name":"Ann Archer","joined":"1998-03-01"}`, status: 422,
		want: map[string]any{"error.code": "no_rules", "error.field": "joined"}},
	{name: "join ann", method: "POST", path: "/api/v1/members", body: joinAnn, status: 201,
		want: map[string]any{"member.id": "ann", "member.joined": "2000-05-01", "status_history.0.status": "active", "event.type": "member.joined", "event.seq": 7}},
	{name: "join bob", method: "POST", path: "/api/v1/members", body: joinBob, status: 201, save: map[string]string{"bobJoin": "event.id"}},
	{name: "join carol", method: "POST", path: "/api/v1/members", body: joinCarol, status: 201},
	{name: "join twice", method: "POST", path: "/api/v1/members", body: joinAnn, status: 409, want: code("conflict")},
	{name: "join without credentials", method: "POST", path: "/api/v1/members", body: `{"id":"dan","name":"Dan","joined":"2010-01-01"}`,
		hdr: map[string]string{"Authorization": ""}, status: 401, want: code("unauthorized")},
	{name: "malformed JSON", method: "POST", path: "/api/v1/members", body: `{"id":"dan",`, status: 400, want: invalid("body")},
	{name: "not JSON at all", method: "POST", path: "/api/v1/members", body: `id=dan`, status: 400, want: invalid("body")},
	{name: "trailing data", method: "POST", path: "/api/v1/members", body: `{"id":"dan","name":"Dan","joined":"2010-01-01"} {}`, status: 400, want: invalid("body")},
	{name: "empty body", method: "POST", path: "/api/v1/members", body: ` `, status: 400, want: invalid("body")},
	{name: "unknown field", method: "POST", path: "/api/v1/members", body: `{"id":"dan","name":"Dan","joined":"2010-01-01","nickname":"D"}`, status: 400, want: invalid("nickname")},
	{name: "wrong type", method: "POST", path: "/api/v1/members", body: `{"id":5,"name":"Dan","joined":"2010-01-01"}`, status: 400, want: invalid("id")},
	{name: "bad date", method: "POST", path: "/api/v1/members", body: `{"id":"dan","name":"Dan","joined":"1/1/2010"}`, status: 400, want: invalid("joined")},
	{name: "missing date", method: "POST", path: "/api/v1/members", body: `{"id":"dan","name":"Dan"}`, status: 400, want: invalid("joined")},
	{name: "missing name", method: "POST", path: "/api/v1/members", body: `{"id":"dan","name":"  ","joined":"2010-01-01"}`, status: 400, want: invalid("name")},
	{name: "bad email", method: "POST", path: "/api/v1/members", body: `{"id":"dan","name":"Dan","email":"not-an-address","joined":"2010-01-01"}`, status: 400, want: invalid("email")},
	{name: "unknown unit", method: "POST", path: "/api/v1/members", body: `{"id":"dan","name":"Dan","unit":"west","joined":"2010-01-01"}`, status: 400, want: invalid("unit")},
	{name: "a unit field of the first releases", method: "POST", path: "/api/v1/members", body: `{"id":"dan","name":"Dan","branch":"north","joined":"2010-01-01"}`, status: 400, want: invalid("branch")},
	{name: "unknown status", method: "POST", path: "/api/v1/members", body: `{"id":"dan","name":"Dan","joined":"2010-01-01","status":"royalty"}`, status: 400, want: invalid("status")},
	{name: "wrong content type", method: "POST", path: "/api/v1/members", ctype: "text/plain", body: joinAnn, status: 415,
		want: map[string]any{"error.code": "unsupported_media_type", "error.field": "Content-Type"}},

	// Listing members.
	{name: "members", method: "GET", path: "/api/v1/members", status: 200, want: map[string]any{"members.#": 3, "members.0.id": "ann", "members.2.id": "carol", "limit": 100, "offset": 0}},
	{name: "members of a constituency", method: "GET", path: "/api/v1/members?unit=north-cp", status: 200, want: map[string]any{"members.#": 1, "members.0.id": "ann", "members.0.unit": "north"}},
	{name: "members of a branch", method: "GET", path: "/api/v1/members?unit=south", status: 200, want: map[string]any{"members.#": 1, "members.0.id": "bob"}},
	{name: "members of an unknown unit", method: "GET", path: "/api/v1/members?unit=west", status: 400, want: invalid("unit")},
	{name: "members by a filter the API does not take", method: "GET", path: "/api/v1/members?branch=north-cp", status: 400, want: invalid("branch")},
	{name: "members page", method: "GET", path: "/api/v1/members?limit=1&offset=1", status: 200, want: map[string]any{"members.#": 1, "members.0.id": "bob"}},
	{name: "members bad limit", method: "GET", path: "/api/v1/members?limit=lots", status: 400, want: invalid("limit")},
	{name: "members limit too big", method: "GET", path: "/api/v1/members?limit=100000", status: 400, want: invalid("limit")},
	{name: "members bad offset", method: "GET", path: "/api/v1/members?offset=-1", status: 400, want: invalid("offset")},

	// Decisions.
	{name: "suspend ann", method: "POST", path: "/api/v1/members/ann/status",
		body: `{"status":"admin_suspended","from":"2016-04-29","body":"nec","reason":"bringing the party into disrepute","case":"c-1"}`, status: 201,
		want: map[string]any{"event.type": "member.status_changed", "event.subject": "ann", "event.effective": "2016-04-29", "event.data.clause": "6.I.1.B"},
		save: map[string]string{"suspension": "event.id"}},
	{name: "general secretary may not expel", method: "POST", path: "/api/v1/members/bob/status",
		body: `{"status":"expelled","from":"2016-05-01","body":"general_secretary"}`, status: 422,
		want: code("not_permitted"), contains: []string{"6.I.1.C"}},
	{name: "suspension too long", method: "POST", path: "/api/v1/members/bob/status",
		body: `{"status":"sanction_suspended","from":"2016-05-01","until":"2019-05-01","then":"active","body":"ncc","sanction":"suspension_office_representation"}`, status: 422,
		want: code("not_permitted"), contains: []string{"2 years"}},
	{name: "status without body", method: "POST", path: "/api/v1/members/bob/status", body: `{"status":"admin_suspended","from":"2016-05-01"}`, status: 400, want: invalid("body")},
	{name: "status bad date", method: "POST", path: "/api/v1/members/bob/status", body: `{"status":"admin_suspended","from":"29 April","body":"nec"}`, status: 400, want: invalid("from")},
	{name: "status bad until", method: "POST", path: "/api/v1/members/bob/status", body: `{"status":"admin_suspended","from":"2016-05-01","until":"soon","body":"nec"}`, status: 400, want: invalid("until")},
	{name: "status bad credit date", method: "POST", path: "/api/v1/members/bob/status", body: `{"status":"admin_suspended","from":"2016-05-01","credit_from":"x","body":"nec"}`, status: 400, want: invalid("credit_from")},
	{name: "status missing", method: "POST", path: "/api/v1/members/bob/status", body: `{"from":"2016-05-01","body":"nec"}`, status: 400, want: invalid("status")},
	{name: "status of nobody", method: "POST", path: "/api/v1/members/zed/status", body: `{"status":"admin_suspended","from":"2016-05-01","body":"nec"}`, status: 404, want: code("not_found")},
	{name: "restrict bob", method: "POST", path: "/api/v1/members/bob/restrictions",
		body: `{"rights":{"canvass":false},"from":"2016-05-01","until":"2016-12-31","body":"nec","reason":"leaflet dispute"}`, status: 201,
		want: map[string]any{"event.type": "member.rights_restricted", "event.data.rights.canvass": false}, save: map[string]string{"restriction": "event.id"}},
	{name: "restrict unknown action", method: "POST", path: "/api/v1/members/bob/restrictions", body: `{"rights":{"fly":false},"from":"2016-05-01"}`, status: 400, want: invalid("rights")},
	{name: "restrict bad date", method: "POST", path: "/api/v1/members/bob/restrictions", body: `{"rights":{"canvass":false},"from":"2016-05-01","until":"2016-13-01"}`, status: 400, want: invalid("until")},
	{name: "restrict nobody", method: "POST", path: "/api/v1/members/zed/restrictions", body: `{"rights":{"canvass":false},"from":"2016-05-01"}`, status: 404, want: code("not_found")},
	{name: "update ann", method: "PATCH", path: "/api/v1/members/ann", body: `{"phone":"0100 000"}`, status: 200,
		want: map[string]any{"member.phone": "0100 000", "member.email": "ann@example.org", "event.type": "member.updated", "event.effective": "2016-06-01"}},
	{name: "update nothing", method: "PATCH", path: "/api/v1/members/ann", body: `{}`, status: 400, want: invalid("body")},
	{name: "update bad email", method: "PATCH", path: "/api/v1/members/ann", body: `{"email":"@"}`, status: 400, want: invalid("email")},
	{name: "update to an unknown unit", method: "PATCH", path: "/api/v1/members/ann", body: `{"unit":"west"}`, status: 400, want: invalid("unit")},
	{name: "update nobody", method: "PATCH", path: "/api/v1/members/zed", body: `{"phone":"1"}`, status: 404, want: code("not_found")},

	// Reading a member.
	{name: "ann", method: "GET", path: "/api/v1/members/ann", status: 200, want: map[string]any{
		"member.name": "Ann Archer", "member.phone": "0100 000", "today": "2016-06-01", "status_history.#": 2,
		"status_history.0.status": "active", "status_history.1.status": "admin_suspended", "status_history.1.from": "2016-04-29",
		"status_history.1.body": "nec", "status_today.status": "admin_suspended", "restrictions.#": 0,
		"member.unit": "north", "units.#": 2, "units.0.id": "north", "units.1.id": "north-cp", "units.1.kind": "constituency"}},
	{name: "bob", method: "GET", path: "/api/v1/members/bob", status: 200, want: map[string]any{
		"restrictions.#": 1, "restrictions.0.until": "2016-12-31", "status_today.status": "active"}},
	{name: "nobody", method: "GET", path: "/api/v1/members/zed", status: 404, want: code("not_found")},
	{name: "ann's events", method: "GET", path: "/api/v1/members/ann/events", status: 200, want: map[string]any{
		"events.#": 3, "events.0.type": "member.joined", "events.1.type": "member.status_changed", "events.2.type": "member.updated"}},
	{name: "nobody's events", method: "GET", path: "/api/v1/members/zed/events", status: 404, want: code("not_found")},
	{name: "ann's history now", method: "GET", path: "/api/v1/members/ann/history", status: 200, want: map[string]any{"status_history.#": 2, "as_recorded": "2016-06-01T10:00:00Z"}},
	{name: "history bad instant", method: "GET", path: "/api/v1/members/ann/history?as_recorded=yesterday", status: 400, want: invalid("as_recorded")},

	// Eligibility: a suspended member on several actions and dates.
	{name: "suspended may attend branch", method: "GET", path: "/api/v1/eligibility?member=ann&action=attend_branch_meetings&date=2016-06-01", status: 200, want: map[string]any{
		"allowed": true, "status": "admin_suspended", "clause.id": "6.I.1.B", "clause.text": "*", "rule_book_version": "2016", "decided_by": "rights_matrix", "reason": "*"}},
	{name: "suspended may not sign nominations", method: "GET", path: "/api/v1/eligibility?member=ann&action=sign_nomination_papers&date=2016-06-01", status: 200, want: map[string]any{
		"allowed": false, "status": "admin_suspended", "clause.id": "6.I.1.B"}},
	{name: "before the suspension", method: "GET", path: "/api/v1/eligibility?member=ann&action=sign_nomination_papers&date=2016-04-28", status: 200, want: map[string]any{
		"allowed": true, "status": "active", "clause.id": "2.II.1"}},
	{name: "short membership at the freeze date", method: "GET", path: "/api/v1/eligibility?member=carol&action=vote_in_selection&date=2016-07-01&freeze_date=2016-05-01", status: 200, want: map[string]any{
		"allowed": false, "decided_by": "condition", "clause.id": "5.I.2", "freeze_date": "2016-05-01"}},
	{name: "restriction decides", method: "GET", path: "/api/v1/eligibility?member=bob&action=canvass&date=2016-06-01", status: 200, want: map[string]any{
		"allowed": false, "decided_by": "restriction", "event": "{{restriction}}"}},
	{name: "today by default", method: "GET", path: "/api/v1/eligibility?member=bob&action=canvass", status: 200, want: map[string]any{"date": "2016-06-01"}},
	{name: "eligibility no member", method: "GET", path: "/api/v1/eligibility?action=canvass", status: 400, want: invalid("member")},
	{name: "eligibility no action", method: "GET", path: "/api/v1/eligibility?member=ann", status: 400, want: invalid("action")},
	{name: "eligibility unknown action", method: "GET", path: "/api/v1/eligibility?member=ann&action=fly", status: 400, want: invalid("action")},
	{name: "eligibility bad date", method: "GET", path: "/api/v1/eligibility?member=ann&action=canvass&date=2016-02-30", status: 400, want: invalid("date")},
	{name: "eligibility bad freeze date", method: "GET", path: "/api/v1/eligibility?member=ann&action=canvass&freeze_date=x", status: 400, want: invalid("freeze_date")},
	{name: "eligibility bad as_recorded", method: "GET", path: "/api/v1/eligibility?member=ann&action=canvass&as_recorded=2016-05-01T12:00", status: 400, want: invalid("as_recorded")},
	{name: "eligibility before any rules", method: "GET", path: "/api/v1/eligibility?member=ann&action=canvass&date=1990-01-01", status: 422,
		want: map[string]any{"error.code": "no_rules", "error.field": "date"}},
	{name: "eligibility of nobody", method: "GET", path: "/api/v1/eligibility?member=zed&action=canvass", status: 404, want: code("not_found")},
	{name: "electorate branch meetings", method: "GET", path: "/api/v1/electorate?action=attend_branch_meetings&date=2016-06-01", status: 200, want: map[string]any{
		"count": 3, "members.#": 3, "refused.#": 0, "rule_book_version": "2016"}},
	{name: "electorate selection", method: "GET", path: "/api/v1/electorate?action=vote_in_selection&date=2016-07-01&freeze_date=2016-05-01", status: 200, want: map[string]any{
		"count": 1, "members.0.member": "bob", "refused.admin_suspended": 1, "refused.condition": 1, "freeze_date": "2016-05-01"}},
	{name: "electorate under 1999 rules", method: "GET", path: "/api/v1/electorate?action=vote_in_selection&date=2007-01-01", status: 200, want: map[string]any{
		"count": 1, "members.0.member": "ann", "refused.not_member": 2, "rule_book_version": "1999"}},
	{name: "electorate of a constituency", method: "GET", path: "/api/v1/electorate?action=attend_branch_meetings&date=2016-06-01&unit=north-cp", status: 200, want: map[string]any{
		"count": 1, "members.0.member": "ann", "members.0.unit": "north"}},
	{name: "electorate of an unknown unit", method: "GET", path: "/api/v1/electorate?action=canvass&unit=west", status: 400, want: invalid("unit")},
	{name: "electorate by a filter the API does not take", method: "GET", path: "/api/v1/electorate?action=canvass&branch=north", status: 400, want: invalid("branch")},
	{name: "electorate no action", method: "GET", path: "/api/v1/electorate", status: 400, want: invalid("action")},
	{name: "electorate before rules", method: "GET", path: "/api/v1/electorate?action=canvass&date=1980-01-01", status: 422, want: code("no_rules")},

	// The record.
	{name: "events", method: "GET", path: "/api/v1/events", status: 200, want: map[string]any{"events.#": 12, "events.0.type": "rulebook.adopted", "events.0.seq": 1, "next_after": "-"},
		save: map[string]string{"adoption": "events.0.id"}},
	{name: "events page", method: "GET", path: "/api/v1/events?limit=2", status: 200, want: map[string]any{"events.#": 2, "next_after": 2}},
	{name: "events next page", method: "GET", path: "/api/v1/events?after=2&limit=2", status: 200, want: map[string]any{"events.0.seq": 3, "next_after": 4}},
	{name: "events by subject and type", method: "GET", path: "/api/v1/events?subject=ann&type=member.status_changed", status: 200, want: map[string]any{"events.#": 1, "events.0.id": "{{suspension}}"}},
	{name: "events bad after", method: "GET", path: "/api/v1/events?after=x", status: 400, want: invalid("after")},
	{name: "event", method: "GET", path: "/api/v1/events/{{suspension}}", status: 200, want: map[string]any{"subject": "ann", "hash": "*", "prev_hash": "*", "recorded": "2016-06-01T10:00:00Z"}},
	{name: "no such event", method: "GET", path: "/api/v1/events/ev_nothing", status: 404, want: code("not_found")},
	{name: "verify", method: "GET", path: "/api/v1/verify", status: 200, want: map[string]any{"ok": true, "events": 12, "head": "*", "problem": "-"}},

	// Corrections.
	{name: "correct the restriction", method: "POST", path: "/api/v1/corrections", body: `{"event_id":"{{restriction}}","reason":"entered against the wrong member"}`, status: 201,
		want: map[string]any{"event.type": "event.corrected", "event.subject": "bob", "event.data.corrects": "{{restriction}}"}},
	{name: "restriction gone", method: "GET", path: "/api/v1/members/bob", status: 200, want: map[string]any{"restrictions.#": 0}},
	{name: "correct twice", method: "POST", path: "/api/v1/corrections", body: `{"event_id":"{{restriction}}","reason":"again"}`, status: 409, want: code("conflict")},
	{name: "correct nothing", method: "POST", path: "/api/v1/corrections", body: `{"event_id":"ev_nothing","reason":"x"}`, status: 404, want: code("not_found")},
	{name: "correct without reason", method: "POST", path: "/api/v1/corrections", body: `{"event_id":"{{bobJoin}}"}`, status: 400, want: invalid("reason")},
	{name: "correct without event", method: "POST", path: "/api/v1/corrections", body: `{"reason":"x"}`, status: 400, want: invalid("event_id")},
	{name: "correct the adoption", method: "POST", path: "/api/v1/corrections", body: `{"event_id":"{{adoption}}","reason":"x"}`, status: 422, want: code("not_permitted")},

	// Import and export.
	{name: "import", method: "POST", path: "/api/v1/imports/members", ctype: "text/csv",
		body:   "id,name,email,branch,constituency,joined,status,status_since\ndave,Dave Dunn,dave@example.org,east,east-cp,2012-02-02,,\neve,Eve Evans,,north,,2013-03-03,admin_suspended,2016-05-20\n",
		status: 201, want: map[string]any{"members": 2, "units": 2, "events": 5}},
	{name: "import against the tree", method: "POST", path: "/api/v1/imports/members", ctype: "text/csv",
		body:   "id,name,joined,branch,constituency\nfay,Fay Ford,2012-02-02,north,east-cp\n",
		status: 400, want: map[string]any{"error.rows.0.row": 2, "error.rows.0.field": "constituency", "error.rows.0.reason": "the register has branch north within constituency north-cp, not east-cp"}},
	{name: "import a kind the rule book does not declare", method: "POST", path: "/api/v1/imports/members", ctype: "text/csv",
		body: "id,name,joined,region\nfay,Fay Ford,2012-02-02,north\n", status: 400, want: map[string]any{"error.rows.0.row": 1, "error.rows.0.field": "region"}},
	{name: "imported suspension", method: "GET", path: "/api/v1/members/eve", status: 200, want: map[string]any{"status_today.status": "admin_suspended", "status_today.from": "2016-05-20"}},
	{name: "import bad rows", method: "POST", path: "/api/v1/imports/members", ctype: "text/csv",
		body:   "id,name,joined,status\nfred,Fred,2012-01-01,\n,No Id,2012-01-01,\ngina,Gina,2012-13-01,\nann,Ann Again,2012-01-01,\nhal,Hal,2012-01-01,royalty\n",
		status: 400, want: map[string]any{"error.code": "invalid", "error.field": "body", "error.rows.#": 4,
			"error.rows.0.row": 3, "error.rows.0.field": "id", "error.rows.1.row": 4, "error.rows.1.field": "joined",
			"error.rows.2.row": 5, "error.rows.2.field": "id", "error.rows.3.row": 6, "error.rows.3.field": "status", "error.rows.3.reason": "*"}},
	{name: "nothing half-imported", method: "GET", path: "/api/v1/members/fred", status: 404},
	{name: "import no header", method: "POST", path: "/api/v1/imports/members", ctype: "text/csv", body: "", status: 400, want: map[string]any{"error.rows.0.row": 1, "error.rows.0.field": "header"}},
	{name: "import as JSON", method: "POST", path: "/api/v1/imports/members", body: `{"id":"x"}`, status: 415, want: code("unsupported_media_type")},
	{name: "import without credentials", method: "POST", path: "/api/v1/imports/members", ctype: "text/csv", body: "id,name,joined\nx,X,2012-01-01\n",
		hdr: map[string]string{"Authorization": ""}, status: 401, want: code("unauthorized")},
	{name: "export", method: "GET", path: "/api/v1/exports/members?date=2016-06-01", status: 200,
		contains: []string{"id,name,email,phone,address,constituency,branch,joined,status,status_since\n", "ann,Ann Archer,ann@example.org,0100 000,,north-cp,north,2000-05-01,admin_suspended,2016-04-29\n", "\neve,Eve Evans,"}},
	{name: "export earlier", method: "GET", path: "/api/v1/exports/members?date=2016-01-01", status: 200,
		contains: []string{"ann,Ann Archer,ann@example.org,0100 000,,north-cp,north,2000-05-01,active,2000-05-01\n", "carol,Carol Cole,,,,,,2016-03-01,,\n"}},
	{name: "export bad date", method: "GET", path: "/api/v1/exports/members?date=tomorrow", status: 400, want: invalid("date")},

	// The access log saw every read of ann's data, with who read it.
	{name: "access log of ann", method: "GET", path: "/api/v1/access-log?subject=ann", status: 200, want: map[string]any{
		"entries.#": 8, "entries.0.action": "view_event", "entries.0.detail": "{{suspension}}", "entries.0.actor": officer, "entries.0.actor_name": officer,
		"entries.0.subject": "ann", "entries.0.subject_name": "Ann Archer",
		"entries.0.at": "2016-06-01T10:00:00Z", "entries.2.action": "eligibility", "entries.2.detail": "sign_nomination_papers on 2016-04-28",
		"entries.7.action": "view_member"}},
	{name: "access log", method: "GET", path: "/api/v1/access-log?limit=2", status: 200, want: map[string]any{"entries.#": 2, "entries.0.action": "export_members", "entries.0.subject": "members"}},
	{name: "access log bad limit", method: "GET", path: "/api/v1/access-log?limit=x", status: 400, want: invalid("limit")},

	// Routing errors are JSON too.
	{name: "no such endpoint", method: "GET", path: "/api/v1/nothing", status: 404, want: code("not_found")},
	{name: "wrong method", method: "DELETE", path: "/api/v1/members/ann", status: 405, want: code("method_not_allowed")},
}

func TestAPI(t *testing.T) {
	sp := loadSpec(t)
	for _, eng := range sqldbtest.Engines {
		t.Run(eng, func(t *testing.T) {
			e := newEnv(t, sqldbtest.Open(t, eng))
			e.run(scenarios)
			// The disciplinary routes need a rule book that declares the procedure.
			k := newCaseEnv(t, sqldbtest.Open(t, eng))
			k.run(caseScenario)
			k.vars = map[string]string{"admin": "Bearer " + k.account("admin.ann", "", "administrator"), "dee": "Bearer " + k.account("dee.self", "dee", "member")}
			k.run(accessScenario)
			sel := newSelectionEnv(t, sqldbtest.Open(t, eng))
			sel.run(selectionScenario)
			sel.run(collegeScenario)
			checkRecorded(t, sp, append(append(e.recs, k.recs...), sel.recs...))
		})
	}
}

// checkReadLogged reads path as reader and checks that the read left one access-log
// entry naming the reader, the action and the subject.
func checkReadLogged(t *testing.T, e *env, path, reader, token, action, subject string) {
	t.Helper()
	if w := e.do("GET", path, "", "", map[string]string{"Authorization": "Bearer " + token}); w.Code != 200 {
		t.Fatalf("%s: %d %s", path, w.Code, w.Body)
	}
	if err := e.app.FlushAccessLog(context.Background()); err != nil {
		t.Fatal(err)
	}
	log, err := e.db.AccessLog(context.Background(), "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Actor != reader || log[0].Action != action || log[0].Subject != subject {
		t.Errorf("%s: last access-log entry %+v, want %s by %s on %s", path, log, action, reader, subject)
	}
}

// TestAccessLogged checks that each read of a member's data leaves an entry naming
// the reader and the member, and that reads of other data do not.
func TestAccessLogged(t *testing.T) {
	e := newEnv(t, sqldbtest.Open(t, "sqlite"))
	e.run([]step{
		{method: "POST", path: "/api/v1/members", body: `{"id":"ann","name":"Ann","joined":"2010-01-01"}`, status: 201},
	})
	reads := []struct {
		path, action, subject string
	}{
		{"/api/v1/members/ann", "view_member", "ann"},
		{"/api/v1/members/ann/history", "view_history", "ann"},
		{"/api/v1/members/ann/events", "view_events", "ann"},
		{"/api/v1/events?subject=ann", "view_events", "ann"},
		{"/api/v1/eligibility?member=ann&action=canvass", "eligibility", "ann"},
		{"/api/v1/electorate?action=canvass", "electorate", "electorate/canvass"},
		{"/api/v1/exports/members", "export_members", "members"},
		{"/api/v1/members", "list_members", "members"},
	}
	for i, rd := range reads {
		reader := fmt.Sprintf("reader-%d", i)
		checkReadLogged(t, e, rd.path, reader, e.account(reader, "", "officer"), rd.action, rd.subject)
	}
	e.app.FlushAccessLog(context.Background())
	before, _ := e.db.AccessLog(context.Background(), "", 0)
	for _, p := range []string{"/api/v1/verify", "/api/v1/rulebook", "/api/v1/units", "/api/v1/events?type=member.joined"} {
		e.do("GET", p, "", "", nil)
	}
	e.app.FlushAccessLog(context.Background())
	after, _ := e.db.AccessLog(context.Background(), "", 0)
	if len(after) != len(before) {
		t.Errorf("reads of no member's data were logged: %d entries, was %d", len(after), len(before))
	}
}

// TestActorIsTheAccount checks that a change is recorded as made by the account
// whose token made it, whatever a request claims in a header.
func TestActorIsTheAccount(t *testing.T) {
	e := newEnv(t, sqldbtest.Open(t, "sqlite"))
	e.run([]step{{method: "POST", path: "/api/v1/members", body: `{"id":"dan","name":"Dan","joined":"2010-01-01"}`,
		hdr: map[string]string{"X-Rulebook-Actor": "general.secretary"}, status: 201, want: map[string]any{"event.actor": officer}}})
}

// TestBitemporalHistory enters a suspension a week after it took effect, then
// withdraws it, and asks what the register believed at instants in between.
func TestBitemporalHistory(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.setClock("2010-01-05T09:00:00Z")
		e.run([]step{{method: "POST", path: "/api/v1/members", body: `{"id":"dee","name":"Dee Dale","joined":"2010-01-01"}`, status: 201}})
		// Suspended from 27 April, recorded on 4 May.
		e.setClock("2016-05-04T15:30:00.123456Z")
		var susp string
		{
			w := e.do("POST", "/api/v1/members/dee/status", "application/json", `{"status":"admin_suspended","from":"2016-04-27","body":"nec"}`, nil)
			if w.Code != 201 {
				t.Fatalf("suspend: %d %s", w.Code, w.Body)
			}
			var v struct{ Event struct{ ID string } }
			json.Unmarshal(w.Body.Bytes(), &v)
			susp = v.Event.ID
		}
		// Withdrawn on 10 May.
		e.setClock("2016-05-10T08:00:00Z")
		e.run([]step{{method: "POST", path: "/api/v1/corrections", body: `{"event_id":"` + susp + `","reason":"suspended in error"}`, status: 201}})
		e.setClock("2016-06-01T10:00:00Z")

		hist := "/api/v1/members/dee/history?as_recorded="
		elig := "/api/v1/eligibility?member=dee&action=hold_office&date=2016-04-28&as_recorded="
		e.run([]step{
			{name: "before joining was recorded", method: "GET", path: hist + "2010-01-05T08:59:59Z", status: 404, want: code("not_found")},
			{name: "after joining", method: "GET", path: hist + "2016-05-04T15:30:00Z", status: 200, want: map[string]any{
				"status_history.#": 1, "as_recorded": "2016-05-04T15:30:00Z", "status_today.status": "active"}},
			{name: "to the microsecond before", method: "GET", path: hist + "2016-05-04T15:30:00.123455Z", status: 200, want: map[string]any{"status_history.#": 1}},
			{name: "at the recording", method: "GET", path: hist + "2016-05-04T15:30:00.123456Z", status: 200, want: map[string]any{
				"status_history.#": 2, "status_history.1.status": "admin_suspended", "status_history.1.from": "2016-04-27", "status_history.1.event_id": susp}},
			{name: "in another zone", method: "GET", path: hist + url.QueryEscape("2016-05-08T00:00:00+02:00"), status: 200, want: map[string]any{
				"status_history.#": 2, "as_recorded": "2016-05-07T22:00:00Z"}},
			{name: "after the correction", method: "GET", path: hist + "2016-05-10T08:00:00Z", status: 200, want: map[string]any{"status_history.#": 1}},
			{name: "now", method: "GET", path: "/api/v1/members/dee", status: 200, want: map[string]any{"status_history.#": 1, "status_today.status": "active"}},
			// What was true on 28 April, as believed on 1 May, 5 May and now.
			{name: "believed on 1 May", method: "GET", path: elig + "2016-05-01T00:00:00Z", status: 200, want: map[string]any{"allowed": true, "status": "active"}},
			{name: "believed on 5 May", method: "GET", path: elig + "2016-05-05T00:00:00Z", status: 200, want: map[string]any{"allowed": false, "status": "admin_suspended", "clause.id": "6.I.1.B"}},
			{name: "believed now", method: "GET", path: "/api/v1/eligibility?member=dee&action=hold_office&date=2016-04-28", status: 200, want: map[string]any{"allowed": true}},
			{name: "not yet on the register", method: "GET", path: elig + "2009-01-01T00:00:00Z", status: 404, want: code("not_found")},
		})
	})
}

// TestTokenMatrix checks every route without a token, with wrong ones, with a
// revoked or expired one, with one of a disabled account, and with the right one:
// a request without credentials is answered as the public (the application then
// refuses what is not public with 401), a bad token is refused with 401 at once,
// and the right one is never refused as unauthenticated.
func TestTokenMatrix(t *testing.T) {
	e := newEnv(t, sqldbtest.Open(t, "sqlite"))
	ctx := app.WithPrincipal(context.Background(), app.OperatorPrincipal("test"))
	revoked := e.account("revoked.user", "", "officer")
	toks, _ := e.app.Tokens(ctx, "revoked.user")
	if err := e.app.RevokeToken(ctx, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	disabled := e.account("disabled.user", "", "officer")
	if _, err := e.app.ChangeAccount(ctx, "disabled.user", app.AccountInput{Display: "x", Roles: []string{"officer"}}, true); err != nil {
		t.Fatal(err)
	}
	expiring, _, err := e.app.CreateToken(ctx, officer, "short", rulebook.DateOf(e.now()).AddDays(1))
	if err != nil {
		t.Fatal(err)
	}
	e.setClock("2016-06-03T10:00:00Z")
	tokens := []struct {
		name, header string
		ok           bool
	}{
		{"none", "", false},
		{"wrong", "Bearer rbk_0000000000_not-a-token", false},
		{"prefix", "Bearer " + e.token[:len(e.token)-1], false},
		{"basic", "Basic " + e.token, false},
		{"revoked", "Bearer " + revoked, false},
		{"disabled account", "Bearer " + disabled, false},
		{"expired", "Bearer " + expiring, false},
		{"right", "Bearer " + e.token, true},
		{"right, lower-case scheme", "bearer " + e.token, true},
	}
	probe := map[string]bool{"GET /openapi.json": true, "GET /healthz": true}
	public := map[string]bool{"GET /openapi.json": true, "GET /healthz": true, "GET /api/v1/rulebook": true, "GET /api/v1/rulebook/versions/{id}": true,
		"GET /api/v1/public/statistics": true, "POST /api/v1/reports": true, "POST /api/v1/reports/status": true, "POST /api/v1/reports/information": true}
	for _, rt := range e.srv.routes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = pathVarRE.ReplaceAllString(path, "x")
		for _, tk := range tokens {
			body, ctype := "", ""
			if rt.write {
				body, ctype = "{}", "application/json"
			}
			r := httptest.NewRequest(method, path, strings.NewReader(body))
			if ctype != "" {
				r.Header.Set("Content-Type", ctype)
			}
			if tk.header != "" {
				r.Header.Set("Authorization", tk.header)
			}
			w := httptest.NewRecorder()
			e.srv.ServeHTTP(w, r)
			refused := w.Code == http.StatusUnauthorized
			want := !tk.ok && (tk.header != "" || !public[rt.pattern]) && !probe[rt.pattern]
			if refused != want {
				t.Errorf("%s with token %s: status %d, refused=%v want %v: %s", rt.pattern, tk.name, w.Code, refused, want, w.Body)
			}
			if refused {
				var v apiError
				json.Unmarshal(w.Body.Bytes(), &v)
				if v.Error.Code != "unauthorized" || w.Header().Get("WWW-Authenticate") == "" {
					t.Errorf("%s: 401 without the unauthorized code or WWW-Authenticate: %s", rt.pattern, w.Body)
				}
				if strings.Contains(w.Body.String(), e.token) {
					t.Errorf("%s: the token is echoed", rt.pattern)
				}
			}
		}
	}
}

// TestErrorTable checks that every stable code has one HTTP status, and that
// internal errors say nothing of their cause.
func TestErrorTable(t *testing.T) {
	want := map[string]int{"invalid": 400, "not_found": 404, "conflict": 409, "not_permitted": 422, "no_rules": 422,
		"tampered": 500, "internal": 500, "unauthorized": 401, "forbidden": 403, "rate_limited": 429, "method_not_allowed": 405, "too_large": 413, "unsupported_media_type": 415}
	for c, st := range want {
		if httpStatus[c] != st {
			t.Errorf("code %s → %d, want %d", c, httpStatus[c], st)
		}
	}
	if len(httpStatus) != len(want) {
		t.Errorf("the table has %d codes, the test knows %d", len(httpStatus), len(want))
	}
	// The codes documented in openapi.json are the codes of the table.
	sp := loadSpec(t)
	enum, _ := sp.ref("#/components/schemas/Error/properties/error/properties/code/enum").([]any)
	if len(enum) != len(want) {
		t.Errorf("openapi.json lists %d error codes, the table has %d", len(enum), len(httpStatus))
	}
	for _, c := range enum {
		if _, ok := httpStatus[c.(string)]; !ok {
			t.Errorf("openapi.json lists code %v, which the table lacks", c)
		}
	}

	r := httptest.NewRequest("GET", "/api/v1/verify", nil)
	w := httptest.NewRecorder()
	writeError(w, r, fmt.Errorf("query SELECT secret FROM members: disk full at /var/lib/rulebook.db"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret") || strings.Contains(w.Body.String(), "rulebook.db") {
		t.Errorf("internal error leaked: %d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	writeError(w, r, fmt.Errorf("wrapped: %w", &rulebook.Error{Code: "tampered", Message: "event ev_x was altered"}))
	if w.Code != 500 || !strings.Contains(w.Body.String(), `"code":"tampered"`) || !strings.Contains(w.Body.String(), "ev_x") {
		t.Errorf("tampered: %d %s", w.Code, w.Body)
	}
}

// TestInternalErrorHidden breaks the database under a running server.
func TestInternalErrorHidden(t *testing.T) {
	e := newEnv(t, sqldbtest.Open(t, "sqlite"))
	e.db.Close()
	for _, p := range []string{"/api/v1/members", "/api/v1/verify", "/api/v1/members/ann"} {
		w := e.do("GET", p, "", "", nil)
		if w.Code != 500 || !strings.Contains(w.Body.String(), `{"error":{"code":"internal","message":"internal error"}}`) {
			t.Errorf("%s: %d %s", p, w.Code, w.Body)
		}
	}
	w := e.do("GET", "/healthz", "", "", nil)
	if w.Code != 503 {
		t.Errorf("healthz with the database closed: %d %s", w.Code, w.Body)
	}
	checkRecordedOnly(t, e.recs)
}

// checkRecordedOnly validates recorded exchanges without requiring every route.
func checkRecordedOnly(t *testing.T, recs []exchange) {
	t.Helper()
	sp := loadSpec(t)
	for _, x := range recs {
		op := sp.operation(x.pattern)
		resps, _ := op["responses"].(map[string]any)
		resp := resps[fmt.Sprint(x.status)]
		if resp == nil {
			resp = resps["default"]
		}
		rm := sp.deref(resp)
		content, _ := rm["content"].(map[string]any)
		mt, _, _ := strings.Cut(x.ctype, ";")
		if mt != "application/json" {
			if content[mt] == nil {
				t.Errorf("%s %s → %d: response of type %q is not documented", x.method, x.target, x.status, x.ctype)
			}
			continue
		}
		media, _ := content["application/json"].(map[string]any)
		var v any
		json.Unmarshal(x.body, &v)
		for _, p := range sp.validate(media["schema"], v, "response") {
			t.Errorf("%s %s → %d: %s", x.method, x.target, x.status, p)
		}
	}
}

// TestTamperedRecord edits an event directly in the database, as someone with
// database access could, and asks the API to verify the record.
func TestTamperedRecord(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.run([]step{
			{method: "POST", path: "/api/v1/members", body: `{"id":"ann","name":"Ann","joined":"2010-01-01"}`, status: 201},
			{method: "POST", path: "/api/v1/members/ann/status", body: `{"status":"expelled","from":"2012-01-01","body":"nec"}`, status: 201, save: map[string]string{"ex": "event.id"}},
			{method: "POST", path: "/api/v1/members", body: `{"id":"bob","name":"Bob","joined":"2010-01-01"}`, status: 201},
		})
		if err := sqldbtest.DisableAppendOnly(db); err != nil {
			t.Fatal(err)
		}
		// The adoption of the rule book is event 1, the officer's account and token 2
		// and 3, Ann's joining 4: her expulsion is 5.
		if err := sqldbtest.Exec(db, `UPDATE events SET data = REPLACE(data, 'expelled', 'active') WHERE seq = 5`); err != nil {
			t.Fatal(err)
		}
		e.run([]step{{name: "verify", method: "GET", path: "/api/v1/verify", status: 200, want: map[string]any{
			"ok": false, "events": 4, "problem.seq": 5, "problem.kind": "tampered", "problem.event_id": "*", "problem.message": "*"}}})
		checkRecordedOnly(t, e.recs)
	})
}

// TestBodyLimit sends a JSON body over 1 MiB.
func TestBodyLimit(t *testing.T) {
	e := newEnv(t, sqldbtest.Open(t, "sqlite"))
	big := `{"id":"ann","name":"` + strings.Repeat("a", maxJSONBody) + `","joined":"2010-01-01"}`
	w := e.do("POST", "/api/v1/members", "application/json", big, nil)
	if w.Code != 413 || !strings.Contains(w.Body.String(), `"code":"too_large"`) || !strings.Contains(w.Body.String(), "1 MiB") {
		t.Errorf("big body: %d %s", w.Code, w.Body)
	}
	// An import may be larger than 1 MiB.
	var csv bytes.Buffer
	// Long addresses keep the row count, and so the test's time, down.
	csv.WriteString("id,name,address,joined\n")
	addr := strings.Repeat("Flat 1, The Long Terrace, ", 80)
	for i := 0; csv.Len() <= maxJSONBody; i++ {
		fmt.Fprintf(&csv, "m%06d,Member %d,\"%s\",2010-01-01\n", i, i, addr)
	}
	w = e.do("POST", "/api/v1/imports/members", "text/csv", csv.String(), nil)
	if w.Code != 201 {
		t.Fatalf("import of %d bytes: %d %s", csv.Len(), w.Code, w.Body)
	}
	n, _ := e.db.CountMembers(context.Background())
	if !strings.Contains(w.Body.String(), fmt.Sprintf(`"members":%d`, n)) || n < 400 {
		t.Errorf("import: %s, %d members stored", w.Body, n)
	}
	checkRecordedOnly(t, e.recs)
}

// TestLongImportIsAnswered: an import that takes longer than the server lets an
// answer take (here it waits for the writer, held by another) is answered, not
// cut off: cut off, its client would think it failed though it is stored.
func TestLongImportIsAnswered(t *testing.T) {
	e := newEnv(t, sqldbtest.Open(t, "sqlite"))
	ts := httptest.NewUnstartedServer(e.srv)
	ts.Config.WriteTimeout = 300 * time.Millisecond
	ts.Start()
	defer ts.Close()
	hold, err := e.db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(time.Second)
		hold.Rollback()
	}()
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/imports/members", strings.NewReader("id,name,joined\nX0001,Slow Import,2010-01-01\n"))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "text/csv")
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("the import was cut off: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
}
