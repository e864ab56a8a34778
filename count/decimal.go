package count

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Itoa formats a whole-vote count as a tally string.
func Itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Percent returns 100*part/whole as a decimal string rounded half up to places
// decimal places, computed in integers so that the share printed is exact.
func Percent(part, whole int64, places int) string {
	if whole == 0 {
		return "0"
	}
	r := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(part), big.NewInt(100)), big.NewInt(whole))
	return RatString(r, places)
}

// RatString formats r with places decimal places, rounding half away from zero.
func RatString(r *big.Rat, places int) string {
	return r.FloatString(places) // big.Rat rounds half away from zero, exactly
}

// ParsePercent reads a threshold such as "5" or "2.5" as an exact fraction of 100.
func ParsePercent(s string) (*big.Rat, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	r, ok := new(big.Rat).SetString(s)
	if !ok || strings.ContainsAny(s, "/eE") {
		return nil, fmt.Errorf("threshold %q is not a decimal percentage", s)
	}
	if r.Sign() < 0 || r.Cmp(big.NewRat(100, 1)) > 0 {
		return nil, fmt.Errorf("threshold %q is outside 0..100", s)
	}
	return r, nil
}

// BelowPercent reports whether votes is strictly below pct percent of total.
func BelowPercent(votes, total int64, pct *big.Rat) bool {
	lhs := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(votes), big.NewInt(100)), big.NewInt(1))
	rhs := new(big.Rat).Mul(pct, new(big.Rat).SetInt64(total))
	return lhs.Cmp(rhs) < 0
}
