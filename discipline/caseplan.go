package discipline

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook"
)

// CasePlan is what GenerateCases writes, in the ids of one rule book: the scripts
// cases are taken through and what they need (members, complaints, list entries).
// ReadCasePlan reads one from JSON; examples/labour-2016-cases.json is the plan for
// the example rule book beside it.
type CasePlan struct {
	// Description says what the plan is for; the generator does not use it.
	Description string `json:"description,omitempty"`
	// Start is the day the first case is opened. Case i is opened on Start plus
	// 7·i days, counted modulo SpreadDays, on the conduct of the day before.
	Start      rulebook.Date `json:"start"`
	SpreadDays int           `json:"spread_days"`
	// Members describes the respondents: each case is about a new member.
	Members PlanMembers `json:"members"`
	// Complaint is the complaint each complaint case is opened on.
	Complaint PlanComplaint `json:"complaint"`
	// ListEntries are put on their dated lists before any case is written: the
	// entries the scripts' trigger claims name.
	ListEntries []ListEntry `json:"list_entries,omitempty"`
	// Scripts are the histories the cases are taken through: the first script's
	// copies, then the next one's, and round again.
	Scripts []PlanScript `json:"scripts"`

	file  string         // the file read, for errors
	lines map[string]int // the line of every field path in it ("scripts[2].steps[1].body")
}

// PlanMembers describes the members generated cases are about.
type PlanMembers struct {
	Joined rulebook.Date `json:"joined"`
	// Status is the status they join in.
	Status string `json:"status"`
	// Units, if not 0, spreads them over that many units of kind UnitKind (one
	// the rule book declares), created as u000, u001…
	Units    int    `json:"units,omitempty"`
	UnitKind string `json:"unit_kind,omitempty"`
}

// PlanComplaint is the complaint a complaint case is opened on; it concerns the
// conduct of the day before, and has its own id (BC and the case's number).
type PlanComplaint struct {
	Complainant string   `json:"complainant"`
	From        string   `json:"from"`
	Via         string   `json:"via"`
	Summary     string   `json:"summary"`
	Clauses     []string `json:"clauses"`
}

// PlanScript is one history: the kind of case ("complaint" or "exclusion"), opened
// in the state the rule book's procedure opens that kind in, and the steps then
// taken. Copies is how many cases in each round of the scripts it is used for.
type PlanScript struct {
	Kind   string     `json:"kind"`
	Copies int        `json:"copies"`
	Steps  []PlanStep `json:"steps"`
}

// PlanStep is one step of a script: a Command as the JSON API takes it, but with
// no date — the generator dates each step a few days after the one before — and
// with the dates within it given as days after the step (a field "x" dated in the
// Command is "x_after_days" here). A step with findings is dated on the day of the
// hearing listed, and a trigger claim concerns the case's conduct. A step that
// gives Mitigation, and nothing else, records the respondent's mitigation as heard
// instead.
type PlanStep struct {
	Command
	// Hearing, Sanction, Suspend and Trigger stand in for the Command's.
	Hearing  *PlanHearing  `json:"hearing,omitempty"`
	Sanction *PlanSanction `json:"sanction,omitempty"`
	Suspend  *PlanSuspend  `json:"suspend,omitempty"`
	Trigger  *PlanTrigger  `json:"trigger,omitempty"`
	// Mitigation is the summary of the mitigation heard.
	Mitigation string `json:"mitigation,omitempty"`
}

// PlanHearing is a Hearing held DateAfterDays after the step that lists it.
type PlanHearing struct {
	DateAfterDays int    `json:"date_after_days"`
	Place         string `json:"place,omitempty"`
	Paper         bool   `json:"paper,omitempty"`
}

// PlanSanction is a SanctionOrder dated from the step that imposes it: it starts
// FromAfterDays after it and, unless UntilAfterDays is 0, ends UntilAfterDays after it.
type PlanSanction struct {
	Sanction       string          `json:"sanction"`
	FromAfterDays  int             `json:"from_after_days,omitempty"`
	UntilAfterDays int             `json:"until_after_days,omitempty"`
	Factors        []string        `json:"factors,omitempty"`
	Conditions     []PlanCondition `json:"conditions,omitempty"`
}

