package rulebook

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestPersonalRoundTrip: personal fields are taken out and put back byte for
// byte, erased fields read as null, and a changed field is refused.
func TestPersonalRoundTrip(t *testing.T) {
	DeclarePersonal("test.nested", "who.name", "items.*.note", "text")
	salt := []byte("0123456789abcdef")
	for _, tc := range []struct {
		typ, data string
		held      []string // paths held apart
	}{
		{EventMemberJoined, `{"member":{"id":"M1","name":"Ann \"Nan\" Archer","email":"a@example.org","unit":"north","joined":"2001-01-01"},"status":"active"}`, []string{"member.name", "member.email"}},
		{EventMemberJoined, `{"member":{"id":"M1","name":"","joined":"2001-01-01"}}`, nil},
		{EventMemberUpdated, `{"unit":"south"}`, nil},
		{"test.nested", `{"who":{"name":"Bo"},"items":[{"note":"x<y","n":1},{"n":2},{"note":"z"}],"text":"t\\u00e9","other":[1,2]}`, []string{"who.name", "items.0.note", "items.2.note", "text"}},
		{"unit.created", `{"id":"u","name":"North"}`, nil},
	} {
		stored, personal, err := SealPersonal(tc.typ, []byte(tc.data), salt)
		if err != nil {
			t.Fatalf("%s: %v", tc.data, err)
		}
		if tc.held == nil {
			if personal != nil || string(stored) != tc.data {
				t.Errorf("%s: held apart %s, stored %s", tc.data, personal, stored)
			}
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(personal, &fields); err != nil || len(fields) != len(tc.held) {
			t.Fatalf("%s: held apart %s (%v), want %v", tc.data, personal, err, tc.held)
		}
		for _, p := range tc.held {
			if _, ok := fields[p]; !ok {
				t.Errorf("%s: %s not held apart: %s", tc.data, p, personal)
			}
		}
		if !json.Valid(stored) || !HasPersonal(stored) {
			t.Fatalf("stored %s", stored)
		}
		back, err := OpenPersonal(stored, salt, personal)
		if err != nil || string(back) != tc.data {
			t.Errorf("opened %s (%v), want %s", back, err, tc.data)
		}
		erased := ErasedData(stored)
		if !json.Valid(erased) || bytes.Contains(erased, []byte(PersonalKey)) {
			t.Errorf("erased %s", erased)
		}
		for _, v := range fields {
			if bytes.Contains(erased, v) {
				t.Errorf("erased %s still holds %s", erased, v)
			}
		}
		changed := bytes.Replace(personal, []byte(`"`), []byte(`" `), 1)
		if _, err := OpenPersonal(stored, salt, changed); ErrorCode(err) != ETampered {
			t.Errorf("changed fields opened: %v", err)
		}
		if _, err := OpenPersonal(stored, []byte("another salt...."), personal); ErrorCode(err) != ETampered {
			t.Errorf("another salt opened: %v", err)
		}
	}
	if _, _, err := SealPersonal(EventMemberJoined, []byte(`{"$personal":"x","member":{"name":"A"}}`), salt); err == nil {
		t.Error("data naming the commitment's key was stored")
	}
}

// FuzzPersonal: whatever JSON an event holds, taking its personal fields out and
// putting them back gives it back byte for byte, and nothing panics.
func FuzzPersonal(f *testing.F) {
	DeclarePersonal("test.fuzz", "a.b", "l.*.c", "t")
	for _, s := range []string{`{"a":{"b":"x"},"t":"y"}`, `{"l":[{"c":"1"},{"d":2},{"c":[1]}]}`, `{ "a" : { "b" : "x" } , "t" : 1 }`, `{}`, `{"a":1}`, `{"t":"\"}"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		stored, personal, err := SealPersonal("test.fuzz", []byte(data), []byte("salt"))
		if err != nil || personal == nil {
			return
		}
		if !json.Valid([]byte(data)) {
			return // the record stores what its callers marshalled: valid JSON
		}
		back, err := OpenPersonal(stored, []byte("salt"), personal)
		if err != nil || string(back) != data {
			t.Fatalf("%q: sealed %q %q, opened %q (%v)", data, stored, personal, back, err)
		}
		if e := ErasedData(stored); !json.Valid(e) || strings.Contains(string(e), PersonalKey) {
			t.Fatalf("%q: erased %q", data, e)
		}
	})
}

// FuzzPersonalObject: the personal fields held apart read as encoding/json
// reads them into a map, whatever the bytes: the same keys and values, and an
// error where it gives one.
func FuzzPersonalObject(f *testing.F) {
	for _, s := range []string{`{"member.name":"A","member.email":"a@example.org"}`, `{}`, ` { "a" : [1, {"b":"}"}] , "a" : null } `, `null`, `[1]`, `{"a\u0062":1}`, "{\"\xff\":1}", `{"a":1,}`, `{"a":tru}`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, personal []byte) {
		var want map[string]json.RawMessage
		werr := json.Unmarshal(personal, &want)
		got, err := personalObject(personal)
		if (err != nil) != (werr != nil) {
			t.Fatalf("%q: error %v, encoding/json's %v", personal, err, werr)
		}
		if err != nil {
			return
		}
		if (got == nil) != (want == nil) || len(got) != len(want) {
			t.Fatalf("%q: read %q, encoding/json %q", personal, got, want)
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || !bytes.Equal(g, v) {
				t.Fatalf("%q: %q is %q, encoding/json's %q", personal, k, g, v)
			}
		}
	})
}

func BenchmarkOpenPersonal(b *testing.B) {
	data := []byte(`{"member":{"id":"G0000001","name":"Member G0000001","email":"G0000001@example.org","phone":"0100 000001","address":"1 High Street","unit":"b0001","joined":"2001-01-01"},"status":"active"}`)
	salt := []byte("0123456789abcdef")
	stored, personal, err := SealPersonal(EventMemberJoined, data, salt)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := OpenPersonal(stored, salt, personal); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPersonalFieldTwice(t *testing.T) {
	if _, _, err := SealPersonal(EventMemberUpdated, []byte(`{"name":"A","name":"B"}`), []byte("s")); err == nil {
		t.Error("a field given twice was sealed: which is the record's?")
	}
}

func BenchmarkSealPersonal(b *testing.B) {
	data := []byte(`{"member":{"id":"G0000001","name":"Member G0000001","email":"G0000001@example.org","unit":"b0001","joined":"2001-01-01"},"status":"active"}`)
	salt := []byte("0123456789abcdef")
	for b.Loop() {
		if _, _, err := SealPersonal(EventMemberJoined, data, salt); err != nil {
			b.Fatal(err)
		}
	}
}
