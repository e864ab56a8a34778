package checkpoint_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/checkpoint"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

var ctx = context.Background()

func appendN(t *testing.T, db *sqldb.DB, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		d, _ := rulebook.MarshalData(rulebook.Unit{ID: "u" + string(rune('a'+i%26)), Name: "Unit", Kind: "branch"})
		e := &rulebook.Event{Type: "note.test", Subject: "test/" + string(rune('a'+i%26)), Actor: "t", Effective: rulebook.MustDate("2020-01-01"), Data: d}
		if err := db.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

func tree(t *testing.T, db *sqldb.DB) *checkpoint.Tree {
	t.Helper()
	leaves, err := db.EventHashes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := checkpoint.Build(leaves)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// rechain rewrites event seq's data and recomputes every hash from it on, as an
// insider with the database but not the key would: the chain then verifies.
func rechain(t *testing.T, db *sqldb.DB, seq int64, data string) {
	t.Helper()
	if err := sqldbtest.DisableAppendOnly(db); err != nil {
		t.Fatal(err)
	}
	evs, err := db.Events(ctx, sqldb.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var prev rulebook.Event
	for i := range evs {
		e := &evs[i]
		if e.Seq == seq {
			e.Data = []byte(data)
		}
		if e.Seq >= seq {
			e.Seal(&prev)
			if err := sqldbtest.Exec(db, `UPDATE events SET data = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, string(e.Data), e.PrevHash[:], e.Hash[:], e.Seq); err != nil {
				t.Fatal(err)
			}
		}
		prev = rulebook.Event{Seq: e.Seq, Hash: e.Hash, Recorded: e.Recorded}
	}
	if err := sqldbtest.RestoreAppendOnly(db); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointCatchesInsiders: a legitimate history extends an earlier signed
// checkpoint; truncation, a rewrite chained again, and a forged append made
// without the key do not; a checkpoint forged without the key is refused; an
// inclusion proof holds for a recorded event and fails for a forged one.
func TestCheckpointCatchesInsiders(t *testing.T) {
	skey, vkey, err := checkpoint.GenerateKey("rulebook.test")
	if err != nil {
		t.Fatal(err)
	}
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		appendN(t, db, 0, 10)
		cp, err := checkpoint.Sign(tree(t, db), 10, skey)
		if err != nil {
			t.Fatal(err)
		}
		c, err := checkpoint.Open(cp.Note, vkey)
		if err != nil || c.Size != 10 {
			t.Fatalf("open: %+v %v", c, err)
		}
		appendN(t, db, 10, 7) // the record grows legitimately
		if err := checkpoint.Check(tree(t, db), nil, c); err != nil {
			t.Fatalf("a legitimate extension: %v", err)
		}
		// An inclusion proof of event 4 in the checkpoint's tree.
		tr := tree(t, db)
		p, err := checkpoint.Prove(tr, 3, c.Size)
		if err != nil {
			t.Fatal(err)
		}
		leaves, _ := db.EventHashes(ctx)
		if err := p.Verify(leaves[3]); err != nil || p.Root != c.Root {
			t.Errorf("inclusion of event 4: %v", err)
		}
		if err := p.Verify(leaves[4]); err == nil {
			t.Error("the proof of event 4 held for event 5")
		}

		// A checkpoint forged without the key.
		other, _, _ := checkpoint.GenerateKey("rulebook.test")
		forged, _ := checkpoint.Sign(tr, 3, other)
		if _, err := checkpoint.Open(forged.Note, vkey); err == nil {
			t.Error("a checkpoint signed with another key was accepted")
		}

		// A rewrite chained again: the chain verifies, the checkpoint does not.
		rechain(t, db, 5, `{"id":"forged","name":"Forged","kind":"branch"}`)
		if res, err := db.Verify(ctx, nil); err != nil || !res.OK {
			t.Fatalf("the rechained record should pass the chain check alone: %+v %v", res, err)
		}
		if err := checkpoint.Check(tree(t, db), nil, c); err == nil || !strings.Contains(err.Error(), "rewritten") {
			t.Errorf("a rewrite chained again: %v", err)
		}
		// The rewritten event's proof against the checkpoint fails.
		leaves, _ = db.EventHashes(ctx)
		if err := p.Verify(leaves[3]); err != nil {
			t.Errorf("event 4, before the rewrite, still proves: %v", err)
		}
		p5, err := checkpoint.Prove(tree(t, db), 4, c.Size)
		if err != nil {
			t.Fatal(err)
		}
		if p5.Root == c.Root {
			t.Error("the forged event's tree has the checkpoint's root")
		}
	})
}

// TestCheckpointCatchesTruncation: cutting events from the end, even every event,
// fails against a checkpoint.
func TestCheckpointCatchesTruncation(t *testing.T) {
	skey, vkey, _ := checkpoint.GenerateKey("rulebook.test")
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		appendN(t, db, 0, 8)
		cp, _ := checkpoint.Sign(tree(t, db), 8, skey)
		c, err := checkpoint.Open(cp.Note, vkey)
		if err != nil {
			t.Fatal(err)
		}
		if err := sqldbtest.DisableAppendOnly(db); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`DELETE FROM events WHERE seq > 6`, `DELETE FROM events`} {
			if err := sqldbtest.Exec(db, q); err != nil {
				t.Fatal(err)
			}
			if err := checkpoint.Check(tree(t, db), nil, c); err == nil || !strings.Contains(err.Error(), "cut from its end") {
				t.Errorf("after %s: %v", q, err)
			}
		}
	})
}
