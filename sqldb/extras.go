package sqldb

import (
	"context"
	"strconv"
	"sync"
)

// Few members have restrictions, waivers or servings (a member's "extras"),
// yet looking for them in the three tables cost every read of a member's
// history a third of its statement on PostgreSQL: opening and probing three
// tables and their keys, to find nothing. So the members who have any are kept
// in memory, read in one statement with the extras' generation
// (generationsSchema), and a read whose member is not among them reads the
// member and their status points alone, with the generation: when it is the
// one the members were kept at, the member had no extras in the snapshot that
// read them (the generation changes, to a value never held before, in every
// transaction that changes one of the three tables). Otherwise the read reads
// the three tables as well, and the members are read again. As for the units
// (unitchains.go), nothing is stale for any time, however short.

// extrasMax is the most members with extras kept; with more, every read reads
// the three tables.
const extrasMax = 1 << 18

// extrasQuery reads the extras' generation (a row with kind 0) and every
// member with extras (kind 1), in one statement and so of one snapshot.
var extrasQuery = `
	SELECT 0, COALESCE((SELECT extras FROM generations WHERE id = 1), 0), ''
	UNION ALL
	SELECT 1, 0, member_id FROM (
		SELECT member_id FROM restrictions UNION SELECT member_id FROM waivers UNION SELECT member_id FROM servings
	) AS x LIMIT ` + strconv.Itoa(extrasMax+2)

// memberExtras keeps the members with extras at one generation.
type memberExtras struct {
	mu sync.Mutex
	// gen is the generation the members were read at; 0 when none were.
	gen int64
	ids map[string]struct{}
	// tooMany says the members at gen were more than extrasMax.
	tooMany bool
	// loading is held by the one reader reading the members, so that readers
	// finding a new generation at once do not all read them.
	loading sync.Mutex
	// loads counts the times the members were read, and short the reads that
	// left the three tables out, for tests.
	loads, short int64
}

// generation returns the generation the members with extras were read at (0:
// none read).
func (c *memberExtras) generation() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// lacks says member id had no extras at generation gen, as far as is kept.
func (c *memberExtras) lacks(gen int64, id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == 0 || gen != c.gen || c.tooMany {
		return false
	}
	_, has := c.ids[id]
	if !has {
		c.short++
	}
	return !has
}

// keepExtras reads the members with extras and keeps them, unless another
// reader is reading them already. The read that calls it has its answer
// whatever happens here: a failure leaves what was kept, and the next read
// tries again.
func (db *DB) keepExtras(ctx context.Context) {
	c := &db.extras
	if !c.loading.TryLock() {
		return
	}
	defer c.loading.Unlock()
	gen, ids, err := db.readExtras(ctx)
	if err != nil {
		return
	}
	c.mu.Lock()
	c.gen, c.ids, c.tooMany = gen, ids, len(ids) > extrasMax
	if c.tooMany {
		c.ids = nil
	}
	c.loads++
	c.mu.Unlock()
}

// readExtras reads the extras' generation and the members with extras (at most
// extrasMax+1 of them).
func (db *DB) readExtras(ctx context.Context) (int64, map[string]struct{}, error) {
	rows, err := db.r.QueryContext(db.point(ctx), extrasQuery)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var gen int64
	ids := map[string]struct{}{}
	for rows.Next() {
		var kind, n int64
		var id string
		if err := rows.Scan(&kind, &n, &id); err != nil {
			return 0, nil, err
		}
		if kind == 0 {
			gen = n
		} else {
			ids[id] = struct{}{}
		}
	}
	return gen, ids, rows.Err()
}
