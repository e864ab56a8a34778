package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Sign-in limits.
const (
	// MaxFailures consecutive failed sign-ins lock an account for LockFor.
	MaxFailures = 5
	LockFor     = 15 * time.Minute
	// SessionIdle ends a session not used for this long; SessionMax any session.
	SessionIdle = 30 * time.Minute
	SessionMax  = 12 * time.Hour
	// attemptsPerMinute is how many sign-in attempts one address may make a minute:
	// enough for an office behind one address signing in at nine, too few to try
	// passwords at any speed (each account also locks after MaxFailures).
	attemptsPerMinute = 30
)

// AccountInput creates or changes an account.
type AccountInput struct {
	Name    string   `json:"name"`
	Display string   `json:"display"`
	Member  string   `json:"member,omitempty"`
	Section string   `json:"section,omitempty"`
	Roles   []string `json:"roles"`
}

// RoleChoice is a role an account may be given, for forms and help.
type RoleChoice struct {
	ID, Name, Description string
	Builtin               bool
}

// RoleChoices lists the roles accounts may hold under the rule book in force:
// the built-in ones, then the rule book's.
func (a *App) RoleChoices() []RoleChoice {
	out := []RoleChoice{
		{rulebook.RoleAdministrator, "Administrator", "manages accounts; sees no case or member data", true},
		{rulebook.RoleAuditor, "Auditor", "reads everything, including the access log; changes nothing", true},
		{rulebook.RoleMember, "Member", "self-service: the account's own record, eligibility and cases (needs a linked member)", true},
	}
	acc := a.Policy.access()
	v, _ := a.Rules().VersionAt(a.Today())
	for _, id := range acc.RoleOrder {
		r := acc.Roles[id]
		desc := r.Description
		if desc == "" {
			// What the rule book's declaration means, in its words.
			desc = "sees " + rules.CaseScopes[r.Cases]
			if len(r.ActsFor) > 0 {
				bodies := strings.Join(r.ActsFor, ", ")
				if v != nil {
					bodies = v.BodiesInText(r.ActsFor)
				}
				desc += "; acts for " + bodies
			}
		}
		out = append(out, RoleChoice{ID: r.ID, Name: r.Name, Description: desc})
	}
	return out
}

// SectionChoice is a section of a hearing body's panels an account may sit
// for: its id, its name and the bodies whose panels have it.
type SectionChoice struct {
	ID, Name string
	Bodies   []string
}

// SectionChoices lists the sections the panels of the rule book in force
// declare, in the order the panels (by body) declare them.
func (a *App) SectionChoices() []SectionChoice {
	v, err := a.Rules().VersionAt(a.Today())
	if err != nil || v.Discipline == nil {
		return nil
	}
	var out []SectionChoice
	at := map[string]int{}
	for _, b := range slices.Sorted(maps.Keys(v.Discipline.Panels)) {
		body := b
		if x := v.Bodies[b]; x != nil {
			body = x.Name
		}
		for _, s := range v.Discipline.Panels[b].Sections {
			i, ok := at[s.ID]
			if !ok {
				i, at[s.ID] = len(out), len(out)
				out = append(out, SectionChoice{ID: s.ID, Name: s.Title()})
			}
			out[i].Bodies = append(out[i].Bodies, body)
		}
	}
	return out
}

