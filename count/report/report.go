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
	"slices"
	"strings"

	"github.com/rulebook/rulebook/count"
)

//go:embed report.html.tmpl
var files embed.FS

var page = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"join": strings.Join,
}).ParseFS(files, "report.html.tmpl"))

// Geometry of the drawings, in SVG user units.
const (
	chartWidth = 420 // longest bar
	labelWidth = 220
	barHeight  = 18
	barGap     = 6
	flowWidth  = 720
	flowGapY   = 10
	flowMaxBar = 28
)

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
	LabelX, LabelY  int
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
	Flows       []Flow
	Nodes       []Node
	FlowHeight  int
	Rows        []Row
}

// Row is one line of the round's table.
type Row struct{ Name, Votes, Transfer, Status string }

// View is the whole page.
type View struct {
	R      *count.Result
	Rounds []RoundView
	Width  int
}

// Write renders r as a whole HTML page to w.
func Write(w io.Writer, r *count.Result) error {
	v, err := build(r)
	if err != nil {
		return err
	}
	return page.Execute(w, v)
}

// WriteFragment renders r as one <div class="rulebook-count"> for a page that has its
// own head (the web UI); that page includes Style() in a <style> element.
func WriteFragment(w io.Writer, r *count.Result) error {
	v, err := build(r)
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

func build(r *count.Result) (*View, error) {
	v := &View{R: r, Width: labelWidth + chartWidth + 120}
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
	for _, rd := range r.Rounds {
		rv := RoundView{Round: rd}
		names := slices.Clone(r.Candidates)
		for n := range rd.Tally {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		y := 0
		for _, n := range names {
			s, ok := rd.Tally[n]
			status := ""
			if slices.Contains(rd.Elected, n) {
				status = "elected"
			} else if slices.Contains(rd.Eliminated, n) {
				status = "excluded"
			}
			if ok || rd.Transfers[n] != "" || status != "" {
				rv.Rows = append(rv.Rows, Row{Name: n, Votes: s, Transfer: rd.Transfers[n], Status: status})
			}
			if !ok {
				continue
			}
			x, _ := rat(s)
			width := 0
			if maxVotes.Sign() > 0 && x.Sign() > 0 {
				width = max(1, scale(x, maxVotes, chartWidth))
			}
			rv.Bars = append(rv.Bars, Bar{Name: n, Votes: s, Y: y, Width: width, Class: status})
			y += barHeight + barGap
		}
		if t := rd.Transfers["exhausted"]; t != "" || rd.Exhausted != "" {
			rv.Rows = append(rv.Rows, Row{Name: "exhausted", Votes: rd.Exhausted, Transfer: t})
		}
		rv.ChartHeight = max(y, barHeight)
		if err := flows(&rv, r.Candidates); err != nil {
			return nil, err
		}
		v.Rounds = append(v.Rounds, rv)
	}
	return v, nil
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
	rv.Nodes = append(rv.Nodes, Node{Name: strings.Join(from, " + "), Votes: label, X: 150, Y: 0, H: full, Anchor: "end"})
	used, y := 0, 0
	for _, t := range to {
		sw := max(1, scale(t.amt, gained, full))
		y0 := used + sw/2
		y1 := y + sw/2
		x0, x1 := 156, flowWidth-156
		rv.Flows = append(rv.Flows, Flow{From: strings.Join(from, " + "), To: t.name, Votes: rv.Transfers[t.name],
			Path:   fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x0, y0, (x0+x1)/2, y0, (x0+x1)/2, y1, x1, y1),
			Stroke: sw, LabelX: (x0 + x1) / 2, LabelY: (y0 + y1) / 2})
		rv.Nodes = append(rv.Nodes, Node{Name: t.name, Votes: "+" + rv.Transfers[t.name], X: flowWidth - 150, Y: y, H: sw, Anchor: "start"})
		used += sw
		y += max(sw, 14) + flowGapY
	}
	rv.FlowHeight = max(full, y)
	return nil
}

// decimals is the number of decimal places in a decimal string.
func decimals(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}
