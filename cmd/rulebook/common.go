package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// store holds the flags every command that touches stored data shares.
type store struct {
	db    string
	rules string
	// dbRead is a PostgreSQL streaming replica the reads the application lists
	// are sent to (--db-read), on the commands that only read.
	dbRead string
	e      *env
	// create lets the command create a SQLite database that does not exist yet:
	// only the commands that exist to start one (serve, demo, import, user add). Any
	// other, given a path with no database at it, says so rather than create an
	// empty one a mistyped --db would otherwise leave behind.
	create bool
}

func addStoreFlags(fs *flag.FlagSet, e *env) *store {
	s := &store{e: e}
	def := e.getenv("RULEBOOK_DB")
	if def == "" {
		def = "rulebook.db"
	}
	fs.StringVar(&s.db, "db", def, "database: a SQLite file path, or a postgres:// DSN (env RULEBOOK_DB)")
	fs.StringVar(&s.rules, "rules", e.getenv("RULEBOOK_RULES"), "rule book YAML file (env RULEBOOK_RULES; default: the rule book last recorded in the database)")
	if readOnlyCommands[fs.Name()] {
		fs.StringVar(&s.dbRead, "db-read", e.getenv("RULEBOOK_DB_READ"), "a postgres:// DSN of a streaming replica of --db: eligibility, electorates, member reads and searches, "+
			"case lists and statistics are read from it; writes, the access log and verification stay on --db; "+
			"a read after the same client's write waits up to 2s for the replica to replay it, then reads --db (env RULEBOOK_DB_READ)")
	}
	return s
}

// readOnlyCommands take --db-read: the commands that only read (and serve,
// whose reads the application sends there).
var readOnlyCommands = map[string]bool{"serve": true, "eligibility": true, "electorate": true, "member": true, "export": true, "deadlines": true, "statistics": true}

func (s *store) open(ctx context.Context) (*sqldb.DB, error) {
	var db *sqldb.DB
	var err error
	if s.create {
		db, err = sqldb.Open(ctx, s.db)
	} else {
		db, err = sqldb.OpenExisting(ctx, s.db)
	}
	var nd *sqldb.NoDatabaseError
	if errors.As(err, &nd) {
		return nil, fmt.Errorf("no database at %s: check --db (or RULEBOOK_DB); to create one, run 'rulebook demo', "+
			"'rulebook import members FILE.csv --rules RULES.yaml', 'rulebook user add … --rules RULES.yaml' or 'rulebook serve'", nd.Path)
	}
	if err != nil || s.dbRead == "" {
		return db, err
	}
	if err := db.AttachReplica(ctx, s.dbRead, 0); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// missingSQLite reports whether dsn names a SQLite file that does not exist.
func missingSQLite(dsn string) bool {
	if sqldb.IsPostgres(dsn) {
		return false
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return false
	}
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// loadRules reads the rule book named by --rules, "example:NAME" for an embedded
// example, or else the one last recorded in the database.
func (s *store) loadRules(ctx context.Context, db *sqldb.DB) (*rules.RuleBook, []byte, error) {
	if s.rules != "" {
		return readRules(s.rules)
	}
	name, src, err := db.LatestRuleBook(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("no rule book is recorded in %s: give one with --rules FILE (e.g. --rules examples/labour-2016.yaml)", s.db)
	}
	if err != nil {
		return nil, nil, err
	}
	rb, err := rules.Load(name, src)
	return rb, src, err
}

func readRules(path string) (*rules.RuleBook, []byte, error) {
	var src []byte
	var err error
	if name, ok := strings.CutPrefix(path, "example:"); ok {
		src, err = examples.FS.ReadFile(name)
	} else {
		src, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, nil, err
	}
	rb, err := rules.Load(path, src)
	return rb, src, err
}

// app opens the database and the rule book and returns the application layer, and
// a context in which the command line acts as the operator (named by actor, or
// $USER): whoever runs it holds the database itself. done closes the application
// (storing the access log's last entries) and the database.
func (s *store) app(ctx context.Context, actor string) (*app.App, context.Context, func(), error) {
	svc, done, err := s.service(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := app.New(ctx, svc)
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	if actor == "" {
		actor = actorDefault(s.e)
	}
	// With a replica, the command reads what was written before it began: its
	// reads wait (up to 2s) for the replica to replay that far, or read --db.
	var route *sqldb.ReadRoute
	if svc.DB.HasReplica() {
		pos, err := svc.DB.WritePosition(ctx)
		if err != nil {
			a.Close()
			done()
			return nil, nil, nil, err
		}
		ctx, route = sqldb.WithReadRoute(ctx, pos)
	}
	closeAll := func() {
		if err := a.Close(); err != nil {
			fmt.Fprintf(s.e.stderr, "rulebook: %v\n", err)
		}
		if route != nil {
			if used, replica, behind, cause := route.Served(); used && !replica {
				if cause != nil {
					fmt.Fprintf(s.e.stderr, "rulebook: read from --db, as the replica could not be asked: %v\n", cause)
				} else {
					fmt.Fprintf(s.e.stderr, "rulebook: read from --db, as the replica (--db-read) is %d bytes behind it\n", behind)
				}
			}
		}
		done()
	}
	return a, app.WithPrincipal(ctx, app.OperatorPrincipal(actor)), closeAll, nil
}

// service opens the database and the rule book and returns the register service.
func (s *store) service(ctx context.Context) (*register.Service, func(), error) {
	db, err := s.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	rb, src, err := s.loadRules(ctx, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	svc, err := register.New(ctx, db, rb, src)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return svc, func() { db.Close() }, nil
}

// parse parses flags wherever they appear among the positional arguments, which the
// flag package alone does not (it stops at the first positional one).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errUsage{""}
			}
			return nil, errUsage{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseNone parses flags for a command that takes no arguments, and refuses
// any: one ignored without a word ("rulebook electorate canvass") would answer
// a question other than the one asked.
func parseNone(fs *flag.FlagSet, args []string) error {
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage{fmt.Sprintf("%s takes no arguments, only flags: %q is not one (see 'rulebook %s -h')", fs.Name(), pos[0], fs.Name())}
	}
	return nil
}

func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: rulebook %s\n\nflags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

func dateFlag(name, v string, required bool) (rulebook.Date, error) {
	if v == "" {
		if required {
			return rulebook.NoDate, errUsage{fmt.Sprintf("--%s YYYY-MM-DD is required", name)}
		}
		return rulebook.NoDate, nil
	}
	d, err := rulebook.ParseDate(v)
	if err != nil {
		return rulebook.NoDate, fmt.Errorf("--%s: %v", name, err)
	}
	return d, nil
}

// instantFlag parses an RFC 3339 instant, or a date meaning the end of that day
// (as the API's as_recorded does).
func instantFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := rulebook.ParseInstant(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s: %v", name, err)
	}
	return t, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func actorDefault(e *env) string {
	if u := e.getenv("USER"); u != "" {
		return u
	}
	return "cli"
}
