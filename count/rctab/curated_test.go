package rctab

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCuratedCases runs the RCTab cases copied into testdata/cases, so that a fresh
// clone checks real data: ES&S, CDF JSON and XML, generic CSV, Clear Ballot, Hart,
// multi-winner surplus transfer, multi-pass IRV, bottoms-up, random tie-breaks, and
// configs RCTab rejects.
func TestCuratedCases(t *testing.T) {
	dir := filepath.Join("testdata", "cases")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || name == "_shared" {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) { compareCase(t, filepath.Join(dir, name), name) })
	}
	if n < 10 {
		t.Fatalf("only %d curated cases found", n)
	}
}
