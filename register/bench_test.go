package register_test

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// benchMembers is how many members the import benchmark generates; the goal is
// 1,000,000 in at most 10 s on SQLite. RULEBOOK_BENCH_MEMBERS overrides it.
func benchMembers() int {
	if n, err := strconv.Atoi(os.Getenv("RULEBOOK_BENCH_MEMBERS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

func benchImport(b *testing.B, engine string) {
	n := benchMembers()
	var csv bytes.Buffer
	if err := memberscsv.Generate(&csv, n, 1, 2000, []string{"lapsed", "admin_suspended"}); err != nil {
		b.Fatal(err)
	}
	src, err := os.ReadFile("../examples/labour-2016.yaml")
	if err != nil {
		b.Fatal(err)
	}
	rb, err := rules.Load("labour-2016.yaml", src)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.SetBytes(int64(csv.Len()))
	for b.Loop() {
		b.StopTimer()
		db := sqldbtest.Open(b, engine)
		svc, err := register.New(ctx, db, rb, src)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		res, err := svc.Import(ctx, "bench", bytes.NewReader(csv.Bytes()), "generated.csv", nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Members)/time.Since(start).Seconds(), "members/s")
	}
}

func BenchmarkImportSQLite(b *testing.B)   { benchImport(b, "sqlite") }
func BenchmarkImportPostgres(b *testing.B) { benchImport(b, "postgres") }
