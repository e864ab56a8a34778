package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/web"
)

func init() {
	commands["serve"] = command{"run the web application and the JSON API (with --demo: on a demo organisation)", runServe}
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "serve [--addr HOST:PORT] [--host NAME,...] [--db DSN] [--db-read DSN] [--rules FILE] [--demo] [--tls-cert FILE --tls-key FILE] [--insecure]")
	st := addStoreFlags(fs, e)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	demoFlag := fs.Bool("demo", false, "load the fictional demo organisation and its accounts into the database first, if it holds no members")
	cert := fs.String("tls-cert", e.getenv("RULEBOOK_TLS_CERT"), "TLS certificate file (PEM); with --tls-key, serve HTTPS")
	key := fs.String("tls-key", e.getenv("RULEBOOK_TLS_KEY"), "TLS private key file (PEM)")
	hostNames := fs.String("host", e.getenv("RULEBOOK_HOST"), "the names (host or host:port) the service answers to, comma-separated; on this machine's address its usual names are always allowed")
	maxConns := fs.Int("max-connections", 512, "the most connections held open at once")
	cpKey := fs.String("checkpoint-key", e.getenv("RULEBOOK_CHECKPOINT_KEY"), "a signing key's file (from 'rulebook key generate'), kept outside the database: a signed checkpoint of the record and the access log is written after every commit (and kept in the database too, for verify to find damage by)")
	cpOut := fs.String("checkpoint-out", e.getenv("RULEBOOK_CHECKPOINT_OUT"), "where the checkpoints are written (with --checkpoint-key)")
	insecure := fs.Bool("insecure", false, "allow plain HTTP on an address other than this machine's (only behind a proxy that adds TLS)")
	mail := addMailFlags(fs, e)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	tls := *cert != "" || *key != ""
	if tls && (*cert == "" || *key == "") {
		return errUsage{"--tls-cert and --tls-key go together"}
	}
	if !tls && !*insecure && !loopback(*addr) {
		return errUsage{fmt.Sprintf("refusing to serve confidential case files over plain HTTP on %s: give --tls-cert and --tls-key, or --insecure behind a proxy that adds TLS", *addr)}
	}
	st.create = true
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	freshDemo := false
	var story *demo.Story
	if *demoFlag {
		if story, err = demoStory(st.rules); err != nil {
			return err
		}
		n, err := db.CountMembers(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			if err := loadDemo(ctx, db, story); err != nil {
				return err
			}
			freshDemo = true
			fmt.Fprintf(e.stdout, "rulebook: loaded the demo organisation into %s\n", st.db)
		}
		if st.rules == "" {
			st.rules = "example:" + story.RuleBook
		}
	}
	rb, src, err := st.loadRules(ctx, db)
	if err != nil {
		return err
	}
	svc, err := register.New(ctx, db, rb, src)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, svc)
	if err != nil {
		return err
	}
	// On the way out, after the server has stopped taking requests: the access
	// log's last entries are stored, then the last checkpoint (covering them) is
	// written, then the database closes.
	var cps *app.Checkpoints
	defer func() {
		if err := a.Close(); err != nil {
			slog.Error("closing the application", "err", err)
		}
		if cps != nil {
			if err := cps.Close(context.WithoutCancel(ctx)); err != nil {
				slog.Error("writing the last checkpoint", "err", err)
			}
		}
	}()
	if *cpKey != "" {
		if *cpOut == "" {
			return errUsage{"--checkpoint-key needs --checkpoint-out FILE: where the signed checkpoints are written"}
		}
		skey, err := readKey(*cpKey)
		if err != nil {
			return err
		}
		opctx := app.WithPrincipal(ctx, app.OperatorPrincipal("checkpoints"))
		if cps, err = a.KeepCheckpoints(opctx, skey, *cpOut); err != nil {
			return fmt.Errorf("checkpoints: %w", err)
		}
		go func() {
			for err := range cps.Errors() {
				slog.Error("writing a checkpoint", "err", err)
			}
		}()
		fmt.Fprintf(e.stdout, "rulebook: a signed checkpoint of the record and the access log is kept in %s after every commit\n", *cpOut)
	}
	if err := mail.configure(a.Discipline()); err != nil {
		return err
	}
	accounts, err := db.CountAccounts(ctx)
	if err != nil {
		return err
	}
	if *demoFlag && (freshDemo || accounts == 0) {
		if err := demo.LoadAccountsOf(app.WithPrincipal(ctx, app.OperatorPrincipal("demo")), a, story.Accounts); err != nil {
			return err
		}
		accounts = len(story.Accounts)
		printDemoAccounts(e, story)
	}
	// The letters the pages render, and whom each is written to (which
	// decides who may read a copy): --templates over the built-in ones, with
	// or without a mailer.
	tpl, err := mail.templates()
	if err != nil {
		return err
	}
	a.UseLetters(tpl)
	w, err := web.New(a, web.Options{Templates: tpl, Secure: tls})
	if err != nil {
		return err
	}
	if *maxConns < 1 {
		return errUsage{"--max-connections must be at least 1"}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var names []string
	if *hostNames != "" {
		names = strings.Split(*hostNames, ",")
	}
	srv, ln := httpServer(w, ln, names, *maxConns, e.stderr)
	scheme := "http"
	if tls {
		scheme = "https"
	}
	url := scheme + "://" + ln.Addr().String()
	fmt.Fprintf(e.stdout, "rulebook: %s (rule book %s) on %s\nrulebook: serving %s/  (API %s/api/v1/, OpenAPI %s/openapi.json)\n",
		rb.Organisation, rb.Versions[len(rb.Versions)-1].ID, st.db, url, url, url)
	if db.HasReplica() {
		fmt.Fprintf(e.stdout, "rulebook: reads of the register, cases and statistics are served by the replica --db-read (a client's read after its own change waits up to %v for it, then reads --db)\n", sqldb.DefaultReplicaWait)
	}
	if accounts == 0 {
		fmt.Fprintf(e.stdout, "rulebook: no accounts yet: create the first administrator with\n  rulebook user add --db %s --name admin --display \"Your Name\" --role administrator --password-stdin\n", st.db)
	}
	errc := make(chan error, 1)
	go func() {
		if tls {
			errc <- srv.ServeTLS(ln, *cert, *key)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// loopback reports whether addr listens on this machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func printDemoAccounts(e *env, story *demo.Story) {
	fmt.Fprintf(e.stdout, "rulebook: demo accounts, all with the password %q:\n", demo.Password)
	for _, x := range story.Accounts {
		fmt.Fprintf(e.stdout, "  %-8s %-16s %s\n", x.Name, x.Display, x.For)
	}
	fmt.Fprintf(e.stdout, "rulebook: staff, panel, oversight and administrator accounts then ask for a code from an authenticator app\n"+
		"  holding the demo secret %s; or run: rulebook totp %s\n", demo.TOTPSecret, demo.TOTPSecret)
}

// httpServer is the server serve runs the web application h on (the load test
// too): ln holding at most maxConns connections open, the Host guard in front,
// and the timeouts; errors of the connections are logged to errlog.
func httpServer(h http.Handler, ln net.Listener, names []string, maxConns int, errlog io.Writer) (*http.Server, net.Listener) {
	ln = newLimitListener(ln, maxConns)
	return &http.Server{
		Handler:           newHostGuard(h, ln.Addr().String(), names),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // uploads of a register or of ballots
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.NewTextHandler(errlog, nil), slog.LevelError),
	}, ln
}
