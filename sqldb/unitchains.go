package sqldb

import (
	"context"
	"slices"
	"strconv"
	"sync"

	"github.com/rulebook/rulebook"
)

// A member's record shows the chain of units from the member's up. Walking up
// the units on each read (a recursive query) was a tenth of the statement's
// work on SQLite and a third of it on PostgreSQL, for units that seldom
// change. So the chains read are kept, each under the unit generation
// (unitGenerationSchema; kept in generations since generationsSchema) read in
// the same statement as it, and a member's record reads the member and the
// generation alone: when the generation is the one a chain was kept under, the
// units are those the chain was read from (the generation changes, to a value
// never held before, in every transaction that changes a unit), and the kept
// chain is the one the walk would find. Nothing is stale for any time, however
// short: a unit changed by another process, or another connection, changes the
// generation that the next read sees, and that read walks the units again.
//
// A chain missing at the current generation is found in every unit, read whole
// in one statement with the generation (unitTreeQuery) and kept beside the
// chains, rather than by walking up from that unit alone: otherwise each of an
// organisation's thousands of branches cost a walk the first time one of its
// members was read, and every one of them again after any unit changed. A
// register of more than unitTreeMax units is walked a chain at a time, as before.

// unitChainsMax is the most chains kept, one a unit members belong to; past
// it, the cache starts again.
const unitChainsMax = 1 << 14

// unitTreeMax is the most units read whole to find chains in.
const unitTreeMax = 1 << 16

// unitTreeQuery reads every unit (at most unitTreeMax+1) and the generation,
// in one statement and so of one snapshot.
var unitTreeQuery = `SELECT COALESCE((SELECT units FROM generations WHERE id = 1), 0), id, name, kind, parent FROM units LIMIT ` + strconv.Itoa(unitTreeMax+1)

// unitChains keeps the chains of units read at one generation, by the unit at
// their foot, and the units themselves where they were read whole.
type unitChains struct {
	mu     sync.Mutex
	gen    int64
	chains map[string][]rulebook.Unit
	// tree is every unit at gen, by id, once read whole (nil: not read).
	tree map[string]rulebook.Unit
	// tooMany is set when the units at gen were too many to read whole.
	tooMany bool
	// loading is held by the one reader reading the units whole, so that
	// readers missing a chain at once do not all read them.
	loading sync.Mutex
	// hits counts the chains served from memory, and loads the times the units
	// were read whole, for tests.
	hits, loads int64
}

// get returns a copy of the chain from unit up as read at generation gen, if
// one is kept or the units at gen are.
func (c *unitChains) get(gen int64, unit string) ([]rulebook.Unit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Generation 0 is none read (generationsSchema): nothing is trusted at it.
	if c.chains == nil || c.gen != gen || gen == 0 {
		return nil, false
	}
	chain, ok := c.chains[unit]
	if !ok && c.tree != nil {
		chain, ok = chainIn(c.tree, unit), true
		if len(c.chains) < unitChainsMax {
			c.chains[unit] = chain
		}
	}
	if ok {
		c.hits++
	}
	// A copy (never nil): callers may change theirs.
	return append([]rulebook.Unit{}, chain...), ok
}

// chainIn is the chain from unit up in tree, as the walk up the units
// (UnitChain) finds it: it ends at a unit with no parent or one not held, and
// goes at most maxUnitDepth units above the first.
func chainIn(tree map[string]rulebook.Unit, unit string) []rulebook.Unit {
	var chain []rulebook.Unit
	for depth := 0; depth <= maxUnitDepth; depth++ {
		u, ok := tree[unit]
		if !ok {
			break
		}
		chain = append(chain, u)
		if u.Parent == "" {
			break
		}
		unit = u.Parent
	}
	return chain
}

// chainFromTree returns the chain from unit up at generation gen, reading the
// units whole if they are not kept at gen (ok false: the units are too many,
// or changed meanwhile, and the caller walks up from unit instead).
func (db *DB) chainFromTree(ctx context.Context, gen int64, unit string) ([]rulebook.Unit, bool, error) {
	c := &db.units
	c.loading.Lock()
	defer c.loading.Unlock()
	// Another reader may have read them while this one waited.
	if chain, ok := c.get(gen, unit); ok {
		return chain, true, nil
	}
	c.mu.Lock()
	tooMany := c.gen == gen && c.tooMany
	c.mu.Unlock()
	if tooMany {
		return nil, false, nil
	}
	rows, err := db.r.QueryContext(db.point(ctx), unitTreeQuery)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var tgen int64
	tree := map[string]rulebook.Unit{}
	for rows.Next() {
		var u rulebook.Unit
		if err := rows.Scan(&tgen, &u.ID, &u.Name, &u.Kind, &u.Parent); err != nil {
			return nil, false, err
		}
		tree[u.ID] = u
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(tree) == 0 {
		// No units, so no generation read: the caller's walk finds none.
		return nil, false, nil
	}
	c.mu.Lock()
	c.loads++
	if c.chains == nil || c.gen != tgen || len(c.chains) >= unitChainsMax {
		c.gen, c.chains = tgen, map[string][]rulebook.Unit{}
	}
	c.tree, c.tooMany = tree, len(tree) > unitTreeMax
	if c.tooMany {
		c.tree = nil
	}
	c.mu.Unlock()
	if tgen != gen {
		return nil, false, nil
	}
	chain, ok := c.get(gen, unit)
	return chain, ok, nil
}

// put keeps chain, read from unit up at generation gen, in place of whatever
// was kept at another generation. A reader that began before a change may put
// the older generation back; the next read at the newer one walks the units
// again and puts that back in turn. Which one is kept never makes an answer
// wrong, only slower.
func (c *unitChains) put(gen int64, unit string, chain []rulebook.Unit) {
	if gen == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.chains == nil || c.gen != gen || len(c.chains) >= unitChainsMax {
		c.gen, c.chains, c.tree, c.tooMany = gen, map[string][]rulebook.Unit{}, nil, false
	}
	c.chains[unit] = slices.Clone(chain)
}
