package rctab

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// A small streaming reader for the first worksheet of an .xlsx workbook: enough for
// ES&S cast vote record exports (shared strings, inline strings, numbers). The sheet
// XML is scanned by hand because encoding/xml is several times too slow for
// Minneapolis-sized exports (a million rows).

// xlsxCell is one cell: zero-based column and its text.
type xlsxCell struct {
	Col  int
	Text string
}

// Limits on what one .xlsx workbook may expand to. A zip member's declared sizes
// are the sender's word, so each part is read through a limit of its own; the
// limits are variables so that tests can lower them. The largest real exports
// known (Minneapolis 2013, 17 MB of sheet XML for 80,000 ballots; NYC-sized counts
// of a million ballots) are far inside them.
var (
	// MaxXLSXPartBytes bounds any one decompressed part (the sheet XML, shared
	// strings, workbook): the sheet is held in memory whole while it is scanned.
	MaxXLSXPartBytes int64 = 512 << 20
	// MaxXLSXRatio bounds a part's decompressed size over its compressed size
	// for parts above xlsxRatioFloor. Real sheets compress 8–15 times; deflate
	// can reach about 1,000, which only a zip bomb needs.
	MaxXLSXRatio int64 = 200
	// MaxXLSXSharedStrings bounds the shared strings table (Excel itself writes
	// at most one per distinct cell text).
	MaxXLSXSharedStrings = 1 << 22
	// MaxXLSXRows and MaxXLSXCells bound the worksheet's rows and cells: twice
	// Excel's own 1,048,576 rows, and 32 cells a row at that.
	MaxXLSXRows  = 1 << 21
	MaxXLSXCells = 1 << 26
)

// xlsxRatioFloor: parts smaller than this are not held to MaxXLSXRatio, since a
// small part of repeated markup may compress very well and costs nothing.
const xlsxRatioFloor = 1 << 20

// ErrTooLarge marks an input refused because it would expand beyond a limit.
var ErrTooLarge = errors.New("refused")

