package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestOccasionsCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sport.db")
	rules := "../../examples/sports-2024.yaml"
	players := "id,name,club,joined\nP1,Rhona Dalgety,ashworth,2023-07-01\nP2,Calum Innes,brackenfield,2023-07-01\n"
	if code, _, stderr := rb(t, players, "import", "members", "-", "--db", db, "--rules", rules); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := rb(t, "", "occasions", "add", "--db", db, "--kind", "matches", "--id", "F1", "--date", "2024-08-17", "--units", "ashworth, brackenfield", "--outcome", "postponed")
	if code != 0 || !strings.Contains(out, "recorded matches F1 on 2024-08-17: postponed, does not count toward sanctions") {
		t.Fatalf("add: %d %s %s", code, out, stderr)
	}
	if code, out, stderr := rb(t, "", "occasions", "add", "--db", db, "--kind", "matches", "--id", "F1", "--date", "2024-08-28", "--units", "ashworth,brackenfield", "--outcome", "played", "--name", "League, rearranged"); code != 0 || !strings.Contains(out, "played, counts toward sanctions") {
		t.Fatalf("add again: %d %s %s", code, out, stderr)
	}
	if code, _, stderr := rb(t, "", "occasions", "add", "--db", db, "--kind", "innings", "--id", "F2", "--date", "2024-08-28", "--units", "ashworth", "--outcome", "played"); code != 1 || !strings.Contains(stderr, `no occasion "innings"`) {
		t.Fatalf("an undeclared kind: %d %s", code, stderr)
	}
	if code, _, stderr := rb(t, "", "occasions", "add", "--db", db, "--kind", "matches", "--id", "F2", "--units", "ashworth", "--outcome", "played"); code != 2 || !strings.Contains(stderr, "--date") {
		t.Fatalf("no date: %d %s", code, stderr)
	}
	code, out, stderr = rb(t, "", "occasions", "list", "--db", db, "--unit", "brackenfield", "--json")
	var ps []struct {
		ID      string   `json:"id"`
		Date    string   `json:"date"`
		Outcome string   `json:"outcome"`
		Counts  bool     `json:"counts"`
		Units   []string `json:"units"`
	}
	if err := json.Unmarshal([]byte(out), &ps); code != 0 || err != nil || len(ps) != 1 || ps[0].Date != "2024-08-28" || !ps[0].Counts || len(ps[0].Units) != 2 {
		t.Fatalf("list: %d %s %s %v", code, out, stderr, err)
	}
	if code, out, _ := rb(t, "", "verify", "--db", db, "--projection"); code != 0 || !strings.Contains(out, "matches a rebuild") {
		t.Fatalf("verify: %s", out)
	}
}
