package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/rulebook/rulebook"
)

// PutReportKey stores the hash of the key an anonymous complainant follows their
// complaint with, inside the appender's transaction that records the complaint.
func (a *Appender) PutReportKey(hash, complaint string) error {
	if err := a.flush(); err != nil {
		return err
	}
	_, err := a.tx.ExecContext(a.ctx, `INSERT INTO report_keys (hash, complaint, created) VALUES ($1, $2, $3)`, hash, complaint, a.now.UnixMicro())
	return err
}

// ReportKey returns the complaint a report key follows.
func (db *DB) ReportKey(ctx context.Context, hash string) (string, error) {
	var id string
	err := db.r.QueryRowContext(ctx, `SELECT complaint FROM report_keys WHERE hash = $1`, hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", rulebook.Errorf(rulebook.ENotFound, "no complaint has this report key")
	}
	return id, err
}

// Invitation is an invitation to the confidence survey, made when a case closes.
type Invitation struct {
	Case     string `json:"case"`
	Person   string `json:"person"`
	Party    string `json:"party"` // "respondent" or "complainant"
	Quarter  string `json:"quarter"`
	Answered bool   `json:"answered"`
}

// Invite records survey invitations (once per case and person).
func (db *DB) Invite(ctx context.Context, invs []Invitation, at time.Time) error {
	for _, iv := range invs {
		if _, err := db.w.ExecContext(ctx, `INSERT INTO survey_invitations (case_id, person, party, quarter, created) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (case_id, person) DO NOTHING`, iv.Case, iv.Person, iv.Party, iv.Quarter, at.UnixMicro()); err != nil {
			return err
		}
	}
	return nil
}

// Invitations returns a person's survey invitations not yet answered.
func (db *DB) Invitations(ctx context.Context, person string) ([]Invitation, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT case_id, person, party, quarter, answered FROM survey_invitations WHERE person = $1 AND answered = 0 ORDER BY case_id`, person)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		var iv Invitation
		var answered int
		if err := rows.Scan(&iv.Case, &iv.Person, &iv.Party, &iv.Quarter, &answered); err != nil {
			return nil, err
		}
		iv.Answered = answered == 1
		out = append(out, iv)
	}
	return out, rows.Err()
}

// Answer marks an invitation answered and stores the scores apart from it, under
// random ids and with no time, so that no query can join an answer to the person
// who gave it.
func (db *DB) Answer(ctx context.Context, caseID, person string, scores map[string]int) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var party, quarter string
	err = tx.QueryRowContext(ctx, `SELECT party, quarter FROM survey_invitations WHERE case_id = $1 AND person = $2 AND answered = 0`, caseID, person).Scan(&party, &quarter)
	if errors.Is(err, sql.ErrNoRows) {
		return rulebook.Errorf(rulebook.ENotFound, "no unanswered survey invitation for this case")
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE survey_invitations SET answered = 1 WHERE case_id = $1 AND person = $2`, caseID, person); err != nil {
		return err
	}
	for q, score := range scores {
		var id [16]byte
		rand.Read(id[:])
		if _, err := tx.ExecContext(ctx, `INSERT INTO survey_answers (id, quarter, party, question, score) VALUES ($1, $2, $3, $4, $5)`,
			hex.EncodeToString(id[:]), quarter, party, q, score); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// SurveyCount is the answers to one question from one kind of party in a quarter.
type SurveyCount struct {
	Quarter  string `json:"quarter"`
	Party    string `json:"party"`
	Question string `json:"question"`
	Answers  int    `json:"answers"`
	Total    int    `json:"total"`
}

// SurveyCounts aggregates the survey answers.
func (db *DB) SurveyCounts(ctx context.Context) ([]SurveyCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT quarter, party, question, COUNT(*), SUM(score) FROM survey_answers GROUP BY quarter, party, question ORDER BY quarter, party, question`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SurveyCount
	for rows.Next() {
		var c SurveyCount
		if err := rows.Scan(&c.Quarter, &c.Party, &c.Question, &c.Answers, &c.Total); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FlowCount is how many cases moved from one state to another in a quarter (from
// "" for cases opened), and for moves into closed states the days they had been open.
type FlowCount struct {
	Quarter  string `json:"quarter"`
	From     string `json:"from"`
	To       string `json:"to"`
	Closing  bool   `json:"closing"`
	Moves    int    `json:"moves"`
	DaysOpen int64  `json:"days_open"`
}

// FlowCounts returns the moves between states, by quarter.
func (db *DB) FlowCounts(ctx context.Context) ([]FlowCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT quarter, from_state, to_state, closing, moves, days_open FROM case_flow_counts WHERE moves <> 0 ORDER BY quarter, from_state, to_state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FlowCount
	for rows.Next() {
		var f FlowCount
		var closing int
		if err := rows.Scan(&f.Quarter, &f.From, &f.To, &closing, &f.Moves, &f.DaysOpen); err != nil {
			return nil, err
		}
		f.Closing = closing == 1
		out = append(out, f)
	}
	return out, rows.Err()
}
