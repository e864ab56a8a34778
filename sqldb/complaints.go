package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rulebook/rulebook"
)

// ComplaintRow is a complaint as made or received: the complaints staff work
// through, and what a complainant sees of their own.
type ComplaintRow struct {
	ID string `json:"id"`
	// Reported is when it was made through the form; Received when staff received
	// it, naming the respondent (zero until then).
	Reported    rulebook.Date `json:"reported,omitempty"`
	Received    rulebook.Date `json:"received,omitempty"`
	Respondent  string        `json:"respondent,omitempty"`
	About       string        `json:"about,omitempty"`
	Complainant string        `json:"complainant"`
	From        string        `json:"from"`
	Via         string        `json:"via"`
	Summary     string        `json:"summary"`
	// Case is the case it is part of, if any.
	Case string `json:"case,omitempty"`
}

// projectComplaint keeps the complaints table: a report adds a row, a receipt adds
// one or completes the report's.
func (a *Appender) projectComplaint(e *rulebook.Event) error { return a.putComplaint(e, true) }

// putComplaint projects one complaint event; counted says whether a complaint
// new to the table is counted (not when it is projected again).
func (a *Appender) putComplaint(e *rulebook.Event, counted bool) error {
	r, err := complaintRowOf(e)
	if err != nil {
		return err
	}
	// A complaint is counted in the quarter it was first made (reported, or
	// received when it was not reported through the form).
	// The statements are prepared once for the transaction: a rebuild or a check
	// runs them for every complaint.
	count, err := a.Prepared(`SELECT COUNT(*) FROM complaints WHERE id = $1`)
	if err != nil {
		return err
	}
	var n int
	if err := count.QueryRowContext(a.ctx, r.ID).Scan(&n); err != nil {
		return err
	}
	if n == 0 && counted {
		made := r.Reported
		if made.IsZero() {
			made = r.Received
		}
		st, err := a.Prepared(`INSERT INTO complaint_counts (quarter, complaints) VALUES ($1, 1)
			ON CONFLICT (quarter) DO UPDATE SET complaints = complaint_counts.complaints + 1`)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(a.ctx, made.Quarter()); err != nil {
			return err
		}
	}
	// A complaint's case is the case projection's to set (PutCase); one stored
	// after its case (in a rebuild of the register alone) takes it from there.
	st, err := a.Prepared(`INSERT INTO complaints (id, reported, received, respondent, about, complainant, from_kind, via, summary, seq, case_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE((SELECT case_id FROM case_complaints WHERE complaint = $1), ''))
		ON CONFLICT (id) DO UPDATE SET received = excluded.received, respondent = excluded.respondent, complainant = excluded.complainant,
			from_kind = excluded.from_kind, via = excluded.via, summary = excluded.summary, seq = excluded.seq`)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(a.ctx, r.ID, int64(r.Reported), int64(r.Received), r.Respondent, r.About, r.Complainant, r.From, r.Via, r.Summary, e.Seq)
	return err
}

// complaintRowOf is the row a complaint event makes (or, for a later event
// about the complaint, the row whose received, respondent, complainant, from,
// via and summary replace the stored ones').
func complaintRowOf(e *rulebook.Event) (ComplaintRow, error) {
	if e.Type == rulebook.EventComplaintReported {
		var d rulebook.ComplaintReported
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return ComplaintRow{}, err
		}
		complainant := d.Complainant
		if complainant == "" {
			complainant = rulebook.Anonymous
		}
		return ComplaintRow{ID: d.ID, Reported: e.Effective, About: strings.TrimSpace(d.About + " " + d.AboutUnit), Complainant: complainant, From: d.From, Via: "form", Summary: d.Summary}, nil
	}
	var d rulebook.ComplaintReceived
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return ComplaintRow{}, err
	}
	return ComplaintRow{ID: d.ID, Received: e.Effective, Respondent: d.Respondent, Complainant: d.Complainant, From: d.From, Via: d.Via, Summary: d.Summary}, nil
}

// Prepared returns the statement q prepared in the appender's transaction,
// preparing it the first time it is asked for; it is closed when the
// transaction ends.
func (a *Appender) Prepared(q string) (*sql.Stmt, error) {
	if st, ok := a.stmts[q]; ok {
		return st, nil
	}
	st, err := a.tx.PrepareContext(a.ctx, q)
	if err != nil {
		return nil, err
	}
	a.stmts[q] = st
	return st, nil
}

// ComplaintFilter selects complaints; zero fields select all.
type ComplaintFilter struct {
	ID          string
	Complainant string
	// Waiting selects complaints not yet part of a case.
	Waiting bool
	Limit   int
}

// Complaints returns complaints, newest first.
func (db *DB) Complaints(ctx context.Context, f ComplaintFilter) ([]ComplaintRow, error) {
	return complaintRows(ctx, db.r, f)
}

func complaintRows(ctx context.Context, db querier, f ComplaintFilter) ([]ComplaintRow, error) {
	var conds []string
	var args []any
	if f.ID != "" {
		args = append(args, f.ID)
		conds = append(conds, fmt.Sprintf("k.id = $%d", len(args)))
	}
	if f.Complainant != "" {
		args = append(args, f.Complainant)
		conds = append(conds, fmt.Sprintf("k.complainant = $%d", len(args)))
	}
	if f.Waiting {
		conds = append(conds, "k.case_id = ''")
	}
	q := `SELECT k.id, k.reported, k.received, k.respondent, k.about, k.complainant, k.from_kind, k.via, k.summary, k.case_id FROM complaints k`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY k.seq DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ComplaintRow
	for rows.Next() {
		var r ComplaintRow
		var rep, rec int64
		if err := rows.Scan(&r.ID, &rep, &rec, &r.Respondent, &r.About, &r.Complainant, &r.From, &r.Via, &r.Summary, &r.Case); err != nil {
			return nil, err
		}
		r.Reported, r.Received = rulebook.Date(rep), rulebook.Date(rec)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ComplaintsByQuarter counts complaints by the quarter they were first made or
// received in, from the running totals.
func (db *DB) ComplaintsByQuarter(ctx context.Context) (map[string]int, error) {
	return complaintCounts(ctx, db.r)
}

func complaintCounts(ctx context.Context, db querier) (map[string]int, error) {
	rows, err := db.QueryContext(ctx, `SELECT quarter, complaints FROM complaint_counts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var q string
		var n int
		if err := rows.Scan(&q, &n); err != nil {
			return nil, err
		}
		out[q] = n
	}
	return out, rows.Err()
}
