// Package sqldbtest opens real databases for tests: a SQLite file in a temporary
// directory, and a fresh PostgreSQL database created for the test and dropped after.
//
// PostgreSQL is found at $RULEBOOK_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). If it cannot be reached
// the PostgreSQL half is skipped, except under CI (CI=true), where that fails: CI
// must test both engines.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
)

// DefaultPostgres is the server the tests use unless told otherwise.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Engines lists the engines Each runs on.
var Engines = []string{"sqlite", "postgres"}

// Each runs f once per engine as a subtest, each with a new empty database.
func Each(t *testing.T, f func(t *testing.T, db *sqldb.DB)) {
	for _, eng := range Engines {
		t.Run(eng, func(t *testing.T) {
			f(t, Open(t, eng))
		})
	}
}

// Open returns a new empty database of the given engine, closed and removed when
// the test ends.
func Open(t testing.TB, engine string) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	var dsn string
	switch engine {
	case "sqlite":
		dsn = filepath.Join(t.TempDir(), "rulebook.db")
	case "postgres":
		dsn = NewPostgres(t)
	default:
		t.Fatalf("unknown engine %q", engine)
	}
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// NewPostgres creates a database for this test and returns its DSN.
func NewPostgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("RULEBOOK_TEST_POSTGRES")
	if admin == "" {
		admin = DefaultPostgres
	}
	adm, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := adm.PingContext(ctx); err != nil {
		adm.Close()
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL at %s is required under CI: %v", admin, err)
		}
		t.Skipf("PostgreSQL not reachable at %s (set RULEBOOK_TEST_POSTGRES): %v", admin, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "rulebook_test_" + hex.EncodeToString(b[:])
	if _, err := adm.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		adm.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		adm.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
		adm.Close()
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}

// Exec runs a statement directly, bypassing rulebook: tests use it to play an
// attacker with database access, or to damage the projection.
func Exec(db *sqldb.DB, q string, args ...any) error {
	_, err := db.Raw().Exec(q, args...)
	return err
}

// DisableAppendOnly removes the database's append-only guard on events, as someone
// with administrative access to the database could.
func DisableAppendOnly(db *sqldb.DB) error {
	if db.Dialect() == "postgres" {
		return Exec(db, `ALTER TABLE events DISABLE TRIGGER USER`)
	}
	if err := Exec(db, `DROP TRIGGER events_no_update`); err != nil {
		return err
	}
	return Exec(db, `DROP TRIGGER events_no_delete`)
}

// RestoreAppendOnly puts back what DisableAppendOnly removed, as an insider who
// edited the record and covered their tracks would.
func RestoreAppendOnly(db *sqldb.DB) error {
	if db.Dialect() == "postgres" {
		return Exec(db, `ALTER TABLE events ENABLE TRIGGER USER`)
	}
	if err := Exec(db, `CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'the event record is append-only'); END`); err != nil {
		return err
	}
	return Exec(db, `CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'the event record is append-only'); END`)
}

// DisableAppendOnlyOf removes the append-only guard on table (access_log or
// checkpoints), as DisableAppendOnly does the events'.
func DisableAppendOnlyOf(db *sqldb.DB, table string) error {
	if db.Dialect() == "postgres" {
		return Exec(db, `ALTER TABLE `+table+` DISABLE TRIGGER USER`)
	}
	if err := Exec(db, `DROP TRIGGER `+table+`_no_update`); err != nil {
		return err
	}
	return Exec(db, `DROP TRIGGER `+table+`_no_delete`)
}

// RestoreAppendOnlyOf puts back what DisableAppendOnlyOf removed.
func RestoreAppendOnlyOf(db *sqldb.DB, table string) error {
	if db.Dialect() == "postgres" {
		return Exec(db, `ALTER TABLE `+table+` ENABLE TRIGGER USER`)
	}
	for _, op := range []string{"update", "delete"} {
		q := `CREATE TRIGGER ` + table + `_no_` + op + ` BEFORE ` + strings.ToUpper(op) + ` ON ` + table +
			` BEGIN SELECT RAISE(ABORT, 'the table ` + table + ` is append-only'); END`
		if err := Exec(db, q); err != nil {
			return err
		}
	}
	return nil
}

