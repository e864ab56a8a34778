package sqldb

import (
	"math"
	"testing"

	"github.com/rulebook/rulebook"
)

// TestAppendDay: the members' check writes every day as rulebook.Date does,
// those it works out itself and those beyond (and int64s a Date truncates).
func TestAppendDay(t *testing.T) {
	check := func(joined int64) {
		if got, want := string(appendDay(nil, joined)), rulebook.Date(joined).String(); got != want {
			t.Fatalf("day %d: %q, want %q", joined, got, want)
		}
	}
	for d := int64(-719161 - 400); d <= 2932897+400; d++ {
		check(d)
	}
	for _, d := range []int64{math.MinInt32, math.MaxInt32, math.MinInt64, math.MaxInt64, 1 << 32, 1<<32 + 1, -1 << 40} {
		check(d)
	}
}