// PlanCondition is a Condition due DueAfterDays after the step.
type PlanCondition struct {
	What         string `json:"what"`
	DueAfterDays int    `json:"due_after_days"`
}

// PlanSuspend is a SuspendOrder dated from the step: from FromAfterDays after it,
// to be reviewed ReviewByAfterDays after it (0: by the latest date the rule book
// allows).
type PlanSuspend struct {
	FromAfterDays     int             `json:"from_after_days,omitempty"`
	ReviewByAfterDays int             `json:"review_by_after_days,omitempty"`
	Rights            map[string]bool `json:"rights,omitempty"`
}

// PlanTrigger is a TriggerClaim about the case's conduct.
type PlanTrigger struct {
	Trigger string `json:"trigger"`
	Entry   string `json:"entry,omitempty"`
}

// maxCopies is the most cases a script may have in a round of the scripts.
const maxCopies = 1_000_000

// Steps of a generated case are 3 to 19 days apart.
const (
	genGapMin  = 3
	genGapSpan = 17
)

// ReadCasePlan reads a case plan from a JSON file and checks it (the rule book's
// ids are checked by GenerateCases). Every problem found is reported as
// FILE:LINE: field.path: what is wrong; an unknown field is one.
func ReadCasePlan(path string) (*CasePlan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseCasePlan(path, data)
}

