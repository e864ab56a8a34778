package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// A case's state and deadlines edited directly in the database: verify
// --projection prints each difference and fails, in text and JSON, until
// rebuild restores them.
func TestVerifyProjectionSeesCases(t *testing.T) {
	for _, engine := range sqldbtest.Engines {
		t.Run(engine, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "demo.db")
			if engine == "postgres" {
				dsn = sqldbtest.NewPostgres(t)
			}
			if code, _, stderr := rb(t, "", "demo", "--db", dsn); code != 0 {
				t.Fatal(stderr)
			}
			db, err := sqldb.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`UPDATE cases SET state = 'closed' WHERE id = 'D-2016-002'`,
				`DELETE FROM case_deadlines WHERE case_id = 'D-2016-002'`,
			} {
				if err := sqldbtest.Exec(db, q); err != nil {
					db.Close()
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			code, out, stderr := rb(t, "", "verify", "--db", dsn, "--projection")
			if code != 1 || !strings.Contains(out, "events verified") ||
				!strings.Contains(stderr, `  cases: case D-2016-002: state is "closed", the events make it "under_investigation"`) ||
				!strings.Contains(stderr, "  case_deadlines: case D-2016-002: deadline ") || !strings.Contains(stderr, "stored projection differs") {
				t.Fatalf("verify after an edit: exit %d\n%s\n%s", code, out, stderr)
			}
			code, out, _ = rb(t, "", "verify", "--db", dsn, "--projection", "--json")
			var res struct {
				OK    bool     `json:"ok"`
				Diffs []string `json:"projection_differences"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || res.OK || len(res.Diffs) < 2 {
				t.Fatalf("verify --json after an edit: exit %d %v %s", code, err, out)
			}
			if code, _, stderr := rb(t, "", "rebuild", "--db", dsn); code != 0 {
				t.Fatal(stderr)
			}
			if code, out, stderr := rb(t, "", "verify", "--db", dsn, "--projection"); code != 0 || !strings.Contains(out, "matches a rebuild") {
				t.Fatalf("verify after the rebuild: exit %d\n%s\n%s", code, out, stderr)
			}
		})
	}
}
