package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
)

// The accounts projection and the secrets kept beside it. An account's state is a
// projection of its account.* events; its password hash, second factor, sessions
// and token hashes are not events and live only here.

// PutAccount stores an account's state, inside the appender's transaction.
func (a *Appender) PutAccount(acc rulebook.Account, seq int64) error {
	a.credentials = true
	if err := a.flush(); err != nil {
		return err
	}
	disabled := 0
	if acc.Disabled {
		disabled = 1
	}
	_, err := a.tx.ExecContext(a.ctx, `INSERT INTO accounts (name, display, member, section, roles, disabled, updated) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (name) DO UPDATE SET display = excluded.display, member = excluded.member, section = excluded.section,
			roles = excluded.roles, disabled = excluded.disabled, updated = excluded.updated`,
		acc.Name, acc.Display, acc.Member, acc.Section, strings.Join(acc.Roles, " "), disabled, seq)
	return err
}

// ClearAccounts deletes the accounts projection before a rebuild from the events.
// Secrets, sessions and tokens stay: they are not projections.
func (a *Appender) ClearAccounts() error {
	a.credentials = true
	if err := a.flush(); err != nil {
		return err
	}
	_, err := a.tx.ExecContext(a.ctx, `DELETE FROM accounts`)
	return err
}

const accountCols = `name, display, member, section, roles, disabled`

func scanAccount(sc interface{ Scan(...any) error }) (*rulebook.Account, error) {
	var acc rulebook.Account
	var roles string
	var disabled int
	if err := sc.Scan(&acc.Name, &acc.Display, &acc.Member, &acc.Section, &roles, &disabled); err != nil {
		return nil, err
	}
	acc.Roles = strings.Fields(roles)
	if acc.Roles == nil {
		acc.Roles = []string{}
	}
	acc.Disabled = disabled == 1
	return &acc, nil
}

// Account returns the account with a sign-in name.
func (db *DB) Account(ctx context.Context, name string) (*rulebook.Account, error) {
	acc, err := scanAccount(db.r.QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rulebook.Errorf(rulebook.ENotFound, "no account %q", name)
	}
	return acc, err
}

// Accounts returns every account, by name.
func (db *DB) Accounts(ctx context.Context) ([]rulebook.Account, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+accountCols+` FROM accounts ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rulebook.Account
	for rows.Next() {
		acc, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *acc)
	}
	return out, rows.Err()
}

// CountAccounts returns the number of accounts.
func (db *DB) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n)
	return n, err
}

// Secrets are an account's credentials and sign-in state.
type Secrets struct {
	// Password is an argon2id hash in PHC form; empty until one is set.
	Password string
	// TOTP is the confirmed second-factor secret (base32); TOTPPending one being
	// enrolled; TOTPStep the last time step accepted, so a code is used once.
	TOTP, TOTPPending string
	TOTPStep          int64
	// Failures counts sign-in failures since the last success; LockedUntil is set
	// when they reach the limit.
	Failures    int
	LockedUntil time.Time
}

// Secrets returns an account's secrets (zero values when none are stored).
func (db *DB) Secrets(ctx context.Context, name string) (Secrets, error) {
	var s Secrets
	var locked int64
	err := db.r.QueryRowContext(ctx, `SELECT password, totp, totp_pending, totp_step, failures, locked_until FROM account_secrets WHERE name = $1`, name).
		Scan(&s.Password, &s.TOTP, &s.TOTPPending, &s.TOTPStep, &s.Failures, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return Secrets{}, nil
	}
	if locked > 0 {
		s.LockedUntil = time.UnixMicro(locked).UTC()
	}
	return s, err
}

// PutSecrets stores an account's secrets.
func (db *DB) PutSecrets(ctx context.Context, name string, s Secrets) error {
	return putSecrets(ctx, db.w, name, s)
}

// PutSecrets stores an account's secrets inside the appender's transaction.
func (a *Appender) PutSecrets(name string, s Secrets) error {
	if err := a.flush(); err != nil {
		return err
	}
	return putSecrets(a.ctx, a.tx, name, s)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func putSecrets(ctx context.Context, x execer, name string, s Secrets) error {
	var locked int64
	if !s.LockedUntil.IsZero() {
		locked = s.LockedUntil.UnixMicro()
	}
	_, err := x.ExecContext(ctx, `INSERT INTO account_secrets (name, password, totp, totp_pending, totp_step, failures, locked_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (name) DO UPDATE SET password = excluded.password, totp = excluded.totp, totp_pending = excluded.totp_pending,
			totp_step = excluded.totp_step, failures = excluded.failures, locked_until = excluded.locked_until`,
		name, s.Password, s.TOTP, s.TOTPPending, s.TOTPStep, s.Failures, locked)
	return err
}

// Session is a signed-in browser session; only the hash of its token is stored.
type Session struct {
	Hash    string
	Account string
	Created time.Time
	Seen    time.Time
	Expires time.Time
	// SecondFactor is set once the second factor has been given.
	SecondFactor bool
}

// PutSession stores a session, or updates its last use, expiry and second factor.
func (db *DB) PutSession(ctx context.Context, s Session) error {
	second := 0
	if s.SecondFactor {
		second = 1
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO sessions (hash, account, created, seen, expires, second_factor) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (hash) DO UPDATE SET seen = excluded.seen, expires = excluded.expires, second_factor = excluded.second_factor`,
		s.Hash, s.Account, s.Created.UnixMicro(), s.Seen.UnixMicro(), s.Expires.UnixMicro(), second)
	return err
}

