package notices

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/rulebook/rulebook"
)

func TestDefaultNames(t *testing.T) {
	got := Default().Names()
	want := slices.Clone(Kinds)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Names() = %v; want %v", got, want)
	}
}

// TestLettersStateWhatTheyMust checks each letter against the due-process content
// it must carry, using the sample letter's data: the allegation and its basis, the
// rule and its text, the deadlines, the rights of reply and representation, whom to
// contact, and what is particular to the kind.
func TestLettersStateWhatTheyMust(t *testing.T) {
	l := SampleLetter()
	common := []string{l.Organisation, "C-2016-001", "28 April 2016", "Dear Sam Sample,",
		"please contact the disputes office, disputes@example.org", "Yours sincerely,", "General Secretary",
		"Your written response: 19 May 2016", "A further paragraph.", "And another."}
	allegation := "On 20 April 2016: In a radio interview the member made remarks about a group of members. (rule cited: 2.I.8)"
	ruleText := "No member shall engage in conduct which is prejudicial to the organisation."
	chargeText := "No member shall engage in conduct which in the opinion of the executive is prejudicial to the organisation."
	reply := "You may be assisted or represented as the rules of Example Party allow."
	want := map[string][]string{
		"acknowledgement": {"has received your complaint about Sam Sample", allegation,
			"not a finding that any rule has been broken", "you will be told the outcome"},
		"notice_of_investigation": {allegation, ruleText, "Clause 2.I.8: Conduct prejudicial", "The complaint was made by: Alex Example.",
			"not a finding that you have broken any rule", "You may respond to the allegations in writing", reply},
		"administrative_suspension": {"administratively suspended from membership rights with effect from 28 April 2016, under clause 6.I.1.A",
			"It is not a sanction", "While the suspension lasts you may not:", "stand as a candidate", "You keep the right to:",
			"attend branch meetings", "reviewed by 28 July 2016", allegation, ruleText, reply},
		"notice_of_charges": {"Count 1: clause 2.I.8 (Conduct prejudicial)", chargeText, "Particulars: The remarks made in the interview of 20 April 2016.",
			"each count will be decided separately", allegation, "Date: 30 March 2017", "Place: Head office", reply},
		"hearing_notice": {"Date: 30 March 2017", "Time: 10:00", "Place: Head office", "Panel: Panel Member A, Panel Member B, Panel Member C",
			"conflict of interest", chargeText, "If you do not attend", "make representations before a sanction is decided", reply},
		"decision": {"by the hearing body", "Count 1, clause 2.I.8 (Conduct prejudicial): proved", "The charge is proved.",
			"Suspension from holding office for two years", "takes effect from 4 April 2017", "until 27 April 2018",
			"already spent under administrative suspension, since 28 April 2016, counts towards the sanction",
			"The panel's reasons.", "Under clause 6.I.D of the rules of Example Party, this decision is final", "The decision was taken by vote: unanimous."},
		"review_refused": {"has been recorded on the case", "do not permit that decision to be reviewed", "Under clause 6.I.D, the decision is final.",
			ruleText, "new complaint"},
		"automatic_exclusion": {"no longer eligible to be a member, with effect from 4 April 2017", allegation, ruleText,
			"The evidence relied on", "A published list of candidates, 4 May 2000.", "If you believe that this evidence is wrong",
			"apply for readmission to the executive under clause 6.I.2", "not normally be considered before 1 April 2005", "Write to the General Secretary.",
			"no appeal against this decision (clause 6.I.D)"},
		"readmission_decision": {"application for readmission to Example Party, which was considered by the hearing body",
			"The charge is proved.", "The decision was taken by vote: unanimous.", "Conditions", "The panel's reasons.", "apply again from 1 April 2005"},
	}
	tpl := Default()
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			r, err := tpl.Render(kind, l)
			if err != nil {
				t.Fatal(err)
			}
			if r.Template != kind || !strings.Contains(r.Subject, "C-2016-001") {
				t.Errorf("Template %q, Subject %q", r.Template, r.Subject)
			}
			text := flat(r.Text)
			for _, w := range append(want[kind], common...) {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q\n%s", w, r.Text)
				}
			}
			if !strings.HasPrefix(r.HTML, "<!DOCTYPE html>") || !strings.Contains(r.HTML, "<title>") {
				t.Errorf("HTML is not a document: %.80q", r.HTML)
			}
			checkTextLayout(t, r.Text)
		})
	}
	if len(want) != len(Kinds) {
		t.Fatalf("expectations for %d kinds, %d kinds shipped", len(want), len(Kinds))
	}
}

