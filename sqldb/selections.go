package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
)

func init() { numCols["papers"] = true }

// SelectionTables are the tables of the selection projection.
var SelectionTables = []string{"selections", "selection_electorate", "selection_marked", "selection_ballots"}

// SelectionRow is a selection as stored: the columns lists use, and its JSON.
type SelectionRow struct {
	ID        string        `json:"id"`
	Procedure string        `json:"procedure"`
	Unit      string        `json:"unit"`
	State     string        `json:"state"`
	Opened    rulebook.Date `json:"opened"`
	Updated   int64         `json:"updated"`
	Data      []byte        `json:"-"`
}

// PutSelection stores a selection's row, replacing the one stored.
func (a *Appender) PutSelection(r SelectionRow) error {
	if err := a.flush(); err != nil {
		return err
	}
	_, err := a.tx.ExecContext(a.ctx, `INSERT INTO selections (id, procedure, unit, state, opened, updated, data) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET procedure = excluded.procedure, unit = excluded.unit, state = excluded.state,
			opened = excluded.opened, updated = excluded.updated, data = excluded.data`,
		r.ID, r.Procedure, r.Unit, r.State, int64(r.Opened), r.Updated, string(r.Data))
	return err
}

// SelectionData returns the stored JSON of a selection inside the appender's
// transaction (under the write lock), so that a change is decided on the
// selection as it is, not as another writer left it a moment before.
func (a *Appender) SelectionData(id string) ([]byte, error) {
	if err := a.flush(); err != nil {
		return nil, err
	}
	return selectionData(a.ctx, a.tx, id)
}

// SelectionData returns the stored JSON of a selection.
func (db *DB) SelectionData(ctx context.Context, id string) ([]byte, error) {
	return selectionData(ctx, db.r, id)
}

func selectionData(ctx context.Context, q querier, id string) ([]byte, error) {
	rows, err := q.QueryContext(ctx, `SELECT data FROM selections WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, rulebook.Errorf(rulebook.ENotFound, "no selection %q", id)
	}
	var s string
	if err := rows.Scan(&s); err != nil {
		return nil, err
	}
	return []byte(s), rows.Err()
}

// Selections lists the stored selections, the latest opened first.
func (db *DB) Selections(ctx context.Context) ([]SelectionRow, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, procedure, unit, state, opened, updated, data FROM selections ORDER BY opened DESC, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SelectionRow
	for rows.Next() {
		var r SelectionRow
		var opened int64
		var data string
		if err := rows.Scan(&r.ID, &r.Procedure, &r.Unit, &r.State, &opened, &r.Updated, &data); err != nil {
			return nil, err
		}
		r.Opened, r.Data = rulebook.Date(opened), []byte(data)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutElectorate stores a selection's frozen electorate, replacing any stored.
func (a *Appender) PutElectorate(selection string, members []string) error {
	chunks := make(chan []string, 1)
	chunks <- members
	close(chunks)
	return a.PutElectorateFrom(selection, chunks)
}

// PutElectorateFrom stores a selection's frozen electorate, replacing any
// stored, as its members come on chunks, until chunks is closed: it may be
// stored in a goroutine of its own while the electorate is worked out. After
// an error it reads chunks to their end, so that their sender is not left
// waiting, and returns the error.
func (a *Appender) PutElectorateFrom(selection string, chunks <-chan []string) error {
	err := a.putElectorate(selection, chunks)
	for range chunks {
	}
	return err
}

func (a *Appender) putElectorate(selection string, chunks <-chan []string) error {
	if err := a.flush(); err != nil {
		return err
	}
	if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM selection_electorate WHERE selection = $1`, selection); err != nil {
		return err
	}
	if a.db.dialect == "postgres" {
		return a.copyElectorate(selection, chunks)
	}
	// The ids go in as one JSON array a statement, unpacked by the database: half
	// a million bound parameters cost several times more. The statement is
	// compiled once for all the chunks.
	st, err := a.Prepared(`INSERT INTO selection_electorate (selection, member) SELECT $1, value FROM json_each($2)`)
	if err != nil {
		return err
	}
	for members := range chunks {
		for len(members) > 0 {
			n := min(len(members), 50_000)
			ids, err := json.Marshal(members[:n])
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(a.ctx, selection, string(ids)); err != nil {
				return err
			}
			members = members[n:]
		}
	}
	return nil
}

