package sqldb

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/rulebook/rulebook"
)

const eventCols = `seq, id, type, subject, effective, recorded, actor, data, prev_hash, hash`

// Appender adds events to the record inside one transaction, together with their
// effect on the register projection. Rows are written in multi-row batches so that
// importing a million members is one transaction of a few thousand statements.
// Nothing is visible to others, and nothing is kept, until Commit.
type Appender struct {
	ctx   context.Context
	db    *DB
	conn  *sql.Conn // the connection tx runs on: PostgreSQL's COPY goes through it
	tx    *sql.Tx
	bulk  bool           // indexes dropped by BulkLoad, to build again at Commit
	added bool           // events were added: a commit grows the record
	prev  rulebook.Event // head of the chain: Seq and Hash
	now   time.Time
	stmts map[string]*sql.Stmt
	// analyze are the tables whose statistics Commit brings up to date
	// (AnalyzeAtCommit).
	analyze []string
	// rawStmts are SQLite's statements prepared on the driver's connection,
	// by the same keys (execRaw); nv is their arguments' buffer.
	rawStmts map[string]driver.Stmt
	nv       []driver.NamedValue
	// pending rows per table, flushed in batches
	events, members, points, restrictions, waivers, units *batch
	servings                                              *batch
	// personal holds the personal fields of events, apart from them (rulebook.SealPersonal).
	personal *batch
	// seed makes each event's salt: SHA-256 of it and the event id. It is never
	// stored, so no salt can be worked out from the record.
	seed                                    [32]byte
	caseDeadlines, caseClauses, caseSteps   *batch
	caseComplaints, casePeople, caseFactors *batch
	// running totals for statistics, applied at each flush
	stepDelta   map[stepKey][2]int64
	clauseDelta map[[2]string]int64
	// sanctionDelta counts cases by (clause, sanction).
	sanctionDelta map[[2]string]int64
	flowDelta     map[flowKey][2]int64
	done          bool
	// credentials says an account or a token was changed (credWatch.changed).
	credentials bool

	// release gives up this process's turn to write (DB.takeWriter).
	release func()
	// holdCounts keeps the running totals in memory until ReleaseCounts.
	holdCounts bool

	// stream writes full batches on a goroutine of their own while more are
	// queued (Stream); inflight reports the end of the batches being written.
	stream   bool
	inflight chan error
	failed   error
	// written are the batches of the set last handed to the writer: once it
	// is written (wait), emptied, they hold the next set's rows, so that a
	// large load allocates its batches' arrays once, not a set at a time.
	written []*batch
	// hbuf is scratch space for the canonical encoding of each event hashed.
	hbuf []byte
}

type batch struct {
	table string
	cols  []string
	args  []any
	rows  int
}

func newBatch(table string, cols ...string) *batch { return &batch{table: table, cols: cols} }

func (b *batch) add(vals ...any) {
	b.args = append(b.args, vals...)
	b.rows++
}

// reset empties b once its rows are written, keeping nothing of them.
func (b *batch) reset() {
	clear(b.args)
	b.args, b.rows = b.args[:0], 0
}

