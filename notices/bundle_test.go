package notices

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/go-pdf/fpdf"
)

const bundleConfidential = "CONFIDENTIAL \u2014 special category personal data"

// sampleBundle is a hearing bundle of six sections: a summary, the charges, a case
// history of 200 rows, a long letter, a long statement and a reply.
func sampleBundle(t testing.TB) Bundle {
	t.Helper()
	var history [][]string
	for i := 1; i <= 200; i++ {
		detail := "Recorded."
		if i%9 == 0 {
			detail = "A longer note from the case officer, which will not fit in its column on one line and so has to be wrapped over several lines of the table cell."
		}
		history = append(history, []string{fmt.Sprintf("E-%03d", i), fmt.Sprintf("%d March 2017", 1+i%28), "Document received", "ann.ryder", detail})
	}
	l := SampleLetter()
	l.Respondent.Name, l.To.Name = "Rowan Ashdown", "Rowan Ashdown"
	var paras []string
	for i := 1; i <= 60; i++ {
		paras = append(paras, fmt.Sprintf("Paragraph %d of the decision, which sets out at some length what the panel found and why it found it, so that the letter runs over several pages of the bundle.", i))
	}
	l.Body = strings.Join(paras, "\n\n")
	r, err := Default().Render("decision", l)
	if err != nil {
		t.Fatal(err)
	}
	letter := r.Text + "\n\tSee https://example.org/" + strings.Repeat("very-long-path-segment/", 8) + "end for the rules.\n"

	var statement []string
	for i := 1; i <= 40; i++ {
		statement = append(statement, fmt.Sprintf("Statement paragraph %d. On the evening in question I heard Rowan Ashdown say \u201cthey should be thrown out\u201d \u2014 twice \u2014 about members of the branch, and Zo\u00eb Bront\u00eb, who was standing beside me, asked him to stop.", i))
	}
	return Bundle{
		Organisation: "Example Party",
		Title:        "Hearing bundle",
		Ref:          "C-2017-004",
		Subtitle:     "Respondent: Rowan Ashdown (M0001) \u2014 hearing 30 March 2017",
		Prepared:     "Prepared 1 December 2026 by ann.ryder",
		Confidential: bundleConfidential,
		Date:         time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC),
		Sections: []Section{
			{Title: "Case summary", Blocks: []Block{
				{Fields: [][2]string{
					{"Reference", "C-2017-004"},
					{"Respondent", "Rowan Ashdown (M0001)"},
					{"Complainants", "Zo\u00eb Bront\u00eb (M0042)\nSi\u00e2n Ll\u0177r (M0043)"},
					{"Rule", "2.I.8 Conduct prejudicial"},
				}},
				{Text: "The complainants say the respondent made the remarks set out in the statements; the respondent denies it."},
			}},
			{Title: "Charges", Blocks: []Block{
				{Heading: "Count 1", Text: "That on 20 April 2016 the respondent said \u201cthey should be thrown out\u201d, conduct prejudicial to the organisation (rule 2.I.8); the costs claimed are \u00a3250."},
				{Header: []string{"Count", "Clause", "Particulars"}, Rows: [][]string{{"1", "2.I.8", "The remarks of 20 April 2016."}, {"2", "2.I.9", "The post of 21 April 2016."}}},
			}},
			{Title: "Case history", Blocks: []Block{
				{Text: "Every event recorded on the case, oldest first."},
				{Header: []string{"No.", "Date", "Event", "Recorded by", "Detail"}, Rows: history},
			}},
			{Title: "Decision letter, as sent", Blocks: []Block{{Pre: letter}}},
			{Title: "Witness statement of Si\u00e2n Ll\u0177r", Blocks: []Block{{Heading: "Statement", Text: strings.Join(statement, "\n\n")}}},
			{Title: "Respondent\u2019s reply", Blocks: []Block{{Text: "I deny it. I was at the \u03a9mega hall (\u7d44\u5408) that evening."}}},
		},
	}
}

// shown is how s appears in the PDF: prepared for the fonts, in visual order.
func shown(s string) string { return visual(prepare(s)) }

