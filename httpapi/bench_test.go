package httpapi

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
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
		r.Header.Set("Authorization", "Bearer "+e.token)
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

// caseBenchEnv is a server over SQLite with the case scenario played, then n more
// complaint cases opened and acknowledged through the service, each with its own
// complaint, so deadlines and statistics have rows to work through.
func caseBenchEnv(b *testing.B, n int) *env {
	e := newCaseEnv(b, sqldbtest.Open(b, "sqlite"))
	e.run(caseScenario)
	octx := app.WithPrincipal(context.Background(), app.OperatorPrincipal("bench"))
	d := rulebook.MustDate
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("B-%05d", i)
		if _, err := e.app.ReceiveComplaint(octx, d("2016-09-01"), rulebook.ComplaintReceived{ID: "C" + id, Respondent: "pat", Complainant: "dee",
			From: "member", Via: "api", Conduct: d("2016-08-30"), Clauses: []string{"2.I.8"}, Summary: "S."}); err != nil {
			b.Fatal(err)
		}
		if _, err := e.app.OpenCase(octx, discipline.OpenInput{ID: id, Kind: "complaint", Respondent: "pat", Date: d("2016-09-01"), Complaints: []string{"C" + id}}); err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := e.app.TakeStep(octx, id, discipline.Command{Transition: "acknowledge", Date: d("2016-09-02"), Body: "compliance_unit"}); err != nil {
				b.Fatal(err)
			}
		}
	}
	return e
}

// BenchmarkCaseView reads one case with the steps open to it (and logs the read).
func BenchmarkCaseView(b *testing.B) {
	e := caseBenchEnv(b, 0)
	benchGet(b, e, "/api/v1/cases/D-1")
}

// BenchmarkDeadlines1k lists the due dates of 1,000 open cases.
func BenchmarkDeadlines1k(b *testing.B) {
	e := caseBenchEnv(b, 1000)
	benchGet(b, e, "/api/v1/deadlines?on=2016-10-01&within=456")
}

// BenchmarkStatistics1k computes the statistics over 1,000 cases.
func BenchmarkStatistics1k(b *testing.B) {
	e := caseBenchEnv(b, 1000)
	benchGet(b, e, "/api/v1/statistics")
}
