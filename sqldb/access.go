package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
)

// Access is one entry of the access log: who looked at or did what. The log is
// chained like the record (rulebook.AccessHash): each entry's hash covers the
// entry before it, so an entry deleted, edited or moved breaks the chain.
type Access struct {
	// ID is the entry's place in the log (set when it is stored).
	ID      int64     `json:"id,omitempty"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Subject string    `json:"subject"`
	Detail  string    `json:"detail,omitempty"`
	// Erased says the entry's actor, subject and detail were erased at the end
	// of the retention period the rule book gives the access log.
	Erased bool `json:"erased,omitempty"`
}

// accessLock is the PostgreSQL advisory lock the access log's writers take to read
// its head and chain after it; it is not the record's (72708), so reads logged
// never wait behind a write to the record.
const accessLock = 72709

// accessRowsPerInsert keeps an insert of entries well under both engines'
// parameter limits.
const accessRowsPerInsert = 500

// LogAccess stores entries at the end of the access log, chained, in one
// transaction: all of them or none. An entry's At is now if zero. Reads of personal
// and disciplinary data are logged as well as changes; the application queues them
// and stores them in batches (app.App), so that a read never waits for the writer.
func (db *DB) LogAccess(ctx context.Context, entries ...Access) error {
	if len(entries) == 0 {
		return nil
	}
	// One connection for the transaction, so that PostgreSQL's COPY runs inside it.
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.dialect == "postgres" {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, accessLock); err != nil {
			return err
		}
	}
	// The head is read holding the writer's lock (SQLite's immediate transaction,
	// PostgreSQL's advisory lock), so two writers never fork the chain.
	id, prev, err := accessHead(ctx, tx)
	if err != nil {
		return err
	}
	now := db.Now()
	// Each entry's row, chained: (id, at, actor, action, subject, detail,
	// prev_hash, hash).
	row := func(a Access) []any {
		if a.At.IsZero() {
			a.At = now
		}
		id++
		at := a.At.UnixMicro()
		h := rulebook.AccessHash(id, at, a.Actor, a.Action, a.Subject, a.Detail, prev)
		p := prev
		prev = h
		return []any{id, at, a.Actor, a.Action, a.Subject, a.Detail, p[:], h[:]}
	}
	if db.dialect == "postgres" {
		// COPY rather than a multi-row INSERT: a batch of a few hundred reads'
		// entries as one statement of thousands of parameters, parsed and planned
		// afresh for each batch size, cost the server more than the reads did.
		if err := copyAccess(ctx, conn, entries, row); err != nil {
			return err
		}
	} else {
		for off := 0; off < len(entries); off += accessRowsPerInsert {
			part := entries[off:min(off+accessRowsPerInsert, len(entries))]
			var q strings.Builder
			q.WriteString(`INSERT INTO access_log (id, at, actor, action, subject, detail, prev_hash, hash) VALUES `)
			args := make([]any, 0, 8*len(part))
			for i, a := range part {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?,?,?,?,?,?,?,?)")
				args = append(args, row(a)...)
			}
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if f := db.onCommit.Load(); f != nil {
		(*f)()
	}
	return nil
}

// accessHead returns the id and hash of the access log's last entry (0 and the
// zero hash when it is empty).
func accessHead(ctx context.Context, tx *sql.Tx) (int64, rulebook.Hash, error) {
	var id int64
	var b []byte
	var h rulebook.Hash
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM access_log ORDER BY id DESC LIMIT 1`).Scan(&id, &b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, h, nil
	}
	copy(h[:], b)
	return id, h, err
}

// AccessLog returns the most recent access-log entries, newest first.
func (db *DB) AccessLog(ctx context.Context, subject string, limit int) ([]Access, error) {
	q := `SELECT id, at, actor, action, subject, detail, erased FROM access_log`
	args := []any{}
	if subject != "" {
		q += ` WHERE subject = $1`
		args = append(args, subject)
	}
	q += ` ORDER BY id DESC`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Access
	for rows.Next() {
		var a Access
		var at int64
		var erased int64
		if err := rows.Scan(&a.ID, &at, &a.Actor, &a.Action, &a.Subject, &a.Detail, &erased); err != nil {
			return nil, err
		}
		a.At, a.Erased = time.UnixMicro(at).UTC(), erased != 0
		out = append(out, a)
	}
	return out, rows.Err()
}

