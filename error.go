package rulebook

import (
	"errors"
	"fmt"
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

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
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
