package demo

import (
	"context"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
)

// Password is the one password of every demo account, and TOTPSecret the
// second-factor secret they share (add it to an authenticator app, or run
// `rulebook totp SECRET`). Both are printed at start-up: demo only.
const (
	Password   = "demo-password-2026"
	TOTPSecret = "RULEBOOKDEMOTOTPSECRETKEYFORALL2"
)

// Account is a demo account and what it is for.
type Account struct {
	app.AccountInput
	For string
}

// Accounts are the demo's accounts, one or more for every kind of user.
var Accounts = []Account{
	{app.AccountInput{Name: "admin", Display: "Alex Admin", Roles: []string{rulebook.RoleAdministrator}}, "manages accounts; sees no case"},
	{app.AccountInput{Name: "casey", Display: "Casey Morgan", Roles: []string{"compliance_unit"}}, "complaints staff (Compliance Unit): receives complaints, opens and runs cases"},
	{app.AccountInput{Name: "morag", Display: "Morag Keele", Roles: []string{"general_secretary"}}, "General Secretary: every case, statistics, interference register, access log"},
	{app.AccountInput{Name: "nia", Display: "Nia Osei", Roles: []string{"nec", "nec_disputes_panel"}}, "executive (NEC and its Disputes Panel): suspends, refers with charges"},
	{app.AccountInput{Name: "tom", Display: "Tom Aldous", Roles: []string{"ncc"}}, "hearing body's secretary (NCC): empanels and lists hearings"},
	{app.AccountInput{Name: "kwame", Display: "Kwame Boateng", Member: "M0015", Section: "trade_union", Roles: []string{"ncc_panel", rulebook.RoleMember}}, "hearing panel member (trade union section)"},
	{app.AccountInput{Name: "irene", Display: "Irene Sallow", Member: "M0016", Section: "clp", Roles: []string{"ncc_panel", rulebook.RoleMember}}, "hearing panel member (constituency section)"},
	{app.AccountInput{Name: "viktor", Display: "Viktor Lane", Member: "M0019", Section: "clp", Roles: []string{"ncc_panel", rulebook.RoleMember}}, "hearing panel member (constituency section)"},
	{app.AccountInput{Name: "maeve", Display: "Maeve Connell", Member: "M0023", Section: "clp", Roles: []string{"ncc_panel", rulebook.RoleMember}}, "hearing panel member (constituency section)"},
	{app.AccountInput{Name: "ruth", Display: "Ruth Ellery", Roles: []string{rulebook.RoleAuditor}}, "auditor: reads everything, changes nothing"},
	{app.AccountInput{Name: "rowan", Display: "Rowan Ashdown", Member: Protagonist, Roles: []string{rulebook.RoleMember}}, "a respondent member: the demo story's former mayor"},
	{app.AccountInput{Name: "helen", Display: "Helen Bracewell", Member: "M0010", Roles: []string{rulebook.RoleMember}}, "a member (a respondent-to-be)"},
	{app.AccountInput{Name: "declan", Display: "Declan Marsh", Member: "M0005", Roles: []string{rulebook.RoleMember}}, "a complainant member"},
	{app.AccountInput{Name: "paula", Display: "Paula Reyes", Roles: []string{"membership_office"}}, "membership office: the register"},
	{app.AccountInput{Name: "rita", Display: "Rita Count", Roles: []string{"returning_officer"}}, "returning officer: counts elections"},
}

// LoadAccounts creates the demo accounts, each with the demo password and, where
// its roles need one, the demo second factor. ctx must carry the command line's
// principal.
func LoadAccounts(ctx context.Context, a *app.App) error {
	return LoadAccountsOf(ctx, a, Accounts)
}
