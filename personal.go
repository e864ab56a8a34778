package rulebook

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Personal data is held apart from the record so that it can be erased when the
// law requires (its retention period ends, or a valid erasure request) while every
// hash, checkpoint and proof still verifies. Each event type declares which of its
// fields are personal (DeclarePersonal). When an event is stored, those fields are
// taken out of its data and kept in a table of their own with a random salt; the
// data that is stored and hashed keeps, under PersonalKey, a commitment to them:
// the SHA-256 of the salt and the fields. An insider who edits the fields held
// apart is caught (they no longer match the commitment); erasing them deletes the
// fields and the salt, and what is left — the commitment — reveals nothing, not
// even whether a guessed name was the one erased, because the salt is gone.

// PersonalKey is the key, in an event's stored data, of the commitment to the
// personal fields held apart from it.
const PersonalKey = "$personal"

// personalMarker is how PersonalKey begins in stored data: a cheap test before
// any JSON is decoded.
var personalMarker = []byte(`"` + PersonalKey + `":`)

// personalDomain separates the commitment from any other use of SHA-256.
const personalDomain = "rulebook/personal/v1"

// personalPaths are the personal fields of each event type, as paths of JSON keys
// ("member.name"); "*" stands for every element of an array ("charges.*.reasons").
// They are declared when the program starts (package init) and only read after.
var personalPaths = map[string][][]string{}

// DeclarePersonal declares fields of an event type as personal data, held apart
// and erasable. Call it from an init function.
func DeclarePersonal(eventType string, paths ...string) {
	for _, p := range paths {
		personalPaths[eventType] = append(personalPaths[eventType], strings.Split(p, "."))
	}
}

// PersonalFields lists the fields declared personal for each event type, for
// documentation and for the rules page.
func PersonalFields() map[string][]string {
	out := map[string][]string{}
	for t, ps := range personalPaths {
		for _, p := range ps {
			out[t] = append(out[t], strings.Join(p, "."))
		}
		sort.Strings(out[t])
	}
	return out
}

func init() {
	DeclarePersonal(EventMemberJoined, "member.name", "member.email", "member.phone", "member.address")
	DeclarePersonal(EventMemberUpdated, "name", "email", "phone", "address")
	DeclarePersonal(EventComplaintReceived, "summary")
	DeclarePersonal(EventComplaintReported, "about", "about_unit", "summary")
	DeclarePersonal(EventComplaintInformation, "text")
	DeclarePersonal(EventCorrected, "reason")
}

// PersonalCommitment is the commitment stored in place of personal fields: the
// SHA-256 of the salt and the fields (a JSON object from path to value).
func PersonalCommitment(salt, personal []byte) Hash {
	// Most fit in a buffer on the stack: one allocation fewer per event sealed.
	var small [512]byte
	b := small[:0]
	if n := len(personalDomain) + len(salt) + len(personal) + 8; n > len(small) {
		b = make([]byte, 0, n)
	}
	b = append(b, personalDomain...)
	b = binary.AppendUvarint(b, uint64(len(salt)))
	b = append(b, salt...)
	b = append(b, personal...)
	return sha256.Sum256(b)
}

// storedPrefix begins stored data that commits to personal fields: the
// commitment is its first member, before the event's own, so that taking it off
// gives back the event's data byte for byte.
const storedPrefix = `{"` + PersonalKey + `":"`

// SealPersonal takes the personal fields declared for typ out of data. It returns
// the data to store — each personal field's value replaced by null, and the
// commitment to them first, under PersonalKey — and the fields, as a JSON object
// from their path ("charges.0.particulars") to their value. Empty fields are left
// as they are. When data holds no personal field, stored is data itself and
// personal is nil.
func SealPersonal(typ string, data, salt []byte) (stored, personal []byte, err error) {
	pats := personalPaths[typ]
	if len(pats) == 0 || len(data) < 2 || data[0] != '{' {
		return data, nil, nil
	}
	if bytes.HasPrefix(data, []byte(storedPrefix)) {
		return nil, nil, fmt.Errorf("the data of a %s event may not hold the key %q", typ, PersonalKey)
	}
	w, spans, err := findSpans(data, pats, nil)
	defer w.release()
	if err != nil {
		return nil, nil, fmt.Errorf("the data of a %s event: %w", typ, err)
	}
	for k, sp := range spans {
		for _, o := range spans[:k] {
			if o.path == sp.path {
				return nil, nil, fmt.Errorf("the data of a %s event holds %s twice", typ, sp.path)
			}
		}
	}
	fields := make([]byte, 0, len(data))
	kept := spans[:0] // the spans not empty, in place
	for _, sp := range spans {
		v := data[sp.start:sp.end]
		if emptyJSON(v) {
			continue
		}
		kept = append(kept, sp)
		if len(fields) == 0 {
			fields = append(fields, '{')
		} else {
			fields = append(fields, ',')
		}
		fields = appendQuotedPath(fields, sp.path)
		fields = append(fields, ':')
		fields = append(fields, v...)
	}
	if len(kept) == 0 {
		return data, nil, nil
	}
	fields = append(fields, '}')
	c := PersonalCommitment(salt, fields)
	out := make([]byte, 0, len(data)+len(storedPrefix)+70)
	out = append(out, storedPrefix...)
	out = hex.AppendEncode(out, c[:])
	out = append(out, '"')
	if rest := bytes.TrimSpace(data[1:]); len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	last := 1
	for _, sp := range kept {
		out = append(out, data[last:sp.start]...)
		out = append(out, "null"...)
		last = sp.end
	}
	out = append(out, data[last:]...)
	return out, fields, nil
}

