package notices

import "unicode"

// Arabic letters join their neighbours, taking a different form at the start,
// middle and end of a word; fpdf sets characters one by one and knows nothing of
// this, so the text is given the presentation forms (Unicode's Arabic Presentation
// Forms) that the fonts draw, and right-to-left runs are set in visual order.

// arabicForms gives, for each letter, its isolated, final, initial and medial
// presentation forms; a letter that joins only the letter before it (right-joining)
// has no initial or medial form.
var arabicForms = map[rune][4]rune{
	0x0621: {0xFE80, 0, 0, 0},
	0x0622: {0xFE81, 0xFE82, 0, 0},
	0x0623: {0xFE83, 0xFE84, 0, 0},
	0x0624: {0xFE85, 0xFE86, 0, 0},
	0x0625: {0xFE87, 0xFE88, 0, 0},
	0x0626: {0xFE89, 0xFE8A, 0xFE8B, 0xFE8C},
	0x0627: {0xFE8D, 0xFE8E, 0, 0},
	0x0628: {0xFE8F, 0xFE90, 0xFE91, 0xFE92},
	0x0629: {0xFE93, 0xFE94, 0, 0},
	0x062A: {0xFE95, 0xFE96, 0xFE97, 0xFE98},
	0x062B: {0xFE99, 0xFE9A, 0xFE9B, 0xFE9C},
	0x062C: {0xFE9D, 0xFE9E, 0xFE9F, 0xFEA0},
	0x062D: {0xFEA1, 0xFEA2, 0xFEA3, 0xFEA4},
	0x062E: {0xFEA5, 0xFEA6, 0xFEA7, 0xFEA8},
	0x062F: {0xFEA9, 0xFEAA, 0, 0},
	0x0630: {0xFEAB, 0xFEAC, 0, 0},
	0x0631: {0xFEAD, 0xFEAE, 0, 0},
	0x0632: {0xFEAF, 0xFEB0, 0, 0},
	0x0633: {0xFEB1, 0xFEB2, 0xFEB3, 0xFEB4},
	0x0634: {0xFEB5, 0xFEB6, 0xFEB7, 0xFEB8},
	0x0635: {0xFEB9, 0xFEBA, 0xFEBB, 0xFEBC},
	0x0636: {0xFEBD, 0xFEBE, 0xFEBF, 0xFEC0},
	0x0637: {0xFEC1, 0xFEC2, 0xFEC3, 0xFEC4},
	0x0638: {0xFEC5, 0xFEC6, 0xFEC7, 0xFEC8},
	0x0639: {0xFEC9, 0xFECA, 0xFECB, 0xFECC},
	0x063A: {0xFECD, 0xFECE, 0xFECF, 0xFED0},
	0x0641: {0xFED1, 0xFED2, 0xFED3, 0xFED4},
	0x0642: {0xFED5, 0xFED6, 0xFED7, 0xFED8},
	0x0643: {0xFED9, 0xFEDA, 0xFEDB, 0xFEDC},
	0x0644: {0xFEDD, 0xFEDE, 0xFEDF, 0xFEE0},
	0x0645: {0xFEE1, 0xFEE2, 0xFEE3, 0xFEE4},
	0x0646: {0xFEE5, 0xFEE6, 0xFEE7, 0xFEE8},
	0x0647: {0xFEE9, 0xFEEA, 0xFEEB, 0xFEEC},
	0x0648: {0xFEED, 0xFEEE, 0, 0},
	0x0649: {0xFEEF, 0xFEF0, 0xFBE8, 0xFBE9},
	0x064A: {0xFEF1, 0xFEF2, 0xFEF3, 0xFEF4},
	0x067E: {0xFB56, 0xFB57, 0xFB58, 0xFB59}, // pe
	0x0686: {0xFB7A, 0xFB7B, 0xFB7C, 0xFB7D}, // tcheh
	0x0698: {0xFB8A, 0xFB8B, 0, 0},           // jeh
	0x06A9: {0xFB8E, 0xFB8F, 0xFB90, 0xFB91}, // keheh
	0x06AF: {0xFB92, 0xFB93, 0xFB94, 0xFB95}, // gaf
	0x06CC: {0xFBFC, 0xFBFD, 0xFBFE, 0xFBFF}, // Farsi yeh
}

