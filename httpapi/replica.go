package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/sqldb"
)

// Read-your-writes with a replica (serve --db-read). After a change, the answer
// carries the position in the primary's log the change reached
// (Rulebook-Read-After); the client sends it back on its next requests (a
// browser holds it in a cookie), and the reads of those requests that a replica
// may serve wait (up to 2 s) for the replica to have replayed that far, or else
// read the primary. Every answer whose reads a replica may serve says which
// served them (Rulebook-Read-From: replica or primary) and, when the primary did
// because the replica was behind, by how many bytes (Rulebook-Replica-Behind).
const (
	ReadAfterHeader     = "Rulebook-Read-After"
	ReadFromHeader      = "Rulebook-Read-From"
	ReplicaBehindHeader = "Rulebook-Replica-Behind"
	// ReadAfterCookie holds Rulebook-Read-After for a browser's session.
	ReadAfterCookie = "rulebook_read_after"
)

// ReadYourWrites wraps next (the web pages with the API mounted, or the API)
// with the replica's read-your-writes: without a replica it is next itself.
// secure marks the cookie Secure (served over TLS).
func ReadYourWrites(a *app.App, secure bool, next http.Handler) http.Handler {
	if !a.HasReplica() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var after sqldb.WALPosition
		if h := r.Header.Get(ReadAfterHeader); h != "" {
			p, err := sqldb.ParseWALPosition(h)
			if err != nil {
				writeError(w, r, rulebook.FieldError(ReadAfterHeader, "the %s header must be a position given in a %s answer: %v", ReadAfterHeader, ReadAfterHeader, err))
				return
			}
			after = p
		} else if c, err := r.Cookie(ReadAfterCookie); err == nil {
			// A cookie that does not parse is not the client's doing: ignored.
			after, _ = sqldb.ParseWALPosition(c.Value)
		}
		ctx, route := sqldb.WithReadRoute(r.Context(), after)
		_, browser := r.Cookie(SessionCookie)
		rw := &routeWriter{ResponseWriter: w, app: a, ctx: ctx, route: route, secure: secure,
			change: r.Method != http.MethodGet && r.Method != http.MethodHead, browser: browser == nil}
		next.ServeHTTP(rw, r.WithContext(ctx))
	})
}

// routeWriter adds the replica's headers to an answer as it starts.
type routeWriter struct {
	http.ResponseWriter
	app     *app.App
	ctx     context.Context
	route   *sqldb.ReadRoute
	secure  bool
	change  bool
	browser bool
	started bool
}

func (w *routeWriter) WriteHeader(code int) {
	if !w.started {
		w.started = true
		w.headers(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *routeWriter) Write(b []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *routeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *routeWriter) Flush() {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *routeWriter) headers(code int) {
	h := w.Header()
	if used, replica, behind, cause := w.route.Served(); used {
		if replica {
			h.Set(ReadFromHeader, "replica")
		} else {
			h.Set(ReadFromHeader, "primary")
			if cause != nil {
				// While the replica is down, that was said once when it went.
				if !errors.Is(cause, sqldb.ErrReplicaDown) {
					slog.Warn("read from the primary: the replica could not be asked", "err", cause)
				}
			} else {
				h.Set(ReplicaBehindHeader, strconv.FormatUint(behind, 10))
			}
		}
	}
	// A change has been made (or refused) by now: the client's later reads must
	// find the primary's log replayed as far as it is now.
	if !w.change || code >= 400 {
		return
	}
	pos, err := w.app.WritePosition(context.WithoutCancel(w.ctx))
	if err != nil {
		slog.Error("the primary's write position", "err", err)
		return
	}
	h.Set(ReadAfterHeader, pos.String())
	if w.browser {
		h.Add("Set-Cookie", (&http.Cookie{Name: ReadAfterCookie, Value: pos.String(), Path: "/", HttpOnly: true, Secure: w.secure, SameSite: http.SameSiteLaxMode}).String())
	}
}
