package svg

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// fuzzInput turns fuzz bytes into chart data: labels and series names split on "|",
// values as little-endian float64s (so NaN, infinities, subnormals and extremes all
// occur) dealt to the series in turn.
func fuzzInput(labels, names string, data []byte) ([]string, []Series, []float64) {
	var xs []string
	if labels != "" {
		xs = strings.Split(labels, "|")
	}
	var values []float64
	for len(data) >= 8 {
		values = append(values, math.Float64frombits(binary.LittleEndian.Uint64(data)))
		data = data[8:]
	}
	var series []Series
	if names != "" {
		for _, n := range strings.Split(names, "|") {
			series = append(series, Series{Name: n})
		}
		for i, v := range values {
			s := &series[i%len(series)]
			s.Values = append(s.Values, v)
		}
	}
	return xs, series, values
}

func floats(fs ...float64) []byte {
	var b []byte
	for _, f := range fs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	return b
}

// FuzzCharts checks that LineChart, StackedBars and HBars always give well-formed,
// labelled, deterministic SVG with finite numbers, whatever the text and data.
func FuzzCharts(f *testing.F) {
	f.Add("Open cases", "2016-Q1|2016-Q2|2016-Q3", "Received|Heard", floats(3, 1, 5, 0, 2, 4), 640, 320)
	f.Add("", "", "", []byte{}, 0, 0)
	f.Add("<script>&", "<a>|'\"", "]]>|<!--", floats(math.NaN(), math.Inf(1), math.Inf(-1), -0.0), -5, 1<<40)
	f.Add("huge", "a", "x", floats(math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 1e15), 1, 1)
	f.Fuzz(func(t *testing.T, title, labels, names string, data []byte, width, height int) {
		xs, series, values := fuzzInput(labels, names, data)
		for name, draw := range map[string]func() string{
			"line":  func() string { return string(LineChart(title, xs, series, width, height)) },
			"bars":  func() string { return string(StackedBars(title, xs, series, width, height)) },
			"hbars": func() string { return string(HBars(title, xs, values, width)) },
		} {
			s := draw()
			root, err := parseXML(s)
			if err != nil {
				t.Fatalf("%s: not well-formed: %v\n%s", name, err, s)
			}
			if p := drawingProblem(root, s); p != "" {
				t.Fatalf("%s: %s\n%s", name, p, s)
			}
			if draw() != s {
				t.Fatalf("%s: not deterministic", name)
			}
			if got := root.find("title", "")[0].text; got != clean(title) {
				t.Fatalf("%s: title %q read back as %q", name, title, got)
			}
			w, h := root.float(t, "width"), root.float(t, "height")
			if w < minWidth || w > maxWidth || h <= 0 {
				t.Fatalf("%s: size %v×%v", name, w, h)
			}
		}
	})
}