func (a *App) checkAccount(ctx context.Context, in *AccountInput) error {
	in.Display = trim(in.Display)
	if in.Display == "" {
		return fieldErr("display", "the name shown for the account is required")
	}
	if len(in.Display) > 200 {
		return fieldErr("display", "is longer than 200 characters")
	}
	if in.Member != "" {
		if _, err := a.db().History(ctx, in.Member); err != nil {
			return fieldErr("member", "no member %q on the register", in.Member)
		}
	}
	// A name that is some other member's id would be taken for that member
	// wherever cases name people.
	if in.Member != in.Name {
		if _, err := a.db().History(ctx, in.Name); err == nil {
			return fieldErr("name", "%q is the id of a member on the register: choose another sign-in name, or link the account to that member", in.Name)
		}
	}
	acc := a.Policy.access()
	seen := map[string]bool{}
	if len(in.Roles) == 0 {
		return fieldErr("roles", "give the account at least one role")
	}
	for _, r := range in.Roles {
		switch {
		case seen[r]:
			return fieldErr("roles", "role %q is given twice", r)
		case r == rulebook.RoleMember && in.Member == "":
			return fieldErr("member", "the member role is self-service for a member: link the account to one (--member)")
		case r == rulebook.RoleAdministrator || r == rulebook.RoleAuditor || r == rulebook.RoleMember:
		case acc.Role(r) == nil:
			var ids []string
			for _, c := range a.RoleChoices() {
				ids = append(ids, c.ID)
			}
			return fieldErr("roles", "the rule book in force has no role %q (roles: %s)", r, strings.Join(ids, ", "))
		}
		seen[r] = true
	}
	return nil
}

// checkSection refuses a section that no panel of the bodies the account's
// roles act for declares, under the rule book in force: the section decides
// whether a panel the account sits on is composed as the rule book requires.
func (a *App) checkSection(in *AccountInput) error {
	in.Section = trim(in.Section)
	if in.Section == "" {
		return nil
	}
	v, err := a.Rules().VersionAt(a.Today())
	if err != nil || v.Discipline == nil {
		return fieldErr("section", "the rule book in force has no hearing panels, so no sections")
	}
	acc := a.Policy.access()
	var ids []string
	for _, r := range in.Roles {
		if acc == nil || acc.Roles[r] == nil {
			continue
		}
		for _, b := range acc.Roles[r].ActsFor {
			if pr := v.Discipline.Panels[b]; pr != nil {
				if pr.Section(in.Section) != nil {
					return nil
				}
				for _, s := range pr.Sections {
					ids = append(ids, s.ID)
				}
			}
		}
	}
	if len(ids) == 0 {
		return fieldErr("section", "a section is for a panel member: none of the account's roles acts for a hearing body whose panels have sections")
	}
	slices.Sort(ids)
	return fieldErr("section", "%q is not a section of the panels the account sits on (%s)", in.Section, strings.Join(slices.Compact(ids), ", "))
}

// CreateAccount adds an account with a password. Administrators may, and the
// command line (which is how the first administrator is made).
func (a *App) CreateAccount(ctx context.Context, in AccountInput, password string) (*rulebook.Account, error) {
	p, err := a.allow(ctx, ManageAccounts, Resource{})
	if err != nil {
		return nil, err
	}
	in.Name = trim(in.Name)
	if !rulebook.ValidAccountName(in.Name) {
		return nil, fieldErr("name", "%q is not a sign-in name: 2 to 64 lower-case letters, digits, '.', '-' or '_', starting with a letter", in.Name)
	}
	if _, err := a.db().Account(ctx, in.Name); err == nil {
		return nil, rulebook.Errorf(rulebook.EConflict, "account %s already exists", in.Name)
	}
	if err := a.checkAccount(ctx, &in); err != nil {
		return nil, err
	}
	if err := a.checkSection(&in); err != nil {
		return nil, err
	}
	if err := checkPasswordPolicy(in.Name, password); err != nil {
		return nil, err
	}
	acc := rulebook.Account{Name: in.Name, Display: in.Display, Member: in.Member, Section: trim(in.Section), Roles: in.Roles}
	e, err := register.Event(rulebook.EventAccountCreated, rulebook.AccountSubjectPrefix+acc.Name, p.Actor(), a.Today(), acc)
	if err != nil {
		return nil, err
	}
	err = a.appendEvent(ctx, e, func(ap *sqldb.Appender) error {
		if err := ap.PutAccount(acc, e.Seq); err != nil {
			return err
		}
		return ap.PutSecrets(acc.Name, sqldb.Secrets{Password: HashPassword(password)})
	})
	if err != nil {
		return nil, err
	}
	return &acc, nil
}

