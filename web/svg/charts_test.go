package svg

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

var (
	quarters = []string{"2016-Q1", "2016-Q2", "2016-Q3", "2016-Q4", "2017-Q1", "2017-Q2"}
	byState  = []Series{
		{Name: "Received", Values: []float64{3, 5, 2, 8, 4, 6}},
		{Name: "Under investigation", Values: []float64{1, 2, 4, 3, 5, 2}},
		{Name: "Referred to the NCC", Values: []float64{0, 1, 1, 2, 2, 3}},
		{Name: "Heard", Values: []float64{0, 0, 1, 1, 0, 2}},
	}
)

func TestChartsWellFormed(t *testing.T) {
	many := make([]Series, 12)
	for i := range many {
		many[i] = Series{Name: "Series " + strconv.Itoa(i), Values: []float64{float64(i), float64(2 * i), -1.5}}
	}
	cases := map[string]string{
		"line":          string(LineChart("Open cases", quarters, byState, 640, 320)),
		"bars":          string(StackedBars("Open cases", quarters, byState, 640, 320)),
		"hbars":         string(HBars("Sanctions by clause", []string{"6.I.1.D", "6.I.1.C", "2.I.4.B"}, []float64{12, 3, 7.5}, 480)),
		"line many":     string(LineChart("Twelve", nil, many, 0, 0)),
		"bars many":     string(StackedBars("Twelve", nil, many, 100, 50)),
		"line one":      string(LineChart("One point", []string{"2020"}, []Series{{Name: "x", Values: []float64{4}}}, 640, 320)),
		"line fraction": string(LineChart("Rates", quarters, []Series{{Name: "rate", Values: []float64{0.12, 0.3, 0.07}}}, 640, 320)),
		"line negative": string(LineChart("Balance", quarters, []Series{{Name: "net", Values: []float64{-3, 2, -7, 5}}}, 640, 320)),
		"hbars ragged":  string(HBars("Ragged", []string{"a"}, []float64{1, 2, 3}, 0)),
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			root := checkDrawing(t, s)
			if !root.hasClass("chart") {
				t.Errorf("root has class %q, want chart", root.attr("class"))
			}
			if title := root.find("title", ""); title[0].attr("id") == "" || !strings.Contains(root.attr("aria-labelledby"), title[0].attr("id")) {
				t.Errorf("the title is not the accessible name")
			}
			if len(root.find("desc", "")) != 1 {
				t.Errorf("want one <desc>")
			}
		})
	}
}

func TestLegendNamesEverySeries(t *testing.T) {
	for name, s := range map[string]string{
		"line": string(LineChart("Open cases", quarters, byState, 640, 320)),
		"bars": string(StackedBars("Open cases", quarters, byState, 640, 320)),
	} {
		root := checkDrawing(t, s)
		legend := root.find("g", "chart-legend")
		if len(legend) != 1 {
			t.Fatalf("%s: %d legends", name, len(legend))
		}
		var names []string
		for _, e := range legend[0].find("text", "chart-legend-name") {
			names = append(names, e.text)
		}
		if len(names) != len(byState) {
			t.Errorf("%s: legend %q", name, names)
		}
		for i, s := range byState {
			if i >= len(names) || names[i] != s.Name {
				t.Errorf("%s: legend %q lacks %q", name, names, s.Name)
			}
		}
		// The description carries the data for screen readers.
		desc := root.find("desc", "")[0].text
		for _, s := range byState {
			if !strings.Contains(desc, s.Name+": 2016-Q1 ") {
				t.Errorf("%s: description lacks %s: %s", name, s.Name, desc)
			}
		}
	}
}

