package ballotcsv

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/count"
)

const sample = `# a comment
candidates,Alice,Bob,"Carol, Jr"
title,Example, with comma
seats,1
withdrawn,Bob
3,Bob,Alice
1,"Carol, Jr",,Alice
2,Alice=Bob,"Carol, Jr"
1,Alice,Alice,Bob
 
4,Bob,Alice
0
`

func TestParse(t *testing.T) {
	e, err := Parse([]byte(sample), "s.csv")
	if err != nil {
		t.Fatal(err)
	}
	if e.Title != "Example, with comma" || e.Seats != 1 || !slices.Equal(e.Candidates, []string{"Alice", "Bob", "Carol, Jr"}) || !slices.Equal(e.Withdrawn, []bool{false, true, false}) {
		t.Fatalf("%+v", e)
	}
	// Identical rankings grouped: Bob>Alice 3+4 = 7.
	want := []count.Ballot{
		{Weight: 7, Ranks: [][]int{{1}, {0}}},
		{Weight: 1, Ranks: [][]int{{2}, {0}}},
		{Weight: 2, Ranks: [][]int{{0, 1}, {2}}},
		{Weight: 1, Ranks: [][]int{{0}, {1}}},
		{Weight: 0, Ranks: [][]int{}},
	}
	if fmt.Sprint(e.Ballots) != fmt.Sprint(want) {
		t.Fatalf("got  %v\nwant %v", e.Ballots, want)
	}
	if _, err := ParsePacked([]byte(sample), "s.csv", 1); !errors.Is(err, ErrNotPackable) {
		t.Fatalf("equal ranking: %v", err)
	}
}

func TestParsePacked(t *testing.T) {
	in := "candidates,A,B,C\n1,A,B\n2,C\n1,\"B\",C,A\n1,B,B\r\n1\n"
	p, err := ParsePacked([]byte(in), "p.csv", 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, k := range p.Rankings {
		got = append(got, fmt.Sprint(p.Weights[i], count.Unpack(k)))
	}
	// Short rankings come first, grouped, in key order.
	want := []string{"1 []", "1 [1]", "2 [2]", "1 [0 1]", "1 [1 2 0]"}
	if !slices.Equal(got, want) {
		t.Fatalf("%v", got)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "e.csv:1: no candidates record"},
		{"title,x\n", `e.csv:1: field 1: expected the candidates record first`},
		{"candidates,A,A\n", `e.csv:1: field 3: candidate "A" already named in field 2`},
		{"candidates,A,9B\n", `e.csv:1: field 3: candidate name "9B" starts with a digit`},
		{"candidates,A,B\nseats,3\n", "e.csv:2: field 2: seats"},
		{"candidates,A,B\nfoo,1\n", `e.csv:2: field 1: unknown record "foo"`},
		{"candidates,A,B\n1,A\n2,A,Zed\n", `e.csv:3: field 3: "Zed" is not a candidate`},
		{"candidates,A,B\n1,A\nx,A\n", `e.csv:3: field 1: "x" is not a count`},
		{"candidates,A,B\n1,A\n1,\"A\n", `e.csv:3: field 2: unterminated quoted field`},
		{"candidates,A,B\n\n# c\n1,A\n1,A=Q\n", `e.csv:5: field 2: "Q" in "A=Q" is not a candidate`},
		{"candidates,A,B\n99999999999999999,A\n", `e.csv:2: field 1: count too large`},
	} {
		_, err1 := Parse([]byte(tc.in), "e.csv")
		_, err2 := ParsePacked([]byte(tc.in), "e.csv", 1)
		for _, err := range []error{err1, err2} {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: got %v, want %q", tc.in, err, tc.want)
			}
		}
	}
}

// Splitting across workers keeps line numbers right.
func TestChunkedLineNumbers(t *testing.T) {
	var b strings.Builder
	b.WriteString("candidates,A,B\n")
	for range 300000 {
		b.WriteString("1,A,B\n")
	}
	b.WriteString("1,A,Nobody\n")
	_, err := ParsePacked([]byte(b.String()), "big.csv", 2)
	if err == nil || !strings.Contains(err.Error(), "big.csv:300002: field 3") {
		t.Fatalf("%v", err)
	}
	p, err := ParsePacked([]byte(strings.TrimSuffix(b.String(), "1,A,Nobody\n")+"5,B\n"), "big.csv", 2)
	if err != nil {
		t.Fatal(err)
	}
	// Two distinct short rankings, grouped.
	if len(p.Rankings) != 2 || p.Weights[0] != 5 || p.Weights[1] != 300000 || p.Papers() != 300005 {
		t.Fatalf("%d rankings, papers %d", len(p.Rankings), p.Papers())
	}
}

// The fast scanner and the general parser agree on every input: both fail, or both
// succeed with the same ballots (the packed form regrouped).
func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("candidates,A,B,C\n1,A,B\n2,C\n1,\"B\",C,A\n1,B,B\r\n1\n"))
	f.Add([]byte("candidates,A,B\n 1,A\n1, A ,B\n1,\"A\"x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data, "f.csv")
		p, perr := ParsePacked(data, "f.csv", 2)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			if perr == nil {
				t.Fatalf("general parser failed (%v), packed did not", err)
			}
			return
		}
		if perr != nil {
			if errors.Is(perr, ErrNotPackable) {
				return
			}
			t.Fatalf("packed parser failed (%v), general did not", perr)
		}
		pe := p.Election()
		if !slices.Equal(canon(pe.Ballots), canon(e.Ballots)) || !slices.Equal(pe.Candidates, e.Candidates) || pe.Title != e.Title || pe.Seats != e.Seats {
			t.Fatalf("packed %v\ngeneral %v", pe.Ballots, e.Ballots)
		}
	})
}

// canon lists ballots with papers as sorted strings, so that forms grouped in different
// orders compare equal.
func canon(bs []count.Ballot) []string {
	var out []string
	for _, b := range bs {
		if b.Weight > 0 {
			out = append(out, fmt.Sprint(b.Ranks, b.Weight))
		}
	}
	slices.Sort(out)
	return out
}
