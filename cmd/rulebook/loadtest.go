package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/web"
)

func init() {
	commands["loadtest"] = command{"run writers and readers against the service on this machine, then verify the record (a load test)", runLoadTest}
}

// The load test starts the service as serve does — the web application and the
// JSON API behind the Host guard and the connection limit, with serve's
// timeouts — on a scratch database and on 127.0.0.1 only, and sends it, through
// the API and as accounts with API tokens:
//
//   - writers, each working through its own members and cases: a member joins,
//     their particulars change, a complaint about them is received, a case is
//     opened on it, acknowledged and closed with no further action;
//   - readers, as the auditor: a member, their history, an eligibility answer,
//     a case, a search of the register, the open cases;
//   - the floor: /healthz, which touches the database and nothing else, asked
//     throughout, so that the others' times can be read as multiples of it;
//   - optionally an import of a generated register, generated as it is sent, and
//     a trickling upload: an import whose body arrives a few bytes at a time over
//     most of the run, which must keep no one waiting.
//
// Any answer but a success is an error. At the end the record must verify and
// its projections match a rebuild from the events, and the register must hold
// every member the run added.

// loadConfig is what a load test runs.
type loadConfig struct {
	// Engine is "sqlite" or "postgres"; Postgres is the server to create the
	// scratch database on, and Dir a directory for the SQLite file.
	Engine, Postgres, Dir string
	Duration              time.Duration
	Writers, Readers      int
	// Seed members are imported before the run; Import members are imported
	// during it, in one upload; Trickle rows are uploaded slowly throughout.
	Seed, Import, Trickle int
	// Keep keeps the scratch database.
	Keep bool
	// Progress, if set, is told what is happening.
	Progress func(format string, args ...any)
}

// loadClass is how one kind of request fared.
type loadClass struct {
	Name     string        `json:"name"`
	Requests int           `json:"requests"`
	Errors   int           `json:"errors"`
	P50      time.Duration `json:"p50"`
	P99      time.Duration `json:"p99"`
	Max      time.Duration `json:"max"`
	// P50Floor and P99Floor are P50 and P99 as multiples of the floor's.
	P50Floor float64 `json:"p50_floor"`
	P99Floor float64 `json:"p99_floor"`
	// Failed lists the first errors.
	Failed []string `json:"failed,omitempty"`
}

// loadReport is the outcome of a load test.
type loadReport struct {
	Engine   string        `json:"engine"`
	Duration time.Duration `json:"duration"`
	Writers  int           `json:"writers"`
	Readers  int           `json:"readers"`
	Import   int           `json:"import"`
	Trickle  int           `json:"trickle"`
	// Classes are write, read, the floor (healthz), and the import and the
	// trickling upload if there were any.
	Classes []loadClass `json:"classes"`
	Events  int64       `json:"events"`
	Members int         `json:"members"`
	// Verified says the record verifies; Diffs are the differences of its
	// projections from a rebuild; the times are those of each check.
	Verified   bool          `json:"verified"`
	VerifyTime time.Duration `json:"verify_time"`
	Diffs      []string      `json:"projection_differences"`
	CheckTime  time.Duration `json:"check_time"`
	// Failures are what makes the run a failure, in words.
	Failures []string `json:"failures,omitempty"`
}

// OK reports whether the run had no error and its record checks out.
func (r *loadReport) OK() bool { return len(r.Failures) == 0 }

// recorder gathers the times and errors of one class of request.
type recorder struct {
	mu     sync.Mutex
	name   string
	times  []time.Duration
	errors int
	failed []string
}

func (r *recorder) add(d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.times = append(r.times, d)
	if err != nil {
		r.errors++
		if len(r.failed) < 5 {
			r.failed = append(r.failed, err.Error())
		}
	}
}

func (r *recorder) class() loadClass {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := loadClass{Name: r.name, Requests: len(r.times), Errors: r.errors, Failed: r.failed}
	if len(r.times) > 0 {
		ts := slices.Clone(r.times)
		slices.Sort(ts)
		at := func(q float64) time.Duration { return ts[min(len(ts)-1, int(q*float64(len(ts))))] }
		c.P50, c.P99, c.Max = at(0.50), at(0.99), ts[len(ts)-1]
	}
	return c
}

