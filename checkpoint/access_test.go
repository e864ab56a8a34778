package checkpoint_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/checkpoint"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

func logN(t *testing.T, db *sqldb.DB, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if err := db.LogAccess(ctx, sqldb.Access{At: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), Actor: "reader", Action: "view_member", Subject: fmt.Sprintf("M%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func accessTree(t *testing.T, db *sqldb.DB) *checkpoint.Tree {
	t.Helper()
	hs, err := db.AccessHashes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := checkpoint.Build(hs)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func sign(t *testing.T, db *sqldb.DB, skey string) *checkpoint.Checkpoint {
	t.Helper()
	tr, at := tree(t, db), accessTree(t, db)
	rh, _ := tr.Head(tr.Size())
	ah, _ := at.Head(at.Size())
	c, err := checkpoint.SignHeads(skey, rh, &ah)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCheckpointCoversAccessLog: a checkpoint signs the access log's head in an
// extension line; entries cut from the access log's end, or the log rewritten and
// chained again, fail the check though the record is intact; a checkpoint without
// the line (as written before) still opens and checks the record alone.
func TestCheckpointCoversAccessLog(t *testing.T) {
	skey, vkey, _ := checkpoint.GenerateKey("rulebook.test")
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		appendN(t, db, 0, 5)
		logN(t, db, 0, 6)
		cp := sign(t, db, skey)
		if !strings.Contains(string(cp.Note), "\naccess-log 6 ") {
			t.Fatalf("no access-log line:\n%s", cp.Note)
		}
		c, err := checkpoint.Open(cp.Note, vkey)
		if err != nil || c.Access == nil || c.Access.Size != 6 || c.Access.Root != cp.Access.Root {
			t.Fatalf("open: %+v %v", c, err)
		}
		appendN(t, db, 5, 2)
		logN(t, db, 6, 3)
		if err := checkpoint.Check(tree(t, db), accessTree(t, db), c); err != nil {
			t.Fatalf("a legitimate extension: %v", err)
		}
		if err := checkpoint.Check(tree(t, db), nil, c); err == nil {
			t.Error("checked without the access log")
		}
		old, _ := checkpoint.Sign(tree(t, db), 5, skey)
		if o, err := checkpoint.Open(old.Note, vkey); err != nil || o.Access != nil || checkpoint.Check(tree(t, db), nil, o) != nil {
			t.Errorf("a checkpoint without the access log: %+v %v", o, err)
		}

		// Rewritten and chained again: entry 3's subject changed, every hash from it
		// recomputed, as an insider without the key would.
		if err := sqldbtest.RewriteAccess(db, 3, "M-elsewhere"); err != nil {
			t.Fatal(err)
		}
		if res, err := db.Verify(ctx, nil); err != nil || !res.OK || res.AccessEntries != 9 {
			t.Fatalf("the chain alone should hold: %+v %v", res, err)
		}
		if err := checkpoint.Check(tree(t, db), accessTree(t, db), c); err == nil || !strings.Contains(err.Error(), "access log was rewritten") {
			t.Errorf("a rewrite chained again: %v", err)
		}
		// Cut from the end.
		if err := sqldbtest.DisableAppendOnlyOf(db, "access_log"); err != nil {
			t.Fatal(err)
		}
		if err := sqldbtest.Exec(db, `DELETE FROM access_log WHERE id > 4`); err != nil {
			t.Fatal(err)
		}
		if err := checkpoint.Check(tree(t, db), accessTree(t, db), c); err == nil || !strings.Contains(err.Error(), "entries were cut from its end") {
			t.Errorf("a cut: %v", err)
		}
	})
}

// TestConsistencyProof: an auditor holding two signed checkpoints, and no leaves,
// checks a proof that the later extends the earlier, for the record and the access
// log; a proof fails for a rewrite in between, for swapped checkpoints, and after
// any change to its text.
func TestConsistencyProof(t *testing.T) {
	skey, vkey, _ := checkpoint.GenerateKey("rulebook.test")
	leaves := func(n int, tag byte) *checkpoint.Tree {
		hs := make([]rulebook.Hash, n)
		for i := range hs {
			hs[i][0], hs[i][1], hs[i][2] = byte(i), byte(i>>8), tag
		}
		tr, err := checkpoint.Build(hs)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	rec, acc := leaves(40, 1), leaves(300, 2)
	signAt := func(n, an int64) *checkpoint.Checkpoint {
		rh, _ := rec.Head(n)
		ah, _ := acc.Head(an)
		c, err := checkpoint.SignHeads(skey, rh, &ah)
		if err != nil {
			t.Fatal(err)
		}
		o, err := checkpoint.Open(c.Note, vkey)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	for _, sz := range [][4]int64{{1, 40, 1, 300}, {17, 40, 100, 300}, {40, 40, 300, 300}, {0, 5, 0, 7}, {8, 16, 64, 128}} {
		older, newer := signAt(sz[0], sz[2]), signAt(sz[1], sz[3])
		p, err := checkpoint.ProveConsistency(rec, acc, older, newer)
		if err != nil {
			t.Fatal(err)
		}
		q, err := checkpoint.ParseConsistency([]byte(p.String()))
		if err != nil || q.String() != p.String() {
			t.Fatalf("%v: the proof read back: %v\n%s", sz, err, p)
		}
		if err := checkpoint.CheckConsistency(older, newer, q); err != nil {
			t.Errorf("%v: %v", sz, err)
		}
		if sz[0] != sz[1] && checkpoint.CheckConsistency(newer, older, q) == nil {
			t.Errorf("%v: holds with the checkpoints swapped", sz)
		}
	}
	// A record rewritten in between: the later checkpoint signs other leaves.
	older := signAt(17, 100)
	other := leaves(40, 9)
	rh, _ := other.Head(40)
	ah, _ := acc.Head(300)
	c, _ := checkpoint.SignHeads(skey, rh, &ah)
	forged, _ := checkpoint.Open(c.Note, vkey)
	p, err := checkpoint.ProveConsistency(other, acc, older, forged)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkpoint.CheckConsistency(older, forged, p); err == nil || !strings.Contains(err.Error(), "the record was rewritten") {
		t.Errorf("a rewrite in between: %v", err)
	}
	// The access log rewritten in between.
	rh, _ = rec.Head(40)
	ah, _ = leaves(300, 8).Head(300)
	c, _ = checkpoint.SignHeads(skey, rh, &ah)
	forged, _ = checkpoint.Open(c.Note, vkey)
	p, _ = checkpoint.ProveConsistency(rec, acc, older, signAt(40, 300))
	if err := checkpoint.CheckConsistency(older, forged, p); err == nil || !strings.Contains(err.Error(), "the access log was rewritten") {
		t.Errorf("an access-log rewrite in between: %v", err)
	}
	// An older checkpoint without the access log's head: the record alone.
	plain, _ := checkpoint.Sign(rec, 10, skey)
	plainOld, _ := checkpoint.Open(plain.Note, vkey)
	p, err = checkpoint.ProveConsistency(rec, acc, plainOld, signAt(40, 300))
	if err != nil || p.Access != nil {
		t.Fatalf("from a checkpoint of the record alone: %+v %v", p, err)
	}
	if err := checkpoint.CheckConsistency(plainOld, signAt(40, 300), p); err != nil {
		t.Error(err)
	}
}
