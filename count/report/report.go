// Package report renders a count.Result as a self-contained HTML page: a summary, a
// round-by-round table, a bar chart per round and a transfer-flow diagram per round,
// drawn as inline SVG so the page needs no scripts, fonts or other files. The web UI
// embeds the same page.
package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"math/big"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rulebook/rulebook/count"
)

//go:embed report.html.tmpl
var files embed.FS

var page = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"join":      strings.Join,
	"thousands": Thousands,
	"add":       func(a, b int) int { return a + b },
	"seat":      func(round int) int { return round - 1 }, // list rounds: round 1 is the votes
}).ParseFS(files, "report.html.tmpl"))

// Geometry of the drawings, in SVG user units. Text is 12px; its width is estimated
// generously per character so that no label is clipped (see textWidth).
const (
	chartWidth = 420 // longest bar
	barHeight  = 18
	barGap     = 6
	flowSpan   = 420 // horizontal run of a transfer stream
	flowGapY   = 10
	flowMaxBar = 28
	charWidth  = 8 // upper estimate of one character's width at 12px
)

// textWidth estimates the width of s drawn at 12px, erring wide.
func textWidth(s string) int { return utf8.RuneCountInString(s)*charWidth + 4 }

// Bar is one candidate's bar in a round's chart.
type Bar struct {
	Name, Votes string
	Y, Width    int
	Class       string // "elected", "excluded" or ""
}

// Flow is one stream of a transfer diagram.
type Flow struct {
	From, To, Votes string
	Path            string // SVG path data
	Stroke          int
}

// Node is a labelled end of the transfer diagram.
type Node struct {
	Name, Votes string
	X, Y, H     int
	Anchor      string
}

// RoundView is what the template draws for one round.
type RoundView struct {
	count.Round
	Bars        []Bar
	ChartHeight int
	ChartWidth  int
	LabelX      int // right edge of the names; bars start just after
	Flows       []Flow
	Nodes       []Node
	FlowHeight  int
	FlowWidth   int
	Rows        []Row
	// ValueHead heads the table's second column: "Votes", or "Quotient" for the
	// rounds of a list allocation.
	ValueHead string
}

// Row is one line of the round's table.
type Row struct{ Name, Votes, Transfer, Status string }

// Meta is what the report says about the count beyond its result: where the ballots
// came from and how and when they were counted. Any field may be empty; the report
// then leaves that line out.
type Meta struct {
	File    string    // the ballot file's name, as given
	SHA256  string    // hex SHA-256 of the file's bytes
	Options string    // the method and rule options, as given (e.g. "--method ams --seats 11")
	Counted time.Time // when the count was made
	Version string    // rulebook's version
}

// Party is one line of a list allocation's table of parties.
type Party struct {
	Name, Votes, Share        string
	Constituency, List, Total int
	HasTotal, BelowThreshold  bool
	Members                   []string // list members elected, in list order
}

// View is the whole page.
type View struct {
	R          *count.Result
	Meta       Meta
	Title      string
	Method     string // the method's name in words
	Rounds     []RoundView
	Parties    []Party
	Awards     []AwardView
	List       bool // a list allocation (dhondt, sainte-lague, ams)
	Named      bool // the lists name their candidates
	PassedOver bool // some party was passed over because its list ran out
	Valid      string
	Rejected   string
	Exhaust    string // exhausted at the last round
	Quota      string
	Date       string
}

// AwardView is one seat of a list allocation.
type AwardView struct {
	count.Award
	Quotient   string
	PassedOver string
}

// methodNames names the methods in words for the report's summary.
var methodNames = map[string]string{
	"fptp":         "First past the post",
	"sv":           "Supplementary vote",
	"irv":          "Alternative vote (instant-runoff)",
	"stv-scottish": "Single transferable vote, Scottish local government rules",
	"stv-meek":     "Single transferable vote, Meek's method",
	"stv-wigm":     "Single transferable vote, weighted inclusive Gregory method",
	"dhondt":       "Party lists, D'Hondt highest averages",
	"sainte-lague": "Party lists, Sainte-Laguë highest averages",
	"ams":          "Additional member system (D'Hondt top-up)",
	"exhaustive":   "Exhaustive ballot",
	"college":      "Electoral college",
	"rctab-irv":    "Instant-runoff, RCTab rules",
	"rctab-stv":    "Single transferable vote, RCTab rules",
}

// MethodName names a counting method in words ("Alternative vote
// (instant-runoff)"); an id it does not know stands as it is.
func MethodName(id string) string {
	if n := methodNames[id]; n != "" {
		return n
	}
	return id
}

// Write renders r as a whole HTML page to w.
func Write(w io.Writer, r *count.Result) error { return WriteMeta(w, r, Meta{}) }

// WriteMeta renders r as a whole HTML page to w, with what m says about the count.
func WriteMeta(w io.Writer, r *count.Result, m Meta) error {
	v, err := build(r, m)
	if err != nil {
		return err
	}
	return page.Execute(w, v)
}

