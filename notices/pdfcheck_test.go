package notices

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// pdfInfo is what checkPDF learns from a PDF file.
type pdfInfo struct {
	pages     int
	pageTexts []string // text shown on each page, in content-stream order, one line per Tj
}

var (
	objRe      = regexp.MustCompile(`(?s)(\d+) 0 obj\s*(.*?)endobj`)
	lengthRe   = regexp.MustCompile(`/Length (\d+)`)
	countRe    = regexp.MustCompile(`/Type /Pages\b[^>]*?/Count (\d+)|/Count (\d+)[^>]*?/Type /Pages\b`)
	pageTypeRe = regexp.MustCompile(`/Type /Page\b`)
	contentsRe = regexp.MustCompile(`/Contents (\d+) 0 R`)
	kidsRe     = regexp.MustCompile(`/Kids \[([^\]]*)\]`)
)

// checkPDF validates the file structure a reader relies on — header, cross-reference
// table whose every offset points at the object it names, trailer, startxref, %%EOF,
// a page tree whose /Count matches its pages — and extracts the text shown on each
// page by inflating the content streams and reading their string operands. It is
// written for the PDFs fpdf produces (classic xref table, FlateDecode streams).
func checkPDF(data []byte) (*pdfInfo, error) {
	if !bytes.HasPrefix(data, []byte("%PDF-1.")) {
		return nil, fmt.Errorf("no %%PDF-1.x header")
	}
	if !bytes.HasSuffix(bytes.TrimRight(data, "\r\n"), []byte("%%EOF")) {
		return nil, fmt.Errorf("does not end with %%%%EOF")
	}
	i := bytes.LastIndex(data, []byte("startxref"))
	if i < 0 {
		return nil, fmt.Errorf("no startxref")
	}
	fs := strings.Fields(string(data[i+len("startxref"):]))
	if len(fs) == 0 {
		return nil, fmt.Errorf("startxref without offset")
	}
	xref, err := strconv.Atoi(fs[0])
	if err != nil || xref <= 0 || xref >= len(data) || !bytes.HasPrefix(data[xref:], []byte("xref")) {
		return nil, fmt.Errorf("startxref %q does not point at an xref table", fs[0])
	}
	// xref: "xref\n0 N\n" then N 20-byte entries.
	rest := string(data[xref+len("xref"):])
	rest = strings.TrimLeft(rest, "\r\n ")
	nl := strings.IndexAny(rest, "\r\n")
	var first, n int
	if _, err := fmt.Sscanf(rest[:nl], "%d %d", &first, &n); err != nil {
		return nil, fmt.Errorf("xref subsection header %q: %v", rest[:nl], err)
	}
	entries := strings.TrimLeft(rest[nl:], "\r\n")
	if len(entries) < 20*n {
		return nil, fmt.Errorf("xref table truncated")
	}
	for k := 0; k < n; k++ {
		e := entries[20*k : 20*k+20]
		var off, gen int
		var kind string
		if _, err := fmt.Sscanf(e, "%010d %05d %1s", &off, &gen, &kind); err != nil {
			return nil, fmt.Errorf("xref entry %d %q: %v", first+k, e, err)
		}
		if kind != "n" {
			continue
		}
		want := fmt.Sprintf("%d %d obj", first+k, gen)
		if off >= len(data) || !bytes.HasPrefix(data[off:], []byte(want)) {
			return nil, fmt.Errorf("xref entry for object %d points at offset %d, which is not %q", first+k, off, want)
		}
	}
	trailer := entries[20*n:]
	if !strings.HasPrefix(strings.TrimSpace(trailer), "trailer") {
		return nil, fmt.Errorf("no trailer after the xref table")
	}
	if !strings.Contains(trailer, fmt.Sprintf("/Size %d", first+n)) || !strings.Contains(trailer, "/Root ") {
		return nil, fmt.Errorf("trailer lacks /Size %d or /Root", first+n)
	}

	objs := map[int]string{}
	for _, m := range objRe.FindAllStringSubmatch(string(data), -1) {
		id, _ := strconv.Atoi(m[1])
		objs[id] = m[2]
	}
	info := &pdfInfo{}
	var kids []int
	for _, body := range objs {
		dict := body
		if j := strings.Index(dict, "stream"); j >= 0 {
			dict = dict[:j]
		}
		if m := countRe.FindStringSubmatch(dict); m != nil {
			c := m[1] + m[2]
			info.pages, _ = strconv.Atoi(c)
			if km := kidsRe.FindStringSubmatch(dict); km != nil {
				f := strings.Fields(km[1])
				for j := 0; j+2 < len(f)+1; j += 3 {
					id, _ := strconv.Atoi(f[j])
					kids = append(kids, id)
				}
			}
		}
	}
	if info.pages == 0 || len(kids) != info.pages {
		return nil, fmt.Errorf("page tree /Count %d but %d kids", info.pages, len(kids))
	}
	for _, id := range kids {
		page, ok := objs[id]
		if !ok || !pageTypeRe.MatchString(page) {
			return nil, fmt.Errorf("page object %d missing or not /Type /Page", id)
		}
		cm := contentsRe.FindStringSubmatch(page)
		if cm == nil {
			return nil, fmt.Errorf("page %d has no /Contents", id)
		}
		cid, _ := strconv.Atoi(cm[1])
		stream, err := streamData(objs[cid])
		if err != nil {
			return nil, fmt.Errorf("content stream %d: %v", cid, err)
		}
		info.pageTexts = append(info.pageTexts, showText(stream))
	}
	return info, nil
}

