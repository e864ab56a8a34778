package notices

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// Bundle is a document of numbered sections with an index, e.g. a hearing bundle:
// the whole case file in one PDF, given to the panel, the respondent and the case
// officer before a hearing. It knows nothing of cases; the caller fills it.
type Bundle struct {
	Organisation string
	Title        string // "Hearing bundle"
	Ref          string // the case reference, printed in every footer
	Subtitle     string // e.g. "Respondent: Rowan Ashdown (M0001) — hearing 30 March 2017"
	Prepared     string // e.g. "Prepared 1 December 2026 by ann.ryder"
	Confidential string // a marking printed in every header, e.g. "CONFIDENTIAL — special category personal data"
	Sections     []Section
	// Date is the document's creation date in the PDF's metadata; the zero time
	// stands for 1 January 1970, so that the same bundle always gives the same bytes.
	Date time.Time
}

// Section is one part of a bundle; each starts on a new page and is listed in the
// index with that page's number.
type Section struct {
	Title  string
	Blocks []Block
}

// Block is one of: a paragraph (Text), a heading (Heading), a key/value list
// (Fields), a table (Table with Header and Rows), or a pre-formatted letter (Pre,
// kept on its own pages' margins, wrapped). A block with several of them set shows
// each, in that order: heading, text, fields, table, letter.
//
// Text may hold line breaks ("\n", a blank line between paragraphs); table cells and
// field values may too. Pre keeps its lines and spaces and is set in a fixed-width
// font, as a letter's plain-text form is laid out.
type Block struct {
	Heading string
	Text    string
	Fields  [][2]string
	Header  []string
	Rows    [][]string
	Pre     string
}

// Bundle page layout, in millimetres, on A4.
const (
	bundleSide   = 20.0 // left and right margins
	bundleTop    = 25.0 // top of the body, below the header
	bundleBottom = 20.0 // bottom margin of the body, above the footer
	bundleHeadY  = 9.0  // first line of the header
	bundleHeadLH = 3.8
	bundleRuleY  = 18.5 // rule under the header
	bundleFootY  = 13.0 // footer line, from the foot of the page
	bundleBodyLH = 5.0  // body text line height
	bundleBody   = 10.0 // body text size in points
	bundleCell   = 8.5  // table text size in points
	bundleCellLH = 4.0
	bundleCellPX = 1.5 // cell padding, horizontal
	bundleCellPY = 1.0 // cell padding, vertical
	bundlePre    = 9.0 // letter text size (monospaced)
	bundlePreLH  = 4.2
	bundleMinCol = 6.0 // narrowest table column: wide enough for any one character
)

// BundlePDF renders b as an A4 PDF: a cover with the index, listing every section
// with the page it starts on (right-aligned numbers, dotted leaders), then each
// section starting on a new page; every page has a header with the Confidential
// marking (the title when there is none) and a footer "Ref — Page N of M".
//
// Tables wrap their cells and repeat their header row on each page they continue
// on; paragraphs, tables and letters break across pages, and a word too long for
// its line or cell is broken. Like PDF, it sets text in the embedded Unicode
// fonts, so that names in every script they cover print as written (see PDF for
// what becomes of a character none has). The output is deterministic.
//
// The index's page numbers are known only once the sections are laid out: the
// bundle is laid out once to find them, and again to print them (the index is
// laid out the same whatever its numbers, so twice is enough). The footers' page
// count is written on each page at the end.
func BundlePDF(b Bundle) ([]byte, error) {
	b = b.clean()
	var starts []int
	for pass := 1; pass <= 3; pass++ {
		pdf, got, err := renderBundle(&b, starts)
		if err != nil {
			return nil, fmt.Errorf("notices: bundle PDF of %s: %w", b.Ref, err)
		}
		if pdf != nil && slices.Equal(got, starts) {
			return pdf, nil
		}
		starts = got
	}
	return nil, fmt.Errorf("notices: bundle PDF of %s: the index's page numbers did not settle", b.Ref)
}