// TestStackedBarsProportional parses the bars back: every segment's height is
// proportional to its value, with one scale for the whole chart, and each segment
// sits on the one below.
func TestStackedBarsProportional(t *testing.T) {
	for _, series := range [][]Series{byState[:1], byState, {{Name: "big", Values: []float64{1e6, 2.5e6, 0, 7e5}}}} {
		root := checkDrawing(t, string(StackedBars("Open cases", quarters, series, 640, 320)))
		groups := root.find("g", "chart-series")
		if len(groups) != len(series) {
			t.Fatalf("%d series groups for %d series", len(groups), len(series))
		}
		scale := math.NaN()
		tops := map[float64]float64{} // bar x → top of the stack so far
		for si, g := range groups {
			bars := g.find("rect", "chart-bar")
			if len(bars) != len(series[si].Values) {
				t.Fatalf("series %d: %d bars for %d values", si, len(bars), len(series[si].Values))
			}
			for i, b := range bars {
				h, v := b.float(t, "height"), series[si].Values[i]
				if h < 0 {
					t.Errorf("negative height %v", h)
				}
				if v == 0 {
					if h != 0 {
						t.Errorf("series %d bar %d: height %v for 0", si, i, h)
					}
				} else if math.IsNaN(scale) {
					scale = h / v
				} else if math.Abs(h/v-scale) > 0.02*scale+0.01 {
					t.Errorf("series %d bar %d: height %v for %v, scale %v", si, i, h, v, scale)
				}
				x, y := b.float(t, "x"), b.float(t, "y")
				if top, ok := tops[x]; ok && math.Abs(y+h-top) > 0.02 {
					t.Errorf("series %d bar %d: bottom %v, stack top %v", si, i, y+h, top)
				}
				tops[x] = y
			}
		}
		if math.IsNaN(scale) || scale <= 0 {
			t.Errorf("no scale found")
		}
	}
}

func TestHBarsProportional(t *testing.T) {
	labels := []string{"6.I.1.D", "6.I.1.C", "2.I.4.B", "none", "some"}
	values := []float64{12, 3, 7.5, 0, 1}
	root := checkDrawing(t, string(HBars("Sanctions by clause", labels, values, 480)))
	bars := root.find("rect", "chart-bar")
	if len(bars) != len(values) {
		t.Fatalf("%d bars", len(bars))
	}
	scale := bars[0].float(t, "width") / values[0]
	for i, b := range bars {
		if w := b.float(t, "width"); math.Abs(w-scale*values[i]) > 0.02 {
			t.Errorf("bar %d: width %v for %v (scale %v)", i, w, values[i], scale)
		}
		if i > 0 && b.float(t, "y") <= bars[i-1].float(t, "y") {
			t.Errorf("bars not one under another")
		}
	}
	// Labels, and values at the bars' ends.
	var texts []string
	for _, e := range root.find("text", "chart-label") {
		texts = append(texts, e.text)
	}
	if strings.Join(texts, "|") != strings.Join(labels, "|") {
		t.Errorf("labels %q", texts)
	}
	vals := root.find("text", "chart-value")
	for i, e := range vals {
		if want := strconv.FormatFloat(values[i], 'f', -1, 64); e.text != want {
			t.Errorf("value %d printed %q, want %q", i, e.text, want)
		}
		end := bars[i].float(t, "x") + bars[i].float(t, "width")
		if x := e.float(t, "x"); x < end || x > end+10 {
			t.Errorf("value %d at x %v, bar ends at %v", i, x, end)
		}
	}
	// Everything fits the width asked for.
	if root.attr("width") != "480" {
		t.Errorf("width %s", root.attr("width"))
	}
}

// TestLineChartPoints parses the polylines back: heights above the zero line are
// proportional to the values.
func TestLineChartPoints(t *testing.T) {
	root := checkDrawing(t, string(LineChart("Open cases", quarters, byState, 640, 320)))
	lines := root.find("polyline", "chart-line")
	if len(lines) != len(byState) {
		t.Fatalf("%d lines", len(lines))
	}
	// The zero value is on the bottom gridline; its y is the lowest point of series 2.
	var zero float64
	for _, pt := range strings.Fields(lines[2].attr("points")) {
		_, y, _ := strings.Cut(pt, ",")
		f, _ := strconv.ParseFloat(y, 64)
		zero = math.Max(zero, f)
	}
	scale := math.NaN()
	dashes := map[string]bool{}
	for si, l := range lines {
		dashes[l.attr("stroke-dasharray")] = true
		pts := strings.Fields(l.attr("points"))
		if len(pts) != len(byState[si].Values) {
			t.Fatalf("series %d: %d points", si, len(pts))
		}
		lastX := math.Inf(-1)
		for i, pt := range pts {
			xs, ys, _ := strings.Cut(pt, ",")
			x, _ := strconv.ParseFloat(xs, 64)
			y, _ := strconv.ParseFloat(ys, 64)
			if x <= lastX {
				t.Errorf("x not increasing")
			}
			lastX = x
			v := byState[si].Values[i]
			if v == 0 {
				if math.Abs(y-zero) > 0.01 {
					t.Errorf("series %d point %d: 0 at y %v, zero at %v", si, i, y, zero)
				}
				continue
			}
			if math.IsNaN(scale) {
				scale = (zero - y) / v
			} else if math.Abs((zero-y)/v-scale) > 0.01 {
				t.Errorf("series %d point %d: y %v for %v", si, i, y, v)
			}
		}
	}
	if len(dashes) != len(byState) {
		t.Errorf("series share dash patterns: %v", dashes)
	}
	if n := len(root.find("", "chart-marker")); n != 4*6+4 {
		t.Errorf("%d markers, want one per point and one per legend entry", n)
	}
}