// TouchSession extends a session's idle time. It only updates: a session ended
// meanwhile (signed out, or its account's sessions ended) stays ended.
func (db *DB) TouchSession(ctx context.Context, hash string, seen, expires time.Time) error {
	_, err := db.w.ExecContext(ctx, `UPDATE sessions SET seen = $1, expires = $2 WHERE hash = $3 AND seen < $1`, seen.UnixMicro(), expires.UnixMicro(), hash)
	return err
}

// Session returns a session by the hash of its token.
func (db *DB) Session(ctx context.Context, hash string) (*Session, error) {
	var s Session
	var created, seen, expires int64
	var second int
	err := db.r.QueryRowContext(ctx, `SELECT hash, account, created, seen, expires, second_factor FROM sessions WHERE hash = $1`, hash).
		Scan(&s.Hash, &s.Account, &created, &seen, &expires, &second)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rulebook.Errorf(rulebook.ENotFound, "no session")
	}
	if err != nil {
		return nil, err
	}
	s.Created, s.Seen, s.Expires = time.UnixMicro(created).UTC(), time.UnixMicro(seen).UTC(), time.UnixMicro(expires).UTC()
	s.SecondFactor = second == 1
	return &s, nil
}

// SessionAccount returns a session and its account, read in one statement (a
// signed-in page's every request asks); ENotFound when either is missing.
func (db *DB) SessionAccount(ctx context.Context, hash string) (*Session, *rulebook.Account, error) {
	var s Session
	var acc rulebook.Account
	var created, seen, expires int64
	var second, disabled int
	var roles string
	err := db.r.QueryRowContext(db.point(ctx), `SELECT s.hash, s.account, s.created, s.seen, s.expires, s.second_factor,
			a.name, a.display, a.member, a.section, a.roles, a.disabled
		FROM sessions s JOIN accounts a ON a.name = s.account WHERE s.hash = $1`, hash).
		Scan(&s.Hash, &s.Account, &created, &seen, &expires, &second,
			&acc.Name, &acc.Display, &acc.Member, &acc.Section, &roles, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, rulebook.Errorf(rulebook.ENotFound, "no session")
	}
	if err != nil {
		return nil, nil, err
	}
	s.Created, s.Seen, s.Expires = time.UnixMicro(created).UTC(), time.UnixMicro(seen).UTC(), time.UnixMicro(expires).UTC()
	s.SecondFactor = second == 1
	acc.Roles = strings.Fields(roles)
	if acc.Roles == nil {
		acc.Roles = []string{}
	}
	acc.Disabled = disabled == 1
	return &s, &acc, nil
}

// DeleteSession ends one session.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	_, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE hash = $1`, hash)
	return err
}

// DeleteSessions ends every session of an account (disabled, or its password
// changed), and any expired session of anyone.
func (db *DB) DeleteSessions(ctx context.Context, account string, now time.Time) error {
	_, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE account = $1 OR expires < $2`, account, now.UnixMicro())
	return err
}

// Token is an API token; only the hash of its secret is stored.
type Token struct {
	ID       string    `json:"id"`
	Hash     string    `json:"-"`
	Account  string    `json:"account"`
	Label    string    `json:"label,omitempty"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires,omitzero"`
	Revoked  time.Time `json:"revoked,omitzero"`
	LastUsed time.Time `json:"last_used,omitzero"`
}