// clean returns a copy of b with its strings made safe by cleanString and the
// one-line ones on one line; the caller's bundle is not modified.
func (b Bundle) clean() Bundle {
	c := b
	c.Organisation = oneLine(b.Organisation)
	c.Title = oneLine(b.Title)
	c.Ref = oneLine(b.Ref)
	c.Subtitle = oneLine(b.Subtitle)
	c.Prepared = oneLine(b.Prepared)
	c.Confidential = oneLine(b.Confidential)
	c.Sections = make([]Section, len(b.Sections))
	for i, s := range b.Sections {
		cs := Section{Title: oneLine(s.Title), Blocks: make([]Block, len(s.Blocks))}
		for j, bl := range s.Blocks {
			cb := Block{Heading: oneLine(bl.Heading), Text: cleanString(bl.Text), Pre: cleanString(bl.Pre)}
			for _, kv := range bl.Fields {
				cb.Fields = append(cb.Fields, [2]string{oneLine(kv[0]), cleanString(kv[1])})
			}
			for _, h := range bl.Header {
				cb.Header = append(cb.Header, oneLine(h))
			}
			for _, r := range bl.Rows {
				cb.Rows = append(cb.Rows, cleanStrings(r))
			}
			cs.Blocks[j] = cb
		}
		c.Sections[i] = cs
	}
	return c
}

func oneLine(s string) string { return strings.Join(strings.FieldsFunc(cleanString(s), isSpace), " ") }

// bundleDoc is one layout pass of a bundle.
type bundleDoc struct {
	f  *fpdf.Fpdf
	ts *typeset
	b  *Bundle
	// starts are the sections' first pages, as a previous layout found (nil in
	// the first).
	starts []int
	left   float64
	width  float64 // of the body text
	top    float64 // of the body
	floor  float64 // the lowest the body may reach
	// onBreak, when set, is called after a page break in the middle of something:
	// it repeats a table's header row, or says the index continues.
	onBreak func()
	// reserved is the height onBreak takes, which a table row cannot use.
	reserved float64
}

// renderBundle lays the bundle out, printing starts as the sections' first pages
// in the index, and returns the pages the sections did start on and, when they
// are the ones printed, the PDF, with the page count written in the footers.
func renderBundle(b *Bundle, starts []int) ([]byte, []int, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetMargins(bundleSide, bundleTop, bundleSide)
	f.SetAutoPageBreak(false, bundleBottom) // pages are broken here, never by fpdf
	f.SetCellMargin(0)
	title := b.Title
	if title == "" {
		title = "Bundle"
	}
	f.SetTitle(title, true)
	f.SetSubject(strings.Join(nonEmpty(b.Ref, b.Subtitle), " \u2014 "), true)
	f.SetAuthor(b.Organisation, true)
	f.SetCreator("rulebook", true)
	f.SetProducer("rulebook notices", true)
	when := time.Unix(0, 0).UTC()
	if !b.Date.IsZero() {
		when = b.Date
	}
	f.SetCreationDate(when)
	f.SetModificationDate(when)
	f.SetCatalogSort(true)
	pageW, pageH := f.GetPageSize()
	d := &bundleDoc{f: f, ts: newTypeset(f), b: b, starts: starts, left: bundleSide, width: pageW - 2*bundleSide,
		top: bundleTop, floor: pageH - bundleBottom}
	f.SetHeaderFuncMode(d.header, true)

	d.cover()
	got := make([]int, 0, len(b.Sections))
	for i, s := range b.Sections {
		f.AddPage()
		got = append(got, f.PageNo())
		d.section(i, s)
	}
	if !slices.Equal(got, starts) {
		return nil, got, f.Error()
	}
	last := f.PageNo()
	for p := 1; p <= last; p++ {
		f.SetPage(p)
		d.ts.revisit()
		d.footer(p, last)
	}
	f.SetPage(last)
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), got, nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (d *bundleDoc) header() {
	f := d.f
	mark := d.b.Confidential
	d.ts.font("B", 8.5)
	f.SetTextColor(160, 0, 0)
	if mark == "" {
		mark = d.b.Title
		d.ts.font("", 8.5)
		f.SetTextColor(90, 90, 90)
	}
	lines := d.ts.wrap(prepare(mark), d.width)
	if len(lines) > 2 {
		lines = []string{lines[0], d.ts.truncate(lines[1]+" "+lines[2], d.width)}
	}
	for i, ln := range lines {
		f.SetXY(d.left, bundleHeadY+float64(i)*bundleHeadLH)
		d.ts.cell(d.width, bundleHeadLH, ln, "C")
	}
	f.SetDrawColor(170, 170, 170)
	f.SetLineWidth(0.2)
	f.Line(d.left, bundleRuleY, d.left+d.width, bundleRuleY)
}

