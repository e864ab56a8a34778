package ballotcsv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

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
	// In order of first preference (none first), identical rankings grouped.
	want := []string{"1 []", "1 [0 1]", "1 [1]", "1 [1 2 0]", "2 [2]"}
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
	if len(p.Rankings) != 2 || p.Weights[0] != 300000 || p.Weights[1] != 5 || p.Papers() != 300005 {
		t.Fatalf("%d rankings, papers %d", len(p.Rankings), p.Papers())
	}
}

// The fast scanner and the general parser agree on every input: both fail, or both
// succeed with the same ballots (the packed form regrouped).
func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("candidates,A,B,C\n1,A,B\n2,C\n1,\"B\",C,A\n1,B,B\r\n1\n"))
	f.Add([]byte("candidates,A,B\n 1,A\n1, A ,B\n1,\"A\"x\n"))
	f.Add([]byte("\ufeff\"candidates\",\"A, \"\"a\"\"\",\"B\nb\"\n\"title\",\"T\nU\"\n\"2\",\"A, \"\"a\"\"\",\"B\nb\"\r\n# \"odd\n1,\"B\nb\"\n"))
	f.Add([]byte("candidates,A,B\n1,A,B\n1,\"A\"\n\"1\",B\n1,\"A\nB\"\n"))
	// Long enough for the fast paths (which need slack after a record): awkward names
	// and records, see TestFastPathsAgree.
	f.Add(genTricky(rand.New(rand.NewPCG(9, 9)), []string{"-dash", "Ab", "Abc def", "A", "x=y"}, 60, false))
	f.Add(genTricky(rand.New(rand.NewPCG(9, 10)), []string{"Abcdefghijklmnopqrstuvwxyz012345", "Abcdefgh", "B"}, 60, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data, "f.csv")
		p, perr := ParsePacked(data, "f.csv", 2)
		// Streamed a byte at a time in small blocks, the reading agrees with ParsePacked.
		defer func(n int) { blockSize = n }(blockSize)
		blockSize = 64
		sp, serr := ReadPacked(iotest.OneByteReader(bytes.NewReader(data)), "f.csv", 3)
		blockSize = 1 << 20
		if (serr == nil) != (perr == nil) || (serr != nil && serr.Error() != perr.Error()) {
			t.Fatalf("streamed: %v\nin memory: %v", serr, perr)
		}
		if perr == nil && !slices.Equal(canon(sp.Election().Ballots), canon(p.Election().Ballots)) {
			t.Fatalf("streamed %v\nin memory %v", sp.Election().Ballots, p.Election().Ballots)
		}
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

// Every field may be quoted as RFC 4180 says, header records included: quoted fields
// hold commas, doubled quotes and line breaks (LF or CRLF), and the line numbers of
// later errors count the line breaks inside quoted fields.
func TestRFC4180Quoting(t *testing.T) {
	in := "\ufeff\"candidates\",\"Smith, Ann\",\"Bob \"\"Bobby\"\" Jones\",\"Carol\nMcLean\"\r\n" +
		"\"title\",\"Mayor of Example,\n2026\"\n" +
		"\"seats\",\"1\"\n" +
		"# a comment with an odd \" quote\n" +
		"\"3\",\"Smith, Ann\",\"Carol\nMcLean\"\n" +
		"2,\"Bob \"\"Bobby\"\" Jones\",\"Smith, Ann\"\r\n" +
		"1,\"Carol\r\nMcLean\"\n" + // a CRLF inside a quoted field reads as LF, as encoding/csv reads it
		"4,\"Carol\nMcLean\"\n"
	e, err := Parse([]byte(in), "q.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.Candidates, []string{"Smith, Ann", `Bob "Bobby" Jones`, "Carol\nMcLean"}) || e.Title != "Mayor of Example,\n2026" {
		t.Fatalf("%q %q", e.Candidates, e.Title)
	}
	want := []count.Ballot{{Weight: 3, Ranks: [][]int{{0}, {2}}}, {Weight: 2, Ranks: [][]int{{1}, {0}}}, {Weight: 5, Ranks: [][]int{{2}}}}
	if fmt.Sprint(e.Ballots) != fmt.Sprint(want) {
		t.Fatalf("got %v", e.Ballots)
	}
	// An error after the quoted line breaks names the line it is on.
	bad := in + "1,Nobody\n"
	for _, f := range []func([]byte) error{
		func(b []byte) error { _, err := Parse(b, "q.csv"); return err },
		func(b []byte) error { _, err := ParsePacked(b, "q.csv", 1); return err },
		func(b []byte) error {
			_, err := ReadPacked(iotest.OneByteReader(bytes.NewReader(b)), "q.csv", 2)
			return err
		},
	} {
		if err := f([]byte(bad)); err == nil || !strings.Contains(err.Error(), `q.csv:14: field 2: "Nobody" is not a candidate`) {
			t.Errorf("%v", err)
		}
	}
	// The packed readers agree with the general one.
	for _, p := range packedAll(t, []byte(in)) {
		if !slices.Equal(canon(p.Election().Ballots), canon(e.Ballots)) {
			t.Fatalf("packed %v", p.Election().Ballots)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"candidates,\"A\nB\n", "q.csv:1: unterminated quoted field"},
		{"candidates,A\n1,\"A\"x\n", `q.csv:2: field 2: text after a closing quote`},
		{"candidates,A\n\"x\",A\n", `q.csv:2: field 1: unknown record "x"`},
		{"candidates,A\n1,A\n1,\"A\n\n\n", `q.csv:3: field 2: unterminated quoted field`},
	} {
		if _, err := Parse([]byte(c.in), "q.csv"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.in, err, c.want)
		}
	}
}

