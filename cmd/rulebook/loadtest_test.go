package main

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestLoad runs the load test (loadtest.go) on both engines, briefly: eight
// writers and eight readers for two seconds, beside an import of 20,000
// members and a trickling upload. Any error, a record that does not verify, or
// projections that differ from a rebuild fail it; the figures are logged.
//
// RULEBOOK_LOAD=full runs the full version instead, as the acceptance
// asks (about twenty minutes; give -timeout 60m): 30 s on each engine, with and
// without a concurrent import of 1,000,000 members, each with a trickling
// upload. `rulebook loadtest` runs the same from the command line.
func TestLoad(t *testing.T) {
	type run struct {
		name   string
		cfg    loadConfig
		engine string
	}
	short := loadConfig{Duration: 2 * time.Second, Writers: 8, Readers: 8, Seed: 1000, Import: 20_000, Trickle: 10}
	runs := []run{{"sqlite", short, "sqlite"}, {"postgres", short, "postgres"}}
	if os.Getenv("RULEBOOK_LOAD") == "full" {
		full := loadConfig{Duration: 30 * time.Second, Writers: 8, Readers: 8, Seed: 10_000, Trickle: 20}
		withImport := full
		withImport.Import = 1_000_000
		runs = nil
		for _, eng := range sqldbtest.Engines {
			runs = append(runs, run{eng, full, eng}, run{eng + "-import", withImport, eng})
		}
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			cfg := r.cfg
			cfg.Engine = r.engine
			switch r.engine {
			case "sqlite":
				cfg.Dir = t.TempDir()
			case "postgres":
				// A database of the test's own, which the load test fills.
				dsn := sqldbtest.NewPostgres(t)
				cfg.Postgres = dsn
			}
			cfg.Progress = func(format string, args ...any) { t.Logf(format, args...) }
			rep, err := runLoad(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			writeLoadReport(&b, rep)
			t.Log("\n" + b.String())
			if !rep.OK() {
				t.Fatalf("the load test failed:\n%s", b.String())
			}
		})
	}
}
