package register_test

import (
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"io"
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

// benchLevels are the example party's units: 2,000 branches, ten to a
// constituency.
var benchLevels = []memberscsv.Level{{Kind: "constituency", Count: 200}, {Kind: "branch", Count: 2000}}

func benchImport(b *testing.B, engine string) {
	n := benchMembers()
	var csv bytes.Buffer
	if err := memberscsv.Generate(&csv, n, 1, benchLevels, []string{"lapsed", "admin_suspended"}); err != nil {
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

// The floors the import is compared with, measured on the same generated file in
// the same run: parsing it with encoding/csv alone, and reading and checking its
// rows with memberscsv alone (no rule book, no database).
func benchCSV(b *testing.B) []byte {
	var csv bytes.Buffer
	if err := memberscsv.Generate(&csv, benchMembers(), 1, benchLevels, []string{"lapsed", "admin_suspended"}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(csv.Len()))
	return csv.Bytes()
}

func BenchmarkImportFloorCSV(b *testing.B) {
	src := benchCSV(b)
	for b.Loop() {
		r := stdcsv.NewReader(bytes.NewReader(src))
		r.ReuseRecord = true
		n := 0
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchMembers()+1 {
			b.Fatalf("%d records", n)
		}
	}
}

func BenchmarkImportFloorRows(b *testing.B) {
	src := benchCSV(b)
	for b.Loop() {
		r, err := memberscsv.NewReader(bytes.NewReader(src), "generated.csv", []string{"constituency", "branch"})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchMembers() {
			b.Fatalf("%d rows", n)
		}
	}
}
