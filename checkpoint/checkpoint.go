// Package checkpoint publishes the event record as a Merkle tree log in the
// manner of Certificate Transparency and the Go checksum database (RFC 6962
// hashing, golang.org/x/mod/sumdb/tlog), whose head is a signed checkpoint in the
// C2SP signed-note format (Ed25519, golang.org/x/mod/sumdb/note). The signing key
// is kept outside the database, so an insider who rewrites the record and chains
// it again cannot make it match a checkpoint someone else holds.
//
// The leaves are the events' chain hashes, in order: each commits to its event's
// content and to every event before it. A checkpoint also signs the access log's
// tree, built the same way over its entries' chain hashes, in an extension line
// after the root:
//
//	rulebook.example.org
//	1204
//	<record's root, base64>
//	access-log 3771 <access log's root, base64>
//
// Checkpoints written before the access log was chained have no such line and
// still open; they prove the record only.
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

// Head is a log's tree head: its size and the tree hash of its leaves.
type Head struct {
	Size int64
	Root tlog.Hash
}

// Head returns the head of the first n leaves of t.
func (t *Tree) Head(n int64) (Head, error) {
	root, err := t.Root(n)
	return Head{Size: n, Root: root}, err
}

// Checkpoint is a signed tree head: the record had Size events, whose tree hash
// was Root, and the access log the head Access, as the holder of Origin's key
// signed.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	// Access is the access log's tree head; nil in a checkpoint written before the
	// access log was chained.
	Access *Head
	// Note is the signed note as it was read or written.
	Note []byte
}

// accessExtension starts the extension line that holds the access log's head.
const accessExtension = "access-log "

// GenerateKey returns a new signing key and the verifier key that checks its
// signatures, named name (e.g. "rulebook.example.org").
func GenerateKey(name string) (signer, verifier string, err error) {
	return note.GenerateKey(rand.Reader, name)
}

// Sign writes the checkpoint of the first n leaves of t, signed with the signer
// key skey. Its origin line is the key's name.
func Sign(t *Tree, n int64, skey string) (*Checkpoint, error) {
	h, err := t.Head(n)
	if err != nil {
		return nil, err
	}
	return SignHeads(skey, h, nil)
}

// SignHeads writes the checkpoint of the record's head and, if access is not nil,
// the access log's, signed with the signer key skey.
func SignHeads(skey string, record Head, access *Head) (*Checkpoint, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	text := fmt.Sprintf("%s\n%d\n%s\n", s.Name(), record.Size, base64.StdEncoding.EncodeToString(record.Root[:]))
	if access != nil {
		text += fmt.Sprintf("%s%d %s\n", accessExtension, access.Size, base64.StdEncoding.EncodeToString(access.Root[:]))
	}
	msg, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		return nil, err
	}
	c := &Checkpoint{Origin: s.Name(), Size: record.Size, Root: record.Root, Note: msg}
	if access != nil {
		a := *access
		c.Access = &a
	}
	return c, nil
}

// VerifierName checks a verifier key and returns the name of the log it checks.
func VerifierName(vkey string) (string, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return "", fmt.Errorf("verifier key: %w", err)
	}
	return v.Name(), nil
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
	// Extension lines follow the root, up to the text's final newline; those of
	// other kinds are skipped.
	for _, l := range lines[3 : len(lines)-1] {
		rest, ok := strings.CutPrefix(l, accessExtension)
		if !ok {
			continue
		}
		if c.Access != nil {
			return nil, fmt.Errorf("the checkpoint holds two access-log heads")
		}
		h, err := parseHead(rest)
		if err != nil {
			return nil, fmt.Errorf("the checkpoint's access-log line %q: %v", l, err)
		}
		c.Access = &h
	}
	return c, nil
}

// parseHead reads "SIZE ROOT" (the root in base64).
func parseHead(s string) (Head, error) {
	var h Head
	sz, root, ok := strings.Cut(s, " ")
	if !ok {
		return h, fmt.Errorf("not a size and a root")
	}
	n, err := strconv.ParseInt(sz, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != sz {
		return h, fmt.Errorf("the size %q is not a number", sz)
	}
	b, err := base64.StdEncoding.DecodeString(root)
	if err != nil || len(b) != len(tlog.Hash{}) {
		return h, fmt.Errorf("the root %q is not a hash", root)
	}
	h.Size = n
	copy(h.Root[:], b)
	return h, nil
}

// Check proves that the record whose tree is t is a consistent extension of the
// checkpoint c: it holds at least c.Size events, and the first c.Size of them hash
// to the root c signed; and, if c signed the access log's head too, that the
// access log whose tree is access extends it likewise. (The verifier holds every
// leaf, so it recomputes the old roots outright; a consistency proof is for those
// who do not.)
func Check(t, access *Tree, c *Checkpoint) error {
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
	if c.Access == nil {
		return nil
	}
	if access == nil {
		return fmt.Errorf("the checkpoint signed by %s covers the access log too, which was not given", c.Origin)
	}
	if access.n < c.Access.Size {
		return fmt.Errorf("the access log holds %d entries, fewer than the %d of the checkpoint signed by %s: entries were cut from its end", access.n, c.Access.Size, c.Origin)
	}
	if root, err = access.Root(c.Access.Size); err != nil {
		return err
	}
	if root != c.Access.Root {
		return fmt.Errorf("the first %d access-log entries no longer hash to the root %s signed: the access log was rewritten", c.Access.Size, c.Origin)
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