// AccessHashes returns every access-log entry's chain hash, in order: the leaves of
// the access log's Merkle tree (package checkpoint).
func (db *DB) AccessHashes(ctx context.Context) ([]rulebook.Hash, error) {
	hs, _, err := db.AccessHashesAfter(ctx, 0)
	return hs, err
}

// AccessHashesAfter returns the chain hashes of the entries after the one with id
// after, in order, and the id of the last of them (after, if none), so a tree kept
// in memory can grow with the log.
func (db *DB) AccessHashesAfter(ctx context.Context, after int64) ([]rulebook.Hash, int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, hash FROM access_log WHERE id > $1 ORDER BY id`, after)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	var out []rulebook.Hash
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&after, &b); err != nil {
			return nil, after, err
		}
		var h rulebook.Hash
		copy(h[:], b)
		out = append(out, h)
	}
	return out, after, rows.Err()
}

// AccessEntryAt returns the entry at position i (from 0) of the access log, in
// order: the leaf i of its tree.
func (db *DB) AccessEntryAt(ctx context.Context, i int64) (*Access, error) {
	var a Access
	var at, erased int64
	err := db.r.QueryRowContext(ctx, `SELECT id, at, actor, action, subject, detail, erased FROM access_log ORDER BY id LIMIT 1 OFFSET $1`, i).
		Scan(&a.ID, &at, &a.Actor, &a.Action, &a.Subject, &a.Detail, &erased)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rulebook.Errorf(rulebook.ENotFound, "the access log holds fewer than %d entries", i+1)
	}
	a.At, a.Erased = time.UnixMicro(at).UTC(), erased != 0
	return &a, err
}

// accessCheck is the outcome of walking the access log's chain.
type accessCheck struct {
	n     int64
	head  rulebook.Hash
	fault string
}

// verifyAccess walks the access log in order and reports the first entry deleted,
// edited or moved, naming it (or its neighbours, for one deleted) by id and time.
func (db *DB) verifyAccess(ctx context.Context) (*accessCheck, error) {
	// Read before the log, so that an erasure committed meanwhile is seen
	// whenever the entries it erased are.
	through, err := db.accessErasedThrough(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, at, prev_hash, hash, actor, action, subject, detail, erased FROM access_log ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := &accessCheck{}
	var (
		id, at, erased                              int64
		prevHash, hash, actor, action, subj, detail sql.RawBytes
		buf                                         []byte
		last                                        *accessRow
		storedPrev                                  rulebook.Hash
	)
	for rows.Next() {
		if err := rows.Scan(&id, &at, &prevHash, &hash, &actor, &action, &subj, &detail, &erased); err != nil {
			return nil, err
		}
		copy(storedPrev[:], prevHash)
		linked := len(prevHash) == 32 && storedPrev == res.head
		intact := false
		if erased != 0 {
			// Its content is gone, so its hash cannot be worked out again: it
			// stands if it is chained, an erasure recorded in the chain reaches
			// it, and nothing of it is left. A checkpoint covering it holds its
			// hash as a leaf, so a hash changed since is caught there.
			fault := ""
			switch {
			case id > through:
				fault = fmt.Sprintf("is marked erased, but no erasure of the access log recorded in the chain reaches it (the furthest reaches entry %d): the entry was hidden in the database", through)
			case len(actor)+len(subj)+len(detail) > 0:
				fault = "is marked erased, but still holds who, about whom or the detail"
			}
			if fault != "" {
				r := &accessRow{id: id, at: at}
				res.fault = r.name() + " " + fault
				return res, nil
			}
			intact = linked && len(hash) == 32
		} else if linked {
			buf = rulebook.AppendAccessCanonical(buf[:0], id, at, []byte(actor), []byte(action), []byte(subj), []byte(detail), &storedPrev)
			intact = len(hash) == 32 && sha256.Sum256(buf) == rulebook.Hash(hash)
		}
		if intact {
			res.n++
			copy(res.head[:], hash)
			if last == nil {
				last = &accessRow{}
			}
			last.id, last.at = id, at
			continue
		}
		row := &accessRow{id: id, at: at, actor: string(actor), action: string(action), subject: string(subj), detail: string(detail), erased: erased != 0}
		copy(row.prev[:], prevHash)
		copy(row.hash[:], hash)
		row.badLen = len(prevHash) != 32 || len(hash) != 32
		rows.Close()
		if res.fault, err = db.diagnoseAccess(ctx, row, last); err != nil {
			return nil, err
		}
		return res, nil
	}
	return res, rows.Err()
}

// accessErasedThrough returns the last access-log entry any erasure of the
// access log recorded in the chain reaches (0 if none does).
func (db *DB) accessErasedThrough(ctx context.Context) (int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT data FROM events WHERE subject = $1 AND type = $2`,
		rulebook.ErasureSubjectPrefix+rulebook.AccessLogErasure, rulebook.EventErased)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var through int64
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return 0, err
		}
		var er rulebook.Erasure
		// One that cannot be read allows nothing: the chain's own check names
		// an event edited in the database.
		if json.Unmarshal(data, &er) == nil && er.Subject == rulebook.AccessLogErasure {
			through = max(through, er.AccessThrough)
		}
	}
	return through, rows.Err()
}

