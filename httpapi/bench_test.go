package httpapi

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// benchEnv is a server over SQLite with n imported members.
func benchEnv(b *testing.B, n int) *env {
	e := newEnv(b, sqldbtest.Open(b, "sqlite"))
	var csv strings.Builder
	csv.WriteString("id,name,branch,joined\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&csv, "m%06d,Member %d,b%d,2010-01-01\n", i, i, i%20)
	}
	if w := e.do("POST", "/api/v1/imports/members", "text/csv", csv.String(), nil); w.Code != 201 {
		b.Fatalf("import: %d %s", w.Code, w.Body)
	}
	return e
}

func benchGet(b *testing.B, e *env, target string) {
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", target, nil)
		r.Header.Set("Authorization", "Bearer "+testToken)
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

// BenchmarkEligibility is one answer over HTTP in process, including the
// access-log write every answer makes.
func BenchmarkEligibility(b *testing.B) {
	e := benchEnv(b, 1000)
	benchGet(b, e, "/api/v1/eligibility?member=m000500&action=vote_in_selection&date=2016-06-01&freeze_date=2016-05-01")
}

// BenchmarkMember reads one member's whole standing.
func BenchmarkMember(b *testing.B) {
	e := benchEnv(b, 1000)
	benchGet(b, e, "/api/v1/members/m000500")
}

// BenchmarkElectorate10k lists the electorate of 10,000 members as JSON.
func BenchmarkElectorate10k(b *testing.B) {
	e := benchEnv(b, 10000)
	benchGet(b, e, "/api/v1/electorate?action=attend_branch_meetings&date=2016-06-01")
}
