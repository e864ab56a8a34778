package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

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
