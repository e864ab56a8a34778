package web

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

func TestMain(m *testing.M) {
	// Request logs would drown the test output.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

// fixture is the web front end over the demo organisation and its accounts, on a
// SQLite database of its own, with a signed-in session for each demo account.
type fixture struct {
	srv      *Server
	app      *app.App
	db       *sqldb.DB
	sessions map[string]string
}

// operator is a context in which the command line acts, for setting up.
func operator() context.Context {
	return app.WithPrincipal(context.Background(), app.OperatorPrincipal("test"))
}

// labourApp opens the database at dsn (closed when the test ends) and the
// application over it under the Labour example's rule book, after load (if any)
// has filled the database.
func labourApp(t testing.TB, dsn string, load func(*sqldb.DB, *rules.RuleBook, []byte) error) (*app.App, *sqldb.DB) {
	t.Helper()
	return exampleApp(t, dsn, examples.Labour, load)
}

// exampleApp is labourApp under the example rule book named.
func exampleApp(t testing.TB, dsn, name string, load func(*sqldb.DB, *rules.RuleBook, []byte) error) (*app.App, *sqldb.DB) {
	t.Helper()
	src, err := examples.FS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return exampleAppFrom(t, dsn, name, src, load)
}

// exampleAppFrom is exampleApp under the rule book src (the example's, changed).
func exampleAppFrom(t testing.TB, dsn, name string, src []byte, load func(*sqldb.DB, *rules.RuleBook, []byte) error) (*app.App, *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rb, err := rules.Load(name, src)
	if err != nil {
		t.Fatal(err)
	}
	if load != nil {
		if err := load(db, rb, src); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := register.New(ctx, db, rb, src)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() }) // before the database closes
	return a, db
}

func demoFixture(t testing.TB) *fixture {
	t.Helper()
	a, db := labourApp(t, filepath.Join(t.TempDir(), "rulebook.db"), func(db *sqldb.DB, rb *rules.RuleBook, src []byte) error {
		return demo.Load(context.Background(), db, rb, src)
	})
	if err := demo.LoadAccounts(operator(), a); err != nil {
		t.Fatal(err)
	}
	srv, err := New(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: srv, app: a, db: db, sessions: map[string]string{}}
	for i, x := range demo.Accounts {
		f.sessions[x.Name] = f.signIn(t, x.Name, "192.0.2."+strconv.Itoa(i+1))
	}
	return f
}

// signIn signs an account in, giving the demo second factor where it is asked
// for, and returns the session token.
func (f *fixture) signIn(t testing.TB, name, addr string) string {
	t.Helper()
	ctx := context.Background()
	res, err := f.app.SignIn(ctx, name, demo.Password, addr)
	if err != nil {
		t.Fatalf("sign in %s: %v", name, err)
	}
	if res.NeedsSecondFactor {
		// A code is accepted once: forget the last one used, so that the test can
		// sign the same account in again within thirty seconds.
		sec, err := f.db.Secrets(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		sec.TOTPStep = 0
		if err := f.db.PutSecrets(ctx, name, sec); err != nil {
			t.Fatal(err)
		}
		code, err := app.TOTPCode(demo.TOTPSecret, app.TOTPStep(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.app.GiveSecondFactor(ctx, res.Token, code); err != nil {
			t.Fatalf("second factor of %s: %v", name, err)
		}
	}
	return res.Token
}
