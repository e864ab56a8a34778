// Package rulebook holds the domain of a membership organisation's rule book: members,
// the units they belong to, their status over time, and the tamper-evident record of
// events every change is made through. It imports no storage or transport; those live
// in subpackages (rules, eligibility, sqldb, httpapi) and in cmd/rulebook.
package rulebook

import (
	"fmt"
	"time"
)

// Date is a calendar day, counted in days since 1970-01-01. Rules speak in days
// (a suspension "effective from 27 April"), so effective times are Dates; the zero
// Date is "no date" and prints as "".
type Date int32

// NoDate is the zero Date, used for "not set" (e.g. an open-ended period).
const NoDate Date = 0

// epoch offset so that 1970-01-01 is day 1 and 0 stays free to mean "unset".
const dateBias = 1

// DateOf returns the calendar day of t, in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return MakeDate(y, m, d)
}

// MakeDate returns the Date for a year, month and day; out-of-range values normalise
// as time.Date does.
func MakeDate(y int, m time.Month, d int) Date {
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()
	return Date(u/86400) + dateBias
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return NoDate, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// MustDate parses YYYY-MM-DD and panics on error; for tests and fixed data.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Time returns midnight UTC at the start of d.
func (d Date) Time() time.Time {
	return time.Unix(int64(d-dateBias)*86400, 0).UTC()
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == NoDate }

// String formats d as YYYY-MM-DD, or "" when unset.
func (d Date) String() string {
	if d == NoDate {
		return ""
	}
	return d.Time().Format(time.DateOnly)
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// Long writes the date as letters and pages do, "27 April 2016" (unambiguous
// in every English-speaking country, unlike 04/27 or 27/04); "" for no date.
func (d Date) Long() string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format("2 January 2006")
}

// AddMonths returns d moved by n calendar months; a day past the end of the target
// month is clamped to its last day (31 January + 1 month = 28/29 February), which is
// how membership periods are reckoned.
func (d Date) AddMonths(n int) Date {
	y, m, day := d.Time().Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return MakeDate(first.Year(), first.Month(), day)
}

// AddYears returns d moved by n years (29 February clamps to 28 February).
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

// MarshalText implements encoding.TextMarshaler (YYYY-MM-DD).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; "" is NoDate.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = NoDate
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Quarter names the quarter the date falls in, "2016-Q2".
func (d Date) Quarter() string {
	t := d.Time()
	return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
}

// ParseInstant reads an instant asked about ("what did the record say then"): an
// RFC 3339 instant, or a date, meaning the end of that day (UTC), so that
// everything recorded on it is included. The command line and the API read
// --as-recorded and as_recorded with it alike.
func ParseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := ParseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (YYYY-MM-DD) nor an RFC 3339 instant (e.g. 2016-05-01T12:00:00Z)", s)
	}
	return d.AddDays(1).Time().Add(-time.Microsecond), nil
}