// Begin starts an Appender. The chain head is read under the write lock, so
// concurrent appenders from other processes queue rather than fork the chain.
func (db *DB) Begin(ctx context.Context) (*Appender, error) {
	release, err := db.takeWriter(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		release()
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		release()
		return nil, err
	}
	// The connection goes back to the pool once the transaction has ended.
	release = func(release func()) func() {
		return sync.OnceFunc(func() { conn.Close(); release() })
	}(release)
	a := &Appender{ctx: ctx, db: db, conn: conn, tx: tx, release: release, stmts: map[string]*sql.Stmt{},
		events:         newBatch("events", strings.Split(eventCols, ", ")...),
		members:        newBatch("members", "id", "name", "email", "phone", "address", "unit", "joined", "status", "join_event", "join_seq", "search_key"),
		points:         newBatch("status_points", "member_id", "from_date", "seq", "part", "status", "rights", "event_id", "decision"),
		restrictions:   newBatch("restrictions", "member_id", "seq", "from_date", "until_date", "rights", "event_id", "decision"),
		waivers:        newBatch("waivers", "member_id", "seq", "from_date", "until_date", "action", "clause", "event_id", "decision"),
		units:          newBatch("units", "id", "name", "kind", "parent"),
		servings:       newBatch("servings", "member_id", "seq", "served", "ended", "data"),
		personal:       newBatch("personal", "seq", "salt", "data"),
		caseDeadlines:  newBatch("case_deadlines", "case_id", "n", "kind", "what", "due"),
		caseClauses:    newBatch("case_clauses", "case_id", "clause", "closed", "conduct"),
		caseFactors:    newBatch("case_factors", "case_id", "clause", "factor", "closed", "conduct"),
		caseComplaints: newBatch("case_complaints", "complaint", "case_id"),
		casePeople:     newBatch("case_people", "person", "case_id", "relation"),
		stepDelta:      map[stepKey][2]int64{},
		clauseDelta:    map[[2]string]int64{},
		sanctionDelta:  map[[2]string]int64{},
		flowDelta:      map[flowKey][2]int64{},
		caseSteps: newBatch("case_steps", "seq", "case_id", "transition", "from_state", "to_state", "day", "quarter", "body", "body_kind",
			"clause", "outcome", "sanction", "days_in_state", "closing", "days_open"),
	}
	if db.dialect == "postgres" {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(72708)`); err != nil {
			tx.Rollback()
			release()
			return nil, err
		}
	}
	var prev []byte
	var rec int64
	err = tx.QueryRowContext(ctx, `SELECT seq, hash, recorded FROM events ORDER BY seq DESC LIMIT 1`).Scan(&a.prev.Seq, &prev, &rec)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		tx.Rollback()
		release()
		return nil, err
	default:
		copy(a.prev.Hash[:], prev)
		a.prev.Recorded = time.UnixMicro(rec).UTC()
	}
	// The clock is read only now, holding the writer's lock: read before it, a
	// writer that waited would stamp its events earlier than those of the writer
	// it waited for, and be refused.
	a.now = db.Now().UTC()
	if _, err := rand.Read(a.seed[:]); err != nil {
		tx.Rollback()
		release()
		return nil, err
	}
	return a, nil
}

// bulkIndexes are the SQLite indexes a bulk load drops and builds again: building
// an index once over sorted keys costs less than keeping it up to date row by row.
var bulkIndexes = []struct{ name, create string }{
	// events_id stays: ids grow with time, so keeping it costs appends only, and a
	// duplicate id is refused at once.
	{"events_subject", `CREATE INDEX events_subject ON events (subject, seq)`},
	{"members_unit", `CREATE INDEX members_unit ON members (unit)`},
	{"members_search", `CREATE INDEX members_search ON members (search_key)`},
}

// BulkLoad prepares a large load into a small SQLite database: its secondary
// indexes are dropped now and built again at Commit, inside the same transaction,
// so the load stays all-or-nothing (a duplicate event id fails the commit) and
// other readers keep seeing the indexed database as it was. It does nothing on
// PostgreSQL, where dropping an index would block readers, or when the record
// already holds more than maxExisting events.
func (a *Appender) BulkLoad(maxExisting int64) error {
	if a.db.dialect != "sqlite" || a.prev.Seq > maxExisting || a.bulk {
		return nil
	}
	if err := a.flush(); err != nil {
		return err
	}
	for _, ix := range bulkIndexes {
		if _, err := a.tx.ExecContext(a.ctx, `DROP INDEX IF EXISTS `+ix.name); err != nil {
			return err
		}
	}
	a.bulk = true
	return nil
}

// AnalyzeAtCommit has Commit bring the query planner's statistics of tables up
// to date (DB.Analyze), in the transaction, after the indexes a BulkLoad put
// off are built: a large load changes what the planner should expect, and its
// statistics are then committed with it. (After the commit, on SQLite, the
// analysis would wait for the copy of the load's write-ahead log into the
// database file, which is otherwise left to run after the load returns.)
func (a *Appender) AnalyzeAtCommit(tables ...string) { a.analyze = tables }

// LastSeq returns the seq of the last event added (or the head before any).
func (a *Appender) LastSeq() int64 { return a.prev.Seq }

// Head returns the seq and hash the next event will follow.
func (a *Appender) Head() (int64, rulebook.Hash) { return a.prev.Seq, a.prev.Hash }

// Add seals e after the current head and queues it with its projection. It sets
// e.ID (when empty), e.Recorded (when zero), e.Seq, e.PrevHash and e.Hash.
func (a *Appender) Add(e *rulebook.Event) error {
	p, err := a.Prepare(e)
	if err != nil {
		return err
	}
	return a.AddPrepared(p)
}

// Prepared is an event checked and with its personal fields taken out, ready to
// be chained: the part of Add that does not depend on the events before it.
type Prepared struct {
	e                      *rulebook.Event
	salt, stored, personal []byte
}

// Prepare does the part of Add that does not depend on the events before it:
// it checks e, sets e.ID (when empty) and e.Recorded (when zero), and takes out
// its personal fields. It may be called from other goroutines than the one
// adding (an import prepares events beside the writing of those before them);
// AddPrepared then chains and queues the events in the order they are given.
func (a *Appender) Prepare(e *rulebook.Event) (*Prepared, error) {
	if e.ID == "" {
		e.ID = rulebook.NewEventID()
	}
	if e.Recorded.IsZero() {
		e.Recorded = a.now
	}
	e.Recorded = e.Recorded.UTC().Truncate(time.Microsecond)
	if e.Type == "" || e.Subject == "" || e.Actor == "" {
		return nil, rulebook.Errorf(rulebook.EInvalid, "event needs a type, a subject and an actor")
	}
	for _, f := range []string{e.ID, e.Type, e.Subject, e.Actor} {
		if strings.ContainsFunc(f, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return nil, rulebook.Errorf(rulebook.EInvalid, "event id, type, subject and actor may not hold control characters: %q", f)
		}
	}
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("{}")
	}
	if err := checkData(e.Data); err != nil {
		return nil, rulebook.Errorf(rulebook.EInvalid, "event %s (%s): %v", e.ID, e.Type, err)
	}
	salt := a.salt(e.ID)
	stored, personal, err := rulebook.SealPersonal(e.Type, e.Data, salt)
	if err != nil {
		return nil, rulebook.Errorf(rulebook.EInvalid, "event %s: %v", e.ID, err)
	}
	e.Stored = nil
	if personal != nil {
		e.Stored = stored
	}
	return &Prepared{e: e, salt: salt, stored: stored, personal: personal}, nil
}

// AddPrepared seals a prepared event after the current head and queues it with
// its projection, as Add does.
func (a *Appender) AddPrepared(p *Prepared) error {
	if a.done {
		return fmt.Errorf("appender already finished")
	}
	e := p.e
	// Recording time only moves forward, so "what did we believe at T" is exactly
	// the events up to a point in the chain.
	if e.Recorded.Before(a.prev.Recorded) {
		return rulebook.Errorf(rulebook.EInvalid, "event would be recorded at %s, before the last event (%s): check the system clock",
			e.Recorded.UTC().Format(time.RFC3339), a.prev.Recorded.Format(time.RFC3339))
	}
	// As e.Seal(&a.prev), with the encoding's buffer kept from one event to the next.
	e.Seq, e.PrevHash = a.prev.Seq+1, a.prev.Hash
	e.Hash, a.hbuf = e.ComputeHash(a.hbuf)
	a.added = true
	var stored string
	if p.personal == nil {
		stored = string(p.stored) // the caller's e.Data
	} else {
		// Both made by SealPersonal for this event alone, and never written
		// again: read as they are, not copied (a large import's second
		// largest allocation).
		stored = unsafe.String(unsafe.SliceData(p.stored), len(p.stored))
		a.personal.add(e.Seq, p.salt, unsafe.String(unsafe.SliceData(p.personal), len(p.personal)))
	}
	a.events.add(e.Seq, e.ID, e.Type, e.Subject, int64(e.Effective), e.Recorded.UnixMicro(), e.Actor, stored, e.PrevHash[:], e.Hash[:])
	a.prev = rulebook.Event{Seq: e.Seq, Hash: e.Hash, Recorded: e.Recorded}
	if err := a.project(e); err != nil {
		return fmt.Errorf("event %s (%s): %w", e.ID, e.Type, err)
	}
	if a.events.rows >= 4096 {
		if a.stream {
			return a.flushAsync()
		}
		return a.flush()
	}
	return nil
}

// project queues the register rows an event implies. Changes that touch existing
// rows (updates, corrections) flush first and run at once.
func (a *Appender) project(e *rulebook.Event) error {
	switch e.Type {
	case rulebook.EventUnitCreated, rulebook.LegacyUnitCreated:
		u, ok := e.Payload.(rulebook.Unit)
		if !ok {
			if err := json.Unmarshal(e.Data, &u); err != nil {
				return err
			}
		}
		a.units.add(u.ID, u.Name, u.Kind, u.Parent)
	case rulebook.EventMemberJoined:
		d, ok := e.Payload.(rulebook.MemberJoined)
		if !ok {
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return err
			}
		}
		m := d.Member
		a.members.add(m.ID, m.Name, m.Email, m.Phone, m.Address, m.Unit, int64(e.Effective), d.Status, e.ID, e.Seq, rulebook.SearchKey(m.Name))
	case rulebook.EventMemberUpdated:
		var d rulebook.MemberUpdated
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		if err := a.flush(); err != nil {
			return err
		}
		if d.Legacy() {
			// Where an update of the first releases leaves the member depends on
			// the tree of units: the member is projected again from their events.
			return a.reproject(e.Subject)
		}
		set := []string{}
		args := []any{}
		for _, f := range []struct{ col, v string }{{"name", d.Name}, {"email", d.Email}, {"phone", d.Phone}, {"address", d.Address}, {"unit", d.Unit}} {
			if f.v != "" {
				args = append(args, f.v)
				set = append(set, fmt.Sprintf("%s = $%d", f.col, len(args)))
			}
		}
		if len(set) == 0 {
			return nil
		}
		if d.Name != "" {
			args = append(args, rulebook.SearchKey(d.Name))
			set = append(set, fmt.Sprintf("search_key = $%d", len(args)))
		}
		args = append(args, e.Subject)
		res, err := a.tx.ExecContext(a.ctx, `UPDATE members SET `+strings.Join(set, ", ")+fmt.Sprintf(` WHERE id = $%d`, len(args)), args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return rulebook.Errorf(rulebook.ENotFound, "no member %q", e.Subject)
		}
		// A transfer moves a measure served in occasions to the new unit's.
		return a.reprojectServing(e.Subject)
	case rulebook.EventStatusChanged:
		d, ok := e.Payload.(rulebook.StatusChange)
		if !ok {
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return err
			}
		}
		if len(d.Ends) > 0 || d.Count > 0 {
			// Ending an earlier measure rewrites its later points, and the end of
			// one served in occasions depends on those recorded: rebuild the member.
			if err := a.flush(); err != nil {
				return err
			}
			return a.reproject(e.Subject)
		}
		a.points.add(e.Subject, int64(e.Effective), e.Seq, 0, d.Status, rightsJSON(d.Rights), e.ID, mustJSON(d.Decision))
		if !d.Until.IsZero() {
			a.points.add(e.Subject, int64(d.Until), e.Seq, 1, d.Then, "", e.ID,
				mustJSON(rulebook.Decision{Body: d.Body, Clause: d.Clause, Case: d.Case, Reason: "end of " + d.Status}))
		}
	case rulebook.EventRightsRestricted:
		var d rulebook.RightsRestricted
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		if len(d.Ends) > 0 {
			if err := a.flush(); err != nil {
				return err
			}
			return a.reproject(e.Subject)
		}
		a.restrictions.add(e.Subject, e.Seq, int64(e.Effective), int64(d.Until), rightsJSON(d.Rights), e.ID, mustJSON(d.Decision))
	case rulebook.EventConditionWaived:
		var d rulebook.Waiver
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		a.waivers.add(e.Subject, e.Seq, int64(e.Effective), int64(d.Until), d.Action, d.Clause, e.ID, mustJSON(d.Decision))
	case rulebook.EventCorrected:
		if err := a.flush(); err != nil {
			return err
		}
		if strings.HasPrefix(e.Subject, rulebook.OccasionSubjectPrefix) {
			return a.reprojectOccasion(e.Subject)
		}
		return a.reproject(e.Subject)
	case rulebook.EventOccasionRecorded:
		if err := a.flush(); err != nil {
			return err
		}
		return a.reprojectOccasion(e.Subject)
	case rulebook.EventComplaintReported, rulebook.EventComplaintReceived:
		if err := a.flush(); err != nil {
			return err
		}
		return a.projectComplaint(e)
	}
	return nil
}

// reproject rebuilds one subject's projection from its events, after a correction.
func (a *Appender) reproject(subject string) error {
	evs, err := queryEvents(a.ctx, a.tx, `WHERE subject = $1 ORDER BY seq`, subject)
	if err != nil {
		return err
	}
	qs := []string{`DELETE FROM status_points WHERE member_id = $1`, `DELETE FROM restrictions WHERE member_id = $1`, `DELETE FROM waivers WHERE member_id = $1`, `DELETE FROM members WHERE id = $1`}
	key, unit := subject, false
	for _, prefix := range []string{rulebook.UnitSubjectPrefix, rulebook.LegacyUnitSubjectPrefix} {
		if id, ok := strings.CutPrefix(subject, prefix); ok {
			qs, key, unit = []string{`DELETE FROM units WHERE id = $1`}, id, true
		}
	}
	var units []rulebook.Unit
	if !unit && rulebook.NeedsUnits(evs) {
		if units, err = unitRows(a.ctx, a.tx); err != nil {
			return err
		}
	}
	reg, err := rulebook.ProjectWith(units, evs, "", time.Time{})
	if err != nil {
		return err
	}
	if !unit {
		if err := a.occasionsFor(reg, subject); err != nil {
			return err
		}
		qs = append(qs, `DELETE FROM servings WHERE member_id = $1`)
	}
	for _, q := range qs {
		if _, err := a.tx.ExecContext(a.ctx, q, key); err != nil {
			return err
		}
	}
	if unit {
		for _, u := range reg.Units {
			a.units.add(u.ID, u.Name, u.Kind, u.Parent)
		}
	}
	for _, h := range reg.Members {
		a.queueHistory(h)
	}
	return a.flush()
}

func (a *Appender) queueHistory(h *rulebook.History) {
	m := h.Member
	join := h.Points[0] // Project puts the joining first: nothing can predate it
	a.members.add(m.ID, m.Name, m.Email, m.Phone, m.Address, m.Unit, int64(m.Joined), join.Status, join.EventID, join.Seq, rulebook.SearchKey(m.Name))
	part := map[int64]int{}
	for _, p := range h.Points[1:] {
		a.points.add(m.ID, int64(p.From), p.Seq, part[p.Seq], p.Status, rightsJSON(p.Rights), p.EventID, mustJSON(p.Decision))
		part[p.Seq]++
	}
	for _, r := range h.Restrictions {
		a.restrictions.add(m.ID, r.Seq, int64(r.From), int64(r.Until), rightsJSON(r.Rights), r.EventID, mustJSON(r.Decision))
	}
	for _, w := range h.Waivers {
		a.waivers.add(m.ID, w.Seq, int64(w.From), int64(w.Until), w.Action, w.Clause, w.EventID, mustJSON(w.Decision))
	}
	for _, s := range h.Servings {
		a.servings.add(m.ID, s.Seq, int64(s.Served), int64(s.Ended), mustJSON(s))
	}
}

func rightsJSON(m map[string]bool) string {
	if len(m) == 0 {
		return ""
	}
	return mustJSON(m)
}

func mustJSON(v any) string {
	b, err := rulebook.MarshalData(v)
	if err != nil {
		panic(err)
	}
	if string(b) == "{}" {
		return ""
	}
	return string(b)
}

// queues are the appender's batches in the order flush writes them: events
// first, so that a failure names the event.
func (a *Appender) queues() []**batch {
	return []**batch{&a.events, &a.personal, &a.units, &a.members, &a.points, &a.restrictions, &a.waivers, &a.servings,
		&a.caseSteps, &a.caseDeadlines, &a.caseClauses, &a.caseComplaints, &a.casePeople, &a.caseFactors}
}

// flush writes every queued row, after those being written by flushAsync.
func (a *Appender) flush() error {
	if err := a.wait(); err != nil {
		return err
	}
	for _, b := range a.queues() {
		if err := a.flushBatch(*b); err != nil {
			return err
		}
	}
	return a.flushCounts()
}

// Stream makes the appender write each full set of batches on a goroutine of
// its own while the next is queued, for a large load (an import): the database
// works on one set while the caller prepares the next. Everything that reads
// or writes through the transaction waits for the set being written first.
func (a *Appender) Stream() { a.stream = true }

// flushAsync hands the queued rows to a goroutine that writes them, once the
// set before them is written, and returns at once with fresh batches queued.
// A failure is reported by the next wait (the next flush, Commit or Add that
// hands over a set), and the transaction is then rolled back.
func (a *Appender) flushAsync() error {
	if err := a.wait(); err != nil {
		return err
	}
	var full []*batch
	for _, q := range a.queues() {
		if b := *q; b.rows > 0 {
			full = append(full, b)
			*q = a.emptyBatch(b)
		}
	}
	a.written = full
	done := make(chan error, 1)
	a.inflight = done
	go func() {
		for _, b := range full {
			if err := a.flushBatch(b); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	return nil
}

// emptyBatch returns an empty batch for b's table: the one written before
// (flushAsync), or a new one.
func (a *Appender) emptyBatch(b *batch) *batch {
	for i, w := range a.written {
		if w != nil && w.table == b.table && w.rows == 0 {
			a.written[i] = nil
			return w
		}
	}
	return &batch{table: b.table, cols: b.cols, args: make([]any, 0, cap(b.args))}
}

// wait waits for the rows flushAsync is writing, and returns its error, which
// stays: nothing more may be written after a set that failed.
func (a *Appender) wait() error {
	if a.inflight != nil {
		if err := <-a.inflight; err != nil && a.failed == nil {
			a.failed = err
		}
		a.inflight = nil
	}
	return a.failed
}

// maxBatchArgs keeps statements under SQLite's and PostgreSQL's parameter limits.
const maxBatchArgs = 30000

func (a *Appender) flushBatch(b *batch) error {
	if a.db.dialect == "postgres" && b.rows >= copyMinRows && copyTables[b.table] {
		err := a.copyBatch(b)
		b.reset()
		return err
	}
	ncol := len(b.cols)
	per := maxBatchArgs / ncol
	if per > 500 {
		per = 500
	}
	for off := 0; off < b.rows; {
		k := b.rows - off
		if k > per {
			k = per
		}
		if a.db.dialect == "sqlite" {
			if err := a.execRaw(b, k, b.args[off*ncol:(off+k)*ncol]); err != nil {
				return fmt.Errorf("insert into %s: %w", b.table, friendly(err))
			}
			off += k
			continue
		}
		st, err := a.stmt(b, k)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(a.ctx, b.args[off*ncol:(off+k)*ncol]...); err != nil {
			return fmt.Errorf("insert into %s: %w", b.table, friendly(err))
		}
		off += k
	}
	b.reset()
	return nil
}

// execRaw inserts a batch's rows on SQLite through the driver's own
// statement, on the transaction's connection: database/sql's conversion and
// checking of each of a batch's thousands of arguments, all of them already
// of the driver's types, was a tenth of a large import's time.
func (a *Appender) execRaw(b *batch, rows int, args []any) error {
	return a.conn.Raw(func(dc any) error {
		key := b.table + "/" + strconv.Itoa(rows)
		st, ok := a.rawStmts[key]
		if !ok {
			pc, ok := dc.(driver.ConnPrepareContext)
			if !ok {
				return fmt.Errorf("unexpected driver connection %T", dc)
			}
			var err error
			if st, err = pc.PrepareContext(a.ctx, insertSQL(a.db.dialect, b, rows)); err != nil {
				return err
			}
			if a.rawStmts == nil {
				a.rawStmts = map[string]driver.Stmt{}
			}
			a.rawStmts[key] = st
		}
		ex, ok := st.(driver.StmtExecContext)
		if !ok {
			return fmt.Errorf("unexpected driver statement %T", st)
		}
		nv := a.nv[:0]
		for i, v := range args {
			dv, err := driverValue(v)
			if err != nil {
				return fmt.Errorf("argument %d: %w", i+1, err)
			}
			nv = append(nv, driver.NamedValue{Ordinal: i + 1, Value: dv})
		}
		a.nv = nv[:0]
		_, err := ex.ExecContext(a.ctx, nv)
		clear(nv) // nothing of the rows kept past the statement
		return err
	})
}

// driverValue is v as a driver.Value, as database/sql's default conversion
// makes it, for the types a batch holds.
func driverValue(v any) (driver.Value, error) {
	switch x := v.(type) {
	case nil, int64, string, []byte, bool, float64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	default:
		return driver.DefaultParameterConverter.ConvertValue(v)
	}
}

// closeRaw closes the statements execRaw prepared.
func (a *Appender) closeRaw() {
	if len(a.rawStmts) == 0 {
		return
	}
	a.conn.Raw(func(any) error {
		for _, st := range a.rawStmts {
			st.Close()
		}
		return nil
	})
	a.rawStmts = nil
}

func (a *Appender) stmt(b *batch, rows int) (*sql.Stmt, error) {
	key := fmt.Sprintf("%s/%d", b.table, rows)
	if st, ok := a.stmts[key]; ok {
		return st, nil
	}
	st, err := a.tx.PrepareContext(a.ctx, insertSQL(a.db.dialect, b, rows))
	if err != nil {
		return nil, err
	}
	a.stmts[key] = st
	return st, nil
}

// insertSQL is the statement inserting rows of b's table.
func insertSQL(dialect string, b *batch, rows int) string {
	var q strings.Builder
	fmt.Fprintf(&q, "INSERT INTO %s (%s) VALUES ", b.table, strings.Join(b.cols, ", "))
	n := 1
	for r := 0; r < rows; r++ {
		if r > 0 {
			q.WriteByte(',')
		}
		q.WriteByte('(')
		for c := range b.cols {
			if c > 0 {
				q.WriteByte(',')
			}
			// SQLite gets anonymous parameters: its driver looks each named one up
			// by a linear scan, which makes a 5000-parameter insert quadratic.
			if dialect == "sqlite" {
				q.WriteByte('?')
			} else {
				fmt.Fprintf(&q, "$%d", n)
			}
			n++
		}
		q.WriteByte(')')
	}
	return q.String()
}

// friendly turns constraint violations into conflicts people can act on.
func friendly(err error) error {
	s := err.Error()
	if strings.Contains(s, "UNIQUE") || strings.Contains(s, "duplicate key") {
		return rulebook.Errorf(rulebook.EConflict, "already exists: %v", s)
	}
	return err
}

// Commit writes what is queued and commits; the events are then part of the record.
func (a *Appender) Commit() error {
	if a.done {
		return fmt.Errorf("appender already finished")
	}
	if err := a.flush(); err != nil {
		a.Rollback()
		return err
	}
	if a.bulk {
		for _, ix := range bulkIndexes {
			if _, err := a.tx.ExecContext(a.ctx, ix.create); err != nil {
				a.Rollback()
				return friendly(err)
			}
		}
	}
	if len(a.analyze) > 0 {
		if _, err := a.tx.ExecContext(a.ctx, a.db.analyzeSQL(a.analyze)); err != nil {
			a.Rollback()
			return fmt.Errorf("analyze: %w", err)
		}
	}
	a.done = true
	for _, st := range a.stmts {
		st.Close()
	}
	a.closeRaw()
	err := a.tx.Commit()
	a.release()
	if a.credentials && a.db.creds != nil {
		// Before the caller hears of it: this process refuses a token the
		// change made invalid at once, not when the notification arrives.
		a.db.creds.changed()
	}
	if err != nil {
		return err
	}
	if f := a.db.onCommit.Load(); f != nil && a.added {
		(*f)()
	}
	return nil
}

// Rollback abandons everything added; the record is as it was.
func (a *Appender) Rollback() {
	if a.done {
		return
	}
	a.done = true
	a.wait() // the error is the rollback's reason, reported already or moot
	for _, st := range a.stmts {
		st.Close()
	}
	a.closeRaw()
	a.tx.Rollback()
	a.release()
}

// Flush writes what is queued, and waits for what is being written: a check
// that is rolled back afterwards so learns all that the database refuses.
func (a *Appender) Flush() error { return a.flush() }

// Tx exposes the appender's transaction for reads that must see its own writes
// (after the rows being written by a Stream are written).
func (a *Appender) Tx() *sql.Tx {
	a.wait() // a failure stays, for the next flush or Commit to report
	return a.tx
}

// Append stores events in one transaction: all of them, or none.
func (db *DB) Append(ctx context.Context, evs ...*rulebook.Event) error {
	a, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	for _, e := range evs {
		if err := a.Add(e); err != nil {
			a.Rollback()
			return err
		}
	}
	return a.Commit()
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryEvents(ctx context.Context, q querier, where string, args ...any) ([]rulebook.Event, error) {
	// The personal fields come with their event in one query; the derived table
	// renames its columns so that the caller's conditions (on seq, id, subject…)
	// name the event's.
	rows, err := q.QueryContext(ctx, `SELECT `+eventCols+`, p.psalt, p.pdata FROM events
		LEFT JOIN (SELECT seq AS pseq, salt AS psalt, data AS pdata FROM personal) p ON p.pseq = events.seq `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rulebook.Event
	var salt, personal []byte
	for rows.Next() {
		var e rulebook.Event
		if err := scanEvent(rows, &e, &salt, &personal); err != nil {
			return nil, err
		}
		if err := openPersonal(&e, salt, personal); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// queryStored reads events as stored: personal fields held apart are left out.
func queryStored(ctx context.Context, q querier, where string, args ...any) ([]rulebook.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+eventCols+` FROM events `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rulebook.Event
	for rows.Next() {
		var e rulebook.Event
		if err := scanEvent(rows, &e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// openPersonal puts back into an event the personal fields held apart from it,
// checked against the commitment its stored data holds; an event whose fields
// were erased (none held) reads without them, marked Erased.
func openPersonal(e *rulebook.Event, salt, personal []byte) error {
	return openPersonalChecked(e, salt, personal, false)
}

// openPersonalChecked is openPersonal, without checking the fields against
// the event's commitment again if checked (see rulebook.OpenCheckedPersonal).
func openPersonalChecked(e *rulebook.Event, salt, personal []byte, checked bool) error {
	if !rulebook.HasPersonal(e.Data) {
		return nil
	}
	if personal == nil {
		e.Stored, e.Data, e.Erased = e.Data, rulebook.ErasedData(e.Data), true
		return nil
	}
	open := rulebook.OpenPersonal
	if checked {
		open = func(stored, _, personal []byte) (json.RawMessage, error) {
			return rulebook.OpenCheckedPersonal(stored, personal)
		}
	}
	full, err := open(e.Data, salt, personal)
	if err != nil {
		return rulebook.Errorf(rulebook.ETampered, "event %s (seq %d): %v", e.ID, e.Seq, err)
	}
	e.Stored, e.Data = e.Data, full
	return nil
}

// salt returns the salt of the event id's personal fields.
func (a *Appender) salt(id string) []byte {
	h := sha256.New()
	h.Write(a.seed[:])
	h.Write([]byte(id))
	return h.Sum(nil)[:16]
}

// scanEvent reads a row of eventCols, and then into more (the personal fields).
func scanEvent(rows *sql.Rows, e *rulebook.Event, more ...any) error {
	var eff, rec int64
	var data, prev, hash []byte
	if err := rows.Scan(append([]any{&e.Seq, &e.ID, &e.Type, &e.Subject, &eff, &rec, &e.Actor, &data, &prev, &hash}, more...)...); err != nil {
		return err
	}
	e.Effective = rulebook.Date(eff)
	e.Recorded = time.UnixMicro(rec).UTC()
	e.Data = json.RawMessage(data)
	copy(e.PrevHash[:], prev)
	copy(e.Hash[:], hash)
	return nil
}

// EventFilter selects events; zero fields select everything.
type EventFilter struct {
	Subject  string
	Type     string
	AfterSeq int64
	Limit    int
}

// Events returns events in stored order.
func (db *DB) Events(ctx context.Context, f EventFilter) ([]rulebook.Event, error) {
	var conds []string
	var args []any
	if f.Subject != "" {
		args = append(args, f.Subject)
		conds = append(conds, fmt.Sprintf("subject = $%d", len(args)))
	}
	if f.Type != "" {
		args = append(args, f.Type)
		conds = append(conds, fmt.Sprintf("type = $%d", len(args)))
	}
	if f.AfterSeq > 0 {
		args = append(args, f.AfterSeq)
		conds = append(conds, fmt.Sprintf("seq > $%d", len(args)))
	}
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, " AND ")
	}
	where += " ORDER BY seq"
	if f.Limit > 0 {
		where += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return queryEvents(ctx, db.r, where, args...)
}

// Event returns one event by id.
func (db *DB) Event(ctx context.Context, id string) (*rulebook.Event, error) {
	evs, err := queryEvents(ctx, db.r, `WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, rulebook.Errorf(rulebook.ENotFound, "no event %q", id)
	}
	return &evs[0], nil
}

