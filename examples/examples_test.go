package examples_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/rules"
)

// A clause's text says when an action's condition is measured as the rule does:
// a condition measured at the freeze date cites no clause that measures it at the
// date of a meeting, and in the demo's rule book one that names the freeze date;
// one measured at the date asked about cites none that names a freeze date.
func TestConditionTextsAgreeWithTheirRules(t *testing.T) {
	names, err := fs.Glob(examples.FS, "*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatal(names, err)
	}
	for _, name := range names {
		src, _ := examples.FS.ReadFile(name)
		rb, err := rules.Load(name, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range rb.Versions {
			for _, a := range v.Actions {
				for _, c := range a.Conditions {
					cl := v.Clause(c.Clause)
					if cl == nil {
						continue
					}
					text := strings.ToLower(strings.Join(strings.Fields(cl.Text), " "))
					names := strings.Contains(text, "freeze date")
					atMeeting := strings.Contains(text, "date of the") && strings.Contains(text, "meeting")
					if c.MeasuredAt == "freeze_date" && (atMeeting || name == "labour-2016.yaml" && !names) {
						t.Errorf("%s version %s: %s is measured at the freeze date, but clause %s says: %s", name, v.ID, a.ID, c.Clause, cl.Text)
					}
					if c.MeasuredAt == "date" && names {
						t.Errorf("%s version %s: %s is measured at the date asked about, but clause %s says: %s", name, v.ID, a.ID, c.Clause, cl.Text)
					}
				}
			}
		}
	}
}
