package rules_test

import (
	"path/filepath"
	"testing"

	"github.com/rulebook/rulebook/rules"
)

// Steps answers, for every pair of statuses in every version of the examples, what
// MayImpose answers when asked about every body in turn.
func TestStepsAgreeWithMayImpose(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	for _, f := range files {
		rb, err := rules.LoadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range rb.Versions {
			steps := v.Steps()
			refused := 0
			for _, from := range v.Statuses {
				for _, to := range v.Statuses {
					want := false
					for _, b := range v.BodyOrder {
						if _, ok := v.MayImpose(b, from.ID, to.ID); ok {
							want = true
						}
					}
					rule, got := steps.Rule(from.ID, to.ID)
					if got != want {
						t.Errorf("%s version %s: %s → %s: Steps says %v, MayImpose by some body %v", f, v.ID, from.ID, to.ID, got, want)
					}
					if got && rule != nil && rule.To != to.ID {
						t.Errorf("%s version %s: %s → %s permitted by a rule leading to %s", f, v.ID, from.ID, to.ID, rule.To)
					}
					if !got {
						refused++
						if mr, _ := v.MayImpose("", from.ID, to.ID); (rule == nil) != (mr == nil) {
							t.Errorf("%s version %s: %s → %s: Steps cites %v, MayImpose %v", f, v.ID, from.ID, to.ID, rule, mr)
						}
					}
				}
			}
			if refused == 0 {
				t.Errorf("%s version %s: every change permitted, so the test proves little", f, v.ID)
			}
		}
	}
}

// A version that lists no status changes restricts nothing, as MayImpose says.
func TestStepsOpenWithoutRules(t *testing.T) {
	v := &rules.Version{}
	if r, ok := v.Steps().Rule("a", "b"); !ok || r != nil {
		t.Fatalf("got %v %v", r, ok)
	}
}
