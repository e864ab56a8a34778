// Package web is rulebook's browser front end: server-rendered pages (html/template,
// no script needed) for everyone the rule book concerns — complaints staff, panel
// members, the members concerned, oversight, auditors and returning officers — and
// a public complaint form. It is a third front end on the application layer, beside
// the JSON API (which it also mounts) and the command line: every page reads and
// writes through package app, which decides access, so no handler here checks
// permissions by itself.
package web

import (
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/httpapi"
	"github.com/rulebook/rulebook/notices"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configures the web front end.
type Options struct {
	// Templates are the letters (the built-in ones when nil).
	Templates *notices.Templates
	// Secure says the service is reached over TLS: cookies are then Secure and
	// browsers are told to keep to HTTPS.
	Secure bool
}

// Server serves the pages and mounts the JSON API. It implements http.Handler.
type Server struct {
	app     *app.App
	api     *httpapi.Server
	mux     *http.ServeMux
	routes  []route
	pages   map[string]*template.Template
	opts    Options
	letters *notices.Templates
	handler http.Handler
}

// route is one page or form target.
type route struct {
	pattern string
	handle  func(w http.ResponseWriter, r *http.Request) error
	// upload marks routes that take files, with a larger body limit.
	upload bool
	// public marks pages for everyone, signed in or not (with or without a
	// second factor given).
	public bool
}

// Body limits: forms carry a little text, uploads ballot files and registers.
const (
	maxFormBody   = 1 << 20
	maxUploadBody = 64 << 20
)

// New returns the web front end over the application.
func New(a *app.App, opts Options) (*Server, error) {
	s := &Server{app: a, mux: http.NewServeMux(), opts: opts, letters: opts.Templates}
	if s.letters == nil {
		s.letters = notices.Default()
	}
	s.api = httpapi.NewServer(a, httpapi.Options{Templates: opts.Templates})
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.routes = s.pageRoutes()
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	static, _ := fs.Sub(staticFS, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))
	s.mux.HandleFunc("GET /static/count-report.css", countStyle)
	// The API answers for itself: JSON errors, bearer tokens, its own routes.
	s.mux.Handle("/api/", s.api)
	s.mux.Handle("GET /openapi.json", s.api)
	s.mux.Handle("GET /healthz", s.api)
	// Browsers send state changes only from this origin: with SameSite cookies,
	// that is the protection against cross-site request forgery.
	// With a replica (serve --db-read), a client's reads after its own change
	// find it.
	s.handler = securityHeaders(opts.Secure, httpapi.ReadYourWrites(a, opts.Secure, http.NewCrossOriginProtection().Handler(s.mux)))
	return s, nil
}

// ServeHTTP answers r.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes lists every route the server answers, pages and API alike, for the
// access matrix test.
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.routes {
		out = append(out, rt.pattern)
	}
	return append(out, s.api.Patterns()...)
}

// securityHeaders sets what every answer carries: a content security policy that
// allows no inline script or style and no framing, and no sniffing.
func securityHeaders(secure bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// staticHandler serves the embedded assets, cacheable for a day.
func staticHandler(fsys fs.FS) http.Handler {
	fileServer := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fileServer.ServeHTTP(w, r)
	})
}

// wrap applies what every page shares: who is asking (from the session cookie),
// the body limit, the second factor, and turning an error into a page.
func (s *Server) wrap(rt route) http.Handler {
	public := rt.public
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Pages show personal and disciplinary data: no cache may keep them.
		w.Header().Set("Cache-Control", "no-store")
		limit := int64(maxFormBody)
		if rt.upload {
			limit = maxUploadBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		token := ""
		if c, err := r.Cookie(httpapi.SessionCookie); err == nil {
			token = c.Value
		}
		p, err := s.app.SessionPrincipal(r.Context(), token)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		r = r.WithContext(app.WithPrincipal(r.Context(), p))
		// An account whose roles need a second factor it has not given may only
		// give it (or set one up), or sign out.
		if p.Account != nil && !public && s.app.Hold(r.Context()).NeedsSecondFactor && !secondFactorPage(rt.pattern) {
			http.Redirect(w, r, "/signin/code", http.StatusSeeOther)
			return
		}
		if err := rt.handle(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

func secondFactorPage(pattern string) bool {
	_, path, _ := strings.Cut(pattern, " ")
	return path == "/signin/code" || path == "/account/second-factor" || path == "/signout"
}

// fail answers an error as a page: sign-in for the signed out, and the status
// the error's code calls for.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := rulebook.ErrorCode(err)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.render(w, r, http.StatusRequestEntityTooLarge, "error", "Too large", errorPage{Message: "What you sent is larger than the limit."})
		return
	}
	status := map[string]int{
		rulebook.EInvalid: http.StatusBadRequest, rulebook.ENotFound: http.StatusNotFound, rulebook.EConflict: http.StatusConflict,
		rulebook.ENotPermitted: http.StatusUnprocessableEntity, rulebook.ENoRules: http.StatusUnprocessableEntity,
		rulebook.EUnauthorized: http.StatusUnauthorized, rulebook.EForbidden: http.StatusForbidden, rulebook.ERateLimited: http.StatusTooManyRequests,
	}[code]
	if status == 0 {
		status = http.StatusInternalServerError
		slog.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusUnauthorized && app.PrincipalFrom(r.Context()).Account == nil && r.Method == http.MethodGet {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	title := map[int]string{400: "Check what you entered", 401: "Sign in", 403: "Not allowed", 404: "Not found", 409: "Already done",
		422: "The rule book does not allow this", 429: "Too many attempts", 500: "Something went wrong"}[status]
	msg := rulebook.ErrorMessage(err)
	s.render(w, r, status, "error", title, errorPage{Message: msg, Field: fieldOf(err)})
}

type errorPage struct {
	Message, Field string
}

func fieldOf(err error) string {
	var e *rulebook.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// clientAddr is the address a request came from, for limiting attempts.
func clientAddr(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return host
}

// setSession sets (or, with an empty token, clears) the session cookie.
func (s *Server) setSession(w http.ResponseWriter, token string) {
	c := &http.Cookie{Name: httpapi.SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.opts.Secure, SameSite: http.SameSiteLaxMode}
	if token == "" {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(app.SessionMax / time.Second)
	}
	http.SetCookie(w, c)
}

// flashCookie carries one message across a redirect after a change.
const flashCookie = "rulebook_flash"

func (s *Server) flash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", HttpOnly: true, Secure: s.opts.Secure, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.opts.Secure, SameSite: http.SameSiteLaxMode})
	msg, _ := url.QueryUnescape(c.Value)
	return msg
}

// done redirects after a change, with a message shown on the next page.
func (s *Server) done(w http.ResponseWriter, r *http.Request, to, msg string) error {
	if msg != "" {
		s.flash(w, msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// safeNext keeps a redirect after sign-in on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/dashboard"
	}
	return next
}