// footer writes page's footer, "Ref — Page N of M", in the margin below the body.
func (d *bundleDoc) footer(page, pages int) {
	f := d.f
	_, pageH := f.GetPageSize()
	d.ts.font("", 8)
	f.SetTextColor(90, 90, 90)
	num := fmt.Sprintf("Page %d of %d", page, pages)
	text := num
	if d.b.Ref != "" {
		sep := " \u2014 "
		ref := d.ts.truncate(prepare(d.b.Ref), d.width-d.ts.width(sep+num))
		text = ref + sep + num
	}
	f.SetXY(d.left, pageH-bundleFootY)
	d.ts.cell(d.width, 4, text, "C")
	f.SetTextColor(0, 0, 0)
}

// cover lays out the first page: who and what the bundle is, then the index.
func (d *bundleDoc) cover() {
	f := d.f
	b := d.b
	f.AddPage()
	if b.Organisation != "" {
		d.text(b.Organisation, "B", 11, 5.5, 0)
		d.space(5)
	}
	title := b.Title
	if title == "" {
		title = "Bundle"
	}
	d.text(title, "B", 20, 9, 0)
	d.space(2)
	if b.Subtitle != "" {
		d.text(b.Subtitle, "", 12, 6, 0)
		d.space(1)
	}
	if b.Ref != "" {
		d.text("Reference: "+b.Ref, "", bundleBody, bundleBodyLH, 0)
	}
	if b.Prepared != "" {
		d.text(b.Prepared, "I", 9.5, bundleBodyLH, 0)
	}
	d.space(8)
	d.need(7 + 6)
	d.text("Index", "B", 13, 7, 0)
	d.space(2)
	if len(b.Sections) == 0 {
		d.text("This bundle has no sections.", "I", bundleBody, bundleBodyLH, 0)
		return
	}

	d.onBreak = func() {
		d.text("Index (continued)", "B", 11, 6, 0)
		d.space(2)
	}
	d.reserved = 8
	defer func() { d.onBreak, d.reserved = nil, 0 }()
	const lh = 6.0
	d.ts.font("", bundleBody+0.5)
	numW := d.ts.width(strings.Repeat("0", max(len(itoa(len(b.Sections))), 2))+".") + 2
	pageW := d.ts.width("000000")
	titleW := d.width - numW - pageW - 4
	for i, s := range b.Sections {
		d.ts.font("", bundleBody+0.5)
		lines := d.ts.wrap(prepare(sectionTitle(i, s)), titleW)
		// The layout does not depend on the numbers, so that it is the same in
		// every pass.
		if h := float64(len(lines)) * lh; h <= d.floor-d.top-d.reserved {
			d.need(h)
		}
		for j, ln := range lines {
			d.need(lh)
			d.ts.font("", bundleBody+0.5) // a page break may have changed it
			y := f.GetY()
			if j == 0 {
				f.SetXY(d.left, y)
				d.ts.cell(numW, lh, itoa(i+1)+".", "L")
			}
			f.SetXY(d.left+numW, y)
			d.ts.cell(titleW, lh, ln, "L")
			if j == len(lines)-1 {
				x1 := d.left + numW + d.ts.width(ln) + 1.5
				x2 := d.left + d.width - pageW - 1.5
				if x2-x1 > 1 {
					f.SetDrawColor(80, 80, 80)
					f.SetLineWidth(0.3)
					f.SetLineCapStyle("round")
					f.SetDashPattern([]float64{0, 1.1}, 0)
					_, fs := f.GetFontSize()
					base := y + 0.5*lh + 0.3*fs
					f.Line(x1, base, x2, base)
					f.SetDashPattern(nil, 0)
					f.SetLineCapStyle("butt")
				}
				num := ""
				if i < len(d.starts) {
					num = itoa(d.starts[i])
				}
				f.SetXY(d.left+d.width-pageW, y)
				d.ts.cell(pageW, lh, num, "R")
			}
			f.SetY(y + lh)
		}
		d.space(0.8)
	}
}

// sectionTitle is the i-th section's title as it is shown; the number is added
// where it is set.
func sectionTitle(i int, s Section) string {
	if s.Title == "" {
		return "Section " + itoa(i+1)
	}
	return s.Title
}

