package register_test

import (
	"bufio"
	"context"
	stdcsv "encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// benchSizes are the registers the import benchmark generates, one sub-benchmark
// each: 1,000,000 members by default. RULEBOOK_BENCH_MEMBERS overrides them with a
// count or a comma-separated list ("1000000,5000000"), which shows whether the
// time per member stays the same as the file grows.
func benchSizes() []int {
	var out []int
	for _, f := range strings.Split(os.Getenv("RULEBOOK_BENCH_MEMBERS"), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		out = []int{1_000_000}
	}
	return out
}

// benchLevels are the example party's units: 2,000 branches, ten to a
// constituency.
var benchLevels = []memberscsv.Level{{Kind: "constituency", Count: 200}, {Kind: "branch", Count: 2000}}

// benchFile generates n members into a file, so that neither the import nor its
// floor holds the file in memory: the peak heap reported is the import's own.
func benchFile(b *testing.B, n int) (path string, size int64) {
	b.Helper()
	path = filepath.Join(b.TempDir(), fmt.Sprintf("members-%d.csv", n))
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := memberscsv.Generate(f, n, 1, benchLevels, []string{"lapsed", "admin_suspended"}); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return path, st.Size()
}

// heapPeak samples the live heap (as the last collection found it: what is
// reachable, not garbage awaiting collection) every few milliseconds until
// stopped, and returns the largest sample above the heap when it started.
func heapPeak() (stop func() uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if h := read(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		if p := peak.Load(); p > base {
			return p - base
		}
		return 0
	}
}

// perMember holds each engine's time per member at the first size measured, for
// the linearity metric of the sizes after it.
var perMember sync.Map

// benchImport imports a generated register into an empty database, and in the same
// run loads the same file into the same engine by its own fastest path (the
// floor): x-floor is the import's time over the floor's. Each event is still
// checked, sealed, hashed and chained; the floor only stores the CSV's rows.
func benchImport(b *testing.B, engine string) {
	src, err := os.ReadFile("../examples/labour-2016.yaml")
	if err != nil {
		b.Fatal(err)
	}
	rb, err := rules.Load("labour-2016.yaml", src)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			path, size := benchFile(b, n)
			b.SetBytes(size)
			var took, floor, same time.Duration
			var peak uint64
			for b.Loop() {
				b.StopTimer()
				floor += loadFloor(b, engine, path)
				db := sqldbtest.Open(b, engine)
				svc, err := register.New(ctx, db, rb, src)
				if err != nil {
					b.Fatal(err)
				}
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				stop := heapPeak()
				b.StartTimer()
				start := time.Now()
				// The file itself, as the application gives an import (an
				// upload spooled to a file): one that can be read again.
				var res *register.ImportResult
				// Labelled, with the goroutines it starts, for a CPU profile:
				// go tool pprof -tagfocus phase=import.
				pprof.Do(ctx, pprof.Labels("phase", "import"), func(ctx context.Context) {
					res, err = svc.Import(ctx, "bench", f, "generated.csv", nil)
				})
				if err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
				b.StopTimer()
				peak = max(peak, stop())
				f.Close()
				if res.Members != n {
					b.Fatalf("%d members imported of %d", res.Members, n)
				}
				same += sameBytesFloor(b, engine, db)
				db.Close()
				b.StartTimer()
			}
			per := float64(took.Nanoseconds()) / float64(b.N) / float64(n)
			b.ReportMetric(per, "ns/member")
			b.ReportMetric(float64(floor.Nanoseconds())/float64(b.N)/float64(n), "floor-ns/member")
			b.ReportMetric(float64(took)/float64(floor), "x-floor")
			b.ReportMetric(float64(same.Nanoseconds())/float64(b.N)/float64(n), "same-bytes-ns/member")
			b.ReportMetric(float64(took)/float64(same), "x-same-bytes")
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-heap-MB")
			if first, ok := perMember.LoadOrStore(engine, per); ok {
				// 1.0: the time per member does not grow with the register.
				b.ReportMetric(per/first.(float64), "x-first-size-per-member")
			}
		})
	}
}

func BenchmarkImportSQLite(b *testing.B)   { benchImport(b, "sqlite") }
func BenchmarkImportPostgres(b *testing.B) { benchImport(b, "postgres") }

// bulkTables are the tables an import of members fills, in the order they are
// loaded.
var bulkTables = []string{"events", "personal", "units", "members", "status_points"}

