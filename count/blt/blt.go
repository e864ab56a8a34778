// Package blt reads ballot files in the BLT format (ERS, OpenSTV, Droop and the
// Scottish councils' published files) into a *count.Election.
//
// The format:
//
//	<candidates> <seats>
//	[-c ...]                  withdrawn candidates (negative ids), optional
//	[option ...]              Droop's options: [tie ...], [nick ...], [withdrawn ...], [droop ...]
//	<weight> <pref> ... 0     one line per ballot group; "2=3" ranks equally;
//	(id) <pref> ... 0         Droop's form: a ballot id in parentheses stands for weight 1
//	0                         end of ballots
//	names, one per candidate  "Name", Name, "Lab ""Name"" ", Name (Party), "Name" "Party"
//	title                     quoted or not
//
// "#" starts a comment to the end of a line and "/* ... */" brackets one, in the
// part of the file before the names (as Droop allows).
package blt

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rulebook/rulebook/count"
)

// Error is a problem in a BLT file, located by file, line and field so that the
// person who prepared the file can find it.
type Error struct {
	File  string
	Line  int    // 1-based; 0 when the problem is the file as a whole
	Field string // e.g. "field 2 (seats)", "candidate name 3"
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// Extra holds what a BLT file may say beyond the shared Election form.
type Extra struct {
	// TieOrder, from Droop's [tie ...] option, lists candidate indices in the order
	// used when a tie survives every earlier stage; nil when the file gives none.
	TieOrder []int
	// Nicknames from Droop's [nick ...] option, by candidate index; nil when absent.
	Nicknames []string
	// Options are the words of Droop's [droop ...] option lines.
	Options []string
	// BallotIDs counts ballots given by a "(id)" instead of a weight.
	BallotIDs int
	// Source and Comment are the quoted strings Droop allows after the title.
	Source, Comment string
	// Warnings are what was read but ignored, naming the line: text after the end of
	// the file's parts (the names, the title and Droop's quoted source and comment).
	Warnings []string
}

// MaxCandidates bounds the header: no count takes more (see count.MaxCandidates,
// whose reasons are memory and work that grow as the square of the candidates).
const MaxCandidates = count.MaxCandidates

// ParseFile reads a BLT file.
func ParseFile(path string) (*count.Election, error) {
	e, _, err := ParseFileExtra(path)
	return e, err
}

// ParseFileExtra reads a BLT file and also returns its Droop options.
func ParseFileExtra(path string) (*count.Election, *Extra, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return ParseBytes(data, filepath.Base(path))
}

// Parse reads a BLT file from r; name is used in error messages. The election's
// rank slices share memory (every rank naming only candidate 3 is one slice), so
// callers must treat the election as read-only.
func Parse(r io.Reader, name string) (*count.Election, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &Error{File: name, Msg: err.Error()}
	}
	e, _, err := ParseBytes(data, name)
	return e, err
}

type token struct {
	text string
	line int
	col  int // 1-based field number on its line
}

type parser struct {
	file   string
	data   []byte
	starts []int // offset of each line in data, and len(data)+1 at the end
	// tokens of the header and ballot part, produced lazily line by line
	line      int // index of the next line to tokenise
	toks      []token
	pos       int
	inComment bool

	ncand int
	nick  map[string]int
}

