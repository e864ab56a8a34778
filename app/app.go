// Package app is rulebook's application layer: every operation the front ends
// offer (the web pages, the JSON API and the command line), reads and writes
// alike, as one method each, with the one access policy (Policy.Decide) applied
// before anything is read or done. Front ends say who is asking by putting a
// Principal in the context; they never read storage themselves.
//
// Every read of a member's record or a case file is written to the access log,
// which oversight reads.
package app

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/notices"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// App is the application layer over one database and rule book.
type App struct {
	reg    *register.Service
	cases  *discipline.Service
	Policy *Policy
	// signIns limits sign-in attempts by address and by name.
	signIns *limiter
	// access stores the access log's entries behind the reads they record.
	access *accessWriter
	// tokens keeps the API tokens found valid (accounts.go).
	tokens tokenCache
	// caseKeep keeps decoded cases for the API's case reads (cases.go).
	caseKeep caseKeep
	// letters are the letter templates: whom each kind is written to
	// decides to whom a letter is addressed and who may read a copy.
	letters atomic.Pointer[notices.Templates]
}

// UseLetters sets the letter templates (the built-in ones until it is called):
// call it before serving, with the templates the front ends render.
func (a *App) UseLetters(t *notices.Templates) { a.letters.Store(t) }

// LetterTemplates returns the letter templates in use.
func (a *App) LetterTemplates() *notices.Templates { return a.letters.Load() }

// New returns the application over the register service (and the rule book it
// was opened with). A database migrated just now to the schema with per-person
// case lookups (3), to the one with indexed lists (4), to the one with waivers
// and several sanctions per case (5), to the one with occasions served (6), or to the one with members
// in units of the rule book's kinds (7), has its projections rebuilt, so that no one's cases are
// missing from their lists, every case reads in today's shape, and each member is
// in the unit the record places them in; one migrated to 17 has its cases
// rebuilt, whose deadlines are then worded as the rule book words them.
// (Migration 9 chains the access log in its own transaction.)
//
// The application stores its access log from a goroutine of its own: Close it
// when done, so that every entry is stored.
func New(ctx context.Context, reg *register.Service) (*App, error) {
	a := &App{reg: reg, cases: discipline.New(reg), signIns: newLimiter()}
	a.letters.Store(notices.Default())
	a.Policy = &Policy{Rules: reg.Rules, Now: a.now, Addressee: func(tpl string) string { return a.letters.Load().Addressee(tpl) }}
	if reg.DB.Migrated(3) || reg.DB.Migrated(4) || reg.DB.Migrated(5) || reg.DB.Migrated(6) || reg.DB.Migrated(7) {
		if err := reg.DB.Rebuild(ctx); err != nil {
			return nil, err
		}
		if _, err := a.cases.RebuildCases(ctx); err != nil {
			return nil, err
		}
	} else if reg.DB.Migrated(17) {
		// The deadlines' texts in the rule book's words: the cases alone.
		if _, err := a.cases.RebuildCases(ctx); err != nil {
			return nil, err
		}
	}
	a.access = newAccessWriter(reg.DB)
	return a, nil
}

func (a *App) now() time.Time { return a.reg.DB.Now() }

// Now is the application's clock: the database's, which stamps the record.
func (a *App) Now() time.Time { return a.now() }

func (a *App) db() *sqldb.DB { return a.reg.DB }

// Rules returns the rule book the application runs under.
func (a *App) Rules() *rules.RuleBook { return a.reg.Rules }

// Today is the current date.
func (a *App) Today() rulebook.Date { return rulebook.DateOf(a.now()) }

// Discipline is the case service, for configuring how notices are sent.
func (a *App) Discipline() *discipline.Service { return a.cases }

// allow decides act on r for the principal in ctx.
func (a *App) allow(ctx context.Context, act Action, r Resource) (*Principal, error) {
	p := PrincipalFrom(ctx)
	return p, a.Policy.Decide(p, act, r)
}

// logAccess records a read of personal or disciplinary data: the entry, stamped
// now, is queued and stored in a batch shortly after (see accessWriter), so the
// read does not wait for the writer unless the queue is full.
func (a *App) logAccess(ctx context.Context, p *Principal, action, subject, detail string) error {
	return a.logAccesses(ctx, sqldb.Access{Actor: p.Actor(), Action: action, Subject: subject, Detail: detail})
}

