package sqldb

import "context"

// SetVoterBatch sets how many members EachVoter reads at a time, returning the
// function that puts it back: tests read a small register in many batches.
func SetVoterBatch(n int) (restore func()) {
	was := voterBatch
	voterBatch = n
	return func() { voterBatch = was }
}

// EachVoterMerged is EachVoter as a database whose collation is not bytewise
// has it read: in one statement, sorted by the database (bytewise, on
// PostgreSQL, by COLLATE "C"; SQLite sorts so already).
func (db *DB) EachVoterMerged(ctx context.Context, names bool, f func(h *Voter) error) error {
	return eachVoterMerged(ctx, db.r, db.dialect, names, db.dialect != "postgres", f)
}
