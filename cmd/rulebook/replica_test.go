package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook/httpapi"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestServeWithReplica runs serve --db-read against a real PostgreSQL streaming
// replica started for the test: reads are served by the replica, a client reads
// its own change (by the header, or a browser's cookie), a paused replica is
// read around with the bytes it is behind said, /healthz reports its lag, the
// reads it served are in the primary's access log, and the read-only commands
// take --db-read while the replica's DSN is refused as --db.
func TestServeWithReplica(t *testing.T) {
	pair := sqldbtest.NewPair(t)
	if code, _, stderr := rb(t, "", "demo", "--db", pair.Primary); code != 0 {
		t.Fatal(stderr)
	}
	token := func(user string) string {
		code, out, stderr := rb(t, "", "token", "create", "--user", user, "--db", pair.Primary)
		if code != 0 {
			t.Fatal(stderr)
		}
		return strings.TrimSpace(out)
	}
	ruth, paula := token("ruth"), token("paula")

	// The command line: a read-only command reads the replica; the replica is
	// no database to write to.
	code, out, stderr := rb(t, "", "eligibility", "--db", pair.Primary, "--db-read", pair.Replica, "--member", "M0001", "--action", "stand_as_candidate", "--date", "2017-06-01")
	if code > 1 || !strings.Contains(out, "M0001") || stderr != "" {
		t.Fatalf("eligibility with --db-read: %d %q %q", code, out, stderr)
	}
	if code, _, stderr := rb(t, "", "member", "show", "M0001", "--db", pair.Replica); code == 0 || !strings.Contains(stderr, "read-only standby") {
		t.Fatalf("member show --db REPLICA: %d %q, want the standby refused", code, stderr)
	}
	if code, _, stderr := rb(t, "", "eligibility", "--db", pair.Primary, "--db-read", pair.Primary, "--member", "M0001", "--action", "stand_as_candidate"); code == 0 || !strings.Contains(stderr, "not a streaming replica") {
		t.Fatalf("--db-read naming the primary: %d %q", code, stderr)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sout, serr syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &sout, stderr: &serr, getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, e, []string{"serve", "--db", pair.Primary, "--db-read", pair.Replica, "--addr", "127.0.0.1:0"})
	}()
	url := regexp.MustCompile(`serving (http://[0-9.:]+)/`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == ""; {
		if m := url.FindStringSubmatch(sout.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s %s", sout.String(), serr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(sout.String(), "served by the replica") {
		t.Errorf("serve does not say it reads the replica: %s", sout.String())
	}
	do := func(method, path, tok, body string, header ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Add(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}
	health := func() map[string]any {
		t.Helper()
		res, body := do("GET", "/healthz", "", "")
		var h struct {
			Replica map[string]any `json:"replica"`
		}
		if res.StatusCode != 200 || json.Unmarshal([]byte(body), &h) != nil || h.Replica == nil {
			t.Fatalf("/healthz: %d %s", res.StatusCode, body)
		}
		return h.Replica
	}
	if h := health(); h["ok"] != true {
		t.Fatalf("/healthz replica: %v", h)
	}

	// A read with no change before it: the replica.
	res, body := do("GET", "/api/v1/members/M0001", ruth, "")
	if res.StatusCode != 200 || res.Header.Get(httpapi.ReadFromHeader) != "replica" {
		t.Fatalf("reading a member: %d %q %s", res.StatusCode, res.Header.Get(httpapi.ReadFromHeader), body)
	}
	// A change, then the same client's read of it, by the header it was given.
	res, body = do("POST", "/api/v1/members", paula, `{"id":"M0100","name":"New Member","joined":"2024-05-01","unit":"harbour-ward"}`, "Cookie", httpapi.SessionCookie+"=a-browser")
	after := res.Header.Get(httpapi.ReadAfterHeader)
	if res.StatusCode != 201 && res.StatusCode != 200 || after == "" {
		t.Fatalf("joining: %d %q %s", res.StatusCode, after, body)
	}
	if _, err := sqldb.ParseWALPosition(after); err != nil {
		t.Fatal(err)
	}
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == httpapi.ReadAfterCookie {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != after || !cookie.HttpOnly {
		t.Fatalf("a browser's change sets no cookie with the position: %v", res.Cookies())
	}
	res, body = do("GET", "/api/v1/members/M0100", paula, "", httpapi.ReadAfterHeader, after)
	if res.StatusCode != 200 || res.Header.Get(httpapi.ReadFromHeader) != "replica" {
		t.Fatalf("reading one's own change: %d %q %s", res.StatusCode, res.Header.Get(httpapi.ReadFromHeader), body)
	}
	if res, body := do("GET", "/api/v1/members/M0100", paula, "", httpapi.ReadAfterHeader, "yesterday"); res.StatusCode != 400 || !strings.Contains(body, httpapi.ReadAfterHeader) {
		t.Fatalf("a bad %s: %d %s", httpapi.ReadAfterHeader, res.StatusCode, body)
	}

	// Replay paused on the replica.
	admin, err := sql.Open("pgx", pair.Replica)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec(`SELECT pg_wal_replay_resume()`)
	for deadline := time.Now().Add(10 * time.Second); ; {
		var state string
		admin.QueryRow(`SELECT pg_get_wal_replay_pause_state()`).Scan(&state)
		if state == "paused" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("replay did not pause")
		}
		time.Sleep(20 * time.Millisecond)
	}
	res, body = do("POST", "/api/v1/members", paula, `{"id":"M0101","name":"Newer Member","joined":"2024-05-02","unit":"harbour-ward"}`)
	after = res.Header.Get(httpapi.ReadAfterHeader)
	if res.StatusCode >= 300 || after == "" {
		t.Fatalf("joining: %d %q %s", res.StatusCode, after, body)
	}
	// Without the position, the replica answers, as it stands: no M0101.
	if res, _ := do("GET", "/api/v1/members/M0101", paula, ""); res.StatusCode != 404 || res.Header.Get(httpapi.ReadFromHeader) != "replica" {
		t.Fatalf("reading M0101 from the paused replica: %d %q", res.StatusCode, res.Header.Get(httpapi.ReadFromHeader))
	}
	// With it (the header, or the browser's cookie), the primary, after the
	// wait, saying how far behind the replica is.
	for _, h := range [][]string{{httpapi.ReadAfterHeader, after}, {"Cookie", httpapi.ReadAfterCookie + "=" + after}} {
		start := time.Now()
		res, body = do("GET", "/api/v1/members/M0101", paula, "", h...)
		behind, _ := strconv.ParseUint(res.Header.Get(httpapi.ReplicaBehindHeader), 10, 64)
		if res.StatusCode != 200 || res.Header.Get(httpapi.ReadFromHeader) != "primary" || behind == 0 {
			t.Fatalf("reading one's own change while the replica is paused (%s): %d %q behind %q %s", h[0], res.StatusCode,
				res.Header.Get(httpapi.ReadFromHeader), res.Header.Get(httpapi.ReplicaBehindHeader), body)
		}
		if took := time.Since(start); took < sqldb.DefaultReplicaWait/2 {
			t.Errorf("the read did not wait for the replica: %v", took)
		}
	}
	// The command line waits the same way for what was written before it
	// began, then reads --db, and says so.
	if code, out, stderr := rb(t, "", "member", "show", "M0101", "--db", pair.Primary, "--db-read", pair.Replica); code != 0 || !strings.Contains(out, "Newer Member") ||
		!regexp.MustCompile(`read from --db, as the replica \(--db-read\) is [1-9][0-9]* bytes behind`).MatchString(stderr) {
		t.Fatalf("member show with the replica paused: %d %q %q", code, out, stderr)
	}
	if h := health(); h["paused"] != true || h["behind_bytes"].(float64) <= 0 {
		t.Fatalf("/healthz while paused: %v", h)
	}
	if _, err := admin.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	res, _ = do("GET", "/api/v1/members/M0101", paula, "", httpapi.ReadAfterHeader, after)
	if res.StatusCode != 200 || res.Header.Get(httpapi.ReadFromHeader) != "replica" {
		t.Fatalf("after replay resumed: %d %q", res.StatusCode, res.Header.Get(httpapi.ReadFromHeader))
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, serr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	// The reads the replica served are in the primary's access log.
	d, err := sqldb.Open(context.Background(), pair.Primary)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	log, err := d.AccessLog(context.Background(), "M0001", 10)
	ruths := 0
	for _, x := range log {
		if x.Actor == "ruth" && x.Action == "view_member" {
			ruths++
		}
	}
	if err != nil || ruths != 1 {
		t.Fatalf("the primary's access log of M0001: %+v %v", log, err)
	}
	if code, out, stderr := rb(t, "", "verify", "--db", pair.Primary); code != 0 {
		t.Fatalf("verify: %d %s %s", code, out, stderr)
	}
}