// checkTextLayout checks the plain-text form reads as a letter: no line over the
// width unless it is one word, no markup, no runs of blank lines.
func checkTextLayout(t *testing.T, text string) {
	t.Helper()
	for _, ln := range strings.Split(text, "\n") {
		if utf8.RuneCountInString(ln) > textWidth && len(strings.Fields(ln)) > 1 && !strings.HasPrefix(strings.TrimSpace(ln), "==") {
			t.Errorf("line over %d columns: %q", textWidth, ln)
		}
	}
	if strings.Contains(text, "\n\n\n") {
		t.Error("text has runs of blank lines")
	}
	if strings.Contains(text, "&lt;") || strings.Contains(text, "&#39;") || strings.Contains(text, "<p>") {
		t.Error("text has HTML escapes or tags")
	}
}

func TestRespondentNameIsEscaped(t *testing.T) {
	l := SampleLetter()
	evil := `<script>alert("x")</script>`
	l.To.Name = "Sam " + evil
	l.Respondent.Name = "Sam " + evil
	l.Allegations[0].Summary = `Said "<b>bold</b>" & <img src=x onerror=alert(1)>`
	for _, kind := range Kinds {
		r, err := Default().Render(kind, l)
		if err != nil {
			t.Fatal(err)
		}
		low := strings.ToLower(r.HTML)
		if strings.Contains(low, "<script") || strings.Contains(low, "<img") || strings.Contains(low, "<b>") {
			t.Fatalf("%s: markup from the letter's data reached the HTML", kind)
		}
		if !strings.Contains(r.HTML, "Sam &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Fatalf("%s: escaped name not found in HTML", kind)
		}
		// The plain text shows the name as written: it is not HTML.
		if !strings.Contains(r.Text, "Dear Sam "+evil+",") {
			t.Fatalf("%s: text does not show the name as written", kind)
		}
	}
}

func TestRequiredParts(t *testing.T) {
	tpl := Default()
	cases := []struct {
		kind   string
		change func(*Letter)
		want   string
	}{
		{"hearing_notice", func(l *Letter) { l.Hearing = nil }, "the letter has no Hearing"},
		{"notice_of_charges", func(l *Letter) { l.Charges = nil }, "the letter has no Charges"},
		{"decision", func(l *Letter) { l.Decision = nil }, "the letter has no Decision"},
		{"administrative_suspension", func(l *Letter) { l.Suspension = nil }, "the letter has no Suspension"},
		{"review_refused", func(l *Letter) { l.Decision.ReviewClause = "" }, "Decision.ReviewClause"},
		{"automatic_exclusion", func(l *Letter) { l.Evidence = nil }, "the letter has no Evidence"},
		{"automatic_exclusion", func(l *Letter) { l.Rules = nil }, "the letter has no Rules"},
		{"readmission_decision", func(l *Letter) { l.Decision = nil }, "the letter has no Decision"},
		{"acknowledgement", func(l *Letter) { l.Organisation = " " }, "no Organisation"},
		{"acknowledgement", func(l *Letter) { l.Ref = "" }, "no Ref"},
		{"no_such_letter", func(l *Letter) {}, `no letter template "no_such_letter"`},
	}
	for _, c := range cases {
		l := SampleLetter()
		c.change(&l)
		_, err := tpl.Render(c.kind, l)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v; want one containing %q", c.kind, err, c.want)
		}
	}
}