func (d *bundleDoc) section(i int, s Section) {
	d.text(itoa(i+1)+". "+sectionTitle(i, s), "B", 15, 7.5, 0)
	y := d.f.GetY() + 1.5
	d.f.SetDrawColor(120, 120, 120)
	d.f.SetLineWidth(0.3)
	d.f.Line(d.left, y, d.left+d.width, y)
	d.f.SetY(y + 4)
	for _, bl := range s.Blocks {
		d.block(bl)
	}
}

func (d *bundleDoc) block(bl Block) {
	if bl.Heading != "" {
		if d.f.GetY() > d.top+0.01 {
			d.space(2.5)
		}
		// Keep a heading with the first lines of what follows it.
		d.need(6 + 3*bundleBodyLH)
		d.text(bl.Heading, "B", 11.5, 6, 0)
		d.space(1)
	}
	if strings.TrimSpace(bl.Text) != "" {
		d.text(strings.TrimSpace(bl.Text), "", bundleBody, bundleBodyLH, 0)
		d.space(2.5)
	}
	if len(bl.Fields) > 0 {
		d.fields(bl.Fields)
		d.space(2.5)
	}
	if len(bl.Header) > 0 || len(bl.Rows) > 0 {
		d.table(bl.Header, bl.Rows)
		d.space(3)
	}
	if strings.TrimSpace(bl.Pre) != "" {
		d.pre(bl.Pre)
		d.space(3)
	}
}

// pageBreak starts a new page and repeats what must be repeated on it.
func (d *bundleDoc) pageBreak() {
	d.f.AddPage()
	if fn := d.onBreak; fn != nil {
		d.onBreak = nil // what it writes must not break again
		fn()
		d.onBreak = fn
	}
}

// need breaks the page unless h more millimetres fit on it.
func (d *bundleDoc) need(h float64) {
	if d.f.GetY()+h > d.floor+1e-6 {
		d.pageBreak()
	}
}

// space moves down by h, or to the top of the next page when that is past the body.
func (d *bundleDoc) space(h float64) {
	y := d.f.GetY() + h
	if y > d.floor {
		d.pageBreak()
		return
	}
	d.f.SetY(y)
}

// text writes UTF-8 text wrapped to the body width less indent, a line at a time,
// breaking pages between lines.
func (d *bundleDoc) text(s, style string, size, lh, indent float64) {
	f := d.f
	d.ts.font(style, size)
	for _, ln := range d.ts.wrap(prepare(s), d.width-indent) {
		d.need(lh)
		d.ts.font(style, size) // a page break may have changed it
		y := f.GetY()
		if ln != "" {
			f.SetXY(d.left+indent, y)
			d.ts.cell(d.width-indent, lh, ln, "L")
		}
		f.SetY(y + lh)
	}
}

// pre writes a pre-formatted letter in a monospaced face, keeping its lines and spaces.
func (d *bundleDoc) pre(s string) {
	f := d.f
	d.ts.font("M", bundlePre)
	s = strings.TrimRight(s, " \n")
	for strings.HasPrefix(s, "\n") {
		s = s[1:]
	}
	for _, ln := range d.wrapPre(prepare(expandTabs(s)), d.width) {
		d.need(bundlePreLH)
		d.ts.font("M", bundlePre)
		y := f.GetY()
		if strings.TrimSpace(ln) != "" {
			f.SetXY(d.left, y)
			d.ts.cell(d.width, bundlePreLH, ln, "L")
		}
		f.SetY(y + bundlePreLH)
	}
}

// expandTabs replaces tabs by spaces to the next multiple of eight columns.
func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch r {
		case '\t':
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case '\n':
			b.WriteRune(r)
			col = 0
		default:
			b.WriteRune(r)
			col++
		}
	}
	return b.String()
}

// fields writes key/value pairs in two columns, keys in bold.
func (d *bundleDoc) fields(kvs [][2]string) {
	d.ts.font("B", bundleBody)
	keyW := 0.0
	for _, kv := range kvs {
		keyW = max(keyW, d.ts.width(prepare(kv[0])))
	}
	keyW = min(keyW+4, 0.35*d.width)
	widths := []float64{keyW, d.width - keyW}
	styles := []string{"B", ""}
	for _, kv := range kvs {
		d.row([]string{kv[0], kv[1]}, widths, styles, bundleBody, bundleBodyLH, 0, 0.6, false, false)
	}
}

