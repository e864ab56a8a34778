package checkpoint

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// TreeProof is a consistency proof: the log of Old leaves is a prefix of the log of
// New leaves (RFC 6962's consistency proof, tlog.ProveTree).
type TreeProof struct {
	Old, New int64
	Path     tlog.TreeProof
}

// Consistency proves that a later checkpoint extends an earlier one: the record's
// tree of the earlier size is a prefix of the later one's, and so is the access
// log's, when both checkpoints sign its head. Whoever holds the two signed
// checkpoints and this proof checks it (CheckConsistency) without the leaves.
type Consistency struct {
	Record TreeProof
	Access *TreeProof
}

// maxProofHashes bounds a proof read from text: a tree of up to 2^63 leaves needs
// fewer than 2×63 hashes.
const maxProofHashes = 128

// Section names in a proof's text.
const (
	recordSection = "record"
	accessSection = "access-log"
)

// ProveConsistency returns the proof that the checkpoint newer extends older, from
// the record's tree t and the access log's tree access. Both checkpoints must have
// been checked against the trees (Check): the proof is of the trees, and holds for
// the checkpoints only if their roots are the trees'.
func ProveConsistency(t, access *Tree, older, newer *Checkpoint) (*Consistency, error) {
	rp, err := proveTree(t, older.Size, newer.Size, "events")
	if err != nil {
		return nil, err
	}
	p := &Consistency{Record: *rp}
	if older.Access != nil && newer.Access != nil {
		if access == nil {
			return nil, fmt.Errorf("the access log's tree was not given")
		}
		if p.Access, err = proveTree(access, older.Access.Size, newer.Access.Size, "access-log entries"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func proveTree(t *Tree, old, new int64, what string) (*TreeProof, error) {
	if old < 0 || old > new || new > t.n {
		return nil, fmt.Errorf("no proof that %d %s extend to %d (the log holds %d)", old, what, new, t.n)
	}
	p := &TreeProof{Old: old, New: new, Path: tlog.TreeProof{}}
	if old == 0 {
		return p, nil // the empty tree is a prefix of every tree
	}
	path, err := tlog.ProveTree(new, old, hashes(t.stored))
	if err != nil {
		return nil, err
	}
	p.Path = path
	return p, nil
}

// CheckConsistency checks that the checkpoint newer extends older, both signed by
// the same key (opened with Open), by the proof p: nothing either signed was cut
// or rewritten in between.
func CheckConsistency(older, newer *Checkpoint, p *Consistency) error {
	if older.Origin != newer.Origin {
		return fmt.Errorf("the checkpoints are of two logs, %s and %s", older.Origin, newer.Origin)
	}
	if err := checkTree(&p.Record, Head{older.Size, older.Root}, Head{newer.Size, newer.Root}, "events", "the record"); err != nil {
		return err
	}
	switch {
	case older.Access == nil:
		if p.Access != nil {
			return fmt.Errorf("the proof holds an access-log part, but the older checkpoint signs no access-log head")
		}
		return nil
	case newer.Access == nil:
		return fmt.Errorf("the newer checkpoint signs no access-log head, though the older one does")
	case p.Access == nil:
		return fmt.Errorf("the proof has no access-log part, though both checkpoints sign the access log's head")
	}
	return checkTree(p.Access, *older.Access, *newer.Access, "access-log entries", "the access log")
}

func checkTree(p *TreeProof, older, newer Head, what, log string) error {
	if p.Old != older.Size || p.New != newer.Size {
		return fmt.Errorf("the proof is from %d to %d %s, the checkpoints of %d and %d", p.Old, p.New, what, older.Size, newer.Size)
	}
	if older.Size > newer.Size {
		return fmt.Errorf("the newer checkpoint has fewer %s (%d) than the older (%d): %s was cut", what, newer.Size, older.Size, log)
	}
	if older.Size == 0 {
		if older.Root != emptyRoot || len(p.Path) != 0 {
			return fmt.Errorf("a proof from an empty log is empty, and its root the empty tree's")
		}
		return nil
	}
	if err := tlog.CheckTree(p.Path, newer.Size, newer.Root, older.Size, older.Root); err != nil {
		return fmt.Errorf("the first %d %s of the newer checkpoint do not hash to the older one's root: %s was rewritten in between (%v)", older.Size, what, log, err)
	}
	return nil
}

// emptyRoot is the tree hash of no leaves.
var emptyRoot, _ = tlog.TreeHash(0, nil)

// String writes the proof as text: each part a line naming the log and its old and
// new sizes, then its hashes in base64, one a line.
//
//	record 5 9
//	<hash>
//	...
//	access-log 12 30
//	<hash>
//	...
func (p *Consistency) String() string {
	var b bytes.Buffer
	write := func(name string, tp *TreeProof) {
		fmt.Fprintf(&b, "%s %d %d\n", name, tp.Old, tp.New)
		for _, h := range tp.Path {
			fmt.Fprintf(&b, "%s\n", base64.StdEncoding.EncodeToString(h[:]))
		}
	}
	write(recordSection, &p.Record)
	if p.Access != nil {
		write(accessSection, p.Access)
	}
	return b.String()
}

// ParseConsistency reads a proof written by String.
func ParseConsistency(text []byte) (*Consistency, error) {
	s := string(text)
	if !strings.HasSuffix(s, "\n") {
		return nil, fmt.Errorf("a consistency proof ends with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	p := &Consistency{}
	var cur *TreeProof
	for i, l := range lines {
		if name, rest, ok := strings.Cut(l, " "); ok {
			tp, err := parseSection(rest)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", i+1, err)
			}
			switch {
			case name == recordSection && i == 0:
				p.Record, cur = *tp, &p.Record
			case name == accessSection && i > 0 && p.Access == nil:
				p.Access, cur = tp, tp
			default:
				return nil, fmt.Errorf("line %d: a proof is a record part, then perhaps an access-log part, not %q", i+1, l)
			}
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("line 1: a proof begins %q", recordSection+" OLD NEW")
		}
		b, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(b) != len(tlog.Hash{}) {
			return nil, fmt.Errorf("line %d: %q is not a hash", i+1, l)
		}
		if len(cur.Path) == maxProofHashes {
			return nil, fmt.Errorf("line %d: more than %d hashes", i+1, maxProofHashes)
		}
		var h tlog.Hash
		copy(h[:], b)
		cur.Path = append(cur.Path, h)
	}
	if cur == nil {
		return nil, fmt.Errorf("an empty proof")
	}
	return p, nil
}

// parseSection reads "OLD NEW".
func parseSection(s string) (*TreeProof, error) {
	a, b, ok := strings.Cut(s, " ")
	if !ok {
		return nil, fmt.Errorf("%q is not two sizes", s)
	}
	var sizes [2]int64
	for i, x := range []string{a, b} {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil || n < 0 || strconv.FormatInt(n, 10) != x {
			return nil, fmt.Errorf("%q is not a size", x)
		}
		sizes[i] = n
	}
	return &TreeProof{Old: sizes[0], New: sizes[1], Path: tlog.TreeProof{}}, nil
}
