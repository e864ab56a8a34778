package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestCheckpointCommands: a key made outside the database signs a checkpoint;
// verify --checkpoint proves the record extends it and proof gives an event's
// inclusion proof; after events are cut from the end (the triggers put back), the
// chain alone still verifies but the checkpoint does not.
func TestCheckpointCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	key := filepath.Join(dir, "checkpoint.key")
	cp := filepath.Join(dir, "checkpoint.txt")
	if code, _, stderr := rb(t, "", "demo", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	if code, out, stderr := rb(t, "", "key", "generate", "--name", "rulebook.example.org", "--out", key); code != 0 || !strings.Contains(out, "rulebook.example.org+") {
		t.Fatalf("key: %d %s %s", code, out, stderr)
	}
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the signing key's file: %v %v", st, err)
	}
	if code, _, stderr := rb(t, "", "key", "generate", "--name", "x", "--out", key); code == 0 || !strings.Contains(stderr, "never overwritten") {
		t.Errorf("a key overwritten: %d %s", code, stderr)
	}
	if code, out, stderr := rb(t, "", "checkpoint", "--db", db, "--key", key, "--out", cp); code != 0 || !strings.HasPrefix(out, "rulebook.example.org\n") {
		t.Fatalf("checkpoint: %d %s %s", code, out, stderr)
	}
	if code, out, stderr := rb(t, "", "verify", "--db", db, "--checkpoint", cp, "--verifier", key+".pub"); code != 0 || !strings.Contains(out, "extends the checkpoint") || strings.Contains(out, "note:") {
		t.Fatalf("verify against the checkpoint: %d %s %s", code, out, stderr)
	}
	d, err := sqldb.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	if err := d.Raw().QueryRow(`SELECT id FROM events WHERE seq = 5`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if code, out, stderr := rb(t, "", "proof", id, "--db", db, "--checkpoint", cp, "--verifier", key+".pub"); code != 0 || !strings.Contains(out, "is in the record the checkpoint signed") || !strings.Contains(out, "event 5 of") {
		t.Fatalf("proof: %d %s %s", code, out, stderr)
	}
	// Cut the last two events, and put the triggers back to cover the tracks.
	d, err = sqldb.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	sqldbtest.DisableAppendOnly(d)
	if err := sqldbtest.Exec(d, `DELETE FROM events WHERE seq > (SELECT MAX(seq) - 2 FROM events)`); err != nil {
		t.Fatal(err)
	}
	sqldbtest.RestoreAppendOnly(d)
	d.Close()
	if code, _, _ := rb(t, "", "verify", "--db", db); code != 0 {
		t.Fatal("the chain alone should verify after a cut")
	}
	if code, _, stderr := rb(t, "", "verify", "--db", db, "--checkpoint", cp, "--verifier", key+".pub"); code != 1 || !strings.Contains(stderr, "cut from its end") {
		t.Fatalf("a cut went unnoticed against the checkpoint: %d %s", code, stderr)
	}
	// A checkpoint checked with another key is refused.
	other := filepath.Join(dir, "other.key")
	rb(t, "", "key", "generate", "--name", "rulebook.example.org", "--out", other)
	if code, _, stderr := rb(t, "", "verify", "--db", db, "--checkpoint", cp, "--verifier", other+".pub"); code != 1 || !strings.Contains(stderr, "not signed by") {
		t.Fatalf("another key's checkpoint: %d %s", code, stderr)
	}
}

// TestRuleBookEditedInTheDatabase: the rule book's text is in the record by its
// digest; edited in the database, verify reports it and no command runs under it.
func TestRuleBookEditedInTheDatabase(t *testing.T) {
	for _, engine := range sqldbtest.Engines {
		t.Run(engine, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "demo.db")
			if engine == "postgres" {
				dsn = sqldbtest.NewPostgres(t)
			}
			if code, _, stderr := rb(t, "", "demo", "--db", dsn); code != 0 {
				t.Fatal(stderr)
			}
			d, err := sqldb.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			// A suspended member made free to sign nomination papers.
			err = sqldbtest.Exec(d, `UPDATE rulebooks SET source = REPLACE(source, 'default: deny 6.I.1.B', 'default: allow 6.I.1.B')`)
			d.Close()
			if err != nil {
				t.Fatal(err)
			}
			if code, _, stderr := rb(t, "", "verify", "--db", dsn); code != 1 || !strings.Contains(stderr, "was edited") {
				t.Errorf("verify after the rule book was edited: %d %s", code, stderr)
			}
			if code, _, stderr := rb(t, "", "eligibility", "--member", "M0001", "--action", "sign_nomination_papers", "--date", "2016-06-01", "--db", dsn); code == 0 || !strings.Contains(stderr, "edited in the database") {
				t.Errorf("a command ran under the edited rule book: %d %s", code, stderr)
			}
		})
	}
}
