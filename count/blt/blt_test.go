package blt

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/count"
)

func parse(t *testing.T, s string) (*count.Election, *Extra) {
	t.Helper()
	e, x, err := ParseBytes([]byte(s), "t.blt")
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return e, x
}

func TestDialects(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
		title    string
	}{
		{"quoted", "2 1\n1 1 0\n0\n\"Ann\"\n\"Bob\"\n\"T\"\n", []string{"Ann", "Bob"}, "T"},
		{"unquoted", "2 1\n1 1 0\n0\nAnn Smith\nBob Jones\nWard 9 - Almond\n", []string{"Ann Smith", "Bob Jones"}, "Ward 9 - Almond"},
		{"doubled quotes", "2 1\n1 1 0\n0\n\"Lab \"\"Barney CROCKETT\"\" \"\n\"SNP \"\"Neil MACGREGOR\"\"\"\nWard 1\n",
			[]string{`Lab "Barney CROCKETT"`, `SNP "Neil MACGREGOR"`}, "Ward 1"},
		{"name (party)", "2 1\n1 1 0\n0\nJohn B COX (SNP)\nAnn LEE (Lab)\n\"T\"\n", []string{"John B COX (SNP)", "Ann LEE (Lab)"}, "T"},
		{"name party", "2 1\n1 1 0\n0\n\"John Cox\" \"SNP\"\n\"Ann Lee\" \"Lab\"\n\"T\"\n", []string{"John Cox", "Ann Lee"}, "T"},
		{"several on a line", "3 1\n1 1 0\n0\n\"A\" \"B\" \"C\" \"Title here\"\n", []string{"A", "B", "C"}, "Title here"},
		{"crlf and bom", "\xef\xbb\xbf2 1\r\n1 1 0\r\n0\r\n\"A\"\r\n\"B\"\r\n\"T\"\r\n", []string{"A", "B"}, "T"},
		{"latin-1 name", "2 1\n1 1 0\n0\nSe\xe1n Smith\n\"B\"\n\"T\"\n", []string{"Se\ufffdn Smith", "B"}, "T"},
		{"notes after title", "2 1\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\nFirst prefs: A 1\n", []string{"A", "B"}, "T"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, _ := parse(t, c.in)
			if !reflect.DeepEqual(e.Candidates, c.want) || e.Title != c.title {
				t.Errorf("got %q title %q, want %q title %q", e.Candidates, e.Title, c.want, c.title)
			}
		})
	}
}

func TestBallots(t *testing.T) {
	e, x := parse(t, "4 2\n-3\n[tie 4 3 2 1]\n# a comment\n5 1 2=4 0 # trailing\n/* block\ncomment */ 2 4 0\n3 0\n0\nA\nB\nC\nD\nT\n")
	if e.Seats != 2 || len(e.Candidates) != 4 {
		t.Fatalf("header: %d seats %d candidates", e.Seats, len(e.Candidates))
	}
	if !reflect.DeepEqual(e.Withdrawn, []bool{false, false, true, false}) {
		t.Errorf("withdrawn %v", e.Withdrawn)
	}
	if !reflect.DeepEqual(x.TieOrder, []int{3, 2, 1, 0}) {
		t.Errorf("tie order %v", x.TieOrder)
	}
	want := []count.Ballot{
		{Weight: 5, Ranks: [][]int{{0}, {1, 3}}},
		{Weight: 2, Ranks: [][]int{{3}}},
		{Weight: 3},
	}
	if len(e.Ballots) != 3 {
		t.Fatalf("ballots %+v", e.Ballots)
	}
	for i := range want {
		if e.Ballots[i].Weight != want[i].Weight || len(e.Ballots[i].Ranks) != len(want[i].Ranks) ||
			(len(want[i].Ranks) > 0 && !reflect.DeepEqual(e.Ballots[i].Ranks, want[i].Ranks)) {
			t.Errorf("ballot %d: %+v, want %+v", i, e.Ballots[i], want[i])
		}
	}
}

