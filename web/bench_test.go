package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/httpapi"
	"github.com/rulebook/rulebook/memberscsv"
)

// The page benchmarks serve the main pages of a large organisation, measured
// beside /healthz (the floor: routing, headers and a database ping) in the same
// run, and report each page's time as a multiple of it. The organisation has
// RULEBOOK_BENCH_MEMBERS members imported (900,000 by default) and the members and
// cases of RULEBOOK_BENCH_CASES generated cases (100,000) from the Labour example's
// case plan. Building it takes a minute or two; RULEBOOK_BENCH_DB names a SQLite
// file or an (existing, empty) PostgreSQL database to keep it in, reused when it
// holds members.
func benchCount(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n >= 0 {
		return n
	}
	return def
}

func benchMembers() int { return benchCount("RULEBOOK_BENCH_MEMBERS", 900_000) }
func benchCases() int   { return benchCount("RULEBOOK_BENCH_CASES", 100_000) }

// benchAccounts are the staff and a member who use the pages; the member is the
// respondent of the generated case B000010.
var benchAccounts = []app.AccountInput{
	{Name: "casey", Display: "Casey Morgan", Roles: []string{"compliance_unit"}},
	{Name: "morag", Display: "Morag Keele", Roles: []string{"general_secretary"}},
	{Name: "tom", Display: "Tom Aldous", Roles: []string{"ncc"}},
	{Name: "paula", Display: "Paula Reyes", Roles: []string{"membership_office"}},
	{Name: "b10", Display: "Member 10", Member: "b000010", Roles: []string{rulebook.RoleMember}},
}

