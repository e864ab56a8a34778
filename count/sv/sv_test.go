package sv

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/count"
	"pgregory.net/rapid"
)

// Hand-checked: 100 valid papers, A 40, B 35 (no majority). C and D go; of C's 20
// papers 8 name A second, 7 name B, 5 none; D's 5 papers all name C second, which does
// not count (C is out). A 48, B 42, 10 exhausted.
func TestNoMajority(t *testing.T) {
	b := &Ballots{Candidates: []string{"A", "B", "C", "D"}, Pairs: []Pair{
		{"A", "B", 30}, {"A", "", 10}, {"B", "A", 35}, {"C", "A", 8}, {"C", "B", 7}, {"C", "", 5}, {"D", "C", 5},
	}}
	r, err := Count(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	r2 := r.Rounds[1]
	if r.Elected[0] != "A" || r2.Tally["A"] != "48" || r2.Tally["B"] != "42" || r2.Transfers["A"] != "8" || r2.Transfers["B"] != "7" ||
		r2.Transfers["exhausted"] != "10" || r2.Transfers["C"] != "-20" || r2.Transfers["D"] != "-5" || len(r2.Tally) != 2 {
		t.Fatalf("%+v", r)
	}
	if !slices.Equal(r.Rounds[0].Eliminated, []string{"C", "D"}) || r.Quota != "51" {
		t.Fatalf("%+v", r.Rounds[0])
	}
}

// Exactly half is not more than half: a second round is needed.
func TestExactlyHalf(t *testing.T) {
	b := &Ballots{Candidates: []string{"A", "B", "C"}, Pairs: []Pair{{"A", "", 50}, {"B", "", 30}, {"C", "B", 20}}}
	r, err := Count(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rounds) != 2 || r.Rounds[1].Tally["B"] != "50" || r.Elected[0] != "A" && r.Elected[0] != "B" || len(r.TieBreaks) != 1 {
		t.Fatalf("%+v", r)
	}
}

// A second choice for the same candidate as the first is no second choice.
func TestSameSecond(t *testing.T) {
	b := &Ballots{Candidates: []string{"A", "B", "C"}, Pairs: []Pair{{"A", "", 40}, {"B", "", 35}, {"C", "C", 25}}}
	r, err := Count(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rounds[1].Transfers["exhausted"] != "25" || r.Elected[0] != "A" {
		t.Fatalf("%+v", r)
	}
}

// Equal third place: lot picks who stays among the two tied.
func TestTieForSecondPlace(t *testing.T) {
	b := &Ballots{Candidates: []string{"A", "B", "C", "D"}, Pairs: []Pair{{"A", "", 40}, {"B", "", 30}, {"C", "", 30}, {"D", "B", 1}}}
	stayed := map[string]bool{}
	for seed := int64(0); seed < 16; seed++ {
		r, err := Count(b, seed)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.TieBreaks) != 1 || !slices.Equal(r.TieBreaks[0].Tied, []string{"B", "C"}) {
			t.Fatalf("%+v", r.TieBreaks)
		}
		stayed[r.TieBreaks[0].Chosen] = true
		if _, ok := r.Rounds[1].Tally[r.TieBreaks[0].Chosen]; !ok {
			t.Fatal("the one drawn to stay is not in round 2")
		}
	}
	if len(stayed) != 2 {
		t.Fatal("lot never varied")
	}
}

type official struct {
	ID     string `json:"id"`
	System string `json:"system"`
	Rounds []struct {
		FirstPreferences map[string]int64 `json:"first_preferences"`
		Transfers        map[string]int64 `json:"transfers"`
		Totals           map[string]int64 `json:"totals"`
	} `json:"rounds"`
	Winner string `json:"winner"`
}

// pairsFor rebuilds papers consistent with a published declaration, as the acceptance
// check does: the eliminated candidates' papers carry the published transfers as second
// choices, the rest no second choice.
func pairsFor(e *official) *Ballots {
	fp := e.Rounds[0].FirstPreferences
	names := make([]string, 0, len(fp))
	for c := range fp {
		names = append(names, c)
	}
	sort.Slice(names, func(i, j int) bool {
		return fp[names[i]] > fp[names[j]] || fp[names[i]] == fp[names[j]] && names[i] < names[j]
	})
	top := names[:2]
	need := map[string]int64{}
	if len(e.Rounds) > 1 {
		for k, v := range e.Rounds[1].Transfers {
			need[k] = v
		}
	}
	b := &Ballots{}
	for _, c := range names {
		n := fp[c]
		if !slices.Contains(top, c) {
			for _, t := range top {
				take := min(n, need[t])
				if take > 0 {
					b.Pairs = append(b.Pairs, Pair{c, t, take})
					need[t] -= take
					n -= take
				}
			}
		}
		if n > 0 {
			b.Pairs = append(b.Pairs, Pair{c, "", n})
		}
	}
	b.Candidates = names
	return b
}

func checkOfficial(t *testing.T, dir string) int {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var e official
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		if e.System != "sv" || len(e.Rounds) == 0 || e.Rounds[0].FirstPreferences == nil {
			continue
		}
		n++
		r, err := Count(pairsFor(&e), 0)
		if err != nil {
			t.Fatalf("%s: %v", e.ID, err)
		}
		if r.Elected[0] != e.Winner {
			t.Errorf("%s: elected %s, declared %s", e.ID, r.Elected[0], e.Winner)
		}
		if len(e.Rounds) > 1 {
			last := r.Rounds[len(r.Rounds)-1]
			for c, v := range e.Rounds[1].Totals {
				if last.Tally[c] != count.Itoa(v) {
					t.Errorf("%s: %s has %s, declared %d", e.ID, c, last.Tally[c], v)
				}
			}
		} else if len(r.Rounds) != 1 {
			t.Errorf("%s: declared on first preferences, counted %d rounds", e.ID, len(r.Rounds))
		}
	}
	return n
}

