package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/rulebook/rulebook/app"
)

func init() {
	commands["user"] = command{"user add|list|change|disable|enable|password|reset-2fa: accounts, their roles and credentials", runUser}
	commands["token"] = command{"token create|list|revoke: API tokens (stored hashed, revocable)", runToken}
	commands["totp"] = command{"totp SECRET: the current two-factor code for a secret (for the demo accounts)", runTOTP}
}

const userUsage = `usage:
  rulebook user add --name NAME --display "Full Name" --role ROLE [--role ROLE…] [--body BODY] [--member ID] [--section S] --password-stdin
  rulebook user list
  rulebook user change NAME [--display D] [--role ROLE…] [--member ID] [--section S]
  rulebook user disable NAME | enable NAME
  rulebook user password NAME --password-stdin
  rulebook user reset-2fa NAME

Roles are the built-in administrator, auditor and member, and the roles of the rule
book in force (its bodies and the roles it declares): see 'rulebook user roles'.`

func runUser(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user", "user add|list|change|disable|enable|password|reset-2fa|roles [NAME] [flags]")
	st := addStoreFlags(fs, e)
	name := fs.String("name", "", "add: the sign-in name")
	display := fs.String("display", "", "add, change: the person's name as shown")
	member := fs.String("member", "", "add, change: link the account to a member of the register")
	section := fs.String("section", "", "add, change: the section of a hearing body's panels the person sits for (change: \"\" clears it)")
	var roles, bodies multi
	fs.Var(&roles, "role", "a role (repeat for more)")
	fs.Var(&bodies, "body", "the role of a body of the rule book, by the body's id (repeat for more)")
	stdin := fs.Bool("password-stdin", false, "read the password from standard input (its first line)")
	asJSON := fs.Bool("json", false, "list: print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errUsage{userUsage}
	}
	// The first administrator is added to a new database.
	st.create = pos[0] == "add"
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	roles = append(roles, bodies...)
	password := func() (string, error) {
		if !*stdin {
			return "", errUsage{"give the password on standard input with --password-stdin (never on the command line, where others can read it)"}
		}
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("reading the password from standard input: %v", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	arg := func() (string, error) {
		if len(pos) != 2 {
			return "", errUsage{fmt.Sprintf("usage: rulebook user %s NAME", pos[0])}
		}
		return pos[1], nil
	}
	switch pos[0] {
	case "add":
		if *name == "" {
			return errUsage{"user add: --name is required\n\n" + userUsage}
		}
		if *display == "" {
			*display = *name
		}
		pw, err := password()
		if err != nil {
			return err
		}
		acc, err := a.CreateAccount(ctx, app.AccountInput{Name: *name, Display: *display, Member: *member, Section: *section, Roles: roles}, pw)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "account %s created with roles %s\n", acc.Name, strings.Join(acc.Roles, ", "))
		if a.Policy.Hold(app.AccountPrincipal(acc, false, "")).NeedsSecondFactor {
			fmt.Fprintln(e.stdout, "  its roles need two-factor sign-in: it is set up at the first sign-in")
		}
		return nil
	case "list":
		accs, err := a.Accounts(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, accs)
		}
		t := table(e.stdout)
		row(t, "", "NAME", "DISPLAY NAME", "MEMBER", "STATE", "ROLES", "SECTION")
		for _, x := range accs {
			state := "active"
			if x.Disabled {
				state = "disabled"
			}
			row(t, "", x.Name, x.Display, x.Member, state, strings.Join(x.Roles, ", "), x.Section)
		}
		return t.Flush()
	case "roles":
		t := table(e.stdout)
		for _, r := range a.RoleChoices() {
			row(t, "", r.ID, r.Name, r.Description)
		}
		return t.Flush()
	case "change", "disable", "enable":
		n, err := arg()
		if err != nil {
			return err
		}
		acc, err := a.Account(ctx, n)
		if err != nil {
			return err
		}
		in := app.AccountInput{Name: n, Display: acc.Display, Member: acc.Member, Section: acc.Section, Roles: acc.Roles}
		disabled := acc.Disabled
		switch pos[0] {
		case "disable":
			disabled = true
		case "enable":
			disabled = false
		default:
			if *display != "" {
				in.Display = *display
			}
			// --member "" and --section "" clear them (a section the
			// account's new roles have no panel for must go).
			given := map[string]bool{}
			fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
			if given["member"] {
				in.Member = *member
			}
			if given["section"] {
				in.Section = *section
			}
			if len(roles) > 0 {
				in.Roles = roles
			}
		}
		acc, err = a.ChangeAccount(ctx, n, in, disabled)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "account %s: roles %s, %s\n", acc.Name, strings.Join(acc.Roles, ", "), map[bool]string{true: "disabled", false: "enabled"}[acc.Disabled])
		return nil
	case "password":
		n, err := arg()
		if err != nil {
			return err
		}
		pw, err := password()
		if err != nil {
			return err
		}
		if err := a.SetPassword(ctx, n, "", pw); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "password of %s set; its sessions have ended\n", n)
		return nil
	case "reset-2fa":
		n, err := arg()
		if err != nil {
			return err
		}
		if err := a.ResetSecondFactor(ctx, n); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "two-factor sign-in of %s reset: it is set up again at the next sign-in\n", n)
		return nil
	}
	return errUsage{fmt.Sprintf("unknown user command %q\n\n%s", pos[0], userUsage)}
}

