package svg

import (
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook/rules"
)

// Procedure draws a disciplinary procedure's state machine: states as labelled boxes
// (closed states grey with a double border, first states with a thick border and the
// kinds of case that start there), steps as arrows labelled with their names and,
// smaller, the bodies who take them and their clauses. A step that leaves the case
// where it is is drawn as a loop; steps from "*open" (every open state) or "*closed"
// (every closed state) are listed in a note under the diagram instead of being drawn
// from every state; steps the rule book does not permit are dashed and marked
// "refused by clause X". States are laid out in columns by their distance from the
// first states (closed states last), ordered within a column to follow their
// predecessors.
//
// It also returns a plain-text description for people who cannot see the diagram:
// every state, then every step as "from → to: name (by …, clause …)". The lines are
// not escaped (html/template escapes them where they are shown).
func Procedure(d *rules.Discipline) (svg template.HTML, text []string) {
	if d == nil || len(d.States) == 0 {
		return noData(uid("procedure"), "proc", "Disciplinary procedure", 480, 120), []string{"No disciplinary procedure is declared."}
	}
	p := layoutProcedure(d)
	return p.draw(), p.text
}

// Layout constants, in pixels.
const (
	boxW     = 156.0
	colGap   = 190.0
	margin   = 24.0
	nameRune = 20 // runes per line of a state's name
)

type state struct {
	st         *rules.CaseState
	initial    []string // kinds of case that start here
	col, row   int
	x, y, h    float64
	name, note []string // wrapped name; smaller lines (first state of…, deadline, closed)
	loop       *edge
	above      float64 // room above the box for its loop
	bary       float64
}

// edge is every step from one state to another (or the same), permitted or not.
type edge struct {
	from, to *state
	refused  bool
	steps    []*rules.Transition
	colour   int
	lines    []labelLine
	lw, lh   float64
	// The path, the points that bound it and where its label went.
	d      string
	pts    []point
	lx, ly float64 // label box top left
}

type labelLine struct {
	text  string
	small bool
}

type point struct{ x, y float64 }

type rect struct{ x, y, w, h float64 }

func (a rect) overlaps(b rect) bool {
	return a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h
}

// note is a step from "*open" or "*closed", listed under the diagram.
type note struct {
	text    string
	refused bool
}

type procedure struct {
	id     string
	d      *rules.Discipline
	states []*state
	byID   map[string]*state
	edges  []*edge
	notes  []note
	text   []string
	ncols  int
	w, h   float64
	notesY float64
}

func stepLabel(t *rules.Transition) []labelLine {
	var out []labelLine
	for _, l := range wrap(t.Name, 26) {
		out = append(out, labelLine{text: l})
	}
	small := "by " + strings.Join(t.By, ", ")
	if t.Clause != "" {
		small += " · " + t.Clause
	}
	for _, l := range wrap(small, 34) {
		out = append(out, labelLine{text: l, small: true})
	}
	if !t.IsPermitted() {
		out = append(out, labelLine{text: refusal(t), small: true})
	}
	return out
}

func labelSize(lines []labelLine) (float64, float64) {
	w, h := 0.0, 4.0
	for _, l := range lines {
		if l.small {
			w, h = math.Max(w, textWidth(l.text, 9.5)), h+12
		} else {
			w, h = math.Max(w, textWidth(l.text, 11)), h+13
		}
	}
	return w + 10, h
}

func stateName(d *rules.Discipline, id string) string {
	if st := d.States[id]; st != nil && st.Name != "" {
		return st.Name
	}
	return id
}

// refusal says that the rule book refuses a step, and under which clause.
func refusal(t *rules.Transition) string {
	if t.Clause == "" {
		return "refused by the rule book"
	}
	return "refused by clause " + t.Clause
}

// describeStep is the text line for one step from one state (or group) to another.
func describeStep(from, to string, t *rules.Transition) string {
	s := from + " → " + to + ": " + t.Name + " (by " + strings.Join(t.By, ", ")
	if t.Clause != "" {
		s += ", clause " + t.Clause
	}
	s += ")"
	if !t.IsPermitted() {
		s += " — " + refusal(t)
	}
	return s
}

