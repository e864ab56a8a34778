package app_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/checkpoint"
)

// TestCheckpointsKeptOnEveryCommit: a checkpoint is written at start and again
// after each commit that adds events; each verifies, and proves the record.
func TestCheckpointsKeptOnEveryCommit(t *testing.T) {
	w := newWorld(t)
	skey, vkey, err := checkpoint.GenerateKey("rulebook.test")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "checkpoint")
	cps, err := w.a.KeepCheckpoints(operator(), skey, path)
	if err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.ParseInt(strings.Split(string(b), "\n")[1], 10, 64)
		return n
	}
	before := size()
	if before == 0 {
		t.Fatal("no checkpoint at start")
	}
	if _, _, err := w.a.Join(w.as(t, "paula"), rulebook.Member{ID: "M0950", Name: "New Member", Unit: "harbour-ward", Joined: rulebook.MustDate("2026-11-30")}, ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for size() == before {
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint after the commit")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cps.Close(operator()); err != nil {
		t.Fatal(err)
	}
	msg, _ := os.ReadFile(path)
	c, err := w.a.VerifyCheckpoint(operator(), msg, vkey)
	if err != nil || c.Size != before+1 {
		t.Fatalf("the last checkpoint: %+v %v", c, err)
	}
}