// Accounts lists every account (for administrators).
func (a *App) Accounts(ctx context.Context) ([]rulebook.Account, error) {
	if _, err := a.allow(ctx, ManageAccounts, Resource{}); err != nil {
		return nil, err
	}
	return a.db().Accounts(ctx)
}

// Account returns one account: one's own, or any for administrators.
func (a *App) Account(ctx context.Context, name string) (*rulebook.Account, error) {
	p := PrincipalFrom(ctx)
	act := ManageAccounts
	if p.Account != nil && p.Account.Name == name {
		act = OwnAccount
	}
	if err := a.Policy.Decide(p, act, Resource{}); err != nil {
		return nil, err
	}
	return a.db().Account(ctx, name)
}

// ChangeAccount changes an account's display name, member link, section and
// roles, or disables or enables it (accounts are never deleted: the record names
// them). The last enabled administrator cannot be disabled or lose the role.
func (a *App) ChangeAccount(ctx context.Context, name string, in AccountInput, disabled bool) (*rulebook.Account, error) {
	p, err := a.allow(ctx, ManageAccounts, Resource{})
	if err != nil {
		return nil, err
	}
	old, err := a.db().Account(ctx, name)
	if err != nil {
		return nil, err
	}
	in.Name = name
	if err := a.checkAccount(ctx, &in); err != nil {
		return nil, err
	}
	// A section is checked when it or the roles change, not on every change:
	// an account holding one from before the check, or one a newer rule book
	// dropped, can still be disabled or renamed.
	if trim(in.Section) != old.Section || !slices.Equal(in.Roles, old.Roles) {
		if err := a.checkSection(&in); err != nil {
			return nil, err
		}
	}
	acc := rulebook.Account{Name: name, Display: in.Display, Member: in.Member, Section: trim(in.Section), Roles: in.Roles, Disabled: disabled}
	if old.Holds(rulebook.RoleAdministrator) && !old.Disabled && (disabled || !acc.Holds(rulebook.RoleAdministrator)) {
		all, err := a.db().Accounts(ctx)
		if err != nil {
			return nil, err
		}
		others := 0
		for _, x := range all {
			if x.Name != name && !x.Disabled && x.Holds(rulebook.RoleAdministrator) {
				others++
			}
		}
		if others == 0 {
			return nil, rulebook.Errorf(rulebook.ENotPermitted, "%s is the last administrator: make another first, or no one could manage accounts", name)
		}
	}
	if err := a.putAccountEvent(ctx, p, rulebook.EventAccountChanged, acc); err != nil {
		return nil, err
	}
	if disabled {
		if err := a.db().DeleteSessions(ctx, name, a.now()); err != nil {
			return nil, err
		}
	}
	return &acc, nil
}

func (a *App) putAccountEvent(ctx context.Context, p *Principal, typ string, acc rulebook.Account) error {
	e, err := register.Event(typ, rulebook.AccountSubjectPrefix+acc.Name, p.Actor(), a.Today(), acc)
	if err != nil {
		return err
	}
	return a.appendEvent(ctx, e, func(ap *sqldb.Appender) error { return ap.PutAccount(acc, e.Seq) })
}

// credentialEvent records that a credential of account name changed, with fn
// run in the same transaction.
func (a *App) credentialEvent(ctx context.Context, p *Principal, name string, ch rulebook.CredentialChange, fn func(*sqldb.Appender) error) error {
	e, err := register.Event(rulebook.EventAccountCredential, rulebook.AccountSubjectPrefix+name, p.Actor(), a.Today(), ch)
	if err != nil {
		return err
	}
	return a.appendEvent(ctx, e, fn)
}