func layoutProcedure(d *rules.Discipline) *procedure {
	p := &procedure{d: d, byID: map[string]*state{}}
	var idParts []string
	for _, id := range d.StateOrder {
		st := d.States[id]
		if st == nil || p.byID[id] != nil {
			continue
		}
		s := &state{st: st}
		p.states = append(p.states, s)
		p.byID[id] = s
		idParts = append(idParts, id, st.Name)
	}
	if len(p.states) == 0 {
		// StateOrder is missing (a Discipline not made by the rules loader).
		for _, id := range sortedKeys(d.States) {
			if st := d.States[id]; st != nil {
				s := &state{st: st}
				p.states = append(p.states, s)
				p.byID[id] = s
				idParts = append(idParts, id, st.Name)
			}
		}
	}
	kinds := make([]string, 0, len(d.Initial))
	for k := range d.Initial {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var starts []*state
	for _, k := range kinds {
		if s := p.byID[d.Initial[k]]; s != nil {
			if len(s.initial) == 0 {
				starts = append(starts, s)
			}
			s.initial = append(s.initial, k)
		}
	}

	// The text description: states, then steps.
	for _, s := range p.states {
		var facts []string
		if len(s.initial) > 0 {
			facts = append(facts, "first state of "+strings.Join(s.initial, ", ")+" cases")
		}
		if s.st.Closed {
			facts = append(facts, "closed")
		}
		if !s.st.Deadline.IsZero() {
			facts = append(facts, "deadline "+s.st.Deadline.String())
		}
		if s.st.Clause != "" {
			facts = append(facts, "clause "+s.st.Clause)
		}
		line := "State " + s.st.Name + " (" + s.st.ID + ")"
		if len(facts) > 0 {
			line += ": " + strings.Join(facts, "; ")
		}
		p.text = append(p.text, line+".")
	}

	// Steps: explicit ones become edges, grouped by from, to and whether refused;
	// those from every open or closed state become notes.
	groups := map[[2]string]map[bool]*edge{}
	order := d.TransOrder
	if len(order) == 0 {
		order = sortedKeys(d.Transitions)
	}
	for _, tid := range order {
		t := d.Transitions[tid]
		if t == nil {
			continue
		}
		idParts = append(idParts, tid, t.Name, t.To, strings.Join(t.From, ","), strings.Join(t.By, ","), t.Clause, strconv.FormatBool(t.IsPermitted()))
		seen := map[string]bool{}
		for _, f := range t.From {
			if seen[f] {
				continue
			}
			seen[f] = true
			switch f {
			case "*open", "*closed":
				group := "Any open state"
				if f == "*closed" {
					group = "Any closed state"
				}
				to := "same state"
				if t.To != "" {
					to = stateName(d, t.To)
				}
				p.text = append(p.text, describeStep(group, to, t))
				p.notes = append(p.notes, note{text: describeStep(group, to, t), refused: !t.IsPermitted()})
				continue
			}
			to := t.To
			if to == "" {
				to = f
			}
			p.text = append(p.text, describeStep(stateName(d, f), stateName(d, to), t))
			from, dest := p.byID[f], p.byID[to]
			if from == nil || dest == nil {
				continue
			}
			key := [2]string{f, to}
			if groups[key] == nil {
				groups[key] = map[bool]*edge{}
			}
			e := groups[key][!t.IsPermitted()]
			if e == nil {
				e = &edge{from: from, to: dest, refused: !t.IsPermitted()}
				groups[key][e.refused] = e
				p.edges = append(p.edges, e)
			}
			e.steps = append(e.steps, t)
		}
	}
	p.id = uid("procedure", idParts...)
	for i, e := range p.edges {
		e.colour = i
		for j, t := range e.steps {
			if j > 0 {
				e.lines = append(e.lines, labelLine{text: "", small: true})
			}
			e.lines = append(e.lines, stepLabel(t)...)
		}
		e.lw, e.lh = labelSize(e.lines)
	}

	p.columns(starts)
	p.place()
	p.route()
	return p
}

// columns puts each state in a column by its distance from the first states (closed
// states in a last column of their own, states no step reaches just before it) and
// orders each column by where its predecessors are.
func (p *procedure) columns(starts []*state) {
	if len(starts) == 0 {
		for _, s := range p.states {
			if !s.st.Closed {
				starts = append(starts, s)
				break
			}
		}
	}
	next := map[*state][]*state{}
	for _, e := range p.edges {
		if e.from != e.to && !e.to.st.Closed {
			next[e.from] = append(next[e.from], e.to)
		}
	}
	dist := map[*state]int{}
	queue := []*state{}
	for _, s := range starts {
		if !s.st.Closed {
			dist[s] = 0
			queue = append(queue, s)
		}
	}
	maxCol := 0
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		maxCol = max(maxCol, dist[s])
		for _, t := range next[s] {
			if _, ok := dist[t]; !ok {
				dist[t] = dist[s] + 1
				queue = append(queue, t)
			}
		}
	}
	unreached := false
	for _, s := range p.states {
		if _, ok := dist[s]; !ok && !s.st.Closed {
			unreached = true
		}
	}
	if unreached {
		maxCol++
	}
	anyOpen := len(dist) > 0 || unreached
	closedCol := maxCol + 1
	if !anyOpen {
		closedCol = 0
	}
	p.ncols = 0
	cols := map[int][]*state{}
	for _, s := range p.states {
		switch c, ok := dist[s]; {
		case s.st.Closed:
			s.col = closedCol
		case ok:
			s.col = c
		default:
			s.col = maxCol
		}
		cols[s.col] = append(cols[s.col], s)
		p.ncols = max(p.ncols, s.col+1)
	}
	// Order each column by the mean row of its neighbours in earlier columns.
	for c := 0; c < p.ncols; c++ {
		col := cols[c]
		for i, s := range col {
			sum, n := 0.0, 0
			for _, e := range p.edges {
				var o *state
				switch {
				case e.to == s && e.from.col < c:
					o = e.from
				case e.from == s && e.to.col < c:
					o = e.to
				}
				if o != nil {
					sum += float64(o.row)
					n++
				}
			}
			s.bary = float64(len(p.states) + i)
			if n > 0 {
				s.bary = sum / float64(n)
			}
		}
		sort.SliceStable(col, func(i, j int) bool { return col[i].bary < col[j].bary })
		for i, s := range col {
			s.row = i
		}
	}
}