// WriteFragment renders r as one <div class="rulebook-count"> for a page that has its
// own head (the web UI); that page includes Style() in a <style> element.
func WriteFragment(w io.Writer, r *count.Result) error { return WriteFragmentMeta(w, r, Meta{}) }

// WriteFragmentMeta is WriteFragment with what m says about the count.
func WriteFragmentMeta(w io.Writer, r *count.Result, m Meta) error {
	v, err := build(r, m)
	if err != nil {
		return err
	}
	return page.ExecuteTemplate(w, "fragment", v)
}

// Style returns the report's stylesheet.
func Style() string {
	var b strings.Builder
	if err := page.ExecuteTemplate(&b, "style", nil); err != nil {
		panic(err) // the template is fixed at build time; tests execute it
	}
	return b.String()
}

// Quotient is a quotient as people read it: in thousands, without the zeros
// that end its fraction ("21,000", "13,333.333333").
func Quotient(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return Thousands(s)
}

// Thousands writes a decimal string with thousands separators in its whole part:
// "1234567.5" → "1,234,567.5", "-12000" → "-12,000". Anything that is not a plain
// decimal number is returned as it is.
func Thousands(s string) string {
	sign, rest := "", s
	if strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
		sign, rest = rest[:1], rest[1:]
	}
	whole, frac := rest, ""
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		whole, frac = rest[:i], rest[i:]
	}
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, ".0123456789") != "" || strings.Count(frac, ".") > 1 {
		return s
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteString(frac)
	return b.String()
}

func rat(s string) (*big.Rat, error) {
	if s == "" {
		return new(big.Rat), nil
	}
	x, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("report: %q is not a number", s)
	}
	return x, nil
}

// scale returns x/max*length, truncated to a whole unit; max > 0.
func scale(x, max *big.Rat, length int) int {
	q := new(big.Rat).Mul(x, big.NewRat(int64(length), 1))
	q.Quo(q, max)
	n := new(big.Int).Quo(q.Num(), q.Denom())
	return int(n.Int64())
}

func isList(r *count.Result) bool { return r.PartySeats != nil }

