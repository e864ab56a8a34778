// Package httpapi serves rulebook's register, event record, eligibility answers,
// disciplinary cases and rule book over a JSON API, described by an OpenAPI
// document the binary serves at /openapi.json. Every request, read or write, goes
// through the application layer (package app), which decides access, so the API
// can do nothing the rule book, the access policy and the other front ends would
// refuse; its handlers only translate between HTTP and the application.
package httpapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/notices"
)

// Options configures a Server.
type Options struct {
	// Templates are the letters the API renders (the built-in ones when nil).
	Templates *notices.Templates
}

// Server is the HTTP JSON API. It implements http.Handler.
type Server struct {
	app    *app.App
	mux    *http.ServeMux
	routes []route
	// templates are the letters the API renders (the built-in ones when nil).
	templates *notices.Templates
}

// route is one endpoint. The list is kept so that tests can check it against the
// OpenAPI document in both directions, and against the access matrix.
type route struct {
	pattern string // a ServeMux pattern, "METHOD /path/{param}"
	handle  func(w http.ResponseWriter, r *http.Request) error
	// write marks changes: they take a body, within the body limit.
	write bool
	// public marks what anyone may ask without credentials; other routes refuse a
	// request without them at once, before reading its input.
	public bool
	// probe marks what answers without looking at credentials at all (the health
	// check and the API's description).
	probe bool
	// query names the query parameters the route takes, a name ending in "..." one
	// that may be repeated. Any other is refused (400, naming it and these), so a
	// misspelt filter never answers as if it had not been given; so is an empty
	// value, and a second value of one that may not be repeated.
	query []string
}

// Body limits: imports carry a whole register (a million members with their
// particulars are some 80 MB; the upload goes to a file, not to memory),
// everything else a small JSON document.
const (
	maxImportBody = 256 << 20
	maxJSONBody   = 1 << 20
)

//go:embed openapi.json
var openAPIDoc []byte

// NewServer returns the API over the application layer. Requests are made as the
// account whose API token they carry (Authorization: Bearer TOKEN), or whose
// session cookie they carry, or as the public; the application decides the rest.
func NewServer(a *app.App, opts Options) *Server {
	s := &Server{app: a, mux: http.NewServeMux(), templates: opts.Templates}
	s.routes = []route{
		{pattern: "GET /openapi.json", handle: s.openAPI, public: true, probe: true},
		{pattern: "GET /healthz", handle: s.health, public: true, probe: true},

		{pattern: "GET /api/v1/me", handle: s.me},
		{pattern: "GET /api/v1/accounts", handle: s.listAccounts},
		{pattern: "POST /api/v1/accounts", handle: s.createAccount, write: true},
		{pattern: "GET /api/v1/accounts/{name}", handle: s.account},
		{pattern: "PATCH /api/v1/accounts/{name}", handle: s.changeAccount, write: true},
		{pattern: "POST /api/v1/accounts/{name}/password", handle: s.setPassword, write: true},
		{pattern: "POST /api/v1/accounts/{name}/second-factor/reset", handle: s.resetSecondFactor, write: true},
		{pattern: "GET /api/v1/accounts/{name}/tokens", handle: s.listTokens},
		{pattern: "POST /api/v1/tokens", handle: s.createToken, write: true},
		{pattern: "DELETE /api/v1/tokens/{id}", handle: s.revokeToken},

		{pattern: "GET /api/v1/units", handle: s.listUnits},
		{pattern: "POST /api/v1/units", handle: s.createUnit, write: true},
		{pattern: "GET /api/v1/occasions", handle: s.listOccasions, query: []string{"unit", "kind", "from", "to"}},
		{pattern: "POST /api/v1/occasions", handle: s.recordOccasion, write: true},
		{pattern: "GET /api/v1/members", handle: s.listMembers, query: []string{"q", "unit", "limit", "offset"}},
		{pattern: "POST /api/v1/members", handle: s.join, write: true},
		{pattern: "GET /api/v1/members/{id}", handle: s.member},
		{pattern: "PATCH /api/v1/members/{id}", handle: s.updateMember, write: true},
		{pattern: "GET /api/v1/members/{id}/history", handle: s.memberHistory, query: []string{"as_recorded"}},
		{pattern: "GET /api/v1/members/{id}/events", handle: s.memberEvents},
		{pattern: "POST /api/v1/members/{id}/status", handle: s.changeStatus, write: true},
		{pattern: "POST /api/v1/members/{id}/restrictions", handle: s.restrict, write: true},
		{pattern: "POST /api/v1/corrections", handle: s.correct, write: true},
		{pattern: "POST /api/v1/imports/members", handle: s.importMembers, write: true},
		{pattern: "GET /api/v1/exports/members", handle: s.exportMembers, query: []string{"date"}},

		{pattern: "GET /api/v1/events", handle: s.listEvents, query: []string{"subject", "type", "after", "limit"}},
		{pattern: "GET /api/v1/events/{id}", handle: s.event},
		{pattern: "GET /api/v1/verify", handle: s.verify},

		{pattern: "GET /api/v1/eligibility", handle: s.eligibility, query: []string{"member", "action", "date", "freeze_date", "as_recorded"}},
		{pattern: "GET /api/v1/electorate", handle: s.electorate, query: []string{"action", "date", "freeze_date", "unit"}},

		{pattern: "GET /api/v1/rulebook", handle: s.ruleBook, public: true},
		{pattern: "GET /api/v1/rulebook/versions/{id}", handle: s.ruleBookVersion, public: true},

		{pattern: "GET /api/v1/access-log", handle: s.accessLog, query: []string{"subject", "limit"}},
		{pattern: "GET /api/v1/public/statistics", handle: s.publicStatistics, public: true},
	}
	s.routes = append(s.routes, s.caseRoutes()...)
	s.routes = append(s.routes, s.selectionRoutes()...)
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	return s
}