func TestOptionalPartsLeftOut(t *testing.T) {
	l := Letter{Organisation: "Club", Ref: "C-1", To: Party{Name: "A"}, Signatory: "Secretary",
		Decision: &Decision{Outcome: "Granted."}, Hearing: &Hearing{Paper: true}, Charges: []Charge{{Count: 1, Clause: "4"}},
		Suspension: &Suspension{From: rulebook.MustDate("2020-01-01")}, Rules: []Rule{{Clause: "9", Text: "Text."}}, Evidence: []string{"E"},
	}
	l.Decision.ReviewClause = "9"
	for _, kind := range Kinds {
		r, err := Default().Render(kind, l)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		for _, bad := range []string{"  ", " ,", " .", "()", "on  ", ": \n"} {
			if strings.Contains(flat(r.Text), bad) && bad != "  " {
				t.Errorf("%s: empty field leaves %q in:\n%s", kind, bad, r.Text)
			}
		}
		if strings.Contains(r.Text, "Dates to note") || strings.Contains(r.Text, "Membership number") {
			t.Errorf("%s: a section for absent data is shown", kind)
		}
	}
	r, _ := Default().Render("hearing_notice", l)
	if !strings.Contains(r.Text, "on the papers") || strings.Contains(r.Text, "If you do not attend") {
		t.Errorf("paper hearing letter talks of attending:\n%s", r.Text)
	}
}

func TestLoadOverridesAndAdds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("decision.html", `{{define "subject"}}Outcome of case {{.Ref}}{{end}}{{template "head" .}}<h1>Outcome</h1><p>{{.Decision.Outcome}}</p>{{template "foot" .}}`)
	write("warning_letter.html", `<html><head><title>Warning {{.Ref}}</title></head><body><p>Dear {{.To.Name}}, this is a formal warning.</p></body></html>`)
	write("notes.txt", "not a template")
	tpl, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(tpl.Names(), "warning_letter") || len(tpl.Names()) != len(Kinds)+1 {
		t.Fatalf("Names() = %v", tpl.Names())
	}
	r, err := tpl.Render("decision", SampleLetter())
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Outcome of case C-2016-001" || !strings.Contains(r.Text, "Outcome\n=======") || strings.Contains(r.Text, "Finality") {
		t.Errorf("override not used: %q\n%s", r.Subject, r.Text)
	}
	// The shared layout still applies to the override, and the defaults to the rest.
	if !strings.Contains(r.Text, "Yours sincerely,") {
		t.Error("override lost the shared layout")
	}
	if r, _ := tpl.Render("hearing_notice", SampleLetter()); !strings.Contains(r.Text, "Notice of hearing") {
		t.Error("built-in template lost after loading overrides")
	}
	r, err = tpl.Render("warning_letter", SampleLetter())
	if err != nil || r.Text != "Dear Sam Sample, this is a formal warning.\n" {
		t.Errorf("added kind: %v %q", err, r)
	}

	// Overriding the layout changes every letter.
	write("_layout.html", strings.Replace(readBuiltin(t, "_layout.html"), "Yours sincerely,", "With best wishes,", 1))
	tpl, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := tpl.Render("acknowledgement", SampleLetter()); !strings.Contains(r.Text, "With best wishes,") {
		t.Error("layout override not used")
	}
}

