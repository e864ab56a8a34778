package notices

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// PDF layout, in millimetres and points: A4 with margins wide enough for hole
// punching and filing, body text at a size that prints legibly.
const (
	pdfMargin    = 20.0
	pdfBodySize  = 10.5
	pdfLine      = 5.2 // line height of body text
	pdfParaSpace = 2.2 // space after a paragraph
	pdfIndent    = 6.0 // per list level, and for quotations
)

// PDF lays out a rendered letter as an A4 PDF: the blocks of its HTML become
// headings, paragraphs, list items and indented quotations, wrapped to the page and
// broken across pages, with the reference and "page n of N" at the foot of each.
//
// It sets the text in the embedded Unicode fonts (see fonts.go), embedding only
// the glyphs it uses, so that every name prints as written: Latin in all its
// forms, Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic (shaped, and set
// right to left), Chinese, Japanese and Korean. A character no font has (a script
// that needs shaping fpdf cannot do, such as Devanagari; anything beyond the Basic
// Multilingual Plane) is written as its base letter where it has one, and as "?"
// otherwise. The output is deterministic: the document dates are the letter's
// date.
func PDF(r *Rendered, l Letter) ([]byte, error) {
	if r == nil {
		return nil, errors.New("notices: PDF: no rendered letter")
	}
	l = l.clean()
	doc := parseHTML(cleanString(r.HTML))
	if len(doc.blocks) == 0 {
		return nil, fmt.Errorf("notices: PDF of %s: the letter has no text", r.Template)
	}
	return letterPDF(r, l, doc)
}

// letterPDF lays the letter out, then writes each page's footer with the page
// count the layout found.
func letterPDF(r *Rendered, l Letter, doc document) ([]byte, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetAutoPageBreak(false, pdfMargin) // pages are broken here, between lines
	f.SetCellMargin(0)
	f.SetTitle(cleanString(r.Subject), true)
	f.SetSubject(l.Ref, true)
	f.SetAuthor(l.Organisation, true)
	f.SetCreator("rulebook", true)
	f.SetProducer("rulebook notices", true)
	when := time.Unix(0, 0).UTC()
	if !l.Date.IsZero() {
		when = l.Date.Time()
	}
	f.SetCreationDate(when)
	f.SetModificationDate(when)
	f.SetCatalogSort(true)
	t := newTypeset(f)
	pageW, pageH := f.GetPageSize()
	width := pageW - 2*pdfMargin
	foot := prepare(strings.TrimSpace(l.Organisation + "  \u2013  reference " + l.Ref))
	footer := func(page, pages int) {
		f.SetXY(pdfMargin, pageH-pdfMargin+6)
		f.SetTextColor(90, 90, 90)
		t.font("", 8)
		t.cell(width, 4, t.truncate(foot, width-t.width("Page 0000 of 0000")-4), "L")
		f.SetX(pdfMargin)
		t.cell(width, 4, fmt.Sprintf("Page %d of %d", page, pages), "R")
		f.SetTextColor(0, 0, 0)
	}
	f.AddPage()
	// lines writes text wrapped to the width from x, breaking pages between lines.
	lines := func(x float64, text string, lh float64) {
		for _, ln := range t.wrap(text, pdfMargin+width-x) {
			if f.GetY()+lh > pageH-pdfMargin {
				style, size := t.style, t.size
				f.AddPage()
				t.font(style, size)
			}
			f.SetX(x)
			t.cell(pdfMargin+width-x, lh, ln, "L")
			f.SetXY(pdfMargin, f.GetY()+lh)
		}
	}

	for i, b := range doc.blocks {
		text := prepare(b.Text)
		switch b.Kind {
		case heading:
			size, lh := 11.0, 5.6
			switch b.Level {
			case 1:
				size, lh = 15, 7.5
			case 2:
				size, lh = 12, 6.2
			}
			if i > 0 {
				f.Ln(2.5)
			}
			// Keep a heading with the first lines of what follows it.
			if f.GetY()+lh+3*pdfLine > pageH-pdfMargin {
				f.AddPage()
			}
			t.font("B", size)
			lines(pdfMargin, text, lh)
			f.Ln(1)
		case item:
			t.font("", pdfBodySize)
			if f.GetY()+pdfLine > pageH-pdfMargin {
				f.AddPage()
				t.font("", pdfBodySize)
			}
			// Deeply nested lists (an organisation's own template) stop indenting
			// at five levels rather than run off the page.
			x := pdfMargin + pdfIndent*float64(min(b.Level, 5)-1)
			marker := b.Marker
			if marker == "-" {
				marker = "\u2022"
			}
			f.SetX(x)
			t.cell(pdfIndent, pdfLine, prepare(marker), "L")
			y := f.GetY()
			ls := t.wrap(text, pdfMargin+width-x-pdfIndent)
			for j, ln := range ls {
				if j > 0 && y+pdfLine > pageH-pdfMargin {
					f.AddPage()
					t.font("", pdfBodySize)
					y = f.GetY()
				}
				f.SetXY(x+pdfIndent, y)
				t.cell(pdfMargin+width-x-pdfIndent, pdfLine, ln, "L")
				y += pdfLine
			}
			f.SetXY(pdfMargin, y)
			f.Ln(0.8)
		case quote:
			t.font("I", pdfBodySize)
			lines(pdfMargin+pdfIndent, text, pdfLine)
			f.Ln(pdfParaSpace)
		default:
			style := ""
			if b.Bold {
				style = "B"
			}
			t.font(style, pdfBodySize)
			lines(pdfMargin, text, pdfLine)
			f.Ln(pdfParaSpace)
		}
	}
	last := f.PageNo()
	for p := 1; p <= last; p++ {
		f.SetPage(p)
		t.revisit()
		footer(p, last)
	}
	f.SetPage(last)
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("notices: PDF of %s: %w", r.Template, err)
	}
	return buf.Bytes(), nil
}
