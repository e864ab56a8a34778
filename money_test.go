package rulebook

import (
	"strings"
	"testing"
)

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in    string
		minor int64
		err   string
	}{
		{"1500", 150000, ""},
		{"1,500.5", 150050, ""},
		{"GBP 10000.00", 1000000, ""},
		{"0.01", 1, ""},
		{"EUR 5", 0, "is in EUR, not GBP"},
		{"1.234", 0, "not an amount"},
		{"-5", 0, "not an amount"},
		{"1e3", 0, "not an amount"},
		{"", 0, "not an amount"},
		{"12345678901234", 0, "too large"},
	} {
		m, err := ParseMoney("GBP", tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, want an error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || m.Minor != tc.minor || m.Currency != "GBP" {
			t.Errorf("%q: %+v %v, want %d", tc.in, m, err, tc.minor)
		}
	}
	if s := (Money{Currency: "GBP", Minor: 123456789}).String(); s != "GBP 1,234,567.89" {
		t.Errorf("String: %s", s)
	}
}

// FuzzMoney: any text either fails to parse or parses to an amount that writes
// back as text reading to the same amount — amounts are exact.
func FuzzMoney(f *testing.F) {
	for _, s := range []string{"GBP 1,500.00", "GBP 0.01", "EUR 5", "GBP 999999999999.99", "GBP 1.2.3", "GBP ,,,", "gbp 5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var m Money
		if err := m.UnmarshalText([]byte(s)); err != nil {
			return
		}
		if m.Minor < 0 || m.Minor > maxMinor {
			t.Fatalf("%q: amount %d out of range", s, m.Minor)
		}
		var back Money
		if err := back.UnmarshalText([]byte(m.String())); err != nil || back != m {
			t.Fatalf("%q → %q → %+v %v", s, m.String(), back, err)
		}
	})
}