// VoterHistories returns, by member id, what eligibility needs of every member's
// history to answer who may vote (see Voter), all held at once: for working out
// several electorates from one reading of the register (an electoral college's
// sections). One electorate is worked out as the register is read: EachVoter.
func (db *DB) VoterHistories(ctx context.Context) ([]*rulebook.History, error) {
	var out []*rulebook.History
	err := db.EachVoter(ctx, false, func(h *Voter) error {
		c := *h
		c.Points, c.Restrictions, c.Waivers = slices.Clone(h.Points), slices.Clone(h.Restrictions), slices.Clone(h.Waivers)
		out = append(out, &c)
		return nil
	})
	return out, err
}

// InElectorate reports, inside the appender's transaction, whether member is in
// the selection's frozen electorate.
func (a *Appender) InElectorate(selection, member string) (bool, error) {
	return exists(a.ctx, a.tx, `SELECT 1 FROM selection_electorate WHERE selection = $1 AND member = $2`, selection, member)
}

// HasVoted reports, inside the appender's transaction, whether member is on the
// selection's marked register.
func (a *Appender) HasVoted(selection, member string) (bool, error) {
	return exists(a.ctx, a.tx, `SELECT 1 FROM selection_marked WHERE selection = $1 AND member = $2`, selection, member)
}

func exists(ctx context.Context, tx *sql.Tx, q string, args ...any) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// MarkVoted puts member on the selection's marked register.
func (a *Appender) MarkVoted(selection, member string) error {
	if err := a.flush(); err != nil {
		return err
	}
	if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO selection_marked (selection, member) VALUES ($1, $2)`, selection, member); err != nil {
		return friendly(err)
	}
	return nil
}

// AddBallots adds papers to the row of their ranking: the only form in which a
// ballot is ever stored. Nothing says who cast it, or when, or in what order.
func (a *Appender) AddBallots(selection, ranking string, papers int64) error {
	if err := a.flush(); err != nil {
		return err
	}
	_, err := a.tx.ExecContext(a.ctx, `INSERT INTO selection_ballots (selection, ranking, papers) VALUES ($1, $2, $3)
		ON CONFLICT (selection, ranking) DO UPDATE SET papers = selection_ballots.papers + excluded.papers`, selection, ranking, papers)
	return err
}

// Ballots returns a selection's ballots, added up by ranking, inside the
// appender's transaction.
func (a *Appender) Ballots(selection string) ([]rulebook.BallotCount, error) {
	if err := a.flush(); err != nil {
		return nil, err
	}
	return ballots(a.ctx, a.tx, selection)
}

// Ballots returns a selection's ballots, added up by ranking.
func (db *DB) Ballots(ctx context.Context, selection string) ([]rulebook.BallotCount, error) {
	return ballots(ctx, db.r, selection)
}

func ballots(ctx context.Context, q querier, selection string) ([]rulebook.BallotCount, error) {
	rows, err := q.QueryContext(ctx, `SELECT ranking, papers FROM selection_ballots WHERE selection = $1 ORDER BY ranking`, selection)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rulebook.BallotCount
	for rows.Next() {
		var r string
		var b rulebook.BallotCount
		if err := rows.Scan(&r, &b.Papers); err != nil {
			return nil, err
		}
		b.Ranking = rulebook.ParseRanking(r)
		out = append(out, b)
	}
	return out, rows.Err()
}

// ReplaceBallots writes a sealed selection's ballots as its seal has them.
func (a *Appender) ReplaceBallots(selection string, bs []rulebook.BallotCount) error {
	if err := a.flush(); err != nil {
		return err
	}
	if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM selection_ballots WHERE selection = $1`, selection); err != nil {
		return err
	}
	b := newBatch("selection_ballots", "selection", "ranking", "papers")
	for _, x := range bs {
		b.add(selection, rulebook.RankingKey(x.Ranking), x.Papers)
	}
	return a.flushBatch(b)
}

