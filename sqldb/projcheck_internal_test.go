package sqldb

import (
	"encoding/json"
	"fmt"
	"reflect"
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

// TestIDCursor: the ids held are found among ids met in order, out of order,
// and repeated, as a look-up would find them.
func TestIDCursor(t *testing.T) {
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
		c := idCursor{ids: held}
		for _, id := range order {
			if got := c.has([]byte(id)); got != set[id] {
				t.Errorf("%q (in %v): held %v, want %v", id, order, got, set[id])
			}
		}
	}
}

// TestEarliestPoints: each member's earliest status point (by day, then seq)
// is kept, whatever order the points come in, and tells a joining it comes
// before.
func TestEarliestPoints(t *testing.T) {
	var e earliestPoints
	for _, p := range []struct {
		id       string
		day, seq int64
	}{{"b", 10, 5}, {"a", 7, 9}, {"b", 10, 3}, {"c", 4, 1}, {"b", 12, 1}, {"a", 6, 20}, {"c", 4, 2}} {
		e.add([]byte(p.id), [2]int64{p.day, p.seq})
	}
	e.done()
	if fmt.Sprint(e.ids, e.at) != "[a b c] [[6 20] [10 3] [4 1]]" {
		t.Fatalf("%v %v", e.ids, e.at)
	}
	c := idCursor{ids: e.ids}
	for _, q := range []struct {
		id          string
		joined, seq int64
		want        bool
	}{{"a", 6, 19, false}, {"a", 6, 21, true}, {"b", 10, 2, false}, {"b", 11, 1, true}, {"bb", 100, 100, false}, {"c", 4, 1, false}, {"c", 5, 0, true}} {
		if got := e.before(&c, []byte(q.id), q.joined, q.seq); got != q.want {
			t.Errorf("%s joined %d at seq %d: a point before it %v, want %v", q.id, q.joined, q.seq, got, q.want)
		}
	}
}

// TestFoldMemberSet: a particular is the last set, by seq, whatever order the
// joining and the updates are noted in: the joining sets each, empty or not;
// an update only those it gives.
func TestFoldMemberSet(t *testing.T) {
	type set struct {
		v       string
		seq     int64
		joining bool
	}
	for _, c := range []struct {
		sets []set
		want string
	}{
		{[]set{{"a", 5, true}, {"b", 9, false}}, "b"},
		{[]set{{"b", 9, false}, {"a", 5, true}}, "b"},
		{[]set{{"a", 5, true}, {"", 9, false}}, "a"},
		{[]set{{"", 5, true}, {"c", 12, false}, {"b", 9, false}}, "c"},
		{[]set{{"c", 12, false}, {"", 5, true}, {"b", 9, false}}, "c"},
		// A sealed joining's particular, null in its data, then its row of personal.
		{[]set{{"", 5, true}, {"a", 5, true}}, "a"},
		{[]set{{"b", 9, false}, {"", 5, true}, {"a", 5, true}}, "b"},
	} {
		var m foldMember
		for _, x := range c.sets {
			m.set(pEmail, x.v, x.seq, x.joining)
		}
		if m.vals[pEmail] != c.want {
			t.Errorf("%v: %q, want %q", c.sets, m.vals[pEmail], c.want)
		}
	}
}

// FuzzQuickJoining: a joining's data read quickly (after its opening brace)
// is what json.Unmarshal reads, and nothing it refuses is read.
func FuzzQuickJoining(f *testing.F) {
	for _, s := range []string{`"member":{"id":"G0000018","name":null,"email":null,"unit":"b0711","joined":"2009-09-20"},"status":"active"}`,
		`"member":{"id":"m1","name":"Ann","unit":"north"}}`, `"member":{"id":"m1","branch":"b1"}}`, `"member":{"id":"m1","joined":"2009-13-20"}}`,
		`"member":{"id":"m1","id":"m2"},"status":null}`, `"member":{"ID":"m1"}}`, `"member":{},"status":"a","x":1}`, `"member":{"name":"é"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var quick, full rulebook.MemberJoined
		if !quickJoining(data, &quick) {
			return
		}
		if err := json.Unmarshal(append([]byte("{"), data...), &full); err != nil {
			t.Fatalf("%q: read quickly, refused by json.Unmarshal: %v", data, err)
		}
		if quick != full {
			t.Fatalf("%q: read quickly as %+v, by json.Unmarshal as %+v", data, quick, full)
		}
	})
}

// FuzzQuickUpdate: an update's data read quickly (after its opening brace) is
// what json.Unmarshal reads, and no update of the first releases.
func FuzzQuickUpdate(f *testing.F) {
	for _, s := range []string{`"email":null}`, `"unit":"b0012"}`, `}`, `"branch":"b1"}`, `"email":"a","email":"b"}`, `"Email":"x"}`, `"name":"a",}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var quick, full rulebook.MemberUpdated
		if !quickUpdate(data, &quick) {
			return
		}
		if err := json.Unmarshal(append([]byte("{"), data...), &full); err != nil || full.Legacy() {
			t.Fatalf("%q: read quickly, by json.Unmarshal: %v (first releases' %v)", data, err, full.Legacy())
		}
		if !reflect.DeepEqual(quick, full) {
			t.Fatalf("%q: read quickly as %+v, by json.Unmarshal as %+v", data, quick, full)
		}
	})
}

// FuzzDecisionJSON: a decision is written out for the digests as the
// Appender stores it.
func FuzzDecisionJSON(f *testing.F) {
	f.Add("ncc", "6.I.1.D", "end of suspended", "B000040", "")
	f.Add("", "", "", "", "")
	f.Add("<nec> & \"co\"", "\u2028", "\x01\t", "\xff\xfe", "é")
	f.Fuzz(func(t *testing.T, body, clause, reason, cas, sanction string) {
		d := rulebook.Decision{Body: body, Clause: clause, Reason: reason, Case: cas, Sanction: sanction}
		if got, want := string(appendDecision([]byte("x"), &d)), "x"+mustJSON(d); got != want {
			t.Fatalf("%+v: %q, stored as %q", d, got, want)
		}
	})
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