func readBuiltin(t *testing.T, name string) string {
	b, err := builtin.ReadFile("templates/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoadErrorsNameFileAndLine(t *testing.T) {
	cases := []struct{ file, text, want string }{
		{"decision.html", "{{define \"subject\"}}x{{end}}\n<p>\n{{end}}\n", "decision.html:3"},
		{"decision.html", "{{define \"subject\"}}x{{end}}\n<p>\n\n{{.NoSuchField}}</p>", "decision.html:4"},
		{"hearing_notice.html", "{{define \"subject\"}}x{{end}}\n{{template \"nosuchpart\" .}}", "hearing_notice.html:2"},
		{"_layout.html", "{{define \"head\"}}\n{{.Ref | nosuchfunc}}{{end}}", "_layout.html:2"},
		{"decision.html", "<html><body><p>no title</p></body></html>", "no <title>"},
		{"decision.html", "\xff\xfe", "not valid UTF-8"},
		{"decision.html", "{{define \"addressee\"}}the panel{{end}}{{define \"subject\"}}x{{end}}", `decision.html: addressee "the panel"`},
	}
	for _, c := range cases {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, c.file), []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(dir)
		if err == nil {
			t.Errorf("%s: loaded %q without error", c.file, c.text)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q; want it to contain %q", c.file, err, c.want)
		}
		if c.want != "no <title>" && !strings.Contains(err.Error(), dir) {
			t.Errorf("error %q does not name the directory", err)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Load of a missing directory gave no error")
	}
}

func TestParseHTML(t *testing.T) {
	doc := parseHTML(`<!DOCTYPE html><html><head><title> A &amp; B </title><style>p{x:1}</style></head>
<body><!-- note --><h1>Top</h1><p>one
  two &lt;three&gt;<br>four</p><ol><li>a</li><li>b<ul><li>c</li></ul></li></ol>
<blockquote><p>q1</p><p>q2</p></blockquote><p><strong>all</strong> <b>bold</b></p><p><b>half</b> bold</p><p>after 1 < 2 and <unknown>x</unknown></p><script>bad()</script></body></html>`)
	if doc.title != "A & B" {
		t.Errorf("title %q", doc.title)
	}
	want := []block{
		{Kind: heading, Level: 1, Text: "Top"},
		{Kind: para, Text: "one two <three>\nfour"},
		{Kind: item, Level: 1, Marker: "1.", Text: "a"},
		{Kind: item, Level: 1, Marker: "2.", Text: "b"},
		{Kind: item, Level: 2, Marker: "-", Text: "c"},
		{Kind: quote, Text: "q1"},
		{Kind: quote, Text: "q2"},
		{Kind: para, Text: "all bold", Bold: true},
		{Kind: para, Text: "half bold"},
		{Kind: para, Text: "after 1 < 2 and x"},
	}
	if !slices.Equal(doc.blocks, want) {
		t.Errorf("blocks\n%+v\nwant\n%+v", doc.blocks, want)
	}
	if got := doc.text(); got != "Top\n===\n\none two <three>\nfour\n\n  1. a\n  2. b\n    - c\n\n    q1\n\n    q2\n\nall bold\n\nhalf bold\n\nafter 1 < 2 and x\n" {
		t.Errorf("text %q", got)
	}
}

func TestWrapKeepsLongWords(t *testing.T) {
	var b strings.Builder
	long := strings.Repeat("x", 100)
	writeWrapped(&b, "short "+long+" end", "", "")
	if b.String() != "short\n"+long+"\nend\n" {
		t.Errorf("%q", b.String())
	}
}

func TestRenderConcurrently(t *testing.T) {
	tpl := Default()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, k := range Kinds {
				if _, err := tpl.Render(k, SampleLetter()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

func TestRenderDoesNotChangeTheLetter(t *testing.T) {
	l := SampleLetter()
	l.To.Name = "bad\x00name\xff"
	if _, err := Default().Render("acknowledgement", l); err != nil {
		t.Fatal(err)
	}
	if l.To.Name != "bad\x00name\xff" {
		t.Error("Render modified the caller's letter")
	}
}

// A template says whom its letter is written to: the built-in
// acknowledgement to each complainant, the rest to the respondent; an
// override may change it.
func TestAddressee(t *testing.T) {
	def := Default()
	for _, kind := range def.Names() {
		want := ToRespondent
		if kind == "acknowledgement" {
			want = ToComplainants
		}
		if got := def.Addressee(kind); got != want {
			t.Errorf("%s is written to %q, want %q", kind, got, want)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "decision.html"), []byte(`{{define "addressee"}} complainants {{end}}`+readBuiltin(t, "decision.html")), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Addressee("decision") != ToComplainants || tpl.Addressee("hearing_notice") != ToRespondent || tpl.Addressee("acknowledgement") != ToComplainants {
		t.Errorf("overridden: decision to %q, hearing notice to %q", tpl.Addressee("decision"), tpl.Addressee("hearing_notice"))
	}
}