// packedAll reads data with ParsePacked and with ReadPacked in several block sizes and
// read sizes, failing the test if any reading fails.
func packedAll(t *testing.T, data []byte) []*count.Packed {
	t.Helper()
	defer func(n int) { blockSize = n }(blockSize)
	p, err := ParsePacked(data, "x.csv", 2)
	if err != nil {
		t.Fatal(err)
	}
	out := []*count.Packed{p}
	for _, bs := range []int{16, 64, 1000, 1 << 20} {
		blockSize = bs
		for _, r := range []io.Reader{bytes.NewReader(data), iotest.OneByteReader(bytes.NewReader(data)), iotest.HalfReader(bytes.NewReader(data))} {
			p, err := ReadPacked(r, "x.csv", 3)
			if err != nil {
				t.Fatalf("block %d: %v", bs, err)
			}
			out = append(out, p)
		}
		if p, err = ParsePacked(data, "x.csv", 3); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// Streamed in blocks of any size, the ballots are read as in memory: records with
// quoted line breaks straddle block ends, and errors name the right line.
func TestReadPackedBlocks(t *testing.T) {
	var b strings.Builder
	b.WriteString("candidates,Ann,\"B,\nb\",Cy\n")
	for i := range 5000 {
		switch i % 4 {
		case 0:
			b.WriteString("1,Ann,\"B,\nb\"\n")
		case 1:
			b.WriteString("2,Cy,Ann,\"B,\nb\"\r\n")
		case 2:
			b.WriteString("1,\"B,\nb\",,Cy\n")
		default:
			b.WriteString("# note\n\n3,Cy\n")
		}
	}
	data := []byte(b.String())
	e, err := Parse(data, "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packedAll(t, data) {
		if !slices.Equal(canon(p.Election().Ballots), canon(e.Ballots)) || p.Papers() != 8750 {
			t.Fatalf("packed %v (%d papers)", p.Election().Ballots, p.Papers())
		}
	}
	// An error after all of that names its line, whatever the blocks.
	lines := strings.Count(b.String(), "\n")
	bad := append(slices.Clone(data), "1,Ann,Zed\n"...)
	defer func(n int) { blockSize = n }(blockSize)
	for _, bs := range []int{16, 100, 1 << 20} {
		blockSize = bs
		_, err := ReadPacked(iotest.HalfReader(bytes.NewReader(bad)), "x.csv", 2)
		if want := fmt.Sprintf("x.csv:%d: field 3: \"Zed\"", lines+1); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("block %d: %v, want %s", bs, err, want)
		}
	}
	// An equal ranking stops the packed reading.
	if _, err := ReadPacked(bytes.NewReader([]byte("candidates,A,B\n1,A=B\n")), "x.csv", 1); !errors.Is(err, ErrNotPackable) {
		t.Fatal(err)
	}
}
