package sqldb_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// benchEvents is the size of the record the verify benchmark walks (goal: at least
// 1,000,000 events/s); RULEBOOK_BENCH_EVENTS overrides it.
func benchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("RULEBOOK_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

func fillRecord(b *testing.B, db *sqldb.DB, n int) {
	a, err := db.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("G%07d", i)
		j := rulebook.MemberJoined{Member: rulebook.Member{ID: id, Name: "Member " + id, Email: id + "@example.org", Unit: "b0001"}, Status: "active"}
		data, _ := rulebook.MarshalData(j)
		e := &rulebook.Event{Type: rulebook.EventMemberJoined, Subject: id, Actor: "bench", Effective: rulebook.MustDate("2001-01-01").AddDays(i % 7000), Data: data, Payload: j}
		if err := a.Add(e); err != nil {
			b.Fatal(err)
		}
	}
	if err := a.Commit(); err != nil {
		b.Fatal(err)
	}
}

func benchVerify(b *testing.B, engine string) {
	n := benchEvents()
	db := sqldbtest.Open(b, engine)
	fillRecord(b, db, n)
	for b.Loop() {
		// The floor, in the same run: a raw scan reading every column of every
		// event, as verify must, with no hashing.
		start := time.Now()
		rows, err := db.Raw().QueryContext(ctx, `SELECT seq, id, type, subject, effective, recorded, actor, data, prev_hash, hash FROM events ORDER BY seq`)
		if err != nil {
			b.Fatal(err)
		}
		var seen int
		for rows.Next() {
			var seq, eff, rec int64
			var id, typ, sub, actor, data string
			var prev, hash []byte
			if err := rows.Scan(&seq, &id, &typ, &sub, &eff, &rec, &actor, &data, &prev, &hash); err != nil {
				b.Fatal(err)
			}
			seen++
		}
		rows.Close()
		scan := time.Since(start)
		start = time.Now()
		res, err := db.Verify(ctx, nil)
		if err != nil || !res.OK || res.Events != int64(n) || seen != n {
			b.Fatalf("%+v %v", res, err)
		}
		verify := time.Since(start)
		b.ReportMetric(float64(n)/verify.Seconds(), "events/s")
		b.ReportMetric(scan.Seconds()/verify.Seconds(), "x-raw-scan-speed")
	}
}

func BenchmarkVerifySQLite(b *testing.B)   { benchVerify(b, "sqlite") }
func BenchmarkVerifyPostgres(b *testing.B) { benchVerify(b, "postgres") }