// VerifyResult is the outcome of walking the whole chain.
type VerifyResult struct {
	Events  int64             `json:"events"`
	Head    rulebook.Hash     `json:"head"`
	OK      bool              `json:"ok"`
	Problem *rulebook.Problem `json:"problem,omitempty"`
	// Faults are defences of the record found missing (a dropped append-only
	// trigger): the record may still verify, but nothing stops a rewrite.
	Faults []string `json:"faults,omitempty"`
	// Unproven says what a walk of the chain cannot prove on its own.
	Unproven string `json:"unproven,omitempty"`
	// AccessEntries is how many access-log entries verified, and AccessHead the
	// hash of the last; an entry deleted, edited or moved is one of the Faults.
	AccessEntries int64         `json:"access_entries"`
	AccessHead    rulebook.Hash `json:"access_head"`
	// committed are the seqs of the events whose data commits to personal fields
	// held apart, gathered by the walk for the check of those fields.
	committed commitments
}

// commitment is an event's commitment to the personal fields held apart.
type commitment struct {
	seq int64
	h   rulebook.Hash
	// rng is the range of the digest check the sealed joining of a member was
	// summed in, if any (see joiningPass), else -1.
	rng int32
}

// commitments are the walk's commitments in order, in chunks of a fixed size:
// a million of them are 48 MB, which a slice grown by doubling allocated
// about twice over, and the stretches' slices were then copied into one.
type commitments struct{ chunks [][]commitment }

