package rules

import "testing"

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
