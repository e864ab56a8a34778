package rulebook

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DecodeInput reads a JSON document given by a person or a client (an API body, a
// command's --input file) into v. It refuses what is empty, not valid UTF-8,
// fields v does not have, and data after the document, and answers in the terms of
// JSON, never of Go: an *Error naming the field at fault ("hearing.date",
// "panel.members") with what was expected ("an array", "a whole number").
func DecodeInput(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return FieldError("body", "is empty: a JSON object is required")
	}
	// Decoding would replace invalid bytes with U+FFFD and store the guess for
	// ever; the CSV import refuses them, and so does this.
	if !utf8.Valid(b) {
		return FieldError("body", "is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if f, msg := badTextField(b, reflect.TypeOf(v)); f != "" {
			return FieldError(f, "%s", msg)
		}
		return jsonInputError(err, reflect.TypeOf(v))
	}
	if _, err := dec.Token(); err != io.EOF {
		return FieldError("body", "unexpected data after the JSON object")
	}
	return nil
}

// JSONKind says what JSON a value of type t is written as, for people: "an
// object", "an array", "a string", "a whole number"…
func JSONKind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a value"
	}
	if reflect.PointerTo(t).Implements(textType) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a string"
		}
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a value"
}

func jsonInputError(err error, top reflect.Type) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return FieldError("body", "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return FieldError(field, "expected %s, got a JSON %s", JSONKind(typ.Type), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return FieldError("body", "the JSON is cut short")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		if f == "" {
			return FieldError("body", `unknown field ""`)
		}
		return FieldError(f, "unknown field")
	}
	return FieldError("body", "%v", err)
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