func renderBundle1(t testing.TB, b Bundle) ([]byte, *pdfInfo) {
	t.Helper()
	pdf, err := BundlePDF(b)
	if err != nil {
		t.Fatal(err)
	}
	info, err := checkPDF(pdf)
	if err != nil {
		t.Fatalf("malformed PDF: %v", err)
	}
	return pdf, info
}

// bodyLines returns the lines of a page of b without its header (the first line,
// unless b has no header) and footer (the last).
func bodyLines(b Bundle, page string) []string {
	ls := strings.Split(page, "\n")
	if len(ls) < 2 {
		return nil
	}
	first := 0
	if oneLine(b.Confidential) != "" || oneLine(b.Title) != "" {
		first = 1
	}
	return ls[first : len(ls)-1]
}

// checkFooters checks that every page ends with "Ref — Page N of M", M the number
// of pages, and starts with the header.
func checkFooters(t testing.TB, b Bundle, info *pdfInfo) {
	t.Helper()
	for i, pg := range info.pageTexts {
		ls := strings.Split(pg, "\n")
		want := fmt.Sprintf("Page %d of %d", i+1, info.pages)
		if b.Ref != "" {
			want = shown(b.Ref) + " \u2014 " + want
		}
		if last := ls[len(ls)-1]; last != want {
			t.Errorf("page %d: footer %q, want %q", i+1, last, want)
		}
		if b.Confidential != "" && ls[0] != shown(b.Confidential) {
			t.Errorf("page %d: header %q, want %q", i+1, ls[0], b.Confidential)
		}
	}
}

// checkIndex reads the index (the pages up to the last one headed "Index") and
// checks that it lists every section, numbered, with the page on which the
// section's numbered title first appears after the index. It returns those pages.
func checkIndex(t testing.TB, b Bundle, info *pdfInfo) []int {
	t.Helper()
	nIndex := 0
	for nIndex < len(info.pageTexts) {
		ls := bodyLines(b, info.pageTexts[nIndex])
		if !(nIndex == 0 || len(ls) > 0 && ls[0] == "Index (continued)") {
			break
		}
		nIndex++
	}
	var index []string
	for _, pg := range info.pageTexts[:nIndex] {
		index = append(index, bodyLines(b, pg)...)
	}
	text := " " + flat(strings.Join(index, "\n")) + " "
	if !strings.Contains(text, " Index ") {
		t.Fatalf("no index on the first page: %s", text)
	}
	var starts []int
	for i, s := range b.Sections {
		title := flat(shown(oneLine(s.Title)))
		if title == "" {
			title = "Section " + itoa(i+1)
		}
		entry := itoa(i+1) + ". " + title
		m := regexp.MustCompile(` ` + regexp.QuoteMeta(entry) + ` (\d+) `).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("index lacks %q with a page number: %s", entry, text)
		}
		page, _ := strconv.Atoi(m[1])
		first := 0
		for p := nIndex; p < len(info.pageTexts); p++ {
			if strings.Contains(flat(strings.Join(bodyLines(b, info.pageTexts[p]), "\n")), entry) {
				first = p + 1
				break
			}
		}
		if page != first {
			t.Errorf("index gives page %d for %q, which first appears on page %d", page, entry, first)
		}
		if len(starts) > 0 && page <= starts[len(starts)-1] {
			t.Errorf("section %d starts on page %d, not after the section before it", i+1, page)
		}
		starts = append(starts, page)
	}
	if len(starts) > 0 && starts[0] != nIndex+1 {
		t.Errorf("first section on page %d, right after %d pages of index expected", starts[0], nIndex)
	}
	return starts
}

