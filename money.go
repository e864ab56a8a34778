package rulebook

import (
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in a currency, held in minor units (pence, cents) so that
// fines and costs are compared and added exactly, never as floats.
type Money struct {
	Currency string `json:"currency"`
	Minor    int64  `json:"minor"`
}

// maxMinor bounds amounts well inside int64 so that sums of fines cannot overflow.
const maxMinor = 1e15

// ParseMoney reads "1500", "1500.5" or "1,500.50" in currency cur (an ISO 4217
// code such as GBP), with at most two decimal places. A leading currency code
// ("GBP 1500.00") must match cur.
func ParseMoney(cur, s string) (Money, error) {
	s = strings.TrimSpace(s)
	if code, rest, ok := strings.Cut(s, " "); ok && len(code) == 3 && strings.ToUpper(code) == code {
		if code != cur {
			return Money{}, fmt.Errorf("%q is in %s, not %s", s, code, cur)
		}
		s = strings.TrimSpace(rest)
	}
	if !validCurrency(cur) {
		return Money{}, fmt.Errorf("%q is not a currency code (three capital letters, e.g. GBP)", cur)
	}
	whole, frac, dot := strings.Cut(strings.ReplaceAll(s, ",", ""), ".")
	if whole == "" || (dot && (frac == "" || len(frac) > 2)) {
		return Money{}, fmt.Errorf("%q is not an amount (write it as 1500 or 1500.00)", s)
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return Money{}, fmt.Errorf("%q is not an amount (write it as 1500 or 1500.00)", s)
		}
	}
	if len(whole) > 13 {
		return Money{}, fmt.Errorf("%q is too large an amount", s)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	m := Money{Currency: cur, Minor: w*100 + f}
	if m.Minor > maxMinor {
		return Money{}, fmt.Errorf("%q is too large an amount", s)
	}
	return m, nil
}

func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// IsZero reports whether m is no amount at all.
func (m Money) IsZero() bool { return m.Currency == "" && m.Minor == 0 }

// String writes m as "GBP 1,500.00".
func (m Money) String() string {
	if m.IsZero() {
		return ""
	}
	w := strconv.FormatInt(m.Minor/100, 10)
	var b strings.Builder
	for i, r := range w {
		if i > 0 && (len(w)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s %s.%02d", m.Currency, b.String(), m.Minor%100)
}

// MarshalText writes m as String does, so amounts read the same in the record.
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads "GBP 1,500.00".
func (m *Money) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "" {
		*m = Money{}
		return nil
	}
	code, rest, ok := strings.Cut(s, " ")
	if !ok {
		return fmt.Errorf("amount %q needs its currency, as in \"GBP 1500.00\"", s)
	}
	v, err := ParseMoney(code, rest)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
