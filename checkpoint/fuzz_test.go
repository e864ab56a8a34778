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
