package app

import (
	"context"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/sqldb"
)

// isMemberSubject reports whether an event subject is a member: other subjects are
// "kind/id" (unit/north, case/D-1, account/ann…).
func isMemberSubject(subject string) bool { return subject != "" && !strings.Contains(subject, "/") }

// decideSubject decides reading the events about one subject: a member's (with
// their contact details) for those who may read the record or see them, and the
// member; a case's for those shown all its fields; the rest for readers of the
// record.
func (a *App) decideSubject(ctx context.Context, subject string) (*Principal, error) {
	p := PrincipalFrom(ctx)
	switch {
	case isMemberSubject(subject):
		if err := a.Policy.Decide(p, ViewMember, Resource{Member: subject}); err != nil {
			return nil, err
		}
		if p.Member() == subject || a.Policy.Decide(p, ReadRecord, Resource{}) == nil {
			return p, nil
		}
		if m := (rulebook.Member{ID: subject, Email: "x"}); a.Policy.RedactMember(p, &m) {
			return nil, forbidden("the events about a member hold their contact details, which your roles are not shown")
		}
		return p, nil
	case strings.HasPrefix(subject, discipline.SubjectPrefix):
		p, _, _, err := a.loadCase(ctx, ViewCaseRecord, strings.TrimPrefix(subject, discipline.SubjectPrefix), "")
		return p, err
	}
	return p, a.Policy.Decide(p, ReadRecord, Resource{})
}

// Events returns events of the record: about one subject, or (for readers of the
// record) all of them a page at a time.
func (a *App) Events(ctx context.Context, f sqldb.EventFilter) ([]rulebook.Event, error) {
	p, err := a.decideSubject(ctx, f.Subject)
	if err != nil {
		return nil, err
	}
	if isMemberSubject(f.Subject) {
		if _, err := a.db().History(ctx, f.Subject); err != nil {
			return nil, err
		}
	}
	evs, err := a.db().Events(ctx, f)
	if err != nil {
		return nil, err
	}
	if f.Subject != "" {
		if err := a.logAccess(ctx, p, "view_events", f.Subject, ""); err != nil {
			return nil, err
		}
	}
	return orEmpty(evs), nil
}