const nasty = `<script>alert("x")</script> & 'quotes' ]]> <!-- -->`

func TestChartsEscape(t *testing.T) {
	series := []Series{{Name: nasty, Values: []float64{1, 2}}, {Name: "b\x00\x01\xff\n", Values: []float64{2, 1}}}
	for name, s := range map[string]string{
		"line":  string(LineChart(nasty, []string{nasty, "q2"}, series, 640, 320)),
		"bars":  string(StackedBars(nasty, []string{nasty, "q2"}, series, 640, 320)),
		"hbars": string(HBars(nasty, []string{nasty}, []float64{1}, 480)),
		"empty": string(LineChart(nasty, nil, nil, 640, 320)),
	} {
		if strings.Contains(s, "<script") || strings.Contains(s, "<!--") || strings.Contains(s, "]]>") {
			t.Errorf("%s: unescaped text in %s", name, s)
		}
		if !strings.Contains(s, "&lt;script&gt;") {
			t.Errorf("%s: escaped text missing", name)
		}
		root := checkDrawing(t, s)
		// The text read back is the text given.
		if got := root.find("title", "")[0].text; got != nasty {
			t.Errorf("%s: title read back as %q", name, got)
		}
		if !strings.Contains(root.textContent(), nasty) {
			t.Errorf("%s: %q not shown", name, nasty)
		}
	}
}

func TestChartsDeterministic(t *testing.T) {
	draw := func() []string {
		return []string{
			string(LineChart("Open cases", quarters, byState, 640, 320)),
			string(StackedBars("Open cases", quarters, byState, 640, 320)),
			string(HBars("Sanctions", quarters, []float64{1, 2, 3}, 480)),
		}
	}
	a, b := draw(), draw()
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("drawing %d differs between two runs", i)
		}
	}
	// Different charts on one page do not share ids.
	other := string(StackedBars("Closed cases", quarters, byState, 640, 320))
	idOf := func(s string) string { return parse(t, s).find("title", "")[0].attr("id") }
	if idOf(a[1]) == idOf(other) || idOf(a[0]) == idOf(a[1]) {
		t.Errorf("two charts share an id")
	}
}

func TestChartsEmptyAndZero(t *testing.T) {
	empty := map[string]string{
		"line nil":         string(LineChart("Nothing", nil, nil, 640, 320)),
		"line labels only": string(LineChart("Nothing", quarters, nil, 640, 320)),
		"line no values":   string(LineChart("Nothing", quarters, []Series{{Name: "a"}, {Name: "b", Values: []float64{}}}, 640, 320)),
		"bars nil":         string(StackedBars("Nothing", nil, nil, 0, 0)),
		"hbars nil":        string(HBars("Nothing", nil, nil, 0)),
		"hbars labels":     string(HBars("Nothing", []string{"a", "b"}, nil, 480)),
	}
	for name, s := range empty {
		root := checkDrawing(t, s)
		if !strings.Contains(root.textContent(), "No data") {
			t.Errorf("%s: does not say there is no data", name)
		}
	}
	zeros := []Series{{Name: "a", Values: []float64{0, 0, 0}}, {Name: "b", Values: []float64{0, 0, 0}}}
	odd := []Series{{Name: "a", Values: []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e300, -1e300, 5e-324}}}
	for name, s := range map[string]string{
		"line zeros":  string(LineChart("Zero", quarters[:3], zeros, 640, 320)),
		"bars zeros":  string(StackedBars("Zero", quarters[:3], zeros, 640, 320)),
		"hbars zeros": string(HBars("Zero", []string{"a", "b"}, []float64{0, 0}, 480)),
		"line odd":    string(LineChart("Odd", nil, odd, 640, 320)),
		"bars odd":    string(StackedBars("Odd", nil, odd, 640, 320)),
		"hbars odd":   string(HBars("Odd", nil, odd[0].Values, 480)),
	} {
		root := checkDrawing(t, s)
		if strings.Contains(root.textContent(), "No data") {
			t.Errorf("%s: zero data is still data", name)
		}
		if strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
			t.Errorf("%s: NaN or Inf in %s", name, s)
		}
	}
}

