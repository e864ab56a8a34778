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
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