// appendQuotedPath appends path quoted as strconv.AppendQuote does, without its
// rune-by-rune work for the usual path of plain ASCII keys.
func appendQuotedPath(b []byte, path string) []byte {
	for i := 0; i < len(path); i++ {
		if c := path[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.AppendQuote(b, path)
		}
	}
	b = append(b, '"')
	b = append(b, path...)
	return append(b, '"')
}

func emptyJSON(v []byte) bool {
	switch string(v) {
	case `""`, `null`, `[]`, `{}`:
		return true
	}
	return false
}

// HasPersonal reports whether stored data commits to personal fields held apart.
func HasPersonal(stored []byte) bool { return bytes.HasPrefix(stored, []byte(storedPrefix)) }

// StoredCommitment returns the commitment stored data holds, if any.
func StoredCommitment(stored []byte) (Hash, bool) {
	if !HasPersonal(stored) || len(stored) < len(storedPrefix)+65 {
		return Hash{}, false
	}
	// Decoded in place: verify asks this of every sealed event.
	var h Hash
	_, err := hex.Decode(h[:], stored[len(storedPrefix):len(storedPrefix)+64])
	return h, err == nil && stored[len(storedPrefix)+64] == '"'
}

// withoutCommitment returns stored data without its commitment: the event's data
// with its personal fields null.
func withoutCommitment(stored []byte) []byte {
	rest := stored[len(storedPrefix)+65:]
	if len(rest) > 0 && rest[0] == ',' {
		rest = rest[1:]
	}
	return append([]byte{'{'}, rest...)
}

// OpenPersonal puts the personal fields held apart back into stored data, after
// checking them against its commitment: fields that no longer match are refused.
// What it returns is the event's data byte for byte as it was recorded.
func OpenPersonal(stored, salt, personal []byte) (json.RawMessage, error) {
	want, ok := StoredCommitment(stored)
	if !ok {
		return nil, fmt.Errorf("its data holds no commitment to personal data")
	}
	if PersonalCommitment(salt, personal) != want {
		return nil, Errorf(ETampered, "the personal data held apart from it was changed: it no longer matches the commitment in the record")
	}
	return OpenCheckedPersonal(stored, personal)
}

// OpenCheckedPersonal is OpenPersonal for personal fields already checked
// against the commitment in stored (as the verify's pass over them checks
// every row): the check, a hash of the row, is not made again.
func OpenCheckedPersonal(stored, personal []byte) (json.RawMessage, error) {
	if _, ok := StoredCommitment(stored); !ok {
		return nil, fmt.Errorf("its data holds no commitment to personal data")
	}
	fields, err := personalObject(personal)
	if err != nil {
		return nil, err
	}
	data := withoutCommitment(stored)
	w, spans, err := findSpans(data, nil, fields)
	defer w.release()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(data)+len(personal))
	last := 0
	for _, sp := range spans {
		out = append(out, data[last:sp.start]...)
		out = append(out, fields[sp.path]...)
		last = sp.end
	}
	return append(out, data[last:]...), nil
}

// personalObject reads the personal fields held apart, a JSON object from
// path to value, as json.Unmarshal reads it into a map (the values, valid
// while personal is, not copied): a read of every event that holds personal
// fields goes through here, and encoding/json was half its cost.
func personalObject(personal []byte) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	w := &walker{data: personal}
	i := w.ws(0)
	if !json.Valid(personal) || i >= len(personal) || personal[i] != '{' {
		// null, or an error that says what is wrong, as encoding/json says it.
		err := json.Unmarshal(personal, &fields)
		return fields, err
	}
	fields = map[string]json.RawMessage{}
	if i = w.ws(i + 1); personal[i] == '}' {
		return fields, nil
	}
	for {
		// Valid JSON: a key, a colon, a value, and a comma or the end.
		end, err := w.str(i)
		if err != nil {
			return nil, err
		}
		key := string(personal[i+1 : end-1])
		if strings.IndexByte(key, '\\') >= 0 || !utf8.ValidString(key) {
			if err := json.Unmarshal(personal[i:end], &key); err != nil {
				return nil, err
			}
		}
		i = w.ws(w.ws(end) + 1)
		if end, err = w.skip(i); err != nil {
			return nil, err
		}
		fields[key] = personal[i:end:end]
		if i = w.ws(end); personal[i] == '}' {
			return fields, nil
		}
		i = w.ws(i + 1)
	}
}

