package sqldb

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rulebook/rulebook"
)

// PersonalHeld returns the seqs of a subject's events whose personal fields are
// still held (not erased), in order.
func (a *Appender) PersonalHeld(subject string) ([]int64, []string, error) {
	if err := a.flush(); err != nil {
		return nil, nil, err
	}
	rows, err := a.tx.QueryContext(a.ctx, `SELECT e.seq, e.id FROM events e JOIN personal p ON p.seq = e.seq WHERE e.subject = $1 ORDER BY e.seq`, subject)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var seqs []int64
	var ids []string
	for rows.Next() {
		var seq int64
		var id string
		if err := rows.Scan(&seq, &id); err != nil {
			return nil, nil, err
		}
		seqs, ids = append(seqs, seq), append(ids, id)
	}
	return seqs, ids, rows.Err()
}

// ErasePersonal deletes the personal fields held apart from the events at seqs,
// inside the appender's transaction, which must also record the erasure
// (rulebook.EventErased) naming them. SQLite's writer overwrites what it deletes
// (secure_delete), so nothing of them stays in the file's free pages.
func (a *Appender) ErasePersonal(seqs []int64) error {
	if err := a.flush(); err != nil {
		return err
	}
	for len(seqs) > 0 {
		k := min(len(seqs), 500)
		var args []any
		where := in(&args, seqs[:k])
		seqs = seqs[k:]
		if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM personal WHERE seq IN `+where, args...); err != nil {
			return err
		}
	}
	return nil
}

// Reproject rebuilds a member's or a unit's register rows from its events (after
// an erasure: without the fields erased).
func (a *Appender) Reproject(subject string) error {
	if err := a.flush(); err != nil {
		return err
	}
	return a.reproject(subject)
}

// ReprojectComplaint writes a complaint's row again from its events.
func (a *Appender) ReprojectComplaint(id string) error {
	if err := a.flush(); err != nil {
		return err
	}
	evs, err := queryEvents(a.ctx, a.tx, `WHERE subject = $1 ORDER BY seq`, rulebook.ComplaintSubjectPrefix+id)
	if err != nil {
		return err
	}
	// Its case stays (the case projection's), and it is not counted again.
	if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM complaints WHERE id = $1`, id); err != nil {
		return err
	}
	for i := range evs {
		switch evs[i].Type {
		case rulebook.EventComplaintReported, rulebook.EventComplaintReceived:
			if err := a.putComplaint(&evs[i], false); err != nil {
				return err
			}
		}
	}
	return nil
}

