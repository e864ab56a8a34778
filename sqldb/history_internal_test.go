package sqldb

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortByKeys checks the ordering historyQuery gives each part's rows, which
// its statement no longer asks the engine for: by (o, seq, sub), rows with equal
// keys in the order read, whatever order they come in.
func TestSortByKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 40 {
		keys := make([]histKey, n)
		vals := make([]int, n)
		for i := range keys {
			keys[i] = histKey{int64(r.IntN(3)), int64(r.IntN(3)), int64(r.IntN(2))}
			vals[i] = i
		}
		got := sortByKeys(slices.Clone(vals), keys)
		if len(got) != n {
			t.Fatalf("%d values sorted into %d", n, len(got))
		}
		for i := 1; i < n; i++ {
			a, b := keys[got[i-1]], keys[got[i]]
			if c := a.compare(b); c > 0 || c == 0 && got[i-1] > got[i] {
				t.Fatalf("keys %v: %v out of order at %d", keys, got, i)
			}
		}
		seen := slices.Sorted(slices.Values(got))
		if !slices.Equal(seen, vals) {
			t.Fatalf("keys %v: %v is not a permutation", keys, got)
		}
	}
	// In order already: the same slice back.
	in := []string{"a", "b"}
	if got := sortByKeys(in, []histKey{{0, 1, 0}, {0, 2, 0}}); &got[0] != &in[0] {
		t.Errorf("values in order were copied")
	}
}
