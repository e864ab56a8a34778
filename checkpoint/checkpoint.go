// Package checkpoint publishes the event record as a Merkle tree log in the
// manner of Certificate Transparency and the Go checksum database (RFC 6962
// hashing, golang.org/x/mod/sumdb/tlog), whose head is a signed checkpoint in the
// C2SP signed-note format (Ed25519, golang.org/x/mod/sumdb/note). The signing key
// is kept outside the database, so an insider who rewrites the record and chains
// it again cannot make it match a checkpoint someone else holds.
//
// The leaves are the events' chain hashes, in order: each commits to its event's
// content and to every event before it.
package checkpoint

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Tree is the Merkle tree over a record's events, with every hash a proof needs.
type Tree struct {
	n      int64
	stored []tlog.Hash
}

type hashes []tlog.Hash

func (h hashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(h)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = h[x]
	}
	return out, nil
}

// Build builds the tree over the events' chain hashes, in order.
func Build(leaves []rulebook.Hash) (*Tree, error) {
	t := &Tree{stored: make([]tlog.Hash, 0, 2*len(leaves))}
	for _, l := range leaves {
		if err := t.Add(l); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Add appends one event's chain hash as the next leaf.
func (t *Tree) Add(leaf rulebook.Hash) error {
	hs, err := tlog.StoredHashes(t.n, leaf[:], hashes(t.stored))
	if err != nil {
		return err
	}
	t.stored = append(t.stored, hs...)
	t.n++
	return nil
}

// Size is the number of leaves.
func (t *Tree) Size() int64 { return t.n }

// Root returns the tree hash of the first n leaves.
func (t *Tree) Root(n int64) (tlog.Hash, error) {
	if n > t.n {
		return tlog.Hash{}, fmt.Errorf("the record has %d events, not %d", t.n, n)
	}
	return tlog.TreeHash(n, hashes(t.stored))
}

// Checkpoint is a signed tree head: the record had Size events, whose tree hash
// was Root, as the holder of Origin's key signed.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	// Note is the signed note as it was read or written.
	Note []byte
}

// GenerateKey returns a new signing key and the verifier key that checks its
// signatures, named name (e.g. "rulebook.example.org").
func GenerateKey(name string) (signer, verifier string, err error) {
	return note.GenerateKey(rand.Reader, name)
}

// Sign writes the checkpoint of the first n leaves of t, signed with the signer
// key skey. Its origin line is the key's name.
func Sign(t *Tree, n int64, skey string) (*Checkpoint, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	root, err := t.Root(n)
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("%s\n%d\n%s\n", s.Name(), n, base64.StdEncoding.EncodeToString(root[:]))
	msg, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		return nil, err
	}
	return &Checkpoint{Origin: s.Name(), Size: n, Root: root, Note: msg}, nil
}

// Open checks a signed checkpoint against the verifier key vkey and reads it. A
// checkpoint not signed by that key is refused.
func Open(msg []byte, vkey string) (*Checkpoint, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("the checkpoint is not signed by %s: %w", v.Name(), err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != v.Name() {
		return nil, fmt.Errorf("the checkpoint's text is not origin, size and root")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return nil, fmt.Errorf("the checkpoint's size %q is not a number", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != len(tlog.Hash{}) {
		return nil, fmt.Errorf("the checkpoint's root %q is not a hash", lines[2])
	}
	c := &Checkpoint{Origin: lines[0], Size: size, Note: msg}
	copy(c.Root[:], root)
	return c, nil
}

// Check proves that the record whose tree is t is a consistent extension of the
// checkpoint c: it holds at least c.Size events, and the first c.Size of them hash
// to the root c signed. (The verifier holds every leaf, so it recomputes the old
// root outright; a consistency proof is for those who do not.)
func Check(t *Tree, c *Checkpoint) error {
	if t.n < c.Size {
		return fmt.Errorf("the record holds %d events, fewer than the %d of the checkpoint signed by %s: events were cut from its end", t.n, c.Size, c.Origin)
	}
	root, err := t.Root(c.Size)
	if err != nil {
		return err
	}
	if root != c.Root {
		return fmt.Errorf("the first %d events no longer hash to the root %s signed: the record was rewritten", c.Size, c.Origin)
	}
	return nil
}

// Proof is an inclusion proof: leaf Index (from 0) is in the tree of Size leaves
// with the root Root.
type Proof struct {
	Index int64
	Size  int64
	Root  tlog.Hash
	Path  tlog.RecordProof
}

// Prove returns the proof that leaf i is in the first n leaves of t.
func Prove(t *Tree, i, n int64) (*Proof, error) {
	if i < 0 || i >= n || n > t.n {
		return nil, fmt.Errorf("event %d is not among the first %d of the %d in the record", i+1, n, t.n)
	}
	p, err := tlog.ProveRecord(n, i, hashes(t.stored))
	if err != nil {
		return nil, err
	}
	root, err := t.Root(n)
	if err != nil {
		return nil, err
	}
	return &Proof{Index: i, Size: n, Root: root, Path: p}, nil
}

// Verify checks an inclusion proof for the event whose chain hash is leaf.
func (p *Proof) Verify(leaf rulebook.Hash) error {
	return tlog.CheckRecord(p.Path, p.Size, p.Root, p.Index, tlog.RecordHash(leaf[:]))
}

// String writes the proof as text: index, size, root and the path, one hash a line.
func (p *Proof) String() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "event %d of %d\nroot %s\n", p.Index+1, p.Size, base64.StdEncoding.EncodeToString(p.Root[:]))
	for _, h := range p.Path {
		fmt.Fprintf(&b, "%s\n", base64.StdEncoding.EncodeToString(h[:]))
	}
	return b.String()
}
