package rules_test

import (
	"os"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/rules"
)

const sportsBook = "../examples/sports-2024.yaml"

func TestOccasionsInTheSportsBook(t *testing.T) {
	rb, err := rules.LoadFile(sportsBook)
	if err != nil {
		t.Fatal(err)
	}
	v := rb.Versions[0]
	ban := v.Sanctions["match_ban"]
	if !ban.Counted() || ban.MaxDuration.Unit != "matches" || ban.MaxDuration.String() != "12 matches" {
		t.Errorf("match ban: %+v", ban.MaxDuration)
	}
	if o := v.Occasion("match"); o == nil || o.ID != "matches" || !o.Counts("played") || o.Counts("postponed") {
		t.Errorf("occasion by its singular: %+v", o)
	}
	for _, tc := range []struct {
		n    int
		unit string
		want string
	}{{1, "matches", "1 match"}, {3, "match", "3 matches"}, {0, "matches", "0 matches"}, {1, "points", "1 point"}, {6, "points", "6 points"}} {
		if got := v.Amount(tc.n, tc.unit); got != tc.want {
			t.Errorf("Amount(%d, %s) = %q, want %q", tc.n, tc.unit, got, tc.want)
		}
	}
	if q := v.Sanctions["points_deduction"].Quantity; q == nil || q.Max != 15 || rb.Versions[1].Sanctions["points_deduction"].Quantity.Max != 18 {
		t.Errorf("points deduction: %+v", q)
	}
	vc := v.Standard["violent_conduct"]
	if vc == nil || len(vc.Sanctions) != 2 || vc.Sanctions[1].Money.Minor != 15000 || vc.ContestWithin.String() != "7 days" {
		t.Fatalf("violent conduct: %+v", vc)
	}
	changes := rules.Diff(rb.Versions[0], rb.Versions[1])
	found := false
	for _, c := range changes {
		if c.Kind == "standard_punishment" && c.ID == "violent_conduct" && c.What == "changed" && strings.Contains(c.After, "match_ban 4 matches") {
			found = true
		}
	}
	if !found {
		t.Errorf("the schedule's change is not in the diff: %+v", changes)
	}
}

// Each mistake is reported at its line, naming what is wrong.
func TestOccasionMistakes(t *testing.T) {
	src, err := os.ReadFile(sportsBook)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, old, new string
		want           []string
	}{
		{"an undeclared occasion", "max_duration: 12 matches", "max_duration: 12 innings", []string{"sanctions[1].max_duration", `unknown unit "innings"`, "matches"}},
		{"occasions for a deadline", "deadline: 5 working days", "deadline: 5 matches", []string{"states[0].deadline", "only a sanction's max_duration"}},
		{"occasions for a bar", "readmission_bar: 3 years", "readmission_bar: 3 matches", []string{"readmission_bar", "only a sanction's max_duration"}},
		{"a count over the limit", "sanctions: [{sanction: match_ban, count: 3}]", "sanctions: [{sanction: match_ban, count: 13}]", []string{"standard_punishments[1].sanctions[0].count", "from 1 to 12"}},
		{"no count", "sanctions: [{sanction: match_ban, count: 1}]", "sanctions: [{sanction: match_ban}]", []string{"standard_punishments[0].sanctions[0].count"}},
		{"an amount over the limit", `amount: "150.00"`, `amount: "50000.01"`, []string{"sanctions[1].amount", "at most GBP 50,000.00"}},
		{"a count for a fine", `{sanction: fine, amount: "150.00"}`, `{sanction: fine, amount: "150.00", count: 2}`, []string{"sanctions[1].count", "not counted"}},
		{"an outcome not listed", "counted: [played]", "counted: [won]", []string{"occasions[0].counted", `"won"`}},
		{"an undeclared unit", "quantity: {unit: points, max: 15}", "quantity: {unit: goals, max: 15}", []string{"quantity.unit", `unknown unit "goals"`}},
		{"a unit that is calendar time", "- {id: points, one: point,", "- {id: days, one: day,", []string{"units[0].id", "calendar time"}},
		{"a unit named twice", "- {id: points, one: point,", "- {id: points, one: match,", []string{"units[0].one", "already names"}},
		{"a counted ban without a status", "status: suspended, max_duration: 12 matches", "max_duration: 12 matches", []string{"sanctions[1].status", "counted in occasions"}},
		{"no time to contest", "contest_within: 7 days\n        clause: \"8.4\"\n      - id: serious_foul_play", "clause: \"8.4\"\n      - id: serious_foul_play", []string{"standard_punishments[0].contest_within", "is required"}},
		{"a repeal of nothing", "    standard_punishments:\n      - id: violent_conduct\n        name: Sending-off for violent conduct\n        sanctions: [{sanction: match_ban, count: 4}",
			"    repeal: {occasions: [innings]}\n    standard_punishments:\n      - id: violent_conduct\n        name: Sending-off for violent conduct\n        sanctions: [{sanction: match_ban, count: 4}", []string{"repeal.occasions", `"innings"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := string(src)
			if !strings.Contains(s, tc.old) {
				t.Fatalf("the example has no %q", tc.old)
			}
			_, err := rules.Load("sports.yaml", []byte(strings.Replace(s, tc.old, tc.new, 1)))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v\ndoes not mention %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), "sports.yaml:") {
				t.Errorf("no line: %v", err)
			}
		})
	}
}

// FuzzDurationText checks that a duration the rule book format accepts is written
// back as it was read, and that no text makes the parser panic.
func FuzzDurationText(f *testing.F) {
	for _, s := range []string{"3 matches", "1 match", "2 years", "10 working days", "1 working day", "0 days", "x", "3 Matches ", "-1 matches", "99999999999999999999 days"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var d rules.Duration
		if err := d.UnmarshalText([]byte(s)); err != nil {
			return
		}
		if d.N < 0 || (d.N > 0 && d.Unit == "") {
			t.Fatalf("%q parsed as %+v", s, d)
		}
		if d.IsZero() {
			return
		}
		var back rules.Duration
		if err := back.UnmarshalText([]byte(d.String())); err != nil {
			t.Fatalf("%q written as %q, which does not parse: %v", s, d.String(), err)
		}
		// Without the rule book a counted unit's singular is not known, so a count
		// of one may come back in another form; every other comes back the same.
		if back.N != d.N || (back.Unit != d.Unit && (d.Calendar() || d.N != 1)) {
			t.Fatalf("%q parsed as %+v, written %q, read back as %+v", s, d, d.String(), back)
		}
		if _, err := rules.ParseDuration(s); (err == nil) != d.Calendar() {
			t.Fatalf("ParseDuration(%q) disagrees on whether it is calendar time: %v", s, err)
		}
	})
}
