package rulebook

import (
	"slices"
	"strings"
)

// Event types of accounts: the people who sign in to rulebook. An account and the
// roles it holds are in the record, like every decision, so that who could do what
// on a date can be shown; its secrets (the password hash, the second factor, token
// hashes) are not, and are kept apart.
const (
	EventAccountCreated = "account.created"
	// EventAccountChanged carries the account's whole state after the change
	// (roles granted or withdrawn, disabled or enabled, particulars).
	EventAccountChanged = "account.changed"
	// EventAccountCredential records that a credential was set, reset or issued
	// (its secret is never recorded).
	EventAccountCredential = "account.credential"
)

// AccountSubjectPrefix starts the subject of events about an account.
const AccountSubjectPrefix = "account/"

// Built-in roles, which every rule book has: the rest come from the rule book.
const (
	// RoleAdministrator manages accounts and nothing else: no case content.
	RoleAdministrator = "administrator"
	// RoleAuditor reads everything, including the access log, and changes nothing.
	RoleAuditor = "auditor"
	// RoleMember is self-service: the account's own record, eligibility and cases.
	RoleMember = "member"
)

// Account is a person who signs in.
type Account struct {
	// Name is the sign-in name.
	Name    string `json:"name"`
	Display string `json:"display"`
	// Member links the account to a member of the register, where there is one.
	Member string `json:"member,omitempty"`
	// Section is the section of a body the person sits for (one of the sections
	// a hearing body's panels must draw on), for panel composition rules.
	Section  string   `json:"section,omitempty"`
	Roles    []string `json:"roles"`
	Disabled bool     `json:"disabled,omitempty"`
}

// Person is how cases name the account's holder: the member id when the account
// is linked to a member, otherwise the sign-in name. Panel members, conflicts,
// recusals and case roles are matched against it.
func (a *Account) Person() string {
	if a.Member != "" {
		return a.Member
	}
	return a.Name
}

// Holds reports whether the account holds role.
func (a *Account) Holds(role string) bool { return slices.Contains(a.Roles, role) }

// CredentialChange is the data of an account.credential event.
type CredentialChange struct {
	// What is "password", "two_factor_enrolled", "two_factor_reset",
	// "token_created" or "token_revoked".
	What string `json:"what"`
	// Token is the public id of an API token created or revoked.
	Token   string `json:"token,omitempty"`
	Label   string `json:"label,omitempty"`
	Expires Date   `json:"expires,omitempty"`
}

// ValidAccountName reports whether s may be a sign-in name: 2–64 lower-case
// letters, digits, '.', '-' or '_', starting with a letter.
func ValidAccountName(s string) bool {
	if len(s) < 2 || len(s) > 64 || !(s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_')
	})
}
