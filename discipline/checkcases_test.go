package discipline

import (
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// checkHistory is a record with a case of each kind the projection has rows
// for: an administrative suspension (its review and age deadlines), a hearing
// listed (charges, a panel, the hearing's deadline), a sanction with factors and a
// condition, a case closed with no further action, an exclusion on a trigger
// checked against a dated list, and a case with a step withdrawn.
type checkHistory struct {
	suspended, hearing, sanctioned, closed, triggered, corrected string
}

func newCheckHistory(t *testing.T, db *sqldb.DB) (*fixture, checkHistory) {
	t.Helper()
	f := newLabour(t, newFixture(t, db, labourBook))
	if _, err := f.s.AddListEntry(ctx, "t", ListEntry{List: "proscribed_organisations", ID: "other-party", Name: "Other Party", From: d("2000-01-01")}); err != nil {
		t.Fatal(err)
	}
	var h checkHistory
	h.suspended, _ = f.labourCase(stSuspended)
	h.hearing, _ = f.labourCase("hearing_listed")
	var day rulebook.Date
	h.sanctioned, day = f.labourCase(stProved)
	if _, err := f.s.HearMitigation(ctx, "t", h.sanctioned, day, "long service"); err != nil {
		t.Fatal(err)
	}
	f.take(h.sanctioned, Command{Transition: "impose_sanction", Body: "ncc", Date: day.AddDays(1), Rationale: "r",
		Sanction: &SanctionOrder{Sanction: "reprimand", Factors: []string{"AGG-PUBLIC", "MIT-APOLOGY"},
			Conditions: []Condition{{What: "equality course", Due: day.AddDays(91)}}}})
	h.closed, _ = f.labourCase("closed")
	h.triggered, _ = f.labourCase(stTriggered)
	h.corrected, day = f.labourCase("under_investigation")
	o := f.take(h.corrected, Command{Transition: "report", Body: "compliance_unit", Date: day.AddDays(1)})
	if _, err := f.s.Correct(ctx, "t", h.corrected, o.Events[0], "entered on the wrong case", 0); err != nil {
		t.Fatal(err)
	}
	return f, h
}

// row reads one row as strings.
func row(t *testing.T, db *sqldb.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Raw().QueryContext(ctx, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		t.Fatalf("no row: %s %v", q, args)
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v.String
	}
	return out
}

func exec(t *testing.T, db *sqldb.DB, q string, args ...any) {
	t.Helper()
	if err := sqldbtest.Exec(db, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// day shows a stored day number as a date.
func day(s string) string {
	n, _ := strconv.Atoi(s)
	return rulebook.Date(n).String()
}

func checkClean(t interface {
	Helper()
	Fatal(...any)
	Fatalf(string, ...any)
}, s *Service, when string) {
	t.Helper()
	diffs, err := s.CheckCases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("%s: the case projection differs from the events:\n%s", when, strings.Join(diffs, "\n"))
	}
	// A sound projection is confirmed by its digests alone, never row by row.
	differ, err := s.db().CaseDigestsDiffer(ctx, func(w sqldb.CaseWriter) error { _, err := s.rebuild(w); return err })
	if err != nil || len(differ) > 0 {
		t.Fatalf("%s: the digests of %v differ (%v), though every row is the same", when, differ, err)
	}
}

// TestCheckCasesSeesEveryTable damages each table of the case projection, and
// each column that matters, directly in the database: the check must name the
// table, the case and the column, and a rebuild must repair it.
func TestCheckCasesSeesEveryTable(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f, h := newCheckHistory(t, db)
		checkClean(t, f.s, "as written by the service")
		for _, id := range []string{h.suspended, h.hearing, h.sanctioned} {
			var n int
			db.Raw().QueryRow(`SELECT COUNT(*) FROM case_deadlines WHERE case_id = $1`, id).Scan(&n)
			if n == 0 {
				t.Fatalf("case %s has no deadlines: the history does not exercise them", id)
			}
		}

		tampers := []struct {
			name string
			// do damages the database and returns every line the check must report.
			do func(t *testing.T) []string
		}{
			{"case state", func(t *testing.T) []string {
				exec(t, db, `UPDATE cases SET state = 'closed' WHERE id = $1`, h.hearing)
				return []string{fmt.Sprintf(`cases: case %s: state is "closed", the events make it "hearing_listed"`, h.hearing)}
			}},
			{"case closed flag", func(t *testing.T) []string {
				exec(t, db, `UPDATE cases SET closed = 1 WHERE id = $1`, h.suspended)
				return []string{fmt.Sprintf(`cases: case %s: closed is true, the events make it false`, h.suspended)}
			}},
			{"case outcome and sanction", func(t *testing.T) []string {
				exec(t, db, `UPDATE cases SET outcome = 'dismissed', sanction = '' WHERE id = $1`, h.sanctioned)
				return []string{
					fmt.Sprintf(`cases: case %s: outcome is "dismissed", the events make it "sanctioned"`, h.sanctioned),
					fmt.Sprintf(`cases: case %s: sanction is "", the events make it "reprimand"`, h.sanctioned),
				}
			}},
			{"case respondent, unit and dates", func(t *testing.T) []string {
				was := row(t, db, `SELECT respondent, unit, opened, state_since FROM cases WHERE id = $1`, h.closed)
				exec(t, db, `UPDATE cases SET respondent = 'm9999', unit = 'nowhere', opened = opened + 1, state_since = 0 WHERE id = $1`, h.closed)
				o, _ := strconv.Atoi(was[2])
				return []string{
					fmt.Sprintf(`cases: case %s: respondent is "m9999", the events make it %q`, h.closed, was[0]),
					fmt.Sprintf(`cases: case %s: opened is %s, the events make it %s`, h.closed, rulebook.Date(o+1), day(was[2])),
					fmt.Sprintf(`cases: case %s: unit is "nowhere", the events make it %q`, h.closed, was[1]),
					fmt.Sprintf(`cases: case %s: state_since is none, the events make it %s`, h.closed, day(was[3])),
				}
			}},
			{"case JSON", func(t *testing.T) []string {
				exec(t, db, `UPDATE cases SET data = '{}' WHERE id = $1`, h.triggered)
				return []string{fmt.Sprintf(`cases: case %s: data differs from the events`, h.triggered)}
			}},
			{"case row deleted", func(t *testing.T) []string {
				exec(t, db, `DELETE FROM cases WHERE id = $1`, h.closed)
				return []string{fmt.Sprintf(`cases: case %s missing`, h.closed)}
			}},
			{"case row forged", func(t *testing.T) []string {
				exec(t, db, `INSERT INTO cases (id, kind, respondent, state, closed, opened, conduct, updated, data)
					SELECT 'D-FORGED', kind, respondent, state, closed, opened, conduct, updated, data FROM cases WHERE id = $1`, h.closed)
				return []string{`cases: case D-FORGED is stored but not in the events`}
			}},
			{"deadline due date", func(t *testing.T) []string {
				was := row(t, db, `SELECT n, kind, due FROM case_deadlines WHERE case_id = $1 ORDER BY n LIMIT 1`, h.suspended)
				exec(t, db, `UPDATE case_deadlines SET due = due + 365 WHERE case_id = $1 AND n = $2`, h.suspended, was[0])
				due, _ := strconv.Atoi(was[2])
				return []string{fmt.Sprintf(`case_deadlines: case %s: deadline %s (%s): due is %s, the events make it %s`,
					h.suspended, day(was[2]), was[1], rulebook.Date(due+365), day(was[2]))}
			}},
			{"deadline deleted", func(t *testing.T) []string {
				was := row(t, db, `SELECT n, kind, due FROM case_deadlines WHERE case_id = $1 ORDER BY n LIMIT 1`, h.hearing)
				exec(t, db, `DELETE FROM case_deadlines WHERE case_id = $1 AND n = $2`, h.hearing, was[0])
				return []string{fmt.Sprintf(`case_deadlines: case %s: deadline %s (%s) missing`, h.hearing, day(was[2]), was[1])}
			}},
			{"deadline forged", func(t *testing.T) []string {
				exec(t, db, `INSERT INTO case_deadlines (case_id, n, kind, what, due) VALUES ($1, 99, 'state', 'forged', $2)`, h.closed, int64(d("2030-01-01")))
				return []string{fmt.Sprintf(`case_deadlines: case %s: deadline 2030-01-01 (state) is stored but not in the events`, h.closed)}
			}},
			{"clause deleted", func(t *testing.T) []string {
				exec(t, db, `DELETE FROM case_clauses WHERE case_id = $1 AND clause = '2.I.8'`, h.hearing)
				return []string{fmt.Sprintf(`case_clauses: case %s: clause 2.I.8 missing`, h.hearing)}
			}},
			{"clause closed", func(t *testing.T) []string {
				exec(t, db, `UPDATE case_clauses SET closed = 1 WHERE case_id = $1`, h.hearing)
				return []string{fmt.Sprintf(`case_clauses: case %s: clause 2.I.8: closed is true, the events make it false`, h.hearing)}
			}},
			{"factor deleted", func(t *testing.T) []string {
				exec(t, db, `DELETE FROM case_factors WHERE case_id = $1 AND factor = 'AGG-PUBLIC'`, h.sanctioned)
				return []string{fmt.Sprintf(`case_factors: case %s: factor AGG-PUBLIC under clause 2.I.8 missing`, h.sanctioned)}
			}},
			{"factor forged", func(t *testing.T) []string {
				exec(t, db, `INSERT INTO case_factors (case_id, clause, factor, closed, conduct) SELECT case_id, clause, 'MIT-FORGED', closed, conduct
					FROM case_factors WHERE case_id = $1 AND factor = 'AGG-PUBLIC'`, h.sanctioned)
				return []string{fmt.Sprintf(`case_factors: case %s: factor MIT-FORGED under clause 2.I.8 is stored but not in the events`, h.sanctioned)}
			}},
			{"step row changed", func(t *testing.T) []string {
				was := row(t, db, `SELECT seq, transition, day FROM case_steps WHERE case_id = $1 AND to_state = 'hearing_listed'`, h.hearing)
				exec(t, db, `UPDATE case_steps SET to_state = 'closed', days_in_state = days_in_state + 7 WHERE seq = $1`, was[0])
				return []string{
					fmt.Sprintf(`case_steps: case %s: step %s (%s on %s): to_state is "closed", the events make it "hearing_listed"`, h.hearing, was[0], was[1], day(was[2])),
					fmt.Sprintf(`case_steps: case %s: step %s (%s on %s): days_in_state is`, h.hearing, was[0], was[1], day(was[2])),
				}
			}},
			{"step row deleted", func(t *testing.T) []string {
				was := row(t, db, `SELECT seq, transition, day FROM case_steps WHERE case_id = $1 ORDER BY seq LIMIT 1`, h.closed)
				exec(t, db, `DELETE FROM case_steps WHERE seq = $1`, was[0])
				return []string{fmt.Sprintf(`case_steps: case %s: step %s (%s on %s) missing`, h.closed, was[0], was[1], day(was[2]))}
			}},
			{"person deleted", func(t *testing.T) []string {
				was := row(t, db, `SELECT respondent FROM cases WHERE id = $1`, h.hearing)
				exec(t, db, `DELETE FROM case_people WHERE case_id = $1 AND relation = 'respondent'`, h.hearing)
				return []string{fmt.Sprintf(`case_people: case %s: respondent %s missing`, h.hearing, was[0])}
			}},
			{"person forged", func(t *testing.T) []string {
				exec(t, db, `INSERT INTO case_people (person, case_id, relation) VALUES ('m9999', $1, 'panel')`, h.hearing)
				return []string{fmt.Sprintf(`case_people: case %s: panel m9999 is stored but not in the events`, h.hearing)}
			}},
			{"complaint moved to another case", func(t *testing.T) []string {
				was := row(t, db, `SELECT complaint FROM case_complaints WHERE case_id = $1`, h.hearing)
				exec(t, db, `UPDATE case_complaints SET case_id = $1 WHERE complaint = $2`, h.closed, was[0])
				exec(t, db, `UPDATE complaints SET case_id = '' WHERE id = $1`, was[0])
				return []string{
					fmt.Sprintf(`case_complaints: case %s: complaint %s: case_id is %q, the events make it %q`, h.hearing, was[0], h.closed, h.hearing),
					fmt.Sprintf(`complaints: complaint %s: case_id is "", the events make it %q`, was[0], h.hearing),
				}
			}},
			{"step counts", func(t *testing.T) []string {
				was := row(t, db, `SELECT quarter, transition, to_state, body, body_kind, outcome, sanction, steps FROM case_step_counts
					WHERE transition = 'impose_sanction'`)
				exec(t, db, `UPDATE case_step_counts SET steps = steps + 1 WHERE transition = 'impose_sanction'`)
				n, _ := strconv.Atoi(was[7])
				return []string{fmt.Sprintf(`case_step_counts: quarter %q, transition "impose_sanction", to_state %q, body %q, body_kind %q, outcome %q, sanction %q: steps is %d, the events make it %d`,
					was[0], was[2], was[3], was[4], was[5], was[6], n+1, n)}
			}},
			{"clause counts", func(t *testing.T) []string {
				exec(t, db, `UPDATE case_clause_counts SET cases = cases + 2 WHERE clause = '2.I.8' AND outcome = 'sanctioned'`)
				return []string{`case_clause_counts: clause "2.I.8", outcome "sanctioned": cases is 3, the events make it 1`}
			}},
			{"sanction counts", func(t *testing.T) []string {
				exec(t, db, `DELETE FROM case_sanction_counts`)
				return []string{`case_sanction_counts: clause "2.I.8", sanction "reprimand" missing`}
			}},
			{"flow counts", func(t *testing.T) []string {
				exec(t, db, `INSERT INTO case_flow_counts (quarter, from_state, to_state, closing, moves, days_open) VALUES ('2015-Q1', 'triage', 'closed', 1, 5, 50)`)
				exec(t, db, `UPDATE case_flow_counts SET moves = 0, days_open = 0 WHERE from_state = 'hearing_listed'`)
				was := row(t, db, `SELECT quarter, to_state, closing FROM case_flow_counts WHERE from_state = 'hearing_listed'`)
				return []string{
					fmt.Sprintf(`case_flow_counts: quarter %q, from_state "hearing_listed", to_state %q, closing %s missing`, was[0], was[1], showBool(was[2])),
					`case_flow_counts: quarter "2015-Q1", from_state "triage", to_state "closed", closing true is stored but not in the events`,
				}
			}},
			{"list entry changed", func(t *testing.T) []string {
				exec(t, db, `UPDATE list_entries SET data = REPLACE(data, '2016-12-31', '2026-12-31') WHERE id = 'cand-2016'`)
				return []string{`list_entries: entry cand-2016 on official_candidates: data differs from the events`}
			}},
			{"list entry deleted and forged", func(t *testing.T) []string {
				exec(t, db, `DELETE FROM list_entries WHERE id = 'other-party'`)
				exec(t, db, `INSERT INTO list_entries (list, id, data) VALUES ('proscribed_organisations', 'our-party', '{}')`)
				return []string{
					`list_entries: entry other-party on proscribed_organisations missing`,
					`list_entries: entry our-party on proscribed_organisations is stored but not in the events`,
				}
			}},
		}
		for _, tc := range tampers {
			t.Run(tc.name, func(t *testing.T) {
				want := tc.do(t)
				diffs, err := f.s.CheckCases(ctx)
				if err != nil {
					t.Fatal(err)
				}
				// Each line wanted is reported (a line ending in " is" only as far),
				// and nothing else.
				if len(diffs) != len(want) {
					t.Errorf("%d differences reported, want %d:\n%s\nwant:\n%s", len(diffs), len(want), strings.Join(diffs, "\n"), strings.Join(want, "\n"))
				}
				for _, w := range want {
					if !slices.ContainsFunc(diffs, func(d string) bool { return d == w || strings.HasSuffix(w, " is") && strings.HasPrefix(d, w) }) {
						t.Errorf("not reported: %s\ngot:\n%s", w, strings.Join(diffs, "\n"))
					}
				}
				if _, err := f.s.RebuildCases(ctx); err != nil {
					t.Fatal(err)
				}
				checkClean(t, f.s, "after the rebuild")
			})
		}
	})
}

