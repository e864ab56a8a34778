package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// rulebook electorate --csv and --json print the eligibility engine's answer
// over the stored histories, on a generated register and on both engines; the
// JSON is what encoding/json prints of the same electorate, indented (members
// before the count, which is known at the end).
func TestElectorateIsTheEngines(t *testing.T) {
	const rulesFile = "../../examples/labour-2016.yaml"
	book, err := rules.LoadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, engine := range sqldbtest.Engines {
		t.Run(engine, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "rulebook.db")
			if engine == "postgres" {
				dsn = sqldbtest.NewPostgres(t)
			}
			db, err := sqldb.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			sqldbtest.RandomRegister(t, db, 3, 500, sqldbtest.Vocabulary{
				Statuses:    []string{"active", "admin_suspended", "auto_excluded", "expelled", "lapsed", "resigned"},
				Actions:     []string{"vote_in_selection", "hold_office", "attend_branch_meetings"},
				WaiveAction: "vote_in_selection", WaiveClause: "5.I.2",
			})
			hs, err := db.Histories(context.Background())
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			q := eligibility.Question{Action: "vote_in_selection", Date: rulebook.MustDate("2016-09-20"), FreezeDate: rulebook.MustDate("2016-09-01")}
			want, refused, err := eligibility.Electorate(book, hs, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 || len(want) == len(hs) {
				t.Fatalf("%d of %d may: the register does not test the question", len(want), len(hs))
			}
			args := []string{"electorate", "--db", dsn, "--rules", rulesFile, "--action", q.Action, "--date", q.Date.String(), "--freeze-date", q.FreezeDate.String()}
			code, out, stderr := rb(t, "", append(args, "--csv")...)
			if code != 0 {
				t.Fatalf("--csv: %d %s", code, stderr)
			}
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			wantCSV := [][]string{{"member", "name", "unit", "status"}}
			for _, x := range want {
				wantCSV = append(wantCSV, []string{x.Member, x.Name, x.Unit, x.Status})
			}
			if !reflect.DeepEqual(recs, wantCSV) {
				t.Fatalf("--csv: %d rows, want %d", len(recs), len(wantCSV))
			}
			// The table for people is lined up as text/tabwriter lines it up.
			code, out, stderr = rb(t, "", args...)
			if code != 0 {
				t.Fatalf("table: %d %s", code, stderr)
			}
			var tab bytes.Buffer
			tw := table(&tab)
			row(tw, "  ", "MEMBER", "NAME", "UNIT", "STATUS")
			for _, x := range want {
				row(tw, "  ", x.Member, x.Name, x.Unit, x.Status)
			}
			tw.Flush()
			head, rest, _ := strings.Cut(out, "\n")
			if !strings.HasPrefix(head, fmt.Sprintf("%d members may Vote in a candidate selection on 2016-09-20", len(want))) || !strings.HasPrefix(rest, tab.String()) ||
				!strings.HasPrefix(rest[tab.Len():], fmt.Sprintf("%d other members may not:", len(hs)-len(want))) {
				t.Fatalf("table:\n%.600s\nwant:\n%.600s", out, tab.String())
			}
			code, out, stderr = rb(t, "", append(args, "--json")...)
			if code != 0 {
				t.Fatalf("--json: %d %s", code, stderr)
			}
			var el app.Electorate
			if err := json.Unmarshal([]byte(out), &el); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(el.Members, want) || el.Count != len(want) || !reflect.DeepEqual(el.Refused, refused) {
				t.Fatalf("--json: %d members (count %d, refused %v), the engine %d (refused %v)", len(el.Members), el.Count, el.Refused, len(want), refused)
			}
			var exp bytes.Buffer
			enc := json.NewEncoder(&exp)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			enc.Encode(struct {
				Action     string              `json:"action"`
				Date       rulebook.Date       `json:"date"`
				FreezeDate rulebook.Date       `json:"freeze_date,omitempty"`
				Version    string              `json:"rule_book_version"`
				Members    []eligibility.Entry `json:"members"`
				Count      int                 `json:"count"`
				Refused    map[string]int      `json:"refused"`
			}{el.Action, el.Date, el.FreezeDate, el.Version, el.Members, el.Count, el.Refused})
			if out != exp.String() {
				t.Fatalf("--json differs from encoding/json's:\n%.400s\n%.400s", out, exp.String())
			}
		})
	}
}
