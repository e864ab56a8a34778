package rulebook

import (
	"strings"
	"testing"
)

func TestMemberLimits(t *testing.T) {
	for _, tc := range []struct {
		m     Member
		field string
	}{
		{Member{Name: strings.Repeat("a", MaxNameLen)}, ""},
		{Member{Name: strings.Repeat("é", MaxNameLen)}, ""}, // characters, not bytes
		{Member{Name: strings.Repeat("a", MaxNameLen+1)}, "name"},
		{Member{Name: "Ann\xff"}, "name"},
		{Member{Name: "Ann\nExample"}, "name"},
		{Member{Name: "Ann", Email: strings.Repeat("e", 60<<20)}, "email"}, // a 60 MB field
		{Member{Name: "Ann", Address: "1 Quay Street\nNorthport"}, ""},
		{Member{Name: "Ann", Address: "\xc3"}, "address"},
	} {
		err := tc.m.Check()
		e, _ := err.(*Error)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%.20q: %v", tc.m.Name, err)
		case tc.field != "" && (e == nil || e.Field != tc.field):
			t.Errorf("%.20q: %v, want an error on %s", tc.m.Name, err, tc.field)
		}
	}
}

func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{"Hold Party office": "hold Party office", "NEC ballot": "NEC ballot", "vote": "vote", "": "", "Ébauche": "ébauche", "X": "x"} {
		if got := LowerFirst(in); got != want {
			t.Errorf("LowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}
