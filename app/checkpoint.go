package app

import (
	"context"
	"os"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/checkpoint"
)

// tree builds the record's Merkle tree from its events' chain hashes.
func (a *App) tree(ctx context.Context) (*checkpoint.Tree, error) {
	leaves, err := a.db().EventHashes(ctx)
	if err != nil {
		return nil, err
	}
	return checkpoint.Build(leaves)
}

// Checkpoint signs the record's current tree head with the signer key skey (held
// outside the database), for whoever should keep it.
func (a *App) Checkpoint(ctx context.Context, skey string) (*checkpoint.Checkpoint, error) {
	if _, err := a.allow(ctx, ReadRecord, Resource{}); err != nil {
		return nil, err
	}
	t, err := a.tree(ctx)
	if err != nil {
		return nil, err
	}
	return checkpoint.Sign(t, t.Size(), skey)
}

// VerifyCheckpoint proves the record is a consistent extension of the signed
// checkpoint msg, checked against the verifier key vkey.
func (a *App) VerifyCheckpoint(ctx context.Context, msg []byte, vkey string) (*checkpoint.Checkpoint, error) {
	c, _, err := a.checked(ctx, msg, vkey)
	return c, err
}

// checked opens and checks a checkpoint, returning the record's tree too, built
// once for whatever is proved next.
func (a *App) checked(ctx context.Context, msg []byte, vkey string) (*checkpoint.Checkpoint, *checkpoint.Tree, error) {
	if _, err := a.allow(ctx, ReadRecord, Resource{}); err != nil {
		return nil, nil, err
	}
	c, err := checkpoint.Open(msg, vkey)
	if err != nil {
		return nil, nil, rulebook.Errorf(rulebook.ETampered, "%v", err)
	}
	t, err := a.tree(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := checkpoint.Check(t, c); err != nil {
		return c, nil, rulebook.Errorf(rulebook.ETampered, "%v", err)
	}
	return c, t, nil
}

// ProveEvent returns the proof that the event id is in the record as the signed
// checkpoint msg (checked against vkey) saw it.
func (a *App) ProveEvent(ctx context.Context, id string, msg []byte, vkey string) (*checkpoint.Proof, *rulebook.Event, error) {
	c, t, err := a.checked(ctx, msg, vkey)
	if err != nil {
		return nil, nil, err
	}
	e, err := a.db().Event(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if e.Seq > c.Size {
		return nil, e, rulebook.Errorf(rulebook.ENotFound, "event %s (seq %d) was recorded after the checkpoint of %d events", id, e.Seq, c.Size)
	}
	// The tree's first c.Size leaves hash to c.Root (checked above), so the
	// proof's root is the checkpoint's.
	p, err := checkpoint.Prove(t, e.Seq-1, c.Size)
	if err != nil {
		return nil, nil, err
	}
	if err := p.Verify(e.Hash); err != nil {
		return nil, e, rulebook.Errorf(rulebook.ETampered, "event %s is not in the record the checkpoint signed: %v", id, err)
	}
	return p, e, nil
}

// Checkpoints keeps a signed checkpoint of the record in a file outside the
// database, written again after every commit that adds events, for whoever
// should hold it (an auditor collects the file; oversight is mailed it).
type Checkpoints struct {
	a    *App
	skey string
	path string
	tree *checkpoint.Tree
	kick chan struct{}
	stop chan struct{}
	done chan struct{}
	errc chan error
}

// KeepCheckpoints writes a checkpoint signed with skey to path now, and again after
// each commit that adds events, until Close.
func (a *App) KeepCheckpoints(ctx context.Context, skey, path string) (*Checkpoints, error) {
	if _, err := a.allow(ctx, ReadRecord, Resource{}); err != nil {
		return nil, err
	}
	t, err := a.tree(ctx)
	if err != nil {
		return nil, err
	}
	c := &Checkpoints{a: a, skey: skey, path: path, tree: t, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), errc: make(chan error, 1)}
	if err := c.write(ctx); err != nil {
		return nil, err
	}
	a.db().OnCommit(func() {
		select {
		case c.kick <- struct{}{}:
		default: // one is already due: it will include this commit
		}
	})
	go c.run(ctx)
	return c, nil
}

func (c *Checkpoints) run(ctx context.Context) {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
			if err := c.write(ctx); err != nil {
				select {
				case c.errc <- err:
				default:
				}
			}
		}
	}
}

// write extends the tree with the events recorded since, signs its head and
// replaces the file in one rename, so a reader never sees half a checkpoint.
func (c *Checkpoints) write(ctx context.Context) error {
	more, err := c.a.db().EventHashesAfter(ctx, c.tree.Size())
	if err != nil {
		return err
	}
	for _, h := range more {
		if err := c.tree.Add(h); err != nil {
			return err
		}
	}
	cp, err := checkpoint.Sign(c.tree, c.tree.Size(), c.skey)
	if err != nil {
		return err
	}
	tmp := c.path + ".new"
	if err := os.WriteFile(tmp, cp.Note, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, c.path)
}

// Errors reports a failure to write a checkpoint, if one happened since last asked.
func (c *Checkpoints) Errors() <-chan error { return c.errc }

// Close stops writing checkpoints, after writing a last one.
func (c *Checkpoints) Close(ctx context.Context) error {
	c.a.db().OnCommit(nil)
	close(c.stop)
	<-c.done
	return c.write(ctx)
}