// table writes a table with borders, its header row in bold on grey, repeated at
// the top of every page the table continues on.
func (d *bundleDoc) table(header []string, rows [][]string) {
	n := len(header)
	for _, r := range rows {
		n = max(n, len(r))
	}
	if n == 0 {
		return
	}
	// Columns beyond what fits at the narrowest width are joined into the last.
	if maxCols := int(d.width / bundleMinCol); n > maxCols {
		fold := func(cells []string) []string {
			if len(cells) <= maxCols {
				return cells
			}
			out := slices.Clone(cells[:maxCols-1])
			return append(out, strings.Join(cells[maxCols-1:], "; "))
		}
		header = fold(header)
		folded := make([][]string, len(rows))
		for i, r := range rows {
			folded[i] = fold(r)
		}
		rows, n = folded, maxCols
	}
	widths := d.columnWidths(header, rows, n)
	bold := make([]string, n)
	plain := make([]string, n)
	for i := range bold {
		bold[i] = "B"
	}
	hasHeader := slices.ContainsFunc(header, func(s string) bool { return s != "" })
	if hasHeader {
		hh := d.rowHeight(header, widths, bold, bundleCell, bundleCellLH, bundleCellPX, bundleCellPY)
		first := bundleCellLH + 2*bundleCellPY
		if hh+first <= d.floor-d.top {
			d.need(hh + first)
		}
		d.row(header, widths, bold, bundleCell, bundleCellLH, bundleCellPX, bundleCellPY, true, true)
		// A header too tall to repeat (pages of text in it) is shown once.
		if hh <= (d.floor-d.top)/4 {
			saved, savedRes := d.onBreak, d.reserved
			d.onBreak = func() {
				d.row(header, widths, bold, bundleCell, bundleCellLH, bundleCellPX, bundleCellPY, true, true)
			}
			d.reserved = hh
			defer func() { d.onBreak, d.reserved = saved, savedRes }()
		}
	}
	for _, r := range rows {
		d.row(r, widths, plain, bundleCell, bundleCellLH, bundleCellPX, bundleCellPY, true, false)
	}
}

// columnWidths shares the body width among n columns: each gets what its widest
// cell needs on one line if they all fit, otherwise at least its longest word
// (within limits) and a share of the rest in proportion to what it lacks.
func (d *bundleDoc) columnWidths(header []string, rows [][]string, n int) []float64 {
	want := make([]float64, n)
	least := make([]float64, n)
	measure := func(cells []string, style string) {
		d.ts.font(style, bundleCell)
		for i, c := range cells {
			for _, ln := range strings.Split(prepare(c), "\n") {
				want[i] = max(want[i], d.ts.width(ln)+2*bundleCellPX)
				for _, w := range strings.Fields(ln) {
					least[i] = max(least[i], d.ts.width(w)+2*bundleCellPX)
				}
			}
		}
	}
	measure(header, "B")
	for _, r := range rows {
		measure(r, "")
	}
	W := d.width
	capW := max(min(30, W/float64(n)), bundleMinCol)
	sumWant := 0.0
	for i := range want {
		want[i] = max(want[i], bundleMinCol)
		least[i] = max(min(least[i], capW), bundleMinCol)
		want[i] = max(want[i], least[i])
		sumWant += want[i]
	}
	widths := make([]float64, n)
	if sumWant <= W {
		for i := range widths {
			widths[i] = want[i] * W / sumWant
		}
		return widths
	}
	// Columns that want no more than an equal share of what is left get what they
	// want; the others share the rest.
	done := make([]bool, n)
	rest, left := W, n
	for changed := true; changed && left > 0; {
		changed = false
		for i := range want {
			if !done[i] && want[i] <= rest/float64(left) {
				widths[i], done[i] = want[i], true
				rest -= want[i]
				left--
				changed = true
			}
		}
	}
	sumLeast, lack := 0.0, 0.0
	for i := range want {
		if !done[i] {
			sumLeast += least[i]
			lack += want[i] - least[i]
		}
	}
	for i := range widths {
		switch {
		case done[i]:
		case sumLeast >= rest:
			// At least bundleMinCol each: rest is at least that for each, as the
			// share of what is left only grows as columns are given what they want.
			m := bundleMinCol * float64(left)
			widths[i] = bundleMinCol + (rest-m)*(least[i]-bundleMinCol)/(sumLeast-m)
		default:
			widths[i] = least[i] + (rest-sumLeast)*(want[i]-least[i])/lack
		}
	}
	return widths
}

