package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook"
	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with a rule book file, located by line and field.
type Problem struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Field string `json:"field,omitempty"`
	Msg   string `json:"message"`
}

func (p Problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc += ":" + strconv.Itoa(p.Line)
	}
	if p.Field != "" {
		return fmt.Sprintf("%s: %s: %s", loc, p.Field, p.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, p.Msg)
}

// Problems is the error Load returns: every problem found, in file order.
type Problems []Problem

func (ps Problems) Error() string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// LoadFile reads and checks the rule book at path.
func LoadFile(path string) (*RuleBook, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Load(path, b)
}

// The YAML shapes of a rule book file.
type fileSpec struct {
	Organisation string        `yaml:"organisation"`
	Kind         string        `yaml:"kind"`
	Description  string        `yaml:"description"`
	Versions     []versionSpec `yaml:"versions"`
}

type versionSpec struct {
	ID            string                     `yaml:"id"`
	Title         string                     `yaml:"title"`
	InForceFrom   rulebook.Date              `yaml:"in_force_from"`
	Procedure     string                     `yaml:"procedure"`
	DefaultStatus string                     `yaml:"default_status"`
	Clauses       []Clause                   `yaml:"clauses"`
	Statuses      []Status                   `yaml:"statuses"`
	Actions       []Action                   `yaml:"actions"`
	Rights        map[string]map[string]Cell `yaml:"rights"`
	Bodies        []Body                     `yaml:"bodies"`
	StatusChanges []StatusRule               `yaml:"status_changes"`
	Sanctions     []Sanction                 `yaml:"sanctions"`
	Triggers      []Trigger                  `yaml:"automatic_exclusion"`
	Lists         []List                     `yaml:"lists"`
	Sources       []ComplaintSource          `yaml:"complaint_sources"`
	Readmission   *Readmission               `yaml:"readmission"`
	Discipline    *disciplineSpec            `yaml:"discipline"`
	Access        *accessSpec                `yaml:"access"`
	Occasions     []Occasion                 `yaml:"occasions"`
	Units         []CountUnit                `yaml:"units"`
	Standard      []StandardPunishment       `yaml:"standard_punishments"`
	UnitKinds     []UnitKind                 `yaml:"unit_kinds"`
	Retention     []Retention                `yaml:"retention"`
	Selections    []Selection                `yaml:"selections"`
	Repeal        repealSpec                 `yaml:"repeal"`
}

type repealSpec struct {
	Clauses   []string `yaml:"clauses"`
	Statuses  []string `yaml:"statuses"`
	Actions   []string `yaml:"actions"`
	Bodies    []string `yaml:"bodies"`
	Sanctions []string `yaml:"sanctions"`
	Triggers  []string `yaml:"automatic_exclusion"`
	Lists     []string `yaml:"lists"`
	Occasions []string `yaml:"occasions"`
	Units     []string `yaml:"units"`
	Standard  []string `yaml:"standard_punishments"`
	UnitKinds []string `yaml:"unit_kinds"`
	// StatusChanges set true drops every earlier status_changes rule.
	StatusChanges bool `yaml:"status_changes"`
	// Selections are selection procedures repealed.
	Selections []string `yaml:"selections"`
}