func showBool(s string) string {
	if s == "0" {
		return "false"
	}
	return "true"
}

// More differences than are reported are counted, table by table.
func TestCheckCasesCountsWhatItDoesNotShow(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f, _ := newCheckHistory(t, db)
		var steps, open int
		db.Raw().QueryRow(`SELECT COUNT(*) FROM case_steps`).Scan(&steps)
		db.Raw().QueryRow(`SELECT COUNT(*) FROM cases WHERE state <> 'closed'`).Scan(&open)
		if steps+open <= sqldb.MaxDiffs || open == 0 {
			t.Fatalf("%d steps and %d cases not closed: too few to overflow the report", steps, open)
		}
		exec(t, db, `UPDATE case_steps SET day = day + 1`)
		exec(t, db, `UPDATE cases SET state = 'closed'`)
		diffs, err := f.s.CheckCases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(diffs) != sqldb.MaxDiffs+1 {
			t.Fatalf("%d lines reported, want %d and a count:\n%s", len(diffs), sqldb.MaxDiffs, strings.Join(diffs, "\n"))
		}
		for _, l := range diffs[:open] {
			if !strings.HasPrefix(l, "cases: case ") || !strings.Contains(l, `: state is "closed", the events make it`) {
				t.Errorf("the cases come first: %s", l)
			}
		}
		for _, l := range diffs[open:sqldb.MaxDiffs] {
			if !strings.HasPrefix(l, "case_steps: case ") || !strings.Contains(l, ": day is ") {
				t.Errorf("then the steps: %s", l)
			}
		}
		want := fmt.Sprintf("... and %d more differences (%d in all: case_steps %d, cases %d)", steps+open-sqldb.MaxDiffs, steps+open, steps, open)
		if last := diffs[sqldb.MaxDiffs]; last != want {
			t.Errorf("last line:\n%s\nwant\n%s", last, want)
		}
		if _, err := f.s.RebuildCases(ctx); err != nil {
			t.Fatal(err)
		}
		checkClean(t, f.s, "after the rebuild")
	})
}