func micro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicro(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

// PutToken stores a new token inside the appender's transaction, beside the
// event that records its creation.
func (a *Appender) PutToken(t Token) error {
	if err := a.flush(); err != nil {
		return err
	}
	_, err := a.tx.ExecContext(a.ctx, `INSERT INTO api_tokens (id, hash, account, label, created, expires) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, t.Hash, t.Account, t.Label, micro(t.Created), micro(t.Expires))
	return err
}

// RevokeToken marks a token revoked inside the appender's transaction.
func (a *Appender) RevokeToken(id string, at time.Time) error {
	a.credentials = true
	if err := a.flush(); err != nil {
		return err
	}
	_, err := a.tx.ExecContext(a.ctx, `UPDATE api_tokens SET revoked = $1 WHERE id = $2 AND revoked = 0`, at.UnixMicro(), id)
	return err
}

const tokenCols = `id, hash, account, label, created, expires, revoked, last_used`

func scanToken(sc interface{ Scan(...any) error }) (*Token, error) {
	var t Token
	var created, expires, revoked, used int64
	if err := sc.Scan(&t.ID, &t.Hash, &t.Account, &t.Label, &created, &expires, &revoked, &used); err != nil {
		return nil, err
	}
	t.Created, t.Expires, t.Revoked, t.LastUsed = fromMicro(created), fromMicro(expires), fromMicro(revoked), fromMicro(used)
	return &t, nil
}

// Token returns a token by its public id.
func (db *DB) Token(ctx context.Context, id string) (*Token, error) {
	t, err := scanToken(db.r.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rulebook.Errorf(rulebook.ENotFound, "no token %q", id)
	}
	return t, err
}

// Tokens returns an account's tokens, newest first.
func (db *DB) Tokens(ctx context.Context, account string) ([]Token, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE account = $1 ORDER BY created DESC, id`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// TokenAccount returns the token whose secret has this hash and its account, in
// one query: every request made with a token asks for both.
func (db *DB) TokenAccount(ctx context.Context, hash string) (*Token, *rulebook.Account, error) {
	var t Token
	var created, expires, revoked, used int64
	var acc rulebook.Account
	var roles string
	var disabled int
	err := db.r.QueryRowContext(db.point(ctx), `SELECT t.id, t.hash, t.account, t.label, t.created, t.expires, t.revoked, t.last_used,
			a.name, a.display, a.member, a.section, a.roles, a.disabled
		FROM api_tokens t JOIN accounts a ON a.name = t.account WHERE t.hash = $1`, hash).
		Scan(&t.ID, &t.Hash, &t.Account, &t.Label, &created, &expires, &revoked, &used,
			&acc.Name, &acc.Display, &acc.Member, &acc.Section, &roles, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, rulebook.Errorf(rulebook.ENotFound, "no such token")
	}
	if err != nil {
		return nil, nil, err
	}
	t.Created, t.Expires, t.Revoked, t.LastUsed = fromMicro(created), fromMicro(expires), fromMicro(revoked), fromMicro(used)
	acc.Roles = strings.Fields(roles)
	if acc.Roles == nil {
		acc.Roles = []string{}
	}
	acc.Disabled = disabled == 1
	return &t, &acc, nil
}

// TouchToken records a token's use, at most once a minute so that reads do not
// become writes.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	_, err := db.w.ExecContext(ctx, `UPDATE api_tokens SET last_used = $1 WHERE id = $2 AND last_used < $3`, at.UnixMicro(), id, at.Add(-time.Minute).UnixMicro())
	return err
}

// CredentialGeneration returns the count of changes that can make a token
// refused (credentialSchema): while it is unchanged, a token found valid is
// still valid, but for its expiry, and its account as read is current. On
// PostgreSQL it is the one notified to this process, while it is listening
// (credwatch.go says how stale that may be); on SQLite, the one last read while
// nothing has committed since (walwatch.go); otherwise it is read.
func (db *DB) CredentialGeneration(ctx context.Context) (int64, error) {
	if db.creds != nil {
		db.creds.run()
		if n, ok := db.creds.current(); ok {
			return n, nil
		}
	}
	var hdr [walHeaderSize]byte
	var hdrOK bool
	if db.wal != nil {
		if hdr, hdrOK = db.wal.header(); hdrOK {
			if n, ok := db.wal.generation(hdr); ok {
				return n, nil
			}
		}
		db.wal.reads.Add(1)
	}
	var n int64
	if err := db.r.QueryRowContext(db.point(ctx), `SELECT n FROM credential_generation WHERE id = 1`).Scan(&n); err != nil {
		return 0, err
	}
	if hdrOK {
		db.wal.keep(hdr, n)
	}
	return n, nil
}