// place sizes the state boxes and stacks each column, leaving room above a box for
// its loop and the loop's label.
func (p *procedure) place() {
	for _, e := range p.edges {
		if e.from == e.to {
			e.from.loop = e
		}
	}
	// A box is tall enough for the steps that meet it to arrive apart.
	in, out := map[*state]int{}, map[*state]int{}
	for _, e := range p.edges {
		if e.from != e.to {
			out[e.from]++
			in[e.to]++
		}
	}
	cols := make([][]*state, p.ncols)
	for _, s := range p.states {
		s.name = wrap(s.st.Name, nameRune)
		s.note = nil
		if len(s.initial) > 0 {
			s.note = append(s.note, wrap("▸ first state of "+strings.Join(s.initial, ", "), 26)...)
		}
		if !s.st.Deadline.IsZero() {
			s.note = append(s.note, "deadline "+s.st.Deadline.String())
		}
		if s.st.Closed {
			s.note = append(s.note, "closed")
		}
		s.h = 12 + 15*float64(len(s.name)) + 12*float64(len(s.note)) + 4
		s.h = math.Max(s.h, 10*float64(max(in[s], out[s])+1))
		if s.loop != nil {
			s.above = 38 + s.loop.lh
		}
		cols[s.col] = append(cols[s.col], s)
	}
	for c, col := range cols {
		sort.SliceStable(col, func(i, j int) bool { return col[i].row < col[j].row })
		y := 44.0
		for i, s := range col {
			if i > 0 {
				y += 44
			}
			y += s.above
			s.x = margin + float64(c)*(boxW+colGap)
			s.y = y
			y += s.h
		}
	}
}