func parseCasePlan(file string, data []byte) (*CasePlan, error) {
	p := &CasePlan{file: file, lines: map[string]int{}}
	// First walk the tokens, to record the line of every field and to report what
	// the decoder would without one: syntax errors, unknown fields, values of the
	// wrong type, bad dates.
	w := &planWalker{dec: json.NewDecoder(bytes.NewReader(data)), data: data, file: file, lines: p.lines}
	w.dec.UseNumber()
	w.walk(reflect.TypeOf(p).Elem(), "")
	if len(w.probs) == 0 {
		if _, err := w.dec.Token(); err == nil {
			w.add(w.line(), "", "there is more after the plan: a file holds one JSON object")
		} else if err != io.EOF {
			w.fail(err, "")
		}
	}
	if len(w.probs) > 0 {
		return nil, w.probs
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		// Not expected after the walk; located as well as the decoder allows.
		line := 0
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		field := ""
		switch {
		case errors.As(err, &se):
			line = offsetLine(data, se.Offset)
		case errors.As(err, &te):
			line, field = offsetLine(data, te.Offset), te.Field
		}
		return nil, planProblems{{file, line, field, strings.TrimPrefix(err.Error(), "json: ")}}
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return p, nil
}

// planProblem is one thing wrong with a case plan, located by file, line and field.
type planProblem struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (p *planProblem) Error() string {
	loc := p.File
	if loc == "" {
		loc = "case plan"
	}
	if p.Line > 0 {
		loc += ":" + strconv.Itoa(p.Line)
	}
	if p.Field != "" {
		return fmt.Sprintf("%s: %s: %s", loc, p.Field, p.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, p.Msg)
}

// planProblems is every problem found, one a line.
type planProblems []*planProblem

func (ps planProblems) Error() string {
	const most = 20
	var b strings.Builder
	for i, p := range ps {
		if i == most {
			fmt.Fprintf(&b, "\n… and %d more", len(ps)-most)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

func (ps planProblems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// problem locates a problem with the plan at a field path.
func (p *CasePlan) problem(path, format string, args ...any) *planProblem {
	line := 0
	for q := path; q != "" && p.lines != nil; {
		if l, ok := p.lines[q]; ok {
			line = l
			break
		}
		i := strings.LastIndexAny(q, ".[")
		if i < 0 {
			break
		}
		q = q[:i]
	}
	return &planProblem{p.file, line, path, fmt.Sprintf(format, args...)}
}

// offsetLine is the line of the byte at offset in data.
func offsetLine(data []byte, offset int64) int {
	offset = max(0, min(offset, int64(len(data))))
	return 1 + bytes.Count(data[:offset], []byte("\n"))
}

// planWalker reads a JSON value token by token against the Go type it is to be
// decoded into.
type planWalker struct {
	dec   *json.Decoder
	data  []byte
	file  string
	lines map[string]int
	probs planProblems
	// broken is set once the input can be read no further.
	broken bool
}

var textUnmarshaler = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()

func (w *planWalker) line() int { return offsetLine(w.data, w.dec.InputOffset()) }

func (w *planWalker) add(line int, path, format string, args ...any) {
	w.probs = append(w.probs, &planProblem{w.file, line, path, fmt.Sprintf(format, args...)})
}

// fail reports an error reading the input, which ends the walk.
func (w *planWalker) fail(err error, path string) {
	w.broken = true
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		w.add(offsetLine(w.data, se.Offset), "", "%s", se.Error())
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		if len(bytes.TrimSpace(w.data)) == 0 {
			w.add(0, "", "the file is empty: a plan is a JSON object")
		} else {
			w.add(offsetLine(w.data, int64(len(w.data))), path, "the file ends in the middle of the plan")
		}
	default:
		w.add(w.line(), path, "%s", err.Error())
	}
}

func (w *planWalker) token(path string) (json.Token, bool) {
	if w.broken {
		return nil, false
	}
	tok, err := w.dec.Token()
	if err != nil {
		w.fail(err, path)
		return nil, false
	}
	return tok, true
}

// skip reads the rest of a value whose first token was tok.
func (w *planWalker) skip(tok json.Token, path string) {
	depth := 0
	for {
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth <= 0 {
			return
		}
		var ok bool
		if tok, ok = w.token(path); !ok {
			return
		}
	}
}

// describe names the kind of JSON value tok starts.
func describe(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "true or false"
	}
	switch tok {
	case json.Delim('{'):
		return "an object"
	case json.Delim('['):
		return "a list"
	}
	return fmt.Sprint(tok)
}

// walk reads one value of type t at path, recording lines and problems.
func (w *planWalker) walk(t reflect.Type, path string) {
	tok, ok := w.token(path)
	if !ok {
		return
	}
	line := w.line()
	if _, ok := w.lines[path]; !ok && path != "" {
		w.lines[path] = line
	}
	if tok == nil { // null leaves the field as it is
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	want := func(what string) {
		w.add(line, path, "want %s, not %s", what, describe(tok))
		w.skip(tok, path)
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		s, ok := tok.(string)
		if !ok {
			want("a string")
			return
		}
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			w.add(line, path, "%s", err.Error())
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		if tok != json.Delim('{') {
			want("an object")
			return
		}
		for !w.broken && w.dec.More() {
			kt, ok := w.token(path)
			if !ok {
				return
			}
			k, _ := kt.(string)
			kp := join(path, k)
			if _, seen := w.lines[kp]; !seen {
				w.lines[kp] = w.line()
			}
			if t.Kind() == reflect.Map {
				w.walk(t.Elem(), kp)
				continue
			}
			f, ok := jsonField(t, k)
			if !ok {
				w.add(w.line(), kp, "unknown field (the fields here are %s)", strings.Join(jsonFields(t), ", "))
				if vt, ok := w.token(kp); ok {
					w.skip(vt, kp)
				}
				continue
			}
			w.walk(f.Type, kp)
		}
		w.token(path) // }
	case reflect.Slice:
		if tok != json.Delim('[') {
			want("a list")
			return
		}
		for i := 0; !w.broken && w.dec.More(); i++ {
			w.walk(t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
		w.token(path) // ]
	case reflect.String:
		if _, ok := tok.(string); !ok {
			want("a string")
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			want("true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			want("a whole number")
		} else if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			w.add(line, path, "want a whole number, not %s", n)
		}
	default:
		w.skip(tok, path)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonField finds the field of struct type t that encoding/json decodes key into
// (matched exactly: a field misspelt in case is as unknown as any other).
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	var embedded []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			embedded = append(embedded, f)
		case !f.IsExported():
		case name == key || name == "" && f.Name == key:
			return f, true
		}
	}
	// The fields of an embedded struct come after the outer ones, which hide them.
	for _, f := range embedded {
		if g, ok := jsonField(f.Type, key); ok {
			return g, true
		}
	}
	return reflect.StructField{}, false
}

// jsonFields lists the field names of struct type t, sorted, without repeats.
func jsonFields(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			names = append(names, jsonFields(f.Type)...)
		case !f.IsExported():
		case name == "":
			names = append(names, f.Name)
		default:
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// check reports what is wrong with the plan without looking at a rule book.
func (p *CasePlan) check() error {
	var probs planProblems
	add := func(path, format string, args ...any) { probs = append(probs, p.problem(path, format, args...)) }
	if p.Start.IsZero() {
		add("start", "give the day the first case is opened")
	}
	if p.SpreadDays < 1 {
		add("spread_days", "cases are opened over at least one day, not %d", p.SpreadDays)
	}
	m := p.Members
	if m.Joined.IsZero() {
		add("members.joined", "give the day the members joined")
	} else if !p.Start.IsZero() && m.Joined > p.Start.AddDays(-1) {
		add("members.joined", "members must have joined by the first case's conduct, on %s", p.Start.AddDays(-1))
	}
	if strings.TrimSpace(m.Status) == "" {
		add("members.status", "name the status members join in")
	}
	if m.Units < 0 {
		add("members.units", "cannot be negative")
	} else if m.Units > 0 && strings.TrimSpace(m.UnitKind) == "" {
		add("members.unit_kind", "name the kind of unit the members are spread over")
	}
	if len(p.Scripts) == 0 {
		add("scripts", "give at least one script")
	}
	complaints := false
	for i, sc := range p.Scripts {
		path := fmt.Sprintf("scripts[%d]", i)
		switch sc.Kind {
		case "complaint":
			complaints = true
		case "exclusion":
		default:
			add(path+".kind", "the generator opens complaint and exclusion cases, not %q", sc.Kind)
		}
		if sc.Copies < 1 || sc.Copies > maxCopies {
			add(path+".copies", "a script is used for 1 to %d cases in each round, not %d", maxCopies, sc.Copies)
		}
		for k, st := range sc.Steps {
			sp := fmt.Sprintf("%s.steps[%d]", path, k)
			if st.Mitigation != "" {
				other := st
				other.Mitigation = ""
				if !reflect.ValueOf(other).IsZero() {
					add(sp, "a step with mitigation records the mitigation heard, and has nothing else")
				}
				continue
			}
			if st.Transition == "" {
				add(sp+".transition", "name the transition the step takes (or give only mitigation)")
			}
			if !st.Date.IsZero() {
				add(sp+".date", "steps are dated by the generator, a few days after the one before: give no date")
			}
			if c := st.Command; c.Hearing != nil || c.Sanction != nil || c.Suspend != nil || c.Trigger != nil {
				// Only a plan built in Go can set them: in JSON the step's own fields take their names.
				add(sp, "give the hearing, sanction, suspension and trigger in the step's own fields, dated in days after the step")
			}
			for _, o := range st.offsets(sp) {
				if o.days < 0 {
					add(o.path, "cannot be negative")
				}
			}
		}
	}
	if complaints {
		c := p.Complaint
		for _, f := range []struct{ name, v string }{{"complainant", c.Complainant}, {"from", c.From}, {"via", c.Via}, {"summary", c.Summary}} {
			if strings.TrimSpace(f.v) == "" {
				add("complaint."+f.name, "is required for the complaint scripts")
			}
		}
		if len(c.Clauses) == 0 {
			add("complaint.clauses", "name the clause(s) the complaints say were broken")
		}
	}
	for j, e := range p.ListEntries {
		path := fmt.Sprintf("list_entries[%d]", j)
		if e.List == "" || e.ID == "" || strings.TrimSpace(e.Name) == "" || e.From.IsZero() {
			add(path, "an entry needs a list, an id, a name and the date it is on the list from")
		}
	}
	return probs.err()
}

// planOffset is a number of days after a step, and where the plan gives it.
type planOffset struct {
	path string
	days int
}

// offsets lists the step's dates, as days after it.
func (st *PlanStep) offsets(path string) []planOffset {
	var out []planOffset
	if h := st.Hearing; h != nil {
		out = append(out, planOffset{path + ".hearing.date_after_days", h.DateAfterDays})
	}
	if so := st.Sanction; so != nil {
		out = append(out, planOffset{path + ".sanction.from_after_days", so.FromAfterDays}, planOffset{path + ".sanction.until_after_days", so.UntilAfterDays})
		for i, cd := range so.Conditions {
			out = append(out, planOffset{fmt.Sprintf("%s.sanction.conditions[%d].due_after_days", path, i), cd.DueAfterDays})
		}
	}
	if so := st.Suspend; so != nil {
		out = append(out, planOffset{path + ".suspend.from_after_days", so.FromAfterDays}, planOffset{path + ".suspend.review_by_after_days", so.ReviewByAfterDays})
	}
	return out
}

// command is the step as taken on c on day: its dates made from the offsets, by
// which fields it has.
func (st *PlanStep) command(c *Case, day rulebook.Date) Command {
	cmd := st.Command
	cmd.Date = day
	if h := st.Hearing; h != nil {
		cmd.Hearing = &Hearing{Date: day.AddDays(h.DateAfterDays), Place: h.Place, Paper: h.Paper}
	}
	if len(cmd.Findings) > 0 && c.Hearing != nil {
		// Findings are made at the hearing.
		cmd.Date = c.Hearing.Date
	}
	if so := st.Sanction; so != nil {
		out := &SanctionOrder{Sanction: so.Sanction, From: day.AddDays(so.FromAfterDays), Factors: so.Factors}
		if so.UntilAfterDays != 0 {
			out.Until = day.AddDays(so.UntilAfterDays)
		}
		for _, cd := range so.Conditions {
			out.Conditions = append(out.Conditions, Condition{What: cd.What, Due: day.AddDays(cd.DueAfterDays)})
		}
		cmd.Sanction = out
	}
	if so := st.Suspend; so != nil {
		out := &SuspendOrder{From: day.AddDays(so.FromAfterDays), Rights: so.Rights}
		if so.ReviewByAfterDays != 0 {
			out.ReviewBy = day.AddDays(so.ReviewByAfterDays)
		}
		cmd.Suspend = out
	}
	if tc := st.Trigger; tc != nil {
		cmd.Trigger = &TriggerClaim{Trigger: tc.Trigger, Entry: tc.Entry, Conduct: c.Conduct}
	}
	return cmd
}

// scriptFor returns the script case i is taken through: a round of the scripts is
// each one's copies in turn, and the rounds repeat.
func (p *CasePlan) scriptFor(i int) *PlanScript {
	total := 0
	for _, sc := range p.Scripts {
		total += sc.Copies
	}
	i %= total
	for k := range p.Scripts {
		if i < p.Scripts[k].Copies {
			return &p.Scripts[k]
		}
		i -= p.Scripts[k].Copies
	}
	panic("unreachable")
}

// dates returns the first and last day a generated case can name: the first
// conduct, and the last opening followed by the longest script, every gap at its
// longest and every date within a step at its latest.
func (p *CasePlan) dates() (first, last rulebook.Date) {
	longest := 0
	for _, sc := range p.Scripts {
		span := 0
		for _, st := range sc.Steps {
			span += genGapMin + genGapSpan - 1
			if h := st.Hearing; h != nil {
				// Findings, and the steps after them, may follow at the hearing.
				span += h.DateAfterDays
			}
			for _, o := range st.offsets("") {
				longest = max(longest, span+o.days)
			}
		}
		longest = max(longest, span)
	}
	return p.Start.AddDays(-1), p.Start.AddDays(p.SpreadDays - 1 + longest)
}
