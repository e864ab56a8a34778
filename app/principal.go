package app

import (
	"context"

	"github.com/rulebook/rulebook"
)

// Principal is who is asking: a signed-in account, the local operator (someone
// running the rulebook command with the database at hand), or no one (the public).
type Principal struct {
	// Account is the signed-in account; nil for the public and the operator.
	Account *rulebook.Account
	// Operator names the person running the command line; "" otherwise.
	Operator string
	// SecondFactor is true once the session has given its second factor, and for
	// API tokens (issued to an account that had).
	SecondFactor bool
	// Via says how the principal was authenticated: "session", "token", "cli" or "".
	Via string
}

// Public is the principal of a request that carries no credentials.
var Public = &Principal{}

// OperatorPrincipal is the principal of the command line, run by user. Whoever can
// run the command against the database holds the database itself; the record
// names them as "cli:USER".
func OperatorPrincipal(user string) *Principal {
	if user == "" {
		user = "operator"
	}
	return &Principal{Operator: user, SecondFactor: true, Via: "cli"}
}

// AccountPrincipal is the principal of a signed-in account.
func AccountPrincipal(acc *rulebook.Account, secondFactor bool, via string) *Principal {
	return &Principal{Account: acc, SecondFactor: secondFactor, Via: via}
}

// Actor is how the record names the principal.
func (p *Principal) Actor() string {
	switch {
	case p.Operator != "":
		return "cli:" + p.Operator
	case p.Account != nil:
		return p.Account.Name
	}
	return "public"
}

// Person is how cases name the principal ("" for the public and the operator).
func (p *Principal) Person() string {
	if p.Account == nil {
		return ""
	}
	return p.Account.Person()
}

// Member is the member of the register the principal is, if any.
func (p *Principal) Member() string {
	if p.Account == nil {
		return ""
	}
	return p.Account.Member
}

// SignedIn reports whether the principal is an account or the operator.
func (p *Principal) SignedIn() bool { return p.Account != nil || p.Operator != "" }

type principalKey struct{}

// WithPrincipal returns a context carrying p; every service call reads who is
// asking from its context.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, or Public when there is none: a
// call that forgets to say who is asking is asked by no one, and refused.
func PrincipalFrom(ctx context.Context) *Principal {
	if p, ok := ctx.Value(principalKey{}).(*Principal); ok && p != nil {
		return p
	}
	return Public
}