// commitChunk is how many commitments a chunk holds (3 MiB).
const commitChunk = 1 << 16

func (c *commitments) add(x commitment) {
	if n := len(c.chunks); n == 0 || len(c.chunks[n-1]) == commitChunk {
		c.chunks = append(c.chunks, make([]commitment, 0, commitChunk))
	}
	last := &c.chunks[len(c.chunks)-1]
	*last = append(*last, x)
}

// then appends the commitments of o, which follow c's, taking its chunks.
func (c *commitments) then(o *commitments) {
	c.chunks = append(c.chunks, o.chunks...)
	o.chunks = nil
}

// commitCursor reads commitments in order.
type commitCursor struct {
	c     *commitments
	chunk int
	i     int
}

// at returns the commitment under the cursor, or nil past the last.
func (k *commitCursor) at() *commitment {
	for k.chunk < len(k.c.chunks) && k.i == len(k.c.chunks[k.chunk]) {
		k.chunk, k.i = k.chunk+1, 0
	}
	if k.chunk == len(k.c.chunks) {
		return nil
	}
	return &k.c.chunks[k.chunk][k.i]
}

// next moves the cursor past the commitment at it.
func (k *commitCursor) next() { k.i++ }

// Unproven is what verifying the chain alone cannot prove: the chain is rebuilt by
// anyone who rewrites it, so only a head kept outside the database (a checkpoint)
// shows that nothing was cut from the end or rewritten and chained again.
const Unproven = "the hash chain shows the events are intact and in order, but not that none were cut from the end or that the record was not rewritten and chained again: compare the head with one kept outside the database"

