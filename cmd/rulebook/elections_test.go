package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestElectionReport: a public contest's count is written as the count
// command's HTML report, saying what was counted (the figures declared, with
// their SHA-256) and how; a contest not yet counted has none to write, and
// --html belongs to show and count alone.
func TestElectionReport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	if code, _, stderr := rb(t, "", "demo", "--db", db); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	for _, sub := range []string{"show", "count"} {
		out := filepath.Join(dir, sub+".html")
		if code, _, stderr := rb(t, "", "election", sub, "northport-central-2021", "--html", out, "--db", db); code != 0 {
			t.Fatalf("election %s --html: %d %s", sub, code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		page := string(b)
		for _, want := range []string{"<!DOCTYPE html>", "First past the post", "the figures declared for election northport-central-2021, entered in event ", "SHA-256", "--kind fptp", "Martin Quell"} {
			if !strings.Contains(page, want) {
				t.Errorf("election %s --html: the report lacks %q", sub, want)
			}
		}
	}
	// The candidates with their votes, share and ward figures under headings,
	// and who led each ward.
	if code, out, stderr := rb(t, "", "election", "show", "northport-central-2021", "--db", db); code != 0 ||
		!regexp.MustCompile(`(?m)^  CANDIDATE +PARTY +VOTES +SHARE +WARD Harbour +WARD Castle +WARD Mill$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^  Martin Quell \(M0007\) +Labour +14800 +43\.53% +5600 +4700 +4500$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^  Harbour +Martin Quell \(M0007\) \(Labour\) +5600 +46\.67% +700 +12000$`).MatchString(out) {
		t.Errorf("election show: %d %s %s", code, out, stderr)
	}
	// A region's parties, a list taken from a selection, and the seats with
	// their quotients as people read them.
	if code, out, stderr := rb(t, "", "election", "show", "assembly-region-2021", "--db", db); code != 0 ||
		!regexp.MustCompile(`(?m)^  Labour +42000 +42\.42% +selection assembly-list-2020$`).MatchString(out) ||
		!strings.Contains(out, "seat 1: Labour, Gwen Oduya (M0004) (quotient 21,000)") {
		t.Errorf("election show: %d %s %s", code, out, stderr)
	}
	nominated := filepath.Join(dir, "nominations.json")
	os.WriteFile(nominated, []byte(`{"id": "ward-2026", "kind": "fptp", "title": "A ward", "poll": "2026-05-07", "candidates": [{"name": "Ann Other", "party": "Independent"}]}`), 0o644)
	if code, _, stderr := rb(t, "", "election", "enter", "--input", nominated, "--db", db); code != 0 {
		t.Fatalf("enter: %s", stderr)
	}
	if code, _, stderr := rb(t, "", "election", "show", "ward-2026", "--html", filepath.Join(dir, "none.html"), "--db", db); code != 1 || !strings.Contains(stderr, "election ward-2026 is not counted yet") {
		t.Errorf("a report of a contest not counted: %d %s", code, stderr)
	}
	if code, _, stderr := rb(t, "", "election", "list", "--html", filepath.Join(dir, "list.html"), "--db", db); code != 2 || !strings.Contains(stderr, "--html is for show and count") {
		t.Errorf("--html on list: %d %s", code, stderr)
	}
}
