package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/count/report"
	"github.com/rulebook/rulebook/rules"
)

// page is what every template gets: who is signed in and what they may reach,
// the message from the last change, and the page's own data.
type page struct {
	Title   string
	Account *rulebook.Account
	Hold    app.Holding
	Nav     []navItem
	Flash   string
	Path    string
	Today   rulebook.Date
	Org     string
	Data    any
	// Error is set when a form was refused: the page is shown again with it.
	Error string
	Field string
	Form  url.Values
	// rules is the rule book, for naming its bodies (Body).
	rules *rules.RuleBook
}

// Body names a body of the rule book as a sentence does ("the National
// Executive Committee"), from the latest version that declares it; an id no
// version declares is shown in words.
func (pg *page) Body(id string) string {
	if b := pg.rules.LatestBody(id); b != nil {
		return b.InText()
	}
	return inWords(id)
}

// BodyName names a body as a heading or a table does: "National Executive
// Committee".
func (pg *page) BodyName(id string) string {
	if b := pg.rules.LatestBody(id); b != nil {
		return b.Name
	}
	return inWords(id)
}

// Step names a step of the disciplinary procedure as the latest version that
// declares it does.
func (pg *page) Step(id string) string {
	if t := pg.rules.LatestTransition(id); t != nil && t.Name != "" {
		return t.Name
	}
	return inWords(id)
}

// Section names a section of a hearing body ("Trade union section") as the
// latest version that declares it does.
func (pg *page) Section(id string) string {
	if s := pg.rules.LatestSection(id); s != nil {
		return s.Title()
	}
	return rules.PanelSection{ID: id}.Title()
}

// Sanction names a sanction as the latest version that declares it does.
func (pg *page) Sanction(id string) string {
	if x := pg.rules.LatestSanction(id); x != nil && x.Name != "" {
		return x.Name
	}
	return inWords(id)
}

// Action names an action as the latest version that declares it does, in a
// sentence's case ("may not vote in a candidate selection").
func (pg *page) Action(id string) string {
	if a := pg.rules.LatestAction(id); a != nil && a.Name != "" {
		return rulebook.LowerFirst(a.Name)
	}
	return inWords(id)
}

// ClauseTitle is a clause's title as the latest version declaring it has it,
// "" for a clause none declares.
func (pg *page) ClauseTitle(id string) string {
	if c := pg.rules.LatestClause(id); c != nil {
		return c.Title
	}
	return ""
}

// inWords is an id shown where no name is known: "general secretary".
func inWords(id string) string { return strings.ReplaceAll(id, "_", " ") }

type navItem struct {
	Href, Label string
	Current     bool
}

var funcs = template.FuncMap{
	"join": strings.Join,
	"date": rulebook.Date.Long,
	"instant": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006 15:04:05 UTC") // to the second: the access log is evidence
	},
	"words": inWords,
	// heading is words as a column heading starts: "Exclusion declined".
	"heading": func(s string) string {
		r, n := utf8.DecodeRuneInString(s)
		return string(unicode.ToUpper(r)) + s[n:]
	},
	"person": rulebook.Person,
	"method": report.MethodName,
	// numeral and quotient write decimal strings as people read them.
	"numeral":  report.Thousands,
	"quotient": report.Quotient,
	"val": func(f url.Values, k string) string {
		if f == nil {
			return ""
		}
		return f.Get(k)
	},
	"checked": func(f url.Values, k, v string) bool { return f != nil && slices.Contains(f[k], v) },
	"has":     func(list []string, s string) bool { return slices.Contains(list, s) },
	"add":     func(a, b int) int { return a + b },
	"number": func(n any) (string, error) {
		switch n := n.(type) {
		case int:
			return thousands(n), nil
		case int64:
			return thousands(n), nil
		}
		return "", fmt.Errorf("number: %T is not a whole number", n)
	},
	"seq": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	},
	"pathEscape":  url.PathEscape,
	"queryEscape": url.QueryEscape,
}

// parsePages parses each page template with the layout.
func parsePages() (map[string]*template.Template, error) {
	layout, err := fs.ReadFile(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		body, err := fs.ReadFile(templateFS, n)
		if err != nil {
			return nil, err
		}
		t := template.New("layout").Funcs(funcs)
		if _, err := t.Parse(string(layout)); err != nil {
			return nil, fmt.Errorf("layout: %w", err)
		}
		partials, _ := fs.Glob(templateFS, "templates/_*.html")
		for _, pn := range partials {
			pb, err := fs.ReadFile(templateFS, pn)
			if err != nil {
				return nil, err
			}
			if _, err := t.Parse(string(pb)); err != nil {
				return nil, fmt.Errorf("%s: %w", pn, err)
			}
		}
		if _, err := t.Parse(string(body)); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out[base] = t
	}
	return out, nil
}

