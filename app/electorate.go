package app

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/eligibility"
)

// The JSON of a streamed electorate is written by hand, a member at a time,
// byte for byte as encoding/json would write the Electorate (but for the
// order of its fields: members before count and refusals, which are known
// only at the end); json.Marshal of each entry would cost more than reading it.

// electorateHead is the part of an Electorate known before its members.
type electorateHead struct {
	Action     string        `json:"action"`
	Date       rulebook.Date `json:"date"`
	FreezeDate rulebook.Date `json:"freeze_date,omitempty"`
	Version    string        `json:"rule_book_version"`
}

// marshal writes v as encoding/json does: indented by two spaces (from depth
// levels in) without HTML escaping, or compact with it.
func marshal(v any, indent bool, html bool, depth int) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	if indent {
		prefix := ""
		for range depth {
			prefix += "  "
		}
		enc.SetIndent(prefix, "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// appendElectorateHead opens the electorate's object and its list of members.
func appendElectorateHead(buf []byte, el *Electorate, indent, html bool) []byte {
	b, err := marshal(electorateHead{el.Action, el.Date, el.FreezeDate, el.Version}, indent, html, 0)
	if err != nil { // strings and dates always encode
		panic(err)
	}
	buf = append(buf, bytes.TrimRight(b[:len(b)-1], "\n")...) // without its closing brace
	if indent {
		return append(buf, `,`+"\n"+`  "members": [`...)
	}
	return append(buf, `,"members":[`...)
}

// appendJSONEntry writes one member of the list (after a comma, if not the
// first).
func appendJSONEntry(buf []byte, e *eligibility.Entry, indent, html bool) []byte {
	field := func(name, v string, first bool) {
		if !first {
			buf = append(buf, ',')
		}
		if indent {
			buf = append(buf, "\n      "...)
		}
		buf = append(buf, '"')
		buf = append(buf, name...)
		buf = append(buf, `":`...)
		if indent {
			buf = append(buf, ' ')
		}
		buf = appendJSONString(buf, v, html)
	}
	if indent {
		buf = append(buf, "\n    "...)
	}
	buf = append(buf, '{')
	field("member", e.Member, true)
	field("name", e.Name, false)
	if e.Unit != "" {
		field("unit", e.Unit, false)
	}
	field("status", e.Status, false)
	if indent {
		buf = append(buf, "\n    "...)
	}
	return append(buf, '}')
}

// appendElectorateTail closes the list of n members and the object, with the
// count and refusals.
func appendElectorateTail(buf []byte, el *Electorate, n int, indent, html bool) ([]byte, error) {
	refused := el.Refused
	if refused == nil {
		refused = map[string]int{}
	}
	if indent {
		if n > 0 {
			buf = append(buf, "\n  "...)
		}
		buf = append(buf, "],\n  \"count\": "...)
	} else {
		buf = append(buf, `],"count":`...)
	}
	buf = strconv.AppendInt(buf, int64(el.Count), 10)
	if indent {
		buf = append(buf, ",\n  \"refused\": "...)
	} else {
		buf = append(buf, `,"refused":`...)
	}
	if len(refused) == 0 {
		buf = append(buf, "{}"...)
	} else {
		// The keys in order, as encoding/json writes a map.
		for i, k := range slices.Sorted(maps.Keys(refused)) {
			if i == 0 {
				buf = append(buf, '{')
			} else {
				buf = append(buf, ',')
			}
			if indent {
				buf = append(buf, "\n    "...)
			}
			buf = appendJSONString(buf, k, html)
			buf = append(buf, ':')
			if indent {
				buf = append(buf, ' ')
			}
			buf = strconv.AppendInt(buf, int64(refused[k]), 10)
		}
		if indent {
			buf = append(buf, "\n  "...)
		}
		buf = append(buf, '}')
	}
	if indent {
		buf = append(buf, '\n')
	}
	return append(buf, "}\n"...), nil
}

// appendJSONString writes s quoted: plain ASCII as it is, anything else as
// encoding/json escapes it.
func appendJSONString(buf []byte, s string, html bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 || (html && (c == '<' || c == '>' || c == '&')) {
			b, err := marshal(s, false, html, 0)
			if err != nil {
				panic(err) // a string always encodes
			}
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// appendCSVRecord writes an entry as a line of CSV, byte for byte as
// encoding/csv's Writer would (fields quoted only where they must be).
func appendCSVRecord(buf []byte, e *eligibility.Entry) []byte {
	for i, f := range [4]string{e.Member, e.Name, e.Unit, e.Status} {
		if i > 0 {
			buf = append(buf, ',')
		}
		if !csvNeedsQuotes(f) {
			buf = append(buf, f...)
			continue
		}
		buf = append(buf, '"')
		for j := 0; j < len(f); j++ {
			if f[j] == '"' {
				buf = append(buf, '"')
			}
			buf = append(buf, f[j])
		}
		buf = append(buf, '"')
	}
	return append(buf, '\n')
}

// csvNeedsQuotes is encoding/csv's rule for a comma-separated field.
func csvNeedsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` || strings.ContainsAny(f, "\",\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}
