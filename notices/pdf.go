package notices

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
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
// It uses the PDF core font Helvetica, which every reader has, so nothing is
// embedded and the file stays small; the text is therefore limited to the Windows
// Latin 1 character set. Other characters are written without their accents where
// that is possible (ő → o) and as "?" otherwise. The output is deterministic: the
// document dates are the letter's date.
func PDF(r *Rendered, l Letter) ([]byte, error) {
	if r == nil {
		return nil, errors.New("notices: PDF: no rendered letter")
	}
	l = l.clean()
	doc := parseHTML(cleanString(r.HTML))
	if len(doc.blocks) == 0 {
		return nil, fmt.Errorf("notices: PDF of %s: the letter has no text", r.Template)
	}

	f := fpdf.New("P", "mm", "A4", "")
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetAutoPageBreak(true, pdfMargin)
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
	f.AliasNbPages("{nb}")
	foot := winAnsi(strings.TrimSpace(l.Organisation + "  \u2013  reference " + l.Ref))
	f.SetFooterFunc(func() {
		f.SetY(-pdfMargin + 6)
		f.SetFont("Helvetica", "", 8)
		f.SetTextColor(90, 90, 90)
		f.CellFormat(0, 4, foot, "", 0, "L", false, 0, "")
		f.CellFormat(0, 4, fmt.Sprintf("Page %d of {nb}", f.PageNo()), "", 0, "R", false, 0, "")
		f.SetTextColor(0, 0, 0)
	})
	f.AddPage()
	_, pageH := f.GetPageSize()

	for i, b := range doc.blocks {
		text := winAnsi(b.Text)
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
			f.SetFont("Helvetica", "B", size)
			f.MultiCell(0, lh, text, "", "L", false)
			f.Ln(1)
		case item:
			f.SetFont("Helvetica", "", pdfBodySize)
			// Deeply nested lists (an organisation's own template) stop indenting
			// at five levels rather than run off the page.
			x := pdfMargin + pdfIndent*float64(min(b.Level, 5)-1)
			marker := b.Marker
			if marker == "-" {
				marker = "\x95" // bullet in Windows Latin 1
			}
			f.SetX(x)
			f.CellFormat(pdfIndent, pdfLine, marker, "", 0, "L", false, 0, "")
			f.MultiCell(0, pdfLine, text, "", "L", false)
			f.Ln(0.8)
		case quote:
			f.SetFont("Helvetica", "I", pdfBodySize)
			f.SetLeftMargin(pdfMargin + pdfIndent)
			f.SetX(pdfMargin + pdfIndent)
			f.MultiCell(0, pdfLine, text, "", "L", false)
			f.SetLeftMargin(pdfMargin)
			f.Ln(pdfParaSpace)
		default:
			style := ""
			if b.Bold {
				style = "B"
			}
			f.SetFont("Helvetica", style, pdfBodySize)
			f.MultiCell(0, pdfLine, text, "", "L", false)
			f.Ln(pdfParaSpace)
		}
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("notices: PDF of %s: %w", r.Template, err)
	}
	return buf.Bytes(), nil
}

// asciiFallback covers letters that have no decomposition to a base letter but an
// obvious plain one, and punctuation outside Windows Latin 1.
var asciiFallback = map[rune]string{
	'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D", 'ħ': "h", 'Ħ': "H", 'ı': "i", 'ŀ': "l", 'Ŀ': "L",
	'\u2010': "-", '\u2011': "-", '\u2012': "-", '\u2212': "-", '\u2032': "'", '\u2033': "\"",
	'\u00a0': " ", '\u2002': " ", '\u2003': " ", '\u2009': " ", '\u202f': " ", '\t': " ",
	'\ufffd': "?",
}

// winAnsi converts UTF-8 text to the Windows Latin 1 bytes the core fonts are set
// in; see PDF for what happens to other characters.
func winAnsi(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\n' {
			b.WriteByte('\n')
			continue
		}
		if c, ok := charmap.Windows1252.EncodeRune(r); ok && r >= ' ' {
			b.WriteByte(c)
			continue
		}
		if alt, ok := asciiFallback[r]; ok {
			b.WriteString(alt)
			continue
		}
		// The base letter of a decomposable character, if it is encodable.
		if d := []rune(norm.NFD.String(string(r))); len(d) > 1 {
			if c, ok := charmap.Windows1252.EncodeRune(d[0]); ok && d[0] >= ' ' {
				b.WriteByte(c)
				continue
			}
		}
		b.WriteByte('?')
	}
	return b.String()
}
