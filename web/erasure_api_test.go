package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/httpapi"
)

// TestRetentionAPI: the JSON API lists what the retention schedule says is due
// on a day (erasing nothing), erases it only for a day given, and erases a
// member's particulars on a request with its reason.
func TestRetentionAPI(t *testing.T) {
	f := demoFixture(t)
	ask := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if method != "GET" {
			r.Header.Set("Content-Type", "application/json")
		}
		r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: f.sessions["morag"]})
		r.RemoteAddr = "198.51.100.7:1234"
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, r)
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
		return w.Code, out
	}
	records := func(out map[string]any) []any { x, _ := out["records"].([]any); return x }
	code, due := ask("GET", "/api/v1/retention?on=2026-12-01", "")
	if code != 200 || due["erased"] != false || len(records(due)) == 0 {
		t.Fatalf("due: %d %v", code, due)
	}
	// Asked again, the same: looking erased nothing.
	if code, again := ask("GET", "/api/v1/retention?on=2026-12-01", ""); code != 200 || len(records(again)) != len(records(due)) {
		t.Fatalf("due again: %d %v", code, again)
	}
	if code, out := ask("POST", "/api/v1/retention", `{}`); code != 400 || !strings.Contains(out["error"].(map[string]any)["field"].(string), "on") {
		t.Fatalf("a run without its day: %d %v", code, out)
	}
	code, done := ask("POST", "/api/v1/retention", `{"on":"2026-12-01"}`)
	if code != 200 || done["erased"] != true || len(records(done)) != len(records(due)) {
		t.Fatalf("run: %d %v", code, done)
	}
	for _, x := range records(done) {
		if x.(map[string]any)["event"] == "" {
			t.Errorf("an erasure without its event: %v", x)
		}
	}
	if code, after := ask("GET", "/api/v1/retention?on=2026-12-01", ""); code != 200 || len(records(after)) != 0 {
		t.Fatalf("due after the run: %d %v", code, after)
	}
	if code, out := ask("POST", "/api/v1/members/M0005/erasure", `{"reason":""}`); code != 400 {
		t.Fatalf("a request without its reason: %d %v", code, out)
	}
	code, x := ask("POST", "/api/v1/members/M0002/erasure", `{"reason":"request of 20 November 2026, identity checked"}`)
	if code != 200 || x["subject"] != "M0002" || x["basis"] != "request" || x["events"].(float64) < 1 || x["event"] == "" {
		t.Fatalf("a request: %d %v", code, x)
	}
	if res, err := f.app.Verify(operator(), nil); err != nil || !res.OK {
		t.Fatalf("verify after the erasures: %+v %v", res, err)
	}
}
