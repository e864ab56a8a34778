package sqldb

import (
	"context"
	"database/sql"
	"time"
)

// ForgetReplicaSeen forgets how far the replica was seen to have replayed, so
// that the next route asks it (for the benchmark).
func (db *DB) ForgetReplicaSeen() { db.r.rep.seen.Store(0) }

// SetReplicaRetry sets how long a replica that could not be reached is left
// alone (replicaRetry), for a test that cannot wait so long.
func (db *DB) SetReplicaRetry(d time.Duration) { db.r.rep.retry = d }

// ReadQueryRow runs q on the pool reads go to (the replica, for ctx marked
// OnReplica).
func (db *DB) ReadQueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.r.QueryRowContext(ctx, q, args...)
}