// logAccesses queues several entries (a page of precedents logs one per case),
// stamped now.
func (a *App) logAccesses(ctx context.Context, entries ...sqldb.Access) error {
	now := a.now()
	for _, e := range entries {
		e.At = now
		if err := a.access.log(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// appendEvent appends e to the record and runs then (its projection) in the same
// transaction, so that neither lands without the other.
func (a *App) appendEvent(ctx context.Context, e *rulebook.Event, then func(*sqldb.Appender) error) error {
	ap, err := a.db().Begin(ctx)
	if err != nil {
		return err
	}
	defer ap.Rollback()
	if err := ap.Add(e); err != nil {
		return err
	}
	if then != nil {
		if err := then(ap); err != nil {
			return err
		}
	}
	return ap.Commit()
}

func fieldErr(field, format string, args ...any) error {
	return rulebook.FieldError(field, format, args...)
}

// Health reports whether the database answers.
func (a *App) Health(ctx context.Context) (dialect string, err error) {
	return a.db().Dialect(), a.db().Ping(ctx)
}

// onReplica marks ctx so that its reads may be served by the PostgreSQL
// replica, when there is one (--db-read). These operations, and only these,
// call it first: Member, SearchMembers, Members, Eligibility, EligibilityAll,
// Electorate and Export (register.go); Cases, Deadlines, Statistics, Flows and
// SanctionCounts (cases.go); PublicStatistics (public.go). Each only reads (its
// access-log entry is written to the primary, as every write is). Everything
// else reads the primary: what a write reads to decide, the record's
// verification and checkpoints, sessions and tokens.
func onReplica(ctx context.Context) context.Context { return sqldb.OnReplica(ctx) }

// HasReplica reports whether reads are sent to a replica (--db-read).
func (a *App) HasReplica() bool { return a.db().HasReplica() }

// WritePosition is the position in the primary's log a client's later reads
// must find the replica has replayed, taken after its write (0 without a
// replica).
func (a *App) WritePosition(ctx context.Context) (sqldb.WALPosition, error) {
	return a.db().WritePosition(ctx)
}

// ReplicaHealth is the replica's part of the health check.
type ReplicaHealth struct {
	OK bool `json:"ok"`
	// BehindBytes is the primary's log the replica has yet to replay.
	BehindBytes uint64 `json:"behind_bytes"`
	// BehindSeconds is how long ago the replica replayed its last transaction,
	// when it is behind.
	BehindSeconds float64 `json:"behind_seconds"`
	// Paused says that replay is paused on the replica.
	Paused bool `json:"paused"`
}

// ReplicaHealth measures the replica's lag: nil without a replica; not OK,
// with the error, when the replica (or the primary) does not answer.
func (a *App) ReplicaHealth(ctx context.Context) (*ReplicaHealth, error) {
	lag, ok, err := a.db().ReplicaLag(ctx)
	if !ok {
		return nil, nil
	}
	if err != nil {
		return &ReplicaHealth{}, err
	}
	return &ReplicaHealth{OK: true, BehindBytes: lag.Behind, BehindSeconds: lag.Since.Seconds(), Paused: lag.Paused}, nil
}

// Authorize asks the policy whether the principal in ctx may do act on r, for a
// front end that must know before it reads a request (an upload), and returns the
// policy's refusal.
func (a *App) Authorize(ctx context.Context, act Action, r Resource) error {
	_, err := a.allow(ctx, act, r)
	return err
}

// Hold resolves what the principal in ctx holds, for front ends deciding what to
// offer (menus, forms); access itself is always decided again by Decide.
func (a *App) Hold(ctx context.Context) Holding { return a.Policy.Hold(PrincipalFrom(ctx)) }

// May reports whether the principal in ctx may do act on r, for front ends
// deciding what to offer.
func (a *App) May(ctx context.Context, act Action, r Resource) bool {
	return a.Policy.Decide(PrincipalFrom(ctx), act, r) == nil
}

func trim(s string) string { return strings.TrimSpace(s) }

func jsonInto(b []byte, v any) error { return json.Unmarshal(b, v) }
