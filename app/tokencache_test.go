package app_test

import (
	"context"
	"encoding/json"
	"github.com/rulebook/rulebook/discipline"
	"slices"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestTokenKeptRefusedAtOnce checks that a token this process has found valid
// (and keeps) is refused, or its account read afresh, as soon as another process
// — here a second connection to the database, as the command line would open —
// changes the account or revokes the token, by any path.
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
		refused := func(secret, why string) {
			t.Helper()
			if _, err := w.a.TokenPrincipal(ctx, secret); rulebook.ErrorCode(err) != rulebook.EUnauthorized {
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
		if p := valid(secret); len(p.Account.Roles) != 0 {
			t.Errorf("roles taken away elsewhere are still held: %v", p.Account.Roles)
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