// ErasedData returns stored data as it reads once its personal fields are erased:
// each of them null, and without the commitment.
func ErasedData(stored []byte) json.RawMessage {
	if _, ok := StoredCommitment(stored); !ok {
		return json.RawMessage(stored)
	}
	return withoutCommitment(stored)
}

// span is where a value lies in JSON text, and its path.
type span struct {
	path       string
	start, end int
}

// findSpans returns, in order, the values in the JSON object data at paths
// matching one of pats, or (with pats nil) at the paths that are keys of want.
// The spans are the walker's, valid until w.release (a walker and its stacks
// are reused: every event stored is walked, and a new walker each time was a
// fifth of what a large import allocated).
func findSpans(data []byte, pats [][]string, want map[string]json.RawMessage) (w *walker, spans []span, err error) {
	w = walkers.Get().(*walker)
	w.data, w.pats, w.want, w.path, w.spans = data, pats, want, w.path[:0], w.spans[:0]
	end, err := w.value(w.ws(0))
	if err != nil {
		return w, nil, err
	}
	if w.ws(end) != len(data) {
		return w, nil, fmt.Errorf("text after the JSON value at byte %d", end)
	}
	return w, w.spans, nil
}

var walkers = sync.Pool{New: func() any { return &walker{path: make([]seg, 0, 8), spans: make([]span, 0, 8)} }}

// release gives the walker back, keeping nothing of the data it walked.
func (w *walker) release() {
	clear(w.path[:cap(w.path)])
	clear(w.spans[:cap(w.spans)])
	w.data, w.pats, w.want = nil, nil, nil
	walkers.Put(w)
}

// seg is one step of a path: an object's key, or an array's index (key nil).
type seg struct {
	key []byte
	idx int
}

func (s seg) String() string {
	if s.key == nil {
		return strconv.Itoa(s.idx)
	}
	return string(s.key)
}

type walker struct {
	data  []byte
	pats  [][]string
	want  map[string]json.RawMessage
	path  []seg
	spans []span
	pbuf  []byte
}

func (w *walker) ws(i int) int {
	for i < len(w.data) && (w.data[i] == ' ' || w.data[i] == '\t' || w.data[i] == '\n' || w.data[i] == '\r') {
		i++
	}
	return i
}

// appendPath appends the walker's path as pathString writes it.
func (w *walker) appendPath(b []byte) []byte {
	for i, s := range w.path {
		if i > 0 {
			b = append(b, '.')
		}
		if s.key == nil {
			b = strconv.AppendInt(b, int64(s.idx), 10)
		} else {
			b = append(b, s.key...)
		}
	}
	return b
}

func (w *walker) pathString() string {
	n := 0
	for _, s := range w.path {
		n += len(s.key) + 4
	}
	var b strings.Builder
	b.Grow(n)
	for i, s := range w.path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.String())
	}
	return b.String()
}

// match says whether the current path is one sought (full) or leads to one
// (prefix).
func (w *walker) match() (full, prefix bool) {
	if len(w.path) == 0 {
		return false, true
	}
	if w.want != nil {
		// The path written into a buffer the walker keeps: looked up, and
		// compared with each key sought, without a string made of it.
		w.pbuf = w.appendPath(w.pbuf[:0])
		p := w.pbuf
		if _, ok := w.want[string(p)]; ok {
			return true, false
		}
		for k := range w.want {
			if len(k) > len(p) && k[len(p)] == '.' && k[:len(p)] == string(p) {
				return false, true
			}
		}
		return false, false
	}
	for _, pat := range w.pats {
		if len(pat) < len(w.path) {
			continue
		}
		ok := true
		for i, s := range w.path {
			if s.key == nil {
				ok = pat[i] == "*"
			} else {
				ok = pat[i] == string(s.key)
			}
			if !ok {
				break
			}
		}
		if ok && len(pat) == len(w.path) {
			full = true
		} else if ok {
			prefix = true
		}
	}
	return full, prefix
}

// value reads the value at i, at the walker's path, and returns where it ends.
func (w *walker) value(i int) (int, error) {
	if i >= len(w.data) {
		return 0, fmt.Errorf("unexpected end of JSON")
	}
	full, prefix := w.match()
	if full {
		end, err := w.skip(i)
		if err != nil {
			return 0, err
		}
		w.spans = append(w.spans, span{path: w.pathString(), start: i, end: end})
		return end, nil
	}
	if !prefix {
		return w.skip(i)
	}
	depth := len(w.path)
	end, err := w.inside(i, depth)
	w.path = w.path[:depth]
	return end, err
}

