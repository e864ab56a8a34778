package notices

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func renderPDF(t *testing.T, kind string, l Letter) (*Rendered, []byte, *pdfInfo) {
	t.Helper()
	r, err := Default().Render(kind, l)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := PDF(r, l)
	if err != nil {
		t.Fatal(err)
	}
	info, err := checkPDF(pdf)
	if err != nil {
		t.Fatalf("%s: malformed PDF: %v", kind, err)
	}
	return r, pdf, info
}

func TestPDFEveryKind(t *testing.T) {
	l := SampleLetter()
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			r, _, info := renderPDF(t, kind, l)
			all := flat(strings.Join(info.pageTexts, "\n"))
			body := flat(withoutFooters(info, l))
			// Every block of the letter is in the PDF, whole and in order.
			pos := 0
			for _, b := range parseHTML(r.HTML).blocks {
				want := flat(b.Text)
				k := strings.Index(body[pos:], want)
				if k < 0 {
					t.Fatalf("PDF text lacks %q (after offset %d)\nPDF: %s", want, pos, body)
				}
				pos += k + len(want)
			}
			if !strings.Contains(all, "Page 1 of "+itoa(info.pages)) {
				t.Errorf("no page footer; text: %s", all)
			}
			if !strings.Contains(all, l.Ref) || !strings.Contains(all, l.Respondent.Name) {
				t.Errorf("PDF lacks reference or name")
			}
		})
	}
}

func TestPDFPageBreaks(t *testing.T) {
	l := SampleLetter()
	var body []string
	for i := 0; i < 120; i++ {
		body = append(body, "Paragraph "+itoa(i+1)+" of the statement, which is long enough to be wrapped over more than one line of the page when it is set in the body size of the letter.")
	}
	l.Body = strings.Join(body, "\n\n")
	_, _, info := renderPDF(t, "decision", l)
	if info.pages < 4 {
		t.Fatalf("%d pages for 120 long paragraphs; want at least 4", info.pages)
	}
	for i, txt := range info.pageTexts {
		if !strings.Contains(txt, "Page "+itoa(i+1)+" of "+itoa(info.pages)) {
			t.Errorf("page %d has no 'Page %d of %d' footer", i+1, i+1, info.pages)
		}
	}
	all := flat(strings.Join(info.pageTexts, "\n"))
	for _, n := range []string{"Paragraph 1 of", "Paragraph 60 of", "Paragraph 120 of"} {
		if !strings.Contains(all, n) {
			t.Errorf("lost %q across page breaks", n)
		}
	}
	// Wrapped: no shown line is a whole paragraph.
	for _, ln := range strings.Split(strings.Join(info.pageTexts, "\n"), "\n") {
		if len(ln) > 110 {
			t.Fatalf("line not wrapped: %q", ln)
		}
	}
}

func TestPDFCharacters(t *testing.T) {
	l := SampleLetter()
	l.To.Name = "Zoë Łukasiewicz-Năstase (Ωmega)"
	_, _, info := renderPDF(t, "acknowledgement", l)
	all := flat(strings.Join(info.pageTexts, "\n"))
	if !strings.Contains(all, "Dear Zoë Łukasiewicz-Năstase (Ωmega),") {
		t.Fatalf("name not printed as written: %s", all)
	}
}

func TestPDFDeterministic(t *testing.T) {
	_, a, _ := renderPDF(t, "hearing_notice", SampleLetter())
	_, b, _ := renderPDF(t, "hearing_notice", SampleLetter())
	if !bytes.Equal(a, b) {
		t.Fatal("the same letter gave two different PDFs")
	}
}

func TestCheckPDFRejectsDamage(t *testing.T) {
	_, pdf, _ := renderPDF(t, "decision", SampleLetter())
	damaged := bytes.Replace(pdf, []byte("xref\n0 "), []byte("xrex\n0 "), 1)
	if _, err := checkPDF(damaged); err == nil {
		t.Error("checkPDF accepted a PDF with a broken xref")
	}
	shifted := append([]byte("%PDF-1.3\n% padding\n"), pdf[len("%PDF-1.3\n"):]...)
	if _, err := checkPDF(shifted); err == nil {
		t.Error("checkPDF accepted a PDF whose xref offsets are wrong")
	}
	if _, err := checkPDF(pdf[:len(pdf)/2]); err == nil {
		t.Error("checkPDF accepted a truncated PDF")
	}
}

func TestPDFNoLetter(t *testing.T) {
	if _, err := PDF(nil, SampleLetter()); err == nil {
		t.Error("PDF(nil) gave no error")
	}
	if _, err := PDF(&Rendered{Template: "x", HTML: "<html><head><title>t</title></head></html>"}, SampleLetter()); err == nil {
		t.Error("PDF of an empty letter gave no error")
	}
}

// withoutFooters returns the text of the pages without their footers, so that a
// paragraph broken across pages reads whole.
func withoutFooters(info *pdfInfo, l Letter) string {
	var keep []string
	for _, pg := range info.pageTexts {
		for _, ln := range strings.Split(pg, "\n") {
			if ln == l.Organisation+"  \u2013  reference "+l.Ref || strings.HasPrefix(ln, "Page ") {
				continue
			}
			keep = append(keep, ln)
		}
	}
	return strings.Join(keep, "\n")
}

// TestPDFWithPoppler cross-checks the PDF with a real reader when poppler-utils is
// installed (it is not needed otherwise): pdfinfo must agree on A4 and the page
// count, and pdftotext must find the letter's text.
func TestPDFWithPoppler(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	l := SampleLetter()
	l.To.Name = "Zoë Sample"
	r, pdf, info := renderPDF(t, "notice_of_charges", l)
	file := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdfinfo", file).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "(A4)") || !strings.Contains(string(out), "Pages:           "+itoa(info.pages)+"\n") {
		t.Errorf("pdfinfo disagrees:\n%s", out)
	}
	out, err = exec.Command("pdftotext", "-enc", "UTF-8", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	// A paragraph broken across pages reads whole without the footer between.
	var keep []string
	for _, ln := range strings.Split(string(out), "\n") {
		ln = strings.TrimPrefix(ln, "\f")
		if flat(ln) != l.Organisation+" \u2013 reference "+l.Ref && !strings.HasPrefix(ln, "Page ") {
			keep = append(keep, ln)
		}
	}
	got := flat(strings.Join(keep, "\n"))
	for _, b := range parseHTML(r.HTML).blocks {
		if !strings.Contains(got, flat(b.Text)) {
			t.Errorf("pdftotext lacks %q", flat(b.Text))
		}
	}
	if !strings.Contains(got, "Dear Zoë Sample,") {
		t.Error("pdftotext lacks the accented name")
	}
}

func TestPDFDeepLists(t *testing.T) {
	html := "<html><head><title>Deep</title></head><body>" + strings.Repeat("<ul><li>level", 40) + strings.Repeat("</li></ul>", 40) + "</body></html>"
	pdf, err := PDF(&Rendered{Template: "deep", Subject: "Deep", HTML: html}, SampleLetter())
	if err != nil {
		t.Fatal(err)
	}
	info, err := checkPDF(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(info.pageTexts, "\n"), "level"); n != 40 {
		t.Errorf("%d of 40 list items shown", n)
	}
}
