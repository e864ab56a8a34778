package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
	"github.com/rulebook/rulebook/web"
)

// BenchmarkHTTPReads serves the JSON API's reads — an eligibility answer, a
// member, a case — over real TCP on the loopback, to 16 clients at once asking
// as the auditor with an API token, each read logged in the access log as ever,
// and measures each beside /healthz (routing, headers and a database ping: the
// floor) in the same run: the floor for half of the time, the read for the
// other half, alternating in short spells, so that a busy machine weighs on both alike. The
// figures to read are x-healthz-throughput (the floor's requests a second over
// the read's) and x-healthz-p99 (the read's 99th percentile over the floor's);
// the goal is at most 2 for both. On a machine busy with other work the rates
// mean less; x-healthz-cpu, the CPU time a request over the floor's, says what
// the throughput's ratio would be on an idle one.
//
// The organisation is the demo party with RULEBOOK_BENCH_MEMBERS generated
// members (100,000) and RULEBOOK_BENCH_CASES generated cases (1,000), on each
// engine (PostgreSQL when it can be reached). RULEBOOK_BENCH_DURATION is how
// long each read is measured, its floor as long again (4s);
// RULEBOOK_BENCH_CPUPROFILE names a file to profile the reads into (only the
// time under load, not the building of the organisation).
func BenchmarkHTTPReads(b *testing.B) {
	for _, eng := range sqldbtest.Engines {
		b.Run(eng, func(b *testing.B) { benchHTTPReads(b, eng) })
	}
}

// benchClients is how many clients ask at once.
const benchClients = 16

// benchSpells is how many spells of the floor, each followed by one of the read,
// a measurement alternates between.
const benchSpells = 8

func benchEnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n >= 0 {
		return n
	}
	return def
}

