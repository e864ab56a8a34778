package app

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/checkpoint"
	"github.com/rulebook/rulebook/sqldb"
)

// trees builds the Merkle trees of the record (over its events' chain hashes) and
// of the access log (over its entries').
func (a *App) trees(ctx context.Context) (record, access *checkpoint.Tree, err error) {
	leaves, err := a.db().EventHashes(ctx)
	if err != nil {
		return nil, nil, err
	}
	if record, err = checkpoint.Build(leaves); err != nil {
		return nil, nil, err
	}
	if leaves, err = a.db().AccessHashes(ctx); err != nil {
		return nil, nil, err
	}
	access, err = checkpoint.Build(leaves)
	return record, access, err
}

// signHeads signs the heads of both trees, whole.
func signHeads(t, at *checkpoint.Tree, skey string) (*checkpoint.Checkpoint, error) {
	rh, err := t.Head(t.Size())
	if err != nil {
		return nil, err
	}
	ah, err := at.Head(at.Size())
	if err != nil {
		return nil, err
	}
	return checkpoint.SignHeads(skey, rh, &ah)
}

// Checkpoint signs the current tree heads of the record and the access log with
// the signer key skey (held outside the database), for whoever should keep it,
// and keeps it in the database too, for verify to find damage by.
func (a *App) Checkpoint(ctx context.Context, skey string) (*checkpoint.Checkpoint, error) {
	if _, err := a.allow(ctx, ReadRecord, Resource{}); err != nil {
		return nil, err
	}
	t, at, err := a.trees(ctx)
	if err != nil {
		return nil, err
	}
	c, err := signHeads(t, at, skey)
	if err != nil {
		return nil, err
	}
	return c, a.db().StoreCheckpoint(ctx, c.Size, c.Access.Size, c.Note)
}

// VerifyCheckpoint proves the record and the access log are consistent extensions
// of the signed checkpoint msg, checked against the verifier key vkey.
func (a *App) VerifyCheckpoint(ctx context.Context, msg []byte, vkey string) (*checkpoint.Checkpoint, error) {
	c, _, _, err := a.checked(ctx, msg, vkey)
	return c, err
}