// London mayor 2012 (second round needed) and Tower Hamlets 2010 (majority on first
// preferences), copied into testdata.
func TestOfficialTestdata(t *testing.T) {
	if n := checkOfficial(t, "testdata/official"); n != 2 {
		t.Fatalf("%d cases", n)
	}
}

// The whole official corpus, when ../shared is present.
func TestOfficialShared(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "ballots", "official")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared/ballots not present")
	}
	t.Logf("%d official SV cases", checkOfficial(t, dir))
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"first,second,count\n,A,3\n", "p.csv:2: field first: empty"},
		{"first,second,count\nA,B,x\n", "p.csv:2: field count"},
		{"first,second\nA,B\n", "p.csv:1:"},
		{"first,second,count\nA,,3\n", "1 candidate(s)"},
	} {
		if _, err := ParsePairs(strings.NewReader(tc.in), "p.csv"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
}

// The count does not depend on the order of the rows, and votes are conserved.
func TestPairOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		names := []string{"A", "B", "C", "D", "E"}[:rapid.IntRange(2, 5).Draw(t, "n")]
		b := &Ballots{Candidates: names}
		var total int64
		for range rapid.IntRange(1, 12).Draw(t, "rows") {
			p := Pair{First: rapid.SampledFrom(names).Draw(t, "f"), Count: rapid.Int64Range(0, 50).Draw(t, "c")}
			if rapid.Bool().Draw(t, "has2") {
				p.Second = rapid.SampledFrom(names).Draw(t, "s")
			}
			total += p.Count
			b.Pairs = append(b.Pairs, p)
		}
		seed := rapid.Int64().Draw(t, "seed")
		r1, err := Count(b, seed)
		if err != nil {
			t.Fatal(err)
		}
		b2 := &Ballots{Candidates: names, Pairs: rapid.Permutation(b.Pairs).Draw(t, "perm")}
		r2, err := Count(b2, seed)
		if err != nil {
			t.Fatal(err)
		}
		j1, _ := json.Marshal(r1)
		j2, _ := json.Marshal(r2)
		if string(j1) != string(j2) {
			t.Fatalf("%s\n%s", j1, j2)
		}
		last := r1.Rounds[len(r1.Rounds)-1]
		sum := new(big.Int)
		for _, v := range last.Tally {
			x, _ := new(big.Int).SetString(v, 10)
			sum.Add(sum, x)
		}
		if len(r1.Rounds) == 2 {
			x, _ := new(big.Int).SetString(last.Exhausted, 10)
			sum.Add(sum, x)
			if sum.Int64() != total {
				t.Fatalf("votes not conserved: %v vs %d", sum, total)
			}
		}
	})
}

func FuzzParsePairs(f *testing.F) {
	f.Add("first,second,count\nA,B,10\nB,,8\nC,B,3\n")
	f.Add("first,second,count\n\"A, x\",\"B\"\"\",1\r\n")
	f.Add("first,second,count\nA,A,1\nB,C,0\n")
	f.Fuzz(func(t *testing.T, in string) {
		b, err := ParsePairs(strings.NewReader(in), "f.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		r, err := Count(b, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Elected) != 1 {
			t.Fatal("no winner")
		}
	})
}