// render writes a page. The whole page is rendered before anything is sent, so a
// template error becomes a clean error page rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	s.renderPage(w, r, status, name, &page{Title: title, Data: data})
}

func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, pg *page) {
	t := s.pages[name]
	if t == nil {
		slog.Error("no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p := app.PrincipalFrom(r.Context())
	pg.rules = s.app.Rules()
	pg.Account, pg.Path, pg.Today, pg.Org = p.Account, r.URL.Path, s.app.Today(), pg.rules.Organisation
	if pg.Flash == "" {
		pg.Flash = s.takeFlash(w, r)
	}
	if p.Account != nil {
		pg.Hold = s.app.Hold(r.Context())
	}
	pg.Nav = s.nav(r, pg.Hold)
	var b bytes.Buffer
	if err := t.Execute(&b, pg); err != nil {
		slog.Error("render", "template", name, "path", r.URL.Path, "err", err)
		if name == "error" {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		// The reader gets a page like any other, with its menu, rather than a
		// bare line of text: nothing of the page that failed is shown.
		s.renderPage(w, r, http.StatusInternalServerError, "error", &page{Title: "Something went wrong", Flash: pg.Flash,
			Data: errorPage{Message: "This page could not be shown. The fault has been logged; please try again later, or tell the administrator."}})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// nav is the menu: only what the principal may reach.
func (s *Server) nav(r *http.Request, h app.Holding) []navItem {
	ctx := r.Context()
	var items []navItem
	add := func(href, label string, ok bool) {
		if ok {
			items = append(items, navItem{Href: href, Label: label, Current: r.URL.Path == href || strings.HasPrefix(r.URL.Path, href+"/")})
		}
	}
	p := app.PrincipalFrom(ctx)
	if p.Account == nil || h.NeedsSecondFactor {
		add("/report", "Make a complaint", true)
		add("/report/follow", "Follow a complaint", true)
		add("/transparency", "Statistics", true)
		add("/rules", "Rule book", true)
		return items
	}
	add("/dashboard", "Dashboard", true)
	add("/members", "Members", s.app.May(ctx, app.SearchMembers, app.Resource{}))
	if h.Member && !h.Staff() && !h.Auditor {
		add("/members/"+url.PathEscape(p.Account.Member), "My record", true)
	}
	add("/complaints", "Complaints", s.app.May(ctx, app.ReceiveComplaints, app.Resource{}) || h.Member || h.Auditor)
	add("/cases", "Cases", h.Staff() || h.Member || h.Auditor)
	add("/deadlines", "Deadlines", s.app.May(ctx, app.ReadDeadlines, app.Resource{}))
	add("/statistics", "Statistics", s.app.May(ctx, app.Oversee, app.Resource{}))
	add("/interference", "Interference", s.app.May(ctx, app.Oversee, app.Resource{}))
	add("/access-log", "Access log", s.app.May(ctx, app.Oversee, app.Resource{}))
	add("/precedents", "Precedents", s.app.May(ctx, app.ReadPrecedents, app.Resource{}))
	add("/verify", "Verify", s.app.May(ctx, app.ReadRecord, app.Resource{}))
	add("/erasure", "Erasure", s.app.May(ctx, app.EraseRecords, app.Resource{}))
	add("/count", "Count", s.app.May(ctx, app.CountVotes, app.Resource{}))
	add("/selections", "Selections", s.app.May(ctx, app.ViewSelections, app.Resource{}))
	add("/ballots", "My ballots", h.Member && s.app.May(ctx, app.VoteInSelection, app.Resource{Member: p.Account.Member}))
	add("/admin/accounts", "Accounts", s.app.May(ctx, app.ManageAccounts, app.Resource{}))
	add("/rules", "Rule book", true)
	add("/report", "Make a complaint", h.Member)
	add("/account", "My account", true)
	return items
}

// thousands writes n with thousands separated by commas, as 10,000.
func thousands[N int | int64](n N) string { return report.Thousands(strconv.FormatInt(int64(n), 10)) }