// checked opens and checks a checkpoint, returning the record's and the access
// log's trees too, built once for whatever is proved next. When the check fails,
// the checkpoints stored in the database say where the damage begins.
func (a *App) checked(ctx context.Context, msg []byte, vkey string) (*checkpoint.Checkpoint, *checkpoint.Tree, *checkpoint.Tree, error) {
	if _, err := a.allow(ctx, ReadRecord, Resource{}); err != nil {
		return nil, nil, nil, err
	}
	c, err := checkpoint.Open(msg, vkey)
	if err != nil {
		return nil, nil, nil, rulebook.Errorf(rulebook.ETampered, "%v", err)
	}
	t, at, err := a.trees(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkpoint.Check(t, at, c); err != nil {
		msg := err.Error()
		if sc, serr := a.checkStored(ctx, t, at, vkey); serr == nil {
			for _, f := range sc.Faults {
				msg += "; " + f
			}
		}
		return c, nil, nil, rulebook.Errorf(rulebook.ETampered, "%s", msg)
	}
	return c, t, at, nil
}

// ProveEvent returns the proof that the event id is in the record as the signed
// checkpoint msg (checked against vkey) saw it.
func (a *App) ProveEvent(ctx context.Context, id string, msg []byte, vkey string) (*checkpoint.Proof, *rulebook.Event, error) {
	c, t, _, err := a.checked(ctx, msg, vkey)
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

// ProveConsistency proves to someone holding the signed checkpoint older (checked
// against vkey) and a newer one, but not the record, that the newer extends it.
// The newer is newer if given (a checkpoint they hold), else one signed now with
// skey if given (and kept in the database), else the newest checkpoint kept in the
// database that vkey opens and that still holds. It returns the proof and the
// newer checkpoint.
func (a *App) ProveConsistency(ctx context.Context, older, newer []byte, vkey, skey string) (*checkpoint.Consistency, *checkpoint.Checkpoint, error) {
	oc, t, at, err := a.checked(ctx, older, vkey)
	if err != nil {
		return nil, nil, err
	}
	var nc *checkpoint.Checkpoint
	switch {
	case newer != nil:
		if nc, err = checkpoint.Open(newer, vkey); err != nil {
			return nil, nil, rulebook.Errorf(rulebook.ETampered, "the newer checkpoint: %v", err)
		}
		if err := checkpoint.Check(t, at, nc); err != nil {
			return nil, nil, rulebook.Errorf(rulebook.ETampered, "the newer checkpoint: %v", err)
		}
	case skey != "":
		if nc, err = signHeads(t, at, skey); err != nil {
			return nil, nil, err
		}
		if nc, err = checkpoint.Open(nc.Note, vkey); err != nil {
			return nil, nil, fmt.Errorf("the signing key is not the verifier key's: %w", err)
		}
		if err := a.db().StoreCheckpoint(ctx, nc.Size, nc.Access.Size, nc.Note); err != nil {
			return nil, nil, err
		}
	default:
		sc, err := a.checkStored(ctx, t, at, vkey)
		if err != nil {
			return nil, nil, err
		}
		if nc = sc.Newest; nc == nil {
			return nil, nil, rulebook.Errorf(rulebook.ENotFound, "no checkpoint kept in the database holds under that key: sign one now with the key")
		}
	}
	if nc.Size < oc.Size || (oc.Access != nil && (nc.Access == nil || nc.Access.Size < oc.Access.Size)) {
		return nil, nil, rulebook.Errorf(rulebook.EInvalid, "the newer checkpoint (%d events) is older than the one to extend (%d)", nc.Size, oc.Size)
	}
	p, err := checkpoint.ProveConsistency(t, at, oc, nc)
	if err != nil {
		return nil, nil, err
	}
	if err := checkpoint.CheckConsistency(oc, nc, p); err != nil {
		return nil, nil, rulebook.Errorf(rulebook.ETampered, "%v", err)
	}
	return p, nc, nil
}

// StoredCheck is what the checkpoints kept in the database say of the record and
// the access log as they are now.
type StoredCheck struct {
	// Stored is how many checkpoints are kept; Opened how many of those looked at
	// the verifier key opened (a search looks at few of them).
	Stored, Opened int
	// Events and Entries are how many events and access-log entries the newest
	// checkpoints that still hold cover.
	Events, Entries int64
	// Newest is the newest kept checkpoint that still holds for both logs.
	Newest *checkpoint.Checkpoint `json:"-"`
	// Faults say where a kept checkpoint stops holding: the first event (and
	// access-log entry) after those the last one that holds covers.
	Faults []string
}

// CheckStoredCheckpoints checks the checkpoints the keeper kept in the database,
// those the verifier key vkey opens, against the record and the access log as they
// are now. A kept checkpoint that no longer holds shows where they were changed:
// the first event after those covered by the last checkpoint that still holds
// (with one event a commit, the forged event itself).
func (a *App) CheckStoredCheckpoints(ctx context.Context, vkey string) (*StoredCheck, error) {
	if _, err := a.allow(ctx, ReadRecord, Resource{}); err != nil {
		return nil, err
	}
	if _, err := checkpoint.VerifierName(vkey); err != nil {
		return nil, rulebook.Errorf(rulebook.EInvalid, "%v", err)
	}
	t, at, err := a.trees(ctx)
	if err != nil {
		return nil, err
	}
	return a.checkStored(ctx, t, at, vkey)
}

// checkStored searches the kept checkpoints, ordered by the size each log had:
// under a change at one place, those before it hold and every one from it fails,
// so a binary search finds the last that holds, opening (and checking the
// signature of) a few dozen among thousands.
func (a *App) checkStored(ctx context.Context, t, at *checkpoint.Tree, vkey string) (*StoredCheck, error) {
	stored, err := a.db().StoredCheckpoints(ctx)
	if err != nil {
		return nil, err
	}
	res := &StoredCheck{Stored: len(stored)}
	opened := map[int64]*checkpoint.Checkpoint{}
	tried := map[int64]bool{}
	open := func(s sqldb.StoredCheckpoint) *checkpoint.Checkpoint {
		if c, ok := opened[s.ID]; ok || tried[s.ID] {
			return c
		}
		tried[s.ID] = true
		note, err := a.db().StoredCheckpointNote(ctx, s.ID)
		if err != nil {
			return nil
		}
		c, err := checkpoint.Open(note, vkey)
		// The sizes stored beside the note are trusted only as the note's.
		if err != nil || c.Size != s.Size || (c.Access != nil && c.Access.Size != s.AccessSize) {
			return nil
		}
		res.Opened++
		opened[s.ID] = c
		return c
	}
	holdsRecord := func(c *checkpoint.Checkpoint) bool {
		if c.Size > t.Size() {
			return false
		}
		root, err := t.Root(c.Size)
		return err == nil && root == c.Root
	}
	holdsAccess := func(c *checkpoint.Checkpoint) bool {
		if c.Access == nil || c.Access.Size > at.Size() {
			return false
		}
		root, err := at.Root(c.Access.Size)
		return err == nil && root == c.Access.Root
	}

	// The record.
	bySize := append([]sqldb.StoredCheckpoint(nil), stored...)
	sort.SliceStable(bySize, func(i, j int) bool { return bySize[i].Size < bySize[j].Size })
	good, bad := search(bySize, open, func(c *checkpoint.Checkpoint) bool { return true }, holdsRecord)
	if good != nil {
		res.Events = good.Size
	}
	if bad != nil {
		f, err := a.firstUncoveredEvent(ctx, t, good, bad)
		if err != nil {
			return nil, err
		}
		res.Faults = append(res.Faults, f)
	}

	// The access log, by the checkpoints that sign its head.
	byAccess := append([]sqldb.StoredCheckpoint(nil), stored...)
	sort.SliceStable(byAccess, func(i, j int) bool { return byAccess[i].AccessSize < byAccess[j].AccessSize })
	hasAccess := func(c *checkpoint.Checkpoint) bool { return c.Access != nil }
	agood, abad := search(byAccess, open, hasAccess, holdsAccess)
	if agood != nil {
		res.Entries = agood.Access.Size
	}
	if abad != nil {
		f, err := a.firstUncoveredEntry(ctx, at, agood, abad)
		if err != nil {
			return nil, err
		}
		res.Faults = append(res.Faults, f)
	}

	// The newest that holds for both, for a consistency proof: the newest that
	// holds for the record, if it holds for the access log too.
	if good != nil && (good.Access == nil || holdsAccess(good)) {
		res.Newest = good
	}
	return res, nil
}

// search finds, among the kept checkpoints in order of size, the last that holds
// and the first after it that does not (nil for none). Those the key does not
// open, or that lack what is searched (use), are passed over.
func search(list []sqldb.StoredCheckpoint, open func(sqldb.StoredCheckpoint) *checkpoint.Checkpoint,
	use, holds func(*checkpoint.Checkpoint) bool) (good, bad *checkpoint.Checkpoint) {
	cands := list
	// Invariant: every candidate before lo holds, every one from hi on fails.
	lo, hi := 0, len(cands)
	var atHi *checkpoint.Checkpoint
	for lo < hi {
		mid := (lo + hi) / 2
		c := open(cands[mid])
		if c == nil || !use(c) {
			cands = append(cands[:mid:mid], cands[mid+1:]...)
			hi--
			continue
		}
		if holds(c) {
			lo, good = mid+1, c
		} else {
			hi, atHi = mid, c
		}
	}
	// good was the candidate at lo-1 when it was probed, and still is; the one at
	// hi (= lo), if any, was probed and failed.
	if lo < len(cands) {
		bad = atHi
	}
	return good, bad
}

// firstUncoveredEvent names the first event after those good covers, where bad,
// the next kept checkpoint, stops holding.
func (a *App) firstUncoveredEvent(ctx context.Context, t *checkpoint.Tree, good, bad *checkpoint.Checkpoint) (string, error) {
	var from int64
	holds := "no checkpoint kept in the database still holds"
	if good != nil {
		from = good.Size
		holds = fmt.Sprintf("the kept checkpoint of %d events holds", good.Size)
	}
	if from >= t.Size() {
		return fmt.Sprintf("the record ends at event %d, but the kept checkpoint of %d events signed by %s no longer holds: events were cut from its end (%s)",
			t.Size(), bad.Size, bad.Origin, holds), nil
	}
	evs, err := a.db().Events(ctx, sqldb.EventFilter{AfterSeq: from, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(evs) == 0 {
		return "", fmt.Errorf("no event after seq %d", from)
	}
	e := evs[0]
	return fmt.Sprintf("event %d (id %s, %s, recorded %s) is the first not covered by a signed checkpoint that still holds: %s, the next, of %d events, does not",
		e.Seq, e.ID, e.Type, e.Recorded.Format(time.RFC3339), holds, bad.Size), nil
}

// firstUncoveredEntry is firstUncoveredEvent for the access log.
func (a *App) firstUncoveredEntry(ctx context.Context, at *checkpoint.Tree, good, bad *checkpoint.Checkpoint) (string, error) {
	var from int64
	holds := "no checkpoint kept in the database still holds for the access log"
	if good != nil {
		from = good.Access.Size
		holds = fmt.Sprintf("the kept checkpoint of %d access-log entries holds", from)
	}
	if from >= at.Size() {
		return fmt.Sprintf("the access log ends at its entry number %d, but the kept checkpoint of %d entries signed by %s no longer holds: entries were cut from its end (%s)",
			at.Size(), bad.Access.Size, bad.Origin, holds), nil
	}
	e, err := a.db().AccessEntryAt(ctx, from)
	if err != nil {
		return "", err
	}
	who := e.Actor
	if e.Erased {
		who = "someone since erased"
	}
	return fmt.Sprintf("access-log entry %d (at %s, %s by %s) is the first not covered by a signed checkpoint that still holds: %s, the next, of %d entries, does not",
		e.ID, e.At.Format(time.RFC3339Nano), e.Action, who, holds, bad.Access.Size), nil
}

// Checkpoints keeps a signed checkpoint of the record and the access log in a
// file outside the database, written again after every commit that adds events
// and after the access log's batches (at most once every AccessCheckpointEvery
// when only the access log grew: reads come far oftener than changes), for
// whoever should hold it (an auditor collects the file; oversight is mailed it),
// and keeps each in the database too.
type Checkpoints struct {
	a          *App
	skey       string
	path       string
	tree       *checkpoint.Tree
	access     *checkpoint.Tree
	accessLast int64 // the id of the access log's last entry in access
	stored     [2]int64
	signed     time.Time // when the last was signed
	kick       chan struct{}
	stop       chan struct{}
	done       chan struct{}
	errc       chan error
}

// AccessCheckpointEvery is the least time between checkpoints written because
// the access log grew, the record not.
var AccessCheckpointEvery = time.Second

// KeepCheckpoints writes a checkpoint signed with skey to path now, and again after
// each commit that adds events or access-log entries, until Close.
func (a *App) KeepCheckpoints(ctx context.Context, skey, path string) (*Checkpoints, error) {
	if _, err := a.allow(ctx, ReadRecord, Resource{}); err != nil {
		return nil, err
	}
	t, err := checkpoint.Build(nil)
	if err != nil {
		return nil, err
	}
	at, err := checkpoint.Build(nil)
	if err != nil {
		return nil, err
	}
	c := &Checkpoints{a: a, skey: skey, path: path, tree: t, access: at, stored: [2]int64{-1, -1},
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), errc: make(chan error, 1)}
	if _, err := c.write(ctx, true); err != nil {
		return nil, err
	}
	a.db().OnCommit(func() {
		select {
		case c.kick <- struct{}{}:
		default: // one is already due: it will include this commit
		}
	})
	// It runs until Close, whatever becomes of ctx (serve's ends on a signal,
	// before the last entries of the access log are stored).
	go c.run(context.WithoutCancel(ctx))
	return c, nil
}

func (c *Checkpoints) run(ctx context.Context) {
	defer close(c.done)
	// later is due when a checkpoint for the access log alone was put off.
	later := time.NewTimer(time.Hour)
	later.Stop()
	for {
		var err error
		select {
		case <-c.stop:
			return
		case <-c.kick:
			var wait time.Duration
			if wait, err = c.write(ctx, false); wait > 0 {
				later.Reset(wait)
			}
		case <-later.C:
			_, err = c.write(ctx, true)
		}
		if err != nil {
			select {
			case c.errc <- err:
			default:
			}
		}
	}
}

// write extends the trees with the events and entries recorded since, signs their
// heads and replaces the file in one rename, so a reader never sees half a
// checkpoint; a checkpoint of heads not kept before is kept in the database. When
// only the access log grew, less than AccessCheckpointEvery since the last, it
// signs nothing unless forced, and says how long to wait.
func (c *Checkpoints) write(ctx context.Context, force bool) (wait time.Duration, err error) {
	db := c.a.db()
	more, err := db.EventHashesAfter(ctx, c.tree.Size())
	if err != nil {
		return 0, err
	}
	for _, h := range more {
		if err := c.tree.Add(h); err != nil {
			return 0, err
		}
	}
	entries, last, err := db.AccessHashesAfter(ctx, c.accessLast)
	if err != nil {
		return 0, err
	}
	for _, h := range entries {
		if err := c.access.Add(h); err != nil {
			return 0, err
		}
	}
	c.accessLast = last
	if heads := [2]int64{c.tree.Size(), c.access.Size()}; heads == c.stored && !force {
		return 0, nil
	}
	if since := time.Since(c.signed); len(more) == 0 && !force && since < AccessCheckpointEvery {
		return AccessCheckpointEvery - since, nil
	}
	cp, err := signHeads(c.tree, c.access, c.skey)
	if err != nil {
		return 0, err
	}
	c.signed = time.Now()
	tmp := c.path + ".new"
	if err := os.WriteFile(tmp, cp.Note, 0o644); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, c.path); err != nil {
		return 0, err
	}
	if heads := [2]int64{cp.Size, cp.Access.Size}; heads != c.stored {
		if err := db.StoreCheckpoint(ctx, cp.Size, cp.Access.Size, cp.Note); err != nil {
			return 0, err
		}
		c.stored = heads
	}
	return 0, nil
}

// Errors reports a failure to write a checkpoint, if one happened since last asked.
func (c *Checkpoints) Errors() <-chan error { return c.errc }

// Close stops writing checkpoints, after writing a last one.
func (c *Checkpoints) Close(ctx context.Context) error {
	c.a.db().OnCommit(nil)
	close(c.stop)
	<-c.done
	_, err := c.write(ctx, true)
	return err
}
