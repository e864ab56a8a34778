package svg

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/rules"
)

func loadExample(t *testing.T, name string) *rules.RuleBook {
	t.Helper()
	rb, err := rules.LoadFile("../../examples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

// checkProcedure checks a drawing and description of d against it: every state is
// a box showing its name, no two boxes overlap, every step is named in the drawing
// and described in the text, and refused steps say so.
func checkProcedure(t *testing.T, d *rules.Discipline) (*node, []string) {
	t.Helper()
	svg, text := Procedure(d)
	root := checkDrawing(t, string(svg))
	all := strings.Join(strings.Fields(root.textContent()), " ")
	joined := strings.Join(text, "\n")

	boxes := map[string]rect{}
	for _, g := range root.find("g", "proc-state") {
		id := g.attr("data-state")
		st := d.States[id]
		if st == nil {
			t.Errorf("a box for unknown state %q", id)
			continue
		}
		if _, dup := boxes[id]; dup {
			t.Errorf("state %s drawn twice", id)
		}
		rs := g.find("rect", "proc-box")
		if len(rs) != 1 {
			t.Fatalf("state %s: %d boxes", id, len(rs))
		}
		r := rs[0]
		boxes[id] = rect{r.float(t, "x"), r.float(t, "y"), r.float(t, "width"), r.float(t, "height")}
		if shown := strings.Join(strings.Fields(g.textContent()), " "); !strings.Contains(shown, strings.Join(strings.Fields(st.Name), " ")) {
			t.Errorf("state %s shows %q, not its name %q", id, shown, st.Name)
		}
		if g.hasClass("proc-closed") != st.Closed {
			t.Errorf("state %s: closed %v, class %q", id, st.Closed, g.attr("class"))
		}
		initial := false
		for _, s := range d.Initial {
			initial = initial || s == id
		}
		if g.hasClass("proc-initial") != initial {
			t.Errorf("state %s: initial %v, class %q", id, initial, g.attr("class"))
		}
		if !strings.Contains(joined, "State "+st.Name+" ("+id+")") {
			t.Errorf("the description does not list state %s", id)
		}
	}
	for _, id := range d.StateOrder {
		if _, ok := boxes[id]; !ok && d.States[id] != nil {
			t.Errorf("state %s not drawn", id)
		}
	}
	for a, ra := range boxes {
		for b, rb := range boxes {
			if a < b && ra.overlaps(rb) {
				t.Errorf("boxes of %s %v and %s %v overlap", a, ra, b, rb)
			}
		}
	}
	name := func(id string) string {
		switch id {
		case "*open":
			return "Any open state"
		case "*closed":
			return "Any closed state"
		}
		return d.States[id].Name
	}
	for _, tid := range d.TransOrder {
		tr := d.Transitions[tid]
		if !strings.Contains(all, strings.Join(strings.Fields(tr.Name), " ")) {
			t.Errorf("step %s (%q) not in the drawing", tid, tr.Name)
		}
		for _, f := range tr.From {
			to := "same state"
			switch {
			case tr.To != "":
				to = name(tr.To)
			case !strings.HasPrefix(f, "*"):
				to = name(f)
			}
			want := name(f) + " → " + to + ": " + tr.Name + " (by " + strings.Join(tr.By, ", ")
			if !strings.Contains(joined, want) {
				t.Errorf("step %s from %s: no line %q in\n%s", tid, f, want, joined)
			}
		}
		if !tr.IsPermitted() {
			if !strings.Contains(joined, tr.Name+" (by "+strings.Join(tr.By, ", ")+", clause "+tr.Clause+") — refused by clause "+tr.Clause) {
				t.Errorf("refused step %s not described as refused", tid)
			}
			if !strings.Contains(all, "refused by clause "+tr.Clause) {
				t.Errorf("refused step %s not marked in the drawing", tid)
			}
		}
	}
	return root, text
}

func TestProcedureExamples(t *testing.T) {
	for _, f := range []string{"labour-2016.yaml", "union-2019.yaml"} {
		rb := loadExample(t, f)
		for _, v := range rb.Versions {
			t.Run(f+"/"+v.ID, func(t *testing.T) {
				if v.Discipline == nil {
					t.Fatal("the example declares a procedure")
				}
				root, text := checkProcedure(t, v.Discipline)
				// Steps from every open state are listed once under the diagram,
				// not drawn from each state.
				notes := root.find("g", "proc-notes")
				if len(notes) != 1 || !strings.Contains(notes[0].textContent(), "Any open state") {
					t.Errorf("no note of the steps from every open state")
				}
				// Step labels cover neither a state nor each other.
				var boxes, labels []rect
				for _, r := range root.find("rect", "proc-box") {
					boxes = append(boxes, rect{r.float(t, "x"), r.float(t, "y"), r.float(t, "width"), r.float(t, "height")})
				}
				for _, r := range root.find("rect", "proc-label-bg") {
					labels = append(labels, rect{r.float(t, "x"), r.float(t, "y"), r.float(t, "width"), r.float(t, "height")})
				}
				for i, a := range labels {
					for _, b := range boxes {
						if a.overlaps(b) {
							t.Errorf("label %v covers state %v", a, b)
						}
					}
					for _, b := range labels[i+1:] {
						if a.overlaps(b) {
							t.Errorf("labels %v and %v overlap", a, b)
						}
					}
				}
				again, text2 := Procedure(v.Discipline)
				if svg, _ := Procedure(v.Discipline); svg != again || strings.Join(text, "\n") != strings.Join(text2, "\n") {
					t.Errorf("not deterministic")
				}
			})
		}
	}
	// The 2016 Labour rule book refuses a review of the NCC's decisions.
	v := loadExample(t, "labour-2016.yaml").Versions[2]
	_, text := Procedure(v.Discipline)
	want := "Any closed state → same state: Review the NCC's decision (by nec, nec_officers, clause 6.I.1.D) — refused by clause 6.I.1.D"
	if !strings.Contains(strings.Join(text, "\n"), want) {
		t.Errorf("no line %q", want)
	}
	// Loops: the union lists a hearing again from the state it leads to.
	u := loadExample(t, "union-2019.yaml").Versions[0]
	_, text = Procedure(u.Discipline)
	want = "Hearing listed → Hearing listed: List the hearing (by disciplinary_committee, clause 9.1)"
	if !strings.Contains(strings.Join(text, "\n"), want) {
		t.Errorf("no line %q", want)
	}
}

// TestProcedureRefusedAndEscaped amends the union example: a state whose name is
// markup, and a step from a closed state the rule book refuses, which is drawn
// dashed.
func TestProcedureRefusedAndEscaped(t *testing.T) {
	base, err := os.ReadFile("../../examples/union-2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(base)
	for _, r := range [][2]string{
		{"{id: received, name: Received, deadline: 5 working days}", `{id: received, name: '<script>alert("x")</script> & co', deadline: 5 working days}`},
		{"      transitions:\n        - {id: acknowledge,", "      transitions:\n        - {id: reopen, name: Reopen the case, from: [closed], to: investigation, by: [member], permitted: false, clause: \"9.7\"}\n        - {id: acknowledge,"},
	} {
		if !strings.Contains(src, r[0]) {
			t.Fatalf("test is stale: %q not in the example", r[0])
		}
		src = strings.Replace(src, r[0], r[1], 1)
	}
	rb, err := rules.Load("union.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d := rb.Versions[0].Discipline
	svg, text := Procedure(d)
	s := string(svg)
	if strings.Contains(s, "<script") || !strings.Contains(s, "&lt;script&gt;") {
		t.Errorf("state name not escaped")
	}
	root, _ := checkProcedure(t, d)
	if !strings.Contains(root.textContent(), `<script>alert("x")</script> & co`) {
		t.Errorf("the name does not read back")
	}
	// The text is plain (the template escapes it).
	if !strings.Contains(strings.Join(text, "\n"), `State <script>alert("x")</script> & co (received)`) {
		t.Errorf("text: %q", text)
	}
	refused := root.find("path", "proc-refused")
	if len(refused) != 1 || refused[0].attr("stroke-dasharray") == "" {
		t.Errorf("the refused step is not one dashed arrow: %d", len(refused))
	}
	solid := 0
	for _, p := range root.find("path", "proc-step") {
		if !p.hasClass("proc-refused") {
			solid++
			if p.attr("stroke-dasharray") != "" {
				t.Errorf("a permitted step is dashed")
			}
		}
	}
	if solid == 0 {
		t.Errorf("no permitted steps drawn")
	}
}

func TestProcedureEmpty(t *testing.T) {
	for _, d := range []*rules.Discipline{nil, {}} {
		svg, text := Procedure(d)
		root := checkDrawing(t, string(svg))
		if len(text) == 0 || !strings.Contains(root.textContent(), "No data") {
			t.Errorf("an empty procedure: %q %s", text, svg)
		}
	}
}

// TestProcedureRandom draws random state machines: cycles, steps skipping columns,
// backwards and within a column, unreachable states, several first states, steps
// from every open or closed state, and names of every length.
func TestProcedureRandom(t *testing.T) {
	words := strings.Fields("case awaiting a decision of the hearing panel with charges referred appeal lodged <b>bold</b> & x Supercalifragilisticexpialidociouslylongword")
	no := false
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 7))
		d := &rules.Discipline{States: map[string]*rules.CaseState{}, Transitions: map[string]*rules.Transition{}, Initial: map[string]string{}}
		n := 1 + r.IntN(14)
		for i := range n {
			id := fmt.Sprintf("s%d", i)
			var name []string
			for range 1 + r.IntN(7) {
				name = append(name, words[r.IntN(len(words))])
			}
			d.States[id] = &rules.CaseState{ID: id, Name: strings.Join(name, " "), Closed: r.IntN(5) == 0}
			d.StateOrder = append(d.StateOrder, id)
		}
		for k := range r.IntN(3) {
			d.Initial[fmt.Sprintf("kind%d", k)] = d.StateOrder[r.IntN(n)]
		}
		for i := range r.IntN(3 * n) {
			id := fmt.Sprintf("t%d", i)
			tr := &rules.Transition{ID: id, Name: fmt.Sprintf("Step %d %s", i, words[r.IntN(len(words))]), By: []string{"body"}, Clause: "1.2"}
			for range 1 + r.IntN(2) {
				switch x := r.IntN(12); x {
				case 0:
					tr.From = append(tr.From, "*open")
				case 1:
					tr.From = append(tr.From, "*closed")
				default:
					tr.From = append(tr.From, d.StateOrder[r.IntN(n)])
				}
			}
			if r.IntN(4) > 0 {
				tr.To = d.StateOrder[r.IntN(n)]
			}
			if r.IntN(6) == 0 {
				tr.Permitted = &no
			}
			d.Transitions[id] = tr
			d.TransOrder = append(d.TransOrder, id)
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) { checkProcedure(t, d) })
	}
}

// TestProcedureWithoutOrder draws a Discipline made by hand, without the
// declaration orders the loader keeps: states and steps are taken by id.
func TestProcedureWithoutOrder(t *testing.T) {
	d := &rules.Discipline{
		States: map[string]*rules.CaseState{
			"open": {ID: "open", Name: "Open"},
			"done": {ID: "done", Name: "Done", Closed: true},
		},
		Transitions: map[string]*rules.Transition{
			"close": {ID: "close", Name: "Close", From: []string{"open"}, To: "done", By: []string{"clerk"}, Clause: "1"},
		},
		Initial: map[string]string{"complaint": "open"},
	}
	svg, text := Procedure(d)
	root := checkDrawing(t, string(svg))
	if n := len(root.find("rect", "proc-box")); n != 2 {
		t.Errorf("%d boxes", n)
	}
	if !strings.Contains(strings.Join(text, "\n"), "Open → Done: Close (by clerk, clause 1)") {
		t.Errorf("text %q", text)
	}
}