// SetPassword sets an account's password: an administrator's reset of anyone's,
// or one's own given the current one. Every session of the account ends.
func (a *App) SetPassword(ctx context.Context, name, current, password string) error {
	p := PrincipalFrom(ctx)
	own := p.Account != nil && p.Account.Name == name
	act := ManageAccounts
	if own {
		act = OwnAccount
	}
	if err := a.Policy.Decide(p, act, Resource{}); err != nil {
		return err
	}
	if _, err := a.db().Account(ctx, name); err != nil {
		return err
	}
	s, err := a.db().Secrets(ctx, name)
	if err != nil {
		return err
	}
	if own && !CheckPassword(s.Password, current) {
		return fieldErr("current", "the current password is wrong")
	}
	if err := checkPasswordPolicy(name, password); err != nil {
		return err
	}
	s.Password, s.Failures, s.LockedUntil = HashPassword(password), 0, time.Time{}
	err = a.credentialEvent(ctx, p, name, rulebook.CredentialChange{What: "password"}, func(ap *sqldb.Appender) error { return ap.PutSecrets(name, s) })
	if err != nil {
		return err
	}
	return a.db().DeleteSessions(ctx, name, a.now())
}

// ResetSecondFactor removes an account's second factor (a lost phone), so that
// it enrols again at its next sign-in. Administrators only.
func (a *App) ResetSecondFactor(ctx context.Context, name string) error {
	p, err := a.allow(ctx, ManageAccounts, Resource{})
	if err != nil {
		return err
	}
	s, err := a.db().Secrets(ctx, name)
	if err != nil {
		return err
	}
	s.TOTP, s.TOTPPending = "", ""
	err = a.credentialEvent(ctx, p, name, rulebook.CredentialChange{What: "two_factor_reset"}, func(ap *sqldb.Appender) error { return ap.PutSecrets(name, s) })
	if err != nil {
		return err
	}
	return a.db().DeleteSessions(ctx, name, a.now())
}

// Enrolment is a second factor being set up.
type Enrolment struct {
	Secret string `json:"secret"`
	URI    string `json:"uri"`
}

// BeginSecondFactor draws a new second-factor secret for one's own account; it
// takes effect when a code from it is confirmed.
func (a *App) BeginSecondFactor(ctx context.Context) (*Enrolment, error) {
	p, err := a.allow(ctx, OwnAccount, Resource{})
	if err != nil {
		return nil, err
	}
	if p.Account == nil {
		return nil, forbidden("only an account has a second factor")
	}
	s, err := a.db().Secrets(ctx, p.Account.Name)
	if err != nil {
		return nil, err
	}
	if s.TOTP != "" && !p.SecondFactor {
		return nil, forbidden("give a code from your current second factor first")
	}
	s.TOTPPending = NewTOTPSecret()
	if err := a.db().PutSecrets(ctx, p.Account.Name, s); err != nil {
		return nil, err
	}
	return &Enrolment{Secret: s.TOTPPending, URI: TOTPURI("rulebook", p.Account.Name, s.TOTPPending)}, nil
}

// HasSecondFactor reports whether the principal's account has a second factor set up.
func (a *App) HasSecondFactor(ctx context.Context) (bool, error) {
	p, err := a.allow(ctx, OwnAccount, Resource{})
	if err != nil {
		return false, err
	}
	if p.Account == nil {
		return false, nil
	}
	s, err := a.db().Secrets(ctx, p.Account.Name)
	return s.TOTP != "", err
}

// ConfirmSecondFactor confirms the secret being enrolled with a code from it; the
// session (its token, when the enrolment is made in one) then counts as having
// given its second factor.
func (a *App) ConfirmSecondFactor(ctx context.Context, session, code string) error {
	p, err := a.allow(ctx, OwnAccount, Resource{})
	if err != nil {
		return err
	}
	if p.Account == nil {
		return forbidden("only an account has a second factor")
	}
	name := p.Account.Name
	s, err := a.db().Secrets(ctx, name)
	if err != nil {
		return err
	}
	if s.TOTPPending == "" {
		return fieldErr("code", "start enrolling a second factor first")
	}
	step := checkTOTP(s.TOTPPending, code, a.now(), s.TOTPStep)
	if step == 0 {
		return fieldErr("code", "that code does not match: check the time on your device and try the next code")
	}
	s.TOTP, s.TOTPPending, s.TOTPStep = s.TOTPPending, "", step
	err = a.credentialEvent(ctx, p, name, rulebook.CredentialChange{What: "two_factor_enrolled"}, func(ap *sqldb.Appender) error { return ap.PutSecrets(name, s) })
	if err != nil || session == "" {
		return err
	}
	sess, err := a.db().Session(ctx, hashToken(session))
	if err != nil || sess.Account != name {
		return nil
	}
	sess.SecondFactor = true
	return a.db().PutSession(ctx, *sess)
}

