package app

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/rulebook/rulebook/eligibility"
)

// The hand-written CSV and JSON of a streamed electorate are byte for byte
// what encoding/csv and encoding/json write, whatever the text.
func FuzzElectorateEncoding(f *testing.F) {
	for _, s := range []string{"", "M0001", "Ann \"Nan\" O'Neill", "a,b", "line\nbreak", "cr\rlf", " lead", "\u3000ideographic", `\.`,
		"<b>&amp;</b>", "Llŷr Ĳssel", "\u2028\u2029", "bad \xff utf-8", "tab\there", "\x00\x1f"} {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		e := &eligibility.Entry{Member: a, Name: b, Unit: a, Status: b}
		var want bytes.Buffer
		w := csv.NewWriter(&want)
		w.Write([]string{e.Member, e.Name, e.Unit, e.Status})
		w.Flush()
		if got := appendCSVRecord(nil, e); string(got) != want.String() {
			t.Errorf("CSV of %q, %q: %q, want %q", a, b, got, want.String())
		}
		for _, html := range []bool{false, true} {
			exp, err := marshal(a, false, html, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := appendJSONString(nil, a, html); !bytes.Equal(got, exp) {
				t.Errorf("JSON of %q (html %v): %s, want %s", a, html, got, exp)
			}
		}
	})
}
