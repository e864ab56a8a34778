package sqldb

// ForgetReplicaSeen forgets how far the replica was seen to have replayed, so
// that the next route asks it (for the benchmark).
func (db *DB) ForgetReplicaSeen() { db.r.rep.seen.Store(0) }
