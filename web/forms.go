package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
)

// formDate reads an optional YYYY-MM-DD field.
func formDate(f url.Values, name string) (rulebook.Date, error) {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return rulebook.NoDate, nil
	}
	d, err := rulebook.ParseDate(v)
	if err != nil {
		return rulebook.NoDate, rulebook.FieldError(name, "%v", err)
	}
	return d, nil
}

// queryDate reads an optional date query parameter, def when absent.
func queryDate(q url.Values, name string, def rulebook.Date) (rulebook.Date, error) {
	if q.Get(name) == "" {
		return def, nil
	}
	return formDate(q, name)
}

// formInt reads an optional whole number.
func formInt(f url.Values, name string) (int, error) {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, rulebook.FieldError(name, "%q is not a whole number", v)
	}
	return n, nil
}

// queryInstant reads an instant: RFC 3339, or a date meaning the end of that day.
func queryInstant(q url.Values, name string) (time.Time, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02T15:04", v); err == nil {
		return t, nil
	}
	d, err := rulebook.ParseDate(v)
	if err != nil {
		return time.Time{}, rulebook.FieldError(name, "%q is neither a date nor a date and time", v)
	}
	return d.AddDays(1).Time().Add(-time.Microsecond), nil
}

// lines splits a text area into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// newRef draws a reference such as "C2026-3F9A1C" for something entered on a form.
func newRef(prefix string, d rulebook.Date) string {
	var b [3]byte
	rand.Read(b[:])
	return prefix + strconv.Itoa(d.Time().Year()) + "-" + strings.ToUpper(hex.EncodeToString(b[:]))
}