// Patterns lists the API's routes, for the access matrix test and the OpenAPI check.
func (s *Server) Patterns() []string {
	out := make([]string, len(s.routes))
	for i, rt := range s.routes {
		out[i] = rt.pattern
	}
	return out
}

// ServeHTTP answers r. Requests the mux has no route for get a JSON error rather
// than the mux's plain-text one.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.noRoute(sw, r)
	} else {
		s.mux.ServeHTTP(sw, r)
	}
	slog.Info("http", "method", r.Method, "path", r.URL.Path, "status", sw.code(), "bytes", sw.n, "duration", time.Since(start))
}

// noRoute answers a request that matches no pattern: 405 if the path exists under
// another method, 404 otherwise.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	h, _ := s.mux.Handler(r)
	probe := &probeWriter{header: http.Header{}}
	h.ServeHTTP(probe, r)
	switch probe.status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", probe.header.Get("Allow"))
		writeError(w, r, &rulebook.Error{Code: codeMethodNotAllowed, Message: r.Method + " is not allowed on " + r.URL.Path + " (allowed: " + probe.header.Get("Allow") + ")"})
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		h.ServeHTTP(w, r) // the mux's redirect to the clean path
	default:
		writeError(w, r, rulebook.Errorf(rulebook.ENotFound, "no such endpoint: %s %s (see /openapi.json)", r.Method, r.URL.Path))
	}
}

// SessionCookie is the cookie a signed-in browser carries; the web pages set it.
const SessionCookie = "rulebook_session"

// Authenticate returns the principal a request is made as: the account of its
// bearer token or of its session cookie, or the public. A bearer token that is not
// valid is refused rather than treated as no credentials.
func Authenticate(a *app.App, r *http.Request) (*app.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		const prefix = "Bearer "
		if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
			return nil, rulebook.Errorf(rulebook.EUnauthorized, "the Authorization header must be \"Bearer TOKEN\"")
		}
		return a.TokenPrincipal(r.Context(), strings.TrimSpace(h[len(prefix):]))
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return a.SessionPrincipal(r.Context(), c.Value)
	}
	return app.Public, nil
}