// Guards reports the record's defences that are missing: the triggers that refuse
// updates and deletes of events, of the access log and of the stored checkpoints.
func (db *DB) Guards(ctx context.Context) ([]string, error) {
	want := []string{"events_no_update", "events_no_delete", "personal_no_update"}
	q := `SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('events', 'personal')`
	if db.dialect == "postgres" {
		want = []string{"events_no_update", "events_no_truncate", "personal_no_update"}
		// A disabled trigger (tgenabled = 'D') defends nothing.
		q = `SELECT tgname FROM pg_trigger WHERE tgrelid IN ('events'::regclass, 'personal'::regclass) AND NOT tgisinternal AND tgenabled <> 'D'`
	}
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		have[n] = true
	}
	var faults []string
	for _, n := range want {
		if have[n] {
			continue
		}
		if strings.HasPrefix(n, "personal") {
			faults = append(faults, fmt.Sprintf("the trigger %s, which keeps the personal data held apart from being changed (it may only be erased), is missing or disabled", n))
		} else {
			faults = append(faults, fmt.Sprintf("the trigger %s, which keeps events from being changed or deleted, is missing or disabled", n))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	more, err := db.tableGuards(ctx)
	return append(faults, more...), err
}

// Verify walks the record in stored order and reports the first event that was
// tampered with, is missing, or is out of order. progress, if not nil, is called now
// and then with the count so far. It walks the access log's chain meanwhile, and
// reports the first entry deleted, edited or moved as a fault.
//
// A large record is checked in stretches on every core at once, each from its own
// connection, and the stretches' ends are then checked to join; if anything is
// wrong the whole record is walked again in order, so that the problem reported is
// exactly the first one a single walk finds.
func (db *DB) Verify(ctx context.Context, progress func(n int64)) (*VerifyResult, error) {
	// The access log's chain is walked beside the record's.
	accessc := make(chan error, 1)
	var access *accessCheck
	go func() {
		var err error
		access, err = db.verifyAccess(ctx)
		accessc <- err
	}()
	res, err := db.verifyChain(ctx, progress)
	// The members' side of a check beside the verify starts once the walk has
	// found the sealed joinings.
	jp, _ := ctx.Value(joiningPassKey{}).(*joiningPass)
	if jp != nil && err == nil && res.OK && jp.walked != nil {
		jp.walked()
	}
	if aerr := <-accessc; err == nil {
		err = aerr
	}
	if err != nil {
		return nil, err
	}
	if res.Faults, err = db.Guards(ctx); err != nil {
		return nil, err
	}
	books, err := db.ruleBookFaults(ctx)
	if err != nil {
		return nil, err
	}
	res.Faults = append(res.Faults, books...)
	res.AccessEntries, res.AccessHead = access.n, access.head
	if access.fault != "" {
		res.Faults = append(res.Faults, access.fault)
	}
	if res.OK {
		// The sealed joinings' rows of personal are summed for a check beside
		// the verify once checked against their commitments (see joiningPass).
		var joined func(rng int32, seq int64, data []byte)
		done := func() {}
		if jp != nil {
			joined, done = jp.personalSummer()
		}
		open := subjectCaptureFrom(ctx).opener()
		if jp != nil {
			open = bothOpeners(open, jp.updates.opener())
		}
		personal, err := db.personalFaults(ctx, &res.committed, open, joined)
		if err != nil {
			return nil, err
		}
		done()
		res.Faults = append(res.Faults, personal...)
	}
	if len(res.Faults) > 0 {
		res.OK = false
	}
	res.Unproven = Unproven
	return res, nil
}

func (db *DB) verifyChain(ctx context.Context, progress func(n int64)) (*VerifyResult, error) {
	// The events are numbered from 1 without gaps (the appender numbers each
	// after the last, under the write lock): the last seq says how many there
	// are, read from the key at once, where counting them took 170 ms of a
	// million. A record with gaps is walked in stretches all the same, and the
	// stretches do not join up or come to that many; it is then walked in
	// order, which names the fault.
	var maxSeq int64
	if err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events`).Scan(&maxSeq); err != nil {
		return nil, err
	}
	workers := runtime.GOMAXPROCS(0)
	if workers > 4 {
		workers = 4
	}
	if workers < 2 || maxSeq < parallelVerifyMin {
		return db.verifyRange(ctx, 1, maxSeq, nil, progress)
	}
	var done atomic.Int64
	report := func(n int64) {
		if progress != nil {
			progress(done.Add(n))
		}
	}
	parts := make([]*stretch, workers)
	var wg sync.WaitGroup
	per := maxSeq / int64(workers)
	for w := 0; w < workers; w++ {
		lo, hi := int64(w)*per+1, int64(w+1)*per
		if w == workers-1 {
			hi = maxSeq
		}
		st := &stretch{lo: lo}
		parts[w] = st
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.res, st.err = db.verifyRange(ctx, lo, hi, st, report)
		}()
	}
	wg.Wait()
	ok := true
	var total int64
	for i, st := range parts {
		if st.err != nil {
			return nil, st.err
		}
		if !st.res.OK || (i > 0 && st.firstPrev != parts[i-1].res.Head) {
			ok = false
		}
		total += st.res.Events
	}
	if ok && total == maxSeq {
		res := &VerifyResult{Events: total, Head: parts[len(parts)-1].res.Head, OK: true}
		for _, st := range parts {
			res.committed.then(&st.res.committed)
		}
		return res, nil
	}
	// The walk in order counts the joinings afresh.
	if jp, _ := ctx.Value(joiningPassKey{}).(*joiningPass); jp != nil {
		jp.reset()
	}
	if c := subjectCaptureFrom(ctx); c != nil {
		c.reset()
	}
	return db.verifyRange(ctx, 1, maxSeq, nil, nil)
}

// parallelVerifyMin is the smallest record verified in parallel stretches.
var parallelVerifyMin int64 = 200_000

// stretch is one part of a parallel verification; firstPrev is the previous-hash its
// first event names, to be checked against the end of the stretch before it.
type stretch struct {
	lo        int64
	firstPrev rulebook.Hash
	res       *VerifyResult
	err       error
}

// verifyQuery reads what the hash covers in few columns: the text fields joined by
// the unit separator (0x1f), which no id, type, subject or actor may contain and
// which JSON escapes, so the driver converts six values a row rather than ten.
func (db *DB) verifyQuery() string {
	chr := "char(31)"
	if db.dialect == "postgres" {
		chr = "chr(31)"
	}
	// The two hashes (32 bytes each) lead one blob, and the text fields follow it:
	// four values a row for the driver to convert instead of ten.
	if db.dialect == "postgres" {
		return `SELECT seq, effective, recorded, prev_hash || hash || convert_to(concat_ws(` + chr + `, id, type, subject, actor, data), 'UTF8') FROM events WHERE seq >= $1 AND seq <= $2 ORDER BY seq`
	}
	return `SELECT seq, effective, recorded, CAST(prev_hash || hash || concat_ws(` + chr + `, id, type, subject, actor, data) AS BLOB) FROM events WHERE seq >= $1 AND seq <= $2 ORDER BY seq`
}

// splitHashes cuts the verify query's blob into the previous hash, the hash and the
// text fields; ok is false if it is too short to hold two hashes.
func splitHashes(b []byte, row *verifyRow) bool {
	if len(b) < 64 {
		row.prev, row.hash, row.text = nil, nil, b
		return false
	}
	row.prev, row.hash, row.text = b[:32], b[32:64], b[64:]
	return true
}

// verifyRow is one row of the verify query: seq, effective, recorded, prev_hash,
// hash, and the joined text fields.
type verifyRow struct {
	seq, eff, rec    int64
	prev, hash, text []byte
}

func (db *DB) verifyRange(ctx context.Context, lo, hi int64, st *stretch, progress func(n int64)) (*VerifyResult, error) {
	if db.dialect == "postgres" {
		return db.verifyRangePG(ctx, lo, hi, st, progress)
	}
	rows, err := db.r.QueryContext(ctx, db.verifyQuery(), lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var row verifyRow
	var blob sql.RawBytes
	next := func() (bool, error) {
		if !rows.Next() {
			return false, rows.Err()
		}
		if err := rows.Scan(&row.seq, &row.eff, &row.rec, &blob); err != nil {
			return false, err
		}
		splitHashes(blob, &row)
		return true, nil
	}
	return db.verifyRows(ctx, lo, st, progress, &row, next)
}

// verifyRangePG reads the rows through pgx directly: its raw values avoid the
// conversions database/sql makes for every column of every row.
func (db *DB) verifyRangePG(ctx context.Context, lo, hi int64, st *stretch, progress func(n int64)) (*VerifyResult, error) {
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var res *VerifyResult
	err = withPgx(conn, func(pc *pgx.Conn) error {
		rows, err := pc.Query(ctx, db.verifyQuery(), lo, hi)
		if err != nil {
			return err
		}
		defer rows.Close()
		fds := rows.FieldDescriptions()
		var row verifyRow
		next := func() (bool, error) {
			if !rows.Next() {
				return false, rows.Err()
			}
			v := rows.RawValues()
			if len(v) != 4 {
				return false, fmt.Errorf("verify: %d columns", len(v))
			}
			var err error
			for i, dst := range []*int64{&row.seq, &row.eff, &row.rec} {
				if *dst, err = pgInt(v[i], fds[i].Format); err != nil {
					return false, err
				}
			}
			b, err := pgBytea(v[3], fds[3].Format)
			if err != nil {
				return false, err
			}
			splitHashes(b, &row)
			return true, nil
		}
		res, err = db.verifyRows(ctx, lo, st, progress, &row, next)
		return err
	})
	return res, err
}

// pgInt decodes an integer column in either wire format.
func pgInt(b []byte, format int16) (int64, error) {
	if format == 1 {
		switch len(b) {
		case 2:
			return int64(int16(binary.BigEndian.Uint16(b))), nil
		case 4:
			return int64(int32(binary.BigEndian.Uint32(b))), nil
		case 8:
			return int64(binary.BigEndian.Uint64(b)), nil
		}
		return 0, fmt.Errorf("verify: integer of %d bytes", len(b))
	}
	return strconv.ParseInt(string(b), 10, 64)
}

// pgBytea decodes a bytea column in either wire format.
func pgBytea(b []byte, format int16) ([]byte, error) {
	if format == 1 {
		return b, nil
	}
	s := strings.TrimPrefix(string(b), `\x`)
	return hex.DecodeString(s)
}

// verifyRows checks rows produced by next (which fills row) against the chain.
func (db *DB) verifyRows(ctx context.Context, lo int64, st *stretch, progress func(n int64), row *verifyRow, next func() (bool, error)) (*VerifyResult, error) {
	v := rulebook.NewVerifier()
	v.Lookup = func(h rulebook.Hash, before int64) (int64, bool) {
		var seq int64
		err := db.r.QueryRowContext(ctx, `SELECT seq FROM events WHERE hash = $1 AND seq < $2 ORDER BY seq LIMIT 1`, h[:], before).Scan(&seq)
		return seq, err == nil
	}
	var r rulebook.RawEvent
	var parts [5][]byte
	var committed commitments
	// A check of the projection beside the verify sums the joinings as they
	// pass (see joiningPass).
	var joinings *digestSide
	var jh *joiningHasher
	var cur *rangeCursor
	jp, _ := ctx.Value(joiningPassKey{}).(*joiningPass)
	if jp != nil {
		joinings, jh, cur = &digestSide{sums: make([]digest, len(jp.dr.ranges))}, newJoiningHasher(jp.key), &rangeCursor{dr: jp.dr}
		defer jp.merge(joinings)
	}
	// And keeps the events a check after it replays (see SubjectCapture).
	kept := &capturePart{}
	capt := subjectCaptureFrom(ctx)
	if capt != nil {
		defer func() { capt.add(lo, kept) }()
	}
	first, since := true, int64(0)
	for {
		ok, err := next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		r.Seq, r.Effective, r.RecordedUs = row.seq, row.eff, row.rec
		var p *rulebook.Problem
		fast := len(row.prev) == 32 && len(row.hash) == 32 && splitUnit(row.text, &parts)
		if fast {
			copy(r.PrevHash[:], row.prev)
			copy(r.Hash[:], row.hash)
			r.ID, r.Type, r.Subject, r.Actor, r.Data = parts[0], parts[1], parts[2], parts[3], parts[4]
			if first && st != nil {
				// A stretch trusts its first link here; Verify checks the joins.
				st.firstPrev = r.PrevHash
				if lo > 1 {
					v.StartAfter(lo-1, r.PrevHash, "")
				}
			}
			saved := *v
			if p = v.NextRaw(&r); p != nil {
				// Diagnose on the event read whole, from the state before it.
				*v, fast = saved, false
			}
		}
		if !fast {
			// As stored: the personal fields held apart are checked after the walk.
			evs, err := queryStored(ctx, db.r, `WHERE seq = $1`, r.Seq)
			if err != nil || len(evs) != 1 {
				return nil, fmt.Errorf("re-reading event at seq %d: %v", r.Seq, err)
			}
			if first && st != nil && p == nil {
				st.firstPrev = evs[0].PrevHash
				if lo > 1 {
					v.StartAfter(lo-1, evs[0].PrevHash, "")
				}
			}
			p = v.Next(&evs[0])
			if p == nil {
				// Only an edit made outside rulebook puts a separator in a field or
				// a hash of the wrong length.
				p = &rulebook.Problem{EventID: evs[0].ID, Seq: r.Seq, Kind: "tampered", Message: "a field holds the unit separator (0x1f), or a hash is not 32 bytes: rulebook writes neither"}
			}
		}
		first = false
		if p != nil {
			return &VerifyResult{Events: v.Count(), Head: v.Head(), Problem: p}, nil
		}
		rng := int32(-1)
		if joinings != nil && bytes.IndexByte(r.Subject, '/') < 0 {
			rng = joinings.note(jp, jh, cur, &r)
		}
		if capt != nil {
			capt.keep(kept, &r)
		}
		if rulebook.HasPersonal(r.Data) {
			h, _ := rulebook.StoredCommitment(r.Data)
			committed.add(commitment{r.Seq, h, rng})
		}
		if since++; since == 1<<16 {
			if progress != nil {
				progress(since)
			}
			since = 0
		}
	}
	if p := v.Finish(); p != nil {
		return &VerifyResult{Events: v.Count(), Head: v.Head(), Problem: p}, nil
	}
	return &VerifyResult{Events: v.Count(), Head: v.Head(), OK: true, committed: committed}, nil
}

// splitUnit splits b at the four unit separators it must hold.
func splitUnit(b []byte, parts *[5][]byte) bool {
	for i := 0; i < 4; i++ {
		k := bytes.IndexByte(b, 0x1f)
		if k < 0 {
			return false
		}
		parts[i], b = b[:k], b[k+1:]
	}
	parts[4] = b
	return bytes.IndexByte(b, 0x1f) < 0
}

// EventHashes returns every event's chain hash, in order: the leaves of the
// record's Merkle tree (package checkpoint).
func (db *DB) EventHashes(ctx context.Context) ([]rulebook.Hash, error) {
	return db.EventHashesAfter(ctx, 0)
}

// EventHashesAfter returns the chain hashes of the events after seq, in order, so
// a tree kept in memory can grow with the record.
func (db *DB) EventHashesAfter(ctx context.Context, seq int64) ([]rulebook.Hash, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT hash FROM events WHERE seq > $1 ORDER BY seq`, seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rulebook.Hash
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var h rulebook.Hash
		copy(h[:], b)
		out = append(out, h)
	}
	return out, rows.Err()
}

// checkData holds every event to the limits on what is kept for ever, whichever
// path wrote it: valid UTF-8, at most rulebook.MaxEventLen bytes, and no string
// longer than rulebook.MaxTextLen characters can be (4 bytes each). It scans the
// JSON once, cheaply.
func checkData(b []byte) error {
	if len(b) > rulebook.MaxEventLen {
		return fmt.Errorf("its data is %d bytes; at most %d are kept", len(b), rulebook.MaxEventLen)
	}
	if !utf8.Valid(b) {
		return fmt.Errorf("its data is not valid UTF-8")
	}
	in, esc, start := false, false, 0
	for i, c := range b {
		switch {
		case esc:
			esc = false
		case in && c == '\\':
			esc = true
		case c == '"':
			if in && i-start > 4*rulebook.MaxTextLen {
				return fmt.Errorf("a text in it is %d bytes long; at most %d are kept", i-start, 4*rulebook.MaxTextLen)
			}
			in, start = !in, i+1
		}
	}
	return nil
}