func TestBundlePDF(t *testing.T) {
	b := sampleBundle(t)
	pdf, info := renderBundle1(t, b)
	checkFooters(t, b, info)
	starts := checkIndex(t, b, info)
	checkGeometry(t, pdf)
	if info.pages < 12 {
		t.Errorf("%d pages; the sample should run to more than 12", info.pages)
	}
	all := flat(strings.Join(info.pageTexts, "\n"))
	for _, want := range []string{
		"Example Party", "Hearing bundle", "Respondent: Rowan Ashdown (M0001) \u2014 hearing 30 March 2017",
		"Reference: C-2017-004", "Prepared 1 December 2026 by ann.ryder",
		// Every name prints as written: Welsh ŷ, Greek, Chinese.
		"Zo\u00eb Bront\u00eb (M0042)", "Si\u00e2n Ll\u0177r (M0043)", "Witness statement of Si\u00e2n Ll\u0177r",
		"\u201cthey should be thrown out\u201d \u2014 twice \u2014", "\u00a3250", "Respondent\u2019s reply",
		// (the Chinese in a run of its own, in the font that has it).
		"the \u03a9mega hall (", "\u7d44\u5408", ") that evening",
		"Statement paragraph 40.", "Paragraph 60 of the decision",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}

	// The 200 rows of the case history, each once and in order, on several pages,
	// each of which starts with the table's header row.
	rowRe := regexp.MustCompile(`^E-(\d{3})$`)
	next, pages := 1, 0
	for p := starts[2] - 1; p < starts[3]-1; p++ {
		ls := bodyLines(b, info.pageTexts[p])
		firstRow := -1
		for k, ln := range ls {
			m := rowRe.FindStringSubmatch(ln)
			if m == nil {
				continue
			}
			if n, _ := strconv.Atoi(m[1]); n != next {
				t.Fatalf("page %d: row E-%03d where E-%03d was expected", p+1, n, next)
			}
			next++
			if firstRow < 0 {
				firstRow = k
			}
		}
		if firstRow < 0 {
			continue
		}
		pages++
		if got := strings.Join(ls[max(firstRow-5, 0):firstRow], "|"); got != "No.|Date|Event|Recorded by|Detail" {
			t.Errorf("page %d: the rows are not headed by the table's header row; before them: %q", p+1, got)
		}
		if p > starts[2]-1 && firstRow != 5 {
			t.Errorf("page %d: the table does not continue at the top of the page: %q", p+1, ls[:firstRow])
		}
	}
	if next != 201 {
		t.Errorf("found rows up to E-%03d of 200", next-1)
	}
	if pages < 3 {
		t.Errorf("the 200-row table is on %d pages; expected it to continue over at least 3", pages)
	}
	if !strings.Contains(all, "A longer note from the case officer, which will not fit in its column on one line and so has to be wrapped over several lines of the table cell.") {
		t.Error("a wrapped cell is not whole")
	}

	// The letter keeps its lines, and its overlong line is wrapped, not lost.
	letter := strings.Join(info.pageTexts[starts[3]-1:starts[4]-1], "\n")
	if !strings.Contains(letter, "\nDear Rowan Ashdown,\n") {
		t.Error("the letter's salutation is not a line of its own")
	}
	if !strings.Contains(strings.Join(strings.Fields(letter), ""), "https://example.org/"+strings.Repeat("very-long-path-segment/", 8)+"end") {
		t.Error("the letter's long line is not all there")
	}
	if starts[4]-starts[3] < 2 {
		t.Error("the long letter did not run over pages")
	}
}

func TestBundlePDFIndexOverPages(t *testing.T) {
	b := Bundle{Title: "Hearing bundle", Ref: "C-2020-017", Confidential: "CONFIDENTIAL", Organisation: "Example Party"}
	for i := 1; i <= 90; i++ {
		title := fmt.Sprintf("Exhibit %d", i)
		if i%10 == 0 {
			title = fmt.Sprintf("Exhibit %d: the minutes of the branch meeting of 12 March 2017, with the chair\u2019s notes and the attendance list as circulated afterwards", i)
		}
		var blocks []Block
		if i%30 == 15 {
			blocks = []Block{{Text: strings.Repeat("A page-filling paragraph of an exhibit. ", 400)}}
		} else {
			blocks = []Block{{Text: "Exhibit text."}}
		}
		b.Sections = append(b.Sections, Section{Title: title, Blocks: blocks})
	}
	pdf, info := renderBundle1(t, b)
	checkFooters(t, b, info)
	starts := checkIndex(t, b, info)
	checkGeometry(t, pdf)
	if starts[0] < 3 {
		t.Errorf("index of 90 sections on %d page(s); expected it to need at least 2", starts[0]-1)
	}
	if got, want := info.pages, starts[len(starts)-1]; got != want {
		t.Errorf("%d pages, but the last one-page section starts on page %d", got, want)
	}
}

