package sqldb

import (
	"context"
	"sync/atomic"
)

// SetParallelVerifyMin lets tests verify tiny records in parallel stretches.
func SetParallelVerifyMin(n int64) (restore func()) {
	old := parallelVerifyMin
	parallelVerifyMin = n
	return func() { parallelVerifyMin = old }
}

// SetDueChunk lets tests walk deadlines a few at a time.
func SetDueChunk(n int) (restore func()) {
	old := dueChunk
	dueChunk = n
	return func() { dueChunk = old }
}

// SetMemberRangeSize lets tests check and rebuild the register a few members at
// a time.
func SetMemberRangeSize(n int) (restore func()) {
	old := memberRangeSize
	memberRangeSize = n
	return func() { memberRangeSize = old }
}

// CountSlowMembers counts the members a check of the projection compares whole
// (not in the database), until restored.
func CountSlowMembers(n *atomic.Int64) (restore func()) {
	checkStats = func(slow int) { n.Add(int64(slow)) }
	return func() { checkStats = nil }
}

// CountKeptReplays counts the case checks that replay the events the verify's
// walk kept, until restored.
func CountKeptReplays(n *atomic.Int64) (restore func()) {
	keptStats = func() { n.Add(1) }
	return func() { keptStats = nil }
}

// CountRangeComparisons counts the ranges of members a check compares in the
// database, their digests having differed, until restored.
func CountRangeComparisons(n *atomic.Int64) (restore func()) {
	rangesCompared = func() { n.Add(1) }
	return func() { rangesCompared = nil }
}

// CountPageParts counts the parts of the members' pages a check reads, until
// restored.
func CountPageParts(n *atomic.Int64) (restore func()) {
	pagesRead = func() { n.Add(1) }
	return func() { pagesRead = nil }
}

// CountComplaintComparisons counts the checks that compare the complaints row
// by row (their digests having differed), until restored.
func CountComplaintComparisons(n *atomic.Int64) (restore func()) {
	complaintsCompared = func() { n.Add(1) }
	return func() { complaintsCompared = nil }
}

// SetCaptureBudget bounds what the verify's walk keeps for the case check.
func SetCaptureBudget(n int64) (restore func()) {
	old := captureBudget
	captureBudget = n
	return func() { captureBudget = old }
}

// HoldListener keeps db's credential listener from connecting again while hold.
func HoldListener(db *DB, hold bool) { db.creds.hold.Store(hold) }

// UseSHAKeyedHash makes the checks' digests hash with SHA-256, as where GCM
// with a fixed nonce is refused (FIPS 140-only mode), until restored.
func UseSHAKeyedHash() (restore func()) {
	keyedHashSHA = true
	return func() { keyedHashSHA = false }
}

// HistoryQueries are the statements of a member's history: without their
// extras, whole, and with their units.
var HistoryQueries = []string{historyShortQuery, historyFullQuery, historyUnitsQuery}

// ExtrasStats is how many times db has read the members with restrictions,
// waivers or servings, and how many histories it read without those tables.
func ExtrasStats(db *DB) (loads, short int64) {
	db.extras.mu.Lock()
	defer db.extras.mu.Unlock()
	return db.extras.loads, db.extras.short
}

// UnitTreeLoads is how many times db has read the units whole to find chains in.
func UnitTreeLoads(db *DB) int64 {
	db.units.mu.Lock()
	defer db.units.mu.Unlock()
	return db.units.loads
}

// UnitChainHits is how many chains of units db has served from memory.
func UnitChainHits(db *DB) int64 {
	db.units.mu.Lock()
	defer db.units.mu.Unlock()
	return db.units.hits
}

// CredentialReads is how many times db has read its credential generation from
// a SQLite database rather than kept it by the write-ahead log's header (-1 on
// a database that keeps none).
func CredentialReads(db *DB) int64 {
	if db.wal == nil {
		return -1
	}
	return db.wal.reads.Load()
}

// WALMapped reports whether db watches its write-ahead log's index mapped.
func WALMapped(db *DB) bool {
	if db.wal == nil {
		return false
	}
	db.wal.mu.RLock()
	defer db.wal.mu.RUnlock()
	return db.wal.head != nil
}

// DigestRangeBounds are the ids a digest check of db's register would cut its
// ranges at.
func DigestRangeBounds(ctx context.Context, db *DB) ([]string, error) {
	dr, _, err := db.newDigestRanges(ctx, db.r)
	if err != nil {
		return nil, err
	}
	return dr.bounds, nil
}

// LatestAdoptionQuery finds the rule book's last adoption; AdoptionsWhere is
// the condition of its index.
const (
	LatestAdoptionQuery = latestAdoptionQuery
	AdoptionsWhere      = adoptionsWhere
	UpdatesWhere        = updatesWhere
	UpdatedMembersQuery = updatedMembersQuery
)

// SetMemberNamesBatch sets how many ids MemberNames asks for at once, until
// the returned function restores it.
func SetMemberNamesBatch(n int) func() {
	old := memberNamesBatch
	memberNamesBatch = n
	return func() { memberNamesBatch = old }
}