// UnmarshalYAML accepts a cell as "allow CLAUSE" / "deny CLAUSE" or as a mapping
// {allowed, clause, note}.
func (c *Cell) UnmarshalYAML(n *yaml.Node) error {
	c.set = true
	if n.Kind == yaml.ScalarNode {
		f := strings.Fields(n.Value)
		if len(f) < 2 {
			return fmt.Errorf("line %d: cell %q must be \"allow CLAUSE\" or \"deny CLAUSE\"", n.Line, n.Value)
		}
		switch strings.ToLower(f[0]) {
		case "allow", "allowed", "yes":
			c.Allowed = true
		case "deny", "denied", "no":
			c.Allowed = false
		default:
			return fmt.Errorf("line %d: cell %q must start with allow or deny", n.Line, n.Value)
		}
		c.Clause = f[1]
		c.Note = strings.Join(f[2:], " ")
		return nil
	}
	var m struct {
		Allowed *bool  `yaml:"allowed"`
		Clause  string `yaml:"clause"`
		Note    string `yaml:"note"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	if m.Allowed == nil {
		return fmt.Errorf("line %d: cell needs allowed: true or false", n.Line)
	}
	c.Allowed, c.Clause, c.Note = *m.Allowed, m.Clause, m.Note
	return nil
}

var cellKeys = map[string]bool{"allowed": true, "clause": true, "note": true}

// lineMap records the line of every field path in the file ("versions[0].statuses[2].clause").
type lineMap map[string]int

// line returns the line of path or of its nearest recorded parent.
func (lm lineMap) line(path string) int {
	for path != "" {
		if l, ok := lm[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

var (
	cellType = reflect.TypeOf(Cell{})
	textType = reflect.TypeOf((*interface{ UnmarshalText([]byte) error })(nil)).Elem()
)

// walk records lines and reports keys the target type has no field for: a misspelt
// key must not be silently ignored in a rule book.
func walk(n *yaml.Node, t reflect.Type, path string, lm lineMap, probs *[]Problem, file string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	lm[path] = n.Line
	if reflect.PointerTo(t).Implements(textType) {
		// Check dates and periods here, where the line is known: the YAML decoder
		// reports a failing UnmarshalText without one.
		if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
			u := reflect.New(t).Interface().(interface{ UnmarshalText([]byte) error })
			if err := u.UnmarshalText([]byte(n.Value)); err != nil {
				*probs = append(*probs, Problem{file, n.Line, path, err.Error()})
			} else if msg := countedElsewhere(u, path); msg != "" {
				*probs = append(*probs, Problem{file, n.Line, path, msg})
			}
		}
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		switch {
		case t == cellType:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k := n.Content[i].Value; !cellKeys[k] {
					*probs = append(*probs, Problem{file, n.Content[i].Line, join(path, k), "unknown field (a cell has allowed, clause, note)"})
				}
			}
		case t.Kind() == reflect.Struct:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				f, ok := fieldByTag(t, k.Value)
				if !ok {
					*probs = append(*probs, Problem{file, k.Line, join(path, k.Value), "unknown field" + suggest(t, k.Value)})
					continue
				}
				lm[join(path, k.Value)] = k.Line
				walk(v, f.Type, join(path, k.Value), lm, probs, file)
				lm[join(path, k.Value)] = k.Line
			}
		case t.Kind() == reflect.Map:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				walk(v, t.Elem(), join(path, k.Value), lm, probs, file)
				lm[join(path, k.Value)] = k.Line
			}
		}
	case yaml.SequenceNode:
		if t.Kind() == reflect.Slice {
			for i, c := range n.Content {
				walk(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), lm, probs, file)
			}
		}
	}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func suggest(t reflect.Type, key string) string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return " (expected one of: " + strings.Join(names, ", ") + ")"
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Load parses and checks a rule book from b; name is used in messages.
func Load(name string, b []byte) (*RuleBook, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		// A file with nothing in it (or only comments) is one YAML document short.
		return nil, Problems{{File: name, Msg: "the file is empty: a rule book starts with organisation: and versions: (see docs/rulebook-format.md)"}}
	} else if err != nil {
		return nil, yamlProblems(name, err)
	}
	if len(doc.Content) == 0 {
		return nil, Problems{{File: name, Msg: "the file is empty: a rule book starts with organisation: and versions: (see docs/rulebook-format.md)"}}
	}
	lm := lineMap{}
	var probs []Problem
	walk(doc.Content[0], reflect.TypeOf(fileSpec{}), "", lm, &probs, name)
	if len(probs) > 0 {
		return nil, Problems(probs)
	}
	var spec fileSpec
	if err := doc.Content[0].Decode(&spec); err != nil {
		return nil, yamlProblems(name, err)
	}
	sum := sha256.Sum256(b)
	rb, probs := resolve(name, &spec, lm)
	if len(probs) > 0 {
		sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
		return nil, Problems(probs)
	}
	rb.SHA256 = hex.EncodeToString(sum[:])
	return rb, nil
}

func yamlProblems(name string, err error) error {
	var te *yaml.TypeError
	var msgs []string
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var ps Problems
	for _, m := range msgs {
		p := Problem{File: name, Msg: m}
		if g := yamlLine.FindStringSubmatch(m); g != nil {
			p.Line, _ = strconv.Atoi(g[1])
			p.Msg = g[2]
		}
		ps = append(ps, p)
	}
	return ps
}
