package sqldb

import (
	"context"
	"database/sql"
	"errors"
)

// VoterStanding reports whether member is in a selection's frozen electorate and
// whether they are on its marked register: what a member voting online is told of
// their own ballot, read without the writer's lock.
func (db *DB) VoterStanding(ctx context.Context, selection, member string) (inElectorate, voted bool, err error) {
	one := func(q string) (bool, error) {
		var n int
		err := db.r.QueryRowContext(ctx, q, selection, member).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	}
	if inElectorate, err = one(`SELECT 1 FROM selection_electorate WHERE selection = $1 AND member = $2`); err != nil {
		return false, false, err
	}
	voted, err = one(`SELECT 1 FROM selection_marked WHERE selection = $1 AND member = $2`)
	return inElectorate, voted, err
}
