package checkpoint_test

import (
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/checkpoint"
)

// FuzzOpen: any bytes offered as a checkpoint are either refused or, if they open
// under the verifier key, are a checkpoint the key's holder signed — a forger
// without the key gets nothing accepted.
func FuzzOpen(f *testing.F) {
	skey, vkey, err := checkpoint.GenerateKey("rulebook.fuzz")
	if err != nil {
		f.Fatal(err)
	}
	tr, _ := checkpoint.Build([]rulebook.Hash{{1}, {2}, {3}})
	good, _ := checkpoint.Sign(tr, 3, skey)
	f.Add(good.Note)
	f.Add([]byte("rulebook.fuzz\n3\nAAAA\n\n— rulebook.fuzz AAAA\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, err := checkpoint.Open(msg, vkey)
		if err != nil {
			return
		}
		if c.Origin != "rulebook.fuzz" || c.Size < 0 {
			t.Fatalf("opened %+v", c)
		}
		if string(msg) != string(good.Note) && c.Size == 3 && c.Root != good.Root {
			t.Fatalf("a checkpoint the key never signed was accepted: %q", msg)
		}
	})
}

// FuzzProof: a proof for one leaf never holds for another.
func FuzzProof(f *testing.F) {
	f.Add(uint8(5), uint8(2), uint8(3))
	f.Fuzz(func(t *testing.T, n, i, j uint8) {
		size := int64(n%64) + 1
		leaves := make([]rulebook.Hash, size)
		for k := range leaves {
			leaves[k][0], leaves[k][1] = byte(k), 0xaa
		}
		tr, err := checkpoint.Build(leaves)
		if err != nil {
			t.Fatal(err)
		}
		a, b := int64(i)%size, int64(j)%size
		p, err := checkpoint.Prove(tr, a, size)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Verify(leaves[a]); err != nil {
			t.Fatalf("leaf %d of %d: %v", a, size, err)
		}
		if a != b && p.Verify(leaves[b]) == nil {
			t.Fatalf("the proof of leaf %d held for leaf %d", a, b)
		}
	})
}

// FuzzConsistency: any text offered as a consistency proof is refused, or read
// back as it is written; and none but the genuine proof shows that the later of
// two signed checkpoints extends the earlier.
func FuzzConsistency(f *testing.F) {
	skey, vkey, err := checkpoint.GenerateKey("rulebook.fuzz")
	if err != nil {
		f.Fatal(err)
	}
	hs := make([]rulebook.Hash, 21)
	for i := range hs {
		hs[i][0], hs[i][1] = byte(i), 0x5a
	}
	tr, _ := checkpoint.Build(hs)
	head := func(n int64) checkpoint.Head { h, _ := tr.Head(n); return h }
	open := func(n, an int64) *checkpoint.Checkpoint {
		a := head(an)
		c, _ := checkpoint.SignHeads(skey, head(n), &a)
		o, err := checkpoint.Open(c.Note, vkey)
		if err != nil {
			f.Fatal(err)
		}
		return o
	}
	older, newer := open(6, 13), open(21, 20)
	good, err := checkpoint.ProveConsistency(tr, tr, older, newer)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(good.String()))
	f.Add([]byte("record 6 21\n"))
	f.Add([]byte("record 0 0\naccess-log 1 1\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, text []byte) {
		p, err := checkpoint.ParseConsistency(text)
		if err != nil {
			return
		}
		q, err := checkpoint.ParseConsistency([]byte(p.String()))
		if err != nil || q.String() != p.String() {
			t.Fatalf("read back differently: %v\n%s\n%s", err, p, q)
		}
		if checkpoint.CheckConsistency(older, newer, p) == nil && p.String() != good.String() {
			t.Fatalf("a proof other than the genuine one holds:\n%s", p)
		}
	})
}
