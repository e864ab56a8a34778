package blt

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse checks that no input panics the parser, that what it accepts is a
// consistent election, and that writing it out and reading it back gives the
// same election.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.blt"))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"2 1\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n",
		"3 1\n1 1 0\n0\n\"A\" \"B\" \"C\" \"T\"\n",
		"4 2\n-3\n[tie 4 3 2 1]\n5 1 2=4 0 # c\n/* x\n*/ 2 4 0\n0\nA\nB\nC\nD\nT\n",
		"3 2\n[nick a b c]\n(b1) a b 0\n( b 2 ) c 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n",
		"2 1\n1 1 0\n0\n\"Lab \"\"X\"\" \"\n\"Y\" \"Party\"\nW\n",
		"2 1\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n\"S\"\n\"C\"\nFirst prefs\n2 1 2 0\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, _, err := ParseBytes(data, "fuzz.blt")
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		n := len(e.Candidates)
		if n < 1 || e.Seats < 1 || e.Seats > n {
			t.Fatalf("accepted %d seats, %d candidates", e.Seats, n)
		}
		for _, b := range e.Ballots {
			if b.Weight < 1 {
				t.Fatalf("weight %d", b.Weight)
			}
			seen := map[int]bool{}
			for _, r := range b.Ranks {
				if len(r) == 0 {
					t.Fatal("empty rank")
				}
				for _, c := range r {
					if c < 0 || c >= n || seen[c] {
						t.Fatalf("bad or repeated candidate %d", c)
					}
					seen[c] = true
				}
			}
		}
		var buf bytes.Buffer
		if err := Write(&buf, e); err != nil {
			t.Fatal(err)
		}
		g, _, err := ParseBytes(buf.Bytes(), "again.blt")
		if err != nil {
			t.Fatalf("own output rejected: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(e, g) {
			t.Fatalf("round trip differs:\n%+v\n%+v", e, g)
		}
	})
}
