package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/httpapi"
	"github.com/rulebook/rulebook/register"
)

func init() {
	commands["serve"] = command{"run the HTTP JSON API (with --demo: on a demo organisation)", runServe}
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "serve [--addr HOST:PORT] [--db DSN] [--rules FILE] [--demo] [--token T]")
	st := addStoreFlags(fs, e)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	demoFlag := fs.Bool("demo", false, "load the fictional demo organisation into the database first, if it holds no members")
	token := fs.String("token", e.getenv("RULEBOOK_API_TOKEN"), "if set, API requests must carry \"Authorization: Bearer TOKEN\" (env RULEBOOK_API_TOKEN)")
	mail := addMailFlags(fs, e)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if *demoFlag {
		n, err := db.CountMembers(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			if err := loadDemo(ctx, db); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "rulebook: loaded the demo organisation into %s\n", st.db)
		}
		if st.rules == "" {
			st.rules = "example:" + examples.Labour
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
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	opts := httpapi.Options{Token: *token}
	if opts.Mailer, opts.Templates, err = mail.mailer(); err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           httpapi.NewServer(svc, opts),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(slog.NewTextHandler(e.stderr, nil), slog.LevelError),
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(e.stdout, "rulebook: %s (rule book %s) on %s\nrulebook: serving %s/  (API %s/api/v1/, OpenAPI %s/openapi.json)\n",
		rb.Organisation, rb.Versions[len(rb.Versions)-1].ID, st.db, url, url, url)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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
