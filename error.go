package rulebook

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes are stable strings that the JSON API and the CLI report; the HTTP
// layer maps each to a status in one table.
const (
	EInvalid      = "invalid"       // bad input; Message names the field
	ENotFound     = "not_found"     // no such member, event, unit…
	EConflict     = "conflict"      // already exists, or the record changed underneath
	ENotPermitted = "not_permitted" // the rule book does not allow it; Message cites the clause
	ENoRules      = "no_rules"      // no rule book version is in force on the date asked about
	ETampered     = "tampered"      // the event record failed verification
	// EUnauthorized asks the caller to sign in (or to give a valid token); EForbidden
	// refuses a signed-in caller something whose existence they may know of. Records
	// they may not know exist are refused as ENotFound.
	EUnauthorized = "unauthorized"
	EForbidden    = "forbidden"
	ERateLimited  = "rate_limited" // too many attempts: wait, then try again
	EInternal     = "internal"
)

// Error is an application error with a stable code and a message for people.
type Error struct {
	Code    string
	Message string
	// Field names the input field at fault, where there is one.
	Field string
}

// Error is the message, after the field it names unless the message already
// names it, or one of a list field's items ("complaint C-1 is about M0001…"
// rather than "complaints: complaint C-1 is about M0001…").
func (e *Error) Error() string {
	named := hasWord(e.Message, e.Field) || len(e.Field) > 1 && strings.HasSuffix(e.Field, "s") && hasWord(e.Message, strings.TrimSuffix(e.Field, "s"))
	if e.Field != "" && !named {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// hasWord reports whether w occurs in s as a word of its own.
func hasWord(s, w string) bool {
	isWord := func(b byte) bool {
		return b == '_' || b == '-' || b == '.' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
	}
	for i := 0; w != "" && i+len(w) <= len(s); i++ {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len(w)
		// A word ends at the end of s, or before a character that cannot continue
		// it (a full stop ends a sentence when a space or the end follows).
		endOK := end == len(s) || !isWord(s[end]) || s[end] == '.' && (end+1 == len(s) || s[end+1] == ' ')
		if (at == 0 || !isWord(s[at-1])) && endOK {
			return true
		}
		i = at
	}
	return false
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EInvalid error naming the field at fault.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// ErrorMessage returns the message of an *Error in err's chain, or a generic text for
// internal errors so that their details are not shown to API users.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}