func (s *state) box() rect { return rect{s.x, s.y, boxW, s.h} }

// route draws each edge and places its label where it overlaps no box or other
// label. A step to the next column (or the previous one) is a gentle curve between
// ports spread along the boxes' sides, with its label near the middle; a step to a
// state in the same column bows out to the right; a loop sits on top of its box with
// its label above it. A step that skips columns runs in a lane of its own under the
// diagram (down the gap beside its state, along the lane, up the gap beside its
// destination), labelled on the lane, so that it crosses no box.
func (p *procedure) route() {
	type port struct {
		e     *edge
		start bool
		key   float64
	}
	sides := map[*state]map[string][]port{}
	add := func(s *state, side string, e *edge, start bool, key float64) {
		if sides[s] == nil {
			sides[s] = map[string][]port{}
		}
		sides[s][side] = append(sides[s][side], port{e, start, key})
	}
	// Lanes: steps from further right run nearer the diagram, so that lanes and the
	// drops into them cross as little as possible.
	var lanes []*edge
	for _, e := range p.edges {
		if e.from != e.to && abs(e.to.col-e.from.col) > 1 {
			lanes = append(lanes, e)
		}
	}
	sort.SliceStable(lanes, func(i, j int) bool {
		a, b := lanes[i], lanes[j]
		af, bf := a.to.col > a.from.col, b.to.col > b.from.col
		if af != bf {
			return af
		}
		if a.from.col != b.from.col {
			return (a.from.col > b.from.col) == af
		}
		return a.from.row < b.from.row
	})
	lane := map[*edge]int{}
	for i, e := range lanes {
		lane[e] = i
	}
	for _, e := range p.edges {
		f, t := e.from, e.to
		k, isLane := lane[e]
		switch {
		case f == t:
		case isLane && t.col > f.col:
			add(f, "right", e, true, 1e6+float64(k))
			add(t, "left", e, false, 1e6+float64(k))
		case isLane:
			add(f, "left", e, true, 1e6+float64(k))
			add(t, "right", e, false, 1e6+float64(k))
		case t.col > f.col:
			add(f, "right", e, true, t.y+t.h/2)
			add(t, "left", e, false, f.y+f.h/2)
		case t.col == f.col:
			add(f, "right", e, true, t.y+t.h/2)
			add(t, "right", e, false, f.y+f.h/2)
		default:
			add(f, "bottom", e, true, t.x)
			add(t, "bottom", e, false, f.x)
		}
	}
	ends := map[*edge][2]point{}
	gap := map[*edge][2]float64{} // how far from the box each lane step turns, at each end
	for _, s := range p.states {
		for _, side := range []string{"left", "right", "bottom"} {
			ps := sides[s][side]
			sort.SliceStable(ps, func(i, j int) bool { return ps[i].key < ps[j].key })
			nl := 0
			for _, pt := range ps {
				if _, ok := lane[pt.e]; ok {
					nl++
				}
			}
			for k, pt := range ps {
				f := float64(k+1) / float64(len(ps)+1)
				var at point
				switch side {
				case "left":
					at = point{s.x, s.y + f*s.h}
				case "right":
					at = point{s.x + boxW, s.y + f*s.h}
				case "bottom":
					at = point{s.x + f*boxW, s.y + s.h}
				}
				pe, g := ends[pt.e], gap[pt.e]
				i := 0
				if !pt.start {
					i = 1
				}
				pe[i] = at
				// Deeper lanes (later in ps) turn nearer the box.
				g[i] = 14 + 10*float64(len(ps)-1-k)
				if nl > 0 {
					g[i] = 14 + 10*float64(min(len(ps)-1-k, nl-1))
				}
				ends[pt.e], gap[pt.e] = pe, g
			}
		}
	}
	var taken []rect
	bottom := 0.0
	for _, s := range p.states {
		taken = append(taken, s.box())
		bottom = math.Max(bottom, s.y+s.h)
	}
	free := func(r rect) bool {
		for _, o := range taken {
			if r.overlaps(o) {
				return false
			}
		}
		return true
	}
	// Loops first: their labels sit just above them.
	for _, e := range p.edges {
		if e.from != e.to {
			continue
		}
		s := e.from
		cx := s.x + boxW/2
		e.d = curve(point{cx - 20, s.y}, point{cx - 48, s.y - 40}, point{cx + 48, s.y - 40}, point{cx + 20, s.y})
		e.pts = []point{{cx - 48, s.y - 40}, {cx + 48, s.y - 40}}
		e.lx, e.ly = math.Max(4, cx-e.lw/2), s.y-34-e.lh
		taken = append(taken, rect{e.lx, e.ly, e.lw, e.lh})
	}
	for _, e := range p.edges {
		f, t := e.from, e.to
		if _, ok := lane[e]; ok || f == t {
			continue
		}
		p0, p3 := ends[e][0], ends[e][1]
		var c1, c2 point
		switch {
		case t.col > f.col:
			dx := math.Max(50, (p3.x-p0.x)*0.45)
			c1, c2 = point{p0.x + dx, p0.y}, point{p3.x - dx, p3.y}
		case t.col == f.col:
			bulge := 60 + 12*math.Abs(float64(t.row-f.row))
			c1, c2 = point{p0.x + bulge, p0.y}, point{p3.x + bulge, p3.y}
		default:
			yb := math.Max(p0.y, p3.y) + 40
			c1, c2 = point{p0.x, yb}, point{p3.x, yb}
		}
		e.d = curve(p0, c1, c2, p3)
		e.pts = []point{p0, c1, c2, p3}
		mid := point{(p0.x + 3*c1.x + 3*c2.x + p3.x) / 8, (p0.y + 3*c1.y + 3*c2.y + p3.y) / 8}
		// Try the middle, then further and further above and below it.
		best := rect{math.Max(4, mid.x-e.lw/2), mid.y - e.lh/2, e.lw, e.lh}
		for k := 0; k < 24; k++ {
			dy := float64((k+1)/2) * (e.lh/2 + 6)
			if k%2 == 1 {
				dy = -dy
			}
			r := rect{best.x, mid.y - e.lh/2 + dy, e.lw, e.lh}
			if r.y >= 30 && free(r) {
				best = r
				break
			}
		}
		e.lx, e.ly = best.x, best.y
		taken = append(taken, best)
	}
	// The lanes, under everything drawn so far.
	y := 0.0
	for _, r := range taken {
		y = math.Max(y, r.y+r.h)
	}
	for _, e := range p.edges {
		for _, pt := range e.pts {
			y = math.Max(y, pt.y)
		}
	}
	y += 26
	for _, e := range lanes {
		f, t := e.from, e.to
		ly := y + e.lh/2
		y += e.lh + 14
		p0, p3, g := ends[e][0], ends[e][1], gap[e]
		var x1, x2 float64
		if t.col > f.col {
			x1, x2 = f.x+boxW+g[0], t.x-g[1]
			e.lx = x1 + 10
		} else {
			x1, x2 = f.x-g[0], t.x+boxW+g[1]
			e.lx = x1 - 10 - e.lw
		}
		e.ly = ly - e.lh/2
		pts := []point{p0, {x1, p0.y}, {x1, ly}, {x2, ly}, {x2, p3.y}, p3}
		e.d = rounded(pts, 10)
		e.pts = pts
		taken = append(taken, rect{e.lx, e.ly, e.lw, e.lh})
	}
	// The drawing's extent.
	w, h := 0.0, bottom
	for _, r := range taken {
		w, h = math.Max(w, r.x+r.w), math.Max(h, r.y+r.h)
	}
	for _, e := range p.edges {
		for _, pt := range e.pts {
			w, h = math.Max(w, pt.x), math.Max(h, pt.y)
		}
	}
	p.w = math.Max(520, w+margin)
	p.notesY = h + 24
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// curve is the path data of a cubic Bézier curve.
func curve(p0, c1, c2, p3 point) string {
	return "M" + num(p0.x) + " " + num(p0.y) + " C" + num(c1.x) + " " + num(c1.y) + " " + num(c2.x) + " " + num(c2.y) + " " + num(p3.x) + " " + num(p3.y)
}

// rounded is the path data of a line through pts with its corners rounded.
func rounded(pts []point, r float64) string {
	var b strings.Builder
	b.WriteString("M" + num(pts[0].x) + " " + num(pts[0].y))
	for i := 1; i < len(pts)-1; i++ {
		a, c, n := pts[i-1], pts[i], pts[i+1]
		din, dout := math.Hypot(c.x-a.x, c.y-a.y), math.Hypot(n.x-c.x, n.y-c.y)
		rr := math.Min(r, math.Min(din, dout)/2)
		if din == 0 || dout == 0 || rr <= 0 {
			b.WriteString(" L" + num(c.x) + " " + num(c.y))
			continue
		}
		in := point{c.x - (c.x-a.x)/din*rr, c.y - (c.y-a.y)/din*rr}
		out := point{c.x + (n.x-c.x)/dout*rr, c.y + (n.y-c.y)/dout*rr}
		b.WriteString(" L" + num(in.x) + " " + num(in.y) + " Q" + num(c.x) + " " + num(c.y) + " " + num(out.x) + " " + num(out.y))
	}
	last := pts[len(pts)-1]
	b.WriteString(" L" + num(last.x) + " " + num(last.y))
	return b.String()
}

func (p *procedure) draw() template.HTML {
	// The notes for steps from every open or closed state, wrapped to the width.
	perLine := max(30, int((p.w-2*margin-40)/(11*0.58)))
	type noteLine struct {
		text    string
		first   bool
		refused bool
	}
	var lines []noteLine
	for _, n := range p.notes {
		for i, l := range wrap(n.text, perLine) {
			lines = append(lines, noteLine{l, i == 0, n.refused})
		}
	}
	y := p.notesY
	if len(lines) > 0 {
		y += 20 + 15*float64(len(lines)) + 10
	}
	legendY := y + 10
	p.h = legendY + 40

	var desc strings.Builder
	desc.WriteString("State diagram of the disciplinary procedure: " + strconv.Itoa(len(p.states)) + " states (")
	for i, s := range p.states {
		if i > 0 {
			desc.WriteString(", ")
		}
		desc.WriteString(s.st.Name)
	}
	desc.WriteString(") and " + strconv.Itoa(len(p.d.Transitions)) + " steps. A list of every state and step goes with it.")

	d := &doc{id: p.id}
	d.open("proc", p.w, p.h, "Disciplinary procedure", desc.String())
	d.printf("<defs>")
	for i := range palette {
		d.printf(`<marker id="%s-a%d" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0 L10 5 L0 10 Z" fill="%s"/></marker>`, p.id, i, palette[i])
	}
	d.printf("</defs>")
	d.text(margin, 22, 14, textColour, "", "proc-title", "Disciplinary procedure", `font-weight="bold"`)

	// Edges under the boxes, their labels over everything.
	d.printf(`<g class="proc-steps" fill="none">`)
	for _, e := range p.edges {
		ci := e.colour % len(palette)
		cls := "proc-step"
		if e.refused {
			cls += " proc-refused"
		}
		d.printf(`<path class="%s" d="%s" stroke="%s" stroke-width="1.6"`, cls, e.d, palette[ci])
		if e.refused {
			d.printf(` stroke-dasharray="6 4"`)
		}
		d.printf(` marker-end="url(#%s-a%d)"/>`, p.id, ci)
	}
	d.printf("</g>")

	for _, s := range p.states {
		cls := "proc-state"
		fill, stroke, sw := "#ffffff", "#333333", "1.2"
		if len(s.initial) > 0 {
			cls += " proc-initial"
			fill, sw = "#eef4fb", "3"
		}
		if s.st.Closed {
			cls += " proc-closed"
			fill = "#ececec"
		}
		d.printf(`<g class="%s" data-state="%s">`, cls, esc(s.st.ID))
		d.printf(`<rect class="proc-box" x="%s" y="%s" width="%s" height="%s" rx="6" fill="%s" stroke="%s" stroke-width="%s"/>`,
			num(s.x), num(s.y), num(boxW), num(s.h), fill, stroke, sw)
		if s.st.Closed {
			d.printf(`<rect class="proc-box-inner" x="%s" y="%s" width="%s" height="%s" rx="4" fill="none" stroke="%s" stroke-width="1"/>`,
				num(s.x+3.5), num(s.y+3.5), num(boxW-7), num(s.h-7), stroke)
		}
		ty := s.y + 8
		for _, l := range s.name {
			ty += 15
			d.text(s.x+boxW/2, ty, 12, textColour, "middle", "proc-state-name", l, `font-weight="bold"`)
		}
		for _, l := range s.note {
			ty += 12
			d.text(s.x+boxW/2, ty, 9.5, mutedColour, "middle", "proc-state-note", l, "")
		}
		d.printf("</g>")
	}

	d.printf(`<g class="proc-labels">`)
	for _, e := range p.edges {
		c := palette[e.colour%len(palette)]
		d.printf(`<rect class="proc-label-bg" x="%s" y="%s" width="%s" height="%s" rx="3" fill="#ffffff" fill-opacity="0.94" stroke="%s" stroke-width="0.6"`,
			num(e.lx), num(e.ly), num(e.lw), num(e.lh), c)
		if e.refused {
			d.printf(` stroke-dasharray="3 2"`)
		}
		d.printf("/>")
		ty := e.ly + 2
		for _, l := range e.lines {
			if l.small {
				ty += 12
				if l.text != "" {
					d.text(e.lx+e.lw/2, ty-2, 9.5, mutedColour, "middle", "proc-step-by", l.text, "")
				}
			} else {
				ty += 13
				d.text(e.lx+e.lw/2, ty-2, 11, c, "middle", "proc-step-name", l.text, "")
			}
		}
	}
	d.printf("</g>")

	if len(lines) > 0 {
		y := p.notesY
		d.printf(`<g class="proc-notes">`)
		d.text(margin, y+12, 12, textColour, "", "proc-notes-title", "Steps from every open or every closed state (not drawn):", `font-weight="bold"`)
		y += 20
		for _, l := range lines {
			y += 15
			if l.first {
				d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.6"`, num(margin), num(y-4), num(margin+26), num(y-4), axisColour)
				if l.refused {
					d.printf(` stroke-dasharray="6 4"`)
				}
				d.printf("/>")
			}
			d.text(margin+34, y, 11, textColour, "", "proc-note", l.text, "")
		}
		d.printf("</g>")
	}

	// The key.
	x := margin
	d.printf(`<g class="proc-key">`)
	d.printf(`<rect x="%s" y="%s" width="22" height="14" rx="3" fill="#eef4fb" stroke="#333333" stroke-width="3"/>`, num(x), num(legendY))
	d.text(x+30, legendY+11, 11, textColour, "", "proc-key-text", "first state", "")
	x += 30 + textWidth("first state", 11) + 20
	d.printf(`<rect x="%s" y="%s" width="22" height="14" rx="3" fill="#ececec" stroke="#333333" stroke-width="1.2"/>`, num(x), num(legendY))
	d.printf(`<rect x="%s" y="%s" width="15" height="7" rx="2" fill="none" stroke="#333333" stroke-width="1"/>`, num(x+3.5), num(legendY+3.5))
	d.text(x+30, legendY+11, 11, textColour, "", "proc-key-text", "closed state", "")
	x += 30 + textWidth("closed state", 11) + 20
	d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.6"/>`, num(x), num(legendY+7), num(x+26), num(legendY+7), axisColour)
	d.text(x+32, legendY+11, 11, textColour, "", "proc-key-text", "step", "")
	x += 32 + textWidth("step", 11) + 20
	d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.6" stroke-dasharray="6 4"/>`, num(x), num(legendY+7), num(x+26), num(legendY+7), axisColour)
	d.text(x+32, legendY+11, 11, textColour, "", "proc-key-text", "refused by the rule book", "")
	d.printf("</g>")
	return d.close()
}