func benchHTTPReads(b *testing.B, engine string) {
	ctx := context.Background()
	members, ncases := benchEnvInt("RULEBOOK_BENCH_MEMBERS", 100_000), benchEnvInt("RULEBOOK_BENCH_CASES", 1000)
	dur := 4 * time.Second
	if d, err := time.ParseDuration(os.Getenv("RULEBOOK_BENCH_DURATION")); err == nil && d > 0 {
		dur = d
	}
	db := sqldbtest.Open(b, engine)
	start := time.Now()
	src, err := examples.FS.ReadFile(examples.Labour)
	if err != nil {
		b.Fatal(err)
	}
	rb, err := rules.Load(examples.Labour, src)
	if err != nil {
		b.Fatal(err)
	}
	if err := demo.Load(ctx, db, rb, src); err != nil {
		b.Fatal(err)
	}
	svc, err := register.New(ctx, db, rb, src)
	if err != nil {
		b.Fatal(err)
	}
	a, err := app.New(ctx, svc)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	op := app.WithPrincipal(ctx, app.OperatorPrincipal("bench"))
	var csv bytes.Buffer
	if err := memberscsv.Generate(&csv, members, 1, loadLevels, []string{"lapsed", "admin_suspended"}); err != nil {
		b.Fatal(err)
	}
	if _, err := a.Import(op, &csv, "generated.csv", false, nil); err != nil {
		b.Fatal(err)
	}
	plan, err := discipline.ReadCasePlan("../../examples/labour-2016-cases.json")
	if err != nil {
		b.Fatal(err)
	}
	caseIDs, err := a.Discipline().GenerateCases(ctx, plan, ncases)
	if err != nil {
		b.Fatal(err)
	}
	// The demo's cases besides.
	all, err := db.CaseRows(ctx, sqldb.CaseFilter{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range all {
		if !slices.Contains(caseIDs, c.ID) {
			caseIDs = append(caseIDs, c.ID)
		}
	}
	if _, err := a.CreateAccount(op, app.AccountInput{Name: "bench.auditor", Display: "Bench Auditor", Roles: []string{rulebook.RoleAuditor}}, "a long enough password"); err != nil {
		b.Fatal(err)
	}
	token, _, err := a.CreateToken(op, "bench.auditor", "benchmark", rulebook.NoDate)
	if err != nil {
		b.Fatal(err)
	}
	// The questions asked: every action of the version in force on the day.
	day := rulebook.MustDate("2016-06-01")
	v, err := a.Rules().VersionAt(day)
	if err != nil {
		b.Fatal(err)
	}
	var actions []string
	for _, act := range v.Actions {
		actions = append(actions, act.ID)
	}
	b.Logf("built the demo with %d members and %d cases on %s in %s", members, len(caseIDs), engine, time.Since(start).Round(time.Millisecond))

	// The service, as serve runs it.
	w, err := web.New(a, web.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var errlog bytes.Buffer
	srv, ln := httpServer(w, ln, nil, 512, &lockedWriter{w: &errlog})
	// The request log goes nowhere (it is formatted all the same), as for the
	// load test: the floor pays for it too.
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.Cleanup(func() { slog.SetDefault(prev) })
	go srv.Serve(ln)
	b.Cleanup(func() {
		srv.Shutdown(context.Background())
		if s := errlog.String(); s != "" {
			b.Errorf("the server logged: %s", s)
		}
	})
	base := "http://" + ln.Addr().String()
	transport := &http.Transport{MaxIdleConnsPerHost: 2 * benchClients, IdleConnTimeout: time.Minute}
	b.Cleanup(transport.CloseIdleConnections)
	client := &http.Client{Transport: transport, Timeout: time.Minute}

	member := func(r *rand.Rand) string { return fmt.Sprintf("G%07d", 1+r.IntN(members)) }
	floor := func(*rand.Rand) string { return "/healthz" }
	reads := []struct {
		name string
		path func(r *rand.Rand) string
	}{
		{"eligibility", func(r *rand.Rand) string {
			return "/api/v1/eligibility?member=" + member(r) + "&action=" + actions[r.IntN(len(actions))] + "&date=" + day.String()
		}},
		{"member", func(r *rand.Rand) string { return "/api/v1/members/" + member(r) }},
		{"case", func(r *rand.Rand) string { return "/api/v1/cases/" + caseIDs[r.IntN(len(caseIDs))] }},
	}
	if members == 0 {
		reads = reads[2:]
	}
	if name := os.Getenv("RULEBOOK_BENCH_CPUPROFILE"); name != "" {
		// One profile per engine across every read and its floor.
		f, err := os.Create(name + "." + engine)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	for _, rd := range reads {
		b.Run(rd.name, func(b *testing.B) {
			// A short warm-up: connections opened, caches filled.
			hammer(b, client, base, token, rd.path, 300*time.Millisecond)
			var fl, rs loadRun
			for b.Loop() {
				for range benchSpells {
					fl.merge(hammer(b, client, base, token, floor, dur/benchSpells))
					rs.merge(hammer(b, client, base, token, rd.path, dur/benchSpells))
				}
			}
			b.StopTimer()
			fr, rr := fl.rate(), rs.rate()
			b.ReportMetric(rr, "req/s")
			b.ReportMetric(ms(rs.quantile(0.5)), "p50-ms")
			b.ReportMetric(ms(rs.quantile(0.99)), "p99-ms")
			b.ReportMetric(fr, "healthz-req/s")
			b.ReportMetric(ms(fl.quantile(0.99)), "healthz-p99-ms")
			b.ReportMetric(fr/rr, "x-healthz-throughput")
			b.ReportMetric(float64(rs.quantile(0.99))/float64(fl.quantile(0.99)), "x-healthz-p99")
			// The CPU a request, beside the floor's: what the throughput's ratio
			// would be on a machine doing nothing else.
			b.ReportMetric(float64(rs.cpuPer().Microseconds()), "cpu-µs/req")
			b.ReportMetric(float64(rs.cpuPer())/float64(fl.cpuPer()), "x-healthz-cpu")
			if engine == "postgres" {
				// The server's CPU besides: a read's whole cost over the floor's.
				b.ReportMetric(float64(rs.dbCPUPer().Microseconds()), "db-cpu-µs/req")
				b.ReportMetric(float64(fl.dbCPUPer().Microseconds()), "healthz-db-cpu-µs/req")
				b.ReportMetric(float64(rs.cpuPer()+rs.dbCPUPer())/float64(fl.cpuPer()+fl.dbCPUPer()), "x-healthz-cpu-all")
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loadRun is the times of the requests of one or more spells of load.
type loadRun struct {
	times   []time.Duration
	elapsed time.Duration
	// cpu is the CPU time the process (server and clients) spent meanwhile.
	cpu time.Duration
	// dbCPU is the CPU time the PostgreSQL server's processes on this machine
	// spent meanwhile (0 for SQLite, which runs in the process).
	dbCPU time.Duration
}

func (l *loadRun) merge(o loadRun) {
	l.times = append(l.times, o.times...)
	l.elapsed += o.elapsed
	l.cpu += o.cpu
	l.dbCPU += o.dbCPU
}

// cpuPer is the CPU time spent a request, which other work on the machine
// does not change as it changes the rate.
func (l *loadRun) cpuPer() time.Duration { return l.cpu / time.Duration(max(1, len(l.times))) }

// dbCPUPer is the database server's CPU time spent a request.
func (l *loadRun) dbCPUPer() time.Duration { return l.dbCPU / time.Duration(max(1, len(l.times))) }

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (l *loadRun) rate() float64 { return float64(len(l.times)) / l.elapsed.Seconds() }

func (l *loadRun) quantile(q float64) time.Duration {
	if len(l.times) == 0 {
		return 0
	}
	slices.Sort(l.times)
	return l.times[min(len(l.times)-1, int(q*float64(len(l.times))))]
}

// hammer has benchClients clients ask for path(r) one request after another
// for d, and returns the time each request took. Anything but 200 fails the
// benchmark.
func hammer(b *testing.B, client *http.Client, base, token string, path func(*rand.Rand) string, d time.Duration) loadRun {
	var (
		mu   sync.Mutex
		all  []time.Duration
		wg   sync.WaitGroup
		fail = make(chan error, benchClients)
	)
	start, cpu0, db0 := time.Now(), cpuTime(), sqldbtest.PostgresCPU()
	deadline := start.Add(d)
	for i := range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))
			times := make([]time.Duration, 0, 4096)
			defer func() {
				mu.Lock()
				all = append(all, times...)
				mu.Unlock()
			}()
			buf := make([]byte, 32<<10)
			for time.Now().Before(deadline) {
				p := path(r)
				req, err := http.NewRequest("GET", base+p, nil)
				if err != nil {
					fail <- err
					return
				}
				req.Header.Set("Authorization", "Bearer "+token)
				t := time.Now()
				res, err := client.Do(req)
				if err != nil {
					fail <- fmt.Errorf("GET %s: %w", p, err)
					return
				}
				var body bytes.Buffer
				_, err = io.CopyBuffer(&body, res.Body, buf)
				res.Body.Close()
				times = append(times, time.Since(t))
				if err != nil || res.StatusCode != http.StatusOK {
					fail <- fmt.Errorf("GET %s: %d %v %s", p, res.StatusCode, err, body.Bytes())
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed, cpu, dbCPU := time.Since(start), cpuTime()-cpu0, sqldbtest.PostgresCPU()-db0
	close(fail)
	if err := <-fail; err != nil {
		b.Fatal(err)
	}
	return loadRun{times: all, elapsed: elapsed, cpu: cpu, dbCPU: dbCPU}
}