func TestBundlePDFDeterministic(t *testing.T) {
	a, _ := renderBundle1(t, sampleBundle(t))
	b, _ := renderBundle1(t, sampleBundle(t))
	if !bytes.Equal(a, b) {
		t.Fatal("the same bundle gave two different PDFs")
	}
	c := sampleBundle(t)
	c.Date = time.Time{}
	x, _ := renderBundle1(t, c)
	y, _ := renderBundle1(t, c)
	if !bytes.Equal(x, y) {
		t.Fatal("the same undated bundle gave two different PDFs")
	}
}

func TestBundlePDFEmpty(t *testing.T) {
	for _, b := range []Bundle{{}, {Title: "Hearing bundle", Ref: "C-1", Confidential: "CONFIDENTIAL"}} {
		pdf, info := renderBundle1(t, b)
		if info.pages != 1 {
			t.Errorf("%+v: %d pages, want 1", b, info.pages)
		}
		checkFooters(t, b, info)
		checkGeometry(t, pdf)
		if all := flat(info.pageTexts[0]); !strings.Contains(all, "Index This bundle has no sections.") {
			t.Errorf("empty bundle's page: %s", all)
		}
	}
}

func TestBundlePDFMetadata(t *testing.T) {
	b := sampleBundle(t)
	pdf, _ := renderBundle1(t, b)
	for key, want := range map[string]string{
		"Title":        "Hearing bundle",
		"Subject":      "C-2017-004 \u2014 Respondent: Rowan Ashdown (M0001) \u2014 hearing 30 March 2017",
		"Author":       "Example Party",
		"CreationDate": "D:20261201093000",
	} {
		if got := infoString(pdf, key); got != want {
			t.Errorf("/%s %q, want %q", key, got, want)
		}
	}
}

// infoString reads a string entry of the document information dictionary, decoding
// UTF-16 text strings.
func infoString(pdf []byte, key string) string {
	i := bytes.LastIndex(pdf, []byte("/"+key+" ("))
	if i < 0 {
		return ""
	}
	s, _ := readPDFString(pdf[i+len(key)+3:])
	if bytes.HasPrefix(s, []byte{0xfe, 0xff}) {
		var u []uint16
		for k := 2; k+1 < len(s); k += 2 {
			u = append(u, uint16(s[k])<<8|uint16(s[k+1]))
		}
		return string(utf16.Decode(u))
	}
	return strings.TrimSuffix(string(s), "'")
}

func TestBundlePDFTallCells(t *testing.T) {
	long := strings.Repeat("word ", 1500) + "end"
	b := Bundle{Ref: "C-1", Sections: []Section{{Title: "Tall", Blocks: []Block{
		{Header: []string{"Key", "Value"}, Rows: [][]string{{"first", "short"}, {"tall", long}, {"last", "short"}}},
		{Fields: [][2]string{{"Field", long}, {strings.Repeat("k", 300), "v"}}},
		{Header: []string{strings.Repeat("h", 90)}, Rows: [][]string{{strings.Repeat("x", 5000)}}},
		{Header: make([]string, 60), Rows: [][]string{make([]string, 60)}},
		{Text: strings.Repeat("\n", 200) + "after blank lines {nb}"},
		{Pre: strings.Repeat(" ", 300) + strings.Repeat("y", 400) + "\n\t\tz"},
	}}}}
	b.Sections[0].Blocks[3].Rows[0][59] = "sixtieth"
	pdf, info := renderBundle1(t, b)
	checkFooters(t, b, info)
	checkIndex(t, b, info)
	checkGeometry(t, pdf)
	all := strings.Join(info.pageTexts, "\n")
	if n := strings.Count(all, "word"); n != 3000 {
		t.Errorf("%d of 3000 words shown", n)
	}
	xs := 0
	for _, ln := range strings.Split(all, "\n") {
		if strings.Trim(ln, "x") == "" {
			xs += len(ln)
		}
	}
	if xs != 5000 {
		t.Errorf("%d of 5000 x shown", xs)
	}
	for _, want := range []string{"sixtieth", "after blank lines {nb}", "z"} {
		if !strings.Contains(strings.ReplaceAll(all, "\n", ""), want) {
			t.Errorf("lacks %q", want)
		}
	}
}