func (p *parser) errf(line int, field, format string, args ...any) error {
	return &Error{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) nlines() int { return len(p.starts) - 1 }

// lineAt returns line i (0-based) without its line ending.
func (p *parser) lineAt(i int) []byte {
	l := p.data[p.starts[i] : p.starts[i+1]-1]
	return bytes.TrimSuffix(l, []byte("\r"))
}

// fill tokenises lines until at least one token is pending or input runs out.
func (p *parser) fill() bool {
	for p.pos >= len(p.toks) {
		if p.line >= p.nlines() {
			return false
		}
		p.toks = p.toks[:0]
		p.pos = 0
		ln := p.line + 1
		col := 0
		for _, f := range bytes.Fields(p.lineAt(p.line)) {
			s := string(f)
			if p.inComment {
				if strings.HasSuffix(s, "*/") {
					p.inComment = false
				}
				continue
			}
			if strings.HasPrefix(s, "/*") {
				if !strings.HasSuffix(s, "*/") || len(s) < 4 {
					p.inComment = true
				}
				continue
			}
			if strings.HasPrefix(s, "#") {
				break
			}
			col++
			p.toks = append(p.toks, token{s, ln, col})
		}
		p.line++
	}
	return true
}

func (p *parser) next() (token, bool) {
	if !p.fill() {
		return token{}, false
	}
	t := p.toks[p.pos]
	p.pos++
	return t, true
}

// restOfLine returns the unread tokens of the current line.
func (p *parser) restOfLine() []token {
	r := p.toks[p.pos:]
	p.pos = len(p.toks)
	return r
}

func (p *parser) eof(what string) error {
	return p.errf(p.nlines(), "", "unexpected end of file: expected %s", what)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseBytes parses a whole BLT file held in memory; name is used in error messages.
func ParseBytes(data []byte, name string) (*count.Election, *Extra, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		// Files written in a legacy code page (Windows-1252 names) are common;
		// each byte that is not UTF-8 becomes U+FFFD, as Python's
		// errors="replace" reads it, rather than refusing the count. Only
		// names can hold such bytes: anywhere else they are still an error.
		data = replaceInvalid(data)
	}
	p := &parser{file: name, data: data, starts: make([]int, 0, bytes.Count(data, []byte("\n"))+2)}
	for i := 0; ; {
		p.starts = append(p.starts, i)
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	p.starts = append(p.starts, len(data)+1)
	e := &count.Election{}
	x := &Extra{}

	// Header.
	t, ok := p.next()
	if !ok {
		return nil, nil, p.errf(0, "", "empty file")
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || !isDigits(t.text) {
		return nil, nil, p.errf(t.line, "field 1 (candidates)", "%q is not a number of candidates", t.text)
	}
	if n < 1 || n > MaxCandidates {
		return nil, nil, p.errf(t.line, "field 1 (candidates)", "number of candidates %d out of range 1..%d", n, MaxCandidates)
	}
	// Each candidate needs a name of at least one byte and a separator, so a
	// file cannot name more than half its length; refuse before allocating per
	// candidate.
	if n > (len(data)+1)/2 {
		return nil, nil, p.errf(t.line, "field 1 (candidates)", "%d candidates declared, but a file of %d bytes cannot name them", n, len(data))
	}
	hl := t.line
	t, ok = p.next()
	if !ok {
		return nil, nil, p.eof("number of seats")
	}
	if t.line != hl {
		return nil, nil, p.errf(hl, "field 2 (seats)", "missing number of seats on the header line")
	}
	seats, err := strconv.Atoi(t.text)
	if err != nil || !isDigits(t.text) {
		return nil, nil, p.errf(t.line, "field 2 (seats)", "%q is not a number of seats", t.text)
	}
	if seats < 1 || seats > n {
		return nil, nil, p.errf(t.line, "field 2 (seats)", "%d seats for %d candidates", seats, n)
	}
	if extra := p.restOfLine(); len(extra) > 0 {
		return nil, nil, p.errf(hl, fmt.Sprintf("field %d", extra[0].col), "unexpected %q after candidates and seats", extra[0].text)
	}
	p.ncand = n
	e.Seats = seats

	// Withdrawn candidates and options, up to the first ballot.
	var withdrawn []bool
	withdraw := func(t token, c int) error {
		if withdrawn == nil {
			withdrawn = make([]bool, n)
		}
		if withdrawn[c] {
			return p.errf(t.line, fmt.Sprintf("field %d", t.col), "candidate %d withdrawn twice", c+1)
		}
		withdrawn[c] = true
		return nil
	}
	for {
		t, ok = p.fill2()
		if !ok {
			return nil, nil, p.eof("ballots")
		}
		if strings.HasPrefix(t.text, "[") {
			p.pos++
			if err := p.option(t, x, withdraw); err != nil {
				return nil, nil, err
			}
			continue
		}
		if strings.HasPrefix(t.text, "-") {
			p.pos++
			v, err := strconv.Atoi(t.text[1:])
			if err != nil || !isDigits(t.text[1:]) || v < 1 || v > n {
				return nil, nil, p.errf(t.line, fmt.Sprintf("field %d (withdrawn candidate)", t.col), "%q is not a candidate number -1..-%d", t.text, n)
			}
			if err := withdraw(t, v-1); err != nil {
				return nil, nil, err
			}
			continue
		}
		break
	}

	// Ballots, one to a line.
	if p.pos != 0 {
		return nil, nil, p.errf(t.line, fmt.Sprintf("field %d", t.col), "ballots must start on a line of their own")
	}
	li := t.line - 1
	p.toks, p.pos = nil, 0
	seen := make([]int, n) // ballot number that last ranked each candidate
	ids := map[string]int{}
	e.Ballots = make([]count.Ballot, 0, p.nlines()-li)
	var fields [][2]int
	var al alloc
	// Ranks of one candidate share one backing array: most ranks are single
	// candidates, and one allocation each would dominate parsing.
	single := make([][]int, n)
	for i := range single {
		single[i] = al.ints(1)
		single[i][0] = i
	}
	for ; ; li++ {
		if li >= p.nlines() {
			return nil, nil, p.eof(`the "0" that ends the ballots`)
		}
		line := p.lineAt(li)
		fields = p.fields(line, fields[:0])
		fld := func(i int) []byte { return line[fields[i][0]:fields[i][1]] }
		if len(fields) == 0 {
			continue
		}
		ln := li + 1
		var weight int64
		k := 1 // next field
		f0 := fld(0)
		switch {
		case f0[0] == '(':
			id := string(f0)
			for !strings.HasSuffix(id, ")") {
				if k == len(fields) {
					return nil, nil, p.errf(ln, "field 1 (ballot id)", "ballot id %q has no closing parenthesis", clip(id))
				}
				id += " " + string(fld(k))
				k++
			}
			id = strings.TrimSpace(id[1 : len(id)-1])
			if prev, dup := ids[id]; dup {
				return nil, nil, p.errf(ln, "field 1 (ballot id)", "ballot id %q already used on line %d", id, prev)
			}
			ids[id] = ln
			weight = 1
			x.BallotIDs++
		default:
			w, ok := number(f0)
			if !ok || w > 1<<40 {
				return nil, nil, p.errf(ln, "field 1 (weight)", "%q is not a ballot weight (a whole number up to 2^40, or 0 to end the ballots)", clip(string(f0)))
			}
			weight = w
		}
		if weight == 0 {
			if len(fields) > 1 {
				return nil, nil, p.errf(ln, "field 2", "unexpected %q after the 0 that ends the ballots", clip(string(fld(1))))
			}
			break
		}
		if last := fld(len(fields) - 1); len(last) != 1 || last[0] != '0' {
			return nil, nil, p.errf(ln, fmt.Sprintf("field %d", len(fields)), "ballot line does not end with 0")
		}
		bno := len(e.Ballots) + 1
		ranks := al.ranks(len(fields) - 1 - k)
		for j := k; j < len(fields)-1; j++ {
			f := fld(j)
			var rank []int
			if v, ok := number(f); ok {
				if v < 1 || v > int64(n) {
					return nil, nil, p.errf(ln, fmt.Sprintf("field %d (preference)", j+1), "candidate %q is not in 1..%d", clip(string(f)), n)
				}
				rank = single[v-1]
			} else {
				parts := strings.Split(string(f), "=")
				rank = al.ints(len(parts))
				for i, s := range parts {
					c, err := p.candidate(s)
					if err != nil {
						return nil, nil, p.errf(ln, fmt.Sprintf("field %d (preference)", j+1), "%v", err)
					}
					rank[i] = c
				}
			}
			for _, c := range rank {
				if seen[c] == bno {
					return nil, nil, p.errf(ln, fmt.Sprintf("field %d (preference)", j+1), "candidate %d ranked twice on one ballot", c+1)
				}
				seen[c] = bno
			}
			ranks = append(ranks, rank)
		}
		e.Ballots = append(e.Ballots, count.Ballot{Weight: weight, Ranks: ranks})
	}
	p.line = li + 1
	if x.BallotIDs > 0 && x.BallotIDs != len(e.Ballots) {
		return nil, nil, p.errf(0, "", "%d ballots have ids and %d do not: use ids on all or none", x.BallotIDs, len(e.Ballots)-x.BallotIDs)
	}
	if p.inComment {
		return nil, nil, p.errf(p.line, "", "unterminated /* comment")
	}

	// Names and title: the rest of the file, line by line.
	if err := p.names(e, x, p.line); err != nil {
		return nil, nil, err
	}
	e.Withdrawn = withdrawn
	if withdrawn != nil {
		left := 0
		for _, w := range withdrawn {
			if !w {
				left++
			}
		}
		if left < seats {
			return nil, nil, p.errf(hl, "field 2 (seats)", "%d seats but only %d candidates not withdrawn", seats, left)
		}
	}
	return e, x, nil
}

// replaceInvalid replaces each byte of data that is not part of valid UTF-8
// with U+FFFD.
func replaceInvalid(data []byte) []byte {
	out := make([]byte, 0, len(data)+16)
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
			data = data[1:]
			continue
		}
		out = append(out, data[:size]...)
		data = data[size:]
	}
	return out
}

// number parses a whole decimal number of at most 15 digits.
func number(f []byte) (int64, bool) {
	if len(f) == 0 || len(f) > 15 {
		return 0, false
	}
	var v int64
	for _, c := range f {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// fields splits a ballot line into fields, dropping comments ("#" to the end of
// the line, "/* ... */" which may span lines).
//
// Fields are start and end offsets, not slices: storing slices would mean a
// write barrier per field while the collector runs.
func (p *parser) fields(line []byte, out [][2]int) [][2]int {
	i := 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\v' || line[i] == '\f') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\v' && line[j] != '\f' {
			j++
		}
		if i == j {
			break
		}
		f := line[i:j]
		i = j
		if p.inComment {
			if bytes.HasSuffix(f, []byte("*/")) {
				p.inComment = false
			}
			continue
		}
		if bytes.HasPrefix(f, []byte("/*")) {
			if len(f) < 4 || !bytes.HasSuffix(f, []byte("*/")) {
				p.inComment = true
			}
			continue
		}
		if f[0] == '#' {
			break
		}
		out = append(out, [2]int{j - len(f), j})
	}
	return out
}

// alloc hands out small slices from shared blocks: an election has one rank
// slice per preference, and one allocation each would dominate parsing.
// Blocks grow geometrically, so small files stay small.
type alloc struct {
	intBuf   []int
	rankBuf  [][]int
	intNext  int
	rankNext int
}

func grow(next *int, k int) int {
	*next = min(max(*next*2, 256), 1<<16)
	return max(k, *next)
}

func (a *alloc) ints(k int) []int {
	if len(a.intBuf) < k {
		a.intBuf = make([]int, grow(&a.intNext, k))
	}
	s := a.intBuf[:k:k]
	a.intBuf = a.intBuf[k:]
	return s
}

// ranks returns an empty slice with room for k ranks.
func (a *alloc) ranks(k int) [][]int {
	if len(a.rankBuf) < k {
		a.rankBuf = make([][]int, grow(&a.rankNext, k))
	}
	s := a.rankBuf[:0:k]
	a.rankBuf = a.rankBuf[k:]
	return s
}

// fill2 peeks at the next token without consuming it.
func (p *parser) fill2() (token, bool) {
	if !p.fill() {
		return token{}, false
	}
	return p.toks[p.pos], true
}

// candidate resolves a preference: a 1-based number or a [nick] nickname.
func (p *parser) candidate(s string) (int, error) {
	if isDigits(s) {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > p.ncand {
			return 0, fmt.Errorf("candidate %q is not in 1..%d", s, p.ncand)
		}
		return v - 1, nil
	}
	if c, ok := p.nick[s]; ok {
		return c, nil
	}
	if s == "" {
		return 0, fmt.Errorf("empty candidate in an equal ranking")
	}
	return 0, fmt.Errorf("%q is not a candidate number 1..%d", s, p.ncand)
}

// option reads a Droop "[name words...]" option, which may span tokens on one line.
func (p *parser) option(t token, x *Extra, withdraw func(token, int) error) error {
	field := fmt.Sprintf("field %d (option)", t.col)
	name := strings.TrimPrefix(t.text, "[")
	var words []token
	closed := strings.HasSuffix(name, "]")
	name = strings.TrimSuffix(name, "]")
	for !closed {
		u, ok := p.next()
		if !ok || u.line != t.line {
			return p.errf(t.line, field, "option %q has no closing ]", t.text)
		}
		w := u.text
		if strings.HasSuffix(w, "]") {
			closed = true
			w = strings.TrimSuffix(w, "]")
		}
		if w != "" {
			words = append(words, token{w, u.line, u.col})
		}
	}
	switch name {
	case "tie":
		if len(words) != p.ncand {
			return p.errf(t.line, field, "[tie] lists %d candidates; it must list each of the %d once", len(words), p.ncand)
		}
		seen := make([]bool, p.ncand)
		x.TieOrder = x.TieOrder[:0]
		for _, w := range words {
			c, err := p.candidate(w.text)
			if err != nil {
				return p.errf(w.line, fmt.Sprintf("field %d (tie order)", w.col), "%v", err)
			}
			if seen[c] {
				return p.errf(w.line, fmt.Sprintf("field %d (tie order)", w.col), "candidate %d listed twice", c+1)
			}
			seen[c] = true
			x.TieOrder = append(x.TieOrder, c)
		}
	case "nick":
		if len(words) != p.ncand {
			return p.errf(t.line, field, "[nick] lists %d names; it must name each of the %d candidates", len(words), p.ncand)
		}
		p.nick = map[string]int{}
		for i, w := range words {
			if _, dup := p.nick[w.text]; dup {
				return p.errf(w.line, fmt.Sprintf("field %d (nickname)", w.col), "nickname %q used twice", w.text)
			}
			if isDigits(w.text) {
				return p.errf(w.line, fmt.Sprintf("field %d (nickname)", w.col), "nickname %q is a number", w.text)
			}
			p.nick[w.text] = i
			x.Nicknames = append(x.Nicknames, w.text)
		}
	case "withdrawn":
		for _, w := range words {
			c, err := p.candidate(w.text)
			if err != nil {
				return p.errf(w.line, fmt.Sprintf("field %d (withdrawn candidate)", w.col), "%v", err)
			}
			if err := withdraw(w, c); err != nil {
				return err
			}
		}
	case "droop":
		for _, w := range words {
			x.Options = append(x.Options, w.text)
		}
	default:
		return p.errf(t.line, field, "unknown option [%s]", name)
	}
	return nil
}

// names reads the candidate names and the title from line index from on. Names are
// one to a line (the common case, and the only reading of unquoted names); when
// there are too few lines for that, the names are a run of quoted strings. After the
// title Droop allows a quoted source and a quoted comment; anything after those is
// ignored with a warning that names its first line.
func (p *parser) names(e *count.Election, x *Extra, from int) error {
	type item struct {
		text string
		line int
	}
	var items []item
	for i := from; i < p.nlines(); i++ {
		s := strings.TrimSpace(string(p.lineAt(i)))
		if s != "" {
			items = append(items, item{s, i + 1})
		}
	}
	n := p.ncand
	names := make([]string, 0, n)
	if len(items) >= n {
		for i := 0; i < n; i++ {
			nm, err := lineName(items[i].text)
			if err != nil {
				return p.errf(items[i].line, fmt.Sprintf("candidate name %d", i+1), "%v", err)
			}
			names = append(names, nm)
		}
		if len(items) > n {
			title := items[n].text
			if strings.HasPrefix(title, `"`) {
				q, rest, err := quoted(title)
				if err != nil || strings.TrimSpace(rest) != "" {
					// A title is free text; keep an odd one whole rather than refuse the file.
					q = strings.Trim(title, `"`)
				}
				title = q
			}
			e.Title = strings.TrimSpace(title)
		}
		rest := items[min(len(items), n+1):]
		for i := 0; i < 2 && len(rest) > 0 && strings.HasPrefix(rest[0].text, `"`); i++ {
			q, after, err := quoted(rest[0].text)
			if err != nil || strings.TrimSpace(after) != "" {
				break
			}
			if i == 0 {
				x.Source = q
			} else {
				x.Comment = q
			}
			rest = rest[1:]
		}
		if len(rest) > 0 {
			// Droop ignores notes after the title, source and comment (the ERS test
			// files carry some); so do we, but say so: they may be ballots misplaced.
			more := ""
			if len(rest) > 1 {
				more = fmt.Sprintf(" and %d more line(s) to line %d", len(rest)-1, rest[len(rest)-1].line)
			}
			x.Warnings = append(x.Warnings, fmt.Sprintf("%s:%d: ignored %q%s, after the end of the BLT file (the candidate names, the title, and a quoted source and comment)",
				p.file, rest[0].line, clip(rest[0].text), more))
		}
	} else {
		// Standard BLT also allows several quoted names on one line.
		var all []item
		for _, it := range items {
			s := it.text
			for strings.TrimSpace(s) != "" {
				s = strings.TrimSpace(s)
				if !strings.HasPrefix(s, `"`) {
					return p.errf(it.line, fmt.Sprintf("candidate name %d", len(all)+1), "expected %d candidate names, one per line or quoted; found %q", n, clip(s))
				}
				q, rest, err := quoted(s)
				if err != nil {
					return p.errf(it.line, fmt.Sprintf("candidate name %d", len(all)+1), "%v", err)
				}
				all = append(all, item{strings.TrimSpace(q), it.line})
				s = rest
			}
		}
		if len(all) < n {
			return p.errf(p.nlines(), "", "expected %d candidate names after the ballots, found %d", n, len(all))
		}
		for _, it := range all[:n] {
			names = append(names, it.text)
		}
		if len(all) > n {
			e.Title = all[n].text
		}
		if len(all) > n+1 {
			x.Source = all[n+1].text
		}
		if len(all) > n+2 {
			x.Comment = all[n+2].text
		}
		if len(all) > n+3 {
			x.Warnings = append(x.Warnings, fmt.Sprintf("%s:%d: ignored %q and what follows it, after the end of the BLT file (the candidate names, the title, and a quoted source and comment)",
				p.file, all[n+3].line, clip(all[n+3].text)))
		}
	}
	seen := map[string]int{}
	for i, nm := range names {
		if nm == "" {
			return p.errf(0, fmt.Sprintf("candidate name %d", i+1), "empty name")
		}
		if j, dup := seen[nm]; dup {
			return p.errf(0, fmt.Sprintf("candidate name %d", i+1), "%q is also the name of candidate %d; results are reported by name", nm, j+1)
		}
		seen[nm] = i
	}
	e.Candidates = names
	return nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// lineName reads one name line in any of the dialects.
func lineName(s string) (string, error) {
	if !strings.HasPrefix(s, `"`) {
		// Unquoted: the whole line, e.g. `Alistair Mason` or `John B COX (SNP)`.
		return strings.Join(strings.Fields(s), " "), nil
	}
	name, rest, err := quoted(s)
	if err != nil {
		return "", err
	}
	name = strings.Join(strings.Fields(name), " ")
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return name, nil
	}
	if strings.HasPrefix(rest, `"`) {
		// `"Name" "Party"`: the second string is the party, which the shared
		// Election form has no field for; the name stands alone, as the other
		// dialects' readers and the conformance check's name matching expect.
		_, rest2, err := quoted(rest)
		if err != nil {
			return "", err
		}
		if strings.TrimSpace(rest2) != "" {
			return "", fmt.Errorf("unexpected %q after name and party", clip(strings.TrimSpace(rest2)))
		}
		return name, nil
	}
	return "", fmt.Errorf("unexpected %q after quoted name", clip(rest))
}

// quoted reads a double-quoted string at the start of s, where "" stands for one
// quote mark, and returns it with the rest of s.
func quoted(s string) (string, string, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == '"' {
			if i+1 < len(s) && s[i+1] == '"' {
				b.WriteByte('"')
				i++
				continue
			}
			return b.String(), s[i+1:], nil
		}
		b.WriteByte(s[i])
	}
	return "", "", fmt.Errorf("no closing quote in %q", clip(s))
}
