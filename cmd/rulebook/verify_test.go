package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// A case's state and deadlines edited directly in the database: verify
// --projection prints each difference and fails, in text and JSON, until
// rebuild restores them.
func TestVerifyProjectionSeesCases(t *testing.T) {
	for _, engine := range sqldbtest.Engines {
		t.Run(engine, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "demo.db")
			if engine == "postgres" {
				dsn = sqldbtest.NewPostgres(t)
			}
			if code, _, stderr := rb(t, "", "demo", "--db", dsn); code != 0 {
				t.Fatal(stderr)
			}
			db, err := sqldb.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`UPDATE cases SET state = 'closed' WHERE id = 'D-2016-002'`,
				`DELETE FROM case_deadlines WHERE case_id = 'D-2016-002'`,
			} {
				if err := sqldbtest.Exec(db, q); err != nil {
					db.Close()
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			code, out, stderr := rb(t, "", "verify", "--db", dsn, "--projection")
			if code != 1 || !strings.Contains(out, "events verified") ||
				!strings.Contains(stderr, `  cases: case D-2016-002: state is "closed", the events make it "under_investigation"`) ||
				!strings.Contains(stderr, "  case_deadlines: case D-2016-002: deadline ") || !strings.Contains(stderr, "stored projection differs") {
				t.Fatalf("verify after an edit: exit %d\n%s\n%s", code, out, stderr)
			}
			code, out, _ = rb(t, "", "verify", "--db", dsn, "--projection", "--json")
			var res struct {
				OK    bool     `json:"ok"`
				Diffs []string `json:"projection_differences"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || res.OK || len(res.Diffs) < 2 {
				t.Fatalf("verify --json after an edit: exit %d %v %s", code, err, out)
			}
			if code, _, stderr := rb(t, "", "rebuild", "--db", dsn); code != 0 {
				t.Fatal(stderr)
			}
			if code, out, stderr := rb(t, "", "verify", "--db", dsn, "--projection"); code != 0 || !strings.Contains(out, "matches a rebuild") {
				t.Fatalf("verify after the rebuild: exit %d\n%s\n%s", code, out, stderr)
			}
		})
	}
}

// TestVerifyEmptyRecord: a record that holds no events verifies, but says
// plainly that it proves nothing about what was cut (an emptied record looks the
// same); a record emptied after a checkpoint fails against the checkpoint and
// against the head noted, and its projection's rows are differences.
func TestVerifyEmptyRecord(t *testing.T) {
	for _, engine := range sqldbtest.Engines {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			fresh, dsn := filepath.Join(dir, "fresh.db"), filepath.Join(dir, "demo.db")
			if engine == "postgres" {
				fresh, dsn = sqldbtest.NewPostgres(t), sqldbtest.NewPostgres(t)
			} else {
				// A database made and never written to (verify creates none).
				db, err := sqldb.Open(context.Background(), fresh)
				if err != nil {
					t.Fatal(err)
				}
				db.Close()
			}
			code, out, stderr := rb(t, "", "verify", "--db", fresh)
			if code != 0 || !strings.Contains(out, "the record holds no events") || !strings.Contains(out, "nothing in the database can prove that none were recorded and then removed") ||
				strings.Contains(out, "events verified") {
				t.Fatalf("verify of a new, empty record: exit %d\n%s\n%s", code, out, stderr)
			}
			code, out, _ = rb(t, "", "verify", "--db", fresh, "--json", "--projection")
			var res struct {
				OK       bool     `json:"ok"`
				Events   int64    `json:"events"`
				Unproven string   `json:"unproven"`
				Diffs    []string `json:"projection_differences"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || !res.OK || res.Events != 0 || res.Unproven != app.UnprovenEmpty || res.Diffs == nil {
				t.Fatalf("verify --json of an empty record: exit %d %v %s", code, err, out)
			}

			// A record that held events, checkpointed and then emptied by someone
			// with access to the database, who put the guards back and removed the
			// stored rule book too.
			key, cp := filepath.Join(dir, "cp.key"), filepath.Join(dir, "cp.txt")
			if code, _, stderr := rb(t, "", "demo", "--db", dsn); code != 0 {
				t.Fatal(stderr)
			}
			if code, _, stderr := rb(t, "", "key", "generate", "--name", "rulebook.example.org", "--out", key); code != 0 {
				t.Fatal(stderr)
			}
			if code, _, stderr := rb(t, "", "checkpoint", "--db", dsn, "--key", key, "--out", cp); code != 0 {
				t.Fatal(stderr)
			}
			code, out, stderr = rb(t, "", "verify", "--db", dsn, "--json")
			var before struct{ Head string }
			if err := json.Unmarshal([]byte(out), &before); err != nil || code != 0 || before.Head == "" {
				t.Fatalf("verify before: %d %v %s %s", code, err, out, stderr)
			}
			db, err := sqldb.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := sqldbtest.DisableAppendOnly(db); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{`DELETE FROM events`, `DELETE FROM rulebooks`} {
				if err := sqldbtest.Exec(db, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if err := sqldbtest.RestoreAppendOnly(db); err != nil {
				t.Fatal(err)
			}
			// The personal data held apart from the deleted events betrays them.
			if code, _, stderr := rb(t, "", "verify", "--db", dsn); code != 1 || !strings.Contains(stderr, "whose event commits to none") {
				t.Fatalf("the personal data of deleted events went unremarked: exit %d\n%s", code, stderr)
			}
			// An insider who thinks of it deletes that too.
			if err := sqldbtest.Exec(db, `DELETE FROM personal`); err != nil {
				t.Fatal(err)
			}
			db.Close()
			if code, out, stderr := rb(t, "", "verify", "--db", dsn); code != 0 || !strings.Contains(out, "nothing in the database can prove") {
				t.Fatalf("verify of the emptied record without a checkpoint must verify, saying what it cannot prove: exit %d\n%s\n%s", code, out, stderr)
			}
			if code, out, stderr := rb(t, "", "verify", "--db", dsn, "--checkpoint", cp, "--verifier", key+".pub"); code != 1 || !strings.Contains(stderr, "cut from its end") || strings.Contains(out, "ok") {
				t.Fatalf("the emptied record passed its checkpoint: exit %d\n%s\n%s", code, out, stderr)
			}
			if code, _, stderr := rb(t, "", "verify", "--db", fresh, "--checkpoint", cp, "--verifier", key+".pub"); code != 1 || !strings.Contains(stderr, "cut from its end") {
				t.Fatalf("a new, empty record passed another record's checkpoint: exit %d\n%s", code, stderr)
			}
			if code, _, stderr := rb(t, "", "verify", "--db", dsn, "--expect-head", before.Head); code != 1 || !strings.Contains(stderr, "not in the record") {
				t.Fatalf("the emptied record passed the head noted before: exit %d\n%s", code, stderr)
			}
			if code, _, stderr := rb(t, "", "verify", "--db", dsn, "--projection"); code != 1 || !strings.Contains(stderr, "members: ") {
				t.Fatalf("the emptied record's projection passed: exit %d\n%s", code, stderr)
			}
		})
	}
}