// pool is a set of ids readers pick from, growing as writers add to it.
type pool struct {
	mu  sync.RWMutex
	ids []string
}

func (p *pool) add(ids ...string) {
	p.mu.Lock()
	p.ids = append(p.ids, ids...)
	p.mu.Unlock()
}

func (p *pool) pick(r *rand.Rand) string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.ids[r.IntN(len(p.ids))]
}

// loadClient sends requests to the service as an account.
type loadClient struct {
	base  string
	http  *http.Client
	token string
}

// do sends a request and reads the answer, which must be a success.
func (c *loadClient) do(method, path, ctype string, body io.Reader) error {
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, bytes.TrimSpace(b))
	}
	return nil
}

func (c *loadClient) json(method, path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.do(method, path, "application/json", bytes.NewReader(b))
}

// loadUnit is the unit the writers' members join (a branch of the demo party).
const loadUnit = "harbour-ward"

// loadLevels are the units of a generated register: 2,000 branches, ten to a
// constituency.
var loadLevels = []memberscsv.Level{{Kind: "constituency", Count: 200}, {Kind: "branch", Count: 2000}}

// loadDB opens the scratch database, and returns a function that closes it
// and (unless kept) removes it.
func loadDB(ctx context.Context, cfg loadConfig) (*sqldb.DB, string, func(), error) {
	switch cfg.Engine {
	case "sqlite":
		dir := cfg.Dir
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "rulebook-load-*"); err != nil {
				return nil, "", nil, err
			}
		}
		dsn := filepath.Join(dir, "load.db")
		db, err := sqldb.Open(ctx, dsn)
		if err != nil {
			return nil, "", nil, err
		}
		return db, dsn, func() {
			db.Close()
			if !cfg.Keep && cfg.Dir == "" {
				os.RemoveAll(dir)
			}
		}, nil
	case "postgres":
		admin, err := sql.Open("pgx", cfg.Postgres)
		if err != nil {
			return nil, "", nil, err
		}
		var b [6]byte
		crand.Read(b[:])
		name := "rulebook_load_" + hex.EncodeToString(b[:])
		if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
			admin.Close()
			return nil, "", nil, fmt.Errorf("creating the scratch database on %s: %w", cfg.Postgres, err)
		}
		u, err := url.Parse(cfg.Postgres)
		if err != nil {
			admin.Close()
			return nil, "", nil, err
		}
		u.Path = "/" + name
		drop := func() {
			if !cfg.Keep {
				admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
			}
			admin.Close()
		}
		db, err := sqldb.Open(ctx, u.String())
		if err != nil {
			drop()
			return nil, "", nil, err
		}
		return db, u.String(), func() { db.Close(); drop() }, nil
	}
	return nil, "", nil, fmt.Errorf("unknown engine %q: sqlite or postgres", cfg.Engine)
}

