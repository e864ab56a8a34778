package sqldb

import (
	"context"

	"github.com/rulebook/rulebook"
)

// Public elections are few and small: each is folded from its own events, read
// by subject (the events' subject index), with no projection table of its own
// to keep, rebuild or check.

// ElectionEvents returns the events of one public election, in order.
func (db *DB) ElectionEvents(ctx context.Context, id string) ([]rulebook.Event, error) {
	return queryEvents(ctx, db.r, `WHERE subject = $1 ORDER BY seq`, rulebook.ElectionSubjectPrefix+id)
}

// ElectionEvents returns the events of one public election inside the
// appender's transaction (under the write lock), so that a change is decided on
// the election as it is.
func (a *Appender) ElectionEvents(id string) ([]rulebook.Event, error) {
	if err := a.flush(); err != nil {
		return nil, err
	}
	return queryEvents(a.ctx, a.tx, `WHERE subject = $1 ORDER BY seq`, rulebook.ElectionSubjectPrefix+id)
}

// ElectionIDs lists the public elections entered, in the order first entered.
func (db *DB) ElectionIDs(ctx context.Context) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT subject FROM events WHERE type = $1 ORDER BY seq`, rulebook.EventElectionEntered)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	seen := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		if id := rulebook.ElectionID(s); id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, rows.Err()
}