// ForgeInsert inserts e into the record at seq, moving the events from seq on one
// place later and chaining every hash again from it, as an insider with the
// database but not the signing key would: the chain verifies afterwards. The
// append-only triggers are removed for it and put back after. e is recorded when
// the event it displaces was.
func ForgeInsert(db *sqldb.DB, seq int64, e *rulebook.Event) error {
	ctx := context.Background()
	rest, err := db.Events(ctx, sqldb.EventFilter{AfterSeq: seq - 1})
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return fmt.Errorf("no event at seq %d", seq)
	}
	var prev rulebook.Event
	if seq > 1 {
		before, err := db.Events(ctx, sqldb.EventFilter{AfterSeq: seq - 2, Limit: 1})
		if err != nil || len(before) != 1 {
			return fmt.Errorf("no event at seq %d: %v", seq-1, err)
		}
		prev = before[0]
	}
	if err := DisableAppendOnly(db); err != nil {
		return err
	}
	if err := Exec(db, `DELETE FROM events WHERE seq >= $1`, seq); err != nil {
		return err
	}
	if e.ID == "" {
		e.ID = rulebook.NewEventID()
	}
	e.Recorded = rest[0].Recorded
	all := append([]*rulebook.Event{e}, make([]*rulebook.Event, len(rest))...)
	for i := range rest {
		all[i+1] = &rest[i]
	}
	for _, x := range all {
		if seq == 1 && x == e {
			x.Seal(nil)
		} else {
			x.Seal(&prev)
		}
		if err := Exec(db, `INSERT INTO events (seq, id, type, subject, effective, recorded, actor, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			x.Seq, x.ID, x.Type, x.Subject, int64(x.Effective), x.Recorded.UnixMicro(), x.Actor, string(x.Data), x.PrevHash[:], x.Hash[:]); err != nil {
			return err
		}
		prev = *x
	}
	return RestoreAppendOnly(db)
}

// RewriteAccess changes the subject of access-log entry id and chains every hash
// again from it, as an insider with the database but not the signing key would:
// the access log's chain verifies afterwards. Its append-only triggers are removed
// for it and put back after.
func RewriteAccess(db *sqldb.DB, id int64, subject string) error {
	if err := DisableAppendOnlyOf(db, "access_log"); err != nil {
		return err
	}
	var prev rulebook.Hash
	if id > 1 {
		var b []byte
		if err := db.Raw().QueryRow(`SELECT hash FROM access_log WHERE id < $1 ORDER BY id DESC LIMIT 1`, id).Scan(&b); err != nil && err != sql.ErrNoRows {
			return err
		}
		copy(prev[:], b)
	}
	rows, err := db.Raw().Query(`SELECT id, at, actor, action, subject, detail FROM access_log WHERE id >= $1 ORDER BY id`, id)
	if err != nil {
		return err
	}
	type entry struct {
		id, at                         int64
		actor, action, subject, detail string
	}
	var es []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.id, &e.at, &e.actor, &e.action, &e.subject, &e.detail); err != nil {
			rows.Close()
			return err
		}
		es = append(es, e)
	}
	rows.Close()
	if len(es) == 0 || es[0].id != id {
		return fmt.Errorf("no access-log entry %d", id)
	}
	es[0].subject = subject
	for _, e := range es {
		h := rulebook.AccessHash(e.id, e.at, e.actor, e.action, e.subject, e.detail, prev)
		if err := Exec(db, `UPDATE access_log SET subject = $1, prev_hash = $2, hash = $3 WHERE id = $4`, e.subject, prev[:], h[:], e.id); err != nil {
			return err
		}
		prev = h
	}
	return RestoreAppendOnlyOf(db, "access_log")
}