// SignIn is the result of checking a password.
type SignIn struct {
	// Token is the new session's token, for the cookie.
	Token   string
	Account *rulebook.Account
	// NeedsSecondFactor says a code must follow before the account's roles are
	// held; Enrol that the account has none yet and must set one up.
	NeedsSecondFactor, Enrol bool
}

// errSignIn is the one answer to a wrong name or password, so that neither is
// revealed.
var errSignIn = rulebook.Errorf(rulebook.EUnauthorized, "the name or the password is wrong")

func errLocked(until time.Time) error {
	return rulebook.Errorf(rulebook.ERateLimited, "too many failed sign-ins: try again after %s UTC", until.UTC().Format("15:04"))
}

// SignIn checks a name and password from addr and starts a session. Failures are
// counted per account (MaxFailures lock it for LockFor) and attempts per address.
func (a *App) SignIn(ctx context.Context, name, password, addr string) (*SignIn, error) {
	now := a.now()
	if !a.signIns.allow("addr:"+addr, now) {
		return nil, rulebook.Errorf(rulebook.ERateLimited, "too many sign-in attempts from your address: wait a minute")
	}
	name = strings.ToLower(trim(name))
	acc, err := a.db().Account(ctx, name)
	if err != nil {
		CheckPassword(dummyHash(), password)
		if until := a.signIns.fail("name:"+name, now); !until.IsZero() {
			return nil, errLocked(until)
		}
		a.logAccess(ctx, Public, "sign_in_failed", rulebook.AccountSubjectPrefix+name, "from "+addr)
		return nil, errSignIn
	}
	s, err := a.db().Secrets(ctx, name)
	if err != nil {
		return nil, err
	}
	if now.Before(s.LockedUntil) {
		return nil, errLocked(s.LockedUntil)
	}
	if acc.Disabled || s.Password == "" || !CheckPassword(s.Password, password) {
		s.Failures++
		if s.Failures >= MaxFailures {
			s.LockedUntil, s.Failures = now.Add(LockFor), 0
		}
		if err := a.db().PutSecrets(ctx, name, s); err != nil {
			return nil, err
		}
		a.logAccess(ctx, Public, "sign_in_failed", rulebook.AccountSubjectPrefix+name, "from "+addr)
		if !s.LockedUntil.IsZero() && now.Before(s.LockedUntil) {
			return nil, errLocked(s.LockedUntil)
		}
		return nil, errSignIn
	}
	if s.Failures != 0 {
		s.Failures = 0
		if err := a.db().PutSecrets(ctx, name, s); err != nil {
			return nil, err
		}
	}
	pp := AccountPrincipal(acc, false, "session")
	need := a.Policy.Hold(pp).NeedsSecondFactor
	token := newSecret(32)
	sess := sqldb.Session{Hash: hashToken(token), Account: name, Created: now, Seen: now, Expires: now.Add(SessionIdle), SecondFactor: !need}
	if err := a.db().PutSession(ctx, sess); err != nil {
		return nil, err
	}
	a.logAccess(ctx, pp, "sign_in", rulebook.AccountSubjectPrefix+name, "from "+addr)
	return &SignIn{Token: token, Account: acc, NeedsSecondFactor: need && s.TOTP != "", Enrol: need && s.TOTP == ""}, nil
}