// accessRow is one entry read in full, to say what is wrong with it.
type accessRow struct {
	id, at                         int64
	actor, action, subject, detail string
	prev, hash                     rulebook.Hash
	badLen                         bool
	// erased entries cannot be hashed again.
	erased bool
}

func (r *accessRow) name() string {
	return fmt.Sprintf("access-log entry %d (at %s)", r.id, time.UnixMicro(r.at).UTC().Format(time.RFC3339Nano))
}

func (r *accessRow) hashAs(id int64) rulebook.Hash {
	return rulebook.AccessHash(id, r.at, r.actor, r.action, r.subject, r.detail, r.prev)
}

// diagnoseAccess says what broke the chain at r, which last (nil at the start)
// was stored before.
func (db *DB) diagnoseAccess(ctx context.Context, r, last *accessRow) (string, error) {
	if r.badLen {
		return r.name() + " was tampered with: its hashes are not 32 bytes (unchained, or edited in the database)", nil
	}
	if !r.erased && r.hashAs(r.id) != r.hash {
		// Hashed for another place: moved (its id changed) rather than edited.
		for k := int64(1); k <= 64; k++ {
			for _, other := range []int64{r.id - k, r.id + k} {
				if other > 0 && r.hashAs(other) == r.hash {
					return fmt.Sprintf("%s was moved: it was chained as entry %d (the log was reordered)", r.name(), other), nil
				}
			}
		}
		return r.name() + " was edited: its content no longer matches its hash", nil
	}
	// Intact itself, but not chained after the entry stored before it.
	if r.prev == (rulebook.Hash{}) {
		if last != nil {
			return fmt.Sprintf("%s was chained as the first entry, but entries are stored before it (the last %s): they were added outside the chain", r.name(), last.name()), nil
		}
	}
	var xid, xat int64
	err := db.r.QueryRowContext(ctx, `SELECT id, at FROM access_log WHERE hash = $1 ORDER BY id LIMIT 1`, r.prev[:]).Scan(&xid, &xat)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	x := &accessRow{id: xid, at: xat}
	switch {
	case found && xid > r.id:
		return fmt.Sprintf("%s is stored before %s, the entry it was chained after: the log was reordered", r.name(), x.name()), nil
	case found:
		// Chained right after x, yet entries are stored between them, the last
		// of them chained in turn: those were put in afterwards.
		return fmt.Sprintf("%s was chained right after %s, but other entries are stored between them (the last %s): they were inserted afterwards, or the log was reordered", r.name(), x.name(), last.name()), nil
	case last == nil:
		return fmt.Sprintf("the access-log entries before %s were deleted", r.name()), nil
	case r.id > last.id+1:
		return fmt.Sprintf("the access-log entries between %s and %s were deleted (ids %d to %d)", last.name(), r.name(), last.id+1, r.id-1), nil
	}
	return fmt.Sprintf("%s was not chained after the entry stored before it, %s: that entry was altered and re-hashed, or the entries between them were deleted", r.name(), last.name()), nil
}