// cellLines wraps each cell to its column, in its style.
func (d *bundleDoc) cellLines(cells []string, widths []float64, styles []string, size, padX float64) [][]string {
	out := make([][]string, len(widths))
	for i := range widths {
		if i >= len(cells) {
			continue
		}
		d.ts.font(styles[i], size)
		out[i] = d.ts.wrap(prepare(strings.TrimSpace(cells[i])), widths[i]-2*padX)
	}
	return out
}

func (d *bundleDoc) rowHeight(cells []string, widths []float64, styles []string, size, lh, padX, padY float64) float64 {
	n := 1
	for _, ls := range d.cellLines(cells, widths, styles, size, padX) {
		n = max(n, len(ls))
	}
	return float64(n)*lh + 2*padY
}

// row writes one row of cells side by side. A row that does not fit on what is left
// of the page goes to the next; one taller than a page is broken between lines,
// each part with its own borders.
func (d *bundleDoc) row(cells []string, widths []float64, styles []string, size, lh, padX, padY float64, border, fill bool) {
	f := d.f
	lines := d.cellLines(cells, widths, styles, size, padX)
	total := 1
	for _, ls := range lines {
		total = max(total, len(ls))
	}
	if h := float64(total)*lh + 2*padY; f.GetY()+h > d.floor && h <= d.floor-d.top-d.reserved {
		d.pageBreak()
	}
	for start := 0; start < total; {
		avail := int(math.Floor((d.floor - f.GetY() - 2*padY + 1e-6) / lh))
		if avail < 1 {
			if f.GetY() > d.top+d.reserved+0.01 {
				d.pageBreak()
				continue
			}
			avail = 1 // cannot happen with these sizes; never loop
		}
		k := min(avail, total-start)
		y := f.GetY()
		h := float64(k)*lh + 2*padY
		x := d.left
		for i, w := range widths {
			if border {
				f.SetLineWidth(0.2)
				f.SetDrawColor(140, 140, 140)
				style := "D"
				if fill {
					f.SetFillColor(228, 228, 228)
					style = "FD"
				}
				f.Rect(x, y, w, h, style)
			}
			d.ts.font(styles[i], size)
			for j := start; j < start+k && j < len(lines[i]); j++ {
				if lines[i][j] == "" {
					continue
				}
				f.SetXY(x+padX, y+padY+float64(j-start)*lh)
				d.ts.cell(w-2*padX, lh, lines[i][j], "L")
			}
			x += w
		}
		f.SetY(y + h)
		start += k
		if start < total {
			d.pageBreak()
		}
	}
}

// wrapPre breaks the lines of pre-formatted text that are wider than w, at the last
// space that fits or else within a word; the continuation keeps the line's indent.
func (d *bundleDoc) wrapPre(s string, w float64) []string {
	var out []string
	for _, ln := range strings.Split(s, "\n") {
		ln = strings.TrimRight(ln, " ")
		if d.ts.width(ln) <= w {
			out = append(out, ln)
			continue
		}
		indent := ln[:len(ln)-len(strings.TrimLeft(ln, " "))]
		if d.ts.width(indent) > w/2 {
			indent = ""
		}
		rest := ln
		for first := true; rest != ""; first = false {
			if !first {
				rest = indent + strings.TrimLeft(rest, " ")
			}
			if d.ts.width(rest) <= w {
				out = append(out, rest)
				break
			}
			// The longest prefix that fits, at least one character past the indent.
			rs := []rune(rest)
			n, width := 0, 0.0
			for n < len(rs) {
				cw := d.ts.width(string(rs[n]))
				if n > len(indent) && width+cw > w {
					break
				}
				width += cw
				n++
			}
			n = len(string(rs[:n])) // in bytes, as the indent is (spaces)
			cut := n
			if sp := strings.LastIndexByte(rest[:n], ' '); sp > len(indent) && strings.TrimSpace(rest[len(indent):sp]) != "" && n < len(rest) && rest[n] != ' ' {
				cut = sp
			}
			out = append(out, strings.TrimRight(rest[:cut], " "))
			rest = rest[cut:]
			if strings.TrimSpace(rest) == "" {
				break
			}
		}
	}
	return out
}
