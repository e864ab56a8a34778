package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// benchEvents is the size of the record the projection check benchmark builds
// (goal: the check takes at most twice a plain verify of the same record, in
// memory that does not grow with it); RULEBOOK_BENCH_EVENTS overrides it.
func benchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("RULEBOOK_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// benchLater is how rare a later status is in the register the projection
// check benchmark builds: one member in benchLater has one (one in fifty
// unless RULEBOOK_BENCH_LATER says otherwise; 5 is a register where many have
// lapsed).
func benchLater() int {
	if n, err := strconv.Atoi(os.Getenv("RULEBOOK_BENCH_LATER")); err == nil && n > 0 {
		return n
	}
	return 50
}

// benchUpdated is how rare a change of particulars is in the register the
// projection check benchmark builds: one member in benchUpdated has a new
// e-mail address recorded after joining (none unless RULEBOOK_BENCH_UPDATED
// says; 5 is a register where many changed theirs).
func benchUpdated() int {
	if n, err := strconv.Atoi(os.Getenv("RULEBOOK_BENCH_UPDATED")); err == nil && n > 0 {
		return n
	}
	return 0
}

// benchExampleApp is an App (and its register) on the example party's rule
// book over the database RULEBOOK_BENCH_DB names, or else a new one of the engine.
func benchExampleApp(b *testing.B, engine string) (*app.App, *sqldb.DB, *register.Service) {
	b.Helper()
	ctx := context.Background()
	var db *sqldb.DB
	if dsn := os.Getenv("RULEBOOK_BENCH_DB"); dsn != "" {
		var err error
		if db, err = sqldb.Open(ctx, dsn); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
	} else {
		db = sqldbtest.Open(b, engine)
	}
	src, err := examples.FS.ReadFile(examples.Labour)
	if err != nil {
		b.Fatal(err)
	}
	rb, err := rules.Load(examples.Labour, src)
	if err != nil {
		b.Fatal(err)
	}
	reg, err := register.New(ctx, db, rb, src)
	if err != nil {
		b.Fatal(err)
	}
	a, err := app.New(ctx, reg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a, db, reg
}

// benchRecord builds a record of about n events under the example party's rule
// book: a register imported from a generated file (members in 2,000 branches
// of 200 constituencies, one in benchLater with a later status), and one case for
// every hundred events, with its respondent, complaint and steps (the case
// plan the discipline benchmarks use). It returns the application and the
// number of events.
//
// RULEBOOK_BENCH_DB names a SQLite file or an (existing, empty) PostgreSQL
// database to keep the record in, reused when it holds events beyond the rule
// book's adoption (its engine then decides, whichever benchmark runs), if
// its share of members with a later status is about benchLater's.
func benchRecord(b *testing.B, engine string, n int) (*app.App, *sqldb.DB, int64) {
	ctx := context.Background()
	a, db, svc := benchExampleApp(b, engine)
	later, updated := benchLater(), benchUpdated()
	var have int64
	if err := db.Raw().QueryRow(`SELECT COUNT(*) FROM events`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have > 1 {
		var members, held, changed float64
		if err := db.Raw().QueryRow(`SELECT (SELECT COUNT(*) FROM members), (SELECT COUNT(DISTINCT member_id) FROM status_points),
			(SELECT COUNT(DISTINCT subject) FROM events WHERE type = 'member.updated')`).Scan(&members, &held, &changed); err != nil {
			b.Fatal(err)
		}
		if want := members / float64(later); held < want/2 || held > want*2 {
			b.Fatalf("the record kept in RULEBOOK_BENCH_DB has %.0f of %.0f members with a later status, not about one in %d (RULEBOOK_BENCH_LATER): name another database", held, members, later)
		}
		want := 0.0
		if updated > 0 {
			want = members / float64(updated)
		}
		if changed < want/2 || changed > want*2 {
			b.Fatalf("the record kept in RULEBOOK_BENCH_DB has %.0f of %.0f members with changed particulars, not one in %d (RULEBOOK_BENCH_UPDATED, 0 for none): name another database", changed, members, updated)
		}
		return a, db, have
	}
	plan, err := discipline.ReadCasePlan("../examples/labour-2016-cases.json")
	if err != nil {
		b.Fatal(err)
	}
	cases := n / 100
	if _, err := a.Discipline().GenerateCases(ctx, plan, cases); err != nil {
		b.Fatal(err)
	}
	if err := db.Raw().QueryRow(`SELECT COUNT(*) FROM events`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	// Each imported member is one event, one in benchLater a second, and one
	// in benchUpdated another.
	per := 1 + 1/float64(later)
	if updated > 0 {
		per += 1 / float64(updated)
	}
	if members := int(float64(int64(n)-have) / per); members > 0 {
		var csv bytes.Buffer
		levels := []memberscsv.Level{{Kind: "constituency", Count: 200}, {Kind: "branch", Count: 2000}}
		if err := memberscsv.GenerateLater(&csv, members, 1, levels, []string{"lapsed", "admin_suspended"}, later); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Import(ctx, "bench", &csv, "generated.csv", nil); err != nil {
			b.Fatal(err)
		}
	}
	if updated > 0 {
		benchUpdates(b, db, updated)
	}
	if err := demoAccounts(a); err != nil {
		b.Fatal(err)
	}
	if err := db.Raw().QueryRow(`SELECT COUNT(*) FROM events`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	return a, db, have
}

// benchUpdates records a new e-mail address for one member in every, as the
// register's Update would (appended in batches: one at a time through it takes
// minutes for a fifth of a million members).
func benchUpdates(b *testing.B, db *sqldb.DB, every int) {
	ctx := context.Background()
	rows, err := db.Raw().QueryContext(ctx, `SELECT id FROM members ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for i := 0; rows.Next(); i++ {
		var id string
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		if i%every == 0 {
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	rows.Close()
	today := rulebook.DateOf(time.Now())
	var batch []*rulebook.Event
	for i, id := range ids {
		u := rulebook.MemberUpdated{Email: fmt.Sprintf("changed.%d@example.org", i)}
		data, err := rulebook.MarshalData(u)
		if err != nil {
			b.Fatal(err)
		}
		batch = append(batch, &rulebook.Event{Type: rulebook.EventMemberUpdated, Subject: id, Actor: "bench", Effective: today, Data: data, Payload: u})
		if len(batch) == 5000 || i == len(ids)-1 {
			if err := db.Append(ctx, batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

func demoAccounts(a *app.App) error {
	ctx := app.WithPrincipal(context.Background(), app.OperatorPrincipal("bench"))
	for _, name := range []string{"auditor", "staff", "panel"} {
		if _, err := a.CreateAccount(ctx, app.AccountInput{Name: name, Display: name, Roles: []string{"auditor"}}, "a long enough password"); err != nil {
			return err
		}
	}
	return nil
}

// peakHeap samples the heap in use while f runs, and returns the most seen above
// what was in use when it began.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > base && ms.HeapInuse-base > peak.Load() {
				peak.Store(ms.HeapInuse - base)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	wg.Wait()
	return peak.Load()
}

// cpuTime returns the CPU time the process has used, user and system: beside
// wall time, a measure other work on a shared machine disturbs less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchCheckProjection measures the check of the projections (the register,
// the complaints, the cases and every table derived from them, the dated lists
// and the accounts) beside a plain verify of the same record in the same run,
// and reports it as a multiple of the verify, with the peak heap of each; and
// verify --projection (VerifyProjection, both with the record read once) as a
// multiple of the verify (x-verify-total, goal at most 2), in wall time and in
// CPU time.
func benchCheckProjection(b *testing.B, engine string) {
	a, _, n := benchRecord(b, engine, benchEvents())
	ctx := app.WithPrincipal(context.Background(), app.OperatorPrincipal("bench"))
	// A first read of a record just written costs more than the next (on
	// PostgreSQL it sets every row's hint bits): one untimed verify, so that
	// the verify measured first does not pay for it and flatter the ratio.
	if res, err := a.Verify(ctx, nil); err != nil || !res.OK {
		b.Fatalf("%+v %v", res, err)
	}
	// Each metric is reported as its median over the iterations (-benchtime
	// Nx): on a shared machine one run of each can be a tenth off either way.
	m := medians{}
	defer m.report(b)
	for b.Loop() {
		var verify, check, verifyCPU, checkCPU, verifyDB, bothDB time.Duration
		verifyHeap := peakHeap(func() {
			start, cpu, db := time.Now(), cpuTime(), sqldbtest.PostgresCPU()
			var res *sqldb.VerifyResult
			var err error
			// Labelled as verify --projection is, for a profile of what it adds.
			pprof.Do(ctx, pprof.Labels("phase", "verify"), func(ctx context.Context) {
				res, err = a.Verify(ctx, nil)
			})
			if err != nil || !res.OK || res.Events != n {
				b.Fatalf("%+v %v", res, err)
			}
			verify, verifyCPU, verifyDB = time.Since(start), cpuTime()-cpu, sqldbtest.PostgresCPU()-db
		})
		checkHeap := peakHeap(func() {
			start, cpu := time.Now(), cpuTime()
			diffs, err := a.CheckProjection(ctx)
			if err != nil || len(diffs) > 0 {
				b.Fatalf("%v %v", diffs, err)
			}
			check, checkCPU = time.Since(start), cpuTime()-cpu
		})
		var both, bothCPU time.Duration
		bothHeap := peakHeap(func() {
			start, cpu, db := time.Now(), cpuTime(), sqldbtest.PostgresCPU()
			var res *sqldb.VerifyResult
			var diffs []string
			var err error
			// Labelled, with every goroutine it starts, for a CPU profile:
			// go tool pprof -tagfocus phase=verify-projection.
			pprof.Do(ctx, pprof.Labels("phase", "verify-projection"), func(ctx context.Context) {
				res, diffs, err = a.VerifyProjection(ctx, nil)
			})
			if err != nil || !res.OK || res.Events != n || len(diffs) > 0 {
				b.Fatalf("%+v %v %v", res, diffs, err)
			}
			both, bothCPU, bothDB = time.Since(start), cpuTime()-cpu, sqldbtest.PostgresCPU()-db
		})
		m.add(float64(n), "events")
		m.add(verify.Seconds(), "verify-s")
		m.add(check.Seconds(), "check-s")
		m.add(check.Seconds()/verify.Seconds(), "x-verify")
		m.add(verifyCPU.Seconds(), "verify-cpu-s")
		m.add(checkCPU.Seconds(), "check-cpu-s")
		// verify --projection is both, the record read once (VerifyProjection):
		// the goal is at most twice the verify.
		m.add(both.Seconds(), "verify-projection-s")
		m.add(bothCPU.Seconds(), "verify-projection-cpu-s")
		m.add(both.Seconds()/verify.Seconds(), "x-verify-total")
		m.add(bothCPU.Seconds()/verifyCPU.Seconds(), "x-verify-total-cpu")
		if engine == "postgres" {
			// The server's CPU besides the process's: the whole work of each.
			m.add(verifyDB.Seconds(), "verify-db-cpu-s")
			m.add(bothDB.Seconds(), "verify-projection-db-cpu-s")
			m.add((bothCPU+bothDB).Seconds()/(verifyCPU+verifyDB).Seconds(), "x-verify-total-cpu-all")
		}
		m.add(float64(bothHeap)/(1<<20), "verify-projection-peak-heap-MiB")
		m.add(float64(verifyHeap)/(1<<20), "verify-peak-heap-MiB")
		m.add(float64(checkHeap)/(1<<20), "check-peak-heap-MiB")
	}
}

// medians gathers a benchmark's metrics over its iterations, to report the
// median of each.
type medians map[string][]float64

func (m medians) add(v float64, unit string) { m[unit] = append(m[unit], v) }

func (m medians) report(b *testing.B) {
	for unit, vs := range m {
		slices.Sort(vs)
		med := vs[len(vs)/2]
		if len(vs)%2 == 0 {
			med = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
		}
		b.ReportMetric(med, unit)
	}
}

func BenchmarkCheckProjectionSQLite(b *testing.B)   { benchCheckProjection(b, "sqlite") }
func BenchmarkCheckProjectionPostgres(b *testing.B) { benchCheckProjection(b, "postgres") }
