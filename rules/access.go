package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
)

// Access says who may do what in rulebook itself under a version: the roles that
// accounts hold, the bodies each role may act for, the cases each sees and what
// else it may do, and the fields shown only to some roles. It is configuration in
// the manner of a case platform's role definitions: each step already lists the
// states it is taken from and the bodies that take it; Access adds which people
// act for those bodies and which parts of a file they see.
//
// Every body of the version is a role acting for itself, seeing the cases awaiting
// or bearing its decisions, unless a role of the same id is declared; a rule book
// adds roles that are not bodies (a returning officer, a hearing body's secretary
// and its panel members) in access.roles.
type Access struct {
	Roles     map[string]*Role `json:"roles"`
	RoleOrder []string         `json:"role_order"`
	// Confidential maps a field (see ConfidentialFields) to the roles shown it;
	// a field not listed is shown to everyone who may see the record it is in.
	Confidential map[string][]string `json:"confidential,omitempty"`
}

// Role is a role an account may hold.
type Role struct {
	path        string
	ID          string `yaml:"id" json:"id"`
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
	// ActsFor lists the bodies whose steps an account holding the role may take.
	ActsFor []string `yaml:"acts_for" json:"acts_for,omitempty"`
	// Cases is which cases the role sees (see CaseScopes).
	Cases string `yaml:"cases" json:"cases"`
	// May lists what else the role may do (see Capabilities).
	May []string `yaml:"may" json:"may,omitempty"`
	// TwoFactor false lets the role sign in with a password alone; every role the
	// rule book declares needs a second factor unless it says so.
	TwoFactor *bool `yaml:"two_factor" json:"two_factor,omitempty"`
	// FromBody marks a role made from a body the access section does not mention.
	FromBody bool `yaml:"-" json:"from_body,omitempty"`
}

// NeedsTwoFactor reports whether holders of the role must sign in with a second factor.
func (r *Role) NeedsTwoFactor() bool { return r.TwoFactor == nil || *r.TwoFactor }

// Can reports whether the role has capability c.
func (r *Role) Can(c string) bool { return slices.Contains(r.May, c) }

// ActsForBody reports whether the role may act for body.
func (r *Role) ActsForBody(body string) bool { return slices.Contains(r.ActsFor, body) }

// CaseScopes is the vocabulary of which cases a role sees. Whatever the scope, an
// account also sees the cases it holds a role in (empanelled, assigned as
// investigator, representing the respondent), and never sees as staff a case in
// which it has declared a conflict, recused itself, or is a party.
var CaseScopes = map[string]string{
	"all":      "every case",
	"unit":     "the cases handled by a body the role acts for",
	"docket":   "the cases in a state from which a body the role acts for may take a step, and those in which one has taken a step",
	"assigned": "only the cases in which the account holds a case role (empanelled on the panel, assigned as investigator, representing the respondent)",
	"none":     "no case",
}

// Capabilities is the vocabulary of what a role may do besides taking steps.
var Capabilities = map[string]string{
	"read_register":      "search the register and see any member's record and eligibility, and electorates",
	"edit_register":      "change the register: members, units, statuses, corrections, imports and exports",
	"receive_complaints": "record complaints received, and see complaints not yet in a case",
	"open_cases":         "open cases",
	"record_on_cases":    "record conflicts, recusals, mitigation, contacts, conditions met, linked complaints and corrections on the cases the role sees",
	"assign_case_roles":  "assign investigators and representatives to the cases the role sees",
	"edit_lists":         "add entries to the dated lists automatic-exclusion triggers are checked against",
	"read_reports":       "deadlines and precedents (other cases' parties shown only where the role sees those cases)",
	"oversight":          "statistics, the interference register, the access log and the survey results",
	"subject_access":     "produce anyone's subject access export",
	"read_record":        "read the event record and verify it",
	"erase_records":      "erase personal data: what the retention schedule says is due, and a valid erasure request",
	"count_votes":        "count elections",
	"run_selections":     "run candidate selections: open them, record nominations, freeze the electorate, enter ballot papers, record refusals, close and count",
}

// ConfidentialFields is the vocabulary of fields the rule book may show only to
// some roles.
var ConfidentialFields = map[string]string{
	"complainants":    "who complained: the complainants of a case and of each complaint",
	"witnesses":       "who made contact or gave information about a case",
	"evidence":        "the evidence listed on steps",
	"panel":           "the names of a hearing panel's members",
	"contact_details": "members' e-mail addresses, telephone numbers and postal addresses",
}

// ReservedRoles are the built-in roles, which a rule book cannot redefine:
// administrator (accounts only, no case content), auditor (read-only everything)
// and member (self-service).
var ReservedRoles = []string{"administrator", "auditor", "member"}

