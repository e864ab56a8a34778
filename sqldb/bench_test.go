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

// benchAccess is the size of the access log the verify benchmark walks beside the
// record: RULEBOOK_BENCH_ACCESS, none by default.
func benchAccess() int {
	n, _ := strconv.Atoi(os.Getenv("RULEBOOK_BENCH_ACCESS"))
	return n
}

func fillAccess(b *testing.B, db *sqldb.DB, n int) {
	batch := make([]sqldb.Access, 0, 1000)
	for i := 0; i < n; i++ {
		batch = append(batch, sqldb.Access{At: time.Unix(1_700_000_000+int64(i), 0), Actor: "reader", Action: "view_member", Subject: fmt.Sprintf("G%07d", i%100_000)})
		if len(batch) == cap(batch) || i == n-1 {
			if err := db.LogAccess(ctx, batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
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
	na := benchAccess()
	fillAccess(b, db, na)
	// A first read of a table just written costs more than the next (on
	// PostgreSQL it sets every row's hint bits): one untimed verify, so that
	// the scan measured first does not pay for it and flatter the verify.
	if res, err := db.Verify(ctx, nil); err != nil || !res.OK {
		b.Fatalf("%+v %v", res, err)
	}
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
		if na > 0 {
			// The access log too, every column.
			rows, err := db.Raw().QueryContext(ctx, `SELECT id, at, actor, action, subject, detail, prev_hash, hash FROM access_log ORDER BY id`)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var id, at int64
				var actor, action, subject, detail string
				var prev, hash []byte
				if err := rows.Scan(&id, &at, &actor, &action, &subject, &detail, &prev, &hash); err != nil {
					b.Fatal(err)
				}
			}
			rows.Close()
		}
		scan := time.Since(start)
		start = time.Now()
		res, err := db.Verify(ctx, nil)
		if err != nil || !res.OK || res.Events != int64(n) || seen != n || res.AccessEntries != int64(na) {
			b.Fatalf("%+v %v", res, err)
		}
		verify := time.Since(start)
		b.ReportMetric(float64(n)/verify.Seconds(), "events/s")
		b.ReportMetric(scan.Seconds()/verify.Seconds(), "x-raw-scan-speed")
	}
}

func BenchmarkVerifySQLite(b *testing.B)   { benchVerify(b, "sqlite") }
func BenchmarkVerifyPostgres(b *testing.B) { benchVerify(b, "postgres") }