func TestBundlePDFLeavesInputAlone(t *testing.T) {
	b := Bundle{Title: "T\r\nx", Sections: []Section{{Title: "a\x00b", Blocks: []Block{{Rows: [][]string{{"c\x01d"}}, Fields: [][2]string{{"e\x02", "f"}}}}}}}
	if _, err := BundlePDF(b); err != nil {
		t.Fatal(err)
	}
	if b.Title != "T\r\nx" || b.Sections[0].Title != "a\x00b" || b.Sections[0].Blocks[0].Rows[0][0] != "c\x01d" || b.Sections[0].Blocks[0].Fields[0][0] != "e\x02" {
		t.Errorf("BundlePDF changed its argument: %+v", b)
	}
}

// textRun is one string shown on a page, where and in what font.
type textRun struct {
	font       string // base font
	size, x, y float64
	text       []byte
}

var (
	fontResRe = regexp.MustCompile(`/(F\w+) (\d+) 0 R`)
	baseRe    = regexp.MustCompile(`/BaseFont /(\S+)`)
	runRe     = regexp.MustCompile(`BT /(F\w+) ([\d.]+) Tf ET|BT (-?[\d.]+) (-?[\d.]+) Td \(`)
)

// pageRuns reads the text runs of every page of a PDF made by fpdf.
func pageRuns(t testing.TB, data []byte) [][]textRun {
	t.Helper()
	objs := map[string]string{}
	for _, m := range objRe.FindAllStringSubmatch(string(data), -1) {
		objs[m[1]] = m[2]
	}
	fonts := map[string]string{}
	var pages []string
	for _, body := range objs {
		if strings.Contains(body, "/Font <<") {
			for _, m := range fontResRe.FindAllStringSubmatch(body, -1) {
				if bm := baseRe.FindStringSubmatch(objs[m[2]]); bm != nil {
					fonts[m[1]] = bm[1]
				}
			}
		}
		if km := kidsRe.FindStringSubmatch(body); km != nil && countRe.MatchString(body) {
			f := strings.Fields(km[1])
			for j := 0; j+2 < len(f); j += 3 {
				pages = append(pages, f[j])
			}
		}
	}
	var out [][]textRun
	for _, id := range pages {
		cm := contentsRe.FindStringSubmatch(objs[id])
		if cm == nil {
			t.Fatalf("page %s without contents", id)
		}
		stream, err := streamData(objs[cm[1]])
		if err != nil {
			t.Fatal(err)
		}
		var runs []textRun
		var font string
		var size float64
		s := stream
		for {
			loc := runRe.FindSubmatchIndex(s)
			if loc == nil {
				break
			}
			if loc[2] >= 0 {
				font = fonts[string(s[loc[2]:loc[3]])]
				size, _ = strconv.ParseFloat(string(s[loc[4]:loc[5]]), 64)
				s = s[loc[1]:]
				continue
			}
			x, _ := strconv.ParseFloat(string(s[loc[6]:loc[7]]), 64)
			y, _ := strconv.ParseFloat(string(s[loc[8]:loc[9]]), 64)
			str, rest := readPDFString(s[loc[1]:])
			runs = append(runs, textRun{font, size, x, y, str})
			s = rest
		}
		out = append(out, runs)
	}
	return out
}

// checkGeometry checks that no text runs off the page: every string lies between
// the side margins, and between the top and bottom margins of the body unless it is
// in the header (above the rule) or the footer.
func checkGeometry(t testing.TB, data []byte) {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.AddPage()
	pageW, pageH := f.GetPageSize()
	k := f.GetConversionRatio()
	faces := map[string]*face{}
	for _, fc := range []*face{faceSans, faceBold, faceItalic, faceMono, faceCJK} {
		faces["utf8"+fc.family+fc.style] = fc
	}
	ts := newTypeset(f)
	const eps = 0.05
	for p, runs := range pageRuns(t, data) {
		for _, r := range runs {
			fc, ok := faces[r.font]
			if !ok {
				t.Fatalf("page %d: text %q in unexpected font %q", p+1, r.text, r.font)
			}
			ts.size, ts.cur = r.size, nil
			ts.use(fc)
			text := utf16BE(r.text)
			for _, c := range text {
				if !fc.has(c) {
					t.Errorf("page %d: %q is set in %s, which has no glyph for %q", p+1, text, r.font, c)
				}
			}
			x, w := r.x/k, f.GetStringWidth(text)
			base := pageH - r.y/k
			if x < bundleSide-eps || x+w > pageW-bundleSide+eps {
				t.Errorf("page %d: %q from %.2f to %.2f mm, outside the margins", p+1, text, x, x+w)
			}
			header := base < bundleRuleY
			footer := base > pageH-bundleFootY && base < pageH-5
			body := base-r.size/k*0.75 >= bundleTop-eps && base <= pageH-bundleBottom+eps
			if !header && !footer && !body {
				t.Errorf("page %d: %q at %.2f mm from the top, outside the body", p+1, text, base)
			}
		}
	}
}

