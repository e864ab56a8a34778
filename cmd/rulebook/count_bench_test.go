package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/blt"
)

// TestMain lets the test binary stand in for rulebook when RULEBOOK_TEST_AS_MAIN is
// set, so that a benchmark can start it as a process of its own, as a script that
// counts ward by ward would start rulebook.
func TestMain(m *testing.M) {
	if os.Getenv("RULEBOOK_TEST_AS_MAIN") == "1" {
		e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
		os.Exit(run(context.Background(), e, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// wards writes n ward elections as BLT files, each 8 candidates for 3 seats and 6,000
// papers, about the size of a Scottish council ward.
func wards(b *testing.B, n int) (dir string, files []string) {
	dir = b.TempDir()
	r := rand.New(rand.NewPCG(uint64(n), 7))
	for w := range n {
		e := &count.Election{Seats: 3, Title: fmt.Sprintf("Ward %d", w+1)}
		for c := range 8 {
			e.Candidates = append(e.Candidates, fmt.Sprintf("Candidate %c%d", 'A'+c, w))
		}
		for range 6000 {
			bl := count.Ballot{Weight: 1}
			used := map[int]bool{}
			for range 1 + r.IntN(5) {
				c := min(r.IntN(8), r.IntN(8))
				if !used[c] {
					used[c] = true
					bl.Ranks = append(bl.Ranks, []int{c})
				}
			}
			e.Ballots = append(e.Ballots, bl)
		}
		var buf bytes.Buffer
		if err := blt.Write(&buf, e); err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("ward%02d.blt", w+1))
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
		files = append(files, p)
	}
	return dir, files
}

// BenchmarkCountManyFiles counts 40 wards by STV three ways, each in the same run:
//
//   - one-process: one `rulebook count` given the folder (a process started once);
//   - process-per-file: `rulebook count` started once per ward, as a shell loop would;
//   - in-process: the same counts with no process started (the counting alone).
//
// It reports each as ms per ward and, for process-per-file, its time as a multiple of
// one-process (x-one-process): what counting ward by ward costs.
func BenchmarkCountManyFiles(b *testing.B) {
	const n = 40
	dir, files := wards(b, n)
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	start := func(args ...string) {
		cmd := exec.Command(self, append([]string{"count", "--method", "stv-scottish", "--seed", "1"}, args...)...)
		cmd.Env = append(os.Environ(), "RULEBOOK_TEST_AS_MAIN=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
	var one, each, inproc time.Duration
	for b.Loop() {
		t0 := time.Now()
		start(dir)
		t1 := time.Now()
		for _, f := range files {
			start(f)
		}
		t2 := time.Now()
		var out, errb bytes.Buffer
		e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		if code := run(context.Background(), e, []string{"count", "--method", "stv-scottish", "--seed", "1", dir}); code != 0 {
			b.Fatal(errb.String())
		}
		one, each, inproc = one+t1.Sub(t0), each+t2.Sub(t1), inproc+time.Since(t2)
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) / n }
	b.ReportMetric(per(one), "one-process-ms/ward")
	b.ReportMetric(per(each), "process-per-file-ms/ward")
	b.ReportMetric(per(inproc), "in-process-ms/ward")
	b.ReportMetric(float64(each)/float64(one), "x-one-process")
}
