package stv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/blt"
)

// FuzzCount feeds BLT files through every method: none may panic, and each that
// counts must fill exactly the seats with distinct candidates.
func FuzzCount(f *testing.F) {
	for _, dir := range []string{"testdata/droop/blt", "testdata/droop/blt/scotland", "testdata/droop/blt/qpq", "testdata/droop/blt/cfer", "testdata/droop/blt/meek"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.blt"))
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			if len(data) < 4000 {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("3 2\n4 1 2 0\n2 3 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, _, err := blt.ParseBytes(data, "fuzz.blt")
		if err != nil || len(e.Candidates) > 12 || len(e.Ballots) > 200 {
			return
		}
		for _, m := range methodsUnderTest {
			r, err := m.count(e, count.Options{Seed: 1}, Config{})
			if err != nil {
				continue
			}
			seen := map[string]bool{}
			for _, c := range r.Elected {
				if seen[c] {
					t.Fatalf("%s: %s elected twice", m.name, c)
				}
				seen[c] = true
			}
			if len(r.Elected) != e.Seats {
				t.Fatalf("%s: %d elected for %d seats", m.name, len(r.Elected), e.Seats)
			}
		}
	})
}
