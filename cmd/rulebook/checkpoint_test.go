package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
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

// appendNote appends one event to the record at dsn, directly.
func appendNote(t *testing.T, dsn string, n int) {
	t.Helper()
	d, err := sqldb.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	e := &rulebook.Event{Type: "note.test", Subject: "test/note", Actor: "t", Effective: rulebook.MustDate("2026-11-30"), Data: []byte(fmt.Sprintf(`{"n":%d}`, n))}
	if err := d.Append(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

// TestAccessLogCheckpointCommands: a checkpoint signs the access log's head too,
// and verify checks it; proof --consistency gives an auditor who holds two
// checkpoints a proof that the later extends the earlier, which they check without
// the database (a changed proof fails); entries cut from the access log's end fail
// the checkpoint, and the checkpoints kept in the database name the first entry
// not covered.
func TestAccessLogCheckpointCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	key := filepath.Join(dir, "checkpoint.key")
	old, newer, newest, proof := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt"), filepath.Join(dir, "newest.txt"), filepath.Join(dir, "proof.txt")
	if code, _, stderr := rb(t, "", "demo", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	rb(t, "", "key", "generate", "--name", "rulebook.example.org", "--out", key)
	for _, m := range []string{"M0001", "M0002"} {
		if code, _, stderr := rb(t, "", "member", "show", m, "--db", db); code != 0 {
			t.Fatal(stderr)
		}
	}
	if code, out, stderr := rb(t, "", "checkpoint", "--db", db, "--key", key, "--out", old); code != 0 || !strings.Contains(out, "\naccess-log 2 ") {
		t.Fatalf("checkpoint: %d %s %s", code, out, stderr)
	}
	if code, out, stderr := rb(t, "", "verify", "--db", db, "--checkpoint", old, "--verifier", key+".pub"); code != 0 ||
		!strings.Contains(out, "and the access log its 2 entries") || !strings.Contains(out, "ok: 2 access-log entries verified") || !strings.Contains(out, "checkpoints kept in the database hold") {
		t.Fatalf("verify: %d %s %s", code, out, stderr)
	}
	// The record and the access log grow.
	appendNote(t, db, 1)
	rb(t, "", "member", "show", "M0003", "--db", db)
	code, out, stderr := rb(t, "", "proof", "--consistency", "--db", db, "--checkpoint", old, "--verifier", key+".pub", "--key", key, "--out", newer)
	if code != 0 || !strings.HasPrefix(out, "record ") || !strings.Contains(out, "\naccess-log 2 3\n") || !strings.Contains(stderr, "written to "+newer) {
		t.Fatalf("proof --consistency: %d %s %s", code, out, stderr)
	}
	os.WriteFile(proof, []byte(out), 0o644)
	// The auditor, with no database.
	if code, out, stderr := rb(t, "", "proof", "--consistency", "--db", filepath.Join(dir, "none.db"), "--checkpoint", old, "--to", newer, "--proof", proof, "--verifier", key+".pub"); code != 0 || !strings.Contains(out, "ok: the checkpoint of") {
		t.Fatalf("checking the proof: %d %s %s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("checking a proof opened a database")
	}
	text, _ := os.ReadFile(proof)
	bad := strings.Replace(string(text), "\n", "\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 1)
	os.WriteFile(proof, []byte(bad), 0o644)
	if code, _, stderr := rb(t, "", "proof", "--consistency", "--checkpoint", old, "--to", newer, "--proof", proof, "--verifier", key+".pub"); code != 1 || !strings.Contains(stderr, "rewritten") {
		t.Fatalf("a changed proof: %d %s", code, stderr)
	}
	// Without a key, the proof leads to the newest checkpoint kept in the database.
	if code, out, stderr := rb(t, "", "proof", "--consistency", "--db", db, "--checkpoint", old, "--verifier", key+".pub", "--out", newest); code != 0 || !strings.Contains(out, "\naccess-log 2 3\n") {
		t.Fatalf("proof to the newest kept checkpoint: %d %s %s", code, out, stderr)
	}
	if n, _ := os.ReadFile(newest); string(n) != func() string { b, _ := os.ReadFile(newer); return string(b) }() {
		t.Error("the newest kept checkpoint is not the one signed last")
	}

	// The last access-log entry cut, the triggers put back.
	d, err := sqldb.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var lastID int64
	var lastAt int64
	d.Raw().QueryRow(`SELECT id, at FROM access_log ORDER BY id DESC LIMIT 1`).Scan(&lastID, &lastAt)
	sqldbtest.DisableAppendOnlyOf(d, "access_log")
	if err := sqldbtest.Exec(d, `DELETE FROM access_log WHERE id = $1`, lastID); err != nil {
		t.Fatal(err)
	}
	sqldbtest.RestoreAppendOnlyOf(d, "access_log")
	d.Close()
	if code, _, stderr := rb(t, "", "verify", "--db", db, "--checkpoint", newer, "--verifier", key+".pub"); code != 1 || !strings.Contains(stderr, "entries were cut from its end") {
		t.Fatalf("a cut from the access log against the checkpoint: %d %s", code, stderr)
	}
	if code, _, stderr := rb(t, "", "verify", "--db", db, "--verifier", key+".pub"); code != 1 || !strings.Contains(stderr, "the access log ends at its entry number 2") {
		t.Fatalf("a cut from the access log against the kept checkpoints: %d %s", code, stderr)
	}
}

// TestVerifyNamesTheForgedEvent: with a checkpoint signed (and kept) after each
// commit, an event forged into the middle of the record and the chain hashed again
// is named by verify --verifier, and by verify --checkpoint, by seq and id.
func TestVerifyNamesTheForgedEvent(t *testing.T) {
	for _, engine := range sqldbtest.Engines {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			dsn := filepath.Join(dir, "demo.db")
			if engine == "postgres" {
				dsn = sqldbtest.NewPostgres(t)
			}
			key, cp := filepath.Join(dir, "checkpoint.key"), filepath.Join(dir, "checkpoint.txt")
			if code, _, stderr := rb(t, "", "demo", "--db", dsn); code != 0 {
				t.Fatal(stderr)
			}
			rb(t, "", "key", "generate", "--name", "rulebook.example.org", "--out", key)
			for i := 0; i < 6; i++ {
				appendNote(t, dsn, i)
				if code, _, stderr := rb(t, "", "checkpoint", "--db", dsn, "--key", key, "--out", cp); code != 0 {
					t.Fatal(stderr)
				}
			}
			if code, out, stderr := rb(t, "", "verify", "--db", dsn, "--verifier", key+".pub"); code != 0 || !strings.Contains(out, "(6 kept;") {
				t.Fatalf("before: %d %s %s", code, out, stderr)
			}
			d, err := sqldb.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			var seq int64
			d.Raw().QueryRow(`SELECT MAX(seq) - 2 FROM events`).Scan(&seq)
			forged := &rulebook.Event{Type: "note.test", Subject: "test/note", Actor: "mallory", Effective: rulebook.MustDate("2026-11-30"), Data: []byte(`{"n":"forged"}`)}
			err = sqldbtest.ForgeInsert(d, seq, forged)
			d.Close()
			if err != nil {
				t.Fatal(err)
			}
			if code, _, stderr := rb(t, "", "verify", "--db", dsn); code != 0 {
				t.Fatalf("the chain alone should verify: %s", stderr)
			}
			want := fmt.Sprintf("event %d (id %s, note.test,", seq, forged.ID)
			if code, _, stderr := rb(t, "", "verify", "--db", dsn, "--verifier", key+".pub"); code != 1 || !strings.Contains(stderr, want) {
				t.Fatalf("verify --verifier: %d %s", code, stderr)
			}
			if code, _, stderr := rb(t, "", "verify", "--db", dsn, "--checkpoint", cp, "--verifier", key+".pub"); code != 1 || !strings.Contains(stderr, want) {
				t.Fatalf("verify --checkpoint: %d %s", code, stderr)
			}
		})
	}
}