// GiveSecondFactor checks a code from the session's account's authenticator and,
// if it matches, lets the session hold the account's roles.
func (a *App) GiveSecondFactor(ctx context.Context, token, code string) error {
	sess, err := a.db().Session(ctx, hashToken(token))
	if err != nil {
		return unauthorized()
	}
	s, err := a.db().Secrets(ctx, sess.Account)
	if err != nil {
		return err
	}
	now := a.now()
	if now.Before(s.LockedUntil) {
		return errLocked(s.LockedUntil)
	}
	if s.TOTP == "" {
		return fieldErr("code", "this account has no second factor yet: set one up")
	}
	step := checkTOTP(s.TOTP, code, now, s.TOTPStep)
	if step == 0 {
		s.Failures++
		if s.Failures >= MaxFailures {
			s.LockedUntil, s.Failures = now.Add(LockFor), 0
			a.db().DeleteSession(ctx, sess.Hash)
		}
		if err := a.db().PutSecrets(ctx, sess.Account, s); err != nil {
			return err
		}
		return fieldErr("code", "that code is wrong or has been used")
	}
	s.TOTPStep, s.Failures = step, 0
	if err := a.db().PutSecrets(ctx, sess.Account, s); err != nil {
		return err
	}
	sess.SecondFactor = true
	return a.db().PutSession(ctx, *sess)
}

// SessionPrincipal returns the principal of a session token, extending the
// session's idle time; an unknown, expired or disabled session is Public.
func (a *App) SessionPrincipal(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return Public, nil
	}
	// The session and its account in one round trip: read afresh each
	// request, so that a session ended or an account disabled elsewhere is
	// refused at once.
	sess, acc, err := a.db().SessionAccount(ctx, hashToken(token))
	if rulebook.ErrorCode(err) == rulebook.ENotFound {
		return Public, nil
	}
	if err != nil {
		return nil, err
	}
	now := a.now()
	if now.After(sess.Expires) || now.After(sess.Created.Add(SessionMax)) {
		a.db().DeleteSession(ctx, sess.Hash)
		return Public, nil
	}
	if acc.Disabled {
		return Public, nil
	}
	// The idle time is extended at most once a minute, behind the request.
	if now.Sub(sess.Seen) > time.Minute {
		hash, expires := sess.Hash, now.Add(SessionIdle)
		a.access.touch(&touch{key: "session:" + hash, store: func(ctx context.Context) error { return a.db().TouchSession(ctx, hash, now, expires) }})
	}
	return AccountPrincipal(acc, sess.SecondFactor, "session"), nil
}

// SignOut ends a session.
func (a *App) SignOut(ctx context.Context, token string) error {
	return a.db().DeleteSession(ctx, hashToken(token))
}

// tokenPrefix starts every API token, so that one found in a log or a repository
// is recognisable.
const tokenPrefix = "rbk_"

// CreateToken issues an API token for an account: one's own (after the second
// factor), or anyone's from the command line. The secret is returned once; only
// its hash is kept.
func (a *App) CreateToken(ctx context.Context, name, label string, expires rulebook.Date) (string, *sqldb.Token, error) {
	p := PrincipalFrom(ctx)
	own := p.Account != nil && p.Account.Name == name
	if !own && p.Operator == "" {
		return "", nil, forbidden("tokens are created by their own account, or from the command line")
	}
	if err := a.Policy.Decide(p, OwnAccount, Resource{}); err != nil {
		return "", nil, err
	}
	if own && a.Policy.Hold(p).NeedsSecondFactor {
		return "", nil, forbidden("give your second factor before creating a token")
	}
	acc, err := a.db().Account(ctx, name)
	if err != nil {
		return "", nil, err
	}
	if acc.Disabled {
		return "", nil, rulebook.Errorf(rulebook.ENotPermitted, "account %s is disabled", name)
	}
	if !expires.IsZero() && expires <= a.Today() {
		return "", nil, fieldErr("expires", "%s is not in the future", expires)
	}
	var idb [5]byte
	rand.Read(idb[:])
	id := hex.EncodeToString(idb[:])
	secret := tokenPrefix + id + "_" + newSecret(32)
	t := sqldb.Token{ID: id, Hash: hashToken(secret), Account: name, Label: trim(label), Created: a.now().UTC()}
	if !expires.IsZero() {
		t.Expires = expires.Time()
	}
	err = a.credentialEvent(ctx, p, name, rulebook.CredentialChange{What: "token_created", Token: id, Label: t.Label, Expires: expires},
		func(ap *sqldb.Appender) error { return ap.PutToken(t) })
	if err != nil {
		return "", nil, err
	}
	return secret, &t, nil
}