// streamData returns an object's stream, inflated when it is FlateDecode, checking
// /Length against the bytes between "stream" and "endstream".
func streamData(obj string) ([]byte, error) {
	j := strings.Index(obj, "stream")
	if j < 0 {
		return nil, fmt.Errorf("no stream")
	}
	m := lengthRe.FindStringSubmatch(obj[:j])
	if m == nil {
		return nil, fmt.Errorf("no /Length")
	}
	n, _ := strconv.Atoi(m[1])
	s := obj[j+len("stream"):]
	s = strings.TrimPrefix(strings.TrimPrefix(s, "\r"), "\n")
	if len(s) < n || !strings.HasPrefix(strings.TrimLeft(s[n:], "\r\n"), "endstream") {
		return nil, fmt.Errorf("/Length %d does not end at endstream", n)
	}
	raw := []byte(s[:n])
	if !strings.Contains(obj[:j], "/FlateDecode") {
		return raw, nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// showText returns the operands of the Tj operators in a content stream, one per
// line. The text is set in embedded Unicode fonts (Type0, Identity-H, whose codes
// fpdf makes the characters' own, as its ToUnicode map says), so each operand is
// UTF-16BE.
func showText(stream []byte) string {
	var out []string
	s := stream
	for {
		i := bytes.IndexByte(s, '(')
		if i < 0 {
			break
		}
		str, rest := readPDFString(s[i+1:])
		s = rest
		if t := bytes.TrimLeft(s, " \r\n"); bytes.HasPrefix(t, []byte("Tj")) {
			out = append(out, utf16BE(str))
		}
	}
	return strings.Join(out, "\n")
}

// utf16BE decodes UTF-16BE text.
func utf16BE(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return string(utf16.Decode(u))
}

// readPDFString reads a literal string after its "(" and returns it and the rest.
func readPDFString(s []byte) ([]byte, []byte) {
	var b []byte
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			i++
			if i >= len(s) {
				return b, nil
			}
			switch e := s[i]; e {
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case '\n':
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v, k := 0, 0
				for k < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7' {
					v = v*8 + int(s[i]-'0')
					i++
					k++
				}
				i--
				b = append(b, byte(v))
			default:
				b = append(b, e)
			}
		case '(':
			depth++
			b = append(b, c)
		case ')':
			if depth == 0 {
				return b, s[i+1:]
			}
			depth--
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return b, nil
}

// flat joins text into single-spaced words, so that phrases wrapped across lines
// can be looked for.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }
