package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// column returns the byte offset of sub in each line of out that holds it.
func columns(out, sub string) []int {
	var cols []int
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, sub); i >= 0 {
			cols = append(cols, len([]rune(l[:i])))
		}
	}
	return cols
}

// Text meant for people reads as such: tables line up, nothing is printed as a Go
// map or slice, no label stands over nothing, and the counts say what they count.
func TestTextOutputForPeople(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	if code, _, stderr := rb(t, "", "demo", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	run := func(args ...string) string {
		t.Helper()
		code, out, stderr := rb(t, "", append(args, "--db", db)...)
		if code != 0 {
			t.Fatalf("%s: %d %s", strings.Join(args, " "), code, stderr)
		}
		if m := goish.FindString(out); m != "" && args[len(args)-1] != "--json" {
			t.Errorf("%s: Go in the output (%q):\n%s", strings.Join(args, " "), m, out)
		}
		for line := range strings.Lines(out) {
			if strings.HasSuffix(strings.TrimSuffix(line, "\n"), " ") {
				t.Errorf("%s: a line ends in spaces: %q", strings.Join(args, " "), line)
			}
		}
		return out
	}
	aligned := func(what, out string, subs ...string) {
		t.Helper()
		var first []int
		for _, sub := range subs {
			cols := columns(out, sub)
			if len(cols) == 0 {
				t.Fatalf("%s: no %q in\n%s", what, sub, out)
			}
			if first == nil {
				first = cols[:1]
			}
			for _, c := range cols {
				if c != first[0] {
					t.Errorf("%s: %q at column %d, %d elsewhere:\n%s", what, sub, c, first[0], out)
				}
			}
		}
	}

	stats := run("statistics")
	if !regexp.MustCompile(`(?m)^  2010-Q4 +3$`).MatchString(stats) || !regexp.MustCompile(`(?m)^  under_investigation +1$`).MatchString(stats) {
		t.Errorf("statistics: the counts by quarter and state are not listed:\n%s", stats)
	}
	aligned("deadlines", run("deadlines", "--on", "2017-01-01"), "D-2016-002")
	aligned("case list", run("case", "list"), "2016-04-28", "2010-10-22", "2000-04-05")

	for _, c := range []string{"D-2016-001", "D-2010-001", "D-2016-002"} {
		if out := run("case", "show", c); regexp.MustCompile(`next steps: *\n`).MatchString(out) {
			t.Errorf("case show %s: a blank next steps line:\n%s", c, out)
		}
	}

	member := run("member", "show", "M0033")
	if strings.Contains(member, "()") || strings.Contains(member, ", joined") || strings.Contains(member, " ,") ||
		!strings.Contains(member, "Branch:") || !strings.Contains(member, "Castle Ward branch (castle-ward)") {
		t.Errorf("member show: units not set out one a line:\n%s", member)
	}

	el := run("electorate", "--action", "vote_in_selection", "--date", "2016-09-20", "--freeze-date", "2016-09-01")
	for _, want := range []string{"6 other members may not:", "have the status Expelled (expelled), which does not allow it",
		"do not meet its condition:", "continuous membership at the freeze date"} {
		if !strings.Contains(el, want) {
			t.Errorf("electorate: no %q in\n%s", want, el)
		}
	}
	if strings.Contains(el, "not eligible:") || strings.Contains(el, ";\n") {
		t.Errorf("electorate: the exclusions as a bare tally:\n%s", el)
	}

	// A case that shares none of the factors of the case in hand is no precedent.
	prec := run("precedents", "--clause", "2.I.8", "--factor", "AGG-PUBLIC")
	like, unlike, ok := strings.Cut(prec, "not precedents")
	if !ok || !strings.Contains(like, "D-2016-001") || strings.Contains(like, "D-2009-001") || strings.Contains(like, "D-2018-001") ||
		!strings.Contains(unlike, "D-2009-001") {
		t.Errorf("precedents: cases sharing no factor listed as precedents:\n%s", prec)
	}
	if out := run("precedents", "--clause", "9.Z.9"); !strings.Contains(out, "no closed case concerns clause 9.Z.9") {
		t.Errorf("precedents under a clause with none: %s", out)
	}

	sa := run("subject-access", "M0001", "--requested", "2018-06-01")
	if strings.HasPrefix(sa, "{") || !strings.Contains(sa, "subject access request from Rowan Ashdown (M0001), received 2018-06-01: the answer is due by 2018-07-02") || !strings.Contains(sa, "party to 6 cases") ||
		!strings.Contains(sa, "withheld from their copy") {
		t.Errorf("subject-access without --json:\n%s", sa)
	}
	if js := run("subject-access", "M0001", "--requested", "2018-06-01", "--json"); !strings.HasPrefix(js, "{") {
		t.Errorf("subject-access --json: %s", js)
	}
	users := run("user", "list")
	aligned("user list", users, "Casey Morgan", "Alex Admin")
	if !regexp.MustCompile(`(?m)^irene +Irene Sallow +M0016 +active +ncc_panel, member +clp$`).MatchString(users) {
		t.Errorf("user list: no section for a panel member:\n%s", users)
	}
	// A panel member made an auditor keeps no section: --section "" clears it.
	if code, _, stderr := rb(t, "", "user", "change", "irene", "--role", "auditor", "--db", db); code == 0 || !strings.Contains(stderr, "a section is for a panel member") {
		t.Errorf("a section kept for an auditor: %d %s", code, stderr)
	}
	run("user", "change", "irene", "--role", "auditor", "--section", "")
	if users := run("user", "list"); !regexp.MustCompile(`(?m)^irene +Irene Sallow +M0016 +active +auditor *$`).MatchString(users) {
		t.Errorf("user list: the section not cleared:\n%s", users)
	}

	aligned("election list", run("election", "list"), "2021-05-06", "POLL")
	aligned("selection list", run("selection", "list"), "mayoral_selection", "PROCEDURE")
	aligned("official-candidates list", run("official-candidates", "list"), "Tomasz Wren", "Gwen Oduya", "NAME")
	for _, args := range [][]string{{"election", "list"}, {"selection", "list"}, {"official-candidates", "list"}} {
		if out := run(args...); regexp.MustCompile(`(?m) $`).MatchString(out) {
			t.Errorf("%s: lines ending in spaces:\n%s", strings.Join(args, " "), out)
		}
	}

	sel := run("selection", "show", "mayor-2016")
	if strings.Contains(sel, "(s)") || strings.Contains(sel, "clause 6.I.1.B) (clause 6.I.1.B)") ||
		!strings.Contains(sel, "excluded: Samir Holt (M0011)") || !strings.Contains(sel, "14 members frozen") {
		t.Errorf("selection show: counts not in words, a clause said twice, or an id for a name:\n%s", sel)
	}

	// Last: the run erases.
	due := run("retention", "--on", "2026-12-01")
	aligned("retention", due, "the personal data of", "ERASES")
	aligned("retention", due, "DP.3", "UNDER")
	if strings.Contains(due, "(s)") || !regexp.MustCompile(`(?m)^case D-2016-001 +the personal data of 16 events +DP\.3 +2023-04-04$`).MatchString(due) ||
		!regexp.MustCompile(`(?m)^member M0001 +the personal data of 1 event +`).MatchString(due) ||
		!strings.Contains(due, "13 records are due for erasure on 2026-12-01") {
		t.Errorf("retention: not a table of what is due:\n%s", due)
	}
	erased := run("retention", "run", "--on", "2026-12-01")
	aligned("retention run", erased, "ev_", "ERASURE EVENT")
	if !strings.Contains(erased, "ERASURE EVENT") || !strings.Contains(erased, "13 records erased") {
		t.Errorf("retention run: %s", erased)
	}
}

// import --check lists the units the file would create, and warns of one whose id
// is nearly another's.
func TestImportCheckListsNewUnits(t *testing.T) {
	db := filepath.Join(t.TempDir(), "u.db")
	first := "id,name,joined,branch\nA1,Ann,2020-01-01,north\n"
	if code, _, stderr := rb(t, first, "import", "members", "-", "--db", db, "--rules", "../../examples/union-2019.yaml"); code != 0 {
		t.Fatal(stderr)
	}
	next := "id,name,joined,branch\nA2,Bob,2020-01-01,nroth\nA3,Cy,2020-01-01,south\n"
	code, out, stderr := rb(t, next, "import", "members", "-", "--check", "--db", db)
	if code != 0 || !regexp.MustCompile(`units that would be created:\n.*\n  nroth +Branch +2 +like north\?\n  south +Branch +3\n`).MatchString(out) ||
		!strings.Contains(stderr, "WARNING: row 2: unit nroth is new, but north of the same kind is nearly the same") {
		t.Fatalf("import --check: %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = rb(t, next, "import", "members", "-", "--check", "--json", "--db", db)
	if code != 0 || !strings.Contains(out, `"like": "north"`) {
		t.Fatalf("import --check --json: %s", out)
	}

	// A long list: the units like another come first, beyond the rows the list
	// shows, and the warnings stop after ten. Numbered units are not typos.
	var file strings.Builder
	file.WriteString("id,name,joined,branch\n")
	for i := range 60 {
		fmt.Fprintf(&file, "B%d,Bo,2020-01-01,b%04d\n", i, i)
	}
	for i, w := range []string{"nortth", "noth", "nrth", "noorth", "norh", "nortj", "mnorth", "borth", "northh", "norrth", "nirth", "nkrth"} {
		fmt.Fprintf(&file, "C%d,Cy,2020-01-01,%s\n", i, w)
	}
	code, out, stderr = rb(t, file.String(), "import", "members", "-", "--check", "--db", db)
	if code != 0 || !regexp.MustCompile(`units that would be created:\n.*\n  nortth +Branch +62 +like north\?\n`).MatchString(out) ||
		strings.Count(stderr, "a typo in the file?") != 10 || !strings.Contains(stderr, "… and 2 more new units nearly the same as another") ||
		strings.Contains(out+stderr, "like b00") {
		t.Fatalf("import --check of many units: %d\n%s\n%s", code, out, stderr)
	}
}

// A case shown on the command line speaks the rule book's words, as its
// letters and pages do: a regulator's interim order, not an administrative
// suspension.
func TestCaseShowInTheRuleBooksTerms(t *testing.T) {
	db := filepath.Join(t.TempDir(), "regulator.db")
	if code, _, stderr := rb(t, "", "demo", "--db", db, "--rules", "example:regulator-2020.yaml"); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := rb(t, "", "case", "show", "F-2022-001", "--db", db)
	if code != 0 || !strings.Contains(out, "  interim order from 2022-02-01, review by 2022-08-01") || strings.Contains(out, "administrative suspension") {
		t.Errorf("case show: %d %s\n%s", code, stderr, out)
	}
	// The appeal had to be lodged within 28 days of the decision: its last
	// day is given, and it is not offered among the next steps.
	if !strings.Contains(out, "\n  out of time: appeal (by 2022-06-01)\n  next steps: exempt\n") {
		t.Errorf("case show: the appeal's time limit:\n%s", out)
	}
	// The letters it sent, by date; the acknowledgement is the complainant's.
	if !strings.Contains(out, "\n  letters:\n    2022-01-11  acknowledgement            to A. Client (not a registrant)\n    2022-02-01  administrative_suspension\n") ||
		!strings.Contains(out, "\n    2022-05-04  decision\n") {
		t.Errorf("case show: the letters:\n%s", out)
	}
}
