package svg

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// node is an element of a parsed drawing.
type node struct {
	name     string
	attrs    map[string]string
	children []*node
	text     string // character data directly inside
}

func (n *node) attr(k string) string { return n.attrs[k] }

func (n *node) hasClass(c string) bool {
	for _, f := range strings.Fields(n.attrs["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

// all lists n and every element under it, in document order.
func (n *node) all() []*node {
	out := []*node{n}
	for _, c := range n.children {
		out = append(out, c.all()...)
	}
	return out
}

// find lists the elements under n (n included) with the given name and class
// ("" for any).
func (n *node) find(name, class string) []*node {
	var out []*node
	for _, e := range n.all() {
		if (name == "" || e.name == name) && (class == "" || e.hasClass(class)) {
			out = append(out, e)
		}
	}
	return out
}

// textContent is all the character data under n, one space between elements.
func (n *node) textContent() string {
	var parts []string
	for _, e := range n.all() {
		if t := strings.TrimSpace(e.text); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " ")
}

func (n *node) float(t testing.TB, k string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(n.attrs[k], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.name, k, n.attrs[k], err)
	}
	return f
}

// parse decodes a drawing with encoding/xml (strict), requiring one root element.
func parse(t testing.TB, s string) *node {
	t.Helper()
	root, err := parseXML(s)
	if err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, s)
	}
	return root
}

func parseXML(s string) (*node, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("a second root element <%s>", n.name)
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			} else if strings.TrimSpace(string(tok)) != "" {
				return nil, fmt.Errorf("text outside the root element: %q", tok)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

// checkDrawing checks what every drawing must satisfy: well-formed XML with an
// <svg> root that is a labelled image with exactly one <title>, no style, script or
// event attribute, and finite numbers in every numeric attribute.
func checkDrawing(t testing.TB, s string) *node {
	t.Helper()
	root := parse(t, s)
	if err := drawingProblem(root, s); err != "" {
		t.Fatalf("%s\n%s", err, s)
	}
	return root
}

var numericAttrs = map[string]bool{"x": true, "y": true, "x1": true, "y1": true, "x2": true, "y2": true, "cx": true, "cy": true,
	"r": true, "rx": true, "width": true, "height": true, "font-size": true, "stroke-width": true, "fill-opacity": true,
	"refX": true, "refY": true, "markerWidth": true, "markerHeight": true}

func drawingProblem(root *node, s string) string {
	if root.name != "svg" || root.attr("role") != "img" {
		return "root is not <svg role=\"img\">"
	}
	if n := len(root.find("title", "")); n != 1 || strings.Count(s, "<title") != 1 {
		return fmt.Sprintf("%d <title> elements", n)
	}
	ids := map[string]*node{}
	for _, e := range root.all() {
		if id := e.attr("id"); id != "" {
			if ids[id] != nil {
				return "duplicate id " + id
			}
			ids[id] = e
		}
	}
	for _, ref := range strings.Fields(root.attr("aria-labelledby")) {
		if ids[ref] == nil {
			return "aria-labelledby names a missing id " + ref
		}
	}
	if len(strings.Fields(root.attr("aria-labelledby"))) != 2 {
		return "aria-labelledby should name the title and the description"
	}
	for _, e := range root.all() {
		if e.name == "style" || e.name == "script" || e.name == "foreignObject" {
			return "forbidden element <" + e.name + ">"
		}
		for k, v := range e.attrs {
			if k == "style" || strings.HasPrefix(strings.ToLower(k), "on") {
				return "forbidden attribute " + k
			}
			if k == "d" || k == "points" || k == "viewBox" || k == "stroke-dasharray" || numericAttrs[k] {
				if strings.Contains(v, "NaN") || strings.Contains(v, "Inf") {
					return fmt.Sprintf("<%s %s=%q>", e.name, k, v)
				}
			}
			if numericAttrs[k] {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
					return fmt.Sprintf("<%s %s=%q> is not a number", e.name, k, v)
				}
			}
			if k == "href" || strings.Contains(v, "javascript:") {
				return fmt.Sprintf("<%s %s=%q>", e.name, k, v)
			}
		}
	}
	return ""
}
