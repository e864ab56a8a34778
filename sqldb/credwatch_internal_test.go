package sqldb

import (
	"testing"
	"time"
)

// TestCredWatchTrust checks the rules by which a kept credential generation is
// used: only from a read of it begun less than credValidFor ago (a listener
// gone silent is not trusted for longer), never after this process changed a
// credential until a read begun after that change, and notifications only
// raise it.
func TestCredWatchTrust(t *testing.T) {
	w := newCredWatch("")
	if _, ok := w.current(); ok {
		t.Fatal("a generation never read was used")
	}
	now := func() time.Duration { return time.Since(w.start) }
	w.read(5, now(), w.epoch)
	if n, ok := w.current(); !ok || n != 5 {
		t.Fatalf("a generation just read: %d %v", n, ok)
	}
	w.saw(7)
	w.saw(6)
	if n, _ := w.current(); n != 7 {
		t.Errorf("after notifications of 7 then 6: %d", n)
	}
	// Read longer ago than credValidFor: not used.
	w.read(7, now()-credValidFor-time.Millisecond, w.epoch)
	if _, ok := w.current(); ok {
		t.Error("a generation read longer ago than credValidFor was used")
	}
	// A change by this process: a read begun before it does not make the kept
	// generation usable again; one begun after it does.
	w.read(7, now(), w.epoch)
	before := w.epoch
	w.changed()
	if _, ok := w.current(); ok {
		t.Error("used after this process's change")
	}
	w.read(7, now(), before)
	if _, ok := w.current(); ok {
		t.Error("a read begun before this process's change made the generation usable")
	}
	w.read(9, now(), w.epoch)
	if n, ok := w.current(); !ok || n != 9 {
		t.Errorf("a read begun after the change: %d %v", n, ok)
	}
	// Closed without having started: nothing to wait for, and it never starts.
	w.close()
	w.run()
	if w.cancel != nil {
		t.Error("the listener started after close")
	}
}
