package notices

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rulebook/rulebook"
)

// fuzzLetter puts the fuzzer's strings in every kind of field a letter has.
func fuzzLetter(name, org, ref, text, clause string, day int32) Letter {
	d := rulebook.Date(day)
	return Letter{
		Organisation: org, Ref: ref, Date: d,
		To:           Party{Name: name, Email: text, Address: text + "\n" + name, MemberID: clause},
		Respondent:   Party{Name: name, MemberID: clause},
		Complainants: []Party{{Name: text}, {Name: name}},
		Allegations:  []Allegation{{Date: d, Summary: text, Clauses: []string{clause, name}}},
		Charges:      []Charge{{Count: int(day), Clause: clause, ClauseTitle: name, ClauseText: text, Particulars: text, Finding: name}},
		Hearing:      &Hearing{Date: d, Time: clause, Place: text, Panel: []string{name, text}, Paper: day%2 == 0},
		Decision: &Decision{Outcome: text, Sanction: name, From: d, Until: d, CreditFrom: d, Reasons: text,
			Final: day%3 == 0, ReviewClause: clause, Body: org, Vote: clause},
		Suspension:           &Suspension{From: d, ReviewBy: d, RightsRemoved: []string{text}, RightsKept: []string{name}, Clause: clause},
		Deadlines:            []Deadline{{What: text, Due: d}},
		Signatory:            name,
		Body:                 text,
		Rules:                []Rule{{Clause: clause, Title: name, Text: text}},
		ComplainantsWithheld: text,
		Evidence:             []string{text},
		Readmission:          &Readmission{Body: org, Clause: clause, Earliest: d, How: text},
		Contact:              text,
	}
}

// FuzzRender fills letters with arbitrary strings: rendering must not panic, must
// give valid UTF-8 and a one-line subject, must never let markup from the data into
// the HTML, must keep the recipient's name whole in the text, and the PDF of the
// letter must be well formed.
func FuzzRender(f *testing.F) {
	f.Add("Sam Sample", "Example Party", "C-2016-001", "Said things.", "2.I.8", int32(16919))
	f.Add(`<script>alert("x")</script>`, "Org & Co", "C-<1>", "<b>bold</b> &amp; \"quoted\"", "'; DROP", int32(1))
	f.Add("bad\xffutf8\x00nul", "\r\nBcc: x@example.org", "ref\r\n", "line\fform\vfeed\u2028sep", "\x1b[31m", int32(0))
	f.Add("Zoë Łukasiewicz-Năstase", "Ωmega 組合", "R-٣", "مرحبا שלום 👋🏽 e\u0301", "§4(b)", int32(-5))
	f.Add("", "", "", "", "", int32(2147483647))
	f.Add("   ", " x ", " y ", strings.Repeat("word ", 500), strings.Repeat("x", 300), int32(-2147483648))
	f.Add("{{.Ref}}", "%s%d", "\\(\\)", ")) Tj ET (", "endstream", int32(7))
	tpl := Default()
	f.Fuzz(func(t *testing.T, name, org, ref, text, clause string, day int32) {
		l := fuzzLetter(name, org, ref, text, clause, day)
		for _, kind := range Kinds {
			r, err := tpl.Render(kind, l)
			if err != nil {
				if !strings.Contains(err.Error(), "the letter has no") {
					t.Fatalf("%s: unexpected error %v", kind, err)
				}
				continue
			}
			if !utf8.ValidString(r.HTML) || !utf8.ValidString(r.Text) || !utf8.ValidString(r.Subject) {
				t.Fatalf("%s: invalid UTF-8 in output", kind)
			}
			if strings.ContainsAny(r.Subject, "\r\n") || r.Subject == "" {
				t.Fatalf("%s: subject %q", kind, r.Subject)
			}
			low := strings.ToLower(r.HTML)
			if strings.Contains(low, "<script") || strings.Contains(low, "<b>") {
				t.Fatalf("%s: markup from the data reached the HTML", kind)
			}
			if want := flat(cleanString(name)); want != "" && !strings.Contains(flat(r.Text), "Dear "+want+",") {
				t.Fatalf("%s: text lacks \"Dear %s,\"", kind, want)
			}
		}
		r, err := tpl.Render("notice_of_charges", l)
		if err != nil {
			return
		}
		pdf, err := PDF(r, l)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := checkPDF(pdf); err != nil {
			t.Fatalf("malformed PDF: %v", err)
		}
	})
}

// FuzzParseHTML feeds arbitrary markup (an organisation's own template can produce
// anything) to the structure reader: no panic, valid UTF-8 in gives valid UTF-8
// out, every block is non-empty, and the PDF laid out from it is well formed.
func FuzzParseHTML(f *testing.F) {
	f.Add("<html><head><title>T</title></head><body><h1>H</h1><p>a<br>b</p><ol><li>x</li></ol></body></html>")
	f.Add("<p>unclosed <b attr='>' x=\"<\">bold</b")
	f.Add("<!-- open comment <p>text")
	f.Add("</ul></ol></blockquote><li>orphan</li><h9>x</h9><title>")
	f.Add("<style>p{}</STYLE><script>x</script>&amp;&#0;&#x110000;&unknown;")
	f.Fuzz(func(t *testing.T, s string) {
		doc := parseHTML(s)
		txt := doc.text()
		for _, b := range doc.blocks {
			if strings.TrimSpace(b.Text) == "" {
				t.Fatalf("empty block %+v", b)
			}
			if b.Kind == item && b.Level < 1 {
				t.Fatalf("item at level %d", b.Level)
			}
		}
		if utf8.ValidString(s) && (!utf8.ValidString(txt) || !utf8.ValidString(doc.title)) {
			t.Fatal("valid UTF-8 in, invalid out")
		}
		// Whatever the structure, the PDF of it is well formed.
		if len(parseHTML(cleanString(s)).blocks) > 0 {
			pdf, err := PDF(&Rendered{Template: "fuzz", Subject: doc.title, HTML: s}, SampleLetter())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := checkPDF(pdf); err != nil {
				t.Fatalf("malformed PDF: %v", err)
			}
		}
	})
}

// FuzzLoad lays an arbitrary template over a built-in kind: loading must not
// panic, and a template it accepts says whom it writes to in one of the two
// ways, and renders the sample letter.
func FuzzLoad(f *testing.F) {
	f.Add("decision.html", `{{define "addressee"}}complainants{{end}}{{define "subject"}}x{{end}}{{template "head" .}}<p>{{.Ref}}</p>{{template "foot" .}}`)
	f.Add("decision.html", `{{define "addressee"}}the panel{{end}}`)
	f.Add("_layout.html", `{{define "addressee"}}{{.}}{{end}}`)
	f.Add("warning.html", `<html><head><title>{{.Ref}}</title></head><body>{{define "addressee"}} respondent {{end}}</body></html>`)
	f.Fuzz(func(t *testing.T, name, text string) {
		if name != "decision.html" && name != "_layout.html" && name != "warning.html" {
			name = "decision.html"
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		tpl, err := Load(dir)
		if err != nil {
			return
		}
		for _, kind := range tpl.Names() {
			if to := tpl.Addressee(kind); to != ToRespondent && to != ToComplainants {
				t.Fatalf("%s is written to %q", kind, to)
			}
			if _, err := tpl.Render(kind, SampleLetter()); err != nil {
				t.Fatalf("%s loaded but does not render the sample: %v", kind, err)
			}
		}
	})
}