// Tokens lists an account's tokens (never their secrets).
func (a *App) Tokens(ctx context.Context, name string) ([]sqldb.Token, error) {
	if _, err := a.Account(ctx, name); err != nil {
		return nil, err
	}
	return a.db().Tokens(ctx, name)
}

// RevokeToken revokes a token: one's own, or any for administrators and the
// command line.
func (a *App) RevokeToken(ctx context.Context, id string) error {
	p := PrincipalFrom(ctx)
	t, err := a.db().Token(ctx, id)
	if err != nil {
		return err
	}
	act := ManageAccounts
	if p.Account != nil && p.Account.Name == t.Account {
		act = OwnAccount
	}
	if err := a.Policy.Decide(p, act, Resource{}); err != nil {
		return err
	}
	if !t.Revoked.IsZero() {
		return rulebook.Errorf(rulebook.EConflict, "token %s was revoked on %s", id, t.Revoked.Format(time.RFC3339))
	}
	return a.credentialEvent(ctx, p, t.Account, rulebook.CredentialChange{What: "token_revoked", Token: id},
		func(ap *sqldb.Appender) error { return ap.RevokeToken(id, a.now()) })
}

// TokenPrincipal returns the principal of an API token; a token that is unknown,
// revoked, expired or of a disabled account is refused.
func (a *App) TokenPrincipal(ctx context.Context, secret string) (*Principal, error) {
	bad := rulebook.Errorf(rulebook.EUnauthorized, "the token is not valid (unknown, revoked or expired)")
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, bad
	}
	// A token found valid is kept, beside the credential generation read before
	// it; while the generation is unchanged (one row read), no account has
	// changed and no token has been revoked, by this process or another, since.
	hash := hashToken(secret)
	gen, err := a.db().CredentialGeneration(ctx)
	if err != nil {
		return nil, err
	}
	e := a.tokens.get(hash, gen)
	if e == nil {
		t, acc, err := a.db().TokenAccount(ctx, hash)
		if rulebook.ErrorCode(err) == rulebook.ENotFound {
			return nil, bad
		}
		if err != nil {
			return nil, err
		}
		e = &tokenEntry{gen: gen, token: *t, acc: acc}
		if !t.LastUsed.IsZero() {
			e.used.Store(t.LastUsed.UnixMicro())
		}
		a.tokens.put(hash, e)
	}
	t, acc := &e.token, e.acc
	now := a.now()
	if !t.Revoked.IsZero() || !t.Expires.IsZero() && !now.Before(t.Expires) || acc.Disabled {
		return nil, bad
	}
	// The last use is noted at most once a minute, behind the request.
	if used := e.used.Load(); now.UnixMicro()-used > time.Minute.Microseconds() && e.used.CompareAndSwap(used, now.UnixMicro()) {
		id := t.ID
		a.access.touch(&touch{key: "token:" + id, store: func(ctx context.Context) error { return a.db().TouchToken(ctx, id, now) }})
	}
	// Each request its own copy of the account: callers may change theirs.
	c := *acc
	c.Roles = slices.Clone(acc.Roles)
	return AccountPrincipal(&c, true, "token"), nil
}

// tokenCacheMax is the most tokens kept; past it, the cache starts again.
const tokenCacheMax = 4096

