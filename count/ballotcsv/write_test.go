package ballotcsv

import (
	"bytes"
	"slices"
	"testing"

	"github.com/rulebook/rulebook/count"
	"pgregory.net/rapid"
)

// Writing an election and reading it back gives the same election (identical
// rankings grouped, zero-weight and repeated preferences aside).
func TestWriteParseRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 20).Draw(t, "n")
		name := rapid.StringMatching(`[A-Za-z][A-Za-z ,"'#.-]{0,12}[A-Za-z]`)
		names := rapid.SliceOfNDistinct(name, n, n, rapid.ID[string]).Draw(t, "names")
		e := &count.Election{Title: rapid.StringMatching(`[A-Za-z0-9 ,"]{0,20}`).Draw(t, "title"), Candidates: names, Seats: rapid.IntRange(1, n).Draw(t, "seats")}
		if rapid.Bool().Draw(t, "withdraw") {
			e.Withdrawn = make([]bool, n)
			e.Withdrawn[rapid.IntRange(0, n-1).Draw(t, "w")] = true
		}
		for range rapid.IntRange(0, 30).Draw(t, "ballots") {
			prefs := rapid.SliceOfDistinct(rapid.IntRange(0, n-1), rapid.ID[int]).Draw(t, "prefs")
			b := count.Ballot{Weight: rapid.Int64Range(1, 1000).Draw(t, "weight")}
			for len(prefs) > 0 {
				k := rapid.IntRange(1, min(2, len(prefs))).Draw(t, "eq")
				r := slices.Clone(prefs[:k])
				slices.Sort(r)
				b.Ranks = append(b.Ranks, r)
				prefs = prefs[k:]
			}
			e.Ballots = append(e.Ballots, b)
		}
		var buf bytes.Buffer
		if err := Write(&buf, e); err != nil {
			t.Fatal(err)
		}
		got, err := Parse(buf.Bytes(), "rt.csv")
		if err != nil {
			t.Fatalf("%v\n%s", err, buf.String())
		}
		trimmedTitle := got.Title
		if !slices.Equal(got.Candidates, e.Candidates) || got.Seats != e.Seats || trimmedTitle != bytesTrim(e.Title) {
			t.Fatalf("header: %+v", got)
		}
		if e.Withdrawn != nil && !slices.Equal(got.Withdrawn, e.Withdrawn) {
			t.Fatalf("withdrawn %v vs %v", got.Withdrawn, e.Withdrawn)
		}
		if !slices.Equal(canon(got.Ballots), canon(group(e.Ballots))) {
			t.Fatalf("ballots differ\n%v\n%v", canon(got.Ballots), canon(e.Ballots))
		}
	})
}

func bytesTrim(s string) string { return string(bytes.TrimSpace([]byte(s))) }

// group adds up identical rankings, as the parser does.
func group(bs []count.Ballot) []count.Ballot {
	var out []count.Ballot
	for _, b := range bs {
		i := slices.IndexFunc(out, func(o count.Ballot) bool {
			return slices.EqualFunc(o.Ranks, b.Ranks, func(x, y []int) bool { return slices.Equal(x, y) })
		})
		if i >= 0 {
			out[i].Weight += b.Weight
		} else {
			out = append(out, b)
		}
	}
	return out
}
