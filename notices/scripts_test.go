package notices

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// names in the scripts the embedded fonts cover, with the right-to-left ones
// marked.
var names = []struct {
	script, name string
	rtl          bool
}{
	{"Welsh", "Siân Llŷr ap Gwŵr", false},
	{"Polish", "Łukasz Żółć-Wąsowicz", false},
	{"Turkish", "Ağaoğlu Şükrü İnce", false},
	{"Romanian", "Ștefan Năstase-Țiriac", false},
	{"Czech", "Dvořák Tůma", false},
	{"Vietnamese", "Nguyễn Thị Ánh Tuyết", false},
	{"Icelandic", "Þórunn Guðmundsdóttir", false},
	{"Greek", "Αλέξανδρος Παπαδόπουλος", false},
	{"Russian", "Дмитрий Шостакович", false},
	{"Ukrainian", "Їжаченко Ґалина", false},
	{"Armenian", "Արամ Խաչատրյան", false},
	{"Georgian", "ნინო ბერიძე", false},
	{"Chinese", "王小明", false},
	{"Japanese", "山田 はなこ カタカナ", false},
	{"Korean", "김민준", false},
	{"Hebrew", "דוד בן גוריון", true},
	{"Arabic", "محمد عبد الله", true},
	{"Persian", "پریسا چگینی", true},
}

// textOf is the text a PDF shows, one line per text operator, and the fonts each
// character is set in are checked to have a glyph for it: no character prints as
// an empty box.
func textOf(t *testing.T, pdf []byte) string {
	t.Helper()
	info, err := checkPDF(pdf)
	if err != nil {
		t.Fatalf("malformed PDF: %v", err)
	}
	faces := map[string]*face{}
	for _, fc := range []*face{faceSans, faceBold, faceItalic, faceMono, faceCJK} {
		faces["utf8"+fc.family+fc.style] = fc
	}
	for p, runs := range pageRuns(t, pdf) {
		for _, r := range runs {
			fc := faces[r.font]
			if fc == nil {
				t.Fatalf("page %d: text in font %q", p+1, r.font)
			}
			for _, c := range utf16BE(r.text) {
				if !fc.has(c) {
					t.Errorf("page %d: %q is set in %s, which has no glyph for it", p+1, c, r.font)
				}
			}
		}
	}
	return strings.Join(info.pageTexts, "\n")
}

// printedAs checks that name appears in text as written: left-to-right names
// exactly; right-to-left ones, set in visual order in the joined forms of their
// letters, once reversed and brought back to their letters (NFKC).
func printedAs(t *testing.T, where, text, script, name string, isRTL bool) {
	t.Helper()
	if !isRTL {
		if !strings.Contains(flat(text), name) {
			t.Errorf("%s: the %s name %q is not printed as written", where, script, name)
		}
		return
	}
	for _, ln := range strings.Split(text, "\n") {
		rs := []rune(norm.NFKC.String(ln))
		slices.Reverse(rs)
		if strings.Contains(string(rs), name) {
			return
		}
	}
	t.Errorf("%s: the %s name %q is not printed as written (right to left):\n%s", where, script, name, text)
}

// Every name prints as written, in letters and in bundles, whatever its script:
// Latin in its extended forms, Greek, Cyrillic, Armenian, Georgian, Chinese,
// Japanese, Korean, and Hebrew, Arabic and Persian set right to left with their
// letters joined.
func TestNamesInManyScripts(t *testing.T) {
	for _, n := range names {
		t.Run(n.script, func(t *testing.T) {
			l := SampleLetter()
			l.To.Name = n.name
			_, pdf, _ := renderPDF(t, "acknowledgement", l)
			printedAs(t, "letter", textOf(t, pdf), n.script, n.name, n.rtl)

			b := Bundle{Organisation: "Example Party", Title: "Hearing bundle", Ref: "C-1", Subtitle: "Respondent: " + n.name,
				Sections: []Section{{Title: "Statement of " + n.name, Blocks: []Block{
					{Heading: n.name, Text: "Made by " + n.name + " on 1 May 2016."},
					{Fields: [][2]string{{"Name", n.name}}},
					{Header: []string{"Who", "What"}, Rows: [][]string{{n.name, "witness"}}},
					{Pre: "Dear " + n.name + ",\n\n  Yours,"},
				}}}}
			pdf, err := BundlePDF(b)
			if err != nil {
				t.Fatal(err)
			}
			text := textOf(t, pdf)
			checkGeometry(t, pdf)
			if c := strings.Count(norm.NFKC.String(text), firstLetters(n.name)); c < 5 && !n.rtl {
				t.Errorf("bundle: the %s name is printed %d times, want at least 5 (subtitle, title, heading, text, field, table, letter):\n%s", n.script, c, text)
			}
			printedAs(t, "bundle", text, n.script, n.name, n.rtl)
		})
	}
}

func firstLetters(s string) string { return strings.Fields(s)[0] }

// Arabic letters take the form their neighbours call for, lam and alef join, and
// a right-to-left run is set in visual order within a left-to-right line.
func TestArabicShapingAndOrder(t *testing.T) {
	for in, want := range map[string][]rune{
		"محمد": {0xFEE3, 0xFEA4, 0xFEE4, 0xFEAA}, // initial, medial, medial, final
		"سلام": {0xFEB3, 0xFEFC, 0xFEE1},         // lam-alef, final; mim alone after alef
		"د":    {0xFEA9},
		"بَب":  {0xFE91, 0x064E, 0xFE90}, // a vowel mark does not break the join
	} {
		if got := []rune(shapeArabic(in)); !slices.Equal(got, want) {
			t.Errorf("%s: %X, want %X", in, got, want)
		}
	}
	if got, want := visual("Dear דוד בן, (M1)"), "Dear ןב דוד, (M1)"; got != want {
		t.Errorf("visual: %q, want %q", got, want)
	}
	if got := visual("Plain text (no change)"); got != "Plain text (no change)" {
		t.Errorf("visual changed left-to-right text: %q", got)
	}
}

// What no embedded font can draw is written as its base letter, or "?" — and
// the scripts that still fail are these (shaping fpdf cannot do, or no font).
func TestUncoveredScripts(t *testing.T) {
	for in, want := range map[string]string{
		"अमित":  "????",  // Devanagari
		"สมชาย": "?????", // Thai
		"👋":     "?",     // beyond the Basic Multilingual Plane
		"Zoë":   "Zoë",
	} {
		if got := prepare(in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}
