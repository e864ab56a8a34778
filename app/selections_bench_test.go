package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/sqldb"
)

// benchElectorate is how many members the electorate benchmark's register holds;
// the goal is an electorate of 500,000 frozen in at most 1 s.
// RULEBOOK_BENCH_MEMBERS overrides it.
func benchElectorate() int {
	if n, err := strconv.Atoi(os.Getenv("RULEBOOK_BENCH_MEMBERS")); err == nil && n > 0 {
		return n
	}
	return 500_000
}

// benchApp opens the Labour example over SQLite holding n generated members and
// six candidates who joined in 2000 (see benchRegister: RULEBOOK_BENCH_DB keeps
// it between runs).
func benchApp(b *testing.B, n int) (*app.App, *sqldb.DB) {
	return benchRegister(b, "sqlite", n)
}

var benchSeq int

// benchSelection opens a selection of the whole party with candidates CAND1…k.
func benchSelection(b *testing.B, a *app.App, k int) string {
	b.Helper()
	benchSeq++
	id := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), benchSeq)
	op := operator()
	if _, err := a.OpenSelection(op, app.OpenSelectionInput{ID: id, Procedure: "mayoral_selection", Contest: "Mayor", Date: d("2016-07-01"),
		Timetable: rulebook.Timetable{FreezeDate: d("2016-09-01"), NominationsClose: d("2016-08-15"), Ballot: d("2016-09-20"), BallotCloses: d("2016-09-30")}}); err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= k; i++ {
		others := []string{fmt.Sprintf("CAND%d", i%6+1), fmt.Sprintf("CAND%d", (i+1)%6+1)}
		r, err := a.Nominate(op, id, app.NominationInput{Candidate: fmt.Sprintf("CAND%d", i), Nominators: others, Date: d("2016-08-01")})
		if err != nil || r.Refused != nil {
			b.Fatalf("nomination %d: %v %+v", i, err, r)
		}
	}
	return id
}

// BenchmarkSelectionElectorate freezes the electorate of a selection over the
// whole register (500,000 members): each member's history read, every one
// checked by the eligibility engine as of the ballot day with the freeze date,
// the electorate stored and its digest recorded. It reports, beside it in the
// same run, a raw scan of the members and status rows (the floor: reading what
// the answer depends on and nothing more), and the ratio.
//
//	go test ./app -run X -bench SelectionElectorate -benchtime 3x
func BenchmarkSelectionElectorate(b *testing.B)         { benchSelectionElectorate(b, "sqlite") }
func BenchmarkSelectionElectoratePostgres(b *testing.B) { benchSelectionElectorate(b, "postgres") }

func benchSelectionElectorate(b *testing.B, engine string) {
	a, db := benchRegister(b, engine, benchElectorate())
	ctx := context.Background()
	op := operator()
	var raw, freeze time.Duration
	var electorate int
	for b.Loop() {
		b.StopTimer()
		id := benchSelection(b, a, 3)
		start := time.Now()
		rows := rawScan(b, ctx, db)
		raw += time.Since(start)
		b.StartTimer()
		start = time.Now()
		s, err := a.FreezeElectorate(op, id, d("2016-09-02"))
		if err != nil {
			b.Fatal(err)
		}
		freeze += time.Since(start)
		electorate = s.Electorate.Count
		if rows < benchElectorate() {
			b.Fatalf("raw scan read %d rows", rows)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(electorate), "electorate")
	b.ReportMetric(raw.Seconds()*1000/n, "raw-scan-ms")
	b.ReportMetric(freeze.Seconds()*1000/n, "freeze-ms")
	b.ReportMetric(freeze.Seconds()/raw.Seconds(), "x-raw-scan")
}

// rawScan reads every member's id, unit, joining day and status, and every status
// point, and returns how many rows it read.
func rawScan(b *testing.B, ctx context.Context, db *sqldb.DB) int {
	n := 0
	for _, q := range []string{`SELECT id, unit, joined, status FROM members`, `SELECT member_id, from_date, status FROM status_points`} {
		rows, err := db.Raw().QueryContext(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		var s1, s2, s3 string
		var day int64
		for rows.Next() {
			if q[7] == 'i' {
				err = rows.Scan(&s1, &s2, &day, &s3)
			} else {
				err = rows.Scan(&s1, &day, &s3)
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		rows.Close()
	}
	return n
}

// BenchmarkSelectionBallots enters 100,000 ballot papers (six candidates, random
// rankings of one to six preferences) as the tellers would, seals them and
// counts them by alternative vote; beside it, the count alone from the sealed
// ballots, and the ratio.
//
//	go test ./app -run X -bench SelectionBallots -benchtime 3x
func BenchmarkSelectionBallots(b *testing.B) {
	a, _ := benchApp(b, 10)
	op := operator()
	r := rand.New(rand.NewPCG(7, 7))
	cands := []string{"CAND1", "CAND2", "CAND3", "CAND4", "CAND5", "CAND6"}
	papers := make([]rulebook.BallotCount, 100_000)
	for i := range papers {
		perm := r.Perm(len(cands))
		k := 1 + r.IntN(len(cands))
		rk := make([]string, k)
		for j := range k {
			rk[j] = cands[perm[j]]
		}
		papers[i] = rulebook.BallotCount{Ranking: rk, Papers: 1}
	}
	var whole, countOnly time.Duration
	for b.Loop() {
		b.StopTimer()
		id := benchSelection(b, a, len(cands))
		if _, err := a.FreezeElectorate(op, id, d("2016-09-02")); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if _, err := a.EnterPapers(op, id, d("2016-09-25"), papers, 0); err != nil {
			b.Fatal(err)
		}
		s, err := a.CountSelection(op, id, d("2016-10-01"))
		if err != nil {
			b.Fatal(err)
		}
		whole += time.Since(start)
		if s.Sealed.Papers != int64(len(papers)) || len(s.Result.Elected) != 1 {
			b.Fatalf("sealed %d papers, elected %v", s.Sealed.Papers, s.Result.Elected)
		}
		b.StopTimer()
		start = time.Now()
		if _, err := app.CountSealed(s); err != nil {
			b.Fatal(err)
		}
		countOnly += time.Since(start)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(whole.Seconds()*1000/n, "enter-seal-count-ms")
	b.ReportMetric(countOnly.Seconds()*1000/n, "count-only-ms")
	b.ReportMetric(whole.Seconds()/countOnly.Seconds(), "x-count")
}

// BenchmarkSelectionOnlineBallot casts ballots one at a time, as members voting
// online do (each its own transaction: the marked register, the ballot added to
// its ranking's row, the event).
func BenchmarkSelectionOnlineBallot(b *testing.B) {
	const voters = 20_000
	a, _ := benchApp(b, voters)
	op := operator()
	var id string
	var members []string
	next := 0
	cands := []string{"CAND1", "CAND2", "CAND3"}
	for b.Loop() {
		if next >= len(members) {
			b.StopTimer()
			id = benchSelection(b, a, len(cands))
			if _, err := a.FreezeElectorate(op, id, d("2016-09-02")); err != nil {
				b.Fatal(err)
			}
			el, err := a.SelectionElectorate(op, id)
			if err != nil {
				b.Fatal(err)
			}
			members = members[:0]
			for _, e := range el {
				members = append(members, e.Member)
			}
			next = 0
			b.StartTimer()
		}
		res, err := a.CastBallot(op, id, members[next], cands[:1+next%3], d("2016-09-21"))
		if err != nil || res.Refused != nil {
			b.Fatalf("%s: %v %+v", members[next], err, res)
		}
		next++
	}
}