// chainAccessLog is the Go half of migration 9: it chains the entries the access
// log already holds, in order, in the migration's transaction, before the
// triggers that keep the log append-only are created.
func chainAccessLog(ctx context.Context, tx *sql.Tx, dialect string) error {
	upd, err := tx.PrepareContext(ctx, `UPDATE access_log SET prev_hash = $1, hash = $2 WHERE id = $3`)
	if err != nil {
		return err
	}
	defer upd.Close()
	var prev rulebook.Hash
	var after int64
	for {
		rows, err := tx.QueryContext(ctx, `SELECT id, at, actor, action, subject, detail FROM access_log WHERE id > $1 ORDER BY id LIMIT 5000`, after)
		if err != nil {
			return err
		}
		var part []accessRow
		for rows.Next() {
			var r accessRow
			if err := rows.Scan(&r.id, &r.at, &r.actor, &r.action, &r.subject, &r.detail); err != nil {
				rows.Close()
				return err
			}
			part = append(part, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(part) == 0 {
			break
		}
		for _, r := range part {
			h := rulebook.AccessHash(r.id, r.at, r.actor, r.action, r.subject, r.detail, prev)
			if _, err := upd.ExecContext(ctx, prev[:], h[:], r.id); err != nil {
				return fmt.Errorf("chaining access-log entry %d: %w", r.id, err)
			}
			prev, after = h, r.id
		}
	}
	_, err = tx.ExecContext(ctx, appendOnlyTriggers[dialect])
	return err
}

// appendOnlyTriggers keep the access log and the stored checkpoints append-only, as
// migration 1's keep the events (created by migration 9 once the log is chained).
var appendOnlyTriggers = map[string]string{
	"sqlite": `
		CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
			BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
		CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
			BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
		CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
			BEGIN SELECT RAISE(ABORT, 'the stored checkpoints are append-only'); END;
		CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
			BEGIN SELECT RAISE(ABORT, 'the stored checkpoints are append-only'); END;`,
	"postgres": `
		CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'the table % is append-only', TG_TABLE_NAME; END $$;
		CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log
			FOR EACH ROW EXECUTE FUNCTION append_only();
		CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
			FOR EACH STATEMENT EXECUTE FUNCTION append_only();
		CREATE TRIGGER checkpoints_no_update BEFORE UPDATE OR DELETE ON checkpoints
			FOR EACH ROW EXECUTE FUNCTION append_only();
		CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
			FOR EACH STATEMENT EXECUTE FUNCTION append_only();`,
}

// guarded lists, by table, the triggers that keep it append-only, by engine, and
// what they keep from happening (Guards checks the events' own).
var guarded = []struct {
	table, what      string
	sqlite, postgres []string
}{
	{"access_log", "keeps the access log from being changed or deleted", []string{"access_log_no_update", "access_log_no_delete"}, []string{"access_log_no_update", "access_log_no_truncate"}},
	{"checkpoints", "keeps the stored checkpoints from being changed or deleted", []string{"checkpoints_no_update", "checkpoints_no_delete"}, []string{"checkpoints_no_update", "checkpoints_no_truncate"}},
}

// tableGuards reports the append-only triggers of the access log and the stored
// checkpoints that are missing or disabled (Guards reports the events').
func (db *DB) tableGuards(ctx context.Context) ([]string, error) {
	q := `SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'`
	if db.dialect == "postgres" {
		// A disabled trigger (tgenabled = 'D') defends nothing.
		q = `SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'`
	}
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[[2]string]bool{}
	for rows.Next() {
		var tbl, n string
		if err := rows.Scan(&tbl, &n); err != nil {
			return nil, err
		}
		have[[2]string{tbl, n}] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var faults []string
	for _, g := range guarded {
		want := g.sqlite
		if db.dialect == "postgres" {
			want = g.postgres
		}
		for _, n := range want {
			if !have[[2]string{g.table, n}] {
				faults = append(faults, fmt.Sprintf("the trigger %s, which %s, is missing or disabled", n, g.what))
			}
		}
	}
	return faults, nil
}

// StoredCheckpoint is a signed checkpoint the checkpoint keeper kept in the
// database (table checkpoints): the sizes it claims, for finding the ones to
// check, and the signed note, which alone is trusted.
type StoredCheckpoint struct {
	ID         int64
	Recorded   time.Time
	Size       int64
	AccessSize int64
	Note       []byte
}

// StoreCheckpoint keeps a signed checkpoint (the note as signed) of a record of size
// events and an access log of accessSize entries.
func (db *DB) StoreCheckpoint(ctx context.Context, size, accessSize int64, note []byte) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO checkpoints (recorded, size, access_size, note) VALUES ($1, $2, $3, $4)`,
		db.Now().UnixMicro(), size, accessSize, string(note))
	return err
}

// StoredCheckpoints returns the stored checkpoints, without their notes (see
// StoredCheckpointNote), in the order they were stored.
func (db *DB) StoredCheckpoints(ctx context.Context) ([]StoredCheckpoint, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, recorded, size, access_size FROM checkpoints ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredCheckpoint
	for rows.Next() {
		var c StoredCheckpoint
		var rec int64
		if err := rows.Scan(&c.ID, &rec, &c.Size, &c.AccessSize); err != nil {
			return nil, err
		}
		c.Recorded = time.UnixMicro(rec).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// StoredCheckpointNote returns the signed note of the stored checkpoint id.
func (db *DB) StoredCheckpointNote(ctx context.Context, id int64) ([]byte, error) {
	var s string
	err := db.r.QueryRowContext(ctx, `SELECT note FROM checkpoints WHERE id = $1`, id).Scan(&s)
	return []byte(s), err
}

// AccessDue returns how many access-log entries logged before before are not
// erased yet, and the id of the last of them (0 if none).
func (db *DB) AccessDue(ctx context.Context, before time.Time) (n, through int64, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(id), 0) FROM access_log WHERE erased = 0 AND at < $1`,
		before.UnixMicro()).Scan(&n, &through)
	return n, through, err
}

// EraseAccess erases, in the appender's transaction, at most most of the
// access-log entries logged before before that come after entry after (who,
// about whom and the detail; the id, time, action and hashes stay, so that the
// chain and the checkpoints still hold), and returns how many it erased and
// the id of the last of them. The erasure recorded in the same transaction
// (rulebook.AccessLogErasure) must reach through, or verify reports the
// entries as hidden.
func (a *Appender) EraseAccess(before time.Time, after int64, most int) (n, through int64, err error) {
	if err := a.flush(); err != nil {
		return 0, 0, err
	}
	at := before.UnixMicro()
	if err := a.tx.QueryRowContext(a.ctx, `SELECT COALESCE(MAX(id), 0) FROM (SELECT id FROM access_log WHERE erased = 0 AND at < $1 AND id > $2 ORDER BY id LIMIT $3) AS due`,
		at, after, most).Scan(&through); err != nil {
		return 0, 0, err
	}
	if through == 0 {
		return 0, 0, nil
	}
	res, err := a.tx.ExecContext(a.ctx, `UPDATE access_log SET actor = '', subject = '', detail = '', erased = 1 WHERE erased = 0 AND at < $1 AND id > $2 AND id <= $3`, at, after, through)
	if err != nil {
		return 0, 0, err
	}
	n, err = res.RowsAffected()
	return n, through, err
}
