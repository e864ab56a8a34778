package sqldb

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/maphash"
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
		f := &updateFold{seed: maphash.MakeSeed()}
		f.addID([]byte("m1"))
		f.index()
		n := &foldNotes{}
		// A set at a joining's seq after it is its row of personal (so the
		// joining is sealed).
		sealed := map[int64]bool{}
		for i, x := range c.sets {
			for _, y := range c.sets[i+1:] {
				sealed[x.seq] = sealed[x.seq] || x.joining && y.joining && y.seq == x.seq
			}
		}
		noted := map[int64]bool{}
		for _, x := range c.sets {
			var vals [nNoted][]byte
			vals[pEmail] = []byte(x.v)
			var h hashSum
			switch {
			case x.joining && !noted[x.seq]:
				n.note(f, 0, noteJoining, x.seq, append(binary.LittleEndian.AppendUint64(nil, 100), append(h[:], b2u(sealed[x.seq]))...), &vals)
			case x.joining:
				n.note(f, 0, notePersonal, x.seq, append([]byte{1}, h[:]...), &vals)
			default:
				n.note(f, 0, noteUpdate, x.seq, []byte{0}, &vals)
			}
			noted[x.seq] = true
		}
		var seqs [2][]int64
		r, ok := f.resolve(0, &seqs)
		if got := string(r.vals[pEmail]); !ok || got != c.want {
			t.Errorf("%v: %q (ok %v), want %q", c.sets, got, ok, c.want)
		}
	}
}

// TestFoldResolveWhole: a member is compared whole, not resolved, with two
// joinings or none, a row of personal missing (of a sealed joining or of an
// update), or marked; a sealed joining and its row resolve, the element
// summed of each taken out.
func TestFoldResolveWhole(t *testing.T) {
	type note struct {
		kind byte
		seq  int64
		flag bool
	}
	for _, c := range []struct {
		notes []note
		bad   bool
		ok    bool
	}{
		{[]note{{noteJoining, 5, false}, {noteUpdate, 9, false}}, false, true},
		{[]note{{noteJoining, 5, true}, {noteUpdate, 9, true}, {notePersonal, 5, true}, {notePersonal, 9, false}}, false, true},
		{[]note{{noteJoining, 5, false}, {noteJoining, 7, false}}, false, false},
		{[]note{{noteUpdate, 9, false}}, false, false},
		{[]note{{noteJoining, 5, true}, {noteUpdate, 9, false}}, false, false},
		{[]note{{noteJoining, 5, false}, {noteUpdate, 9, true}}, false, false},
		{[]note{{noteJoining, 5, true}, {noteUpdate, 9, true}, {notePersonal, 9, false}}, false, false},
		{[]note{{noteJoining, 5, false}, {noteUpdate, 9, false}}, true, false},
	} {
		f := &updateFold{seed: maphash.MakeSeed()}
		f.addID([]byte("m1"))
		f.index()
		// Chunks of a note each: links across them.
		var want digest
		for i, x := range c.notes {
			n := &foldNotes{}
			h := hashSum{byte(i + 1)}
			var fields []byte
			switch x.kind {
			case noteJoining:
				fields = append(append(binary.LittleEndian.AppendUint64(nil, 100), h[:]...), b2u(x.flag))
				want.add(&h)
			case notePersonal:
				fields = []byte{b2u(x.flag)}
				if x.flag {
					fields = append(fields, h[:]...)
					want.add(&h)
				}
			default:
				fields = []byte{b2u(x.flag)}
			}
			if !n.note(f, 0, x.kind, x.seq, fields, &[nNoted][]byte{}) {
				t.Fatal("not noted")
			}
		}
		if c.bad {
			f.markBad(0)
		}
		var seqs [2][]int64
		r, ok := f.resolve(0, &seqs)
		if ok != c.ok || ok && (r.orig != want || r.joinSeq != 5 || r.day != 100) {
			t.Errorf("%v (marked %v): ok %v, want %v; joining %d on %d, summed as %v, want %v", c.notes, c.bad, ok, c.ok, r.joinSeq, r.day, r.orig, want)
		}
	}
}

// TestUpdateFoldMember: each member with updates is found, at their index,
// among many whose hashes share slots and filter bits, and no one else is.
func TestUpdateFoldMember(t *testing.T) {
	f := &updateFold{seed: maphash.MakeSeed()}
	const n = 5000
	for i := range n {
		f.addID(fmt.Appendf(nil, "m%d", i*3))
	}
	f.index()
	for i := range n {
		if got := f.member(fmt.Appendf(nil, "m%d", i*3)); got != int32(i) {
			t.Fatalf("m%d: %d, want %d", i*3, got, i)
		}
	}
	for i := range 20 * n {
		if i%3 == 0 && i < 3*n {
			continue
		}
		if got := f.member(fmt.Appendf(nil, "m%d", i)); got >= 0 {
			t.Fatalf("m%d, not among them: found at %d", i, got)
		}
	}
	// An id whose hash has the high half of a member's (the table's tag) is
	// told apart by the id itself (the filter, that would tell most apart,
	// set whole).
	for i := range f.filter {
		f.filter[i] = ^uint64(0)
	}
	tags := map[uint64]bool{}
	for i := range n {
		tags[maphash.Bytes(f.seed, f.id(int32(i)))>>32] = true
	}
	for i := 0; ; i++ {
		x := fmt.Appendf(nil, "x%d", i)
		if h := maphash.Bytes(f.seed, x); tags[h>>32] {
			if got := f.member(x); got >= 0 {
				t.Fatalf("%s, whose hash's high half is a member's: found at %d", x, got)
			}
			break
		}
	}
	var none *updateFold
	if none.member([]byte("m0")) != -1 {
		t.Fatal("a nil fold found a member")
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
		var j readParticulars
		var full rulebook.MemberJoined
		// The date is read by the fold's own reading (validJoined).
		if !quickJoining(data, &j) || !validJoined(j.joined, int64(rulebook.MustDate("2009-09-20"))) {
			return
		}
		if err := json.Unmarshal(append([]byte("{"), data...), &full); err != nil {
			t.Fatalf("%q: read quickly, refused by json.Unmarshal: %v", data, err)
		}
		quick := rulebook.MemberJoined{Member: rulebook.Member{ID: string(j.id), Name: string(j.vals[pName]), Email: string(j.vals[pEmail]),
			Phone: string(j.vals[pPhone]), Address: string(j.vals[pAddress]), Unit: string(j.vals[pUnit])}, Status: string(j.status)}
		if err := quick.Member.Joined.UnmarshalText(j.joined); err != nil {
			t.Fatalf("%q: the date %q taken as read, not parsed: %v", data, j.joined, err)
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
		var vals [nParticulars][]byte
		var full rulebook.MemberUpdated
		if !quickUpdate(data, &vals) {
			return
		}
		quick := rulebook.MemberUpdated{Name: string(vals[pName]), Email: string(vals[pEmail]), Phone: string(vals[pPhone]), Address: string(vals[pAddress]), Unit: string(vals[pUnit])}
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
