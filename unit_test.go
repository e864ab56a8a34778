package rulebook_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
)

func TestUnitTree(t *testing.T) {
	tree := rulebook.NewUnits([]rulebook.Unit{
		{ID: "r1", Kind: "region"}, {ID: "c1", Kind: "county", Parent: "r1"}, {ID: "k1", Kind: "club", Parent: "c1"},
		{ID: "k2", Kind: "club", Parent: "c1"}, {ID: "c2", Kind: "county", Parent: "r1"}, {ID: "k3", Kind: "club"},
		// A loop the register never records, as a tampered projection could hold.
		{ID: "x", Kind: "club", Parent: "y"}, {ID: "y", Kind: "county", Parent: "x"},
	})
	if got := tree.OfKind("k1", "region"); got != "r1" {
		t.Errorf("k1's region %q", got)
	}
	if got := tree.OfKind("k1", "club"); got != "k1" {
		t.Errorf("k1's club %q", got)
	}
	if got := tree.OfKind("k3", "county"); got != "" {
		t.Errorf("k3 is in no county, not %q", got)
	}
	if !tree.Within("k1", "r1") || tree.Within("r1", "k1") || tree.Within("k3", "c1") || tree.Within("k1", "") {
		t.Error("Within")
	}
	if got := slices.Sorted(maps.Keys(tree.Below("c1"))); !slices.Equal(got, []string{"c1", "k1", "k2"}) {
		t.Errorf("below c1: %q", got)
	}
	if got := slices.Sorted(maps.Keys(tree.Below("r1"))); !slices.Equal(got, []string{"c1", "c2", "k1", "k2", "r1"}) {
		t.Errorf("below r1: %q", got)
	}
	if got := len(tree.Chain("x")); got > len(tree)+1 {
		t.Errorf("a loop gives a chain of %d", got)
	}
	if tree.OfKind("x", "region") != "" || len(tree.Below("x")) != 2 {
		t.Error("a loop")
	}
}

// A member recorded by the first releases is read with their unit: the lowest
// named, the first in the data. Today's form reads back as it was written, and
// an update of the old form places the member through the tree.
func TestMemberUnitsAsRecorded(t *testing.T) {
	var m rulebook.Member
	if err := json.Unmarshal([]byte(`{"id":"m1","name":"Ann","email":"a@example.org","branch":"b1","constituency":"c1","joined":"2001-01-01"}`), &m); err != nil {
		t.Fatal(err)
	}
	if m.Unit != "b1" || m.Email != "a@example.org" || m.Joined != rulebook.MustDate("2001-01-01") {
		t.Errorf("old form: %+v", m)
	}
	in := rulebook.Member{ID: "m2", Name: "Bob", Unit: "u9", Joined: rulebook.MustDate("2002-02-02")}
	b, _ := rulebook.MarshalData(in)
	var out rulebook.Member
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("today's form: %s read as %+v (%v)", b, out, err)
	}
	if err := json.Unmarshal([]byte(`{"id":"m3","joined":"not a date"}`), &out); err == nil {
		t.Error("a bad date read without error")
	}
	var u rulebook.MemberUpdated
	if err := json.Unmarshal([]byte(`{"email":"x@example.org"}`), &u); err != nil || u.Legacy() || u.IsZero() {
		t.Errorf("today's update: %+v %v", u, err)
	}
	if err := json.Unmarshal([]byte(`{"constituency":"c1"}`), &u); err != nil || !u.Legacy() || u.IsZero() || u.Email != "" {
		t.Errorf("an old update: %+v %v", u, err)
	}

	d := rulebook.MustDate
	raw := func(typ, subject, data string) rulebook.Event {
		return rulebook.Event{Type: typ, Subject: subject, Effective: d("2001-01-01"), Data: json.RawMessage(data)}
	}
	evs := []rulebook.Event{
		raw("branch.created", "branch/c1", `{"id":"c1","name":"C","kind":"constituency"}`),
		raw("branch.created", "branch/b1", `{"id":"b1","name":"B","kind":"branch","parent":"c1"}`),
		raw("unit.created", "unit/c2", `{"id":"c2","name":"D","kind":"constituency"}`),
		raw("member.joined", "m1", `{"member":{"id":"m1","name":"Ann","branch":"b1","constituency":"c1","joined":"2001-01-01"}}`),
		raw("member.joined", "m2", `{"member":{"id":"m2","name":"Bob","branch":"b1","constituency":"c1","joined":"2001-01-01"}}`),
		raw("member.updated", "m1", `{"constituency":"c1"}`),
		raw("member.updated", "m2", `{"constituency":"c2"}`),
	}
	for i := range evs {
		evs[i].Seq = int64(i + 1)
	}
	reg, err := rulebook.Project(evs, "active", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Units) != 3 || reg.Units["b1"].Parent != "c1" {
		t.Errorf("units %+v", reg.Units)
	}
	if got := []string{reg.Members["m1"].Member.Unit, reg.Members["m2"].Member.Unit}; !slices.Equal(got, []string{"b1", "c2"}) {
		t.Errorf("units of m1 and m2: %q", got)
	}
	if !rulebook.NeedsUnits(evs) || rulebook.NeedsUnits(evs[:5]) {
		t.Error("NeedsUnits")
	}
}