// ShownTo reports whether field is shown to a holder of role: true when the rule
// book does not restrict the field.
func (a *Access) ShownTo(field, role string) bool {
	roles, ok := a.Confidential[field]
	return !ok || slices.Contains(roles, role)
}

// Role returns the role with id, or nil.
func (a *Access) Role(id string) *Role {
	if a == nil {
		return nil
	}
	return a.Roles[id]
}

type accessSpec struct {
	Roles        []Role             `yaml:"roles"`
	Confidential []confidentialSpec `yaml:"confidential"`
	Repeal       struct {
		Roles []string `yaml:"roles"`
	} `yaml:"repeal"`
}

type confidentialSpec struct {
	Field   string   `yaml:"field"`
	ShownTo []string `yaml:"shown_to"`
}

// accessDraft accumulates the access sections of successive versions.
type accessDraft struct {
	roles        map[string]*Role
	order        []string
	confidential map[string][]string
	confPath     map[string]string
}

func (d *draft) amendAccess(c *checker, s *accessSpec, vp string) {
	if d.access == nil {
		d.access = &accessDraft{roles: map[string]*Role{}, confidential: map[string][]string{}, confPath: map[string]string{}}
	}
	if s == nil {
		return
	}
	x := d.access
	p := vp + ".access"
	x.order = keyed(c, x.roles, x.order, s.Roles, p+".roles", func(r *Role) string { return r.ID }, func(r *Role, path string) { r.path = path })
	for i, cf := range s.Confidential {
		fp := fmt.Sprintf("%s.confidential[%d]", p, i)
		if _, ok := ConfidentialFields[cf.Field]; !ok {
			c.addf(fp+".field", "unknown field %q (known: %s)", cf.Field, strings.Join(sortedKeys(ConfidentialFields), ", "))
			continue
		}
		x.confidential[cf.Field] = cf.ShownTo
		x.confPath[cf.Field] = fp
	}
	for _, id := range s.Repeal.Roles {
		if _, ok := x.roles[id]; !ok {
			c.addf(p+".repeal.roles", "cannot repeal role %q: no earlier version declares it", id)
		}
		delete(x.roles, id)
	}
}

// buildAccess resolves the roles of version v: those declared, then one for each
// body not already a role.
func (d *draft) buildAccess(c *checker, v *Version) {
	a := &Access{Roles: map[string]*Role{}, Confidential: map[string][]string{}}
	v.Access = a
	x := d.access
	for _, id := range x.order {
		r, ok := x.roles[id]
		if !ok {
			continue
		}
		cp := *r
		r = &cp
		if !rulebook.ValidID(r.ID) {
			c.addf(r.path+".id", "%q is not a valid id", r.ID)
		}
		if slices.Contains(ReservedRoles, r.ID) {
			c.addf(r.path+".id", "%q is a built-in role (%s) and cannot be declared", r.ID, strings.Join(ReservedRoles, ", "))
		}
		if r.Name == "" {
			c.addf(r.path+".name", "is required")
		}
		for _, b := range r.ActsFor {
			if v.Bodies[b] == nil {
				c.addf(r.path+".acts_for", "unknown body %q", b)
			}
		}
		if r.Cases == "" {
			r.Cases = "none"
		}
		if _, ok := CaseScopes[r.Cases]; !ok {
			c.addf(r.path+".cases", "unknown scope %q (known: %s)", r.Cases, strings.Join(sortedKeys(CaseScopes), ", "))
		}
		for _, m := range r.May {
			if _, ok := Capabilities[m]; !ok {
				c.addf(r.path+".may", "unknown capability %q (known: %s)", m, strings.Join(sortedKeys(Capabilities), ", "))
			}
		}
		a.Roles[r.ID] = r
		a.RoleOrder = append(a.RoleOrder, r.ID)
	}
	for _, id := range v.BodyOrder {
		if a.Roles[id] != nil || slices.Contains(ReservedRoles, id) {
			continue
		}
		b := v.Bodies[id]
		a.Roles[id] = &Role{ID: id, Name: b.Name, ActsFor: []string{id}, Cases: "docket", FromBody: true}
		a.RoleOrder = append(a.RoleOrder, id)
	}
	for _, f := range sortedKeys(x.confidential) {
		for _, r := range x.confidential[f] {
			if a.Roles[r] == nil && !slices.Contains(ReservedRoles, r) {
				c.addf(x.confPath[f]+".shown_to", "unknown role %q", r)
			}
		}
		a.Confidential[f] = x.confidential[f]
	}
}
