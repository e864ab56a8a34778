package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// goish finds what a message for people must not hold: a Go type, a Go slice or
// map printed with %v, a bare EOF.
var goish = regexp.MustCompile(`\b(httpapi|discipline|rulebook|rules|app)\.[A-Z]|\bmap\[|\[\]|\[[a-z0-9_]+ [a-z0-9_]+\b[^\]]*\]|(^|: )EOF$`)

// Error messages say what is wrong in words: no Go types, maps or slices, no
// field named twice, no sentence cut off, no bare EOF.
func TestErrorMessagesForPeople(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	if code, _, stderr := rb(t, "", "demo", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	empty := filepath.Join(dir, "empty.yaml")
	os.WriteFile(empty, []byte("# nothing yet\n"), 0o644)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"rules", "check", empty}, "the file is empty"},
		{[]string{"rules", "show", empty}, "the file is empty"},
		{[]string{"eligibility", "--member", "M0001", "--action", "fly", "--date", "2016-06-01"},
			`unknown action "fly" in rule book version 2016 (its actions: vote_in_selection, vote_in_all_member_ballot,`},
		// The complaint names the member: a case opened on it is about them, and a
		// respondent given who is someone else is named in full.
		{[]string{"case", "open", "--complaint", "C-2016-001", "--respondent", "M0003"}, "complaint C-2016-001 is about M0001, not the respondent given, M0003"},
		{[]string{"case", "open", "--kind", "exclusion"}, "respondent: is required: the member the case is about"},
		{[]string{"case", "step", "D-2016-002", "--transition", "report", "--body", "nec", "--input", write("panel.json", `{"panel":[1]}`)},
			"panel.json: panel: expected an object, got a JSON array"},
		{[]string{"case", "step", "D-2016-002", "--transition", "report", "--body", "nec", "--input", write("members.json", `{"panel":{"members":{"a":1}}}`)},
			"members.json: panel.members: expected an array, got a JSON object"},
		{[]string{"case", "step", "D-2016-002", "--transition", "report", "--body", "nec", "--input", write("empty.json", "")},
			"empty.json: is empty: a JSON object is required"},
	} {
		args := c.args
		if args[0] != "rules" {
			args = append(args, "--db", db)
		}
		code, _, stderr := rb(t, "", args...)
		msg := strings.TrimSpace(stderr)
		if code == 0 || !strings.Contains(msg, c.want) {
			t.Errorf("%s: exit %d, %q; want %q", strings.Join(c.args, " "), code, msg, c.want)
		}
		if goish.MatchString(msg) {
			t.Errorf("%s: Go in %q", strings.Join(c.args, " "), msg)
		}
		for _, f := range []string{"complaint: complaint", "action: unknown action", "complaints: complaint"} {
			if strings.Contains(msg, f) {
				t.Errorf("%s: says its field twice: %q", strings.Join(c.args, " "), msg)
			}
		}
		if strings.HasSuffix(msg, " ") || strings.HasSuffix(msg, ",") || strings.HasSuffix(msg, "not") {
			t.Errorf("%s: ends mid-sentence: %q", strings.Join(c.args, " "), msg)
		}
	}
	// Without --respondent, the case is about the member the complaint names.
	if code, out, stderr := rb(t, "", "complaint", "receive", "--db", db, "--id", "C-T-1", "--respondent", "M0025", "--complainant", "M0003",
		"--summary", "s", "--clause", "2.I.8", "--date", "2018-01-01"); code != 0 {
		t.Fatalf("complaint: %s %s", out, stderr)
	}
	if code, out, stderr := rb(t, "", "case", "open", "--db", db, "--complaint", "C-T-1", "--date", "2018-01-02"); code != 0 || !strings.Contains(out, "about M0025") {
		t.Fatalf("case open on a complaint alone: %d %s %s", code, out, stderr)
	}
}
