package sqldb

import (
	"slices"
	"sort"
	"strconv"
	"testing"
)

// FuzzParseInt: the members' digest check reads integers as strconv does.
func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "-1", "+7", "14611", "", "-", "1x", "999999999999999999", "9223372036854775807", "-9223372036854775808", "9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseInt([]byte(s))
		want, err := strconv.ParseInt(s, 10, 64)
		if ok != (err == nil) || (ok && n != want) {
			t.Fatalf("%q read as %d, %v; strconv reads %d, %v", s, n, ok, want, err)
		}
	})
}

// TestHeldCursor: the held are found among ids met in order, out of order,
// and repeated, as a look-up would find them.
func TestHeldCursor(t *testing.T) {
	held := []string{"b", "d", "d2", "f", "zz"}
	set := map[string]bool{}
	for _, id := range held {
		set[id] = true
	}
	ids := []string{"", "a", "b", "b", "c", "d", "d1", "d2", "e", "f", "g", "zz", "zzz"}
	orders := [][]string{ids, slices.Clone(ids), slices.Clone(ids)}
	slices.Reverse(orders[1])
	sort.Slice(orders[2], func(i, j int) bool { return (i*7)%5 < (j*7)%5 })
	for _, order := range orders {
		c := heldCursor{ids: held}
		for _, id := range order {
			if got := c.has([]byte(id)); got != set[id] {
				t.Errorf("%q (in %v): held %v, want %v", id, order, got, set[id])
			}
		}
	}
}