// tokenCache keeps API tokens found valid, by the hash of their secret.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]*tokenEntry
}

// tokenEntry is a token and its account as read while the credential
// generation was gen.
type tokenEntry struct {
	gen   int64
	token sqldb.Token
	acc   *rulebook.Account
	// used is the last use noted (Unix microseconds), so that a kept token is
	// noted once a minute, as one read afresh would be.
	used atomic.Int64
}

// get returns the entry of hash if it was read at generation gen.
func (c *tokenCache) get(hash string, gen int64) *tokenEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[hash]
	if e == nil || e.gen != gen {
		return nil
	}
	return e
}

func (c *tokenCache) put(hash string, e *tokenEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= tokenCacheMax {
		c.m = map[string]*tokenEntry{}
	}
	c.m[hash] = e
}

// PanelCandidate is an account that may sit on a panel of a body.
type PanelCandidate struct {
	Person  string `json:"person"`
	Name    string `json:"name"`
	Section string `json:"section,omitempty"`
}

// PanelCandidates lists the enabled accounts holding a role that acts for body and
// sees the cases it is assigned to, for drawing a panel.
func (a *App) PanelCandidates(ctx context.Context, body string) ([]PanelCandidate, error) {
	if _, err := a.allow(ctx, ReadLists, Resource{}); err != nil {
		return nil, err
	}
	all, err := a.db().Accounts(ctx)
	if err != nil {
		return nil, err
	}
	acc := a.Policy.access()
	var out []PanelCandidate
	for _, x := range all {
		if x.Disabled {
			continue
		}
		if slices.ContainsFunc(x.Roles, func(id string) bool {
			r := acc.Role(id)
			return r != nil && r.ActsForBody(body) && r.Cases == "assigned"
		}) {
			out = append(out, PanelCandidate{Person: x.Person(), Name: x.Display, Section: x.Section})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// limiter counts sign-in attempts per key in memory: per address, at most
// attemptsPerMinute a minute; per unknown name, failures lock it as they lock an
// account, so that a name's existence is not revealed by which one locks.
type limiter struct {
	mu    sync.Mutex
	count map[string]*window
}

type window struct {
	start    time.Time
	n        int
	fails    int
	lockedTo time.Time
}

func newLimiter() *limiter { return &limiter{count: map[string]*window{}} }

func (l *limiter) get(key string, now time.Time) *window {
	if len(l.count) > 100_000 {
		clear(l.count) // a flood of distinct keys must not grow memory without bound
	}
	w := l.count[key]
	if w == nil {
		w = &window{start: now}
		l.count[key] = w
	}
	return w
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.get(key, now)
	if now.Sub(w.start) > time.Minute {
		w.start, w.n = now, 0
	}
	w.n++
	return w.n <= attemptsPerMinute
}

// fail counts a failure and returns the time the key is locked to, if it is.
func (l *limiter) fail(key string, now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.get(key, now)
	if now.Before(w.lockedTo) {
		return w.lockedTo
	}
	w.fails++
	if w.fails >= MaxFailures {
		w.fails, w.lockedTo = 0, now.Add(LockFor)
		return w.lockedTo
	}
	return time.Time{}
}

// ProvisionSecondFactor sets an account's second-factor secret directly, as
// confirmed: for provisioning accounts from the command line (the demo's), never
// from a front end.
func (a *App) ProvisionSecondFactor(ctx context.Context, name, secret string) error {
	p := PrincipalFrom(ctx)
	if p.Operator == "" {
		return forbidden("second factors are provisioned from the command line only")
	}
	if _, err := TOTPCode(secret, 0); err != nil {
		return fieldErr("secret", "%v", err)
	}
	s, err := a.db().Secrets(ctx, name)
	if err != nil {
		return err
	}
	s.TOTP, s.TOTPPending = secret, ""
	return a.credentialEvent(ctx, p, name, rulebook.CredentialChange{What: "two_factor_enrolled"}, func(ap *sqldb.Appender) error { return ap.PutSecrets(name, s) })
}
