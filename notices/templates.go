package notices

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rulebook/rulebook"
)

//go:embed templates/*.html
var builtin embed.FS

// Kinds are the letters shipped with the package, in the order of a case.
var Kinds = []string{
	"acknowledgement",
	"notice_of_investigation",
	"administrative_suspension",
	"notice_of_charges",
	"hearing_notice",
	"decision",
	"review_refused",
	"automatic_exclusion",
	"readmission_decision",
}

// Templates holds the letter templates: one html/template file per kind
// ("decision.html" is the kind "decision"), plus shared parts in files whose names
// start with "_" (the built-in "_layout.html" defines head, foot and the common
// sections). Each kind is parsed together with every shared file.
type Templates struct {
	sets map[string]*template.Template // kind → parsed set; execute its root
	// addressees are the kinds not written to the respondent (Addressee).
	addressees map[string]string
}

// source is one template file: the name it is parsed under (which is what errors
// show, so it is the file's path) and its text.
type source struct{ name, text string }

// Default returns the built-in templates. They are embedded and checked by tests, so
// a failure here is a build defect and panics.
func Default() *Templates {
	t, err := build(builtinSources())
	if err != nil {
		panic("notices: built-in templates: " + err.Error())
	}
	return t
}

func builtinSources() map[string]source {
	srcs := map[string]source{}
	entries, err := fs.ReadDir(builtin, "templates")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(builtin, "templates/"+e.Name())
		if err != nil {
			panic(err)
		}
		srcs[e.Name()] = source{"templates/" + e.Name(), string(b)}
	}
	return srcs
}

// Load returns the built-in templates with those in dir laid over them: a file
// there named like a kind (or like a shared "_" file) replaces the built-in one, and
// a file with a new name adds a kind. Every template is parsed and then rendered
// with a sample letter, so a mistake (bad syntax, a field that does not exist, a
// missing part) is reported now, naming the file and line, rather than when a
// letter is due.
func Load(dir string) (*Templates, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("notices: templates: %w", err)
	}
	srcs := builtinSources()
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".html") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("notices: templates: %w", err)
		}
		if !utf8.Valid(b) {
			return nil, fmt.Errorf("notices: template %s: not valid UTF-8", p)
		}
		srcs[e.Name()] = source{p, string(b)}
	}
	t, err := build(srcs)
	if err != nil {
		return nil, err
	}
	sample := SampleLetter()
	for _, kind := range t.Names() {
		if _, err := t.Render(kind, sample); err != nil {
			return nil, fmt.Errorf("notices: checking template %q with a sample letter: %w", kind, err)
		}
	}
	return t, nil
}

func build(srcs map[string]source) (*Templates, error) {
	var shared, kinds []string
	for file := range srcs {
		if strings.HasPrefix(file, "_") {
			shared = append(shared, file)
		} else {
			kinds = append(kinds, file)
		}
	}
	sort.Strings(shared)
	sort.Strings(kinds)
	// Parse the shared files alone first, so that an error in one is reported once.
	base := template.New("").Funcs(funcs)
	for _, f := range shared {
		if _, err := base.New(srcs[f].name).Parse(srcs[f].text); err != nil {
			return nil, fmt.Errorf("notices: %w", err)
		}
	}
	t := &Templates{sets: map[string]*template.Template{}, addressees: map[string]string{}}
	for _, f := range kinds {
		set, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("notices: %w", err)
		}
		root, err := set.New(srcs[f].name).Parse(srcs[f].text)
		if err != nil {
			return nil, fmt.Errorf("notices: %w", err)
		}
		kind := strings.TrimSuffix(f, ".html")
		t.sets[kind] = root
		if a := set.Lookup("addressee"); a != nil {
			var b bytes.Buffer
			if err := a.Execute(&b, nil); err != nil {
				return nil, fmt.Errorf("notices: %s: addressee: %w", srcs[f].name, err)
			}
			switch to := strings.TrimSpace(b.String()); to {
			case ToRespondent, "":
			case ToComplainants:
				t.addressees[kind] = to
			default:
				return nil, fmt.Errorf("notices: %s: addressee %q: a letter is written to %q or %q", srcs[f].name, to, ToRespondent, ToComplainants)
			}
		}
	}
	return t, nil
}

// Whom a letter is written to: a template declares it with
// {{define "addressee"}}complainants{{end}}; one that does not is written to
// the respondent.
const (
	ToRespondent   = "respondent"
	ToComplainants = "complainants"
)

// Addressee says whom the named kind of letter is written to: ToRespondent
// or ToComplainants (each complainant a letter of their own).
func (t *Templates) Addressee(name string) string {
	if to := t.addressees[name]; to != "" {
		return to
	}
	return ToRespondent
}