// runLoad runs a load test and reports on it; an error means it could not be
// run at all (the report says how a run that was made went).
func runLoad(ctx context.Context, cfg loadConfig) (*loadReport, error) {
	say := cfg.Progress
	if say == nil {
		say = func(string, ...any) {}
	}
	if cfg.Writers < 1 || cfg.Readers < 1 || cfg.Duration <= 0 {
		return nil, errors.New("a load test needs at least one writer and one reader, for a while")
	}
	db, dsn, done, err := loadDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer done()
	say("database %s", redactDSN(dsn))
	// The organisation: the demo party, its members and cases, and a register of
	// Seed more.
	src, err := examples.FS.ReadFile(examples.Labour)
	if err != nil {
		return nil, err
	}
	rb, err := rules.Load(examples.Labour, src)
	if err != nil {
		return nil, err
	}
	if err := demo.Load(ctx, db, rb, src); err != nil {
		return nil, err
	}
	svc, err := register.New(ctx, db, rb, src)
	if err != nil {
		return nil, err
	}
	a, err := app.New(ctx, svc)
	if err != nil {
		return nil, err
	}
	op := app.WithPrincipal(ctx, app.OperatorPrincipal("loadtest"))
	members, cases := &pool{}, &pool{}
	ms, err := db.Members(ctx, sqldb.MemberFilter{})
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		members.add(m.ID)
	}
	cs, err := db.CaseRows(ctx, sqldb.CaseFilter{})
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		cases.add(c.ID)
	}
	if cfg.Seed > 0 {
		var csv bytes.Buffer
		if err := memberscsv.Generate(&csv, cfg.Seed, 1, loadLevels, []string{"lapsed", "admin_suspended"}); err != nil {
			return nil, err
		}
		if _, err := a.Import(op, &csv, "seed.csv", false, nil); err != nil {
			return nil, fmt.Errorf("seeding the register: %w", err)
		}
		for i := 1; i <= cfg.Seed; i++ {
			members.add(fmt.Sprintf("G%07d", i))
		}
	}
	before, err := db.CountMembers(ctx)
	if err != nil {
		return nil, err
	}
	token := func(name string, roles ...string) (string, error) {
		if _, err := a.CreateAccount(op, app.AccountInput{Name: name, Display: name, Roles: roles}, "a long enough password"); err != nil {
			return "", err
		}
		tok, _, err := a.CreateToken(op, name, "load test", rulebook.NoDate)
		return tok, err
	}
	writerToken, err := token("load.writer", "membership_office", "compliance_unit")
	if err != nil {
		return nil, err
	}
	readerToken, err := token("load.reader", rulebook.RoleAuditor)
	if err != nil {
		return nil, err
	}

	// The service, as serve runs it.
	w, err := web.New(a, web.Options{})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	var errlog bytes.Buffer
	srv, ln := httpServer(w, ln, nil, 512, &lockedWriter{w: &errlog})
	// The request log would be most of the work: it is left out.
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer slog.SetDefault(prev)
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	base := "http://" + ln.Addr().String()
	transport := &http.Transport{MaxIdleConnsPerHost: 2*(cfg.Writers+cfg.Readers) + 8, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Minute}
	writer := &loadClient{base: base, http: client, token: writerToken}
	reader := &loadClient{base: base, http: client, token: readerToken}
	say("serving %s: %d writers, %d readers for %s", base, cfg.Writers, cfg.Readers, cfg.Duration)

	rep := &loadReport{Engine: cfg.Engine, Duration: cfg.Duration, Writers: cfg.Writers, Readers: cfg.Readers, Import: cfg.Import, Trickle: cfg.Trickle}
	writes, reads, floor := &recorder{name: "write"}, &recorder{name: "read"}, &recorder{name: "floor (/healthz)"}
	imports, trickles := &recorder{name: "import"}, &recorder{name: "trickling upload"}
	var stop atomic.Bool
	var running, uploads sync.WaitGroup
	var joined atomic.Int64
	start := time.Now()
	for i := range cfg.Writers {
		running.Add(1)
		go func() {
			defer running.Done()
			writeLoop(i, writer, &stop, writes, members, cases, &joined)
		}()
	}
	for i := range cfg.Readers {
		running.Add(1)
		go func() {
			defer running.Done()
			readLoop(i, reader, &stop, reads, members, cases)
		}()
	}
	running.Add(1)
	go func() {
		defer running.Done()
		for !stop.Load() {
			t := time.Now()
			err := reader.do("GET", "/healthz", "", nil)
			floor.add(time.Since(t), err)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	if cfg.Import > 0 {
		uploads.Add(1)
		go func() {
			defer uploads.Done()
			pr, pw := io.Pipe()
			go func() {
				// Generated as it is sent, under ids of its own.
				pw.CloseWithError(memberscsv.Generate(&renamer{w: pw, from: 'G', to: 'I'}, cfg.Import, 2, loadLevels, []string{"lapsed", "admin_suspended"}))
			}()
			t := time.Now()
			err := writer.do("POST", "/api/v1/imports/members", "text/csv", pr)
			pr.CloseWithError(io.ErrClosedPipe)
			imports.add(time.Since(t), err)
			say("import of %d members: %s, %v", cfg.Import, time.Since(t).Round(time.Millisecond), errOr(err))
		}()
	}
	if cfg.Trickle > 0 {
		uploads.Add(1)
		go func() {
			defer uploads.Done()
			var csv bytes.Buffer
			csv.WriteString("id,name,branch,constituency,joined\n")
			for i := 1; i <= cfg.Trickle; i++ {
				fmt.Fprintf(&csv, "T%06d,Trickling Member %d,%s,northport-central,2010-01-01\n", i, i, loadUnit)
			}
			// Most of the run, a few bytes at a time.
			body := &trickle{b: csv.Bytes(), step: 7, every: cfg.Duration * 8 / 10 * 7 / time.Duration(csv.Len())}
			t := time.Now()
			err := writer.do("POST", "/api/v1/imports/members", "text/csv", body)
			trickles.add(time.Since(t), err)
			say("trickling upload of %d members: %s, %v", cfg.Trickle, time.Since(t).Round(time.Millisecond), errOr(err))
		}()
	}
	select {
	case <-time.After(cfg.Duration):
	case <-ctx.Done():
	}
	stop.Store(true)
	running.Wait()
	say("writers and readers stopped after %s; waiting for the uploads", time.Since(start).Round(time.Millisecond))
	uploads.Wait()

	rep.Classes = []loadClass{writes.class(), reads.class(), floor.class()}
	if cfg.Import > 0 {
		rep.Classes = append(rep.Classes, imports.class())
	}
	if cfg.Trickle > 0 {
		rep.Classes = append(rep.Classes, trickles.class())
	}
	fl := rep.Classes[2]
	for i := range rep.Classes {
		c := &rep.Classes[i]
		if fl.P50 > 0 && fl.P99 > 0 {
			c.P50Floor, c.P99Floor = float64(c.P50)/float64(fl.P50), float64(c.P99)/float64(fl.P99)
		}
		if c.Errors > 0 {
			rep.Failures = append(rep.Failures, fmt.Sprintf("%d of %d %s requests failed: %s", c.Errors, c.Requests, c.Name, strings.Join(c.Failed, "; ")))
		}
		if c.Requests == 0 {
			rep.Failures = append(rep.Failures, "no "+c.Name+" request was answered")
		}
	}
	if s := strings.TrimSpace(errlog.String()); s != "" {
		rep.Failures = append(rep.Failures, "the server logged: "+s)
	}

	// The record.
	say("verifying the record")
	t := time.Now()
	res, err := a.Verify(op, nil)
	if err != nil {
		return nil, err
	}
	rep.VerifyTime, rep.Events, rep.Verified = time.Since(t), res.Events, res.OK
	if !res.OK {
		rep.Failures = append(rep.Failures, fmt.Sprintf("the record does not verify: %+v %v", res.Problem, res.Faults))
	}
	say("checking the projections against the events")
	t = time.Now()
	if rep.Diffs, err = a.CheckProjection(op); err != nil {
		return nil, err
	}
	rep.CheckTime = time.Since(t)
	if len(rep.Diffs) > 0 {
		rep.Failures = append(rep.Failures, "the projections differ from the events: "+strings.Join(rep.Diffs, "; "))
	}
	if rep.Members, err = db.CountMembers(ctx); err != nil {
		return nil, err
	}
	want := before + int(joined.Load())
	if imports.class().Errors == 0 {
		want += cfg.Import
	}
	if trickles.class().Errors == 0 {
		want += cfg.Trickle
	}
	if rep.Members != want {
		rep.Failures = append(rep.Failures, fmt.Sprintf("the register holds %d members, not the %d it had and was given", rep.Members, want))
	}
	return rep, nil
}

func errOr(err error) any {
	if err == nil {
		return "ok"
	}
	return err
}

// The dates the writers' cases run on: under the example party's 2016 rules.
var (
	loadJoined   = rulebook.MustDate("2010-01-01")
	loadConduct  = rulebook.MustDate("2016-06-01")
	loadReceived = rulebook.MustDate("2016-06-02")
)

// writeLoop works through writer i's members and cases, one request at a time:
// a member joins, their particulars change, a complaint about them is
// received, a case is opened on it, acknowledged, and closed with no further
// action; then the next member.
func writeLoop(i int, c *loadClient, stop *atomic.Bool, rec *recorder, members, cases *pool, joined *atomic.Int64) {
	for k := 0; !stop.Load(); k++ {
		id := fmt.Sprintf("L%02d%06d", i, k)
		complaint, caseID := "C-"+id, "D-"+id
		steps := []struct {
			method, path string
			body         any
			done         func()
		}{
			{"POST", "/api/v1/members", map[string]any{"id": id, "name": fmt.Sprintf("Writer %d Member %d", i, k), "unit": loadUnit, "joined": loadJoined},
				func() { members.add(id); joined.Add(1) }},
			{"PATCH", "/api/v1/members/" + id, map[string]any{"phone": fmt.Sprintf("0100 %06d", k), "address": fmt.Sprintf("%d Load Street", k)}, nil},
			{"POST", "/api/v1/complaints", map[string]any{"id": complaint, "respondent": id, "complainant": "M0005", "from": "member", "via": "letter",
				"conduct": loadConduct, "clauses": []string{"2.I.8"}, "summary": "Remarks said to bring the Party into disrepute.", "received": loadReceived}, nil},
			{"POST", "/api/v1/cases", map[string]any{"id": caseID, "kind": "complaint", "respondent": id, "date": loadReceived, "complaints": []string{complaint}},
				func() { cases.add(caseID) }},
			{"POST", "/api/v1/cases/" + caseID + "/steps", map[string]any{"transition": "acknowledge", "body": "compliance_unit", "date": loadReceived.AddDays(1)}, nil},
			{"POST", "/api/v1/cases/" + caseID + "/steps", map[string]any{"transition": "no_further_action", "body": "compliance_unit", "date": loadReceived.AddDays(8),
				"criteria": []string{"NFA-EVIDENCE"}, "rationale": "No evidence of the remarks."}, nil},
		}
		for _, s := range steps {
			if stop.Load() {
				return
			}
			t := time.Now()
			err := c.json(s.method, s.path, s.body)
			rec.add(time.Since(t), err)
			if err != nil {
				// The rest of this member's steps depend on this one.
				break
			}
			if s.done != nil {
				s.done()
			}
		}
	}
}

// readLoop reads what readers read, as the auditor, one request at a time.
func readLoop(i int, c *loadClient, stop *atomic.Bool, rec *recorder, members, cases *pool) {
	r := rand.New(rand.NewPCG(uint64(i), 0x10ad))
	surnames := []string{"smith", "jones", "ashdown", "castellan", "quinn", "nash", "pike", "w"}
	for !stop.Load() {
		var path string
		switch r.IntN(6) {
		case 0:
			path = "/api/v1/members/" + url.PathEscape(members.pick(r))
		case 1:
			path = "/api/v1/members/" + url.PathEscape(members.pick(r)) + "/history"
		case 2:
			path = "/api/v1/eligibility?member=" + url.QueryEscape(members.pick(r)) + "&action=vote_in_all_member_ballot&date=2016-06-01"
		case 3:
			path = "/api/v1/cases/" + url.PathEscape(cases.pick(r))
		case 4:
			path = "/api/v1/members?limit=20&q=" + surnames[r.IntN(len(surnames))]
		case 5:
			path = "/api/v1/cases?open=true&limit=20"
		}
		t := time.Now()
		err := c.do("GET", path, "", nil)
		rec.add(time.Since(t), err)
	}
}

// renamer writes what it is given with the first byte of every line but the
// first changed from one letter to another (a generated register under ids of
// its own).
type renamer struct {
	w        io.Writer
	from, to byte
	lines    int
	mid      bool
}

func (r *renamer) Write(b []byte) (int, error) {
	out := make([]byte, len(b))
	copy(out, b)
	for i, c := range out {
		if !r.mid && r.lines > 0 && c == r.from {
			out[i] = r.to
		}
		r.mid = c != '\n'
		if c == '\n' {
			r.lines++
		}
	}
	return r.w.Write(out)
}

// trickle is a body that arrives step bytes at a time, every so often.
type trickle struct {
	b     []byte
	step  int
	every time.Duration
	sent  bool
}

func (t *trickle) Read(p []byte) (int, error) {
	if len(t.b) == 0 {
		return 0, io.EOF
	}
	if t.sent {
		time.Sleep(t.every)
	}
	t.sent = true
	n := copy(p, t.b[:min(t.step, len(t.b))])
	t.b = t.b[n:]
	return n, nil
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// redactDSN hides a password in a DSN.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// writeLoadReport prints a report as a table.
func writeLoadReport(w io.Writer, r *loadReport) {
	fmt.Fprintf(w, "%s: %s, %d writers, %d readers", r.Engine, r.Duration, r.Writers, r.Readers)
	if r.Import > 0 {
		fmt.Fprintf(w, ", an import of %d members", r.Import)
	}
	if r.Trickle > 0 {
		fmt.Fprintf(w, ", a trickling upload of %d", r.Trickle)
	}
	fmt.Fprintf(w, "\n\n| %-18s | %8s | %6s | %10s | %10s | %10s | %9s | %9s |\n", "requests", "answered", "errors", "p50", "p99", "max", "p50/floor", "p99/floor")
	fmt.Fprintf(w, "|%s|%s:|%s:|%s:|%s:|%s:|%s:|%s:|\n", strings.Repeat("-", 20), strings.Repeat("-", 9), strings.Repeat("-", 7), strings.Repeat("-", 11),
		strings.Repeat("-", 11), strings.Repeat("-", 11), strings.Repeat("-", 10), strings.Repeat("-", 10))
	for _, c := range r.Classes {
		fmt.Fprintf(w, "| %-18s | %8d | %6d | %10s | %10s | %10s | %9.1f | %9.1f |\n", c.Name, c.Requests, c.Errors, roundDur(c.P50), roundDur(c.P99), roundDur(c.Max), c.P50Floor, c.P99Floor)
	}
	verdict := "verifies"
	if !r.Verified {
		verdict = "DOES NOT VERIFY"
	}
	proj := "match a rebuild"
	if len(r.Diffs) > 0 {
		proj = fmt.Sprintf("DIFFER from a rebuild (%d)", len(r.Diffs))
	}
	fmt.Fprintf(w, "\nrecord: %d events, %s (%s); projections %s (%s); register: %d members\n", r.Events, verdict, roundDur(r.VerifyTime), proj, roundDur(r.CheckTime), r.Members)
	for _, f := range r.Failures {
		fmt.Fprintln(w, "FAILED: "+f)
	}
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func runLoadTest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "loadtest", "loadtest [--engine sqlite|postgres] [--postgres DSN] [--duration D] [--writers N] [--readers N] [--seed N] [--import N] [--trickle N] [--keep] [--json] [--cpuprofile FILE]")
	engine := fs.String("engine", "sqlite", "sqlite, or postgres (a scratch database is created on --postgres and dropped after)")
	pg := fs.String("postgres", e.getenv("RULEBOOK_TEST_POSTGRES"), "the PostgreSQL server to create the scratch database on (env RULEBOOK_TEST_POSTGRES; default postgres://postgres@127.0.0.1:5432/postgres)")
	dur := fs.Duration("duration", 30*time.Second, "how long the writers and readers run")
	writers := fs.Int("writers", 8, "writers, each a member and a case at a time")
	readers := fs.Int("readers", 8, "readers")
	seed := fs.Int("seed", 10000, "members imported before the run")
	imp := fs.Int("import", 0, "members of a generated register imported in one upload during the run (0: none)")
	trickleN := fs.Int("trickle", 20, "members of an import uploaded a few bytes at a time over most of the run (0: none)")
	keep := fs.Bool("keep", false, "keep the scratch database")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	cpu := fs.String("cpuprofile", "", "write a CPU profile of the run (service and clients alike) to this file")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *pg == "" {
		*pg = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	cfg := loadConfig{Engine: *engine, Postgres: *pg, Duration: *dur, Writers: *writers, Readers: *readers, Seed: *seed, Import: *imp, Trickle: *trickleN, Keep: *keep,
		Progress: func(format string, args ...any) { fmt.Fprintf(e.stderr, "loadtest: "+format+"\n", args...) }}
	rep, err := runLoad(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := writeJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		writeLoadReport(e.stdout, rep)
	}
	if !rep.OK() {
		return fmt.Errorf("the load test failed: %s", plural(len(rep.Failures), "problem", "problems"))
	}
	return nil
}
