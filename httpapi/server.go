// Package httpapi serves rulebook's register, event record, eligibility answers,
// disciplinary cases and rule book over a JSON API, described by an OpenAPI
// document the binary serves at /openapi.json. Every change goes through
// register.Service or discipline.Service, so the API can do nothing the rule book
// and the CLI would refuse.
package httpapi

import (
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/notices"
	"github.com/rulebook/rulebook/register"
)

// Options configures a Server.
type Options struct {
	// Token, if not empty, must be presented as "Authorization: Bearer TOKEN" on every /api/ request.
	Token string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Mailer, if set, e-mails the notice of each step that sends one (rendered
	// from Templates, or the built-in letters), and the sending is recorded.
	Mailer    *notices.Mailer
	Templates *notices.Templates
}

// Server is the HTTP JSON API. It implements http.Handler.
type Server struct {
	svc    *register.Service
	ds     *discipline.Service
	token  string
	now    func() time.Time
	mux    *http.ServeMux
	routes []route
	// templates are the letters the API renders (the built-in ones when nil).
	templates *notices.Templates
}

// route is one endpoint. The list is kept so that tests can check it against the
// OpenAPI document in both directions.
type route struct {
	pattern string // a ServeMux pattern, "METHOD /path/{param}"
	handle  func(w http.ResponseWriter, r *http.Request) error
	// write marks changes: they need an actor and take a JSON body.
	write bool
}

// Body limits: imports carry a whole register, everything else a small JSON document.
const (
	maxImportBody = 64 << 20
	maxJSONBody   = 1 << 20
)

// ActorHeader names the person or system making a change, recorded on every event.
const ActorHeader = "X-Rulebook-Actor"

//go:embed openapi.json
var openAPIDoc []byte

// NewServer returns the API over svc.
func NewServer(svc *register.Service, opts Options) *Server {
	s := &Server{svc: svc, ds: discipline.New(svc), token: opts.Token, now: opts.Now, mux: http.NewServeMux()}
	s.templates = opts.Templates
	if opts.Mailer != nil {
		t := opts.Templates
		if t == nil {
			t = notices.Default()
		}
		s.ds.Notify = discipline.MailNotifier(s.ds, t, opts.Mailer)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.routes = []route{
		{pattern: "GET /openapi.json", handle: s.openAPI},
		{pattern: "GET /healthz", handle: s.health},

		{pattern: "GET /api/v1/branches", handle: s.listBranches},
		{pattern: "POST /api/v1/branches", handle: s.createBranch, write: true},
		{pattern: "GET /api/v1/members", handle: s.listMembers},
		{pattern: "POST /api/v1/members", handle: s.join, write: true},
		{pattern: "GET /api/v1/members/{id}", handle: s.member},
		{pattern: "PATCH /api/v1/members/{id}", handle: s.updateMember, write: true},
		{pattern: "GET /api/v1/members/{id}/history", handle: s.memberHistory},
		{pattern: "GET /api/v1/members/{id}/events", handle: s.memberEvents},
		{pattern: "POST /api/v1/members/{id}/status", handle: s.changeStatus, write: true},
		{pattern: "POST /api/v1/members/{id}/restrictions", handle: s.restrict, write: true},
		{pattern: "POST /api/v1/corrections", handle: s.correct, write: true},
		{pattern: "POST /api/v1/imports/members", handle: s.importMembers, write: true},
		{pattern: "GET /api/v1/exports/members", handle: s.exportMembers},

		{pattern: "GET /api/v1/events", handle: s.listEvents},
		{pattern: "GET /api/v1/events/{id}", handle: s.event},
		{pattern: "GET /api/v1/verify", handle: s.verify},

		{pattern: "GET /api/v1/eligibility", handle: s.eligibility},
		{pattern: "GET /api/v1/electorate", handle: s.electorate},

		{pattern: "GET /api/v1/rulebook", handle: s.ruleBook},
		{pattern: "GET /api/v1/rulebook/versions/{id}", handle: s.ruleBookVersion},

		{pattern: "GET /api/v1/access-log", handle: s.accessLog},
	}
	s.routes = append(s.routes, s.caseRoutes()...)
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	return s
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
	if strings.HasPrefix(r.URL.Path, "/api/") && !s.authorised(r) {
		s.refuse(w, r)
		return
	}
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

// wrap applies what every endpoint shares: the token check on /api/, the actor and
// body checks on writes, the body limit, and turning a returned error into JSON.
func (s *Server) wrap(rt route) http.Handler {
	api := strings.Contains(rt.pattern, " /api/")
	isImport := strings.HasSuffix(rt.pattern, "/imports/members")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if api {
			// Answers carry personal and disciplinary data: no cache may keep them.
			w.Header().Set("Cache-Control", "no-store")
		}
		if api && !s.authorised(r) {
			s.refuse(w, r)
			return
		}
		if err := checkActor(r.Header.Get(ActorHeader)); err != nil {
			writeError(w, r, err)
			return
		}
		if rt.write {
			if strings.TrimSpace(r.Header.Get(ActorHeader)) == "" {
				writeError(w, r, &rulebook.Error{Code: rulebook.EInvalid, Field: ActorHeader,
					Message: "the header is required on every change: it names who is making it, and is recorded on the event"})
				return
			}
			limit := int64(maxJSONBody)
			if isImport {
				limit = maxImportBody
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		if err := rt.handle(w, r); err != nil {
			writeError(w, r, err)
		}
	})
}

// checkActor refuses an actor name that could not be shown safely in the record or
// the access log.
func checkActor(a string) error {
	if len(a) > 200 {
		return rulebook.FieldError(ActorHeader, "is longer than 200 characters")
	}
	if !utf8.ValidString(a) || strings.IndexFunc(a, unicode.IsControl) >= 0 {
		return rulebook.FieldError(ActorHeader, "must be UTF-8 text without control characters")
	}
	return nil
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="rulebook"`)
	writeError(w, r, &rulebook.Error{Code: codeUnauthorized, Message: "a valid bearer token is required (Authorization: Bearer TOKEN)"})
}

func (s *Server) authorised(r *http.Request) bool {
	if s.token == "" {
		return true
	}
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	got := strings.TrimSpace(h[len(prefix):])
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) == 1
}

// Codes the HTTP layer adds to the domain's stable codes in error.go.
const (
	codeUnauthorized     = "unauthorized"
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
	rulebook.ETampered:   http.StatusInternalServerError,
	rulebook.EInternal:   http.StatusInternalServerError,
	codeUnauthorized:     http.StatusUnauthorized,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
	codeTooLarge:         http.StatusRequestEntityTooLarge,
	codeUnsupportedMedia: http.StatusUnsupportedMediaType,
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
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("encode response", "err", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":{"code":"internal","message":"internal error"}}` + "\n"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
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
