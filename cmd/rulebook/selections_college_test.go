package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestCollegeCommands runs a selection by electoral college and two trigger
// ballots from the command line on both engines: the affiliates' roll from a
// file, ballots per section, the count printing each section's table and the
// line saying the members' winner lost the college, and verify --projection.
func TestCollegeCommands(t *testing.T) {
	for _, eng := range sqldbtest.Engines {
		t.Run(eng, func(t *testing.T) {
			dir, _, run := selectionCLI(t, eng)
			run(0, "selection", "open", "--id", "college", "--procedure", "mayoral_college", "--contest", "Mayor of Harbour", "--unit", "harbour",
				"--freeze-date", "2016-09-01", "--nominations-close", "2016-08-15", "--ballot", "2016-09-20", "--date", "2016-07-01")
			for _, n := range [][]string{{"M01", "M04", "M05"}, {"M02", "M06", "M07"}} {
				run(0, "selection", "nominate", "college", "--candidate", n[0], "--nominator", n[1], "--nominator", n[2], "--date", "2016-08-01")
			}
			roll := filepath.Join(dir, "roll.csv")
			os.WriteFile(roll, []byte("id,name\n# the affiliates' roll\nA1,Uma Union\nA2,Vic Vale\nA3\n"), 0o600)
			bad := filepath.Join(dir, "bad.csv")
			os.WriteFile(bad, []byte("A1,Uma\nA 2,Vic\n"), 0o600)
			if out := run(1, "selection", "roll", "college", "--section", "affiliates", "--file", bad, "--date", "2016-08-20"); !strings.Contains(out, "bad.csv:2: id \"A 2\"") {
				t.Errorf("a bad roll: %s", out)
			}
			if out := run(0, "selection", "roll", "college", "--section", "affiliates", "--file", roll, "--date", "2016-08-20"); !strings.Contains(out, "3 voters") {
				t.Errorf("roll: %s", out)
			}
			run(0, "selection", "electorate", "college", "--freeze", "--date", "2016-09-02")
			// Members: Ashe 2, Birch 1; affiliates: Ashe 1, Birch 2.
			for _, b := range [][3]string{{"members", "M01", "M01"}, {"members", "M03", "M01"}, {"members", "M02", "M02"}, {"affiliates", "A1", "M02"}, {"affiliates", "A2", "M02,M01"}, {"affiliates", "A3", "M01"}} {
				run(0, "selection", "ballot", "college", "--section", b[0], "--member", b[1], "--ranking", b[2], "--date", "2016-09-20")
			}
			if out := run(1, "selection", "ballot", "college", "--section", "affiliates", "--member", "A9", "--ranking", "M01", "--date", "2016-09-20"); !strings.Contains(out, "not on the roll of section affiliates") {
				t.Errorf("a voter not on the roll: %s", out)
			}
			papers := filepath.Join(dir, "papers.csv")
			os.WriteFile(papers, []byte("2,M02\n"), 0o600)
			run(0, "selection", "ballot", "college", "--section", "affiliates", "--papers", papers, "--date", "2016-09-20")
			// Ashe: 1/2×2/3 + 1/2×1/5 = 13/30 (43.33%); Birch: 1/2×1/3 + 1/2×4/5 = 17/30 (56.67%).
			out := run(0, "selection", "count", "college", "--date", "2016-09-21")
			for _, want := range []string{"Individual members (weight 50.00%): 3 valid", "Affiliated organisations (weight 50.00%): 5 valid",
				"exactly 17/30", "selected by the college: Bob Birch (M02)",
				"! Ann Ashe (M01) won the Individual members section (66.67% of its votes) but lost the college: 43.33% weighted, against 56.67% for Bob Birch (M02)"} {
				if !strings.Contains(out, want) {
					t.Errorf("count lacks %q:\n%s", want, out)
				}
			}
			show := run(0, "selection", "show", "college", "--on", "2016-09-21")
			if !strings.Contains(show, "Affiliated organisations (affiliates): weight 1/2, voters a roll; 3 on the roll; 3 frozen") || !strings.Contains(show, "! Ann Ashe (M01) won") {
				t.Errorf("show: %s", show)
			}
			run(0, "verify", "--projection")
			run(0, "rebuild")
			run(0, "verify", "--projection")

			run(0, "selection", "trigger", "open", "--id", "t1", "--procedure", "mayoral_college", "--contest", "Mayor of Harbour", "--unit", "harbour",
				"--holder", "M02", "--closes", "2017-03-31", "--date", "2017-03-01")
			if out := run(1, "selection", "trigger", "vote", "t1", "--unit", "hill", "--decision", "open", "--date", "2017-03-02"); !strings.Contains(out, "not balloted") {
				t.Errorf("a unit not balloted: %s", out)
			}
			run(0, "selection", "trigger", "vote", "t1", "--unit", "harbour-ward", "--decision", "reselect", "--date", "2017-03-02")
			out = run(0, "selection", "trigger", "close", "t1", "--date", "2017-04-01")
			if !strings.Contains(out, "0 of 1 units asked for an open selection (1/3 needed): M02 reselected; entered on official_candidates (entry t1-M02)") {
				t.Errorf("trigger close: %s", out)
			}
			run(0, "selection", "trigger", "open", "--id", "t2", "--procedure", "mayoral_college", "--contest", "Mayor of Harbour 2021", "--unit", "harbour",
				"--holder", "M02", "--closes", "2017-05-31", "--date", "2017-05-01")
			run(0, "selection", "trigger", "vote", "t2", "--unit", "harbour-ward", "--decision", "open", "--date", "2017-05-02")
			out = run(0, "selection", "trigger", "close", "t2", "--date", "2017-06-01", "--selection", "open-2021",
				"--freeze-date", "2017-07-01", "--nominations-close", "2017-07-15", "--ballot", "2017-08-01")
			if !strings.Contains(out, "selection open-2021 opened") {
				t.Errorf("trigger close: %s", out)
			}
			if out := run(0, "selection", "show", "open-2021"); !strings.Contains(out, "Mayor of Harbour 2021") {
				t.Errorf("the selection the trigger opened: %s", out)
			}
			run(0, "verify", "--projection")
		})
	}
}

// FuzzReadRoll: a roll is read or refused with its file and line, never a panic,
// and every voter read has a valid id.
func FuzzReadRoll(f *testing.F) {
	for _, s := range []string{"id,name\nA1,Uma\n", "A1\nA2,Vic Vale\n", "# c\n\"A1\",\"x,y\"\n", "A1,b,c\n", "", "\"unterminated\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := readRoll(strings.NewReader(s), "roll.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "roll.csv") {
				t.Fatalf("error without the file: %v", err)
			}
			return
		}
		for _, v := range vs {
			if v.ID == "" || strings.ContainsAny(v.ID, " ,#\n") {
				t.Fatalf("voter %q read from %q", v.ID, s)
			}
		}
	})
}
