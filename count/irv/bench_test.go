package irv

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/ballotcsv"
)

// benchNames are 12 candidates, surnames of ordinary length.
var benchNames = []string{"Abbott", "Baxter", "Chowdhury", "Dlamini", "Evans", "Fitzgerald",
	"Gallagher", "Hussain", "Ivanova", "Jones", "Kowalski", "Lindqvist"}

// genPacked makes n papers over 12 candidates: first preferences follow a skewed
// popularity, later ones are drawn without replacement by the same popularity, and
// papers rank 1 to 12 candidates (most rank few), roughly as real IRV elections do.
func genPacked(n int, seed uint64) *count.Packed {
	r := rand.New(rand.NewPCG(seed, 1))
	pop := []int{30, 26, 14, 9, 6, 4, 3, 3, 2, 1, 1, 1}
	p := &count.Packed{Candidates: benchNames, Seats: 1, Rankings: make([]uint64, n)}
	for i := range n {
		length := 1 + r.IntN(3)
		if r.IntN(4) == 0 {
			length = 1 + r.IntN(12)
		}
		var key uint64
		var used uint16
		remain := 100
		for j := 0; j < length; j++ {
			x := r.IntN(remain)
			c := 0
			for ; c < 12; c++ {
				if used&(1<<c) != 0 {
					continue
				}
				if x < pop[c] {
					break
				}
				x -= pop[c]
			}
			used |= 1 << c
			remain -= pop[c]
			key |= uint64(c+1) << (4 * j)
		}
		p.Rankings[i] = key
	}
	return p
}

