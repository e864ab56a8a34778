package sqldb

import "testing"

// The walk's commitments, gathered in chunks by two stretches and joined, read
// back in order across every chunk boundary, each once.
func TestCommitmentsInChunks(t *testing.T) {
	var a, b commitments
	const n = 2*commitChunk + 5
	for seq := int64(1); seq <= n; seq++ {
		c := &a
		if seq > commitChunk+3 {
			c = &b // the second stretch begins inside a's second chunk
		}
		c.add(commitment{seq: seq, rng: int32(seq % 7)})
	}
	a.then(&b)
	if b.chunks != nil {
		t.Fatal("the second stretch kept its chunks")
	}
	cur := commitCursor{c: &a}
	want := int64(1)
	for c := cur.at(); c != nil; c = cur.at() {
		if c.seq != want || c.rng != int32(want%7) {
			t.Fatalf("read seq %d (range %d), want %d", c.seq, c.rng, want)
		}
		want++
		cur.next()
	}
	if want != n+1 {
		t.Fatalf("read %d commitments of %d", want-1, n)
	}
	var empty commitments
	if c := (&commitCursor{c: &empty}).at(); c != nil {
		t.Fatal("a commitment read from none")
	}
}