// readXLSX calls row for every <row> of the first worksheet with its 1-based number
// and its non-empty cells.
func readXLSX(cfg *Config, file string, row func(num int, cells []xlsxCell) error) error {
	zr, err := openZip(cfg, file)
	if err != nil {
		return fmt.Errorf("%s: not a readable .xlsx workbook: %w", file, err)
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	sheetPath, err := firstSheetPath(files)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	var shared []string
	if f := files["xl/sharedStrings.xml"]; f != nil {
		if shared, err = readSharedStrings(f); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	f := files[sheetPath]
	if f == nil {
		return fmt.Errorf("%s: worksheet %s missing", file, sheetPath)
	}
	data, err := readZipFile(f)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if err := scanSheet(data, shared, row); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return fmt.Errorf("%s: %s: %w", file, sheetPath, err)
		}
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// zipFile is an open zip archive and the file under it.
type zipFile struct {
	*zip.Reader
	f fs.File
}

func (z zipFile) Close() error { return z.f.Close() }

// openZip opens the zip archive file of cfg's files: in place when the file can be
// read at any offset (an *os.File, a file of fstest.MapFS or embed.FS), else read
// into memory first.
func openZip(cfg *Config, file string) (zipFile, error) {
	f, err := cfg.open(file)
	if err != nil {
		return zipFile{}, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return zipFile{}, err
	}
	ra, ok := f.(io.ReaderAt)
	size := fi.Size()
	if !ok {
		data, err := io.ReadAll(f)
		if err != nil {
			f.Close()
			return zipFile{}, err
		}
		ra, size = bytes.NewReader(data), int64(len(data))
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		f.Close()
		return zipFile{}, err
	}
	return zipFile{zr, f}, nil
}

// readZipFile reads one zip member whole, refusing one that declares or
// expands to more than MaxXLSXPartBytes, or more than MaxXLSXRatio times its
// compressed size. Errors start with the member's name.
func readZipFile(f *zip.File) ([]byte, error) {
	limit, why := MaxXLSXPartBytes, "beyond "+mib(MaxXLSXPartBytes)
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s declares %d bytes, %s: %w", f.Name, f.UncompressedSize64, why, ErrTooLarge)
	}
	// CompressedSize64 can be trusted: the reader never reads past it.
	if c := f.CompressedSize64; MaxXLSXRatio > 0 && c < uint64(limit/MaxXLSXRatio) {
		if r := max(int64(c)*MaxXLSXRatio, xlsxRatioFloor); r < limit {
			limit, why = r, fmt.Sprintf("more than %d times its compressed size (%d bytes)", MaxXLSXRatio, c)
		}
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s declares %d bytes, %s: %w", f.Name, f.UncompressedSize64, why, ErrTooLarge)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	buf.Grow(int(f.UncompressedSize64)) // within limit, checked above
	// archive/zip also stops at the declared size; the limit holds whatever the
	// reader underneath does.
	if _, err := io.Copy(&buf, io.LimitReader(rc, limit+1)); err != nil {
		if errors.Is(err, zip.ErrFormat) {
			return nil, fmt.Errorf("%s: corrupt, or longer than the %d bytes it declares: %w", f.Name, f.UncompressedSize64, err)
		}
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	if int64(buf.Len()) > limit {
		if limit < MaxXLSXPartBytes {
			why = "to " + why
		}
		return nil, fmt.Errorf("%s expands %s: %w", f.Name, why, ErrTooLarge)
	}
	return buf.Bytes(), nil
}

// mib writes a byte count in MiB when it is a whole number of them.
func mib(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// firstSheetPath finds the first sheet of the workbook through xl/workbook.xml and
// its relationships, falling back to xl/worksheets/sheet1.xml.
func firstSheetPath(files map[string]*zip.File) (string, error) {
	wb := files["xl/workbook.xml"]
	rels := files["xl/_rels/workbook.xml.rels"]
	if wb == nil || rels == nil {
		if files["xl/worksheets/sheet1.xml"] != nil {
			return "xl/worksheets/sheet1.xml", nil
		}
		return "", fmt.Errorf("no xl/workbook.xml: not an .xlsx workbook")
	}
	var w struct {
		Sheets []struct {
			ID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	b, err := readZipFile(wb)
	if err != nil {
		return "", err
	}
	if err := xml.Unmarshal(b, &w); err != nil {
		return "", fmt.Errorf("xl/workbook.xml: %w", err)
	}
	var r struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	b, err = readZipFile(rels)
	if err != nil {
		return "", err
	}
	if err := xml.Unmarshal(b, &r); err != nil {
		return "", fmt.Errorf("xl/_rels/workbook.xml.rels: %w", err)
	}
	if len(w.Sheets) == 0 {
		return "", fmt.Errorf("workbook has no sheets")
	}
	for _, rel := range r.Rels {
		if rel.ID == w.Sheets[0].ID {
			t := rel.Target
			if strings.HasPrefix(t, "/") {
				return strings.TrimPrefix(t, "/"), nil
			}
			return path.Join("xl", t), nil
		}
	}
	return "", fmt.Errorf("first sheet's relationship %q not found", w.Sheets[0].ID)
}

// readSharedStrings reads xl/sharedStrings.xml; errors start with the part's name.
func readSharedStrings(f *zip.File) ([]string, error) {
	b, err := readZipFile(f)
	if err != nil {
		return nil, err
	}
	out, err := parseSharedStrings(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return out, nil
}

func parseSharedStrings(b []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var out []string
	var cur strings.Builder
	inSI, inT, inRPh := false, false, false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				cur.Reset()
			case "t":
				inT = true
			case "rPh":
				inRPh = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				inSI = false
				if len(out) == MaxXLSXSharedStrings {
					return nil, fmt.Errorf("more than %d shared strings: %w", MaxXLSXSharedStrings, ErrTooLarge)
				}
				out = append(out, cur.String())
			case "t":
				inT = false
			case "rPh":
				inRPh = false
			}
		case xml.CharData:
			if inSI && inT && !inRPh {
				cur.Write(t)
			}
		}
	}
	return out, nil
}

// scanSheet walks the worksheet XML. It understands <row r>, <c r t>, <v>, <is><t>.
func scanSheet(data []byte, shared []string, row func(int, []xlsxCell) error) error {
	i := bytes.Index(data, []byte("<sheetData"))
	if i < 0 {
		return nil
	}
	data = data[i:]
	var cells []xlsxCell
	rows, ncells := 0, 0
	rowNum := 0
	inRow := false
	col := -1
	pos := 0
	for {
		lt := bytes.IndexByte(data[pos:], '<')
		if lt < 0 {
			break
		}
		pos += lt + 1
		end := bytes.IndexByte(data[pos:], '>')
		if end < 0 {
			return fmt.Errorf("worksheet XML truncated")
		}
		tag := data[pos : pos+end]
		pos += end + 1
		name, attrs := splitTag(tag)
		switch string(name) {
		case "row":
			if rows++; rows > MaxXLSXRows {
				return fmt.Errorf("more than %d rows: %w", MaxXLSXRows, ErrTooLarge)
			}
			inRow = true
			cells = cells[:0]
			col = -1
			if r := attrRaw(attrs, "r"); len(r) > 0 {
				n, ok := atoiBytes(r)
				if !ok || n < 1 {
					return fmt.Errorf("row %q: bad row number", r)
				}
				rowNum = n
			} else {
				rowNum++
			}
			if bytes.HasSuffix(tag, []byte("/")) {
				if err := row(rowNum, cells); err != nil {
					return err
				}
				inRow = false
			}
		case "/row":
			if inRow {
				if err := row(rowNum, cells); err != nil {
					return err
				}
			}
			inRow = false
		case "c":
			if !inRow {
				return fmt.Errorf("row %d: cell outside a row", rowNum)
			}
			if ncells++; ncells > MaxXLSXCells {
				return fmt.Errorf("more than %d cells: %w", MaxXLSXCells, ErrTooLarge)
			}
			if r := attrRaw(attrs, "r"); len(r) > 0 {
				c, err := columnIndexBytes(r)
				if err != nil {
					return fmt.Errorf("row %d: %w", rowNum, err)
				}
				col = c
			} else {
				col++
			}
			if bytes.HasSuffix(tag, []byte("/")) {
				continue // empty cell
			}
			typ := attrRaw(attrs, "t")
			// read the cell body up to </c>
			ce := bytes.Index(data[pos:], []byte("</c>"))
			if ce < 0 {
				return fmt.Errorf("row %d: unterminated cell", rowNum)
			}
			body := data[pos : pos+ce]
			pos += ce + 4
			text, ok, err := cellText(body, typ, shared)
			if err != nil {
				return fmt.Errorf("row %d column %d: %w", rowNum, col+1, err)
			}
			if ok {
				cells = append(cells, xlsxCell{Col: col, Text: text})
			}
		case "/sheetData":
			return nil
		}
	}
	return nil
}

func splitTag(tag []byte) (name, attrs []byte) {
	for i, b := range tag {
		if b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '/' && i > 0 {
			return tag[:i], tag[i:]
		}
	}
	return tag, nil
}

// attrRaw returns the raw (unescaped) bytes of attribute key, or nil.
func attrRaw(attrs []byte, key string) []byte {
	for len(attrs) > 0 {
		eq := bytes.IndexByte(attrs, '=')
		if eq < 0 {
			return nil
		}
		k := trimXMLSpace(attrs[:eq])
		rest := attrs[eq+1:]
		for len(rest) > 0 && isXMLSpace(rest[0]) {
			rest = rest[1:]
		}
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return nil
		}
		q := rest[0]
		e := bytes.IndexByte(rest[1:], q)
		if e < 0 {
			return nil
		}
		if string(k) == key {
			return rest[1 : 1+e]
		}
		attrs = rest[2+e:]
	}
	return nil
}

func isXMLSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

func trimXMLSpace(b []byte) []byte {
	for len(b) > 0 && isXMLSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isXMLSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func cellText(body []byte, typ []byte, shared []string) (string, bool, error) {
	switch string(typ) {
	case "inlineStr":
		is := elementText(body, tagIs)
		if is == nil {
			return "", false, nil
		}
		// concatenate every <t> inside <is>
		var sb strings.Builder
		rest := is
		for {
			t := elementText(rest, tagT)
			if t == nil {
				break
			}
			sb.WriteString(unescapeXML(t))
			i := bytes.Index(rest, []byte("</t>"))
			rest = rest[i+4:]
		}
		return sb.String(), true, nil
	}
	v := elementText(body, tagV)
	if v == nil {
		return "", false, nil
	}
	if string(typ) == "s" {
		n, ok := atoiBytes(trimXMLSpace(v))
		if !ok || n < 0 || n >= len(shared) {
			return "", false, fmt.Errorf("shared string index %q out of range", v)
		}
		return shared[n], true, nil
	}
	s := unescapeXML(v)
	switch string(typ) {
	case "b":
		if s == "1" {
			return "TRUE", true, nil
		}
		return "FALSE", true, nil
	case "e":
		return "ERROR:" + s, true, nil
	}
	return s, true, nil
}

// element tags the cell scanner looks for, prebuilt to avoid allocating per cell
var (
	tagV  = [2][]byte{[]byte("<v"), []byte("</v>")}
	tagIs = [2][]byte{[]byte("<is"), []byte("</is>")}
	tagT  = [2][]byte{[]byte("<t"), []byte("</t>")}
)

// elementText returns the raw text between <name ...> and </name> in b, or nil.
func elementText(b []byte, tag [2][]byte) []byte {
	open, close := tag[0], tag[1]
	for i := 0; ; {
		j := bytes.Index(b[i:], open)
		if j < 0 {
			return nil
		}
		k := i + j + len(open)
		if k < len(b) && (b[k] == '>' || b[k] == ' ' || b[k] == '/') {
			gt := bytes.IndexByte(b[k:], '>')
			if gt < 0 {
				return nil
			}
			if b[k+gt-1] == '/' {
				return []byte{}
			}
			start := k + gt + 1
			e := bytes.Index(b[start:], close)
			if e < 0 {
				return nil
			}
			return b[start : start+e]
		}
		i = k
	}
}

func unescapeXML(b []byte) string {
	if bytes.IndexByte(b, '&') < 0 {
		return string(b)
	}
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		if b[i] != '&' {
			sb.WriteByte(b[i])
			continue
		}
		semi := bytes.IndexByte(b[i:], ';')
		if semi < 0 {
			sb.WriteByte('&')
			continue
		}
		ent := string(b[i+1 : i+semi])
		switch {
		case ent == "amp":
			sb.WriteByte('&')
		case ent == "lt":
			sb.WriteByte('<')
		case ent == "gt":
			sb.WriteByte('>')
		case ent == "quot":
			sb.WriteByte('"')
		case ent == "apos":
			sb.WriteByte('\'')
		case strings.HasPrefix(ent, "#x"):
			n, err := strconv.ParseInt(ent[2:], 16, 32)
			if err != nil {
				sb.WriteString("&" + ent + ";")
			} else {
				sb.WriteRune(rune(n))
			}
		case strings.HasPrefix(ent, "#"):
			n, err := strconv.ParseInt(ent[1:], 10, 32)
			if err != nil {
				sb.WriteString("&" + ent + ";")
			} else {
				sb.WriteRune(rune(n))
			}
		default:
			sb.WriteString("&" + ent + ";")
		}
		i += semi
	}
	return sb.String()
}

func atoiBytes(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// maxXLSXColumns is Excel's last column, XFD. A reader's rank lists follow the
// columns, so a reference far beyond it would cost memory for nothing.
const maxXLSXColumns = 16384

// columnIndexBytes turns a cell reference such as "AB12" into a zero-based column (27).
func columnIndexBytes(ref []byte) (int, error) {
	n := 0
	i := 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		n = n*26 + int(ref[i]-'A'+1)
		if n > maxXLSXColumns {
			return 0, fmt.Errorf("cell reference %q beyond column XFD", ref)
		}
	}
	if i == 0 {
		return 0, fmt.Errorf("bad cell reference %q", ref)
	}
	return n - 1, nil
}
