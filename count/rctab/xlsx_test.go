package rctab

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
)

// zipPart is one member of a test workbook.
type zipPart struct {
	name string
	data []byte
}

// buildZip writes parts into a zip archive, deflated.
func buildZip(t testing.TB, parts ...zipPart) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	testWorkbook = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	testRels     = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`
)

// minimalXLSX builds a workbook whose first sheet holds rows, every cell a shared string.
func minimalXLSX(t testing.TB, rows [][]string) []byte {
	t.Helper()
	var sheet, ss strings.Builder
	idx := map[string]int{}
	var order []string
	sheet.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for r, row := range rows {
		fmt.Fprintf(&sheet, `<row r="%d">`, r+1)
		for c, text := range row {
			i, ok := idx[text]
			if !ok {
				i = len(order)
				idx[text] = i
				order = append(order, text)
			}
			fmt.Fprintf(&sheet, `<c r="%c%d" t="s"><v>%d</v></c>`, 'A'+c, r+1, i)
		}
		sheet.WriteString(`</row>`)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	fmt.Fprintf(&ss, `<sst count="%d" uniqueCount="%d">`, len(order), len(order))
	for _, s := range order {
		fmt.Fprintf(&ss, `<si><t>%s</t></si>`, s)
	}
	ss.WriteString(`</sst>`)
	return buildZip(t,
		zipPart{"xl/workbook.xml", []byte(testWorkbook)},
		zipPart{"xl/_rels/workbook.xml.rels", []byte(testRels)},
		zipPart{"xl/sharedStrings.xml", []byte(ss.String())},
		zipPart{"xl/worksheets/sheet1.xml", []byte(sheet.String())})
}

// readTestXLSX reads data as ballots.xlsx and returns its rows' texts.
func readTestXLSX(data []byte) ([][]string, error) {
	cfg := &Config{fsys: fstest.MapFS{"ballots.xlsx": {Data: data}}}
	var rows [][]string
	err := readXLSX(cfg, "ballots.xlsx", func(num int, cells []xlsxCell) error {
		var r []string
		for _, c := range cells {
			r = append(r, c.Text)
		}
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// setLimit lowers a limit for one test.
func setLimit[T any](t *testing.T, v *T, to T) {
	old := *v
	*v = to
	t.Cleanup(func() { *v = old })
}

func TestXLSXMinimal(t *testing.T) {
	want := [][]string{{"id", "rank 1", "rank 2"}, {"1", "Ann", "Bob"}, {"2", "Bob", "Ann"}}
	got, err := readTestXLSX(minimalXLSX(t, want))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// allocated runs f and reports the bytes it allocated on the heap.
//
// Under the race detector it runs f and reports 0: that runtime allocates
// for itself and drops pooled objects at random (sync.Pool), so the bounds are
// checked by the ordinary test run only.
func allocated(f func()) uint64 {
	if raceDetector {
		f()
		return 0
	}
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// A zip bomb: 64 MiB of one byte deflates to about 64 KB. Its declared size is
// refused by the ratio limit before anything is read, and by the size limit when
// that is lower; one that understates its size is cut off where it lies.
func TestXLSXZipBomb(t *testing.T) {
	bomb := func(declare uint64) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, p := range []zipPart{{"xl/workbook.xml", []byte(testWorkbook)}, {"xl/_rels/workbook.xml.rels", []byte(testRels)}} {
			w, _ := zw.Create(p.name)
			w.Write(p.data)
		}
		// deflate the sheet here, so that its header can state any size
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		h := crc32.NewIEEE()
		out := io.MultiWriter(fw, h)
		out.Write([]byte(`<worksheet><sheetData>`))
		run := bytes.Repeat([]byte(" "), 1<<20)
		for range 64 {
			out.Write(run)
		}
		fw.Close()
		if declare == 0 {
			declare = uint64(len(`<worksheet><sheetData>`) + 64<<20)
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: h.Sum32(),
			CompressedSize64: uint64(comp.Len()), UncompressedSize64: declare})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp.Bytes())
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if buf.Len() > 1<<20 {
			t.Fatalf("bomb is %d bytes; expected a small file", buf.Len())
		}
		return buf.Bytes()
	}
	honest := bomb(0)
	var err error
	n := allocated(func() { _, err = readTestXLSX(honest) })
	if !errors.Is(err, ErrTooLarge) || !strings.HasPrefix(err.Error(), "ballots.xlsx: xl/worksheets/sheet1.xml declares 67108886 bytes, more than 200 times its compressed size") {
		t.Fatalf("got %v", err)
	}
	if n > 4<<20 {
		t.Errorf("reading the bomb allocated %d MiB", n>>20)
	}
	// understated: read up to the stated size and no further
	n = allocated(func() { _, err = readTestXLSX(bomb(1 << 20)) })
	if err == nil || !strings.HasPrefix(err.Error(), "ballots.xlsx: xl/worksheets/sheet1.xml: corrupt, or longer than the 1048576 bytes it declares") {
		t.Fatalf("got %v", err)
	}
	if n > 8<<20 {
		t.Errorf("reading the understated bomb allocated %d MiB", n>>20)
	}

	setLimit(t, &MaxXLSXPartBytes, 2<<20)
	_, err = readTestXLSX(honest)
	if want := "ballots.xlsx: xl/worksheets/sheet1.xml declares 67108886 bytes, beyond 2 MiB: refused"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

// rawZip writes one deflated member whose header declares the given size, as a
// hostile file may.
func rawZip(t *testing.T, name string, body []byte, declared uint64) []byte {
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(body)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(body),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A tiny file declaring a huge sheet is refused before anything is allocated for it.
func TestXLSXDeclaredSize(t *testing.T) {
	sheet := []byte(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>`)
	for _, c := range []struct {
		declared uint64
		want     string
	}{
		{4 << 30, "ballots.xlsx: xl/worksheets/sheet1.xml declares 4294967296 bytes, beyond 512 MiB: refused"},
		{4<<30 - 1, "ballots.xlsx: xl/worksheets/sheet1.xml declares 4294967295 bytes, beyond 512 MiB: refused"},
		{300 << 20, "ballots.xlsx: xl/worksheets/sheet1.xml declares 314572800 bytes, more than 200 times its compressed size"},
	} {
		data := rawZip(t, "xl/worksheets/sheet1.xml", sheet, c.declared)
		if len(data) > 9<<10 {
			t.Fatalf("%d bytes", len(data))
		}
		var err error
		n := allocated(func() { _, err = readTestXLSX(data) })
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("declared %d: got %v, want %s", c.declared, err, c.want)
		}
		if n > 1<<20 {
			t.Errorf("declared %d: allocated %d bytes", c.declared, n)
		}
	}
	// The same sheet declared honestly reads.
	rows, err := readTestXLSX(rawZip(t, "xl/worksheets/sheet1.xml", sheet, uint64(len(sheet))))
	if err != nil || !reflect.DeepEqual(rows, [][]string{{"x"}}) {
		t.Fatalf("honest sheet: %q, %v", rows, err)
	}
}

