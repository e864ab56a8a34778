package notices

import (
	"strings"
	"unicode"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"
)

// typeset sets text in the embedded Unicode fonts on an fpdf document: each run of
// characters in the first face of the style's chain that has them (a Chinese name
// in a bold heading falls back from DejaVu Sans Bold to Droid Sans Fallback), the
// faces registered with the document as they are first needed.
type typeset struct {
	f     *fpdf.Fpdf
	style string
	size  float64
	added map[*face]bool
	cur   *face
}

func newTypeset(f *fpdf.Fpdf) *typeset { return &typeset{f: f, added: map[*face]bool{}} }

// font selects the style ("", "B", "I", or "M" for monospaced) and size in points.
func (t *typeset) font(style string, size float64) {
	t.style, t.size, t.cur = style, size, nil
	t.use(chain(style)[0])
}

// use makes fc the document's current font, registering it first if need be.
func (t *typeset) use(fc *face) {
	if t.cur == fc {
		return
	}
	if !t.added[fc] {
		t.f.AddUTF8FontFromBytes(fc.family, fc.style, fc.data)
		t.added[fc] = true
	}
	t.f.SetFont(fc.family, fc.style, t.size)
	t.cur = fc
}

// revisit readies the typeset for writing on a page laid out earlier (after
// fpdf's SetPage): the font is selected again in that page's content, whatever
// fpdf believes is current.
func (t *typeset) revisit() {
	if t.cur != nil {
		t.f.SetFontSize(t.size + 1)
		t.cur = nil
	}
}

// run is text set in one face.
type run struct {
	face *face
	text string
}

// runs splits s (prepared text) into runs, each in the first face of the chain
// that has its characters.
func (t *typeset) runs(s string) []run {
	ch := chain(t.style)
	var out []run
	var b strings.Builder
	var cur *face
	for _, r := range s {
		fc := ch[0]
		for _, c := range ch {
			if c.has(r) {
				fc = c
				break
			}
		}
		// A space, or anything no face has, stays in the run it is in.
		if cur != nil && fc != cur && (r == ' ' || !fc.has(r)) {
			fc = cur
		}
		if fc != cur && b.Len() > 0 {
			out = append(out, run{cur, b.String()})
			b.Reset()
		}
		cur = fc
		b.WriteRune(r)
	}
	if b.Len() > 0 {
		out = append(out, run{cur, b.String()})
	}
	return out
}

// width is the width of s (prepared text) in millimetres, in the current style.
func (t *typeset) width(s string) float64 {
	w := 0.0
	for _, r := range t.runs(s) {
		t.use(r.face)
		w += t.f.GetStringWidth(r.text)
	}
	t.use(chain(t.style)[0])
	return w
}

// cell writes one line of prepared text in a box of width w and height h at the
// current position, aligned "L", "C" or "R", and moves right past the box. Text
// in right-to-left scripts is set in visual order.
func (t *typeset) cell(w, h float64, s, align string) {
	f := t.f
	x, y := f.GetXY()
	s = visual(s)
	start := x
	switch align {
	case "C":
		start = x + (w-t.width(s))/2
	case "R":
		start = x + w - t.width(s)
	}
	f.SetXY(start, y)
	for _, r := range t.runs(s) {
		t.use(r.face)
		rw := f.GetStringWidth(r.text)
		f.CellFormat(rw, h, r.text, "", 0, "L", false, 0, "")
	}
	t.use(chain(t.style)[0])
	f.SetXY(x+w, y)
}

// prepare makes UTF-8 text settable in the embedded fonts: composed (NFC), Arabic
// shaped into its joined forms, and each character no font has written as its base
// letter where it has one (a letter with an accent no font draws), or a plainer
// equivalent, or else "?". Line breaks are kept; other control characters and
// unusual spaces become spaces.
func prepare(s string) string {
	s = shapeArabic(norm.NFC.String(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteByte('\n')
			continue
		case r < ' ' || unicode.IsSpace(r) || r == '\u00a0':
			b.WriteByte(' ')
			continue
		case printable(r):
			b.WriteRune(r)
			continue
		}
		if alt, ok := asciiFallback[r]; ok {
			b.WriteString(alt)
			continue
		}
		if d := []rune(norm.NFD.String(string(r))); len(d) > 1 && printable(d[0]) {
			b.WriteRune(d[0])
			continue
		}
		b.WriteByte('?')
	}
	return b.String()
}

// asciiFallback covers characters no embedded font has but with an obvious plainer
// equivalent.
var asciiFallback = map[rune]string{
	'\u2010': "-", '\u2011': "-", '\u2012': "-", '\u2212': "-", '\u2032': "'", '\u2033': "\"",
	'\ufffd': "?",
}

// wrap breaks s (prepared text, "\n" for line breaks) into lines no wider than w
// in the current style, at spaces, and within a word too long for a line (as
// Chinese and Japanese, written without spaces, are). Runs of spaces are
// collapsed; an empty input line gives an empty line.
func (t *typeset) wrap(s string, w float64) []string {
	space := t.width(" ")
	var out []string
	for _, para := range strings.Split(s, "\n") {
		cur, curW := "", 0.0
		words := strings.FieldsFunc(para, func(r rune) bool { return r == ' ' })
		if len(words) == 0 {
			out = append(out, "")
			continue
		}
		for _, word := range words {
			ww := t.width(word)
			if cur != "" && curW+space+ww <= w {
				cur, curW = cur+" "+word, curW+space+ww
				continue
			}
			if cur != "" {
				out = append(out, cur)
			}
			if ww <= w {
				cur, curW = word, ww
				continue
			}
			pieces := t.breakWord(word, w)
			out = append(out, pieces[:len(pieces)-1]...)
			cur = pieces[len(pieces)-1]
			curW = t.width(cur)
		}
		out = append(out, cur)
	}
	return out
}

// breakWord cuts a word into pieces no wider than w, each at least one character.
func (t *typeset) breakWord(word string, w float64) []string {
	var out []string
	rs := []rune(word)
	start, width := 0, 0.0
	for i := range rs {
		cw := t.width(string(rs[i]))
		if i > start && width+cw > w {
			out = append(out, string(rs[start:i]))
			start, width = i, 0
		}
		width += cw
	}
	return append(out, string(rs[start:]))
}

// truncate shortens s to fit w in the current style, marking the cut with "...".
func (t *typeset) truncate(s string, w float64) string {
	if t.width(s) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 && t.width(string(rs)+"...") > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "..."
}