func benchOrganisation(b *testing.B) *fixture {
	b.Helper()
	ctx := context.Background()
	dsn := os.Getenv("RULEBOOK_BENCH_DB")
	if dsn == "" {
		dsn = filepath.Join(b.TempDir(), "bench.db")
	}
	a, db := labourApp(b, dsn, nil)
	n, err := db.CountMembers(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if n == 0 {
		start := time.Now()
		members, cases := benchMembers(), benchCases()
		var csv bytes.Buffer
		if err := memberscsv.Generate(&csv, members, 1, []memberscsv.Level{{Kind: "constituency", Count: 200}, {Kind: "branch", Count: 2000}}, []string{"lapsed", "admin_suspended"}); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Import(operator(), &csv, "generated.csv", false, nil); err != nil {
			b.Fatal(err)
		}
		plan, err := discipline.ReadCasePlan("../examples/labour-2016-cases.json")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.Discipline().GenerateCases(ctx, plan, cases); err != nil {
			b.Fatal(err)
		}
		for _, x := range benchAccounts {
			if _, err := a.CreateAccount(operator(), x, demo.Password); err != nil {
				b.Fatal(err)
			}
			if err := a.ProvisionSecondFactor(operator(), x.Name, demo.TOTPSecret); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("built %d members and %d cases on %s in %s", members, cases, db.Dialect(), time.Since(start).Round(time.Second))
	}
	srv, err := New(a, Options{})
	if err != nil {
		b.Fatal(err)
	}
	f := &fixture{srv: srv, app: a, db: db, sessions: map[string]string{}}
	for i, x := range benchAccounts {
		f.sessions[x.Name] = f.signIn(b, x.Name, "192.0.2."+strconv.Itoa(i+1))
	}
	return f
}

// benchPage is a page served to an account in a benchmark; want is something it
// must show, so that a page answering quickly with nothing is caught.
type benchPage struct{ name, who, path, want string }

// BenchmarkPages serves the main pages of the large organisation, each to the
// account it is for. The figure to read is x-healthz: the page's time over the
// floor's.
func BenchmarkPages(b *testing.B) {
	f := benchOrganisation(b)
	// A member and a case from the middle of the register and the record (for the
	// sizes the database was built with, which must be the sizes asked for).
	member := fmt.Sprintf("G%07d", max(1, benchMembers()/2))
	kase := fmt.Sprintf("B%06d", benchCases()/8+5)
	benchPages(b, f, []benchPage{
		{"transparency", "", "/transparency", "2016"},
		{"rules-version", "", "/rules/2016", "Rule Book 2016"},
		{"dashboard-staff", "casey", "/dashboard", "/cases/B"},
		{"dashboard-secretary", "morag", "/dashboard", "/cases/B"},
		{"dashboard-member", "b10", "/dashboard", "/cases/B000010"},
		{"member-search-name", "paula", "/members?q=Ada+Hale", "/members/G"},
		{"member-search-surname", "paula", "/members?q=hale", "/members/G"},
		{"member-search-id", "paula", "/members?q=" + member, "/members/" + member},
		{"member", "paula", "/members/" + member, member},
		{"cases", "morag", "/cases", "/cases/B"},
		{"cases-open", "casey", "/cases?open=open", "/cases/B"},
		{"cases-clause", "morag", "/cases?clause=2.I.8&offset=" + strconv.Itoa(min(500, benchCases()/4)), "/cases/B"},
		{"case", "morag", "/cases/" + kase, kase},
		{"case-own", "b10", "/cases/B000010", "B000010"},
		{"complaints", "casey", "/complaints", "Complaints"},
		{"deadlines", "casey", "/deadlines", "/cases/B"},
		{"statistics", "morag", "/statistics", "<svg"},
		{"precedents", "tom", "/precedents?clause=2.I.8&factor=AGG-PUBLIC", "shared 1"},
		{"access-log", "morag", "/access-log", "<tbody><tr>"},
	})
}

// BenchmarkDemoPages serves the same pages of the demo organisation.
func BenchmarkDemoPages(b *testing.B) {
	benchPages(b, demoFixture(b), []benchPage{
		{"transparency", "", "/transparency", "2016"},
		{"rules-version", "", "/rules/2016", "Rule Book 2016"},
		{"dashboard-staff", "casey", "/dashboard", "/cases/D-"},
		{"dashboard-secretary", "morag", "/dashboard", "/cases/D-"},
		{"dashboard-member", "rowan", "/dashboard", "/cases/D-2016-001"},
		{"member-search-name", "paula", "/members?q=Rowan+Ashdown", "/members/" + demo.Protagonist},
		{"member", "paula", "/members/" + demo.Protagonist, demo.Protagonist},
		{"cases", "morag", "/cases", "/cases/D-"},
		{"case", "morag", "/cases/D-2016-001", "D-2016-001"},
		{"case-own", "rowan", "/cases/D-2016-001", "D-2016-001"},
		{"complaints", "casey", "/complaints", "Complaints"},
		{"deadlines", "casey", "/deadlines", "Deadlines"},
		{"statistics", "morag", "/statistics", "<svg"},
		{"precedents", "tom", "/precedents?clause=2.I.8&factor=AGG-PUBLIC", "shared"},
		{"access-log", "morag", "/access-log", "<tbody><tr>"},
	})
}

// benchPages measures /healthz, then each page, reporting its time as a multiple
// of the floor's.
func benchPages(b *testing.B, f *fixture, pages []benchPage) {
	pages = append([]benchPage{{"healthz", "", "/healthz", "ok"}}, pages...)
	var floor float64
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				r := httptest.NewRequest("GET", p.path, nil)
				if p.who != "" {
					r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: f.sessions[p.who]})
				}
				r.RemoteAddr = "198.51.100.7:1234"
				w := httptest.NewRecorder()
				f.srv.ServeHTTP(w, r)
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), p.want) {
					b.Fatalf("%s as %s: %d %s, not showing %q", p.path, p.who, w.Code, brief(w), p.want)
				}
			}
			per := float64(b.Elapsed()) / float64(b.N)
			if p.name == "healthz" {
				floor = per
			} else if floor > 0 {
				b.ReportMetric(per/floor, "x-healthz")
			}
		})
	}
}