// toCSV writes p in the ranked CSV format, one record per paper.
func toCSV(p *count.Packed) []byte {
	var b bytes.Buffer
	b.Grow(len(p.Rankings) * 24)
	b.WriteString("candidates")
	for _, c := range p.Candidates {
		b.WriteByte(',')
		b.WriteString(c)
	}
	b.WriteString("\n")
	for _, k := range p.Rankings {
		b.WriteString("1")
		for ; k != 0; k >>= 4 {
			b.WriteByte(',')
			b.WriteString(p.Candidates[k&15-1])
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

var (
	bigOnce sync.Once
	bigP    *count.Packed
	bigCSV  []byte
)

func big(b *testing.B) (*count.Packed, []byte) {
	if testing.Short() {
		b.Skip("10M-paper benchmark")
	}
	bigOnce.Do(func() {
		bigP = genPacked(10_000_000, 2026)
		bigCSV = toCSV(bigP)
	})
	return bigP, bigCSV
}

// BenchmarkCount10M counts 10,000,000 papers, 12 candidates, from the in-memory form.
func BenchmarkCount10M(b *testing.B) {
	p, _ := big(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := CountPacked(p, count.Options{}, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCount10MGrouped counts the same papers with identical short rankings
// grouped (count.Packed.Group), the form the CSV parser produces.
func BenchmarkCount10MGrouped(b *testing.B) {
	p, _ := big(b)
	g := p.Group()
	b.ResetTimer()
	for b.Loop() {
		if _, err := CountPacked(g, count.Options{}, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(g.Rankings)), "entries")
}

// BenchmarkCount10MGroupedOneWorker is the grouped count on one goroutine, to show
// whether the workers pay on the form the parser produces.
func BenchmarkCount10MGroupedOneWorker(b *testing.B) {
	p, _ := big(b)
	g := p.Group()
	b.ResetTimer()
	for b.Loop() {
		if _, err := CountPacked(g, count.Options{}, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGroup10M measures grouping 10M in-memory papers.
func BenchmarkGroup10M(b *testing.B) {
	p, _ := big(b)
	b.ResetTimer()
	for b.Loop() {
		p.Group()
	}
}

// BenchmarkCount10MOneWorker is the same count on one goroutine.
func BenchmarkCount10MOneWorker(b *testing.B) {
	p, _ := big(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := CountPacked(p, count.Options{}, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse10M parses the CSV of 10,000,000 papers into the packed form.
func BenchmarkParse10M(b *testing.B) {
	_, data := big(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := ballotcsv.ParsePacked(data, "bench.csv", 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEndToEnd10M reads the CSV file of 10M papers from disk (the page cache,
// once written), parses and counts it, as `rulebook count --method irv` does:
//
//   - stream-N: the file streamed through ballotcsv.ReadPacked in 256 KiB blocks,
//     read and parsed by N workers (N = 1 and GOMAXPROCS), then counted on one, as
//     count/job does (see BenchmarkCount10MGrouped for why one);
//   - readall: the file read whole first (os.ReadFile), then ParsePacked, as before;
//     read-ms/op is the os.ReadFile part of parse-ms/op. Most of it is the kernel
//     giving the process fresh pages for each 272 MB buffer (first touch), not the
//     copy: it is the cost of holding a file whole, which streaming does not pay.
//
// Each sub-benchmark measures, in the same run, the floors the file size sets: on the
// same bytes held in memory, bytes.Count of line ends (the memory bandwidth a
// vectorised pass gets) and a copy; and the raw scan of the file itself, read from
// the page cache in the reader's 256 KiB blocks and its line ends counted (the least
// any reader of the file does end to end: the kernel's copy and one pass). It reports
// its time as a multiple of each (x-count-floor, x-copy-floor, x-read-floor), so a
// noisy machine does not hide a regression, and
// the CPU time the whole job took (user and system, every thread) as a multiple of
// the count floor's CPU time (x-count-floor-cpu): what the job costs in one core's
// passes over the file, whatever the other processes of a shared machine leave it. On N idle
// cores the wall ratio can approach x-count-floor-cpu / N at best. The time is split
// into parse-ms/op (reading and parsing) and count-ms/op.
func BenchmarkEndToEnd10M(b *testing.B) {
	_, data := big(b)
	path := filepath.Join(b.TempDir(), "big.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, len(data))
	blk := make([]byte, 256<<10) // the reader's blocks (ballotcsv's blockSize)
	floors := func() (cnt, cp, rd, cntCPU time.Duration) {
		t0, c0 := time.Now(), cpuTime()
		want := bytes.Count(data, []byte{'\n'})
		t1, c1 := time.Now(), cpuTime()
		copy(dst, data)
		t2 := time.Now()
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for {
			n, err := f.Read(blk)
			got += bytes.Count(blk[:n], []byte{'\n'})
			if err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
		if got != want {
			b.Fatalf("the raw scan counted %d line ends, the count in memory %d", got, want)
		}
		return t1.Sub(t0), t2.Sub(t1), time.Since(t2), c1 - c0
	}
	run := func(b *testing.B, workers int, stream bool) {
		b.SetBytes(int64(len(data)))
		var total, fc, fcp, frd, fcc, parse, read, cpu time.Duration
		for b.Loop() {
			c, cp, rd, cc := floors()
			fc, fcp, frd, fcc = fc+c, fcp+cp, frd+rd, fcc+cc
			t0, c0 := time.Now(), cpuTime()
			var p *count.Packed
			var err error
			// Labelled, with the workers it starts, for a CPU profile:
			// go tool pprof -tagfocus phase=end-to-end.
			pprof.Do(context.Background(), pprof.Labels("phase", "end-to-end"), func(context.Context) {
				if stream {
					f, err2 := os.Open(path)
					if err2 != nil {
						b.Fatal(err2)
					}
					p, err = ballotcsv.ReadPacked(f, path, workers)
					f.Close()
				} else {
					raw, err2 := os.ReadFile(path)
					if err2 != nil {
						b.Fatal(err2)
					}
					read += time.Since(t0)
					p, err = ballotcsv.ParsePacked(raw, path, workers)
				}
			})
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			pprof.Do(context.Background(), pprof.Labels("phase", "end-to-end"), func(context.Context) {
				_, err = CountPacked(p, count.Options{}, 1) // as count/job does
			})
			if err != nil {
				b.Fatal(err)
			}
			total += time.Since(t0)
			parse += t1.Sub(t0)
			cpu += cpuTime() - c0
		}
		n := float64(b.N)
		b.ReportMetric(float64(total.Microseconds())/n/1000, "ms/op-wall")
		b.ReportMetric(float64(parse.Microseconds())/n/1000, "parse-ms/op")
		if !stream {
			b.ReportMetric(float64(read.Microseconds())/n/1000, "read-ms/op")
		}
		b.ReportMetric(float64((total-parse).Microseconds())/n/1000, "count-ms/op")
		b.ReportMetric(float64(cpu)/float64(fcc), "x-count-floor-cpu")
		b.ReportMetric(float64(cpu.Microseconds())/n/1000, "cpu-ms/op")
		b.ReportMetric(float64(fc.Microseconds())/n/1000, "count-floor-ms")
		b.ReportMetric(float64(fcp.Microseconds())/n/1000, "copy-floor-ms")
		b.ReportMetric(float64(frd.Microseconds())/n/1000, "read-floor-ms")
		b.ReportMetric(float64(total)/float64(frd), "x-read-floor")
		b.ReportMetric(float64(total)/float64(fc), "x-count-floor")
		b.ReportMetric(float64(total)/float64(fcp), "x-copy-floor")
		b.ReportMetric(float64(len(data))/1e6, "MB-file")
	}
	procs := runtime.GOMAXPROCS(0)
	b.Run("stream-1", func(b *testing.B) { run(b, 1, true) })
	b.Run("stream-"+strconv.Itoa(procs), func(b *testing.B) { run(b, procs, true) })
	b.Run("readall-"+strconv.Itoa(procs), func(b *testing.B) { run(b, procs, false) })
}

// The benchmark data counts the same through the CSV and directly.
func TestCSVRoundTrip(t *testing.T) {
	p := genPacked(200_000, 5)
	q, err := ballotcsv.ParsePacked(toCSV(p), "x.csv", 2)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := CountPacked(p, count.Options{}, 2)
	c, _ := CountPacked(q, count.Options{}, 1)
	if a.Elected[0] != c.Elected[0] || len(a.Rounds) != len(c.Rounds) {
		t.Fatal("differ")
	}
	for i := range a.Rounds {
		for k, v := range a.Rounds[i].Tally {
			if c.Rounds[i].Tally[k] != v {
				t.Fatalf("round %d %s: %s vs %s", i+1, k, v, c.Rounds[i].Tally[k])
			}
		}
	}
	_ = strconv.Itoa
}

// BenchmarkGeneral1M35 counts 1,000,000 papers over 35 candidates (too many for the
// packed form, as Minneapolis 2013) with the general engine.
func BenchmarkGeneral1M35(b *testing.B) {
	if testing.Short() {
		b.Skip("1M-paper benchmark")
	}
	r := rand.New(rand.NewPCG(35, 1))
	e := &count.Election{Seats: 1}
	for i := range 35 {
		e.Candidates = append(e.Candidates, "C"+strconv.Itoa(i+1))
	}
	for range 1_000_000 {
		n := 1 + r.IntN(3)
		bl := count.Ballot{Weight: 1}
		for range n {
			// Popularity falls off with the candidate number.
			c := min(r.IntN(35), r.IntN(35), r.IntN(35))
			bl.Ranks = append(bl.Ranks, []int{c})
		}
		e.Ballots = append(e.Ballots, bl)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Count(e, count.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
