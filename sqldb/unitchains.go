package sqldb

import (
	"slices"
	"sync"

	"github.com/rulebook/rulebook"
)

// A member's record shows the chain of units from the member's up. Walking up
// the units on each read (a recursive query) was a tenth of the statement's
// work on SQLite and a third of it on PostgreSQL, for units that seldom
// change. So the chains read are kept, each under the unit generation
// (unitGenerationSchema) read in the same statement as it, and a member's
// record reads the member and the generation alone: when the generation is the
// one a chain was kept under, the units are those the chain was read from (the
// generation changes, to a value never held before, in every transaction that
// changes a unit), and the kept chain is the one the walk would find. Nothing
// is stale for any time, however short: a unit changed by another process, or
// another connection, changes the generation that the next read sees, and
// that read walks the units again.

// unitChainsMax is the most chains kept, one a unit members belong to; past
// it, the cache starts again.
const unitChainsMax = 1 << 14

// unitChains keeps the chains of units read at one generation, by the unit at
// their foot.
type unitChains struct {
	mu     sync.Mutex
	gen    int64
	chains map[string][]rulebook.Unit
	// hits counts the chains served from memory, for tests.
	hits int64
}

// get returns a copy of the chain from unit up as read at generation gen, if
// one is kept.
func (c *unitChains) get(gen int64, unit string) ([]rulebook.Unit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.chains == nil || c.gen != gen {
		return nil, false
	}
	chain, ok := c.chains[unit]
	if ok {
		c.hits++
	}
	// A copy (never nil): callers may change theirs.
	return append([]rulebook.Unit{}, chain...), ok
}

// put keeps chain, read from unit up at generation gen, in place of whatever
// was kept at another generation. A reader that began before a change may put
// the older generation back; the next read at the newer one walks the units
// again and puts that back in turn. Which one is kept never makes an answer
// wrong, only slower.
func (c *unitChains) put(gen int64, unit string, chain []rulebook.Unit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.chains == nil || c.gen != gen || len(c.chains) >= unitChainsMax {
		c.gen, c.chains = gen, map[string][]rulebook.Unit{}
	}
	c.chains[unit] = slices.Clone(chain)
}
