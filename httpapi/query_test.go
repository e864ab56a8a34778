package httpapi

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// Every API route refuses a query parameter it does not take with 400, naming the
// parameter and those it takes, rather than answering as if unfiltered.
func TestUnknownQueryParameterRefused(t *testing.T) {
	e := newEnv(t, sqldbtest.Open(t, "sqlite"))
	n := 0
	for _, rt := range e.srv.routes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		path = pathVarRE.ReplaceAllString(path, "x")
		t.Run(rt.pattern, func(t *testing.T) {
			body, ctype := "", ""
			if rt.write {
				body, ctype = "{}", "application/json"
			}
			r := httptest.NewRequest(method, path+"?frobnicate=1", strings.NewReader(body))
			if ctype != "" {
				r.Header.Set("Content-Type", ctype)
			}
			r.Header.Set("Authorization", "Bearer "+e.token)
			w := httptest.NewRecorder()
			e.srv.ServeHTTP(w, r)
			var v apiError
			json.Unmarshal(w.Body.Bytes(), &v)
			if w.Code != 400 || v.Error.Code != "invalid" || v.Error.Field != "frobnicate" || !strings.Contains(v.Error.Message, `"frobnicate"`) {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			for _, name := range rt.query {
				if !strings.Contains(v.Error.Message, strings.TrimSuffix(name, "...")) {
					t.Errorf("the message does not name %s, which the route takes: %s", name, v.Error.Message)
				}
			}
			if len(rt.query) == 0 && !strings.Contains(v.Error.Message, "takes no query parameters") {
				t.Errorf("the message does not say the route takes none: %s", v.Error.Message)
			}
			// A parameter without a name: the query is named.
			r = httptest.NewRequest(method, path+"?=1", strings.NewReader(body))
			if ctype != "" {
				r.Header.Set("Content-Type", ctype)
			}
			r.Header.Set("Authorization", "Bearer "+e.token)
			w = httptest.NewRecorder()
			e.srv.ServeHTTP(w, r)
			v = apiError{}
			json.Unmarshal(w.Body.Bytes(), &v)
			if w.Code != 400 || v.Error.Code != "invalid" || v.Error.Field != "query" || !strings.Contains(v.Error.Message, `no name ("=1")`) {
				t.Errorf("a parameter without a name: status %d: %s", w.Code, w.Body)
			}
		})
		n++
	}
	if n < 50 {
		t.Fatalf("only %d API routes checked", n)
	}
}

// Malformed values are refused with the parameter named, and the names and
// defaults are the command line's.
func TestQueryParameterVocabulary(t *testing.T) {
	e := newEnv(t, sqldbtest.Open(t, "sqlite"))
	e.setClock("2016-06-01T10:00:00Z")
	e.run([]step{
		{name: "constituency", method: "POST", path: "/api/v1/units", body: `{"id":"north-cp","name":"North Constituency","kind":"constituency","effective":"1999-01-01"}`, status: 201},
		{name: "branch", method: "POST", path: "/api/v1/units", body: `{"id":"north","name":"North Ward","kind":"branch","parent":"north-cp","effective":"1999-01-01"}`, status: 201},
		{name: "ann joins", method: "POST", path: "/api/v1/members", body: joinAnn, status: 201},
		{name: "the command line's spelling", method: "GET", path: "/api/v1/electorate?action=canvass&freeze-date=2016-01-01", status: 400,
			want: invalid("freeze-date"), contains: []string{"did you mean freeze_date?", "action, date, freeze_date, unit"}},
		{name: "deadlines on garbage", method: "GET", path: "/api/v1/deadlines?on=garbage", status: 400, want: invalid("on")},
		{name: "deadlines, the old name", method: "GET", path: "/api/v1/deadlines?overdue_on=2016-01-01", status: 400, want: invalid("overdue_on"),
			contains: []string{"on, within, limit"}},
		{name: "deadlines within a negative", method: "GET", path: "/api/v1/deadlines?within=-3", status: 400, want: invalid("within")},
		{name: "deadlines default as the command line's", method: "GET", path: "/api/v1/deadlines", status: 200,
			want: map[string]any{"on": "2016-06-01", "within": 30, "until": "2016-07-01"}},
		{name: "deadlines on and within", method: "GET", path: "/api/v1/deadlines?on=2017-01-01&within=10", status: 200,
			want: map[string]any{"on": "2017-01-01", "until": "2017-01-11"}},
		{name: "an empty value", method: "GET", path: "/api/v1/eligibility?member=ann&action=canvass&freeze_date=", status: 400, want: invalid("freeze_date")},
		{name: "a value twice", method: "GET", path: "/api/v1/eligibility?member=ann&action=canvass&date=2016-06-01&date=2010-01-01", status: 400, want: invalid("date")},
		{name: "a repeatable one twice", method: "GET", path: "/api/v1/precedents?clause=2.I.8&factor=A&factor=B", status: 200},
		{name: "waiting neither true nor false", method: "GET", path: "/api/v1/complaints?waiting=yes", status: 400, want: invalid("waiting")},
		{name: "a query on a change", method: "POST", path: "/api/v1/members?dry_run=true", body: joinBob, status: 400, want: invalid("dry_run")},
		{name: "eligibility without a date is today's", method: "GET", path: "/api/v1/eligibility?member=ann&action=canvass", status: 200,
			want: map[string]any{"date": "2016-06-01"}},
		{name: "as_recorded, a date", method: "GET", path: "/api/v1/eligibility?member=ann&action=canvass&date=2016-06-01&as_recorded=2016-06-01", status: 200},
		{name: "as_recorded, a date before joining was recorded", method: "GET", path: "/api/v1/members/ann/history?as_recorded=2016-05-31", status: 404},
		{name: "as_recorded, a date in history", method: "GET", path: "/api/v1/members/ann/history?as_recorded=2016-06-01", status: 200,
			want: map[string]any{"as_recorded": "2016-06-01T23:59:59.999999Z"}},
		{name: "as_recorded, neither", method: "GET", path: "/api/v1/members/ann/history?as_recorded=yesterday", status: 400, want: invalid("as_recorded"),
			contains: []string{"RFC 3339", "YYYY-MM-DD"}},
	})
}

// Input refused is explained without Go, a joining in the future is refused with
// its field, and an import answers with the units it created.
func TestInputRefusedInWords(t *testing.T) {
	e := newEnv(t, sqldbtest.Open(t, "sqlite"))
	e.setClock("2016-06-01T10:00:00Z")
	e.run([]step{
		{name: "an array for an object", method: "POST", path: "/api/v1/members", body: `[]`, status: 400,
			want: map[string]any{"error.field": "body", "error.message": "expected an object, got a JSON array"}},
		{name: "a number for a name", method: "POST", path: "/api/v1/members", body: `{"id":"x","name":5}`, status: 400,
			want: map[string]any{"error.field": "name", "error.message": "expected a string, got a JSON number"}},
		{name: "joined in the future", method: "POST", path: "/api/v1/members", body: `{"id":"fut","name":"F","joined":"2061-06-01"}`, status: 400,
			want: invalid("joined"), contains: []string{"2061-06-01 is in the future (today is 2016-06-01)"}},
		{name: "an import creating units", method: "POST", path: "/api/v1/imports/members", ctype: "text/csv",
			body: "id,name,joined,constituency,branch\nA1,Ann,2001-01-01,north-cp,north\nA2,Bob,2001-01-01,north-cp,nrth\n", status: 201,
			want: map[string]any{"units": 3, "new_units.#": 3, "new_units.1.id": "north", "new_units.2.id": "nrth", "new_units.2.like": "north", "new_units.2.row": 3}},
	})
}