func TestDroopForms(t *testing.T) {
	e, x := parse(t, "3 2\n[nick a b c]\n[withdrawn c]\n[droop precision=5]\n(b1) a b 0\n( b 2 ) c 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n")
	if x.BallotIDs != 2 || len(e.Ballots) != 2 || e.Ballots[0].Weight != 1 {
		t.Errorf("ids: %+v %+v", x, e.Ballots)
	}
	if !reflect.DeepEqual(e.Ballots[0].Ranks, [][]int{{0}, {1}}) || !reflect.DeepEqual(e.Ballots[1].Ranks, [][]int{{2}}) {
		t.Errorf("nicknames: %+v", e.Ballots)
	}
	if !reflect.DeepEqual(e.Withdrawn, []bool{false, false, true}) || !reflect.DeepEqual(x.Options, []string{"precision=5"}) {
		t.Errorf("options: %v %v", e.Withdrawn, x.Options)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "t.blt: empty file"},
		{"5 1,\n786 1 0,\n0,\n", "t.blt:1: field 2 (seats): \"1,\" is not a number of seats"},
		{"x 1\n", "t.blt:1: field 1 (candidates)"},
		{"2 3\n", "t.blt:1: field 2 (seats): 3 seats for 2 candidates"},
		{"2 1\n1 1 2\n0\nA\nB\n", "t.blt:2: field 3: ballot line does not end with 0"},
		{"2 1\n1 1 3 0\n0\nA\nB\n", "t.blt:2: field 3 (preference): candidate \"3\" is not in 1..2"},
		{"2 1\n1 1 1 0\n0\nA\nB\n", "t.blt:2: field 3 (preference): candidate 1 ranked twice"},
		{"2 1\n1 1 0\n2 x 0\n0\nA\nB\n", "t.blt:3: field 2 (preference)"},
		{"2 1\n1.5 1 0\n0\nA\nB\n", "t.blt:2: field 1 (weight)"},
		{"2 1\n1 1 0\n", "unexpected end of file"},
		{"3 1\n1 1 0\n0\n\"A\" \"B\"\n", "expected 3 candidate names after the ballots, found 2"},
		{"2 1\n1 1 0\n0\n\"A\n\"B\"\n", "t.blt:4: candidate name 1: no closing quote"},
		{"2 1\n1 1 0\n0\nA\nA\n", "candidate name 2: \"A\" is also the name of candidate 1"},
		{"2 1\n-3\n1 1 0\n0\nA\nB\n", "t.blt:2: field 1 (withdrawn candidate)"},
		{"2 2\n-2\n1 1 0\n0\nA\nB\n", "2 seats but only 1 candidates not withdrawn"},
		{"2 1\n[frob 1]\n1 1 0\n0\nA\nB\n", "t.blt:2: field 1 (option): unknown option [frob]"},
		{"2 1\n(a) 1 0\n(a) 2 0\n0\nA\nB\n", "t.blt:3: field 1 (ballot id): ballot id \"a\" already used on line 2"},
		{"2 1\n1 1 0 0\n0\nA\nB\n", "t.blt:2: field 3 (preference)"},
	}
	for _, c := range cases {
		_, _, err := ParseBytes([]byte(c.in), "t.blt")
		var be *Error
		if err == nil || !errors.As(err, &be) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.in, err, c.want)
		}
	}
}

func TestWriteRoundTrip(t *testing.T) {
	in := "4 2\n-3\n5 1 2=4 0\n2 4 0\n0\n\"A \"\"x\"\"\"\n\"B\"\n\"C\"\n\"D\"\n\"T\"\n"
	e, _ := parse(t, in)
	var buf bytes.Buffer
	if err := Write(&buf, e); err != nil {
		t.Fatal(err)
	}
	f, _ := parse(t, buf.String())
	if !reflect.DeepEqual(e, f) {
		t.Errorf("round trip:\n%+v\n%+v\n%s", e, f, buf.String())
	}
}

// Lines after the title (and Droop's quoted source and comment) are ignored, but not
// silently: the warning names the first such line.
func TestTrailingLinesWarn(t *testing.T) {
	for _, c := range []struct{ in, warn string }{
		{"2 1\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n", ""},
		{"2 1\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n\"Source\"\n\"Comment\"\n", ""},
		{"2 1\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n\n2 1 2 0\n", `t.blt:8: ignored "2 1 2 0"`},
		{"2 1\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n\"S\"\n\"C\"\nFirst prefs\nA 1\n", `t.blt:9: ignored "First prefs" and 1 more line(s) to line 10`},
		{"3 1\n1 1 0\n0\n\"A\" \"B\" \"C\" \"T\" \"S\" \"C\" \"X\"\n", `t.blt:4: ignored "X"`},
	} {
		_, x := parse(t, c.in)
		switch {
		case c.warn == "" && len(x.Warnings) > 0:
			t.Errorf("%q: unexpected warning %q", c.in, x.Warnings)
		case c.warn != "" && (len(x.Warnings) != 1 || !strings.HasPrefix(x.Warnings[0], c.warn)):
			t.Errorf("%q: warnings %q, want %q…", c.in, x.Warnings, c.warn)
		}
	}
	_, x := parse(t, "2 1\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n\"Src\"\n\"Cmt\"\n")
	if x.Source != "Src" || x.Comment != "Cmt" {
		t.Errorf("source %q comment %q", x.Source, x.Comment)
	}
}
