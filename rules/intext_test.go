package rules

import (
	"bytes"
	"os"
	"testing"
)

// TestBodiesInText checks the bodies' names as a sentence reads them: with
// "the", once, whether or not the rule book's name starts with it.
func TestBodiesInText(t *testing.T) {
	v := &Version{Bodies: map[string]*Body{
		"nec":    {ID: "nec", Name: "National Executive Committee"},
		"member": {ID: "member", Name: "The member themselves"},
		"ncc":    {ID: "ncc", Name: "the National Constitutional Committee"},
	}}
	for _, c := range []struct {
		ids  []string
		want string
	}{
		{[]string{"nec"}, "the National Executive Committee"},
		{[]string{"member", "nec"}, "the member themselves or the National Executive Committee"},
		{[]string{"ncc"}, "the National Constitutional Committee"},
		{[]string{"nec", "board"}, "the National Executive Committee or board"}, // undeclared: as it stands
	} {
		if got := v.BodiesInText(c.ids); got != c.want {
			t.Errorf("%v: %q, want %q", c.ids, got, c.want)
		}
	}
}

// A panel's sections are written as ids or as {id, name}, and called by their
// names, or else by their ids in words followed by "section".
func TestPanelSections(t *testing.T) {
	b, err := os.ReadFile("../examples/labour-2016.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const old = `sections: [{id: trade_union, name: Trade union section}, {id: clp, name: CLP section}]`
	if !bytes.Contains(b, []byte(old)) {
		t.Fatal("test is stale: the example's panel sections changed")
	}
	src := bytes.Replace(b, []byte(old), []byte(`sections: [lay_member, {id: ind, name: Independent members}]`), 1)
	rb, err := Load("labour.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	d := rb.Versions[len(rb.Versions)-1].Discipline
	if got := d.Panels["ncc"].Sections; len(got) != 2 || got[0] != (PanelSection{ID: "lay_member"}) || got[1] != (PanelSection{ID: "ind", Name: "Independent members"}) {
		t.Fatalf("sections: %+v", got)
	}
	for id, want := range map[string]string{"lay_member": "lay member section", "ind": "Independent members", "other_one": "other one section"} {
		if got := d.SectionTitle(id); got != want {
			t.Errorf("SectionTitle(%q) = %q, want %q", id, got, want)
		}
	}
	if s := rb.LatestSection("ind"); s == nil || s.Title() != "Independent members" {
		t.Errorf("LatestSection(ind) = %+v", s)
	}
	if s := rb.LatestSection("other_one"); s != nil {
		t.Errorf("LatestSection(other_one) = %+v, want none", s)
	}
}
