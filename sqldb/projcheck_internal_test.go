package sqldb

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
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

// FuzzIsSearchKey: the members' digest check tells a name's search key as
// rulebook.SearchKey makes it, for the key itself and for keys a byte off.
func FuzzIsSearchKey(f *testing.F) {
	for _, s := range []string{"Rowan Ashdown", "", " ", "  Ann  ", "Mary Ann\tde la Cruz", "ÉMILE Zola", "a b c d e f g h i j k l m n o p q r", "X\vY\fZ\rW", "Jo\u00a0Bloggs"} {
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, name, other string) {
		key := rulebook.SearchKey(name)
		if !isSearchKey([]byte(name), []byte(key)) {
			t.Fatalf("%q: its own key %q refused", name, key)
		}
		if got, want := isSearchKey([]byte(name), []byte(other)), other == key; got != want {
			t.Fatalf("%q with key %q: %v, want %v (its key is %q)", name, other, got, want, key)
		}
		for _, k := range []string{key + " ", key + "x", strings.TrimSuffix(key, key[max(len(key)-1, 0):]), strings.ToUpper(key)} {
			if got, want := isSearchKey([]byte(name), []byte(k)), k == key; got != want {
				t.Fatalf("%q with key %q: %v, want %v (its key is %q)", name, k, got, want, key)
			}
		}
	})
}
