package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// world is the demo organisation with its accounts, on a SQLite file of its own,
// with a clock the test moves.
type world struct {
	a     *app.App
	db    *sqldb.DB
	clock time.Time
}

func (w *world) now() time.Time { return w.clock }

func newWorld(t *testing.T) *world {
	t.Helper()
	db, err := sqldb.Open(context.Background(), filepath.Join(t.TempDir(), "rulebook.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return newWorldOn(t, db)
}

// newWorldOn is newWorld on the database given (sqldbtest.Open's, of an engine).
func newWorldOn(t *testing.T, db *sqldb.DB) *world {
	t.Helper()
	src, err := examples.FS.ReadFile(examples.Labour)
	if err != nil {
		t.Fatal(err)
	}
	return newWorldFrom(t, db, src)
}

// newWorldFrom is newWorldOn under the rule book src (the example's, changed).
func newWorldFrom(t *testing.T, db *sqldb.DB, src []byte) *world {
	t.Helper()
	ctx := context.Background()
	rb, err := rules.Load(examples.Labour, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, db, rb, src); err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, clock: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	db.Now = w.now
	svc, err := register.New(ctx, db, rb, src)
	if err != nil {
		t.Fatal(err)
	}
	if w.a, err = app.New(ctx, svc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.a.Close() }) // before the database closes
	if err := demo.LoadAccounts(operator(), w.a); err != nil {
		t.Fatal(err)
	}
	return w
}

func operator() context.Context {
	return app.WithPrincipal(context.Background(), app.OperatorPrincipal("test"))
}

// as is a context in which the account name acts, its second factor given.
func (w *world) as(t *testing.T, name string) context.Context {
	t.Helper()
	acc, err := w.db.Account(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return app.WithPrincipal(context.Background(), app.AccountPrincipal(acc, true, "session"))
}

func TestPasswordHashes(t *testing.T) {
	h := app.HashPassword("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=47104,t=1,p=1$") {
		t.Errorf("hash %q is not argon2id in PHC form with OWASP's parameters", h)
	}
	if !app.CheckPassword(h, "correct horse battery") || app.CheckPassword(h, "correct horse batterY") {
		t.Error("the hash does not tell the password from another")
	}
	if h == app.HashPassword("correct horse battery") {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", "$bcrypt$x", strings.Replace(h, "m=47104", "m=9999999", 1)} {
		if app.CheckPassword(bad, "correct horse battery") {
			t.Errorf("a malformed hash %q matched", bad)
		}
	}
}

// TestTOTP checks the codes against RFC 6238's test vectors (SHA-1, the last six
// of the eight digits given there).
func TestTOTP(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	for _, tc := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		got, err := app.TOTPCode(secret, app.TOTPStep(time.Unix(tc.unix, 0)))
		if err != nil || got != tc.want {
			t.Errorf("at %d: %q %v, want %q", tc.unix, got, err, tc.want)
		}
	}
	if _, err := app.TOTPCode("not base32!", 1); err == nil {
		t.Error("a bad secret gave a code")
	}
}

func TestSignIn(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// A member's account needs no second factor.
	res, err := w.a.SignIn(ctx, "declan", demo.Password, "192.0.2.1")
	if err != nil || res.NeedsSecondFactor || res.Enrol {
		t.Fatalf("member sign-in: %+v %v", res, err)
	}
	p, err := w.a.SessionPrincipal(ctx, res.Token)
	if err != nil || p.Account == nil || p.Account.Name != "declan" {
		t.Fatalf("session: %+v %v", p, err)
	}
	// Staff need one: until it is given, they hold nothing.
	res, err = w.a.SignIn(ctx, "casey", demo.Password, "192.0.2.2")
	if err != nil || !res.NeedsSecondFactor {
		t.Fatalf("staff sign-in: %+v %v", res, err)
	}
	p, _ = w.a.SessionPrincipal(ctx, res.Token)
	if _, err := w.a.Case(app.WithPrincipal(ctx, p), "D-2016-001", 0); rulebook.ErrorCode(err) != rulebook.EForbidden {
		t.Errorf("a case before the second factor: %v", err)
	}
	if err := w.a.GiveSecondFactor(ctx, res.Token, "000000"); err == nil {
		t.Error("a wrong code was taken")
	}
	code, _ := app.TOTPCode(demo.TOTPSecret, app.TOTPStep(w.clock))
	if err := w.a.GiveSecondFactor(ctx, res.Token, code); err != nil {
		t.Fatal(err)
	}
	p, _ = w.a.SessionPrincipal(ctx, res.Token)
	if _, err := w.a.Case(app.WithPrincipal(ctx, p), "D-2016-001", 0); err != nil {
		t.Errorf("the case after the second factor: %v", err)
	}
	// A code is taken once.
	res2, _ := w.a.SignIn(ctx, "casey", demo.Password, "192.0.2.2")
	if err := w.a.GiveSecondFactor(ctx, res2.Token, code); err == nil {
		t.Error("a code was taken twice")
	}
	// A session in use lives on past thirty minutes from its start: each use
	// (noted at most once a minute, behind the request) extends it.
	w.clock = w.clock.Add(app.SessionIdle - 5*time.Minute)
	if p, _ := w.a.SessionPrincipal(ctx, res.Token); p.Account == nil {
		t.Fatal("a session in use ended")
	}
	if err := w.a.FlushAccessLog(ctx); err != nil {
		t.Fatal(err)
	}
	w.clock = w.clock.Add(app.SessionIdle - 5*time.Minute)
	if p, _ := w.a.SessionPrincipal(ctx, res.Token); p.Account == nil {
		t.Fatal("a session in use idled out: its use was not noted")
	}
	// The session idles out after thirty minutes.
	w.clock = w.clock.Add(app.SessionIdle + time.Minute)
	if p, _ := w.a.SessionPrincipal(ctx, res.Token); p.Account != nil {
		t.Error("an idle session lived on")
	}
}

func TestLockout(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for i := range app.MaxFailures {
		_, err := w.a.SignIn(ctx, "declan", "wrong password", "192.0.2.9")
		want := rulebook.EUnauthorized
		if i == app.MaxFailures-1 {
			want = rulebook.ERateLimited
		}
		if rulebook.ErrorCode(err) != want {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if _, err := w.a.SignIn(ctx, "declan", demo.Password, "192.0.2.9"); rulebook.ErrorCode(err) != rulebook.ERateLimited {
		t.Fatalf("the right password on a locked account: %v", err)
	}
	w.clock = w.clock.Add(app.LockFor + time.Second)
	if _, err := w.a.SignIn(ctx, "declan", demo.Password, "192.0.2.9"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	// A name that is no account locks the same way, so locking reveals nothing.
	var last error
	for range app.MaxFailures {
		_, last = w.a.SignIn(ctx, "nobody", "x", "192.0.2.10")
	}
	if rulebook.ErrorCode(last) != rulebook.ERateLimited {
		t.Errorf("an unknown name: %v", last)
	}
	// One address may not try names without end.
	var err error
	for i := 0; i < 40 && rulebook.ErrorCode(err) != rulebook.ERateLimited; i++ {
		_, err = w.a.SignIn(ctx, "user"+string(rune('a'+i%26)), "x", "192.0.2.11")
	}
	if rulebook.ErrorCode(err) != rulebook.ERateLimited {
		t.Error("an address was never limited")
	}
}

func TestTokens(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	secret, tok, err := w.a.CreateToken(operator(), "ruth", "test", rulebook.DateOf(w.clock).AddDays(2))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := w.a.TokenPrincipal(ctx, secret); err != nil || p.Account.Name != "ruth" || !p.SecondFactor {
		t.Fatalf("token: %+v %v", p, err)
	}
	// Its use is noted, behind the request.
	if err := w.a.FlushAccessLog(ctx); err != nil {
		t.Fatal(err)
	}
	if ts, err := w.a.Tokens(operator(), "ruth"); err != nil || len(ts) != 1 || !ts[0].LastUsed.Equal(w.clock.UTC().Truncate(time.Microsecond)) {
		t.Errorf("the token's last use, at %s: %+v %v", w.clock, ts, err)
	}
	// Someone else may not revoke it; its account may.
	if err := w.a.RevokeToken(w.as(t, "casey"), tok.ID); rulebook.ErrorCode(err) != rulebook.EForbidden {
		t.Errorf("revoked by another: %v", err)
	}
	w.clock = w.clock.Add(72 * time.Hour)
	if _, err := w.a.TokenPrincipal(ctx, secret); err == nil {
		t.Error("an expired token was taken")
	}
	secret, tok, _ = w.a.CreateToken(operator(), "ruth", "test", 0)
	if err := w.a.RevokeToken(w.as(t, "ruth"), tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.TokenPrincipal(ctx, secret); err == nil {
		t.Error("a revoked token was taken")
	}
	secret, _, _ = w.a.CreateToken(operator(), "ruth", "test", 0)
	if _, err := w.a.ChangeAccount(w.as(t, "admin"), "ruth", app.AccountInput{Display: "Ruth", Roles: []string{rulebook.RoleAuditor}}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.TokenPrincipal(ctx, secret); err == nil {
		t.Error("a disabled account's token was taken")
	}
	// Only the secret's hash is kept.
	var n int
	if err := w.db.Raw().QueryRow(`SELECT COUNT(*) FROM api_tokens WHERE hash = $1 OR id = $1`, secret).Scan(&n); err != nil || n != 0 {
		t.Errorf("the secret is stored: %d %v", n, err)
	}
}

// TestCaseAccess checks the policy's case views on the demo's cases: what each kind
// of account sees, and that the listing scope lets through every case the view
// allows (the listing then checks each), so no one's cases go missing from lists.
func TestCaseAccess(t *testing.T) {
	w := newWorld(t)
	// ncc-07 declared a conflict in D-2016-001: an account for that person, holding
	// the hearing body's secretary's role.
	if _, err := w.a.CreateAccount(operator(), app.AccountInput{Name: "ncc-07", Display: "Dermot Hale", Roles: []string{"ncc"}}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	rows, err := w.db.CaseRows(context.Background(), sqldb.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var cases []*discipline.Case
	for _, r := range rows {
		var c discipline.Case
		if err := json.Unmarshal(r.Data, &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, &c)
	}
	names := []string{"ncc-07"}
	for _, x := range demo.Accounts {
		names = append(names, x.Name)
	}
	seen := map[string][]string{}
	for _, name := range names {
		ctx := w.as(t, name)
		p := app.PrincipalFrom(ctx)
		list, err := w.a.Cases(ctx, sqldb.CaseFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, c := range list.Cases {
			listed = append(listed, c.ID)
		}
		for _, c := range cases {
			ca := w.a.Policy.CaseAccess(p, c)
			if ca.View != app.NoView {
				seen[name] = append(seen[name], c.ID+":"+ca.As)
			}
			if (ca.View != app.NoView) != slices.Contains(listed, c.ID) {
				t.Errorf("%s: case %s seen as %q but listed %v", name, c.ID, ca.As, slices.Contains(listed, c.ID))
			}
		}
	}
	sees := func(name, id, as string) bool { return slices.Contains(seen[name], id+":"+as) }
	for _, tc := range []struct {
		name, id, as string
		want         bool
	}{
		{"ruth", "D-2016-001", "auditor", true},
		{"morag", "X-2000-001", "staff", true},
		{"casey", "D-2016-001", "staff", true}, // her unit's
		{"admin", "D-2016-001", "", false},
		{"rowan", "D-2016-001", "respondent", true},
		{"rowan", "D-2016-002", "", false},
		{"declan", "D-2016-001", "complainant", true},
		{"kwame", "D-2016-001", "", false},
		{"tom", "D-2016-001", "staff", true},    // the NCC took its steps
		{"ncc-07", "D-2016-001", "", false},     // declared a conflict in it
		{"ncc-07", "D-2009-001", "staff", true}, // but not in this one
		{"rita", "D-2016-001", "", false},
	} {
		if got := sees(tc.name, tc.id, tc.as); got != tc.want {
			t.Errorf("%s sees %s as %q: %v, want %v (sees %v)", tc.name, tc.id, tc.as, got, tc.want, seen[tc.name])
		}
	}
	// Field-level confidentiality: the executive is not shown who complained; the
	// respondent is not either (the subject-access rules); the General Secretary is.
	for _, tc := range []struct {
		name string
		show bool
	}{{"nia", false}, {"rowan", false}, {"morag", true}, {"ruth", true}} {
		f, err := w.a.Case(w.as(t, tc.name), "D-2016-001", 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := slices.Contains(f.Case.Complainants, "M0005"); got != tc.show {
			t.Errorf("%s shown the complainant M0005: %v (%v)", tc.name, got, f.Case.Complainants)
		}
	}
	// A refused case is not found, in the words of one that does not exist.
	_, err = w.a.Case(w.as(t, "kwame"), "D-2016-001", 0)
	_, err2 := w.a.Case(w.as(t, "kwame"), "D-9999-999", 0)
	if rulebook.ErrorCode(err) != rulebook.ENotFound || strings.Replace(err.Error(), "D-2016-001", "X", 1) != strings.Replace(err2.Error(), "D-9999-999", "X", 1) {
		t.Errorf("refused %v, missing %v", err, err2)
	}
}

// TestWritingAboutACase checks that someone outside a case who writes about it is
// entered in the interference register, and a party's message is not.
func TestWritingAboutACase(t *testing.T) {
	w := newWorld(t)
	before, _ := w.a.Interference(operator())
	if res, err := w.a.WriteAboutCase(w.as(t, "rita"), "D-2016-002", "When will this be decided?"); err != nil || res.Recorded != "contact" {
		t.Fatalf("outsider: %+v %v", res, err)
	}
	if res, err := w.a.WriteAboutCase(w.as(t, "rita"), "D-0000-000", "And this one?"); err != nil || res.Recorded != "contact" {
		t.Fatalf("outsider, no such case: %+v %v", res, err)
	}
	after, _ := w.a.Interference(operator())
	if len(after) != len(before)+1 || !strings.Contains(after[0].From, "rita") || after[0].Role != "no role in the case" {
		t.Errorf("interference register: %+v", after[0])
	}
	if res, err := w.a.WriteAboutCase(w.as(t, "rowan"), "D-2016-001", "I wish to appeal."); err != nil || res.Recorded != "message" {
		t.Fatalf("party: %+v %v", res, err)
	}
}

// An account's section is one the panels it sits on declare: a typo would
// otherwise make every panel with it fail its composition rule later.
func TestAccountSections(t *testing.T) {
	w := newWorld(t)
	choices := w.a.SectionChoices()
	if len(choices) != 2 || choices[0].ID != "trade_union" || choices[0].Name != "Trade union section" || choices[1].Name != "CLP section" ||
		len(choices[1].Bodies) != 1 || choices[1].Bodies[0] != "National Constitutional Committee" {
		t.Fatalf("section choices: %+v", choices)
	}
	in := app.AccountInput{Name: "ncc-08", Display: "Dana Hale", Section: "cpl", Roles: []string{"ncc_panel"}}
	_, err := w.a.CreateAccount(operator(), in, "a long enough password")
	field := func(err error) string {
		var re *rulebook.Error
		if errors.As(err, &re) {
			return re.Field
		}
		return ""
	}
	if field(err) != "section" || !strings.Contains(err.Error(), `"cpl" is not a section`) || !strings.Contains(err.Error(), "clp, trade_union") {
		t.Fatalf("a misspelt section: %v", err)
	}
	in.Section, in.Roles = "clp", []string{rulebook.RoleAuditor}
	_, err = w.a.CreateAccount(operator(), in, "a long enough password")
	if field(err) != "section" || !strings.Contains(err.Error(), "none of the account's roles acts for a hearing body") {
		t.Fatalf("a section for an account on no panel: %v", err)
	}
	in.Roles = []string{"ncc_panel"}
	acc, err := w.a.CreateAccount(operator(), in, "a long enough password")
	if err != nil || acc.Section != "clp" {
		t.Fatalf("a declared section: %+v %v", acc, err)
	}
	// An account holding a section from before the check (or one a newer rule
	// book dropped) can still be disabled: the section is checked when it or
	// the roles change.
	if _, err := w.db.Raw().Exec(`UPDATE accounts SET section = 'cpl' WHERE name = 'ncc-08'`); err != nil {
		t.Fatal(err)
	}
	in.Section = "cpl"
	if _, err := w.a.ChangeAccount(operator(), "ncc-08", in, true); err != nil {
		t.Errorf("disabling an account with an undeclared section: %v", err)
	}
	in.Roles = []string{"ncc_panel", rulebook.RoleAuditor}
	if _, err := w.a.ChangeAccount(operator(), "ncc-08", in, true); err == nil || field(err) != "section" {
		t.Errorf("new roles with an undeclared section: %v", err)
	}
}

// The access log names who read and whom: a member's name only for a reader
// who may read the register (oversight alone does not give it).
func TestAccessLogNames(t *testing.T) {
	src, err := examples.FS.ReadFile(examples.Labour)
	if err != nil {
		t.Fatal(err)
	}
	const office = "          acts_for: [membership_office]\n          cases: docket\n          may: [read_register, edit_register]\n"
	if !bytes.Contains(src, []byte(office)) {
		t.Fatal("test is stale: the example's membership office changed")
	}
	// The membership office oversees, and reads no register.
	src = bytes.Replace(src, []byte(office), []byte("          acts_for: [membership_office]\n          cases: docket\n          may: [oversight]\n"), 1)
	db, err := sqldb.Open(context.Background(), filepath.Join(t.TempDir(), "rulebook.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := newWorldFrom(t, db, src)
	if _, err := w.a.Member(w.as(t, "morag"), "M0001", time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ reader, subjectName string }{{"morag", "Rowan Ashdown"}, {"paula", ""}} {
		es, err := w.a.AccessLog(w.as(t, c.reader), "M0001", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 || es[0].Actor != "morag" || es[0].ActorName != "Morag Keele" || es[0].SubjectName != c.subjectName {
			t.Errorf("read by %s: %+v, want the subject named %q", c.reader, es, c.subjectName)
		}
	}
}
