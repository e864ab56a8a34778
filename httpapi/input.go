package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	if len(bytes.TrimSpace(b)) == 0 {
		return rulebook.FieldError("body", "a JSON object is required")
	}
	// Decoding would replace invalid bytes with U+FFFD and store the guess for
	// ever; the CSV import refuses them, and so does this.
	if !utf8.Valid(b) {
		return rulebook.FieldError("body", "is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if f, msg := badTextField(b, reflect.TypeOf(v)); f != "" {
			return rulebook.FieldError(f, "%s", msg)
		}
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return rulebook.FieldError("body", "unexpected data after the JSON object")
	}
	return nil
}

// textType is the type of values, such as dates, that decode themselves from text.
var textType = reflect.TypeFor[encoding.TextUnmarshaler]()

// badTextField finds the first value in a JSON document that a field of type t
// decoding itself from text (a date) refuses, and names it by its path
// ("hearing.date", "sanction.conditions.0.due"): encoding/json reports such errors
// without the field.
func badTextField(doc []byte, t reflect.Type) (field, msg string) {
	var raw any
	if json.Unmarshal(doc, &raw) != nil {
		return "", ""
	}
	return walkText(raw, t, "")
}

func walkText(raw any, t reflect.Type, path string) (string, string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	if s, ok := raw.(string); ok && reflect.PointerTo(t).Implements(textType) {
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return path, err.Error()
		}
		return "", ""
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := raw.(map[string]any)
		if !ok {
			return "", ""
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				if p, msg := walkText(raw, f.Type, path); p != "" {
					return p, msg
				}
				continue
			}
			if name == "" || name == "-" {
				continue
			}
			if v, ok := m[name]; ok {
				if p, msg := walkText(v, f.Type, join(name)); p != "" {
					return p, msg
				}
			}
		}
	case reflect.Slice, reflect.Array:
		list, _ := raw.([]any)
		for i, v := range list {
			if p, msg := walkText(v, t.Elem(), join(strconv.Itoa(i))); p != "" {
				return p, msg
			}
		}
	case reflect.Map:
		m, _ := raw.(map[string]any)
		for k, v := range m {
			if p, msg := walkText(v, t.Elem(), join(k)); p != "" {
				return p, msg
			}
		}
	}
	return "", ""
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return rulebook.FieldError("body", "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return rulebook.FieldError(field, "expected %s, got a JSON %s", typ.Type, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return rulebook.FieldError("body", "the JSON is cut short")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		if f == "" {
			return rulebook.FieldError("body", `unknown field ""`)
		}
		return rulebook.FieldError(f, "unknown field")
	}
	return rulebook.FieldError("body", "%v", err)
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
	return parseDate(name, r.URL.Query().Get(name), def)
}

// queryInstant reads an RFC 3339 query parameter; the zero time when absent.
func queryInstant(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, rulebook.FieldError(name, "%q is not an instant in RFC 3339 form (e.g. 2016-05-01T12:00:00Z)", s)
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
	s := r.URL.Query().Get(name)
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

// knownParams refuses query parameters other than those named, for lists a
// filter narrows: a filter misspelt, or one the API no longer takes, would
// otherwise be ignored and widen the answer without a word.
func knownParams(r *http.Request, names ...string) error {
	for k := range r.URL.Query() {
		if !slices.Contains(names, k) {
			return rulebook.FieldError(k, "unknown query parameter (this endpoint takes %s)", strings.Join(names, ", "))
		}
	}
	return nil
}

// required returns an error naming a missing query parameter.
func requiredParam(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return "", rulebook.FieldError(name, "is required")
	}
	return v, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