// wrap applies what every endpoint shares: who is asking, the body limit, and
// turning a returned error into JSON.
func (s *Server) wrap(rt route) http.Handler {
	api := strings.Contains(rt.pattern, " /api/")
	isImport := strings.HasSuffix(rt.pattern, "/imports/members")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if api {
			// Answers carry personal and disciplinary data: no cache may keep them.
			w.Header().Set("Cache-Control", "no-store")
		}
		p, err := app.Public, error(nil)
		if !rt.probe {
			p, err = Authenticate(s.app, r)
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rulebook"`)
			writeError(w, r, err)
			return
		}
		if p == app.Public && !rt.public {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rulebook"`)
			writeError(w, r, rulebook.Errorf(rulebook.EUnauthorized, "a token is required (Authorization: Bearer TOKEN), or a signed-in session"))
			return
		}
		r = r.WithContext(app.WithPrincipal(r.Context(), p))
		if api {
			if err := checkQuery(r, rt.query); err != nil {
				writeError(w, r, err)
				return
			}
		}
		if rt.write {
			limit := int64(maxJSONBody)
			if isImport {
				limit = maxImportBody
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		if err := rt.handle(w, r); err != nil {
			if rulebook.ErrorCode(err) == rulebook.EUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="rulebook"`)
			}
			writeError(w, r, err)
		}
	})
}

// Codes the HTTP layer adds to the domain's stable codes in error.go.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codeTooLarge         = "too_large"
	codeUnsupportedMedia = "unsupported_media_type"
)

// httpStatus is the one table from error codes to HTTP statuses.
var httpStatus = map[string]int{
	rulebook.EInvalid:      http.StatusBadRequest,
	rulebook.ENotFound:     http.StatusNotFound,
	rulebook.EConflict:     http.StatusConflict,
	rulebook.ENotPermitted: http.StatusUnprocessableEntity,
	rulebook.ENoRules:      http.StatusUnprocessableEntity,
	// The record failed verification: the server cannot vouch for its own data.
	rulebook.ETampered:     http.StatusInternalServerError,
	rulebook.EInternal:     http.StatusInternalServerError,
	rulebook.EUnauthorized: http.StatusUnauthorized,
	rulebook.EForbidden:    http.StatusForbidden,
	rulebook.ERateLimited:  http.StatusTooManyRequests,
	codeMethodNotAllowed:   http.StatusMethodNotAllowed,
	codeTooLarge:           http.StatusRequestEntityTooLarge,
	codeUnsupportedMedia:   http.StatusUnsupportedMediaType,
}

// apiError is the JSON error shape: {"error": {...}}.
type apiError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Rows lists every bad row of a rejected import.
	Rows []memberscsv.RowError `json:"rows,omitempty"`
	// MoreRows counts bad rows beyond those listed.
	MoreRows int `json:"more_rows,omitempty"`
}

// writeError answers with err as JSON. Internal errors are logged and reported
// without details, which may name tables or files.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	body := errorBody{Code: rulebook.ErrorCode(err), Message: rulebook.ErrorMessage(err)}
	var re *rulebook.Error
	var rows *memberscsv.Errors
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		body = errorBody{Code: codeTooLarge, Field: "body", Message: "the request body is larger than the limit of " + byteSize(tooBig.Limit)}
	case errors.As(err, &rows):
		body = errorBody{Code: rulebook.EInvalid, Field: "body", Message: rows.Error(), Rows: rows.List, MoreRows: rows.More}
		if len(rows.List) > 0 {
			body.Message = strings.SplitN(rows.Error(), "\n", 2)[0]
		}
	case errors.As(err, &re):
		body.Field, body.Message = re.Field, re.Message
	}
	status, ok := httpStatus[body.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError {
		slog.Error("request failed", "method", r.Method, "path", r.URL.Path, "code", body.Code, "err", err)
	}
	writeJSON(w, status, apiError{Error: body})
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer putJSONBuffer(buf)
	// An Encoder writes what Marshal would, and the newline, into a buffer
	// kept from answer to answer: no copy of the answer made for each.
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		slog.Error("encode response", "err", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":{"code":"internal","message":"internal error"}}` + "\n"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	// Its length said, an answer is sent whole rather than in chunks (past
	// 2 KB, without it, the server chunks it, and the client must unchunk it).
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// jsonBuffers holds buffers for writeJSON.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// jsonBufferMax is the largest buffer kept for another answer: a rare long
// list is not held in memory for ever.
const jsonBufferMax = 256 << 10

func putJSONBuffer(b *bytes.Buffer) {
	if b.Cap() > jsonBufferMax {
		return
	}
	b.Reset()
	jsonBuffers.Put(b)
}

// statusWriter remembers the status and size of a response, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// probeWriter captures what the mux's own not-found or not-allowed handler would say.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
func (p *probeWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
