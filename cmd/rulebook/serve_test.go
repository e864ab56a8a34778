package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rulebook/rulebook/checkpoint"
	"github.com/rulebook/rulebook/sqldb"
)

// syncBuffer is a buffer written by serve and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeShutdownStoresTheAccessLog: serve, stopped (as by SIGINT or SIGTERM)
// just after a read, stores the read's access-log entry before it exits, and its
// last checkpoint covers it.
func TestServeShutdownStoresTheAccessLog(t *testing.T) {
	dir := t.TempDir()
	db, key, cp := filepath.Join(dir, "demo.db"), filepath.Join(dir, "checkpoint.key"), filepath.Join(dir, "checkpoint.txt")
	if code, _, stderr := rb(t, "", "demo", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	rb(t, "", "key", "generate", "--name", "rulebook.example.org", "--out", key)
	code, token, stderr := rb(t, "", "token", "create", "--user", "ruth", "--db", db)
	if code != 0 {
		t.Fatal(stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, e, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--checkpoint-key", key, "--checkpoint-out", cp})
	}()
	url := regexp.MustCompile(`serving (http://[0-9.:]+)/`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == ""; {
		if m := url.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s %s", out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/members/M0001", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(token))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("reading a member: %d", res.StatusCode)
	}
	cancel() // as SIGINT or SIGTERM does
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	d, err := sqldb.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	log, err := d.AccessLog(context.Background(), "M0001", 1)
	if err != nil || len(log) != 1 || log[0].Actor != "ruth" || log[0].Action != "view_member" {
		t.Fatalf("the access log after shutdown: %+v %v", log, err)
	}
	vkey, _ := os.ReadFile(key + ".pub")
	msg, _ := os.ReadFile(cp)
	c, err := checkpoint.Open(msg, string(vkey))
	if err != nil || c.Access == nil || c.Access.Size < 1 {
		t.Fatalf("the last checkpoint: %+v %v", c, err)
	}
	if code, out, stderr := rb(t, "", "verify", "--db", db, "--checkpoint", cp, "--verifier", key+".pub"); code != 0 || !strings.Contains(out, "and the access log its") {
		t.Fatalf("verify against serve's last checkpoint: %d %s %s", code, out, stderr)
	}
}