// ClearSelections deletes the selection projection before a rebuild, all but
// the ballots of selections not yet sealed (and of their college's sections):
// until sealed, those rows are the only record of the ballots cast online (no
// event holds a voter's ballot), so they are kept as they are.
func (a *Appender) ClearSelections() error {
	if err := a.flush(); err != nil {
		return err
	}
	for _, q := range []string{
		// A college's sections keep their ballots under "ID#section#round".
		`DELETE FROM selection_ballots WHERE selection NOT IN (SELECT id FROM selections WHERE state = 'nominations' OR state = 'ballot')
			AND NOT EXISTS (SELECT 1 FROM selections s WHERE (s.state = 'nominations' OR s.state = 'ballot')
				AND substr(selection_ballots.selection, 1, length(s.id) + 1) = s.id || '#')`,
		`DELETE FROM selection_electorate`, `DELETE FROM selection_marked`, `DELETE FROM selections`,
	} {
		if _, err := a.tx.ExecContext(a.ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// Electorate returns the member ids of a selection's frozen electorate, sorted
// bytewise (as the digest sorts them, whatever the database's collation).
func (db *DB) Electorate(ctx context.Context, selection string) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT member FROM selection_electorate WHERE selection = $1`, selection)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	slices.Sort(out)
	return out, rows.Err()
}

// EventsThrough returns the events up to and including seq, in stored order,
// inside the appender's transaction: the record as it stood when an event was
// written (an electorate is re-derived from the register as it was then).
func (a *Appender) EventsThrough(seq int64) ([]rulebook.Event, error) {
	if err := a.flush(); err != nil {
		return nil, err
	}
	return queryEvents(a.ctx, a.tx, `WHERE seq <= $1 ORDER BY seq`, seq)
}

// EventsThrough returns the events up to and including seq, in stored order.
func (db *DB) EventsThrough(ctx context.Context, seq int64) ([]rulebook.Event, error) {
	return queryEvents(ctx, db.r, `WHERE seq <= $1 ORDER BY seq`, seq)
}

// selectionProjection lists the tables the selection projection fills, compared
// column by column with a rebuild like the case tables (see caseProjection).
var selectionProjection = []projTable{
	{name: "selections", key: []string{"id"}, cols: []string{"procedure", "unit", "state", "opened", "updated", "data"},
		label: func(v func(string) string) string { return "selection " + v("id") }},
	{name: "selection_electorate", key: []string{"selection", "member"},
		label: func(v func(string) string) string {
			return fmt.Sprintf("selection %s: member %s", v("selection"), v("member"))
		}},
	{name: "selection_marked", key: []string{"selection", "member"},
		label: func(v func(string) string) string {
			return fmt.Sprintf("selection %s: marked %s", v("selection"), v("member"))
		}},
	{name: "selection_ballots", key: []string{"selection", "ranking"}, cols: []string{"papers"},
		label: func(v func(string) string) string {
			return fmt.Sprintf("selection %s: ranking %s", v("selection"), v("ranking"))
		}},
}

// CheckSelectionProjection compares the stored selection tables with what rebuild
// writes from the events, as CheckCaseProjection does for the cases: in one
// transaction, rolled back, naming table, selection and column.
func (db *DB) CheckSelectionProjection(ctx context.Context, rebuild func(a *Appender) error) ([]string, error) {
	a, err := db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer a.Rollback()
	create := "CREATE TABLE"
	if db.dialect == "postgres" {
		create = "CREATE TEMPORARY TABLE"
	}
	for _, t := range selectionProjection {
		cols := strings.Join(append(append([]string{}, t.key...), t.cols...), ", ")
		if _, err := a.tx.ExecContext(ctx, create+` verify_`+t.name+` AS SELECT `+cols+` FROM `+t.name); err != nil {
			return nil, fmt.Errorf("copy %s: %w", t.name, err)
		}
	}
	if err := rebuild(a); err != nil {
		return nil, err
	}
	if err := a.flush(); err != nil {
		return nil, err
	}
	r := &diffReport{byTable: map[string]int{}}
	for _, t := range selectionProjection {
		if err := t.compare(ctx, a.tx, r); err != nil {
			return nil, fmt.Errorf("compare %s: %w", t.name, err)
		}
	}
	return r.lines(), nil
}

// TableColumns lists every table of the schema with its columns, for tests and
// audits of what is stored (that no table of ballots can name a voter).
func (db *DB) TableColumns(ctx context.Context) (map[string][]string, error) {
	q := `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid`
	if db.dialect == "postgres" {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`
	}
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		out[t] = append(out[t], c)
	}
	return out, rows.Err()
}
