package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rulebook/rulebook"
)

// HasRuleBook reports whether a rule book with this digest is already recorded.
func (db *DB) HasRuleBook(ctx context.Context, sha string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM rulebooks WHERE sha256 = $1`, sha).Scan(&n)
	return n > 0, err
}

// StoreRuleBook keeps the text of a rule book, inside the appender's transaction so
// that it is stored together with the event recording its adoption.
func (db *DB) StoreRuleBook(ctx context.Context, a *Appender, sha, name string, source []byte) error {
	_, err := a.tx.ExecContext(ctx, `INSERT INTO rulebooks (sha256, name, source, loaded) VALUES ($1, $2, $3, $4)`,
		sha, name, string(source), db.Now().UnixMicro())
	return err
}

// RuleBookSource returns the text of a recorded rule book.
func (db *DB) RuleBookSource(ctx context.Context, sha string) (name string, source []byte, err error) {
	var s string
	err = db.r.QueryRowContext(ctx, `SELECT name, source FROM rulebooks WHERE sha256 = $1`, sha).Scan(&name, &s)
	return name, []byte(s), err
}

// MemberIDs returns the set of member ids on the register.
func (db *DB) MemberIDs(ctx context.Context) (map[string]bool, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM members`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids[id] = true
	}
	return ids, rows.Err()
}

// latestAdoptionQuery finds the last adoption by its index (adoptionsSchema).
const latestAdoptionQuery = `SELECT data FROM events WHERE ` + adoptionsWhere + ` ORDER BY seq DESC LIMIT 1`

// LatestRuleBook returns the rule book the record last adopted, or sql.ErrNoRows.
// Which it is, and its text, are taken from the record: the last adoption event
// names the digest, and the stored text must still hash to it — a rule book
// edited in the database is refused, not run.
func (db *DB) LatestRuleBook(ctx context.Context) (name string, source []byte, err error) {
	var data string
	if err := db.r.QueryRowContext(ctx, latestAdoptionQuery).Scan(&data); err != nil {
		return "", nil, err
	}
	var adopted rulebook.RuleBookAdopted
	if err := json.Unmarshal([]byte(data), &adopted); err != nil {
		return "", nil, err
	}
	var s string
	if err := db.r.QueryRowContext(ctx, `SELECT name, source FROM rulebooks WHERE sha256 = $1`, adopted.SHA256).Scan(&name, &s); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, rulebook.Errorf(rulebook.ETampered, "the text of the rule book the record adopted (%s) is missing from the database", adopted.SHA256)
		}
		return "", nil, err
	}
	if sum := sha256.Sum256([]byte(s)); hex.EncodeToString(sum[:]) != adopted.SHA256 {
		return "", nil, rulebook.Errorf(rulebook.ETampered, "the stored text of rule book %s no longer hashes to the SHA-256 the record adopted (%s): it was edited in the database", name, adopted.SHA256)
	}
	return name, []byte(s), nil
}

// ruleBookFaults reports stored rule books whose text no longer hashes to their
// digest, or that no adoption in the record names.
func (db *DB) ruleBookFaults(ctx context.Context) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT sha256, name, source FROM rulebooks ORDER BY loaded`)
	if err != nil {
		return nil, err
	}
	type book struct{ sha, name, source string }
	var books []book
	for rows.Next() {
		var b book
		if err := rows.Scan(&b.sha, &b.name, &b.source); err != nil {
			rows.Close()
			return nil, err
		}
		books = append(books, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	evs, err := queryEvents(ctx, db.r, `WHERE `+adoptionsWhere+` ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	adopted := map[string]bool{}
	for _, e := range evs {
		var a rulebook.RuleBookAdopted
		if json.Unmarshal(e.Data, &a) == nil {
			adopted[a.SHA256] = true
		}
	}
	var faults []string
	for _, b := range books {
		if sum := sha256.Sum256([]byte(b.source)); hex.EncodeToString(sum[:]) != b.sha {
			faults = append(faults, fmt.Sprintf("the stored text of rule book %s (%s) was edited: it no longer hashes to its digest", b.name, b.sha))
		} else if !adopted[b.sha] {
			faults = append(faults, fmt.Sprintf("the stored rule book %s (%s) was never adopted in the record", b.name, b.sha))
		}
	}
	return faults, nil
}

// HasEventHash reports whether an event with this hash is in the record.
func (db *DB) HasEventHash(ctx context.Context, h rulebook.Hash) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE hash = $1`, h[:]).Scan(&n)
	return n > 0, err
}