// sameBytesFloor is the fair floor for what an import writes: the rows it
// stored (events, personal data held apart, units, members and statuses),
// loaded as they are into a new database of the same schema by the engine's
// own bulk path, with nothing to compute — on PostgreSQL COPY FROM (of the rows
// copied out beforehand, untimed), on SQLite INSERT … SELECT from the imported
// file attached, with the indexes the import builds at the end built at the
// end here too. It returns how long that load took.
func sameBytesFloor(b *testing.B, engine string, src *sqldb.DB) time.Duration {
	b.Helper()
	ctx := context.Background()
	dst := sqldbtest.Open(b, engine)
	defer dst.Close()
	if engine == "postgres" {
		// The imported tables vacuumed first, untimed: otherwise autovacuum
		// takes them up (a million rows inserted) while the floor is timed.
		for _, t := range bulkTables {
			if _, err := src.Raw().ExecContext(ctx, `VACUUM `+t); err != nil {
				b.Fatal(err)
			}
		}
		dir := b.TempDir()
		err := rawPG(ctx, src, func(pc *stdlib.Conn) error {
			for _, t := range bulkTables {
				f, err := os.Create(filepath.Join(dir, t))
				if err != nil {
					return err
				}
				if _, err := pc.Conn().PgConn().CopyTo(ctx, f, `COPY `+t+` TO STDOUT (FORMAT binary)`); err != nil {
					return err
				}
				if err := f.Close(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		err = rawPG(ctx, dst, func(pc *stdlib.Conn) error {
			tx, err := pc.Conn().Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			for _, t := range bulkTables {
				f, err := os.Open(filepath.Join(dir, t))
				if err != nil {
					return err
				}
				_, err = tx.Conn().PgConn().CopyFrom(ctx, f, `COPY `+t+` FROM STDIN (FORMAT binary)`)
				f.Close()
				if err != nil {
					return err
				}
			}
			return tx.Commit(ctx)
		})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	// The import's write-ahead log copied into its file first, untimed (as
	// the import's own copy is, after it returns): otherwise that copy runs in
	// the background while the floor is timed, and slows it by chance.
	if _, err := src.Raw().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	conn, err := dst.Raw().Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS src`, src.DSN()); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	var late []string
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND name IN ('events_subject', 'members_unit', 'members_search')`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			b.Fatal(err)
		}
		late = append(late, `DROP INDEX main.`+name, ddl)
	}
	rows.Close()
	var qs []string
	for i := 0; i < len(late); i += 2 {
		qs = append(qs, late[i])
	}
	for _, t := range bulkTables {
		qs = append(qs, `INSERT INTO main.`+t+` SELECT * FROM src.`+t)
	}
	for i := 1; i < len(late); i += 2 {
		qs = append(qs, late[i])
	}
	for _, q := range qs {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// rawPG runs f on a pgx connection of db.
func rawPG(ctx context.Context, db *sqldb.DB, f func(*stdlib.Conn) error) error {
	conn, err := db.Raw().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error { return f(dc.(*stdlib.Conn)) })
}

// floorColumns are the generated file's columns, as the floor's table has them.
var floorColumns = memberscsv.Columns([]string{"constituency", "branch"})

// loadFloor loads the file at path into a table of its columns with a primary
// key, in a new database of the engine, by the engine's bulk path — PostgreSQL's
// COPY FROM of the CSV text itself; on SQLite one transaction of prepared
// multi-row INSERTs, as the sqlite3 shell's .import does row by row — and returns
// how long that took.
func loadFloor(b *testing.B, engine, path string) time.Duration {
	b.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(b, engine)
	defer db.Close()
	cols := make([]string, len(floorColumns))
	for i, c := range floorColumns {
		cols[i] = c + " TEXT"
	}
	cols[0] += " PRIMARY KEY"
	if _, err := db.Raw().ExecContext(ctx, `CREATE TABLE floor_members (`+strings.Join(cols, ", ")+`)`); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	if engine == "postgres" {
		conn, err := db.Raw().Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		err = conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().PgConn().CopyFrom(ctx, f, `COPY floor_members FROM STDIN (FORMAT csv, HEADER true)`)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	if err := sqliteFloor(ctx, db, f); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func sqliteFloor(ctx context.Context, db *sqldb.DB, f io.Reader) error {
	const per = 256
	ncol := len(floorColumns)
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", ncol), ",") + ")"
	tx, err := db.Raw().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	q := `INSERT INTO floor_members VALUES ` + strings.TrimSuffix(strings.Repeat(row+",", per), ",")
	st, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	r := stdcsv.NewReader(bufio.NewReaderSize(f, 1<<16))
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil { // the header
		return err
	}
	args := make([]any, 0, per*ncol)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		for _, v := range rec {
			args = append(args, v)
		}
		if len(args) == cap(args) {
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return err
			}
			args = args[:0]
		}
	}
	for len(args) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO floor_members VALUES `+row, args[:ncol]...); err != nil {
			return err
		}
		args = args[ncol:]
	}
	return tx.Commit()
}

// BenchmarkImportFloorSQLiteShell is the sqlite3 shell's own .import of the same
// file into a table with a primary key, for comparison with the in-process floor
// (skipped where the shell is not installed).
func BenchmarkImportFloorSQLiteShell(b *testing.B) {
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		b.Skip("no sqlite3 shell")
	}
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			path, size := benchFile(b, n)
			b.SetBytes(size)
			cols := make([]string, len(floorColumns))
			for i, c := range floorColumns {
				cols[i] = c + " TEXT"
			}
			cols[0] += " PRIMARY KEY"
			script := "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\nCREATE TABLE floor_members (" + strings.Join(cols, ", ") + ");\n.mode csv\n.import --skip 1 " + path + " floor_members\n"
			for b.Loop() {
				b.StopTimer()
				dbPath := filepath.Join(b.TempDir(), "shell.db")
				cmd := exec.Command(shell, dbPath)
				cmd.Stdin = strings.NewReader(script)
				b.StartTimer()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
			}
		})
	}
}

// The floors of reading alone, on the same generated file: parsing it with
// encoding/csv, and reading and checking its rows with memberscsv (no rule book,
// no database).
func BenchmarkImportFloorCSV(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			path, size := benchFile(b, n)
			b.SetBytes(size)
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				r := stdcsv.NewReader(bufio.NewReaderSize(f, 1<<16))
				r.ReuseRecord = true
				k := 0
				for {
					_, err := r.Read()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					k++
				}
				f.Close()
				if k != n+1 {
					b.Fatalf("%d records", k)
				}
			}
		})
	}
}

func BenchmarkImportFloorRows(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			path, size := benchFile(b, n)
			b.SetBytes(size)
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				r, err := memberscsv.NewReader(bufio.NewReaderSize(f, 1<<16), "generated.csv", []string{"constituency", "branch"})
				if err != nil {
					b.Fatal(err)
				}
				k := 0
				for {
					_, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					k++
				}
				f.Close()
				if k != n {
					b.Fatalf("%d rows", k)
				}
			}
		})
	}
}