// inside reads the object or array at i, which holds a path sought, below
// the walker's path of depth steps (the caller takes the steps it adds off).
func (w *walker) inside(i, depth int) (int, error) {
	switch w.data[i] {
	case '{':
		i = w.ws(i + 1)
		if i < len(w.data) && w.data[i] == '}' {
			return i + 1, nil
		}
		for {
			if i >= len(w.data) || w.data[i] != '"' {
				return 0, fmt.Errorf("expected a key at byte %d", i)
			}
			end, err := w.str(i)
			if err != nil {
				return 0, err
			}
			key := w.data[i+1 : end-1]
			if bytes.IndexByte(key, '\\') >= 0 {
				var k string
				if err := json.Unmarshal(w.data[i:end], &k); err != nil {
					return 0, err
				}
				key = []byte(k)
			}
			i = w.ws(end)
			if i >= len(w.data) || w.data[i] != ':' {
				return 0, fmt.Errorf("expected ':' at byte %d", i)
			}
			w.path = append(w.path[:depth], seg{key: key})
			if i, err = w.value(w.ws(i + 1)); err != nil {
				return 0, err
			}
			i = w.ws(i)
			if i < len(w.data) && w.data[i] == ',' {
				i = w.ws(i + 1)
				continue
			}
			if i < len(w.data) && w.data[i] == '}' {
				return i + 1, nil
			}
			return 0, fmt.Errorf("expected ',' or '}' at byte %d", i)
		}
	case '[':
		i = w.ws(i + 1)
		if i < len(w.data) && w.data[i] == ']' {
			return i + 1, nil
		}
		for n := 0; ; n++ {
			w.path = append(w.path[:depth], seg{idx: n})
			var err error
			if i, err = w.value(i); err != nil {
				return 0, err
			}
			i = w.ws(i)
			if i < len(w.data) && w.data[i] == ',' {
				i = w.ws(i + 1)
				continue
			}
			if i < len(w.data) && w.data[i] == ']' {
				return i + 1, nil
			}
			return 0, fmt.Errorf("expected ',' or ']' at byte %d", i)
		}
	}
	return w.skip(i)
}

// skip returns where the value at i ends.
func (w *walker) skip(i int) (int, error) {
	if i >= len(w.data) {
		return 0, fmt.Errorf("unexpected end of JSON")
	}
	switch c := w.data[i]; c {
	case '"':
		return w.str(i)
	case '{', '[':
		depth := 0
		for j := i; j < len(w.data); j++ {
			switch w.data[j] {
			case '"':
				end, err := w.str(j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("unexpected end of JSON")
	default:
		j := i
		for j < len(w.data) && !strings.ContainsRune(",}] \t\n\r", rune(w.data[j])) {
			j++
		}
		if j == i {
			return 0, fmt.Errorf("unexpected %q at byte %d", c, i)
		}
		return j, nil
	}
}

// str returns where the string starting at i ends (after its closing quote).
func (w *walker) str(i int) (int, error) {
	for j := i + 1; j < len(w.data); j++ {
		switch w.data[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated string at byte %d", i)
}

// EventErased records that the personal fields of events were erased: its
// subject begins with ErasureSubjectPrefix, and its data is an Erasure. verify
// accepts a missing field only where an erasure in the chain names its event.
const EventErased = "record.erased"

// ErasureSubjectPrefix begins the subject of an erasure ("erasure/M0042").
const ErasureSubjectPrefix = "erasure/"

// Erasure is the data of a record.erased event.
type Erasure struct {
	// Subject is whose record was erased: a member, a case, a complaint.
	Subject string `json:"subject"`
	// Events are the ids of the events whose personal fields were erased.
	Events []string `json:"events"`
	// Basis is "retention" (the rule book's schedule) or "request" (an erasure
	// the person asked for, found valid).
	Basis string `json:"basis"`
	// Clause is the rule book's retention clause, for an erasure it scheduled.
	Clause string `json:"clause,omitempty"`
	Reason string `json:"reason,omitempty"`
	// AccessThrough is, for an erasure of the access log's entries past their
	// retention period (Subject AccessLogErasure), the last entry it may have
	// erased: verify accepts an erased entry only at or before the furthest
	// such erasure recorded, so a recent read cannot be hidden as an erasure.
	AccessThrough int64 `json:"access_through,omitempty"`
}

// AccessLogErasure is the Subject of an Erasure of access-log entries: a "/"
// keeps it apart from every member id (ValidID).
const AccessLogErasure = "access-log/entries"

// Bases of an erasure.
const (
	ErasureRetention = "retention"
	ErasureRequest   = "request"
)