func build(r *count.Result, m Meta) (*View, error) {
	v := &View{R: r, Meta: m, List: isList(r), Method: MethodName(r.Method)}
	if v.Method == "" {
		v.Method = r.Method
	}
	v.Title = r.Title
	if v.Title == "" {
		switch {
		case r.Method == "ams":
			v.Title = fmt.Sprintf("Additional member system: %d list seats", r.Seats)
		case v.List:
			v.Title = fmt.Sprintf("%s: %d seats", v.Method, r.Seats)
		default:
			v.Title = v.Method + " count"
		}
		if m.File != "" {
			v.Title += " — " + path.Base(filepath.ToSlash(m.File))
		}
	}
	if !m.Counted.IsZero() {
		v.Date = m.Counted.UTC().Format("2 January 2006, 15:04 UTC")
	}
	v.Valid, v.Rejected, v.Quota = Thousands(r.Valid), Thousands(r.Rejected), Thousands(r.Quota)
	if n := len(r.Rounds); n > 0 && !v.List {
		v.Exhaust = Thousands(r.Rounds[n-1].Exhausted)
	}
	if v.List {
		v.Parties = parties(r)
		for _, a := range r.Awards {
			v.Awards = append(v.Awards, AwardView{Award: a, Quotient: Quotient(a.Quotient), PassedOver: strings.Join(a.PassedOver, ", ")})
			v.Named = v.Named || a.Candidate != ""
			v.PassedOver = v.PassedOver || len(a.PassedOver) > 0
		}
	}
	// One scale for every round's bars, so rounds can be compared by eye.
	maxVotes := new(big.Rat)
	for _, rd := range r.Rounds {
		for _, s := range rd.Tally {
			x, err := rat(s)
			if err != nil {
				return nil, err
			}
			if x.Cmp(maxVotes) > 0 {
				maxVotes = x
			}
		}
	}
	excluded := "excluded"
	if v.List {
		excluded = "below threshold"
	}
	for _, rd := range r.Rounds {
		rv := RoundView{Round: rd, ValueHead: "Votes"}
		if v.List && rd.Number > 1 {
			rv.ValueHead = "Quotient"
		}
		names := slices.Clone(r.Candidates)
		for n := range rd.Tally {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		slices.Sort(names[len(r.Candidates):])
		labelW, votesW := 0, 0
		for _, n := range names {
			if s, ok := rd.Tally[n]; ok {
				labelW = max(labelW, textWidth(n))
				votesW = max(votesW, textWidth(Thousands(s)))
			}
		}
		rv.LabelX = labelW + 4
		y := 0
		for _, n := range names {
			s, ok := rd.Tally[n]
			status := ""
			if slices.Contains(rd.Elected, n) {
				status = "elected"
			} else if slices.Contains(rd.Eliminated, n) {
				status = excluded
			}
			if ok || rd.Transfers[n] != "" || status != "" {
				rv.Rows = append(rv.Rows, Row{Name: n, Votes: Thousands(s), Transfer: Thousands(rd.Transfers[n]), Status: status})
			}
			if !ok {
				continue
			}
			x, _ := rat(s)
			width := 0
			if maxVotes.Sign() > 0 && x.Sign() > 0 {
				width = max(1, scale(x, maxVotes, chartWidth))
			}
			class := status
			if class == excluded {
				class = "excluded"
			}
			rv.Bars = append(rv.Bars, Bar{Name: n, Votes: Thousands(s), Y: y, Width: width, Class: class})
			y += barHeight + barGap
		}
		if t := rd.Transfers["exhausted"]; t != "" || rd.Exhausted != "" {
			rv.Rows = append(rv.Rows, Row{Name: "exhausted", Votes: Thousands(rd.Exhausted), Transfer: Thousands(t)})
		}
		rv.ChartHeight = max(y, barHeight)
		rv.ChartWidth = rv.LabelX + 6 + chartWidth + 6 + votesW
		if err := flows(&rv, r.Candidates); err != nil {
			return nil, err
		}
		v.Rounds = append(v.Rounds, rv)
	}
	return v, nil
}

// parties is the table of a list allocation: each party's votes and share, its seats,
// and the list members it elected in list order.
func parties(r *count.Result) []Party {
	var below []string
	if len(r.Rounds) > 0 {
		below = r.Rounds[0].Eliminated
	}
	var out []Party
	for _, name := range r.Candidates {
		p := Party{Name: name, List: r.PartySeats[name], Share: r.Shares[name], BelowThreshold: slices.Contains(below, name)}
		if len(r.Rounds) > 0 {
			p.Votes = Thousands(r.Rounds[0].Tally[name])
		}
		if r.TotalSeats != nil {
			p.HasTotal = true
			p.Total = r.TotalSeats[name]
			p.Constituency = p.Total - p.List
		}
		for _, a := range r.Awards {
			if a.Party == name && a.Candidate != "" {
				p.Members = append(p.Members, a.Candidate)
			}
		}
		out = append(out, p)
	}
	return out
}

// flows lays out the transfer diagram: the candidates who gave up votes this round
// form one node on the left (a count records what each receiver gained, not from whom
// when several gave at once), and one stream runs to each receiver on the right — a
// candidate or "exhausted" — as wide as the votes it received.
func flows(rv *RoundView, order []string) error {
	keys := slices.Clone(order)
	for k := range rv.Transfers {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	var from []string
	type recv struct {
		name string
		amt  *big.Rat
	}
	var to []recv
	given, gained := new(big.Rat), new(big.Rat)
	for _, k := range keys {
		s, ok := rv.Transfers[k]
		if !ok {
			continue
		}
		x, err := rat(s)
		if err != nil {
			return err
		}
		switch x.Sign() {
		case -1:
			from = append(from, k)
			given.Sub(given, x)
		case 1:
			to = append(to, recv{k, x})
			gained.Add(gained, x)
		}
	}
	if len(to) == 0 || gained.Sign() == 0 {
		return nil
	}
	if len(from) == 0 {
		from = []string{"(new votes)"}
	}
	full := flowMaxBar * max(2, len(to)) // height of the left node
	label := given.FloatString(0)
	if given.Sign() == 0 {
		label = gained.FloatString(0)
	}
	src := strings.Join(from, " + ")
	left := Node{Name: src, Votes: Thousands(label), Y: 0, H: full, Anchor: "end"}
	left.X = textWidth(left.Name+" ("+left.Votes+")") + 8
	rv.Nodes = append(rv.Nodes, left)
	x0, x1 := left.X+6, left.X+6+flowSpan
	rightW := 0
	used, y := 0, 0
	for _, t := range to {
		sw := max(1, scale(t.amt, gained, full))
		y0 := used + sw/2
		y1 := y + sw/2
		rv.Flows = append(rv.Flows, Flow{From: src, To: t.name, Votes: Thousands(rv.Transfers[t.name]),
			Path:   fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x0, y0, (x0+x1)/2, y0, (x0+x1)/2, y1, x1, y1),
			Stroke: sw})
		n := Node{Name: t.name, Votes: "+" + Thousands(rv.Transfers[t.name]), X: x1, Y: y, H: sw, Anchor: "start"}
		rightW = max(rightW, textWidth(n.Name+" ("+n.Votes+")"))
		rv.Nodes = append(rv.Nodes, n)
		used += sw
		y += max(sw, 14) + flowGapY
	}
	rv.FlowHeight = max(full, y)
	rv.FlowWidth = x1 + 6 + 10 + rightW + 8
	return nil
}

// decimals is the number of decimal places in a decimal string.
func decimals(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}
