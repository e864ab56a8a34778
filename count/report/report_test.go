package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/count"
)

func sample() *count.Result {
	return &count.Result{Method: "irv", Title: "Mayor <2026>", Seats: 1, Candidates: []string{"A", "B", "C"}, Elected: []string{"B"},
		Rounds: []count.Round{
			{Number: 1, Action: "first preferences", Tally: map[string]string{"A": "40", "B": "35", "C": "25"}, Eliminated: []string{"C"}, Exhausted: "0"},
			{Number: 2, Action: "exclusion of C", Tally: map[string]string{"A": "40", "B": "55"}, Elected: []string{"B"}, Exhausted: "5",
				Transfers: map[string]string{"C": "-25", "B": "20", "A": "0", "exhausted": "5"}},
		}}
}

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"Mayor &lt;2026&gt;",                          // escaped
		`<rect x="220" y="0" width="305" height="18"`, // A: 40 of the largest tally 55 → 420*40/55 = 305
		`width="420"`,                                 // B at 55 is the longest bar
		`<title>C → B: 20</title>`,                    // a transfer stream with its amount
		`<title>C → exhausted: 5</title>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "http://") && !strings.Contains(page, "http://www.w3.org/2000/svg") {
		t.Error("the page must be self-contained")
	}
	// Every SVG is well-formed XML.
	for rest := page; ; {
		i := strings.Index(rest, "<svg")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "</svg>")
		frag := rest[i : i+j+6]
		d := xml.NewDecoder(strings.NewReader(frag))
		for {
			if _, err := d.Token(); err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("svg not well-formed: %v\n%s", err, frag)
				}
				break
			}
		}
		rest = rest[i+j:]
	}
}

func TestBadTally(t *testing.T) {
	r := sample()
	r.Rounds[0].Tally["A"] = "forty"
	if err := Write(&bytes.Buffer{}, r); err == nil {
		t.Fatal("want an error for a non-numeric tally")
	}
}

func TestFragmentAndStyle(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFragment(&b, sample()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), `<div class="rulebook-count">`) || strings.Contains(b.String(), "<html") {
		t.Fatalf("%.100s", b.String())
	}
	if !strings.Contains(Style(), ".flow") {
		t.Fatal("style")
	}
}