// luminance is the WCAG relative luminance of "#rrggbb".
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	if len(hex) != 7 || hex[0] != '#' {
		t.Fatalf("colour %q", hex)
	}
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		c := float64(v) / 255
		if c <= 0.03928 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}

func TestPaletteAccessible(t *testing.T) {
	if len(palette) < 8 {
		t.Fatalf("palette of %d colours, want at least 8", len(palette))
	}
	seen := map[string]bool{}
	for _, c := range append(append([]string{}, palette...), textColour, mutedColour, axisColour) {
		if ratio := 1.05 / (luminance(t, c) + 0.05); ratio < 4.5 {
			t.Errorf("%s has contrast %.2f:1 against white, want at least 4.5:1", c, ratio)
		}
		if seen[c] {
			t.Errorf("%s twice", c)
		}
		seen[c] = true
	}
	ds := map[string]bool{}
	for i := range palette {
		ds[dash(i)] = true
	}
	if len(ds) != len(palette) {
		t.Errorf("%d dash patterns for %d colours", len(ds), len(palette))
	}
	hs := map[string]bool{}
	for i := range palette {
		hs[hatch(i)] = true
	}
	if len(hs) != len(palette) {
		t.Errorf("%d hatchings for %d colours", len(hs), len(palette))
	}
}

func TestHelpers(t *testing.T) {
	for _, c := range []struct {
		lo, hi             float64
		wantLo, wantHi, st float64
	}{
		{0, 0, 0, 1, 0.5},
		{0, 8, 0, 8, 2},
		{0, 13, 0, 15, 5},
		{-7, 5, -7.5, 5, 2.5},
		{0, 0.3, 0, 0.3, 0.1},
		{0, 1e15, 0, 1e15, 2e14},
	} {
		lo, hi, st := niceScale(c.lo, c.hi)
		if math.Abs(lo-c.wantLo) > 1e-9*math.Abs(c.wantHi) || math.Abs(hi-c.wantHi) > 1e-9*math.Abs(c.wantHi) || math.Abs(st-c.st) > 1e-9*c.st {
			t.Errorf("niceScale(%v, %v) = %v %v %v", c.lo, c.hi, lo, hi, st)
		}
	}
	for f, want := range map[float64]string{0: "0", math.Copysign(0, -1): "0", 1.006: "1.01", 12: "12", math.NaN(): "0", math.Inf(1): "0", -3.14159: "-3.14"} {
		if got := num(f); got != want {
			t.Errorf("num(%v) = %q, want %q", f, got, want)
		}
	}
	for _, c := range []struct {
		f    float64
		d    int
		want string
	}{{2.5, 1, "2.5"}, {3, 2, "3"}, {0.1 + 0.2, 2, "0.3"}, {1e12, 0, "1e+12"}, {-0.001, 2, "0"}, {math.NaN(), 2, "0"}} {
		if got := label(c.f, c.d); got != c.want {
			t.Errorf("label(%v, %d) = %q, want %q", c.f, c.d, got, c.want)
		}
	}
	if got := wrap("Refer to the NCC with charges", 12); strings.Join(got, "|") != "Refer to the|NCC with|charges" {
		t.Errorf("wrap: %q", got)
	}
	if got := clean("a\x00b\nc\xffd\uFFFEe"); got != "a\uFFFDb c\uFFFDd\uFFFDe" {
		t.Errorf("clean: %q", got)
	}
	if got := truncate("abcdef", 4); got != "abc…" {
		t.Errorf("truncate: %q", got)
	}
}
