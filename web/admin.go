package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
)

type accountsData struct {
	Accounts []rulebook.Account
	Roles    []app.RoleChoice
	Account  *rulebook.Account
	// Sections are those an account may sit for, with the account's own
	// if the rule book in force no longer has it (so that saving shows it).
	Sections []app.SectionChoice
}

// RoleNames names roles as the rule book in force does ("NCC panel member"),
// a role it no longer declares by its id.
func (d accountsData) RoleNames(ids []string) string { return roleNames(d.Roles, ids) }

// roleNames names roles as choices do, a role they lack by its id.
func roleNames(choices []app.RoleChoice, ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id
		for _, c := range choices {
			if c.ID == id {
				names[i] = c.Name
			}
		}
	}
	return strings.Join(names, ", ")
}

// accountsData is what the account pages show: accs, or acc, with the
// roles and sections to choose from.
func (s *Server) accountsData(accs []rulebook.Account, acc *rulebook.Account) accountsData {
	d := accountsData{Accounts: accs, Account: acc, Roles: s.app.RoleChoices(), Sections: s.app.SectionChoices()}
	if acc != nil && acc.Section != "" && !slices.ContainsFunc(d.Sections, func(c app.SectionChoice) bool { return c.ID == acc.Section }) {
		d.Sections = append(d.Sections, app.SectionChoice{ID: acc.Section, Name: acc.Section + " (not a section of the rule book in force)"})
	}
	return d
}

func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request) error {
	accs, err := s.app.Accounts(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "accounts", "Accounts", s.accountsData(accs, nil))
	return nil
}

func accountInput(f url.Values) app.AccountInput {
	return app.AccountInput{Name: strings.TrimSpace(f.Get("name")), Display: f.Get("display"), Member: strings.TrimSpace(f.Get("member")),
		Section: f.Get("section"), Roles: f["role"]}
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	in := accountInput(r.PostForm)
	if _, err := s.app.CreateAccount(r.Context(), in, r.PostForm.Get("password")); err != nil {
		accs, err2 := s.app.Accounts(r.Context())
		if err2 != nil {
			return err2
		}
		return s.formError(w, r, "accounts", "Accounts", s.accountsData(accs, nil), err)
	}
	return s.done(w, r, "/admin/accounts/"+url.PathEscape(in.Name), "Account "+in.Name+" created. They will set up two-factor sign-in when they first sign in, if their roles need it.")
}

func (s *Server) adminAccountPage(w http.ResponseWriter, r *http.Request) error {
	acc, err := s.app.Account(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	if !s.app.May(r.Context(), app.ManageAccounts, app.Resource{}) {
		return rulebook.Errorf(rulebook.EForbidden, "only administrators manage accounts")
	}
	s.render(w, r, http.StatusOK, "account_admin", "Account "+acc.Name, s.accountsData(nil, acc))
	return nil
}

func (s *Server) changeAccount(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	name := r.PathValue("name")
	in := accountInput(r.PostForm)
	if _, err := s.app.ChangeAccount(r.Context(), name, in, r.PostForm.Get("disabled") == "on"); err != nil {
		acc, err2 := s.app.Account(r.Context(), name)
		if err2 != nil {
			return err2
		}
		return s.formError(w, r, "account_admin", "Account "+name, s.accountsData(nil, acc), err)
	}
	return s.done(w, r, "/admin/accounts/"+url.PathEscape(name), "Account "+name+" changed.")
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	name := r.PathValue("name")
	if err := s.app.SetPassword(r.Context(), name, "", r.PostForm.Get("password")); err != nil {
		acc, err2 := s.app.Account(r.Context(), name)
		if err2 != nil {
			return err2
		}
		return s.formError(w, r, "account_admin", "Account "+name, s.accountsData(nil, acc), err)
	}
	return s.done(w, r, "/admin/accounts/"+url.PathEscape(name), "Password of "+name+" reset; their sessions have ended.")
}

func (s *Server) resetSecondFactor(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if err := s.app.ResetSecondFactor(r.Context(), name); err != nil {
		return err
	}
	return s.done(w, r, "/admin/accounts/"+url.PathEscape(name), "Two-factor sign-in of "+name+" reset: they will set it up again at their next sign-in.")
}