func runToken(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token", "token create --user NAME [--label L] [--expires YYYY-MM-DD] | token list --user NAME | token revoke ID")
	st := addStoreFlags(fs, e)
	user := fs.String("user", "", "the account")
	label := fs.String("label", "", "create: what the token is for")
	expires := fs.String("expires", "", "create: the day it stops working")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errUsage{"usage: rulebook token create --user NAME [--expires D] | list --user NAME | revoke ID"}
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	switch pos[0] {
	case "create":
		if *user == "" {
			return errUsage{"token create: --user is required"}
		}
		exp, err := dateFlag("expires", *expires, false)
		if err != nil {
			return err
		}
		secret, t, err := a.CreateToken(ctx, *user, *label, exp)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, secret)
		until := "no expiry"
		if !t.Expires.IsZero() {
			until = "expires " + t.Expires.Format(time.DateOnly)
		}
		fmt.Fprintf(e.stderr, "token %s for %s (%s): shown once; only its hash is kept. Use it as: Authorization: Bearer TOKEN\n", t.ID, *user, until)
		return nil
	case "list":
		if *user == "" {
			return errUsage{"token list: --user is required"}
		}
		ts, err := a.Tokens(ctx, *user)
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			fmt.Fprintf(e.stdout, "%s has no API tokens\n", *user)
			return nil
		}
		tw := table(e.stdout)
		row(tw, "", "TOKEN", "LABEL", "CREATED", "STATE")
		for _, t := range ts {
			state := "active"
			if !t.Revoked.IsZero() {
				state = "revoked " + t.Revoked.Format(time.RFC3339)
			} else if !t.Expires.IsZero() {
				state = "active, expires " + t.Expires.Format(time.DateOnly)
			}
			row(tw, "", t.ID, t.Label, t.Created.Format(time.RFC3339), state)
		}
		return tw.Flush()
	case "revoke":
		if len(pos) != 2 {
			return errUsage{"usage: rulebook token revoke ID"}
		}
		if err := a.RevokeToken(ctx, pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "token %s revoked\n", pos[1])
		return nil
	}
	return errUsage{fmt.Sprintf("unknown token command %q", pos[0])}
}

func runTOTP(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return errUsage{"usage: rulebook totp SECRET"}
	}
	code, err := app.TOTPCode(args[0], app.TOTPStep(time.Now()))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, code)
	return nil
}
