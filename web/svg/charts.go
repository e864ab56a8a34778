package svg

import (
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Series is a named line or set of bars.
type Series struct {
	Name   string
	Values []float64
}

// Limits on drawing sizes, in pixels; sizes outside them are clamped and a size of
// zero or less takes the default.
const (
	minWidth, maxWidth   = 240, 4000
	minHeight, maxHeight = 160, 3000
)

func clampSize(v, def, lo, hi int) float64 {
	if v <= 0 {
		v = def
	}
	return float64(max(lo, min(v, hi)))
}

// LineChart draws series over labelled x positions (e.g. quarters "2016-Q1"…), with
// axes, gridlines, tick labels, a legend, and a <title>/<desc> for screen readers
// (role="img", aria-labelledby). Width and height are in pixels (0 for the default,
// 640×320). Each series has its own colour, dash pattern and marker shape; NaN and
// infinite values count as zero. Without any values it is a chart saying "No data".
func LineChart(title string, xLabels []string, series []Series, width, height int) template.HTML {
	return xyChart("line", title, xLabels, series, width, height)
}

// StackedBars is the same data drawn as stacked bars (e.g. open cases by state per
// quarter): one bar per x label, one segment per series, each with its own colour and
// hatching. Negative values are drawn as nothing (the description still gives them).
func StackedBars(title string, xLabels []string, series []Series, width, height int) template.HTML {
	return xyChart("bars", title, xLabels, series, width, height)
}

// chartID derives a drawing's id prefix from everything it shows.
func chartID(kind, title string, labels []string, series []Series, extra ...float64) string {
	parts := []string{title, strings.Join(labels, "\x00")}
	for _, s := range series {
		parts = append(parts, s.Name)
		var b []byte
		for _, v := range s.Values {
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
			b = append(b, ' ')
		}
		parts = append(parts, string(b))
	}
	for _, v := range extra {
		parts = append(parts, strconv.FormatFloat(v, 'g', -1, 64))
	}
	return uid(kind, parts...)
}

// noData draws an empty chart that says so.
func noData(id, class, title string, w, h float64) template.HTML {
	d := &doc{id: id}
	d.open(class+" chart-empty", w, h, title, "No data.")
	d.text(10, 20, 14, textColour, "", "chart-title", truncate(title, int((w-20)/(14*0.58))), `font-weight="bold"`)
	d.text(w/2, h/2, 14, mutedColour, "middle", "chart-nodata", "No data", "")
	return d.close()
}

// legendItem is one entry of a chart legend, laid out in rows.
type legendItem struct {
	name string
	x, y float64
}

// layoutLegend flows the series names into rows between x0 and x1, returning the
// items' positions relative to the legend's top and the number of rows.
func layoutLegend(series []Series, x0, x1 float64) ([]legendItem, int) {
	var items []legendItem
	x, row := x0, 0
	for _, s := range series {
		name := truncate(clean(s.Name), 40)
		w := 36 + textWidth(name, 12) + 16
		if x > x0 && x+w > x1 {
			x, row = x0, row+1
		}
		items = append(items, legendItem{name: name, x: x, y: float64(row) * 20})
		x += w
	}
	return items, row + 1
}

// marker draws point marker number i (a shape per series) at x, y.
func marker(d *doc, i int, x, y float64, c string) {
	fill := c
	if (i/5)%2 == 1 {
		fill = "#ffffff"
	}
	attrs := `class="chart-marker" fill="` + fill + `" stroke="` + c + `" stroke-width="1.5"`
	X, Y := num(x), num(y)
	switch i % 5 {
	case 0:
		d.printf(`<circle %s cx="%s" cy="%s" r="3.5"/>`, attrs, X, Y)
	case 1:
		d.printf(`<path %s d="M%s %s h7 v7 h-7 Z"/>`, attrs, num(x-3.5), num(y-3.5))
	case 2:
		d.printf(`<path %s d="M%s %s l4 7 h-8 Z"/>`, attrs, X, num(y-4.5))
	case 3:
		d.printf(`<path %s d="M%s %s l4.5 4.5 l-4.5 4.5 l-4.5 -4.5 Z"/>`, attrs, X, num(y-4.5))
	case 4:
		d.printf(`<path %s d="M%s %s l4 -7 h-8 Z"/>`, attrs, X, num(y+4.5))
	}
}

// hatch is the white hatching drawn over series i's colour in bars.
func hatch(i int) string {
	const s = `stroke="#ffffff" stroke-width="1.3" fill="none"`
	switch i % 10 {
	case 1:
		return `<path ` + s + ` d="M-2 2 L2 -2 M0 8 L8 0 M6 10 L10 6"/>`
	case 2:
		return `<path ` + s + ` d="M0 4 H8"/>`
	case 3:
		return `<circle cx="4" cy="4" r="1.4" fill="#ffffff"/>`
	case 4:
		return `<path ` + s + ` d="M-2 6 L2 10 M0 0 L8 8 M6 -2 L10 2"/>`
	case 5:
		return `<path ` + s + ` d="M4 0 V8"/>`
	case 6:
		return `<path ` + s + ` d="M0 4 H8 M4 0 V8"/>`
	case 7:
		return `<path ` + s + ` d="M0 0 L8 8 M8 0 L0 8"/>`
	case 8:
		return `<path ` + s + ` d="M0 2 H8 M0 6 H8"/>`
	case 9:
		return `<circle cx="2" cy="2" r="1.1" fill="#ffffff"/><circle cx="6" cy="6" r="1.1" fill="#ffffff"/>`
	}
	return ""
}

// describeSeries lists the data for the chart's <desc>.
func describeSeries(xLabels []string, series []Series) string {
	var b strings.Builder
	for si, s := range series {
		if si > 0 {
			b.WriteString(" ")
		}
		name := s.Name
		if strings.TrimSpace(name) == "" {
			name = "Series " + strconv.Itoa(si+1)
		}
		b.WriteString(name + ":")
		if len(s.Values) == 0 {
			b.WriteString(" no values")
		}
		for i, v := range s.Values {
			if i > 0 {
				b.WriteString(",")
			}
			if i < len(xLabels) && xLabels[i] != "" {
				b.WriteString(" " + xLabels[i])
			}
			b.WriteString(" " + label(v, 6))
		}
		b.WriteString(".")
	}
	return b.String()
}

func xyChart(kind, title string, xLabels []string, series []Series, width, height int) template.HTML {
	class := "chart-" + kind
	id := chartID(kind, title, xLabels, series, float64(width), float64(height))
	W := clampSize(width, 640, minWidth, maxWidth)
	H := clampSize(height, 320, minHeight, maxHeight)
	n, values := len(xLabels), 0
	for _, s := range series {
		n = max(n, len(s.Values))
		values += len(s.Values)
	}
	if values == 0 {
		return noData(id, class, title, W, H)
	}

	// The value axis.
	lo, hi := 0.0, 0.0
	if kind == "line" {
		for _, s := range series {
			for _, v := range s.Values {
				lo, hi = math.Min(lo, value(v)), math.Max(hi, value(v))
			}
		}
	} else {
		for i := range n {
			sum := 0.0
			for _, s := range series {
				if i < len(s.Values) {
					sum += math.Max(0, value(s.Values[i]))
				}
			}
			hi = math.Max(hi, sum)
		}
	}
	lo, hi, step := niceScale(lo, hi)
	decimals := stepDecimals(step)
	var ticks []float64
	for i := 0; i <= 20; i++ {
		t := lo + float64(i)*step
		if t > hi+step/1e6 {
			break
		}
		ticks = append(ticks, t)
	}
	tickW := 0.0
	for _, t := range ticks {
		tickW = math.Max(tickW, textWidth(label(t, decimals), 11))
	}

	// The frame: title above, legend below, the plot between.
	x0, x1 := 10+tickW+8, W-16
	items, rows := layoutLegend(series, 10, W-10)
	legendH := float64(rows) * 20
	y0 := 36.0
	bottom := 30 + legendH + 8
	if H-bottom-y0 < 80 {
		H = y0 + 80 + bottom
	}
	y1 := H - bottom
	yPos := func(v float64) float64 { return y1 - (v-lo)/(hi-lo)*(y1-y0) }
	band := (x1 - x0) / float64(n)

	desc := "Line chart"
	if kind == "bars" {
		desc = "Stacked bar chart"
	}
	desc += " of " + strconv.Itoa(len(series)) + " series over " + strconv.Itoa(n) + " points"
	if len(xLabels) > 0 {
		desc += ", " + xLabels[0]
		if len(xLabels) > 1 {
			desc += " to " + xLabels[len(xLabels)-1]
		}
	}
	desc += "; values from " + label(lo, decimals) + " to " + label(hi, decimals) + ". " + describeSeries(xLabels, series)

	d := &doc{id: id}
	d.open(class, W, H, title, desc)
	if kind == "bars" {
		d.printf("<defs>")
		for si := range series {
			d.printf(`<pattern id="%s-p%d" patternUnits="userSpaceOnUse" width="8" height="8"><rect width="8" height="8" fill="%s"/>%s</pattern>`,
				id, si, colour(si), hatch(si))
		}
		d.printf("</defs>")
	}
	d.text(10, 20, 14, textColour, "", "chart-title", truncate(title, int((W-20)/(14*0.58))), `font-weight="bold"`)

	// Gridlines and value ticks.
	d.printf(`<g class="chart-grid" stroke="%s" stroke-width="1">`, gridColour)
	for _, t := range ticks {
		d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(x0), num(yPos(t)), num(x1), num(yPos(t)))
	}
	d.printf(`</g><g class="chart-axis">`)
	for _, t := range ticks {
		d.text(x0-6, yPos(t)+4, 11, mutedColour, "end", "chart-tick", label(t, decimals), "")
	}
	d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(x0), num(y0), num(x0), num(y1), axisColour)
	d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(x0), num(yPos(0)), num(x1), num(yPos(0)), axisColour)
	// Category labels, thinned so that they do not overlap.
	labW := 0.0
	for _, l := range xLabels {
		labW = math.Max(labW, textWidth(truncate(clean(l), 14), 11))
	}
	every := max(1, int(math.Ceil((labW+8)/band)))
	for i := 0; i < len(xLabels) && i < n; i += every {
		d.text(x0+(float64(i)+0.5)*band, y1+16, 11, mutedColour, "middle", "chart-tick", truncate(clean(xLabels[i]), 14), "")
	}
	d.printf("</g>")

	// The data.
	if kind == "line" {
		for si, s := range series {
			c := colour(si)
			d.printf(`<g class="chart-series" data-series="%d">`, si)
			if len(s.Values) > 1 {
				d.printf(`<polyline class="chart-line" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"`, c)
				if dash(si) != "" {
					d.printf(` stroke-dasharray="%s"`, dash(si))
				}
				d.printf(` points="`)
				for i, v := range s.Values {
					if i > 0 {
						d.printf(" ")
					}
					d.printf("%s,%s", num(x0+(float64(i)+0.5)*band), num(yPos(value(v))))
				}
				d.printf(`"/>`)
			}
			if n <= 60 || len(s.Values) == 1 {
				for i, v := range s.Values {
					marker(d, si, x0+(float64(i)+0.5)*band, yPos(value(v)), c)
				}
			}
			d.printf("</g>")
		}
	} else {
		cum := make([]float64, n)
		bw := band * 0.7
		for si, s := range series {
			d.printf(`<g class="chart-series" data-series="%d">`, si)
			for i, v := range s.Values {
				v = math.Max(0, value(v))
				top := yPos(cum[i] + v)
				d.printf(`<rect class="chart-bar" x="%s" y="%s" width="%s" height="%s" fill="url(#%s-p%d)" stroke="#ffffff" stroke-width="0.5"/>`,
					num(x0+float64(i)*band+(band-bw)/2), num(top), num(bw), num(yPos(cum[i])-top), id, si)
				cum[i] += v
			}
			d.printf("</g>")
		}
	}

	// The legend.
	ly := y1 + 30
	d.printf(`<g class="chart-legend">`)
	for si, it := range items {
		y := ly + it.y + 10
		if kind == "line" {
			d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"`, num(it.x), num(y), num(it.x+28), num(y), colour(si))
			if dash(si) != "" {
				d.printf(` stroke-dasharray="%s"`, dash(si))
			}
			d.printf("/>")
			marker(d, si, it.x+14, y, colour(si))
		} else {
			d.printf(`<rect class="chart-swatch" x="%s" y="%s" width="24" height="12" fill="url(#%s-p%d)" stroke="%s" stroke-width="1"/>`,
				num(it.x+2), num(y-6), id, si, colour(si))
		}
		d.text(it.x+36, y+4, 12, textColour, "", "chart-legend-name", it.name, "")
	}
	d.printf("</g>")
	return d.close()
}

