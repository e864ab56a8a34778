package report

import (
	"bytes"
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/irv"
	"github.com/rulebook/rulebook/count/listpr"
)

func sample() *count.Result {
	return &count.Result{Method: "irv", Title: "Mayor <2026>", Seats: 1, Candidates: []string{"A", "B", "C"}, Elected: []string{"B"},
		Rounds: []count.Round{
			{Number: 1, Action: "first preferences", Tally: map[string]string{"A": "40", "B": "35", "C": "25"}, Exhausted: "0"},
			{Number: 2, Action: "exclusion of C", Tally: map[string]string{"A": "40", "B": "55"}, Elected: []string{"B"}, Eliminated: []string{"C"}, Exhausted: "5",
				Transfers: map[string]string{"C": "-25", "B": "20", "A": "0", "exhausted": "5"}},
		}}
}

func render(t *testing.T, r *count.Result, m Meta) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteMeta(&b, r, m); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWrite(t *testing.T) {
	page := render(t, sample(), Meta{})
	for _, want := range []string{
		"Mayor &lt;2026&gt;",       // escaped
		`width="305" height="18"`,  // A: 40 of the largest tally 55 → 420*40/55 = 305
		`width="420" height="18"`,  // B at 55 is the longest bar
		`<title>C → B: 20</title>`, // a transfer stream with its amount
		`<title>C → exhausted: 5</title>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "http://") && !strings.Contains(page, "http://www.w3.org/2000/svg") {
		t.Error("the page must be self-contained")
	}
	for _, frag := range svgs(page) {
		d := xml.NewDecoder(strings.NewReader(frag))
		for {
			if _, err := d.Token(); err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("svg not well-formed: %v\n%s", err, frag)
				}
				break
			}
		}
	}
}

func svgs(page string) []string {
	var out []string
	for rest := page; ; {
		i := strings.Index(rest, "<svg")
		if i < 0 {
			return out
		}
		j := strings.Index(rest[i:], "</svg>")
		out = append(out, rest[i:i+j+6])
		rest = rest[i+j:]
	}
}

// sections splits the page into its rounds: heading → the section's HTML.
func sections(page string) map[string]string {
	out := map[string]string{}
	for _, s := range strings.Split(page, "<section>")[1:] {
		h := s[strings.Index(s, "<h2>")+4 : strings.Index(s, "</h2>")]
		out[h] = s
	}
	return out
}

var rowRE = regexp.MustCompile(`<tr><td>([^<]*)</td>.*?<td class="[^"]*">([^<]*)</td></tr>`)

// statuses maps each row's name to its status in one round's table.
func statuses(section string) map[string]string {
	out := map[string]string{}
	for _, m := range rowRE.FindAllStringSubmatch(section, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// The table marks a candidate excluded in the round whose heading names them, and in
// no other: a real IRV count, rendered.
func TestExcludedInTheRoundThatNamesThem(t *testing.T) {
	b := func(w int64, prefs ...int) count.Ballot {
		bl := count.Ballot{Weight: w}
		for _, p := range prefs {
			bl.Ranks = append(bl.Ranks, []int{p})
		}
		return bl
	}
	e := &count.Election{Candidates: []string{"Ann", "Bob", "Cy", "Di"}, Seats: 1, Ballots: []count.Ballot{
		b(40, 0), b(30, 1, 0), b(20, 2, 1), b(10, 3, 2),
	}}
	r, err := irv.Count(e, count.Options{})
	if err != nil {
		t.Fatal(err)
	}
	secs := sections(render(t, r, Meta{}))
	if len(secs) != len(r.Rounds) || len(r.Rounds) < 3 {
		t.Fatalf("%d sections for %d rounds", len(secs), len(r.Rounds))
	}
	named := 0
	for h, s := range secs {
		st := statuses(s)
		for name, status := range st {
			if status != "excluded" {
				continue
			}
			if !strings.Contains(h, "exclusion of "+name) {
				t.Errorf("round %q marks %s excluded", h, name)
			}
		}
		if i := strings.Index(h, "exclusion of "); i >= 0 {
			named++
			who := h[i+len("exclusion of "):]
			if st[who] != "excluded" {
				t.Errorf("round %q does not mark %s excluded: %v", h, who, st)
			}
		}
	}
	if named != len(r.Rounds)-1 {
		t.Fatalf("%d exclusion rounds", named)
	}
}

var (
	textRE   = regexp.MustCompile(`<text ([^>]*)>([^<]*)</text>`)
	xRE      = regexp.MustCompile(` ?x="(-?\d+)"`)
	dxRE     = regexp.MustCompile(`dx="(-?\d+)"`)
	anchorRE = regexp.MustCompile(`text-anchor="end"`)
)

// No label of a drawing runs outside it, however long the names: each character is
// taken as 7 pixels wide (12px sans-serif is narrower on average).
func TestLabelsNotClipped(t *testing.T) {
	long := "Alexandra Featherstonehaugh-Cholmondeley (Independent Alliance for Everyone)"
	r := &count.Result{Method: "irv", Seats: 1, Candidates: []string{long, "B", "C Who Has A Long Name Too"}, Elected: []string{"B"},
		Rounds: []count.Round{
			{Number: 1, Tally: map[string]string{long: "4000000", "B": "3500000", "C Who Has A Long Name Too": "2500000"}},
			{Number: 2, Action: "exclusion of C Who Has A Long Name Too", Eliminated: []string{"C Who Has A Long Name Too"},
				Tally:     map[string]string{long: "4000000", "B": "5500000"},
				Transfers: map[string]string{"C Who Has A Long Name Too": "-2500000", "B": "2000000", long: "0", "exhausted": "500000"}},
		}}
	page := render(t, r, Meta{})
	checked := 0
	for _, svg := range svgs(page) {
		w, _ := strconv.Atoi(regexp.MustCompile(`width="(\d+)"`).FindStringSubmatch(svg)[1])
		for _, m := range textRE.FindAllStringSubmatch(svg, -1) {
			attrs := m[1]
			x, _ := strconv.Atoi(xRE.FindStringSubmatch(attrs)[1])
			dx := 0
			if d := dxRE.FindStringSubmatch(attrs); d != nil {
				dx, _ = strconv.Atoi(d[1])
			}
			text := strings.NewReplacer("&#43;", "+", "&amp;", "&", "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(m[2])
			width := utf8.RuneCountInString(text) * 7
			lo, hi := x+dx, x+dx+width
			if anchorRE.MatchString(attrs) {
				lo, hi = x+dx-width, x+dx
			}
			if lo < 0 || hi > w {
				t.Errorf("label %q spans %d..%d of a drawing %d wide", text, lo, hi, w)
			}
			checked++
		}
	}
	if checked < 8 {
		t.Fatalf("checked %d labels", checked)
	}
	if !strings.Contains(page, "2,500,000") {
		t.Error("figures want thousands separators")
	}
}

// The report says where the ballots came from, how and when they were counted, and
// names the quota for what it is.
func TestProvenanceAndPapers(t *testing.T) {
	r := sample()
	r.Valid, r.Rejected, r.Quota, r.QuotaName = "100", "3", "48", "majority threshold (more than half of the votes for continuing candidates)"
	r.Warnings = []string{"A tie was settled by lot drawn from the default seed 0."}
	m := Meta{File: "wards/harbour.csv", SHA256: strings.Repeat("ab", 32), Options: "--method irv --seed 0",
		Counted: time.Date(2026, 5, 7, 23, 15, 0, 0, time.UTC), Version: "v1.2.3"}
	page := render(t, r, m)
	for _, want := range []string{
		"wards/harbour.csv", strings.Repeat("ab", 32), "--method irv --seed 0", "7 May 2026, 23:15 UTC", "rulebook v1.2.3",
		"Alternative vote (instant-runoff)",
		"<dt>Valid papers</dt><dd>100</dd>", "<dt>Rejected papers</dt><dd>3 ", "<dt>Exhausted</dt><dd>5 ",
		"<dt>Quota</dt><dd>48: majority threshold (more than half of the votes for continuing candidates)</dd>",
		`<div class="warning" role="alert">`, "default seed 0",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("missing %q", want)
		}
	}
	// Without a title the page is named for the method and the file.
	r.Title = ""
	if page := render(t, r, m); !strings.Contains(page, "<h1>Alternative vote (instant-runoff) count — harbour.csv</h1>") {
		t.Errorf("title: %s", page[strings.Index(page, "<h1>"):strings.Index(page, "</h1>")])
	}
}

// An AMS report: a proper title, each party's vote share and the list members it
// elected in list order, a party whose list ran out passed over, thousands separators,
// and "below threshold" for a party under the threshold.
func TestListReport(t *testing.T) {
	c := &listpr.Contest{Parties: []listpr.Party{
		{Name: "Labour", Votes: 1_200_000, ConstituencySeats: 2, ListCandidates: []string{"Ann A", "Bo B", "Cy C"}, HasCandidateList: true},
		{Name: "Independent X", Votes: 600_000, ListCandidates: []string{"X"}, HasCandidateList: true},
		{Name: "Greens", Votes: 400_000},
		{Name: "Tiny", Votes: 50_000},
	}}
	th, _ := count.ParsePercent("5")
	r, err := listpr.Allocate(c, listpr.Options{Method: "ams", Seats: 4, Div: listpr.DHondt, Threshold: th, CountPrior: true})
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, r, Meta{File: "london.csv"})
	for _, want := range []string{
		"<h1>Additional member system: 4 list seats — london.csv</h1>",
		"1,200,000", "53.33%", // Labour's votes and share
		"Tiny <span class=\"excluded\">(below threshold)</span>",
		">below threshold</td>",
		"Independent X", "passed over",
		"<dt>Threshold</dt><dd>5.00%: threshold (a party with a smaller share of all list votes takes no list seat)</dd>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(page, ">excluded<") {
		t.Error(`a list report says "below threshold", not "excluded"`)
	}
	// Labour's list members elected appear in list order in the parties table.
	for _, p := range parties(r) {
		if p.Name == "Labour" && len(p.Members) > 1 && !(p.Members[0] == "Ann A" && p.Members[1] == "Bo B") {
			t.Errorf("Labour's members out of list order: %v", p.Members)
		}
		if p.Name == "Independent X" && (len(p.Members) != 1 || p.Members[0] != "X") {
			t.Errorf("X: %v", p.Members)
		}
	}
	var passed bool
	for _, a := range r.Awards {
		passed = passed || len(a.PassedOver) > 0
	}
	if !passed {
		t.Fatalf("the example should pass over Independent X: %+v", r.Awards)
	}
}

func TestQuotient(t *testing.T) {
	for in, want := range map[string]string{"21000.000000": "21,000", "13333.333333": "13,333.333333", "1500.500000": "1,500.5",
		"100": "100", "0.000000": "0", "": ""} {
		if got := Quotient(in); got != want {
			t.Errorf("Quotient(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "999": "999", "1000": "1,000", "1234567.891": "1,234,567.891",
		"-12000": "-12,000", "+1500": "+1,500", "": "", "5.00%": "5.00%", "abc": "abc", "123456.000000": "123,456.000000"} {
		if got := Thousands(in); got != want {
			t.Errorf("Thousands(%q) = %q, want %q", in, got, want)
		}
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
