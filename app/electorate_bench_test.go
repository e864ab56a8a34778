package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/httpapi"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/sqldb"
)

// benchMembers is the size of the register a benchmark builds: def, or
// RULEBOOK_BENCH_MEMBERS.
func benchMembers(def int) int {
	if n, err := strconv.Atoi(os.Getenv("RULEBOOK_BENCH_MEMBERS")); err == nil && n > 0 {
		return n
	}
	return def
}

// benchRegister opens the Labour example over a register of n generated
// members (in 2,000 branches of 200 constituencies, one in fifty with a later
// status) and six candidates who joined in 2000, on engine. RULEBOOK_BENCH_DB
// names a SQLite file or an existing PostgreSQL database to keep it in, reused
// when it already holds members (its engine then decides, whichever benchmark
// runs).
func benchRegister(b *testing.B, engine string, n int) (*app.App, *sqldb.DB) {
	b.Helper()
	ctx := context.Background()
	a, db, reg := benchExampleApp(b, engine)
	have, err := db.CountMembers(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if have == 0 {
		var csv bytes.Buffer
		if err := memberscsv.Generate(&csv, n, 1, []memberscsv.Level{{Kind: "constituency", Count: 200}, {Kind: "branch", Count: 2000}}, []string{"lapsed", "admin_suspended"}); err != nil {
			b.Fatal(err)
		}
		if _, err := reg.Import(ctx, "bench", &csv, "generated.csv", nil); err != nil {
			b.Fatal(err)
		}
	}
	op := operator()
	if _, err := db.History(ctx, "CAND1"); err != nil {
		for i := 1; i <= 6; i++ {
			if _, _, err := a.Join(op, rulebook.Member{ID: fmt.Sprintf("CAND%d", i), Name: fmt.Sprintf("Candidate %d", i), Joined: d("2000-01-01")}, ""); err != nil {
				b.Fatal(err)
			}
		}
	}
	return a, db
}

// rawScanNamed reads, with plain SQL into Go values, what a listed electorate
// depends on: every member's id, name, unit, joining day and status, and every
// status point's member, day and status. It returns how many rows it read.
func rawScanNamed(b *testing.B, ctx context.Context, db *sqldb.DB) int {
	n := 0
	rows, err := db.Raw().QueryContext(ctx, `SELECT id, name, unit, joined, status FROM members`)
	if err != nil {
		b.Fatal(err)
	}
	var id, name, unit, status string
	var day int64
	for rows.Next() {
		if err := rows.Scan(&id, &name, &unit, &day, &status); err != nil {
			b.Fatal(err)
		}
		n++
	}
	rows.Close()
	rows, err = db.Raw().QueryContext(ctx, `SELECT member_id, from_date, status FROM status_points`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		if err := rows.Scan(&id, &day, &status); err != nil {
			b.Fatal(err)
		}
		n++
	}
	rows.Close()
	return n
}

// benchElectorateStored lists the electorate of a register of 1,000,000
// members (RULEBOOK_BENCH_MEMBERS) as the command line and the API do: read
// from the stored register, decided member by member, streamed as JSON and as
// CSV to a writer that discards it, and as JSON over HTTP (a real server, in
// process). Beside each, in the same iteration, the raw scan of what it
// depends on (the floor), and the ratio (x-raw-scan: the goal is at most 2);
// and the peak live heap while it runs.
//
//	go test ./app -run X -bench ElectorateStored -benchtime 3x
func benchElectorateStored(b *testing.B, engine string) {
	a, db := benchRegister(b, engine, benchMembers(1_000_000))
	ctx := operator()
	q := eligibility.Question{Action: "vote_in_selection", Date: d("2016-09-20"), FreezeDate: d("2016-09-01")}
	tok, _, err := benchToken(a)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewServer(a, httpapi.Options{}))
	defer srv.Close()
	url := srv.URL + "/api/v1/electorate?action=" + q.Action + "&date=" + q.Date.String() + "&freeze_date=" + q.FreezeDate.String()
	var raw, js, cv, ht time.Duration
	var peakJSON, peakHTTP uint64
	var count int
	for b.Loop() {
		start := time.Now()
		if rows := rawScanNamed(b, ctx, db); rows < benchMembers(1_000_000) {
			b.Fatalf("raw scan read %d rows", rows)
		}
		raw += time.Since(start)

		var el *app.Electorate
		peakJSON = max(peakJSON, peakHeap(func() {
			start = time.Now()
			el, _, err = a.WriteElectorate(ctx, io.Discard, app.ElectorateJSON, q, "")
			js += time.Since(start)
		}))
		if err != nil {
			b.Fatal(err)
		}
		count = el.Count

		start = time.Now()
		if _, _, err := a.WriteElectorate(ctx, io.Discard, app.ElectorateCSV, q, ""); err != nil {
			b.Fatal(err)
		}
		cv += time.Since(start)

		var status int
		var n int64
		peakHTTP = max(peakHTTP, peakHeap(func() {
			start = time.Now()
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			status = resp.StatusCode
			n, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ht += time.Since(start)
			if err != nil {
				b.Error(err)
			}
		}))
		if status != 200 || n < int64(count)*40 {
			b.Fatalf("HTTP %d, %d bytes", status, n)
		}
	}
	k := float64(b.N)
	ms := func(t time.Duration) float64 { return t.Seconds() * 1000 / k }
	b.ReportMetric(float64(count), "electorate")
	b.ReportMetric(ms(raw), "raw-scan-ms")
	b.ReportMetric(ms(js), "json-ms")
	b.ReportMetric(ms(cv), "csv-ms")
	b.ReportMetric(ms(ht), "http-ms")
	b.ReportMetric(js.Seconds()/raw.Seconds(), "x-raw-scan")
	b.ReportMetric(cv.Seconds()/raw.Seconds(), "csv-x-raw-scan")
	b.ReportMetric(ht.Seconds()/raw.Seconds(), "http-x-raw-scan")
	b.ReportMetric(float64(peakJSON)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakHTTP)/(1<<20), "http-peak-heap-MiB")
}

func BenchmarkElectorateStoredSQLite(b *testing.B)   { benchElectorateStored(b, "sqlite") }
func BenchmarkElectorateStoredPostgres(b *testing.B) { benchElectorateStored(b, "postgres") }

// benchToken makes an account of the membership office, with an API token.
func benchToken(a *app.App) (string, *sqldb.Token, error) {
	op := operator()
	name := fmt.Sprintf("bench%d", time.Now().UnixNano())
	if _, err := a.CreateAccount(op, app.AccountInput{Name: name, Display: "Bench", Roles: []string{"membership_office"}}, "a long enough password for a bench"); err != nil {
		return "", nil, err
	}
	return a.CreateToken(op, name, "bench", rulebook.NoDate)
}
