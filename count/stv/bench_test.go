package stv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/blt"
)

// scotlandFiles reads every Scottish ward file (not the malformed one) into memory.
func scotlandFiles(b testing.TB) (names []string, data [][]byte) {
	d := sharedBallots(b)
	files, _ := filepath.Glob(filepath.Join(d, "scotland", "*.blt"))
	for _, f := range files {
		if filepath.Base(f) == "perth_kinross_2016_by_election_ward9.blt" {
			continue
		}
		buf, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		names = append(names, filepath.Base(f))
		data = append(data, buf)
	}
	return names, data
}

// BenchmarkScotland counts all Scottish wards (parsed beforehand); one op = all wards.
func BenchmarkScotland(b *testing.B) {
	names, data := scotlandFiles(b)
	elections := make([]*count.Election, len(data))
	for i := range data {
		e, _, err := blt.ParseBytes(data[i], names[i])
		if err != nil {
			b.Fatal(err)
		}
		elections[i] = e
	}
	b.ReportMetric(float64(len(elections)), "wards")
	c0 := cpuTime()
	for b.Loop() {
		for _, e := range elections {
			if _, err := Scottish(e, count.Options{}, Config{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkScotlandParse parses all Scottish ward files from memory; one op = all wards.
func BenchmarkScotlandParse(b *testing.B) {
	names, data := scotlandFiles(b)
	b.ReportMetric(float64(len(data)), "wards")
	c0 := cpuTime()
	for b.Loop() {
		for i := range data {
			if _, _, err := blt.ParseBytes(data[i], names[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
