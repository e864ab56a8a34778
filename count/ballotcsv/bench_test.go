package ballotcsv

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"
)

// benchCSV is n papers over 12 candidates in the ranked CSV format, one record per
// paper, ranking 1 to 12 candidates (most few), as count/irv's benchmark data.
func benchCSV(n int) []byte {
	names := []string{"Abbott", "Baxter", "Chowdhury", "Dlamini", "Evans", "Fitzgerald",
		"Gallagher", "Hussain", "Ivanova", "Jones", "Kowalski", "Lindqvist"}
	r := rand.New(rand.NewPCG(uint64(n), 3))
	pop := []int{30, 26, 14, 9, 6, 4, 3, 3, 2, 1, 1, 1}
	var b bytes.Buffer
	b.WriteString("candidates")
	for _, c := range names {
		b.WriteString("," + c)
	}
	b.WriteByte('\n')
	for range n {
		length := 1 + r.IntN(3)
		if r.IntN(4) == 0 {
			length = 1 + r.IntN(12)
		}
		b.WriteString("1")
		var used uint16
		remain := 100
		for range length {
			// Skewed popularity, drawn without replacement, as real ballots are.
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
			b.WriteByte(',')
			b.WriteString(names[c])
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// BenchmarkParsePacked2M parses 2,000,000 papers held in memory on one worker, beside
// bytes.Count over the same bytes (x-count-floor: the parse as a multiple of it), with
// the CPU time of the parse per paper (cpu-ns/paper), which other processes on a
// shared machine disturb less than the wall time.
func BenchmarkParsePacked2M(b *testing.B) {
	data := benchCSV(2_000_000)
	b.SetBytes(int64(len(data)))
	var floor, parse float64
	var cpu time.Duration
	for b.Loop() {
		t := testingNow()
		bytes.Count(data, []byte{'\n'})
		t1 := testingNow()
		c0 := cpuTime()
		if _, err := ParsePacked(data, "b.csv", 1); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		floor += t1.Sub(t).Seconds()
		parse += testingNow().Sub(t1).Seconds()
	}
	b.ReportMetric(parse/floor, "x-count-floor")
	b.ReportMetric(parse/float64(b.N)/2e6*1e9, "ns/paper")
	b.ReportMetric(float64(cpu)/float64(b.N)/2e6, "cpu-ns/paper")
}

var testingNow = time.Now
