package college

import (
	"math/big"
	"testing"
)

// FuzzParseWeight: a weight is refused or lies in (0, 1], and a percentage reads
// as its hundredth.
func FuzzParseWeight(f *testing.F) {
	for _, s := range []string{"50%", "1/3", "33.5%", "0.25", "100%", "0", "-1/2", "1/0", "1e3", " 2/3 ", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseWeight(s)
		if err != nil {
			return
		}
		if r.Sign() <= 0 || r.Cmp(big.NewRat(1, 1)) > 0 {
			t.Fatalf("ParseWeight(%q) = %s, outside (0, 1]", s, r.RatString())
		}
	})
}