// lamAlef gives the isolated and final ligature of lam with each alef.
var lamAlef = map[rune][2]rune{
	0x0622: {0xFEF5, 0xFEF6},
	0x0623: {0xFEF7, 0xFEF8},
	0x0625: {0xFEF9, 0xFEFA},
	0x0627: {0xFEFB, 0xFEFC},
}

const tatweel = 0x0640

// transparent marks (vowel signs) do not interrupt joining.
func transparent(r rune) bool {
	return r >= 0x064B && r <= 0x065F || r == 0x0670 || r >= 0x06D6 && r <= 0x06ED
}

// joinsNext reports whether r joins the letter after it; joinsPrev whether it
// joins the one before.
func joinsNext(r rune) bool {
	f, ok := arabicForms[r]
	return r == tatweel || ok && f[2] != 0
}

func joinsPrev(r rune) bool {
	f, ok := arabicForms[r]
	return r == tatweel || ok && f[1] != 0
}

// shapeArabic replaces Arabic letters by the presentation forms their neighbours
// call for, and lam with alef by their ligature. Forms the fonts lack are left as
// the letter itself.
func shapeArabic(s string) string {
	rs := []rune(s)
	has := false
	for _, r := range rs {
		if _, ok := arabicForms[r]; ok {
			has = true
			break
		}
	}
	if !has {
		return s
	}
	neighbour := func(i, step int) rune {
		for j := i + step; j >= 0 && j < len(rs); j += step {
			if !transparent(rs[j]) {
				return rs[j]
			}
		}
		return 0
	}
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		forms, ok := arabicForms[r]
		if !ok {
			out = append(out, r)
			continue
		}
		prev := joinsNext(neighbour(i, -1))
		if r == 0x0644 && i+1 < len(rs) {
			if lig, ok := lamAlef[rs[i+1]]; ok {
				form := lig[0]
				if prev {
					form = lig[1]
				}
				if faceSans.has(form) {
					out = append(out, form)
					i++
					continue
				}
			}
		}
		next := joinsNext(r) && joinsPrev(neighbour(i, 1))
		form := forms[0]
		switch {
		case prev && next && forms[3] != 0:
			form = forms[3]
		case prev && forms[1] != 0:
			form = forms[1]
		case next && forms[2] != 0:
			form = forms[2]
		}
		if !faceSans.has(form) {
			form = r
		}
		out = append(out, form)
	}
	return string(out)
}

// rtl reports whether r is a letter of a right-to-left script.
func rtl(r rune) bool {
	return unicode.In(r, unicode.Hebrew, unicode.Arabic, unicode.Syriac, unicode.Thaana, unicode.Nko) && !unicode.IsDigit(r) && !unicode.IsMark(r)
}

// neutral characters take the direction of the text around them: spaces and
// punctuation between two right-to-left letters are part of their run.
func neutral(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsMark(r) || r == tatweel
}

// visual reorders a line, in logical order, for setting from left to right: each
// run of right-to-left text (letters of those scripts, with the spaces, marks and
// punctuation between them) is reversed, its combining marks kept after their
// letters. The line is taken to be left-to-right as a whole, as a letter in
// English with a name in Arabic or Hebrew is.
func visual(s string) string {
	rs := []rune(s)
	found := false
	for _, r := range rs {
		if rtl(r) {
			found = true
			break
		}
	}
	if !found {
		return s
	}
	for i := 0; i < len(rs); {
		if !rtl(rs[i]) {
			i++
			continue
		}
		// The run ends at its last right-to-left letter before a left-to-right
		// character or the end of the line.
		end := i + 1
		for j := i + 1; j < len(rs); j++ {
			if rtl(rs[j]) {
				end = j + 1
			} else if !neutral(rs[j]) {
				break
			}
		}
		for end < len(rs) && unicode.IsMark(rs[end]) {
			end++
		}
		reverseClusters(rs[i:end])
		i = end
	}
	return string(rs)
}

// reverseClusters reverses rs in place, a letter and the marks after it moving as
// one, and mirrors brackets.
func reverseClusters(rs []rune) {
	var clusters [][]rune
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) && unicode.IsMark(rs[j]) {
			j++
		}
		clusters = append(clusters, append([]rune(nil), rs[i:j]...))
		i = j
	}
	k := 0
	for c := len(clusters) - 1; c >= 0; c-- {
		for _, r := range clusters[c] {
			if m, ok := mirror[r]; ok {
				r = m
			}
			rs[k] = r
			k++
		}
	}
}

var mirror = map[rune]rune{'(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<', '«': '»', '»': '«'}
