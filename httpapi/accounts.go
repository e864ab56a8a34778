package httpapi

import (
	"net/http"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
)

// The accounts endpoints: one's own account and tokens, and (for administrators)
// everyone's accounts.

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := app.PrincipalFrom(r.Context())
	if p.Account == nil {
		return rulebook.Errorf(rulebook.EUnauthorized, "sign in first")
	}
	acc, err := s.app.Account(r.Context(), p.Account.Name)
	if err != nil {
		return err
	}
	h := s.app.Hold(r.Context())
	var roles []string
	for _, x := range h.Roles {
		roles = append(roles, x.ID)
	}
	writeJSON(w, http.StatusOK, map[string]any{"account": acc, "roles_in_force": orEmpty(roles), "acts_for": orEmpty(h.Bodies()),
		"second_factor_needed": h.NeedsSecondFactor, "via": p.Via})
	return nil
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) error {
	accs, err := s.app.Accounts(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": orEmpty(accs)})
	return nil
}

type accountInput struct {
	app.AccountInput
	Password string `json:"password"`
	Disabled bool   `json:"disabled"`
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) error {
	var in accountInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	acc, err := s.app.CreateAccount(r.Context(), in.AccountInput, in.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"account": acc})
	return nil
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	acc, err := s.app.Account(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"account": acc})
	return nil
}

func (s *Server) changeAccount(w http.ResponseWriter, r *http.Request) error {
	var in accountInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Password != "" {
		return rulebook.FieldError("password", "set a password with POST /api/v1/accounts/{name}/password")
	}
	acc, err := s.app.ChangeAccount(r.Context(), r.PathValue("name"), in.AccountInput, in.Disabled)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"account": acc})
	return nil
}

type passwordInput struct {
	Current  string `json:"current"`
	Password string `json:"password"`
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) error {
	var in passwordInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.app.SetPassword(r.Context(), r.PathValue("name"), in.Current, in.Password); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"changed": true})
	return nil
}

func (s *Server) resetSecondFactor(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.ResetSecondFactor(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"reset": true})
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.app.Tokens(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": orEmpty(ts)})
	return nil
}

type tokenInput struct {
	Label   string        `json:"label"`
	Expires rulebook.Date `json:"expires"`
}

// createToken issues a token to the caller's own account; the secret is in the
// answer once, and never again.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in tokenInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p := app.PrincipalFrom(r.Context())
	if p.Account == nil {
		return rulebook.Errorf(rulebook.EUnauthorized, "sign in first")
	}
	secret, t, err := s.app.CreateToken(r.Context(), p.Account.Name, in.Label, in.Expires)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": secret, "info": t})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"revoked": true})
	return nil
}
