package app_test

import (
	"context"
	"encoding/json"
	"github.com/rulebook/rulebook/discipline"
	"slices"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestTokenKeptRefusedAtOnce checks that a token this process has found valid
// (and keeps) is refused, or its account read afresh, as soon as another process
// — here a second connection to the database, as the command line would open —
// changes the account or revokes the token, by any path: on SQLite at once, on
// PostgreSQL once the change's notification has arrived (otherTook bounds the
// wait; sqldb/credwatch.go). A change made by this process is refused at once
// on both.
func TestTokenKeptRefusedAtOnce(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorldOn(t, db)
		ctx := context.Background()
		other, err := sqldb.Open(ctx, db.DSN())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() })
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := other.Raw().ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		valid := func(secret string) *app.Principal {
			t.Helper()
			// Twice: the second answer is the kept one.
			for range 2 {
				if _, err := w.a.TokenPrincipal(ctx, secret); err != nil {
					t.Fatalf("a valid token was refused: %v", err)
				}
			}
			p, err := w.a.TokenPrincipal(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		refusedNow := func(secret, why string) {
			t.Helper()
			if _, err := w.a.TokenPrincipal(ctx, secret); rulebook.ErrorCode(err) != rulebook.EUnauthorized {
				t.Errorf("%s: the token was taken (%v)", why, err)
			}
		}
		// A change made elsewhere: at once on SQLite, within otherTook on
		// PostgreSQL (the bound on a notification's delivery this test allows).
		eventually := func(cond func() bool) bool {
			if db.Dialect() != "postgres" {
				return cond()
			}
			for start := time.Now(); time.Since(start) < otherTook; time.Sleep(time.Millisecond) {
				if cond() {
					return true
				}
			}
			return cond()
		}
		refused := func(secret, why string) {
			t.Helper()
			var err error
			if !eventually(func() bool {
				_, err = w.a.TokenPrincipal(ctx, secret)
				return rulebook.ErrorCode(err) == rulebook.EUnauthorized
			}) {
				t.Errorf("%s: the token was taken (%v)", why, err)
			}
		}

		secret, tok, err := w.a.CreateToken(operator(), "ruth", "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		// Roles changed elsewhere are seen on the next request.
		p := valid(secret)
		if !slices.Contains(p.Account.Roles, rulebook.RoleAuditor) && len(p.Account.Roles) == 0 {
			t.Fatalf("ruth's roles: %v", p.Account.Roles)
		}
		exec(`UPDATE accounts SET roles = $1 WHERE name = $2`, "", "ruth")
		if !eventually(func() bool { return len(valid(secret).Account.Roles) == 0 }) {
			t.Errorf("roles taken away elsewhere are still held: %v", valid(secret).Account.Roles)
		}
		// A principal's account is its own: changing it changes no one else's.
		p = valid(secret)
		p.Account.Roles = append(p.Account.Roles, "someone else's")
		p.Account.Disabled = true
		if q := valid(secret); len(q.Account.Roles) != 0 || q.Account.Disabled {
			t.Errorf("a request's change to its principal leaked into the next: %+v", q.Account)
		}

		// Disabled elsewhere.
		exec(`UPDATE accounts SET disabled = 1 WHERE name = $1`, "ruth")
		refused(secret, "disabled by another process")
		exec(`UPDATE accounts SET disabled = 0 WHERE name = $1`, "ruth")
		if !eventually(func() bool { _, err := w.a.TokenPrincipal(ctx, secret); return err == nil }) {
			t.Fatal("enabled again elsewhere, the token is still refused")
		}
		valid(secret)

		// Changed by this process: refused at once on both engines, while
		// PostgreSQL's listener is connected (as it is by now) as well.
		if db.Dialect() == "postgres" {
			for start := time.Now(); !db.CredentialsWatched(); time.Sleep(time.Millisecond) {
				if time.Since(start) > 10*time.Second {
					t.Fatal("the credential listener did not connect")
				}
			}
		}
		local, localTok, err := w.a.CreateToken(operator(), "ruth", "local", 0)
		if err != nil {
			t.Fatal(err)
		}
		valid(local)
		if err := w.a.RevokeToken(operator(), localTok.ID); err != nil {
			t.Fatal(err)
		}
		refusedNow(local, "revoked by this process")
		ruth, err := db.Account(ctx, "ruth")
		if err != nil {
			t.Fatal(err)
		}
		in := app.AccountInput{Display: ruth.Display, Member: ruth.Member, Section: ruth.Section, Roles: []string{rulebook.RoleAuditor}}
		if _, err := w.a.ChangeAccount(operator(), "ruth", in, true); err != nil {
			t.Fatal(err)
		}
		refusedNow(secret, "disabled by this process")
		if _, err := w.a.ChangeAccount(operator(), "ruth", in, false); err != nil {
			t.Fatal(err)
		}
		valid(secret)

		// Revoked elsewhere.
		exec(`UPDATE api_tokens SET revoked = $1 WHERE id = $2`, w.clock.UnixMicro(), tok.ID)
		refused(secret, "revoked by another process")

		// Deleted elsewhere, token or account.
		secret, tok, err = w.a.CreateToken(operator(), "ruth", "second", 0)
		if err != nil {
			t.Fatal(err)
		}
		valid(secret)
		exec(`DELETE FROM api_tokens WHERE id = $1`, tok.ID)
		refused(secret, "deleted")
		secret, _, err = w.a.CreateToken(operator(), "ruth", "third", 0)
		if err != nil {
			t.Fatal(err)
		}
		valid(secret)
		exec(`DELETE FROM accounts WHERE name = $1`, "ruth")
		refused(secret, "its account deleted")

		// Its use noted does not count as a change: the kept token serves on.
		g0, err := db.CredentialGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE api_tokens SET last_used = $1`, w.clock.UnixMicro())
		if g1, err := db.CredentialGeneration(ctx); err != nil || g1 != g0 {
			t.Errorf("noting a token's use changed the credential generation: %d to %d (%v)", g0, g1, err)
		}
	})
}

// otherTook is how long TestTokenKeptRefusedAtOnce waits, on PostgreSQL, for a
// change made by another process to be taken: far more than a notification
// takes on the loopback (well under a millisecond), and within the bound a
// silent listener is trusted for (three seconds).
const otherTook = 2 * time.Second

// TestCaseBriefNeverStale checks that the API's case read, which keeps the cases
// it has decoded, serves a case changed in any way at once: here its summary
// rewritten by another process without a new sequence number, as an erasure
// rewrites a case.
func TestCaseBriefNeverStale(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorldOn(t, db)
		ctx := operator()
		other, err := sqldb.Open(context.Background(), db.DSN())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() })
		const id = "D-2016-001"
		read := func() *discipline.Case {
			t.Helper()
			f, err := w.a.CaseBrief(ctx, id, 0)
			if err != nil {
				t.Fatal(err)
			}
			return f.Case
		}
		first, again := read(), read()
		if first.Summary == "" || again.Summary != first.Summary {
			t.Fatalf("the summary read twice: %q, %q", first.Summary, again.Summary)
		}
		data, seq, err := db.CaseDataSeq(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		m["summary"] = "[erased]"
		changed, _ := json.Marshal(m)
		if _, err := other.Raw().Exec(`UPDATE cases SET data = $1 WHERE id = $2`, string(changed), id); err != nil {
			t.Fatal(err)
		}
		if _, seq2, _ := db.CaseDataSeq(context.Background(), id); seq2 != seq {
			t.Fatalf("the sequence number changed: %d to %d", seq, seq2)
		}
		if got := read(); got.Summary != "[erased]" {
			t.Errorf("a case changed elsewhere was served as it was: summary %q", got.Summary)
		}
		// The full case file reads it afresh too.
		if f, err := w.a.Case(ctx, id, 0); err != nil || f.Case.Summary != "[erased]" {
			t.Errorf("the case file: %v", err)
		}
	})
}
