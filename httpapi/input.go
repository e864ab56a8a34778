package httpapi

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
)

// decodeJSON reads r's body into v, refusing unknown fields and trailing data, and
// names the field at fault. It insists on a JSON content type: a browser on another
// site cannot send one without asking first, so a page elsewhere cannot make changes.
func decodeJSON(r *http.Request, v any) error {
	if err := requireType(r, "application/json"); err != nil {
		return err
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err // a *http.MaxBytesError, reported as too large
	}
	return rulebook.DecodeInput(b, v)
}

func requireType(r *http.Request, want string) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != want {
		return &rulebook.Error{Code: codeUnsupportedMedia, Field: "Content-Type", Message: "expected " + want + ", got " + strconv.Quote(ct)}
	}
	return nil
}

// orEmpty is s, or an empty slice when s is nil: the API answers an empty list
// as [], never null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// parseDate reads an optional YYYY-MM-DD input; def is used when it is empty.
func parseDate(field, s string, def rulebook.Date) (rulebook.Date, error) {
	if s == "" {
		return def, nil
	}
	d, err := rulebook.ParseDate(s)
	if err != nil {
		return rulebook.NoDate, rulebook.FieldError(field, "%v", err)
	}
	return d, nil
}

// queryDate reads a date query parameter, def when absent.
func queryDate(r *http.Request, name string, def rulebook.Date) (rulebook.Date, error) {
	return parseDate(name, query(r).Get(name), def)
}

// queryInstant reads an instant query parameter: RFC 3339, or a date meaning the
// end of that day (as the command line's --as-recorded); the zero time when absent.
func queryInstant(r *http.Request, name string) (time.Time, error) {
	s := query(r).Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := rulebook.ParseInstant(s)
	if err != nil {
		return time.Time{}, rulebook.FieldError(name, "%v", err)
	}
	return t, nil
}

// queryLimit reads the "limit" query parameter, no larger than max; absent or 0
// means def.
func queryLimit(r *http.Request, def, max int64) (int, error) {
	n, err := queryInt(r, "limit", def, max)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		n = def
	}
	return int(n), nil
}

// queryInt reads a non-negative integer query parameter no larger than max.
func queryInt(r *http.Request, name string, def, max int64) (int64, error) {
	s := query(r).Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, rulebook.FieldError(name, "%q is not a whole number", s)
	}
	if max > 0 && n > max {
		return 0, rulebook.FieldError(name, "%d is more than the maximum %d", n, max)
	}
	return n, nil
}

// checkQuery refuses query parameters other than those a route takes (names
// ending in "..." may be repeated), an empty value, and a second value of one that
// may not be repeated: a filter misspelt, or one the API no longer takes, would
// otherwise be ignored and the answer given as if unfiltered, without a word. The
// error names the parameter and those the route takes.
func checkQuery(r *http.Request, takes []string) error {
	q := r.URL.Query()
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// Parsed once for the request: the handler reads it from here (query).
		r.Form = q
	}
	if len(q) == 0 {
		return nil
	}
	names := make([]string, len(takes))
	for i, n := range takes {
		names[i] = strings.TrimSuffix(n, "...")
	}
	takesWhat := "takes no query parameters"
	if len(names) > 0 {
		takesWhat = "takes " + strings.Join(names, ", ")
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "" {
			// "?=x" or "?&=": nothing to name but the query itself.
			return rulebook.FieldError("query", "a query parameter has no name (%q): this endpoint %s", "="+q[k][0], takesWhat)
		}
		i := slices.Index(names, k)
		if i < 0 {
			hint := ""
			if alt := strings.ReplaceAll(k, "-", "_"); alt != k && slices.Contains(names, alt) {
				hint = " (did you mean " + alt + "?)"
			}
			return rulebook.FieldError(k, "unknown query parameter %q%s: this endpoint %s", k, hint, takesWhat)
		}
		vs := q[k]
		if len(vs) > 1 && !strings.HasSuffix(takes[i], "...") {
			return rulebook.FieldError(k, "query parameter %q is given %d times; it takes one value", k, len(vs))
		}
		if slices.Contains(vs, "") {
			return rulebook.FieldError(k, "query parameter %q is empty: give a value, or leave it out for its default", k)
		}
	}
	return nil
}

// query returns r's query parameters: those checkQuery parsed (a read's, kept
// in r.Form, which for a GET holds nothing else), or parsed now.
func query(r *http.Request) url.Values {
	if r.Form != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		return r.Form
	}
	return r.URL.Query()
}

// queryBool reads a query parameter that is true or false; def when absent.
func queryBool(r *http.Request, name string, def bool) (bool, error) {
	switch v := query(r).Get(name); v {
	case "":
		return def, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	default:
		return false, rulebook.FieldError(name, "must be true or false, not %q", v)
	}
}

// required returns an error naming a missing query parameter.
func requiredParam(r *http.Request, name string) (string, error) {
	v := query(r).Get(name)
	if v == "" {
		return "", rulebook.FieldError(name, "is required")
	}
	return v, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
