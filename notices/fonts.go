package notices

import (
	_ "embed"
	"encoding/binary"
	"sync"
)

// The fonts letters and bundles are set in, embedded so that every name prints as
// written whatever the machine has installed: DejaVu Sans (Latin with its
// extensions, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic and more) in
// its regular, bold and oblique faces, DejaVu Sans Mono for letters' plain text,
// and Droid Sans Fallback for Chinese, Japanese and Korean. Only the glyphs a
// document uses are embedded in it. Licences: fonts/LICENSE-*.txt.
var (
	//go:embed fonts/DejaVuSans.ttf
	dejaVuSans []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejaVuSansBold []byte
	//go:embed fonts/DejaVuSans-Oblique.ttf
	dejaVuSansOblique []byte
	//go:embed fonts/DejaVuSansMono.ttf
	dejaVuSansMono []byte
	//go:embed fonts/DroidSansFallback.ttf
	droidSansFallback []byte
)

// face is one font file, registered with fpdf under family and style.
type face struct {
	family, style string
	data          []byte
	once          sync.Once
	cov           *coverage
}

var (
	faceSans    = &face{family: "sans", data: dejaVuSans}
	faceBold    = &face{family: "sans", style: "B", data: dejaVuSansBold}
	faceItalic  = &face{family: "sans", style: "I", data: dejaVuSansOblique}
	faceMono    = &face{family: "mono", data: dejaVuSansMono}
	faceCJK     = &face{family: "cjk", data: droidSansFallback}
	chainPlain  = []*face{faceSans, faceCJK}
	chainBold   = []*face{faceBold, faceSans, faceCJK}
	chainItalic = []*face{faceItalic, faceSans, faceCJK}
	chainMono   = []*face{faceMono, faceSans, faceCJK}
)

// chain is the faces tried, in turn, for each character of text in a style: ""
// (regular), "B" (bold), "I" (italic) or "M" (monospaced).
func chain(style string) []*face {
	switch style {
	case "B":
		return chainBold
	case "I":
		return chainItalic
	case "M":
		return chainMono
	}
	return chainPlain
}

// has reports whether the face has a glyph for r.
func (f *face) has(r rune) bool {
	f.once.Do(func() { f.cov = readCoverage(f.data) })
	return f.cov.has(r)
}

// printable reports whether some face has a glyph for r: a character fpdf can set
// (it sets characters of the Basic Multilingual Plane only).
func printable(r rune) bool {
	return faceSans.has(r) || faceCJK.has(r)
}

// coverage is the set of characters of the Basic Multilingual Plane a font maps to
// a glyph, one bit each.
type coverage [0x10000 / 64]uint64

func (c *coverage) has(r rune) bool {
	return r >= 0 && r < 0x10000 && c[r/64]&(1<<(r%64)) != 0
}

func (c *coverage) add(r rune) {
	if r >= 0 && r < 0x10000 {
		c[r/64] |= 1 << (r % 64)
	}
}

// readCoverage reads the characters a TrueType font maps to glyphs from its
// Unicode cmap (format 4, or format 12 for a font that has one). A font it cannot
// read covers nothing.
func readCoverage(font []byte) *coverage {
	c := &coverage{}
	u16 := func(o int) int {
		if o < 0 || o+2 > len(font) {
			return 0
		}
		return int(binary.BigEndian.Uint16(font[o:]))
	}
	u32 := func(o int) int {
		if o < 0 || o+4 > len(font) {
			return 0
		}
		return int(binary.BigEndian.Uint32(font[o:]))
	}
	cmap := -1
	for i, n := 0, u16(4); i < n; i++ {
		rec := 12 + 16*i
		if rec+16 <= len(font) && string(font[rec:rec+4]) == "cmap" {
			cmap = u32(rec + 8)
		}
	}
	if cmap < 0 {
		return c
	}
	var fmt4, fmt12 int
	for i, n := 0, u16(cmap+2); i < n; i++ {
		rec := cmap + 4 + 8*i
		platform, encoding, off := u16(rec), u16(rec+2), cmap+u32(rec+4)
		switch format := u16(off); {
		case format == 12 && (platform == 3 && encoding == 10 || platform == 0):
			fmt12 = off
		case format == 4 && (platform == 3 && encoding == 1 || platform == 0):
			fmt4 = off
		}
	}
	switch {
	case fmt12 > 0:
		for i, n := 0, u32(fmt12+12); i < n; i++ {
			g := fmt12 + 16 + 12*i
			start, end, glyph := u32(g), u32(g+4), u32(g+8)
			for r := start; r <= end && r < 0x10000; r++ {
				if glyph+(r-start) != 0 {
					c.add(rune(r))
				}
			}
		}
	case fmt4 > 0:
		segs := u16(fmt4+6) / 2
		ends, starts := fmt4+14, fmt4+16+2*segs
		deltas, ranges := starts+2*segs, starts+4*segs
		for s := 0; s < segs; s++ {
			start, end := u16(starts+2*s), u16(ends+2*s)
			delta, ro := u16(deltas+2*s), u16(ranges+2*s)
			for r := start; r <= end && r < 0xFFFF; r++ {
				glyph := 0
				if ro == 0 {
					glyph = (r + delta) & 0xFFFF
				} else if g := u16(ranges + 2*s + ro + 2*(r-start)); g != 0 {
					glyph = (g + delta) & 0xFFFF
				}
				if glyph != 0 {
					c.add(rune(r))
				}
			}
		}
	}
	return c
}
