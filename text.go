package rulebook

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on text kept for ever in the record: every path that stores text (the
// JSON API, the web forms, CSV imports, the command line) is held to them, by
// these checks and by the record itself (sqldb refuses an event beyond them).
const (
	MaxNameLen  = 200      // a person's or a unit's name
	MaxLineLen  = 500      // an e-mail address, a telephone number, a short label
	MaxTextLen  = 64 << 10 // free text: a summary, reasons, an address
	MaxEventLen = 1 << 20  // one event's data, in bytes
)

// CheckLine checks a one-line field: valid UTF-8, no control characters, at most
// max characters.
func CheckLine(field, s string, max int) error {
	if err := CheckText(field, s, max); err != nil {
		return err
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return FieldError(field, "may not contain line breaks or control characters")
	}
	return nil
}

// CheckText checks a text field: valid UTF-8 and at most max characters.
func CheckText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return FieldError(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return FieldError(field, "is %d characters long; at most %d are kept", n, max)
	}
	return nil
}

// Check checks a member's particulars against the limits.
func (m *Member) Check() error {
	for _, f := range []struct {
		name, v string
		max     int
	}{{"name", m.Name, MaxNameLen}, {"email", m.Email, MaxLineLen}, {"phone", m.Phone, MaxLineLen}, {"unit", m.Unit, MaxLineLen}} {
		if err := CheckLine(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	return CheckText("address", m.Address, MaxTextLen)
}

// Plural is n with the noun, in the singular for one: "1 event", "3 events".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Person is a member as people know them: "Sofia Brandt (M0025)"; the number
// alone where no name is known (erased, or not on the register).
func Person(name, id string) string {
	if name == "" {
		return id
	}
	return name + " (" + id + ")"
}

// LowerFirst lowers a name's first letter for the middle of a sentence ("Hold
// Party office" → "may not hold Party office"), unless the word is an acronym
// ("NEC ballot" stays).
func LowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsUpper(r) {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
