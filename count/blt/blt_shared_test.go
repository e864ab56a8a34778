package blt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedDir is the reference data beside the repository (CI: ../shared).
func sharedDir(t testing.TB) string {
	d := filepath.Join("..", "..", "..", "shared", "ballots")
	if _, err := os.Stat(d); err != nil {
		t.Skip("reference data ../shared/ballots not present")
	}
	return d
}

func TestSharedFilesParse(t *testing.T) {
	d := sharedDir(t)
	files, _ := filepath.Glob(filepath.Join(d, "scotland", "*.blt"))
	more, _ := filepath.Glob(filepath.Join(d, "droop", "blt", "*.blt"))
	files = append(files, more...)
	more, _ = filepath.Glob(filepath.Join(d, "droop", "blt", "*", "*.blt"))
	files = append(files, more...)
	if len(files) < 400 {
		t.Fatalf("found only %d BLT files", len(files))
	}
	bad := 0
	for _, f := range files {
		e, err := ParseFile(f)
		if strings.HasSuffix(f, "perth_kinross_2016_by_election_ward9.blt") {
			if err == nil {
				t.Errorf("%s: malformed file parsed without error", f)
			} else {
				t.Logf("malformed file: %v", err)
			}
			continue
		}
		if strings.HasSuffix(f, "undeclared.blt") { // Minneapolis write-in option we do not support
			if err == nil {
				t.Errorf("%s: [undeclared] accepted", f)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v", err)
			bad++
			continue
		}
		if len(e.Candidates) == 0 || e.Seats < 1 || len(e.Ballots) == 0 {
			t.Errorf("%s: empty election", f)
		}
	}
}