// TestBundlePDFWithPoppler cross-checks with a real reader when poppler-utils is
// installed: pdfinfo must agree on the page count and metadata, and pdftotext must
// find each section's title on the page the index gives.
func TestBundlePDFWithPoppler(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	b := sampleBundle(t)
	pdf, info := renderBundle1(t, b)
	starts := checkIndex(t, b, info)
	file := filepath.Join(t.TempDir(), "bundle.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdfinfo", file).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	for _, want := range []string{"Pages:           " + itoa(info.pages) + "\n", "(A4)", "Title:           Hearing bundle\n", "Author:          Example Party\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, out)
		}
	}
	for i, s := range b.Sections {
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", "-f", itoa(starts[i]), "-l", itoa(starts[i]), file, "-").CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext: %v\n%s", err, out)
		}
		if want := itoa(i+1) + ". " + shown(s.Title); !strings.Contains(flat(string(out)), want) {
			t.Errorf("pdftotext: page %d lacks %q", starts[i], want)
		}
	}
	out, err = exec.Command("pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", file, "-").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(flat(string(out)), "Hearing bundle") {
		t.Errorf("pdftotext: no title on the first page")
	}
}

// FuzzBundlePDF puts arbitrary strings in every part of a bundle: rendering must
// not fail or panic, and the PDF must be well formed, numbered "Page N of M" with M
// its page count, and its text within the page.
func FuzzBundlePDF(f *testing.F) {
	f.Add("Example Party", "C-2017-004", "Case summary", "Some text.", 3)
	f.Add("", "", "", "", 0)
	f.Add("Zoë Brontë", "R-٣", "Siân Llŷr — “quoted” £", "Ωmega 組合 👋🏽 e\u0301", 2)
	f.Add("bad\xffutf8\x00", "ref\r\n", "\t\v\f", "line\u2028sep\r\nx", 1)
	f.Add(strings.Repeat("org ", 100), strings.Repeat("R", 300), strings.Repeat("t", 500), strings.Repeat("word ", 800), 4)
	f.Add("(", ")) Tj ET (", "\\", "endstream endobj %%EOF", 2)
	f.Fuzz(func(t *testing.T, org, ref, title, text string, n int) {
		b := Bundle{Organisation: org, Title: title, Ref: ref, Subtitle: text, Prepared: org, Confidential: text}
		count := n % 5
		if count < 0 {
			count = -count
		}
		for i := range count {
			b.Sections = append(b.Sections, Section{Title: title + strings.Repeat("!", i), Blocks: []Block{
				{Heading: title, Text: text},
				{Fields: [][2]string{{title, text}, {text, title}}},
				{Header: []string{title, text}, Rows: [][]string{{text, title}, {title}, {}, {text, text, text}}},
				{Pre: text + "\n" + title},
			}})
		}
		pdf, err := BundlePDF(b)
		if err != nil {
			t.Fatal(err)
		}
		info, err := checkPDF(pdf)
		if err != nil {
			t.Fatalf("malformed PDF: %v", err)
		}
		for i, pg := range info.pageTexts {
			if want := fmt.Sprintf("Page %d of %d", i+1, info.pages); !strings.HasSuffix(pg, want) {
				t.Fatalf("page %d does not end with %q: %q", i+1, want, pg)
			}
		}
		checkGeometry(t, pdf)
	})
}