// Names returns the kinds of letter available, sorted.
func (t *Templates) Names() []string {
	names := make([]string, 0, len(t.sets))
	for n := range t.sets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Render fills the named template with l and returns the letter as HTML, as plain
// text and with its subject (the document's title). Strings in l are first made
// valid UTF-8 without control characters; html/template escapes them in context.
// A template may refuse a letter that lacks what it must state (a hearing notice
// without a hearing), and the error says what is missing.
func (t *Templates) Render(name string, l Letter) (*Rendered, error) {
	root, ok := t.sets[name]
	if !ok {
		return nil, fmt.Errorf("notices: no letter template %q (have %s)", name, strings.Join(t.Names(), ", "))
	}
	l = l.clean()
	if strings.TrimSpace(l.Organisation) == "" {
		return nil, fmt.Errorf("notices: %s: the letter has no Organisation", name)
	}
	if strings.TrimSpace(l.Ref) == "" {
		return nil, fmt.Errorf("notices: %s: the letter has no Ref (case reference)", name)
	}
	var buf bytes.Buffer
	if err := root.Execute(&buf, l); err != nil {
		return nil, fmt.Errorf("notices: rendering %s: %w", name, err)
	}
	doc := parseHTML(buf.String())
	if doc.title == "" {
		return nil, fmt.Errorf("notices: rendering %s: the document has no <title> (the e-mail subject)", name)
	}
	return &Rendered{
		Template: name,
		Subject:  doc.title,
		HTML:     strings.TrimSpace(buf.String()) + "\n",
		Text:     doc.text(),
	}, nil
}

var funcs = template.FuncMap{
	"date":     longDate,
	"lines":    lines,
	"paras":    paras,
	"join":     strings.Join,
	"required": required,
}

// longDate writes a date as letters do ("27 April 2016"): unambiguous in every
// English-speaking country, unlike 04/27 or 27/04.
func longDate(d rulebook.Date) string {
	// No-break spaces: a date is never split across lines.
	return strings.ReplaceAll(d.Long(), " ", "\u00a0")
}

// lines splits an address into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, ln := range strings.Split(s, "\n") {
		if ln = strings.TrimSpace(ln); ln != "" {
			out = append(out, ln)
		}
	}
	return out
}

var blankLine = regexp.MustCompile(`\n[ \t]*\n`)

// paras splits plain text into paragraphs at blank lines; single newlines inside a
// paragraph are just spaces, as in the text they came from.
func paras(s string) []string {
	var out []string
	for _, p := range blankLine.Split(s, -1) {
		if p = strings.Join(strings.FieldsFunc(p, isSpace), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// required stops rendering with a clear error when a letter lacks something its kind
// must state: a nil pointer, an empty slice or an empty string.
func required(what string, v any) (string, error) {
	rv := reflect.ValueOf(v)
	missing := !rv.IsValid()
	if !missing {
		switch rv.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Map:
			missing = rv.IsNil()
		case reflect.Slice, reflect.String:
			missing = rv.Len() == 0
		default:
			missing = rv.IsZero()
		}
	}
	if missing {
		return "", errors.New("the letter has no " + what)
	}
	return "", nil
}

// SampleLetter is a letter with every field filled, used to check templates when
// they are loaded (every kind must render it) and in tests.
func SampleLetter() Letter {
	d := func(y int, m time.Month, day int) rulebook.Date { return rulebook.MakeDate(y, m, day) }
	return Letter{
		Organisation: "Example Party",
		Ref:          "C-2016-001",
		Date:         d(2016, 4, 28),
		To:           Party{Name: "Sam Sample", Email: "sam@example.org", Address: "1 High Street\nTown\nAB1 2CD", MemberID: "M0001"},
		Respondent:   Party{Name: "Sam Sample", Email: "sam@example.org", MemberID: "M0001"},
		Complainants: []Party{{Name: "Alex Example", MemberID: "M0002"}},
		Allegations: []Allegation{{Date: d(2016, 4, 20), Summary: "In a radio interview the member made remarks about a group of members.",
			Clauses: []string{"2.I.8"}}},
		Charges: []Charge{{Count: 1, Clause: "2.I.8", ClauseTitle: "Conduct prejudicial",
			ClauseText:  "No member shall engage in conduct which in the opinion of the executive is prejudicial to the organisation.",
			Particulars: "The remarks made in the interview of 20 April 2016.", Finding: "proved"}},
		Hearing:  &Hearing{Date: d(2017, 3, 30), Time: "10:00", Place: "Head office", Panel: []string{"Panel Member A", "Panel Member B", "Panel Member C"}},
		Decision: &Decision{Outcome: "The charge is proved.", Sanction: "Suspension from holding office for two years", From: d(2017, 4, 4), Until: d(2018, 4, 27), CreditFrom: d(2016, 4, 28), Reasons: "The panel's reasons.", Final: true, ReviewClause: "6.I.D", Body: "the hearing body", Vote: "unanimous"},
		Suspension: &Suspension{From: d(2016, 4, 28), ReviewBy: d(2016, 7, 28), RightsRemoved: []string{"stand as a candidate"},
			RightsKept: []string{"attend branch meetings"}, Clause: "6.I.1.A"},
		Deadlines:            []Deadline{{What: "Your written response", Due: d(2016, 5, 19)}},
		Signatory:            "General Secretary",
		Body:                 "A further paragraph.\n\nAnd another.",
		Rules:                []Rule{{Clause: "2.I.8", Title: "Conduct prejudicial", Text: "No member shall engage in conduct which is prejudicial to the organisation."}},
		ComplainantsWithheld: "",
		Evidence:             []string{"A published list of candidates, 4 May 2000."},
		Readmission:          &Readmission{Body: "the executive", Clause: "6.I.2", Earliest: d(2005, 4, 1), How: "Write to the General Secretary."},
		Contact:              "the disputes office, disputes@example.org",
	}
}
