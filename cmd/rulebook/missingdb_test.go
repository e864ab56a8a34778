package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A mistyped --db must not become a new, empty database: every command but those
// that exist to start one says there is no database there, names the path and
// how to create one, and leaves no file behind.
func TestMissingDatabaseIsAnError(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "typo.db")
	for _, args := range [][]string{
		{"eligibility", "--member", "M0001", "--action", "vote_in_selection", "--date", "2016-06-01"},
		{"electorate", "--action", "vote_in_selection", "--date", "2016-06-01"},
		{"member", "show", "M0001"},
		{"events"},
		{"verify"},
		{"export", "members"},
		{"case", "list"},
		{"case", "show", "D-2016-001"},
		{"deadlines"},
		{"statistics"},
		{"precedents", "--clause", "2.I.8"},
		{"subject-access", "M0001"},
		{"interference"},
		{"user", "list"},
		{"token", "list"},
		{"retention"},
		{"rebuild"},
		{"occasions", "list"},
		{"eligibility", "--rules", "example:labour-2016.yaml", "--member", "M0001", "--action", "vote_in_selection", "--date", "2016-06-01"},
	} {
		code, _, stderr := rb(t, "", append(args, "--db", db)...)
		if code != 1 || !strings.Contains(stderr, "no database at "+db) || !strings.Contains(stderr, "rulebook demo") {
			t.Errorf("%s: exit %d, %q", strings.Join(args, " "), code, stderr)
		}
		if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s created %s", strings.Join(args, " "), db)
		}
	}
	// Checking a file for a new register stores nothing, not even the database.
	good := "id,name,joined,branch\nA1,Ann,2020-01-01,north\n"
	code, out, stderr := rb(t, good, "import", "members", "-", "--check", "--db", db, "--rules", "../../examples/union-2019.yaml")
	if code != 0 || !strings.Contains(out, "1 member and 1 new unit would be imported") {
		t.Fatalf("import --check on a new register: %d %s %s", code, out, stderr)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("import --check created %s", db)
	}
	if code, _, stderr := rb(t, good, "import", "members", "-", "--check", "--db", db); code != 1 || !strings.Contains(stderr, "--rules") {
		t.Fatalf("import --check without a rule book: %d %s", code, stderr)
	}
	// The first administrator's account starts a database.
	code, _, stderr = rb(t, "a long enough password\n", "user", "add", "--name", "admin", "--role", "administrator", "--password-stdin", "--db", db, "--rules", "../../examples/union-2019.yaml")
	if code != 0 {
		t.Fatalf("user add on a new database: %d %s", code, stderr)
	}
	if code, out, _ := rb(t, "", "user", "list", "--db", db); code != 0 || !strings.Contains(out, "admin") {
		t.Fatalf("user list after: %s", out)
	}
}

// The command line and the API share defaults: eligibility without --date answers
// for today, and --as-recorded takes a date (the end of that day) or an instant.
func TestEligibilityDefaultsToToday(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	if code, _, stderr := rb(t, "", "demo", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := rb(t, "", "eligibility", "--db", db, "--member", "M0033", "--action", "attend_branch_meetings")
	if code != 0 || !strings.Contains(out, " on "+today().String()) {
		t.Fatalf("without --date: %d %s %s", code, out, stderr)
	}
	if code, out, stderr := rb(t, "", "electorate", "--db", db, "--action", "attend_branch_meetings"); code != 0 || !strings.Contains(out, " on "+today().String()) {
		t.Fatalf("electorate without --date: %d %s %s", code, out, stderr)
	}
	for _, at := range []string{"2012-01-20", "2012-01-20T23:00:00Z"} {
		code, out, stderr := rb(t, "", "eligibility", "--db", db, "--member", "M0017", "--action", "vote_in_selection", "--date", "2012-01-10", "--as-recorded", at)
		if code != 0 || !strings.Contains(out, "as recorded at") {
			t.Fatalf("--as-recorded %s: %d %s %s", at, code, out, stderr)
		}
	}
	if code, _, stderr := rb(t, "", "eligibility", "--db", db, "--member", "M0017", "--action", "vote_in_selection", "--as-recorded", "last week"); code != 1 || !strings.Contains(stderr, "RFC 3339") {
		t.Fatalf("--as-recorded last week: %d %s", code, stderr)
	}
}
