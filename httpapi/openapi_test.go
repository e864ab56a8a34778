package httpapi

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// spec is the embedded OpenAPI document, decoded.
type spec map[string]any

func loadSpec(t testing.TB) spec {
	t.Helper()
	var s spec
	if err := json.Unmarshal(openAPIDoc, &s); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return s
}

func (s spec) ref(r string) any {
	var v any = map[string]any(s)
	for _, p := range strings.Split(strings.TrimPrefix(r, "#/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// deref follows $ref until it reaches an object without one.
func (s spec) deref(v any) map[string]any {
	for i := 0; i < 10; i++ {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		r, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		v = s.ref(r)
	}
	return nil
}

// operation returns the operation for a mux pattern ("GET /api/v1/members/{id}").
func (s spec) operation(pattern string) map[string]any {
	method, path, _ := strings.Cut(pattern, " ")
	paths, _ := s["paths"].(map[string]any)
	item, _ := paths[path].(map[string]any)
	op, _ := item[strings.ToLower(method)].(map[string]any)
	return op
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// patterns lists every operation of the document as a mux pattern.
func (s spec) patterns() []string {
	var out []string
	paths, _ := s["paths"].(map[string]any)
	for p, item := range paths {
		for _, m := range httpMethods {
			if _, ok := item.(map[string]any)[m]; ok {
				out = append(out, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// params returns an operation's parameters, by "in:name".
func (s spec) params(op map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := op["parameters"].([]any)
	for _, p := range list {
		pm := s.deref(p)
		out[fmt.Sprint(pm["in"])+":"+fmt.Sprint(pm["name"])] = pm
	}
	return out
}

var (
	dateRE     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	pathVarRE  = regexp.MustCompile(`\{([^}]+)\}`)
	schemaKeys = map[string]bool{"type": true, "properties": true, "required": true, "items": true, "additionalProperties": true,
		"$ref": true, "anyOf": true, "enum": true, "format": true, "pattern": true, "description": true, "minimum": true, "maximum": true, "minLength": true, "maxLength": true}
)

// validate checks v against schema structurally: types, required properties,
// unknown properties where additionalProperties is false, enums, patterns, date
// and date-time formats, bounds. It returns the problems found, each with its path.
func (s spec) validate(schema any, v any, at string) []string {
	sc := s.deref(schema)
	if sc == nil {
		return []string{at + ": schema does not resolve"}
	}
	for k := range sc {
		if !schemaKeys[k] {
			return []string{fmt.Sprintf("%s: schema keyword %q is not understood by this checker", at, k)}
		}
	}
	if alts, ok := sc["anyOf"].([]any); ok {
		var all []string
		for _, a := range alts {
			p := s.validate(a, v, at)
			if len(p) == 0 {
				return nil
			}
			all = append(all, p...)
		}
		return []string{fmt.Sprintf("%s: matches none of anyOf: %s", at, strings.Join(all, "; "))}
	}
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, at+": "+fmt.Sprintf(format, args...)) }
	if typ, ok := sc["type"].(string); ok && !hasType(typ, v) {
		bad("want %s, got %T (%v)", typ, v, v)
		return probs
	}
	if enum, ok := sc["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || e == v
		}
		if !found {
			bad("%v is not one of %v", v, enum)
		}
	}
	switch x := v.(type) {
	case string:
		if pat, ok := sc["pattern"].(string); ok && !regexp.MustCompile(pat).MatchString(x) {
			bad("%q does not match %s", x, pat)
		}
		if m, ok := sc["minLength"].(float64); ok && float64(utf8.RuneCountInString(x)) < m {
			bad("%q is shorter than %v", x, m)
		}
		if m, ok := sc["maxLength"].(float64); ok && float64(utf8.RuneCountInString(x)) > m {
			bad("%q is longer than %v", x, m)
		}
		switch sc["format"] {
		case "date":
			if !dateRE.MatchString(x) {
				bad("%q is not a date", x)
			}
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
				bad("%q is not an RFC 3339 instant", x)
			}
		}
	case float64:
		if m, ok := sc["minimum"].(float64); ok && x < m {
			bad("%v is below %v", x, m)
		}
		if m, ok := sc["maximum"].(float64); ok && x > m {
			bad("%v is above %v", x, m)
		}
	case []any:
		if items, ok := sc["items"]; ok {
			for i, e := range x {
				probs = append(probs, s.validate(items, e, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case map[string]any:
		props, _ := sc["properties"].(map[string]any)
		req, _ := sc["required"].([]any)
		for _, r := range req {
			if _, ok := x[r.(string)]; !ok {
				bad("required property %q is missing", r)
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := props[k]; ok {
				probs = append(probs, s.validate(p, x[k], at+"."+k)...)
				continue
			}
			switch ap := sc["additionalProperties"].(type) {
			case bool:
				if !ap {
					bad("property %q is not allowed", k)
				}
			case map[string]any:
				probs = append(probs, s.validate(ap, x[k], at+"."+k)...)
			case nil:
				if props != nil {
					// Responses must be fully described: an undocumented
					// property is drift between the code and the document.
					bad("property %q is not in the schema", k)
				}
			}
		}
	}
	return probs
}

func hasType(typ string, v any) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "number":
		_, ok := v.(float64)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

// TestOpenAPICoversRoutes checks that every route on the mux is in the document and
// every operation in the document is a route, with its path parameters declared.
func TestOpenAPICoversRoutes(t *testing.T) {
	sp := loadSpec(t)
	if sp["openapi"] != "3.1.0" {
		t.Errorf("openapi version %v, want 3.1.0", sp["openapi"])
	}
	s := NewServer(nil, Options{})
	var routes []string
	for _, rt := range s.routes {
		routes = append(routes, rt.pattern)
	}
	sort.Strings(routes)
	documented := sp.patterns()
	if strings.Join(routes, "\n") != strings.Join(documented, "\n") {
		t.Errorf("routes and document differ:\nroutes:\n  %s\ndocument:\n  %s", strings.Join(routes, "\n  "), strings.Join(documented, "\n  "))
	}
	for _, rt := range s.routes {
		op := sp.operation(rt.pattern)
		if op == nil {
			continue
		}
		ps := sp.params(op)
		for _, m := range pathVarRE.FindAllStringSubmatch(rt.pattern, -1) {
			if ps["path:"+m[1]] == nil {
				t.Errorf("%s: path parameter %s is not declared", rt.pattern, m[1])
			}
		}
		// The query parameters documented are exactly those the route takes (the
		// others are refused), the repeatable ones documented as arrays.
		documented := map[string]bool{}
		for k, pm := range ps {
			if name, ok := strings.CutPrefix(k, "query:"); ok {
				sc := sp.deref(pm["schema"])
				documented[name] = sc != nil && sc["type"] == "array"
			}
		}
		taken := map[string]bool{}
		for _, n := range rt.query {
			name, repeated := strings.CutSuffix(n, "...")
			taken[name] = repeated
			if rep, ok := documented[name]; !ok {
				t.Errorf("%s: takes query parameter %s, which is not documented", rt.pattern, name)
			} else if rep != repeated {
				t.Errorf("%s: query parameter %s: repeatable %v, documented as an array %v", rt.pattern, name, repeated, rep)
			}
		}
		for name := range documented {
			if _, ok := taken[name]; !ok {
				t.Errorf("%s: documents query parameter %s, which the route refuses", rt.pattern, name)
			}
		}
		if rt.write && op["requestBody"] == nil {
			t.Errorf("%s: no request body described", rt.pattern)
		}
		resps, _ := op["responses"].(map[string]any)
		if resps["default"] == nil {
			t.Errorf("%s: no default (error) response", rt.pattern)
		}
		if strings.Contains(rt.pattern, " /api/") && resps["401"] == nil {
			t.Errorf("%s: 401 is not described", rt.pattern)
		}
	}
	// Every $ref must resolve.
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok && sp.ref(r) == nil {
				t.Errorf("%s: $ref %s does not resolve", at, r)
			}
			for k, e := range x {
				walk(e, at+"/"+k)
			}
		case []any:
			for i, e := range x {
				walk(e, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	walk(map[string]any(sp), "#")
}

// TestValidatorRejects makes sure the schema checker can fail: a checker that passes
// everything would make the recorded-response check worthless.
func TestValidatorRejects(t *testing.T) {
	sp := loadSpec(t)
	ref := map[string]any{"$ref": "#/components/schemas/Member"}
	cases := []struct {
		doc  string
		want string
	}{
		{`{"id":"a","name":"A"}`, `required property "joined"`},
		{`{"id":"a","name":"A","joined":"1 May 2016"}`, `is not a date`},
		{`{"id":3,"name":"A","joined":"2016-05-01"}`, `want string`},
		{`{"id":"a","name":"A","joined":"2016-05-01","shoe_size":9}`, `not in the schema`},
		{`[]`, `want object`},
	}
	for _, c := range cases {
		var v any
		json.Unmarshal([]byte(c.doc), &v)
		probs := sp.validate(ref, v, "$")
		if !strings.Contains(strings.Join(probs, "\n"), c.want) {
			t.Errorf("%s: problems %q, want one containing %q", c.doc, probs, c.want)
		}
	}
	var ok any
	json.Unmarshal([]byte(`{"id":"a","name":"A","joined":"2016-05-01","email":"a@example.org"}`), &ok)
	if probs := sp.validate(ref, ok, "$"); len(probs) > 0 {
		t.Errorf("a good member was refused: %v", probs)
	}
}

// refusedParam reports whether x refused query parameter k as unknown: a client
// may send any parameter, and one the document does not declare must be refused,
// naming it, rather than ignored.
func refusedParam(x exchange, k string) bool {
	var e struct {
		Error struct{ Code, Field, Message string }
	}
	return x.status == 400 && json.Unmarshal(x.body, &e) == nil && e.Error.Field == k && strings.Contains(e.Error.Message, "unknown query parameter")
}

// checkRecorded validates recorded exchanges against the document: the status must
// be described, a JSON body must match its schema, query parameters must be declared,
// and the bodies of accepted JSON requests must match the request schema.
func checkRecorded(t *testing.T, sp spec, recs []exchange) {
	t.Helper()
	seen := map[string]bool{}
	for _, x := range recs {
		if x.pattern == "" {
			continue // no route: the JSON 404/405, checked by the scenarios
		}
		seen[x.pattern] = true
		op := sp.operation(x.pattern)
		if op == nil {
			t.Errorf("%s %s: route %s is not documented", x.method, x.target, x.pattern)
			continue
		}
		ps := sp.params(op)
		for k := range x.query {
			if ps["query:"+k] == nil && !refusedParam(x, k) {
				t.Errorf("%s %s: query parameter %q is not documented for %s", x.method, x.target, k, x.pattern)
			}
		}
		resps, _ := op["responses"].(map[string]any)
		resp := resps[fmt.Sprint(x.status)]
		if resp == nil {
			resp = resps["default"]
			// Every status a test provokes must be listed, errors included, so
			// that clients can see which errors each operation gives.
			t.Errorf("%s %s: status %d is not documented for %s", x.method, x.target, x.status, x.pattern)
		}
		rm := sp.deref(resp)
		content, _ := rm["content"].(map[string]any)
		mt, _, _ := strings.Cut(x.ctype, ";")
		media, ok := content[mt].(map[string]any)
		if !ok {
			t.Errorf("%s %s: response %d of type %q is not documented", x.method, x.target, x.status, x.ctype)
			continue
		}
		if mt == "application/json" {
			var v any
			if err := json.Unmarshal(x.body, &v); err != nil {
				t.Errorf("%s %s: response is not JSON: %v", x.method, x.target, err)
				continue
			}
			for _, p := range sp.validate(media["schema"], v, "response") {
				t.Errorf("%s %s → %d: %s", x.method, x.target, x.status, p)
			}
		}
		if x.status < 300 && x.reqType == "application/json" {
			rb := sp.deref(op["requestBody"])
			c, _ := rb["content"].(map[string]any)
			m, _ := c["application/json"].(map[string]any)
			var v any
			json.Unmarshal(x.reqBody, &v)
			for _, p := range sp.validate(m["schema"], v, "request") {
				t.Errorf("%s %s: accepted request body: %s", x.method, x.target, p)
			}
		}
	}
	for _, p := range sp.patterns() {
		if !seen[p] {
			t.Errorf("no test exercised %s", p)
		}
	}
}
