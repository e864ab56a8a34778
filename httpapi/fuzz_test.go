package httpapi

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// fuzzTargets are the endpoints whose input the fuzzer varies: a JSON body for
// writes, a query string for reads.
var fuzzTargets = []fuzzTarget{
	{"POST", "/api/v1/members"},
	{"POST", "/api/v1/members/ann/status"},
	{"POST", "/api/v1/members/ann/restrictions"},
	{"PATCH", "/api/v1/members/ann"},
	{"POST", "/api/v1/corrections"},
	{"POST", "/api/v1/units"},
	{"GET", "/api/v1/eligibility"},
	{"GET", "/api/v1/electorate"},
	{"GET", "/api/v1/events"},
	{"GET", "/api/v1/members/ann/history"},
	{"GET", "/api/v1/members"},
	{"GET", "/api/v1/exports/members"},
}

// FuzzRequests sends arbitrary bodies and query strings. Whatever comes in, the
// answer is never a 500, and an error is always the documented JSON shape with a
// status that matches its code.
func FuzzRequests(f *testing.F) {
	f.Add(uint8(0), "", `{"id":"bob","name":"Bob","joined":"2012-01-01","status":"active"}`)
	f.Add(uint8(1), "", `{"status":"admin_suspended","from":"2016-04-29","body":"nec","rights":{"canvass":true}}`)
	f.Add(uint8(1), "", `{"status":"sanction_suspended","from":"2016-05-01","until":"2018-05-01","then":"active","body":"ncc","sanction":"suspension_office_representation","credit_from":"2016-04-01"}`)
	f.Add(uint8(2), "", `{"rights":{"hold_office":false},"from":"2016-05-01","until":"2017-01-01"}`)
	f.Add(uint8(3), "", `{"name":"Ann B","email":"a@b.c"}`)
	f.Add(uint8(4), "", `{"event_id":"ev_x","reason":"r"}`)
	f.Add(uint8(5), "", `{"id":"x","name":"X","parent":"y","effective":"2016-02-29"}`)
	f.Add(uint8(6), "member=ann&action=vote_in_selection&date=2016-06-01&freeze_date=2016-01-01&as_recorded=2016-06-01T00:00:00Z", "")
	f.Add(uint8(7), "action=canvass&date=1999-01-01", "")
	f.Add(uint8(8), "after=1&limit=3&subject=ann&type=member.joined", "")
	f.Add(uint8(9), "as_recorded=2016-06-01T10:00:00.5%2B01:00", "")
	f.Add(uint8(10), "limit=1000&offset=99999999999999999999", "")
	f.Add(uint8(11), "date=0000-01-01", "")
	f.Add(uint8(0), "", `{"id":"\u0000","name":[],"joined":{}}`)
	f.Add(uint8(1), "", `{"status":"active","from":"9999-12-31","body":"nec","rights":{"":null}}`)
	e := newEnv(f, sqldbtest.Open(f, "sqlite"))
	if w := e.do("POST", "/api/v1/members", "application/json", `{"id":"ann","name":"Ann","joined":"2000-05-01"}`, nil); w.Code != 201 {
		f.Fatalf("seed member: %d %s", w.Code, w.Body)
	}
	f.Fuzz(func(t *testing.T, which uint8, query, body string) {
		fuzzRequest(t, e, fuzzTargets[int(which)%len(fuzzTargets)], query, body, false)
	})
}

// fuzzTarget is an endpoint whose input a fuzzer varies.
type fuzzTarget struct{ method, path string }

// fuzzRequest sends body and query to tg and fails t on a 500, or on an error that
// is not the documented JSON shape with a status matching its code. With
// namesField, an error refusing the request as invalid must also name the field.
func fuzzRequest(t *testing.T, e *env, tg fuzzTarget, query, body string, namesField bool) {
	t.Helper()
	q, err := url.ParseQuery(query)
	if err != nil {
		return
	}
	target := tg.path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	ctype := ""
	if tg.method != "GET" {
		ctype = "application/json"
	}
	e.t = t
	e.recs = e.recs[:0]
	w := e.do(tg.method, target, ctype, body, nil)
	if w.Code >= 500 {
		t.Fatalf("%s %s %q: %d %s", tg.method, target, body, w.Code, w.Body)
	}
	if w.Code < 400 {
		return
	}
	var v apiError
	dec := json.NewDecoder(strings.NewReader(w.Body.String()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s %s %q: error is not the JSON shape: %v: %s", tg.method, target, body, err, w.Body)
	}
	if httpStatus[v.Error.Code] != w.Code || v.Error.Message == "" {
		t.Fatalf("%s %s %q: status %d with code %q: %s", tg.method, target, body, w.Code, v.Error.Code, w.Body)
	}
	if namesField && v.Error.Code == "invalid" && v.Error.Field == "" {
		t.Fatalf("%s %s %q: invalid without naming the field: %s", tg.method, target, body, w.Body)
	}
}