func TestXLSXCountLimits(t *testing.T) {
	rows := [][]string{{"a", "b", "c"}, {"d", "e", "f"}, {"g", "h", "i"}}
	data := minimalXLSX(t, rows)
	if _, err := readTestXLSX(data); err != nil {
		t.Fatal(err)
	}
	t.Run("shared strings", func(t *testing.T) {
		setLimit(t, &MaxXLSXSharedStrings, 8)
		_, err := readTestXLSX(data)
		if want := "ballots.xlsx: xl/sharedStrings.xml: more than 8 shared strings: refused"; err == nil || err.Error() != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	})
	t.Run("rows", func(t *testing.T) {
		setLimit(t, &MaxXLSXRows, 2)
		_, err := readTestXLSX(data)
		if want := "ballots.xlsx: xl/worksheets/sheet1.xml: more than 2 rows: refused"; err == nil || err.Error() != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	})
	t.Run("cells", func(t *testing.T) {
		setLimit(t, &MaxXLSXCells, 8)
		_, err := readTestXLSX(data)
		if want := "ballots.xlsx: xl/worksheets/sheet1.xml: more than 8 cells: refused"; err == nil || err.Error() != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	})
	t.Run("column", func(t *testing.T) {
		sheet := `<worksheet><sheetData><row r="1"><c r="XFE1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>`
		_, err := readTestXLSX(buildZip(t, zipPart{"xl/worksheets/sheet1.xml", []byte(sheet)}))
		if err == nil || !strings.Contains(err.Error(), `"XFE1" beyond column XFD`) {
			t.Fatalf("got %v", err)
		}
	})
}