// HBars draws horizontal bars with labels (e.g. sanctions by clause: label → value),
// values printed at the bars' ends. Width is in pixels (0 for the default, 480); the
// height follows from the number of bars. Negative values are drawn as bars of no
// length (their values are still printed). Without values it says "No data".
func HBars(title string, labels []string, values []float64, width int) template.HTML {
	id := chartID("hbars", title, labels, []Series{{Values: values}}, float64(width))
	W := clampSize(width, 480, minWidth, maxWidth)
	n := max(len(labels), len(values))
	if len(values) == 0 {
		return noData(id, "chart-hbars", title, W, 120)
	}
	get := func(i int) (string, float64) {
		l, v := "", 0.0
		if i < len(labels) {
			l = clean(labels[i])
		}
		if i < len(values) {
			v = value(values[i])
		}
		return l, v
	}
	maxV, valW, labW := 0.0, 0.0, 0.0
	for i := range n {
		l, v := get(i)
		maxV = math.Max(maxV, v)
		valW = math.Max(valW, textWidth(label(v, 2), 11))
		labW = math.Max(labW, textWidth(truncate(l, 40), 12))
	}
	avail := W - 20 - 16 - valW
	labW = math.Min(labW, avail*0.45)
	labRunes := max(4, int(labW/(12*0.58)))
	x0 := 10 + labW + 8
	x1 := W - 10 - valW - 6
	const rowH, barH, top = 26.0, 16.0, 36.0
	H := top + float64(n)*rowH + 10

	var desc strings.Builder
	desc.WriteString("Horizontal bar chart of " + strconv.Itoa(n) + " values.")
	for i := range n {
		l, _ := get(i)
		v := 0.0
		if i < len(values) {
			v = values[i]
		}
		desc.WriteString(" " + l + ": " + label(v, 6) + ".")
	}

	d := &doc{id: id}
	d.open("chart-hbars", W, H, title, desc.String())
	d.text(10, 20, 14, textColour, "", "chart-title", truncate(title, int((W-20)/(14*0.58))), `font-weight="bold"`)
	d.printf(`<g class="chart-series" data-series="0">`)
	for i := range n {
		l, v := get(i)
		yc := top + (float64(i)+0.5)*rowH
		w := 0.0
		if maxV > 0 && v > 0 {
			w = v / maxV * (x1 - x0)
		}
		d.text(x0-8, yc+4, 12, textColour, "end", "chart-label", truncate(l, labRunes), "")
		d.printf(`<rect class="chart-bar" x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(x0), num(yc-barH/2), num(w), num(barH), colour(0))
		d.text(x0+w+5, yc+4, 11, textColour, "", "chart-value", label(v, 2), "")
	}
	d.printf("</g>")
	d.printf(`<line class="chart-axis" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(x0), num(top), num(x0), num(H-10), axisColour)
	return d.close()
}