// Event returns one event, to those who may read events about its subject.
func (a *App) Event(ctx context.Context, id string) (*rulebook.Event, error) {
	e, err := a.db().Event(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := a.decideSubject(ctx, e.Subject)
	if err != nil {
		if code := rulebook.ErrorCode(err); code == rulebook.ENotFound || code == rulebook.EForbidden {
			return nil, rulebook.Errorf(rulebook.ENotFound, "no event %q", id)
		}
		return nil, err
	}
	return e, a.logAccess(ctx, p, "view_event", e.Subject, e.ID)
}

// Verify walks the record's hash chain.
func (a *App) Verify(ctx context.Context, progress func(int64)) (*sqldb.VerifyResult, error) {
	if _, err := a.allow(ctx, ReadRecord, Resource{}); err != nil {
		return nil, err
	}
	res, err := a.db().Verify(ctx, progress)
	if err != nil {
		return nil, err
	}
	NoteEmpty(res)
	return res, nil
}

// UnprovenEmpty is what verifying a record that holds no events cannot prove: a
// record emptied by someone with access to the database looks just the same.
const UnprovenEmpty = "the record holds no events, and nothing in the database can prove that none were recorded and then removed: a record emptied by someone with access to the database looks just the same; only a checkpoint or a head kept outside the database shows it"

// NoteEmpty gives the result of verifying an empty record the plain note that
// it proves nothing about what was cut.
func NoteEmpty(res *sqldb.VerifyResult) {
	if res != nil && res.Events == 0 && res.Problem == nil {
		res.Unproven = UnprovenEmpty
	}
}

// CheckProjection rebuilds the register, the complaints, the cases (every table
// derived from them) and the dated lists, the selections, and the accounts, from the events, and
// compares them with the stored ones; nothing stored is changed.
func (a *App) CheckProjection(ctx context.Context) ([]string, error) {
	if _, err := a.allow(ctx, ReadRecord, Resource{}); err != nil {
		return nil, err
	}
	diffs, err := a.db().CheckProjection(ctx)
	if err != nil {
		return nil, err
	}
	return a.checkBeyondRegister(ctx, diffs)
}

// VerifyProjection is Verify and then, if the record verifies, CheckProjection,
// the record read once for both (sqldb.DB.VerifyProjection). diffs is nil if
// the record does not verify.
func (a *App) VerifyProjection(ctx context.Context, progress func(int64)) (res *sqldb.VerifyResult, diffs []string, err error) {
	if _, err := a.allow(ctx, ReadRecord, Resource{}); err != nil {
		return nil, nil, err
	}
	// The walk keeps the case events, and the complaints' (whose clauses a
	// case's row takes), for the case check, which then need not read them
	// again; that check runs beside the register's, under the same lock.
	ctx = sqldb.WithSubjectCapture(ctx, discipline.SubjectPrefix, rulebook.ComplaintSubjectPrefix)
	ctx = a.cases.WithCaseCheck(ctx)
	res, diffs, err = a.db().VerifyProjection(ctx, progress)
	if err != nil {
		return nil, nil, err
	}
	NoteEmpty(res)
	if !res.OK {
		return res, nil, nil
	}
	diffs, err = a.checkBeyondRegister(ctx, diffs)
	return res, diffs, err
}

// checkBeyondRegister is CheckProjection after the register and the
// complaints (diffs): the cases, the selections and the accounts.
func (a *App) checkBeyondRegister(ctx context.Context, diffs []string) ([]string, error) {
	more, err := a.cases.CheckCases(ctx)
	if err != nil {
		return nil, err
	}
	diffs = append(diffs, more...)
	if more, err = a.checkSelections(ctx); err != nil {
		return nil, err
	}
	diffs = append(diffs, more...)
	more, err = a.checkAccounts(ctx)
	return append(diffs, more...), err
}

// Rebuild rebuilds every projection from the events. The command line only.
func (a *App) Rebuild(ctx context.Context) (members, cases, accounts int, err error) {
	if p := PrincipalFrom(ctx); p.Operator == "" {
		return 0, 0, 0, forbidden("the projections are rebuilt from the command line")
	}
	if err := a.db().Rebuild(ctx); err != nil {
		return 0, 0, 0, err
	}
	if cases, err = a.cases.RebuildCases(ctx); err != nil {
		return 0, 0, 0, err
	}
	if accounts, err = a.rebuildAccounts(ctx); err != nil {
		return 0, 0, 0, err
	}
	if _, err := a.RebuildSelections(ctx); err != nil {
		return 0, 0, 0, err
	}
	members, err = a.db().CountMembers(ctx)
	return members, cases, accounts, err
}

// accountsFromEvents replays every account from its events.
func (a *App) accountsFromEvents(ctx context.Context) (map[string]rulebook.Account, map[string]int64, error) {
	evs, err := a.db().EventsWithSubjectPrefix(ctx, rulebook.AccountSubjectPrefix)
	if err != nil {
		return nil, nil, err
	}
	out, seq := map[string]rulebook.Account{}, map[string]int64{}
	for _, e := range evs {
		if e.Type != rulebook.EventAccountCreated && e.Type != rulebook.EventAccountChanged {
			continue
		}
		var acc rulebook.Account
		if err := jsonInto(e.Data, &acc); err != nil {
			return nil, nil, err
		}
		if acc.Roles == nil {
			acc.Roles = []string{}
		}
		out[acc.Name], seq[acc.Name] = acc, e.Seq
	}
	return out, seq, nil
}

func (a *App) rebuildAccounts(ctx context.Context) (int, error) {
	accs, seq, err := a.accountsFromEvents(ctx)
	if err != nil {
		return 0, err
	}
	ap, err := a.db().Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer ap.Rollback()
	if err := ap.ClearAccounts(); err != nil {
		return 0, err
	}
	for name, acc := range accs {
		if err := ap.PutAccount(acc, seq[name]); err != nil {
			return 0, err
		}
	}
	return len(accs), ap.Commit()
}

func (a *App) checkAccounts(ctx context.Context) ([]string, error) {
	want, _, err := a.accountsFromEvents(ctx)
	if err != nil {
		return nil, err
	}
	have, err := a.db().Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var diffs []string
	for _, acc := range have {
		w, ok := want[acc.Name]
		switch {
		case !ok:
			diffs = append(diffs, "account "+acc.Name+" is stored but no event creates it")
		case !sameAccount(w, acc):
			diffs = append(diffs, "account "+acc.Name+": stored projection differs from its events")
		}
		delete(want, acc.Name)
	}
	for name := range want {
		diffs = append(diffs, "account "+name+" is in the events but missing from the projection")
	}
	return diffs, nil
}

func sameAccount(x, y rulebook.Account) bool {
	return x.Name == y.Name && x.Display == y.Display && x.Member == y.Member && x.Section == y.Section && x.Disabled == y.Disabled &&
		strings.Join(x.Roles, " ") == strings.Join(y.Roles, " ")
}

// HasEventHash reports whether an event with this hash is in the record.
func (a *App) HasEventHash(ctx context.Context, h rulebook.Hash) (bool, error) {
	if _, err := a.allow(ctx, ReadRecord, Resource{}); err != nil {
		return false, err
	}
	return a.db().HasEventHash(ctx, h)
}
