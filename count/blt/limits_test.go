package blt

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// allocated runs f and reports the bytes it allocated on the heap.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// Hostile headers are refused at the header line, before anything is allocated
// per candidate.
func TestCandidateLimits(t *testing.T) {
	var many strings.Builder
	many.WriteString("10000 1\n1 1 0\n0\n")
	for i := range 10000 {
		fmt.Fprintf(&many, "\"Candidate %d\"\n", i+1)
	}
	many.WriteString("\"Title\"\n")
	var names strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&names, "C%d\n", i+1)
	}
	for _, c := range []struct{ name, in, want string }{
		{"declared 10000", "10000 1\n1 1 0\n0\n\"A\"\n\"T\"\n",
			"h.blt:1: field 1 (candidates): number of candidates 10000 out of range 1..1000"},
		{"10000 named", many.String(),
			"h.blt:1: field 1 (candidates): number of candidates 10000 out of range 1..1000"},
		{"declared 900 in a small file", "900 1\n1 1 0\n0\n\"A\"\n\"T\"\n",
			"h.blt:1: field 1 (candidates): 900 candidates declared, but a file of 22 bytes cannot name them"},
		{"seats beyond candidates", "2 1000000\n1 1 0\n0\nA\nB\nT\n",
			"h.blt:1: field 2 (seats): 1000000 seats for 2 candidates"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, _, err = ParseBytes([]byte(c.in), "h.blt") })
			if err == nil || err.Error() != c.want {
				t.Fatalf("got %v, want %s", err, c.want)
			}
			if n > 4*uint64(len(c.in))+64<<10 {
				t.Errorf("allocated %d bytes for a %d-byte file", n, len(c.in))
			}
		})
	}
	// the limit itself is allowed
	in := "1000 1\n1 1 0\n0\n" + names.String() + "T\n"
	e, _, err := ParseBytes([]byte(in), "ok.blt")
	if err != nil || len(e.Candidates) != 1000 {
		t.Fatalf("1000 candidates: %v", err)
	}
}
