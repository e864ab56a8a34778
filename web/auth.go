package web

import (
	"net/http"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/httpapi"
	"github.com/rulebook/rulebook/sqldb"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	if app.PrincipalFrom(r.Context()).Account != nil {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, "home", "Welcome", nil)
	return nil
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) error {
	s.renderPage(w, r, http.StatusOK, "signin", &page{Title: "Sign in", Data: map[string]string{"Next": r.URL.Query().Get("next")}})
	return nil
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	next := safeNext(r.PostForm.Get("next"))
	res, err := s.app.SignIn(r.Context(), r.PostForm.Get("name"), r.PostForm.Get("password"), clientAddr(r))
	if err != nil {
		status := http.StatusUnauthorized
		if rulebook.ErrorCode(err) == rulebook.ERateLimited {
			status = http.StatusTooManyRequests
		}
		form := r.PostForm
		form.Del("password")
		s.renderPage(w, r, status, "signin", &page{Title: "Sign in", Error: rulebook.ErrorMessage(err), Form: form, Data: map[string]string{"Next": next}})
		return nil
	}
	s.setSession(w, res.Token)
	switch {
	case res.Enrol:
		http.Redirect(w, r, "/account/second-factor", http.StatusSeeOther)
	case res.NeedsSecondFactor:
		http.Redirect(w, r, "/signin/code?next="+strings.ReplaceAll(next, "&", "%26"), http.StatusSeeOther)
	default:
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
	return nil
}

func (s *Server) codePage(w http.ResponseWriter, r *http.Request) error {
	has, err := s.app.HasSecondFactor(r.Context())
	if err != nil {
		return err
	}
	if !has {
		http.Redirect(w, r, "/account/second-factor", http.StatusSeeOther)
		return nil
	}
	s.renderPage(w, r, http.StatusOK, "code", &page{Title: "Your code", Data: map[string]string{"Next": r.URL.Query().Get("next")}})
	return nil
}

func (s *Server) giveCode(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	c, err := r.Cookie(httpapi.SessionCookie)
	if err != nil {
		return rulebook.Errorf(rulebook.EUnauthorized, "sign in first")
	}
	next := safeNext(r.PostForm.Get("next"))
	if err := s.app.GiveSecondFactor(r.Context(), c.Value, r.PostForm.Get("code")); err != nil {
		s.renderPage(w, r, http.StatusUnauthorized, "code", &page{Title: "Your code", Error: rulebook.ErrorMessage(err), Data: map[string]string{"Next": next}})
		return nil
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(httpapi.SessionCookie); err == nil {
		if err := s.app.SignOut(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.setSession(w, "")
	return s.done(w, r, "/", "You have signed out.")
}

// accountData is one's own account page.
type accountData struct {
	Account     *rulebook.Account
	Tokens      []sqldb.Token
	HasFactor   bool
	NewToken    string
	RoleChoices []app.RoleChoice
}

// RoleNames names the account's roles as the rule book in force does.
func (d *accountData) RoleNames() string { return roleNames(d.RoleChoices, d.Account.Roles) }

func (s *Server) accountData(r *http.Request) (*accountData, error) {
	p := app.PrincipalFrom(r.Context())
	if p.Account == nil {
		return nil, rulebook.Errorf(rulebook.EUnauthorized, "sign in first")
	}
	acc, err := s.app.Account(r.Context(), p.Account.Name)
	if err != nil {
		return nil, err
	}
	d := &accountData{Account: acc, RoleChoices: s.app.RoleChoices()}
	if d.Tokens, err = s.app.Tokens(r.Context(), acc.Name); err != nil {
		return nil, err
	}
	if d.HasFactor, err = s.app.HasSecondFactor(r.Context()); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.accountData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "account", "My account", d)
	return nil
}

// formError shows a page again with a refused form's error, keeping what was typed.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, name, title string, data any, err error) error {
	code := rulebook.ErrorCode(err)
	if code == rulebook.EInternal {
		return err
	}
	status := map[string]int{rulebook.EInvalid: 400, rulebook.ENotFound: 404, rulebook.EConflict: 409, rulebook.ENotPermitted: 422,
		rulebook.ENoRules: 422, rulebook.EForbidden: 403, rulebook.EUnauthorized: 401, rulebook.ERateLimited: 429}[code]
	form := r.PostForm
	for _, secret := range []string{"password", "current", "confirm"} {
		form.Del(secret)
	}
	s.renderPage(w, r, status, name, &page{Title: title, Data: data, Error: rulebook.ErrorMessage(err), Field: fieldOf(err), Form: form})
	return nil
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	d, err := s.accountData(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	if f.Get("password") != f.Get("confirm") {
		return s.formError(w, r, "account", "My account", d, rulebook.FieldError("confirm", "the two new passwords differ"))
	}
	if err := s.app.SetPassword(r.Context(), d.Account.Name, f.Get("current"), f.Get("password")); err != nil {
		return s.formError(w, r, "account", "My account", d, err)
	}
	// Every session ended with the change: sign in again with the new password.
	s.setSession(w, "")
	return s.done(w, r, "/signin", "Your password is changed. Sign in with it.")
}

type enrolData struct {
	Enrolment *app.Enrolment
	Has       bool
}

func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request) error {
	has, err := s.app.HasSecondFactor(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "enrol", "Two-factor sign-in", enrolData{Has: has})
	return nil
}

func (s *Server) enrol(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	if r.PostForm.Get("code") == "" {
		e, err := s.app.BeginSecondFactor(r.Context())
		if err != nil {
			return err
		}
		s.render(w, r, http.StatusOK, "enrol", "Two-factor sign-in", enrolData{Enrolment: e})
		return nil
	}
	session := ""
	if c, err := r.Cookie(httpapi.SessionCookie); err == nil {
		session = c.Value
	}
	if err := s.app.ConfirmSecondFactor(r.Context(), session, r.PostForm.Get("code")); err != nil {
		e := &app.Enrolment{Secret: r.PostForm.Get("secret")}
		return s.formError(w, r, "enrol", "Two-factor sign-in", enrolData{Enrolment: e}, err)
	}
	return s.done(w, r, "/dashboard", "Two-factor sign-in is set up: from now on you will be asked for a code after your password.")
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	d, err := s.accountData(r)
	if err != nil {
		return err
	}
	expires, err := formDate(r.PostForm, "expires")
	if err != nil {
		return s.formError(w, r, "account", "My account", d, err)
	}
	secret, _, err := s.app.CreateToken(r.Context(), d.Account.Name, r.PostForm.Get("label"), expires)
	if err != nil {
		return s.formError(w, r, "account", "My account", d, err)
	}
	if d, err = s.accountData(r); err != nil {
		return err
	}
	d.NewToken = secret
	s.renderPage(w, r, http.StatusCreated, "account", &page{Title: "My account", Data: d, Flash: "Token created. Copy it now: it is not shown again."})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return s.done(w, r, "/account", "Token revoked.")
}
