package sqldb_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rulebook/rulebook/sqldb"
)

// TestCheckpointsApart: a SQLite database in a file leaves no checkpoint to its
// commits (the writer's automatic checkpoint is off) and its log is copied back
// into the file all the same, by the checkpointer, soon after; Close ends it
// and leaves the whole database in the file.
func TestCheckpointsApart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ck.db")
	db, err := sqldb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var auto int
	if err := db.Raw().QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Errorf("the writer checkpoints every %d pages itself", auto)
	}
	size := func() int64 {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	// The schema and the events are in the log until a checkpoint: the file
	// holds only its first page, written when the log was switched on.
	before := size()
	seed(t, db)
	deadline := time.Now().Add(20 * checkpointWait)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("the file is still %d bytes long: nothing checkpointed", size())
		}
		time.Sleep(checkpointWait / 10)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !os.IsNotExist(err) {
		t.Errorf("the log is left after Close: %v", err)
	}
	db, err = sqldb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.CountMembers(ctx); err != nil || n != 2 {
		t.Errorf("reopened: %d members, %v", n, err)
	}
}

// checkpointWait is about how long the checkpointer takes to come round.
const checkpointWait = time.Second
