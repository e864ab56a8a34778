package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// rb runs the command in-process and returns its exit status and output.
func rb(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string {
		if k == "USER" {
			return "tester"
		}
		return ""
	}}
	code := run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func TestRulesCheck(t *testing.T) {
	if code, out, _ := rb(t, "", "rules", "check", "../../examples/labour-2016.yaml", "../../examples/union-2019.yaml"); code != 0 || strings.Count(out, ": ok:") != 2 {
		t.Fatalf("examples: %d %s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("organisation: x\nversions:\n  - id: a\n    in_force_frm: 2020-01-01\n"), 0o644)
	code, _, stderr := rb(t, "", "rules", "check", bad)
	if code != 1 || !strings.Contains(stderr, "bad.yaml:4: versions[0].in_force_frm: unknown field") {
		t.Fatalf("bad file: %d %s", code, stderr)
	}
	if code, _, _ := rb(t, "", "rules"); code != 2 {
		t.Fatalf("no arguments: exit %d, want 2", code)
	}
}

func TestDemoEligibilityVerify(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	if code, _, stderr := rb(t, "", "demo", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := rb(t, "", "eligibility", "--db", db, "--member", "M0001", "--action", "stand_as_candidate", "--date", "2017-06-01", "--json")
	if code != 0 {
		t.Fatal(stderr)
	}
	var ans struct {
		Allowed bool   `json:"allowed"`
		Status  string `json:"status"`
		Clause  struct{ ID, Text string }
	}
	if err := json.Unmarshal([]byte(out), &ans); err != nil || ans.Allowed || ans.Status != "sanction_suspended" || ans.Clause.ID != "6.I.1.D" {
		t.Fatalf("%v %s", err, out)
	}
	// The member and the action may be given as arguments, the same answer.
	for _, args := range [][]string{{"M0001", "stand_as_candidate"}, {"--member", "M0001", "stand_as_candidate"}, {"--action", "stand_as_candidate", "M0001"}} {
		code, pos, stderr := rb(t, "", append([]string{"eligibility", "--db", db, "--date", "2017-06-01", "--json"}, args...)...)
		if code != 0 || pos != out {
			t.Fatalf("eligibility %v: %d %s\n%s", args, code, stderr, pos)
		}
	}
	for _, args := range [][]string{{"M0001"}, {"M0001", "stand_as_candidate", "2017-06-01"}, {"--member", "M0001", "--action", "stand_as_candidate", "M0002"}} {
		if code, _, stderr := rb(t, "", append([]string{"eligibility", "--db", db}, args...)...); code != 2 || !strings.Contains(stderr, "eligibility MEMBER ACTION") {
			t.Errorf("eligibility %v: %d %s", args, code, stderr)
		}
	}
	if code, _, stderr := rb(t, "", "eligibility", "--db", db, "--member", "M0001", "--action", "fly", "--date", "2017-06-01"); code != 1 || !strings.Contains(stderr, "unknown action") {
		t.Fatalf("unknown action: %d %s", code, stderr)
	}
	if code, out, _ := rb(t, "", "electorate", "--db", db, "--action", "vote_in_selection", "--date", "2016-09-20", "--freeze-date", "2016-09-01", "--csv"); code != 0 || !strings.Contains(out, "M0033,Jonah Pryce") || strings.Contains(out, "M0034") {
		t.Fatalf("electorate: %s", out)
	}
	// The electorate of one unit takes in the units within it: a branch's own
	// members, a constituency's through its branches.
	for unit, want := range map[string]string{"castle-ward": "M0033,Jonah Pryce,castle-ward,", "northport-central": "M0033,Jonah Pryce,castle-ward,"} {
		code, out, _ := rb(t, "", "electorate", "--db", db, "--action", "vote_in_selection", "--date", "2016-09-20", "--freeze-date", "2016-09-01", "--unit", unit, "--csv")
		if code != 0 || !strings.HasPrefix(out, "member,name,unit,status\n") || !strings.Contains(out, want) {
			t.Fatalf("electorate of %s: %s", unit, out)
		}
	}
	if code, out, _ := rb(t, "", "electorate", "--db", db, "--action", "vote_in_selection", "--date", "2016-09-20", "--unit", "eastfield", "--csv"); code != 0 || strings.Contains(out, "M0033") {
		t.Fatalf("electorate of another constituency: %s", out)
	}
	if code, _, stderr := rb(t, "", "electorate", "--db", db, "--action", "vote_in_selection", "--date", "2016-09-20", "--unit", "atlantis"); code != 1 || !strings.Contains(stderr, `no unit "atlantis"`) {
		t.Fatalf("electorate of an unknown unit: %d %s", code, stderr)
	}
	if code, out, _ := rb(t, "", "member", "show", "M0033", "--db", db); code != 0 || !regexp.MustCompile(`Branch: +Castle Ward branch \(castle-ward\)\n  Constituency Labour Party: +Northport Central CLP \(northport-central\)\n  joined: +2016-02-10`).MatchString(out) {
		t.Fatalf("member show: %s", out)
	}
	if code, out, _ := rb(t, "", "verify", "--db", db, "--projection"); code != 0 || !strings.Contains(out, "events verified") || !strings.Contains(out, "matches a rebuild") {
		t.Fatalf("verify: %s", out)
	}
	// Someone edits the database directly: verify must fail and name the event.
	d, err := sqldb.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	sqldbtest.DisableAppendOnly(d)
	if err := sqldbtest.Exec(d, `UPDATE events SET data = REPLACE(data, '2018-04-27', '2018-12-27') WHERE type = 'member.status_changed' AND data LIKE '%2018-04-27%'`); err != nil {
		t.Fatal(err)
	}
	var id string
	d.Raw().QueryRow(`SELECT id FROM events WHERE data LIKE '%2018-12-27%'`).Scan(&id)
	d.Close()
	code, _, stderr = rb(t, "", "verify", "--db", db)
	if code != 1 || id == "" || !strings.Contains(stderr, "event "+id) || !strings.Contains(stderr, "tampered") {
		t.Fatalf("verify after an edit: %d %q (edited %s)", code, stderr, id)
	}
}

func TestImportExport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("id,name,joined\nA1,Ann,2001-01-01\nA2,,2001-01-01\nA3,Cy,yesterday\n"), 0o644)
	code, _, stderr := rb(t, "", "import", "members", bad, "--db", db, "--rules", "../../examples/union-2019.yaml")
	if code != 1 || !strings.Contains(stderr, "row 3: name: is empty") || !strings.Contains(stderr, "row 4: joined") || !strings.Contains(stderr, "nothing was imported") {
		t.Fatalf("bad import: %d %s", code, stderr)
	}
	// A file given by its path is read where it lies; an id given twice is
	// found by the register's key, and the file read again to say where.
	twice := filepath.Join(dir, "twice.csv")
	os.WriteFile(twice, []byte("id,name,joined\nA1,Ann,2001-01-01\nA2,Bo,2001-01-01\nA1,Ann again,2001-01-01\n"), 0o644)
	for _, check := range [][]string{nil, {"--check"}} {
		code, _, stderr := rb(t, "", append([]string{"import", "members", twice, "--db", db, "--rules", "../../examples/union-2019.yaml"}, check...)...)
		if code != 1 || !strings.Contains(stderr, `row 4: id: "A1" already appears on row 2`) {
			t.Fatalf("import %v of an id given twice: %d %s", check, code, stderr)
		}
	}
	good := "id,name,joined,branch\nA1,Ann,2020-01-01,north\nA2,Bob,2021-06-01,south\n"
	if code, out, stderr := rb(t, good, "import", "members", "-", "--check", "--db", db, "--rules", "../../examples/union-2019.yaml"); code != 0 || !strings.Contains(out, "2 members and 2 new units would be imported (nothing stored)") {
		t.Fatalf("check: %d %s %s", code, out, stderr)
	}
	if code, out, _ := rb(t, "", "export", "members", "--db", db); code != 0 || strings.Contains(out, "A1,") {
		t.Fatalf("a checked file was stored: %s", out)
	}
	if code, out, stderr := rb(t, good, "import", "members", "-", "--db", db, "--rules", "../../examples/union-2019.yaml"); code != 0 || !strings.Contains(out, "imported 2 members and 2 new units") {
		t.Fatalf("good import: %d %s %s", code, out, stderr)
	}
	code, out, _ := rb(t, "", "export", "members", "--db", db, "--date", "2022-01-01")
	if code != 0 || !strings.Contains(out, "A2,Bob,,,,south,2021-06-01,member,2021-06-01") {
		t.Fatalf("export: %s", out)
	}
	// The union's rule book is found in the database now; no --rules needed.
	if code, out, stderr := rb(t, "", "eligibility", "--db", db, "--member", "A2", "--action", "stand_for_office", "--date", "2023-05-01"); code != 0 || !strings.Contains(out, "NOT ALLOWED") || !strings.Contains(out, "24 months") {
		t.Fatalf("union eligibility: %s %s", out, stderr)
	}
}

// A head noted at an earlier verify catches events cut from the end of the record,
// which the chain alone cannot show.
func TestVerifyExpectHead(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	if code, _, stderr := rb(t, "", "demo", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	code, out, _ := rb(t, "", "verify", "--db", db, "--json")
	var res struct{ Head string }
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || len(res.Head) != 64 {
		t.Fatalf("verify: %d %v %s", code, err, out)
	}
	if code, _, stderr := rb(t, "", "verify", "--db", db, "--expect-head", res.Head); code != 0 {
		t.Fatalf("the current head was not accepted: %s", stderr)
	}
	d, err := sqldb.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	sqldbtest.DisableAppendOnly(d)
	if err := sqldbtest.Exec(d, `DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if code, _, stderr := rb(t, "", "verify", "--db", db); code != 1 || !strings.Contains(stderr, "events_no_delete") {
		t.Fatalf("the dropped triggers went unreported: %d %s", code, stderr)
	}
	d, err = sqldb.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := sqldbtest.RestoreAppendOnly(d); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if code, out, _ := rb(t, "", "verify", "--db", db); code != 0 || !strings.Contains(out, "not that none were cut from the end") {
		t.Fatalf("the chain alone should still verify after its last event is cut, saying what it cannot prove: %d %s", code, out)
	}
	if code, _, stderr := rb(t, "", "verify", "--db", db, "--expect-head", res.Head); code != 1 || !strings.Contains(stderr, "removed from its end") {
		t.Fatalf("a cut tail went unnoticed: %d %s", code, stderr)
	}
}

// TestProgressSaysWhenTheFileIsReadAgain: the bar of a failed import, whose
// file is read again to list its problems, says so rather than seem to start
// the import over.
func TestProgressSaysWhenTheFileIsReadAgain(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var off int64
	p := &progress{label: "importing", total: 1000, read: func() int64 { return off }, start: time.Now(), tty: true, stderr: f}
	off = 500
	p.rows(8192)
	p.last = time.Time{}
	off = 100
	p.rows(8192 - 1) // fewer rows than before: the file read again
	p.last = time.Time{}
	p.rows(16384)
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	first, again := strings.Index(out, "importing [###############"), strings.Index(out, "listing the problems [###")
	if first < 0 || again < first || strings.Count(out, "listing the problems") != 2 {
		t.Fatalf("the bar drew %q", out)
	}
}

// A command that takes no arguments refuses one rather than ignore it and
// answer another question.
func TestStrayArgumentRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	if code, _, stderr := rb(t, "", "demo", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	for _, args := range [][]string{
		{"electorate", "canvass"}, {"deadlines", "D-2016-002"}, {"statistics", "2016"}, {"precedents", "2.I.8"},
		{"interference", "D-2016-001"}, {"events", "M0001"}, {"verify", "projection"}, {"rebuild", "now"},
		{"demo", "again"}, {"serve", "8080"}, {"loadtest", "30s"}, {"checkpoint", "key.pem"},
	} {
		if args[0] != "loadtest" { // which makes a scratch database of its own
			args = append(args, "--db", db)
		}
		code, _, stderr := rb(t, "", args...)
		if code != 2 || !strings.Contains(stderr, args[0]+" takes no arguments") || !strings.Contains(stderr, `"`+args[1]+`"`) {
			t.Errorf("%v: %d %s", args, code, stderr)
		}
	}
}
