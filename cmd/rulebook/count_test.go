package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook/count"
)

func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code := run(context.Background(), e, args)
	return out.String(), errb.String(), code
}

func write(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCountSVJSON(t *testing.T) {
	p := write(t, "sv.csv", "first,second,count\nA,B,40\nB,A,35\nC,A,8\nC,B,7\nC,,5\nD,C,5\n")
	// --json as a flag, the input file last, as the acceptance check calls it.
	out, errs, code := runCmd(t, "count", "--method", "sv", "--format", "sv-pairs", "--json", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r count.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Elected[0] != "A" || r.Rounds[1].Tally["A"] != "48" || r.Rounds[1].Tally["B"] != "42" {
		t.Fatalf("%s", out)
	}
}

func TestCountAMSAndTable(t *testing.T) {
	p := write(t, "ams.csv", "party,list_votes,constituency_seats\nA,400,8\nB,300,3\nC,200,0\nD,60,0\nE,40,0\n")
	out, errs, code := runCmd(t, "count", "--method", "ams", "--format", "ams-csv", "--seats", "5", "--threshold", "5", "--json", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r count.Result
	json.Unmarshal([]byte(out), &r)
	if r.PartySeats["C"] != 3 || r.PartySeats["B"] != 2 || len(r.Awards) != 5 {
		t.Fatalf("%s", out)
	}
	out, _, code = runCmd(t, "count", "--method", "dhondt", "--seats", "3", p)
	if code != 0 || !strings.Contains(out, "seats:") || !strings.Contains(out, "elected:") {
		t.Fatalf("%d %s", code, out)
	}
}

func TestCountFPTPBlockCSVAndHTML(t *testing.T) {
	p := write(t, "w.csv", "candidate,party,votes\nA,Red,1000\nB,Blue,950\nC,Red,700\nD,Blue,700\n")
	html := filepath.Join(t.TempDir(), "r.html")
	out, errs, code := runCmd(t, "count", "--method", "fptp", "--seats", "3", "--seed", "9", "--csv", "--html", html, p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(out, "round,action,candidate,votes,transfer,status\n") || strings.Count(out, "elected") != 3 {
		t.Fatalf("%s", out)
	}
	page, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(page, []byte("<svg")) || !bytes.Contains(page, []byte("lot (seed 9)")) {
		t.Fatalf("html: %v", err)
	}
}

func TestCountIRVFromCSV(t *testing.T) {
	p := write(t, "b.csv", "candidates,A,B,C\n40,A\n35,B,A\n20,C,B\n5,C\n")
	out, errs, code := runCmd(t, "count", "--method", "irv", "--json", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r count.Result
	json.Unmarshal([]byte(out), &r)
	if r.Elected[0] != "B" || r.Rounds[1].Tally["B"] != "55" {
		t.Fatalf("%s", out)
	}
	// An equal ranking takes the general path.
	p = write(t, "b2.csv", "candidates,A,B,C\n4,A\n3,B\n2,C,A=B\n")
	if _, errs, code := runCmd(t, "count", "--method", "irv", p); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

func TestCountErrors(t *testing.T) {
	bad := write(t, "bad.csv", "first,second,count\nA,B,x\n")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"count"}, 2, "need --method"},
		{[]string{"count", "--method", "nope", bad}, 2, "unknown method"},
		{[]string{"count", "--method", "sv", bad}, 1, "bad.csv:2: field count"},
		{[]string{"count", "--method", "stv-meek", "--format", "blt", bad}, 1, "bad.csv:1: field 1 (candidates)"},
		{[]string{"count", "--method", "ams", bad}, 2, "--seats"},
		{[]string{"count", "--method", "sv", "--seats", "2", bad}, 2, "elects one"},
		{[]string{"count", "--method", "fptp", "--threshold", "5", bad}, 2, "does not apply"},
		{[]string{"count", "--rctab", "x.json", "--out", t.TempDir()}, 1, "x.json"},
	} {
		out, errs, code := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q", tc.args, code, errs, out)
		}
	}
}

// The conformance command over a small corpus kept in testdata (the two official SV
// cases), and over ../shared/ballots when it is present.
func TestConformance(t *testing.T) {
	out, errs, code := runCmd(t, "conformance", "testdata/corpus")
	if code != 0 || !strings.Contains(out, "official: 3 pass, 0 fail") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	shared := filepath.Join("..", "..", "..", "shared", "ballots")
	if _, err := os.Stat(shared); err != nil {
		t.Skip("../shared/ballots not present")
	}
	out, errs, code = runCmd(t, "conformance", shared)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	t.Log(out[strings.LastIndex(out, "total"):])
}

// simpleBLT reads the plain BLT dialect of the Scottish files, standing in for
// count/blt in this test so that the conformance command's BLT paths run.
func simpleBLT(path string) (*count.Election, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	var n, seats int
	if _, err := fmt.Sscan(lines[0], &n, &seats); err != nil {
		return nil, err
	}
	e := &count.Election{Seats: seats}
	i := 1
	for ; lines[i] != "0"; i++ {
		fs := strings.Fields(lines[i])
		w, err := strconv.ParseInt(fs[0], 10, 64)
		if err != nil {
			return nil, err
		}
		b := count.Ballot{Weight: w}
		for _, x := range fs[1 : len(fs)-1] {
			c, _ := strconv.Atoi(x)
			b.Ranks = append(b.Ranks, []int{c - 1})
		}
		e.Ballots = append(e.Ballots, b)
	}
	e.Candidates = lines[i+1 : i+1+n]
	return e, nil
}

func TestConformanceBLTPaths(t *testing.T) {
	old := parseBLT
	parseBLT = simpleBLT
	defer func() { parseBLT = old }()
	out, errs, code := runCmd(t, "conformance", "testdata/corpus")
	if code != 0 || !strings.Contains(out, "scotland-irv: 1 pass, 0 fail") || !strings.Contains(out, "scotland: 1 pass, 0 fail") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
}

// count --help explains every flag the command defines, on standard output, exit 0.
func TestCountHelp(t *testing.T) {
	for _, h := range []string{"--help", "-h", "-help"} {
		out, errs, code := runCmd(t, "count", h)
		if code != 0 || errs != "" {
			t.Fatalf("%s: exit %d, stderr %q", h, code, errs)
		}
		for _, flag := range []string{"--method", "--seats", "--threshold", "--format", "--seed", "--json", "--csv", "--html", "--rctab", "--out", "-h, --help"} {
			if !strings.Contains(out, "  "+flag) {
				t.Errorf("%s: no line explains %s", h, flag)
			}
		}
		for _, m := range []string{"fptp", "sv", "irv", "stv-scottish", "stv-meek", "stv-wigm", "dhondt", "sainte-lague", "ams", "exhaustive"} {
			if !strings.Contains(out, m) {
				t.Errorf("method %s not explained", m)
			}
		}
	}
	// Without flags: usage on standard error, exit 2.
	if _, errs, code := runCmd(t, "count"); code != 2 || !strings.Contains(errs, "--help") {
		t.Fatalf("%d %q", code, errs)
	}
}

// Several files and a folder are counted in one run: a result per file, then a
// summary; a file that fails does not stop the others, and makes the exit status 1.
func TestCountManyFiles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"a.csv":       "candidates,A,B,C\n40,A\n35,B,A\n25,C,B\n",
		"b.blt":       "2 1\n3 1 0\n2 2 0\n0\n\"Ann\"\n\"Bob\"\n\"Ward B\"\n",
		"notes.txt":   "not a ballot file",
		".hidden.csv": "x",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, errs, code := runCmd(t, "count", "--method", "irv", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"== " + filepath.Join(dir, "a.csv") + " ==", "== " + filepath.Join(dir, "b.blt") + " ==", "summary: 2 files, 2 counted, 0 failed", "elected: B", "elected: Ann"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	bad := write(t, "bad.csv", "candidates,A\n1,Zed\n")
	out, errs, code = runCmd(t, "count", "--method", "irv", "--json", filepath.Join(dir, "a.csv"), bad)
	if code != 1 || !strings.Contains(errs, "1 of 2 files") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var many struct {
		Results []struct {
			File   string        `json:"file"`
			Result *count.Result `json:"result"`
			Error  string        `json:"error"`
		} `json:"results"`
		Counted, Failed int
	}
	if err := json.Unmarshal([]byte(out), &many); err != nil {
		t.Fatal(err)
	}
	if len(many.Results) != 2 || many.Results[0].Result.Elected[0] != "B" || !strings.Contains(many.Results[1].Error, "bad.csv:2") || many.Counted != 1 || many.Failed != 1 {
		t.Fatalf("%s", out)
	}
	// --html with several files writes one report per file into a folder.
	html := filepath.Join(t.TempDir(), "reports")
	if _, errs, code := runCmd(t, "count", "--method", "irv", "--html", html, dir); code != 0 {
		t.Fatal(errs)
	}
	for _, f := range []string{"a.html", "b.html"} {
		if _, err := os.Stat(filepath.Join(html, f)); err != nil {
			t.Error(err)
		}
	}
}

// A tie settled by lot with the default seed is a warning at the top of the text
// output (and on standard error for --json), saying how to set the seed; the HTML
// report states the file, its SHA-256, the options, the date and the version.
func TestCountWarningsAndReport(t *testing.T) {
	p := write(t, "tie.csv", "candidate,party,votes\nA,,10\nB,,10\nC,,3\n")
	out, _, code := runCmd(t, "count", "--method", "fptp", p)
	if code != 0 || !strings.HasPrefix(out, "WARNING: A tie was settled by lot drawn from the default seed 0") || !strings.Contains(out, "--seed N") {
		t.Fatalf("%d %s", code, out)
	}
	out, errs, _ := runCmd(t, "count", "--method", "fptp", "--json", p)
	if !strings.Contains(errs, "warning: A tie was settled by lot") || !strings.Contains(out, `"warnings"`) {
		t.Fatalf("%s / %s", out, errs)
	}
	if out, _, _ := runCmd(t, "count", "--method", "fptp", "--seed", "0", p); strings.Contains(out, "WARNING") {
		t.Fatalf("a seed given is no warning: %s", out)
	}
	html := filepath.Join(t.TempDir(), "r.html")
	if _, errs, code := runCmd(t, "count", "--method", "fptp", "--seed", "42", "--html", html, p); code != 0 {
		t.Fatal(errs)
	}
	page, _ := os.ReadFile(html)
	sum := sha256.Sum256([]byte("candidate,party,votes\nA,,10\nB,,10\nC,,3\n"))
	for _, want := range []string{p, hex.EncodeToString(sum[:]), "--method fptp --seed 42", time.Now().UTC().Format("January 2006"), "by rulebook ", "<dt>Valid papers</dt><dd>23</dd>"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// --csv over several files: one header line, a file column, a file that fails said on
// standard error.
func TestCountManyCSV(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "0bad.csv"), []byte("candidates,A\n1,Zed\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "ok.csv"), []byte("candidates,A,B\n3,A\n1,B\n"), 0o644)
	out, errs, code := runCmd(t, "count", "--method", "irv", "--csv", dir)
	if code != 1 || !strings.Contains(errs, "0bad.csv:2") || strings.Count(out, "file,round") != 1 ||
		!strings.HasPrefix(out, "file,round,action,candidate,votes,transfer,status\n"+filepath.Join(dir, "ok.csv")+",1,") {
		t.Fatalf("%d\n%s\n%s", code, out, errs)
	}
}