// Compact returns to the operating system, after an erasure, the space and the
// old page images that might still hold what was erased: SQLite's write-ahead
// log is checkpointed and emptied; PostgreSQL vacuums the tables concerned.
func (db *DB) Compact(ctx context.Context) error {
	if db.dialect == "postgres" {
		for _, t := range []string{"personal", "members", "complaints", "cases", "list_entries", "access_log"} {
			if _, err := db.w.ExecContext(ctx, `VACUUM `+t); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// eachPersonal calls f with every row of personal, in seq order, its salt and
// data valid until f returns: on PostgreSQL through pgx directly on a
// connection of its own, the values as sent (database/sql made a string of
// every row's data, then copied it).
func (db *DB) eachPersonal(ctx context.Context, f func(seq int64, salt, data []byte)) error {
	const q = `SELECT seq, salt, data FROM personal ORDER BY seq`
	if db.dialect == "postgres" {
		conn, err := db.checkConn(ctx)
		if err != nil {
			return err
		}
		defer db.releaseCheckConn(conn)
		var bad error
		err = db.eachRawRow(ctx, conn, pgx.QueryResultFormats{pgx.BinaryFormatCode}, q, nil, func(vals [][]byte) {
			if bad != nil {
				return
			}
			if len(vals) != 3 || len(vals[0]) != 8 || vals[1] == nil || vals[2] == nil {
				bad = fmt.Errorf("personal: a row not as stored (%d values)", len(vals))
				return
			}
			f(int64(binary.BigEndian.Uint64(vals[0])), vals[1], vals[2])
		})
		return errors.Join(err, bad)
	}
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	var salt, data sql.RawBytes
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq, &salt, &data); err != nil {
			return err
		}
		f(seq, salt, data)
	}
	return rows.Err()
}

// personalFaults checks the personal fields held apart against the record:
// every row must match the commitment its event holds (committed, gathered in
// order by the walk of the chain), and every event whose row is missing must be
// named by an erasure recorded in the chain. open, if not nil, is given each
// row that matches its commitment (verify --projection keeps some of them, see
// SubjectCapture.opener); joined, if not nil, each such row of the sealed
// joining of a member, with the range the walk summed it in (verify
// --projection sums them, see joiningPass).
func (db *DB) personalFaults(ctx context.Context, committed *commitments, open func(seq int64, salt, data []byte), joined func(rng int32, seq int64, data []byte)) ([]string, error) {
	var faults []string
	more := 0
	fault := func(format string, args ...any) {
		if len(faults) < MaxDiffs {
			faults = append(faults, fmt.Sprintf(format, args...))
		} else {
			more++
		}
	}
	var missing, orphans, changed []int64
	cur := commitCursor{c: committed}
	row := func(seq int64, salt, data []byte) {
		c := cur.at()
		for ; c != nil && c.seq < seq; c = cur.at() {
			missing = append(missing, c.seq)
			cur.next()
		}
		if c == nil || c.seq != seq {
			orphans = append(orphans, seq)
			return
		}
		if rulebook.PersonalCommitment(salt, data) != c.h {
			changed = append(changed, seq)
		} else {
			if open != nil {
				open(seq, salt, data)
			}
			if joined != nil && c.rng >= 0 {
				joined(c.rng, seq, data)
			}
		}
		cur.next()
	}
	if err := db.eachPersonal(ctx, row); err != nil {
		return nil, err
	}
	for c := cur.at(); c != nil; c = cur.at() {
		missing = append(missing, c.seq)
		cur.next()
	}
	for _, seq := range orphans {
		fault("personal data is held for seq %d, whose event commits to none", seq)
	}
	var erased map[string]bool
	if len(missing) > 0 {
		var err error
		if erased, err = db.erasedEvents(ctx); err != nil {
			return nil, err
		}
	}
	// Named by id, read as stored (a few: faults are rare).
	for _, set := range []struct {
		seqs []int64
		says func(e rulebook.Event)
	}{
		{changed, func(e rulebook.Event) {
			fault("the personal data held apart from event %s (seq %d) was changed: it no longer matches the commitment in the record", e.ID, e.Seq)
		}},
		{missing, func(e rulebook.Event) {
			if !erased[e.ID] {
				fault("the personal data of event %s (seq %d, %s of %s) was deleted, and no erasure in the record names it", e.ID, e.Seq, e.Type, e.Subject)
			}
		}},
	} {
		for seqs := set.seqs; len(seqs) > 0; {
			k := min(len(seqs), 500)
			var args []any
			where := in(&args, seqs[:k])
			seqs = seqs[k:]
			evs, err := queryStored(ctx, db.r, `WHERE seq IN `+where+` ORDER BY seq`, args...)
			if err != nil {
				return nil, err
			}
			for _, e := range evs {
				set.says(e)
			}
		}
	}
	if more > 0 {
		faults = append(faults, fmt.Sprintf("… and %d more faults in the personal data held apart", more))
	}
	return faults, nil
}

// erasedEvents returns the ids of the events the record's erasures name.
func (db *DB) erasedEvents(ctx context.Context) (map[string]bool, error) {
	evs, err := queryStored(ctx, db.r, `WHERE subject LIKE $1 AND type = $2 ORDER BY seq`, rulebook.ErasureSubjectPrefix+"%", rulebook.EventErased)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, e := range evs {
		var er rulebook.Erasure
		if err := json.Unmarshal(e.Data, &er); err != nil {
			return nil, fmt.Errorf("erasure %s: %w", e.ID, err)
		}
		for _, id := range er.Events {
			out[id] = true
		}
	}
	return out, nil
}

// Closure is a closed case and the day it closed, with its complaints.
type Closure struct {
	Case       string
	Closed     rulebook.Date
	Complaints []string
}

// ClosedCases returns the closed cases that still hold personal data (in their
// events or their complaints'), each with the day it closed.
func (db *DB) ClosedCases(ctx context.Context) ([]Closure, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT c.id, c.state_since, COALESCE(k.complaint, '') FROM cases c
		LEFT JOIN case_complaints k ON k.case_id = c.id
		WHERE c.closed = 1 AND (
			EXISTS (SELECT 1 FROM events e JOIN personal p ON p.seq = e.seq WHERE e.subject = 'case/' || c.id)
			OR EXISTS (SELECT 1 FROM case_complaints kk JOIN events e ON e.subject = 'complaint/' || kk.complaint JOIN personal p ON p.seq = e.seq WHERE kk.case_id = c.id))
		ORDER BY c.id, k.complaint`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Closure
	for rows.Next() {
		var id, complaint string
		var since int64
		if err := rows.Scan(&id, &since, &complaint); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].Case != id {
			out = append(out, Closure{Case: id, Closed: rulebook.Date(since)})
		}
		if complaint != "" {
			out[len(out)-1].Complaints = append(out[len(out)-1].Complaints, complaint)
		}
	}
	return out, rows.Err()
}

// Departure is a member whose membership has ended, and the day it did.
type Departure struct {
	Member string
	Left   rulebook.Date
}

// Departed returns the members whose particulars are still held and whose status
// on day on is one for which member(status) is false, with the day the run of
// such statuses began.
func (db *DB) Departed(ctx context.Context, on rulebook.Date, member func(status string) bool) ([]Departure, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT m.id, m.status, m.joined, COALESCE(s.status, ''), COALESCE(s.from_date, 0)
		FROM members m LEFT JOIN status_points s ON s.member_id = m.id AND s.from_date <= $1
		WHERE EXISTS (SELECT 1 FROM events e JOIN personal p ON p.seq = e.seq WHERE e.subject = m.id)
		ORDER BY m.id, s.from_date, s.seq, s.part`, int64(on))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Departure
	cur, left, in := "", rulebook.Date(0), true
	done := func() {
		if cur != "" && !in {
			out = append(out, Departure{Member: cur, Left: left})
		}
	}
	for rows.Next() {
		var id, joinStatus, status string
		var joined, from int64
		if err := rows.Scan(&id, &joinStatus, &joined, &status, &from); err != nil {
			return nil, err
		}
		if id != cur {
			done()
			cur, in, left = id, member(joinStatus), rulebook.Date(joined)
		}
		if status == "" {
			continue
		}
		if was := in; member(status) != was {
			in = !was
			left = rulebook.Date(from)
		}
	}
	done()
	return out, rows.Err()
}

// OpenCasesOf returns the open cases whose respondent is member.
func (db *DB) OpenCasesOf(ctx context.Context, member string) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM cases WHERE respondent = $1 AND closed = 0 ORDER BY id`, member)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// PersonalCount counts the events of the subjects whose personal fields are held.
func (db *DB) PersonalCount(ctx context.Context, subjects []string) (int, error) {
	var args []any
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM events e JOIN personal p ON p.seq = e.seq WHERE e.subject IN `+in(&args, subjects), args...).Scan(&n)
	return n, err
}
