// Package svg draws the web interface's charts and the disciplinary procedure
// diagram as inline SVG, for pages served under a strict Content-Security-Policy: no
// scripts, no style attributes and no <style> elements — only SVG presentation
// attributes (fill=, stroke=, font-size=…) and CSS classes the site's style sheet may
// refine. Every drawing is a role="img" labelled by its own <title> and <desc>, every
// piece of text is escaped, and the same input always gives the same bytes.
//
// Colours come from a palette of ten, each with at least 4.5:1 contrast against
// white (WCAG AA for text), and each series also has its own dash pattern, marker
// shape or hatching, so that colour is never the only cue.
package svg

import (
	"fmt"
	"hash/fnv"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// palette is the series colours, in order; each has at least 4.5:1 contrast on white.
var palette = []string{
	"#1f5fa8", // blue
	"#b33c00", // rust
	"#14733c", // green
	"#8a2be2", // violet
	"#a8326e", // magenta
	"#00707a", // teal
	"#7a5c00", // ochre
	"#c0262d", // red
	"#4b5563", // slate
	"#5b4bb7", // indigo
}

// dashes are the line dash patterns, one per palette entry ("" is solid).
var dashes = []string{"", "7 3", "2 3", "9 3 2 3", "4 4", "1 4", "12 3 3 3 3 3", "14 5", "5 2 1 2", "3 6"}

const (
	textColour  = "#1a1a1a" // 17.4:1 on white
	mutedColour = "#4a4a4a" // 8.9:1 on white
	gridColour  = "#d9d9d9"
	axisColour  = "#595959"
	fontFamily  = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
)

func colour(i int) string { return palette[i%len(palette)] }
func dash(i int) string   { return dashes[i%len(dashes)] }

// clean makes a text safe for XML 1.0 and for one line of SVG text: invalid UTF-8
// and characters XML forbids become U+FFFD, line breaks and tabs become spaces.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0xFFFE || r == 0xFFFF {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r == utf8.RuneError || r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// esc escapes text for an SVG text node or attribute.
func esc(s string) string { return template.HTMLEscapeString(clean(s)) }

// truncate shortens s to at most n runes, ending with an ellipsis when cut.
func truncate(s string, n int) string {
	if n < 1 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// textWidth estimates the width in pixels of s at the given font size.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.58
}

// wrap breaks s into lines of at most n runes at spaces (a longer word stays whole).
func wrap(s string, n int) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	line := words[0]
	for _, w := range words[1:] {
		if utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > n {
			lines = append(lines, line)
			line = w
			continue
		}
		line += " " + w
	}
	return append(lines, line)
}

// num formats a coordinate: rounded to hundredths, never NaN, Inf or -0.
func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "0"
	}
	f = math.Round(f*100) / 100
	if f == 0 {
		return "0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// maxValue is the largest magnitude a chart draws; larger values are clamped, so
// that sums and scales stay finite.
const maxValue = 1e15

// value makes a data value drawable: NaN and infinities count as zero, magnitudes
// are clamped to maxValue and those below 1e-9 rounded to zero.
func value(f float64) float64 {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0
	case f > maxValue:
		return maxValue
	case f < -maxValue:
		return -maxValue
	case math.Abs(f) < 1e-9:
		return 0
	}
	return f
}

// label formats a data value for people: whole numbers as such, others to at most
// decimals places, very large ones in exponent form.
func label(f float64, decimals int) string {
	f = value(f)
	if math.Abs(f) >= 1e9 {
		return strconv.FormatFloat(f, 'g', 4, 64)
	}
	if f == math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	s := strconv.FormatFloat(f, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// niceScale returns an axis from lo to hi (including zero) in steps of 1, 2, 2.5 or
// 5 times a power of ten, about five steps in all.
func niceScale(lo, hi float64) (float64, float64, float64) {
	lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	if hi-lo <= 0 {
		return 0, 1, 0.5
	}
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if !(step > 0) || math.IsInf(step, 0) {
		return lo, hi, hi - lo
	}
	return math.Floor(lo/step) * step, math.Ceil(hi/step) * step, step
}

// stepDecimals is how many decimal places tick labels at step need.
func stepDecimals(step float64) int {
	d := int(math.Ceil(-math.Log10(step))) + 1
	return max(0, min(d, 10))
}

// uid derives a deterministic id prefix from a drawing's input, so that several
// drawings on one page do not share ids (markers, patterns, title and desc).
func uid(kind string, parts ...string) string {
	h := fnv.New64a()
	h.Write([]byte(kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return fmt.Sprintf("rb-%s-%012x", kind, h.Sum64()&0xffffffffffff)
}

// doc accumulates an SVG document.
type doc struct {
	b  strings.Builder
	id string
}

func (d *doc) printf(format string, args ...any) { fmt.Fprintf(&d.b, format, args...) }

// open writes the root element with its accessible name and description.
func (d *doc) open(class string, w, h float64, title, desc string) {
	d.printf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart %s" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-title %s-desc" font-family="%s">`,
		class, num(w), num(h), num(w), num(h), d.id, d.id, fontFamily)
	d.printf(`<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, d.id, esc(title), d.id, esc(desc))
}

// text writes one text element; attrs are extra attributes, already escaped.
func (d *doc) text(x, y float64, size float64, fill, anchor, class, s, attrs string) {
	d.printf(`<text class="%s" x="%s" y="%s" font-size="%s" fill="%s"`, class, num(x), num(y), num(size), fill)
	if anchor != "" && anchor != "start" {
		d.printf(` text-anchor="%s"`, anchor)
	}
	if attrs != "" {
		d.printf(" %s", attrs)
	}
	d.printf(">%s</text>", esc(s))
}

func (d *doc) close() template.HTML {
	d.b.WriteString("</svg>")
	return template.HTML(d.b.String())
}
