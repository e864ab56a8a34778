package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Migrations are append-only lists of SQL, one per dialect, applied in order and
// recorded in schema_migrations; a database is at version len(list). Never edit a
// released step: add a new one.
//
// Dates are stored as integer day numbers (rulebook.Date) and instants as Unix
// microseconds, so both engines compare and hash them identically. Event data is
// TEXT, never JSONB: the hash covers the exact bytes. SQLite's register tables are
// WITHOUT ROWID: each is one b-tree keyed by member, which halves the work of a
// million-member import.
var migrations = map[string][]string{
	// 1: the event record, the register projection, the rule books, the access log.
	"sqlite": {`
		CREATE TABLE events (
			seq       INTEGER PRIMARY KEY,
			id        TEXT    NOT NULL,
			type      TEXT    NOT NULL,
			subject   TEXT    NOT NULL,
			effective INTEGER NOT NULL,
			recorded  INTEGER NOT NULL,
			actor     TEXT    NOT NULL,
			data      TEXT    NOT NULL,
			prev_hash BLOB    NOT NULL,
			hash      BLOB    NOT NULL
		);
		CREATE TRIGGER events_no_update BEFORE UPDATE ON events
			BEGIN SELECT RAISE(ABORT, 'the event record is append-only'); END;
		CREATE TRIGGER events_no_delete BEFORE DELETE ON events
			BEGIN SELECT RAISE(ABORT, 'the event record is append-only'); END;
		CREATE TABLE access_log (
			id      INTEGER PRIMARY KEY AUTOINCREMENT,
			at      INTEGER NOT NULL,
			actor   TEXT NOT NULL,
			action  TEXT NOT NULL,
			subject TEXT NOT NULL,
			detail  TEXT NOT NULL DEFAULT ''
		);` + fmt.Sprintf(registerSchema, "INTEGER", " WITHOUT ROWID"),
	},
	"postgres": {`
		CREATE TABLE events (
			seq       BIGINT  PRIMARY KEY,
			id        TEXT    NOT NULL,
			type      TEXT    NOT NULL,
			subject   TEXT    NOT NULL,
			effective INTEGER NOT NULL,
			recorded  BIGINT  NOT NULL,
			actor     TEXT    NOT NULL,
			data      TEXT    NOT NULL,
			prev_hash BYTEA   NOT NULL,
			hash      BYTEA   NOT NULL
		);
		CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'the event record is append-only'; END $$;
		CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
			FOR EACH ROW EXECUTE FUNCTION events_append_only();
		CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
			FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();
		CREATE TABLE access_log (
			id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			at      BIGINT NOT NULL,
			actor   TEXT NOT NULL,
			action  TEXT NOT NULL,
			subject TEXT NOT NULL,
			detail  TEXT NOT NULL DEFAULT ''
		);` + fmt.Sprintf(registerSchema, "BIGINT", ""),
	},
}

// registerSchema is the part of migration 1 both engines share: the indexes of the
// record and the register projection. %[1]s is the type of sequence numbers and
// instants; %[2]s ends the register tables (SQLite's WITHOUT ROWID).
const registerSchema = `
		CREATE UNIQUE INDEX events_id ON events (id);
		CREATE INDEX events_subject ON events (subject, seq);
		CREATE TABLE branches (
			id     TEXT PRIMARY KEY,
			name   TEXT NOT NULL,
			kind   TEXT NOT NULL,
			parent TEXT NOT NULL DEFAULT ''
		);
		CREATE TABLE members (
			id           TEXT PRIMARY KEY,
			name         TEXT NOT NULL,
			email        TEXT NOT NULL DEFAULT '',
			phone        TEXT NOT NULL DEFAULT '',
			address      TEXT NOT NULL DEFAULT '',
			branch       TEXT NOT NULL DEFAULT '',
			constituency TEXT NOT NULL DEFAULT '',
			joined       INTEGER NOT NULL,
			status       TEXT NOT NULL,
			join_event   TEXT NOT NULL,
			join_seq     %[1]s NOT NULL
		)%[2]s;
		CREATE INDEX members_branch ON members (branch);
		-- A member's status history after joining; the joining point itself is the
		-- members row (status, join_event, join_seq), one row fewer per member.
		CREATE TABLE status_points (
			member_id TEXT    NOT NULL,
			from_date INTEGER NOT NULL,
			seq       %[1]s   NOT NULL,
			part      INTEGER NOT NULL,
			status    TEXT    NOT NULL,
			rights    TEXT    NOT NULL DEFAULT '',
			event_id  TEXT    NOT NULL,
			decision  TEXT    NOT NULL DEFAULT '',
			PRIMARY KEY (member_id, from_date, seq, part)
		)%[2]s;
		CREATE TABLE restrictions (
			member_id  TEXT    NOT NULL,
			seq        %[1]s   NOT NULL,
			from_date  INTEGER NOT NULL,
			until_date INTEGER NOT NULL,
			rights     TEXT    NOT NULL,
			event_id   TEXT    NOT NULL,
			decision   TEXT    NOT NULL DEFAULT '',
			PRIMARY KEY (member_id, seq)
		)%[2]s;
		CREATE TABLE rulebooks (
			sha256 TEXT PRIMARY KEY,
			name   TEXT NOT NULL,
			source TEXT NOT NULL,
			loaded %[1]s NOT NULL
		);`

// caseSchema is migration 2 (disciplinary cases), the same for both engines but for
// the integer type of sequence numbers. A case is a projection of its events
// (subject case/ID), kept as JSON beside the columns that lists, deadlines and
// statistics query.
const caseSchema = `
	CREATE TABLE cases (
		id         TEXT PRIMARY KEY,
		kind       TEXT NOT NULL,
		respondent TEXT NOT NULL,
		state      TEXT NOT NULL,
		closed     INTEGER NOT NULL,
		outcome    TEXT NOT NULL DEFAULT '',
		opened     INTEGER NOT NULL,
		conduct    INTEGER NOT NULL,
		updated    %[1]s NOT NULL,
		data       TEXT NOT NULL
	);
	CREATE INDEX cases_respondent ON cases (respondent);
	CREATE INDEX cases_state ON cases (closed, state);
	CREATE TABLE case_deadlines (
		case_id TEXT NOT NULL,
		n       INTEGER NOT NULL,
		kind    TEXT NOT NULL,
		what    TEXT NOT NULL,
		due     INTEGER NOT NULL,
		PRIMARY KEY (case_id, n)
	);
	CREATE INDEX case_deadlines_due ON case_deadlines (due);
	CREATE TABLE case_steps (
		seq           %[1]s PRIMARY KEY,
		case_id       TEXT NOT NULL,
		transition    TEXT NOT NULL,
		from_state    TEXT NOT NULL,
		to_state      TEXT NOT NULL,
		day           INTEGER NOT NULL,
		quarter       TEXT NOT NULL,
		body          TEXT NOT NULL,
		body_kind     TEXT NOT NULL,
		clause        TEXT NOT NULL,
		outcome       TEXT NOT NULL DEFAULT '',
		sanction      TEXT NOT NULL DEFAULT '',
		days_in_state INTEGER NOT NULL
	);
	CREATE INDEX case_steps_case ON case_steps (case_id);
	CREATE TABLE case_clauses (
		case_id TEXT NOT NULL,
		clause  TEXT NOT NULL,
		PRIMARY KEY (case_id, clause)
	);
	-- Running totals behind the statistics, kept in the same transactions as the
	-- steps and cases they count, so statistics over 100,000 cases read a few
	-- hundred rows; RebuildCases recomputes them from the events.
	CREATE TABLE case_step_counts (
		quarter    TEXT NOT NULL,
		transition TEXT NOT NULL,
		to_state   TEXT NOT NULL,
		body       TEXT NOT NULL,
		body_kind  TEXT NOT NULL,
		outcome    TEXT NOT NULL,
		sanction   TEXT NOT NULL,
		steps      %[1]s NOT NULL,
		days       %[1]s NOT NULL,
		PRIMARY KEY (quarter, transition, to_state, body, body_kind, outcome, sanction)
	);
	CREATE TABLE case_clause_counts (
		clause  TEXT NOT NULL,
		outcome TEXT NOT NULL,
		cases   %[1]s NOT NULL,
		PRIMARY KEY (clause, outcome)
	);
	CREATE TABLE case_complaints (
		complaint TEXT PRIMARY KEY,
		case_id   TEXT NOT NULL
	);
	CREATE TABLE list_entries (
		list TEXT NOT NULL,
		id   TEXT NOT NULL,
		data TEXT NOT NULL,
		PRIMARY KEY (list, id)
	);`

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], fmt.Sprintf(caseSchema, "INTEGER"))
	migrations["postgres"] = append(migrations["postgres"], fmt.Sprintf(caseSchema, "BIGINT"))
}

// accessSchema is migration 3: accounts and their secrets, sessions and API tokens;
// the people each case concerns (for per-person access and subject access); the
// complaints as received or reported; anonymous report keys; the confidence
// survey; the unit that handles each case; and the flow of cases between states,
// behind the statistics' charts.
//
// Accounts are a projection of account.* events. Secrets are not events: only
// their hashes are kept, here, and never in the record.
const accessSchema = `
	CREATE TABLE accounts (
		name     TEXT PRIMARY KEY,
		display  TEXT NOT NULL,
		member   TEXT NOT NULL DEFAULT '',
		section  TEXT NOT NULL DEFAULT '',
		roles    TEXT NOT NULL DEFAULT '',
		disabled INTEGER NOT NULL DEFAULT 0,
		updated  %[1]s NOT NULL
	);
	CREATE INDEX accounts_member ON accounts (member);
	CREATE TABLE account_secrets (
		name         TEXT PRIMARY KEY,
		password     TEXT NOT NULL DEFAULT '',
		totp         TEXT NOT NULL DEFAULT '',
		totp_pending TEXT NOT NULL DEFAULT '',
		totp_step    %[1]s NOT NULL DEFAULT 0,
		failures     INTEGER NOT NULL DEFAULT 0,
		locked_until %[1]s NOT NULL DEFAULT 0
	);
	CREATE TABLE sessions (
		hash          TEXT PRIMARY KEY,
		account       TEXT NOT NULL,
		created       %[1]s NOT NULL,
		seen          %[1]s NOT NULL,
		expires       %[1]s NOT NULL,
		second_factor INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX sessions_account ON sessions (account);
	CREATE TABLE api_tokens (
		id        TEXT PRIMARY KEY,
		hash      TEXT NOT NULL UNIQUE,
		account   TEXT NOT NULL,
		label     TEXT NOT NULL DEFAULT '',
		created   %[1]s NOT NULL,
		expires   %[1]s NOT NULL DEFAULT 0,
		revoked   %[1]s NOT NULL DEFAULT 0,
		last_used %[1]s NOT NULL DEFAULT 0
	);
	CREATE INDEX api_tokens_account ON api_tokens (account);
	CREATE TABLE case_people (
		person   TEXT NOT NULL,
		case_id  TEXT NOT NULL,
		relation TEXT NOT NULL,
		PRIMARY KEY (person, case_id, relation)
	);
	CREATE INDEX case_people_case ON case_people (case_id);
	CREATE TABLE complaints (
		id          TEXT PRIMARY KEY,
		reported    INTEGER NOT NULL DEFAULT 0,
		received    INTEGER NOT NULL DEFAULT 0,
		respondent  TEXT NOT NULL DEFAULT '',
		about       TEXT NOT NULL DEFAULT '',
		complainant TEXT NOT NULL DEFAULT '',
		from_kind   TEXT NOT NULL DEFAULT '',
		via         TEXT NOT NULL DEFAULT '',
		summary     TEXT NOT NULL DEFAULT '',
		seq         %[1]s NOT NULL
	);
	CREATE INDEX complaints_complainant ON complaints (complainant);
	CREATE INDEX complaints_received ON complaints (received);
	CREATE TABLE report_keys (
		hash      TEXT PRIMARY KEY,
		complaint TEXT NOT NULL,
		created   %[1]s NOT NULL
	);
	CREATE TABLE survey_invitations (
		case_id TEXT NOT NULL,
		person  TEXT NOT NULL,
		party   TEXT NOT NULL,
		quarter TEXT NOT NULL,
		created %[1]s NOT NULL,
		answered INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (case_id, person)
	);
	CREATE INDEX survey_invitations_person ON survey_invitations (person);
	-- Answers carry no account, case or time, and a random id, so that they cannot be
	-- joined back to the invitation they answer.
	CREATE TABLE survey_answers (
		id       TEXT PRIMARY KEY,
		quarter  TEXT NOT NULL,
		party    TEXT NOT NULL,
		question TEXT NOT NULL,
		score    INTEGER NOT NULL
	);
	-- Members are found by surname first (see rulebook.SearchKey).
	ALTER TABLE members ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
	CREATE INDEX members_search ON members (search_key%[2]s);
	ALTER TABLE cases ADD COLUMN unit TEXT NOT NULL DEFAULT '';
	ALTER TABLE cases ADD COLUMN state_since INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE cases ADD COLUMN sanction TEXT NOT NULL DEFAULT '';
	-- Cases by a clause they concern and the sanction imposed, for the statistics.
	CREATE TABLE case_sanction_counts (
		clause   TEXT NOT NULL,
		sanction TEXT NOT NULL,
		cases    %[1]s NOT NULL,
		PRIMARY KEY (clause, sanction)
	);
	CREATE INDEX cases_unit ON cases (unit, opened);
	CREATE INDEX cases_opened ON cases (opened);
	CREATE INDEX case_steps_body ON case_steps (body, case_id);
	ALTER TABLE case_steps ADD COLUMN closing INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE case_steps ADD COLUMN days_open INTEGER NOT NULL DEFAULT 0;
	-- Moves of cases between states by quarter (a case's opening is a move from ''),
	-- with the days since opening summed over moves into closed states: open cases by
	-- state over time, and the time from complaint to decision.
	CREATE TABLE case_flow_counts (
		quarter    TEXT NOT NULL,
		from_state TEXT NOT NULL,
		to_state   TEXT NOT NULL,
		closing    INTEGER NOT NULL,
		moves      %[1]s NOT NULL,
		days_open  %[1]s NOT NULL,
		PRIMARY KEY (quarter, from_state, to_state, closing)
	);`

func init() {
	// PostgreSQL compares search keys bytewise, whatever the database's collation,
	// so that a prefix is a range of the index.
	migrations["sqlite"] = append(migrations["sqlite"], fmt.Sprintf(accessSchema, "INTEGER", ""))
	migrations["postgres"] = append(migrations["postgres"], fmt.Sprintf(accessSchema, "BIGINT", ` COLLATE "C"`))
}

// listSchema is migration 4: what lists of cases and complaints need to answer from
// an index at 100,000 cases. A complaint names the case it became part of (waiting
// complaints are those naming none); a case's clauses carry whether it is closed
// and when the conduct was, so the closed cases under a clause come newest first
// from the index (precedents, lists by clause); the factors of each sanction
// imposed are rows by clause, so the precedents sharing factors are counted from
// one range of an index, not parsed; and
// complaints made are counted by quarter as they come, for the published figures.
// Deadlines are indexed in the order they are listed, so the first page of
// thousands overdue comes from the index rather than a sort.
// App.New rebuilds the projections after it, which fills them.
const listSchema = `
	ALTER TABLE complaints ADD COLUMN case_id TEXT NOT NULL DEFAULT '';
	CREATE INDEX complaints_case ON complaints (case_id, seq);
	CREATE INDEX complaints_seq ON complaints (seq);
	ALTER TABLE case_clauses ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE case_clauses ADD COLUMN conduct INTEGER NOT NULL DEFAULT 0;
	CREATE INDEX case_clauses_clause ON case_clauses (clause, closed, conduct);
	CREATE TABLE case_factors (
		case_id TEXT NOT NULL,
		clause  TEXT NOT NULL,
		factor  TEXT NOT NULL,
		closed  INTEGER NOT NULL,
		conduct INTEGER NOT NULL,
		PRIMARY KEY (case_id, clause, factor)
	);
	CREATE INDEX case_factors_clause ON case_factors (clause, closed, factor, conduct, case_id);
	CREATE INDEX cases_open ON cases (closed, opened);
	DROP INDEX case_deadlines_due;
	CREATE INDEX case_deadlines_due ON case_deadlines (due, case_id, n);
	CREATE TABLE complaint_counts (
		quarter    TEXT PRIMARY KEY,
		complaints %[1]s NOT NULL
	);`

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], fmt.Sprintf(listSchema, "INTEGER"))
	migrations["postgres"] = append(migrations["postgres"], fmt.Sprintf(listSchema, "BIGINT"))
}

// waiverSchema is migration 5: waivers of a qualifying condition for one member
// (a body exempting them, with reasons), part of the member's history.
const waiverSchema = `
	CREATE TABLE waivers (
		member_id  TEXT NOT NULL,
		seq        %[1]s NOT NULL,
		from_date  %[1]s NOT NULL,
		until_date %[1]s NOT NULL,
		action     TEXT NOT NULL,
		clause     TEXT NOT NULL,
		event_id   TEXT NOT NULL,
		decision   TEXT NOT NULL,
		PRIMARY KEY (member_id, seq)
	);`

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], fmt.Sprintf(waiverSchema, "INTEGER"))
	migrations["postgres"] = append(migrations["postgres"], fmt.Sprintf(waiverSchema, "BIGINT"))
}

// occasionSchema is migration 6: the occasions recorded (a match a team played),
// one row for each unit taking part, so that the occasions of a member's units
// are read from an index; and the measures that last a number of occasions (a ban
// of three matches), with the occasions that served each, part of the member's
// history.
const occasionSchema = `
	CREATE TABLE occasions (
		id       TEXT NOT NULL,
		unit     TEXT NOT NULL,
		kind     TEXT NOT NULL,
		day      INTEGER NOT NULL,
		outcome  TEXT NOT NULL,
		counts   INTEGER NOT NULL,
		seq      %[1]s NOT NULL,
		event_id TEXT NOT NULL,
		data     TEXT NOT NULL,
		PRIMARY KEY (id, unit)
	);
	CREATE INDEX occasions_unit ON occasions (unit, day);
	CREATE TABLE servings (
		member_id TEXT NOT NULL,
		seq       %[1]s NOT NULL,
		served    INTEGER NOT NULL,
		ended     INTEGER NOT NULL,
		data      TEXT NOT NULL,
		PRIMARY KEY (member_id, seq)
	);`

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], fmt.Sprintf(occasionSchema, "INTEGER"))
	migrations["postgres"] = append(migrations["postgres"], fmt.Sprintf(occasionSchema, "BIGINT"))
}

// unitSchema is migration 7: a member belongs to one unit, of a kind the rule book
// declares, instead of the two fixed levels of the first releases. The members
// table keeps the member's unit (the lowest of the old two that was given), and
// the units table, renamed from the old one, is indexed by parent so a filter can
// take in the units below the one asked for. App.New rebuilds the projections
// after it.
const unitSchema = `
	ALTER TABLE branches RENAME TO units;
	CREATE INDEX units_parent ON units (parent);
	ALTER TABLE members ADD COLUMN unit TEXT NOT NULL DEFAULT '';
	UPDATE members SET unit = CASE WHEN branch <> '' THEN branch ELSE constituency END;
	DROP INDEX IF EXISTS members_branch;
	ALTER TABLE members DROP COLUMN branch;
	ALTER TABLE members DROP COLUMN constituency;
	CREATE INDEX members_unit ON members (unit);`

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], unitSchema)
	migrations["postgres"] = append(migrations["postgres"], unitSchema)
}

// personalSchema is migration 8: the personal fields of events, held apart from
// the record so that they can be erased (rulebook.SealPersonal). A row is never
// changed; it is deleted only when an erasure is recorded in the chain, and
// verify checks every row against the commitment its event holds, and every
// missing row against the erasures recorded. It may run again over itself (tests
// that simulate an older database undo later migrations by their number).
var personalSchema = map[string]string{
	"sqlite": `
	CREATE TABLE IF NOT EXISTS personal (
		seq  INTEGER PRIMARY KEY,
		salt BLOB NOT NULL,
		data TEXT NOT NULL
	);
	CREATE TRIGGER IF NOT EXISTS personal_no_update BEFORE UPDATE ON personal
		BEGIN SELECT RAISE(ABORT, 'personal data held apart is never changed, only erased'); END;`,
	"postgres": `
	CREATE TABLE IF NOT EXISTS personal (
		seq  BIGINT PRIMARY KEY,
		salt BYTEA NOT NULL,
		data TEXT NOT NULL
	);
	CREATE OR REPLACE FUNCTION personal_no_update() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'personal data held apart is never changed, only erased'; END $$;
	DROP TRIGGER IF EXISTS personal_no_update ON personal;
	CREATE TRIGGER personal_no_update BEFORE UPDATE ON personal
		FOR EACH ROW EXECUTE FUNCTION personal_no_update();`,
}

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], personalSchema["sqlite"])
	migrations["postgres"] = append(migrations["postgres"], personalSchema["postgres"])
}

// chainSchema is migration 9: the access log is chained like the record (each
// entry's hash covers the one before it; PostgreSQL's ids are given by the writer,
// which reads the head under a lock, as SQLite's are), and the signed checkpoints
// the checkpoint keeper writes are kept, so that verify can find the last one that
// still holds. Its Go half (chainAccessLog) chains the entries already logged, in
// the same transaction, then makes both tables append-only.
const chainSchema = `
	ALTER TABLE access_log ADD COLUMN prev_hash %[1]s NOT NULL DEFAULT %[2]s;
	ALTER TABLE access_log ADD COLUMN hash %[1]s NOT NULL DEFAULT %[2]s;
	CREATE TABLE checkpoints (
		id          %[3]s,
		recorded    %[4]s NOT NULL,
		size        %[4]s NOT NULL,
		access_size %[4]s NOT NULL,
		note        TEXT NOT NULL
	);`

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], fmt.Sprintf(chainSchema, "BLOB", "x''", "INTEGER PRIMARY KEY", "INTEGER"))
	migrations["postgres"] = append(migrations["postgres"], `
	ALTER TABLE access_log ALTER COLUMN id DROP IDENTITY;`+
		fmt.Sprintf(chainSchema, "BYTEA", "''::bytea", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "BIGINT"))
	migrationGo[9] = chainAccessLog
}

// migrationGo holds, by migration, work done in Go after its SQL, in the same
// transaction.
var migrationGo = map[int]func(ctx context.Context, tx *sql.Tx, dialect string) error{}

// selectionSchema is migration 10: candidate selections. Like migration 8 it may run
// again over itself (tests that simulate an older database undo later migrations
// by their number). A selection is a
// projection of its events, kept as JSON beside the columns lists need; its
// electorate (frozen with it: a table of members, whose size and digest the
// record holds) and its marked register (who voted) are tables of members. The
// ballots are kept only added up: one row per distinct ranking with the papers
// that carry it, keyed by the ranking (SQLite: WITHOUT ROWID, so no hidden row
// number records the order they came in), and no column saying who cast them or
// when.
const selectionSchema = `
	CREATE TABLE IF NOT EXISTS selections (
		id        TEXT PRIMARY KEY,
		procedure TEXT NOT NULL,
		unit      TEXT NOT NULL,
		state     TEXT NOT NULL,
		opened    INTEGER NOT NULL,
		updated   %[1]s NOT NULL,
		data      TEXT NOT NULL
	);
	CREATE TABLE IF NOT EXISTS selection_electorate (
		selection TEXT NOT NULL,
		member    TEXT NOT NULL,
		PRIMARY KEY (selection, member)
	)%[2]s;
	CREATE TABLE IF NOT EXISTS selection_marked (
		selection TEXT NOT NULL,
		member    TEXT NOT NULL,
		PRIMARY KEY (selection, member)
	)%[2]s;
	CREATE TABLE IF NOT EXISTS selection_ballots (
		selection TEXT NOT NULL,
		ranking   TEXT NOT NULL,
		papers    %[1]s NOT NULL,
		PRIMARY KEY (selection, ranking)
	)%[2]s;`

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], fmt.Sprintf(selectionSchema, "INTEGER", " WITHOUT ROWID"))
	migrations["postgres"] = append(migrations["postgres"], fmt.Sprintf(selectionSchema, "BIGINT", ""))
}

// credentialSchema counts the changes that can make an API token refused: any
// change to an account (disabled, its roles changed, rebuilt, erased) and a
// token revoked, re-pointed or deleted. Triggers bump it, in the changing
// transaction, whichever process or code path makes the change; a server may
// then keep tokens it has checked, and ask only this one row whether any may
// have changed since (CredentialGeneration). A token's last use does not count.
var credentialSchema = map[string]string{
	"sqlite": `
	CREATE TABLE IF NOT EXISTS credential_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
	INSERT INTO credential_generation (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
	CREATE TRIGGER IF NOT EXISTS accounts_generation_insert AFTER INSERT ON accounts
		BEGIN UPDATE credential_generation SET n = n + 1 WHERE id = 1; END;
	CREATE TRIGGER IF NOT EXISTS accounts_generation_update AFTER UPDATE ON accounts
		BEGIN UPDATE credential_generation SET n = n + 1 WHERE id = 1; END;
	CREATE TRIGGER IF NOT EXISTS accounts_generation_delete AFTER DELETE ON accounts
		BEGIN UPDATE credential_generation SET n = n + 1 WHERE id = 1; END;
	CREATE TRIGGER IF NOT EXISTS api_tokens_generation_update AFTER UPDATE OF hash, account, expires, revoked ON api_tokens
		BEGIN UPDATE credential_generation SET n = n + 1 WHERE id = 1; END;
	CREATE TRIGGER IF NOT EXISTS api_tokens_generation_delete AFTER DELETE ON api_tokens
		BEGIN UPDATE credential_generation SET n = n + 1 WHERE id = 1; END;`,
	"postgres": `
	CREATE TABLE IF NOT EXISTS credential_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);
	INSERT INTO credential_generation (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
	CREATE OR REPLACE FUNCTION credential_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN UPDATE credential_generation SET n = n + 1 WHERE id = 1; RETURN NULL; END $$;
	DROP TRIGGER IF EXISTS accounts_generation ON accounts;
	CREATE TRIGGER accounts_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON accounts
		FOR EACH STATEMENT EXECUTE FUNCTION credential_generation_bump();
	DROP TRIGGER IF EXISTS api_tokens_generation ON api_tokens;
	CREATE TRIGGER api_tokens_generation AFTER UPDATE OF hash, account, expires, revoked OR DELETE OR TRUNCATE ON api_tokens
		FOR EACH STATEMENT EXECUTE FUNCTION credential_generation_bump();`,
}

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], credentialSchema["sqlite"])
	migrations["postgres"] = append(migrations["postgres"], credentialSchema["postgres"])
}

// credentialNotify (migration 12) makes each bump of the credential generation
// also notify it, on credentialChannel, as its transaction commits, so that a
// server listening (credwatch.go) need not ask for it on each request. SQLite
// has no notifications: its servers read the generation, a local read.
var credentialNotify = map[string]string{
	"sqlite": `SELECT 1`,
	"postgres": `
	CREATE OR REPLACE FUNCTION credential_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
		DECLARE g BIGINT;
		BEGIN
			UPDATE credential_generation SET n = n + 1 WHERE id = 1 RETURNING n INTO g;
			PERFORM pg_notify('rulebook_credentials', g::text);
			RETURN NULL;
		END $$;`,
}

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], credentialNotify["sqlite"])
	migrations["postgres"] = append(migrations["postgres"], credentialNotify["postgres"])
}

// unitGenerationSchema (migration 13) gives the units a generation, as
// credentialSchema gives the credentials one: triggers set it, in the changing
// transaction, whichever process or code path changes the units, so that any
// one snapshot holds a generation and the units it names. A member's record
// reads the generation beside the member, in the same statement, and takes the
// chain of units above them from memory when it was read at that generation
// (unitchains.go), rather than walk up the units on every read. Each change
// draws a new generation at random rather than counting: a database restored
// from a backup, or another that diverged from it, could otherwise come to
// hold the number this process last saw beside different units.
var unitGenerationSchema = map[string]string{
	"sqlite": `
	CREATE TABLE IF NOT EXISTS unit_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
	INSERT INTO unit_generation (id, n) VALUES (1, random()) ON CONFLICT (id) DO NOTHING;
	CREATE TRIGGER IF NOT EXISTS units_generation_insert AFTER INSERT ON units
		BEGIN UPDATE unit_generation SET n = random() WHERE id = 1; END;
	CREATE TRIGGER IF NOT EXISTS units_generation_update AFTER UPDATE ON units
		BEGIN UPDATE unit_generation SET n = random() WHERE id = 1; END;
	CREATE TRIGGER IF NOT EXISTS units_generation_delete AFTER DELETE ON units
		BEGIN UPDATE unit_generation SET n = random() WHERE id = 1; END;`,
	// random() has 52 bits; 2^62 keeps the product inside BIGINT however it rounds.
	"postgres": `
	CREATE TABLE IF NOT EXISTS unit_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);
	INSERT INTO unit_generation (id, n) VALUES (1, (random() * 4611686018427387904)::bigint) ON CONFLICT (id) DO NOTHING;
	CREATE OR REPLACE FUNCTION unit_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN UPDATE unit_generation SET n = (random() * 4611686018427387904)::bigint WHERE id = 1; RETURN NULL; END $$;
	DROP TRIGGER IF EXISTS units_generation ON units;
	CREATE TRIGGER units_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
		FOR EACH STATEMENT EXECUTE FUNCTION unit_generation_bump();`,
}

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], unitGenerationSchema["sqlite"])
	migrations["postgres"] = append(migrations["postgres"], unitGenerationSchema["postgres"])
}

// accessErasureSchema is migration 14: an access-log entry past the retention
// period the rule book gives the access log is erased in place — who, about
// whom and the detail emptied, erased set — keeping its id, time, action and
// hashes, so that the log's chain and Merkle tree, and every checkpoint and
// proof over them, still hold. The append-only trigger lets through that
// change alone; verify accepts an erased entry only up to the furthest
// erasure of the access log recorded in the chain (rulebook.AccessLogErasure).
var accessErasureSchema = map[string]string{
	"sqlite": `
	ALTER TABLE access_log ADD COLUMN erased INTEGER NOT NULL DEFAULT 0;
	DROP TRIGGER IF EXISTS access_log_no_update;
	CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
		WHEN NOT (` + accessErasing + `)
		BEGIN SELECT RAISE(ABORT, 'the access log is append-only: an entry is only ever erased'); END;`,
	"postgres": `
	ALTER TABLE access_log ADD COLUMN erased INTEGER NOT NULL DEFAULT 0;
	CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF TG_OP = 'UPDATE' AND ` + accessErasing + ` THEN
				RETURN NEW;
			END IF;
			RAISE EXCEPTION 'the access log is append-only: an entry is only ever erased';
		END $$;
	DROP TRIGGER IF EXISTS access_log_no_update ON access_log;
	CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log
		FOR EACH ROW EXECUTE FUNCTION access_log_append_only();`,
}

// accessErasing is the one change of an access-log entry allowed: its erasure.
const accessErasing = `OLD.erased = 0 AND NEW.erased = 1 AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.action = OLD.action
		AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash AND NEW.actor = '' AND NEW.subject = '' AND NEW.detail = ''`

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], accessErasureSchema["sqlite"])
	migrations["postgres"] = append(migrations["postgres"], accessErasureSchema["postgres"])
}

// generationsSchema is migration 15: the units' generation moves into one row
// beside a second, the generation of members' restrictions, waivers and
// servings, so that a member's read takes both with one lookup. Those three
// tables hold rows for few members, yet reading them cost a member's read (an
// eligibility answer, a member's record) a third of its statement on
// PostgreSQL, opening and probing three tables and their keys to find nothing:
// a read finds the members who have any in memory, kept under the generation
// read in the same statement as them (extras.go), and reads the three tables
// only for those. Triggers draw a new generation in every transaction that
// changes one of them, whichever process or code path changes them, as for the
// units (unitGenerationSchema).
var generationsSchema = map[string]string{
	"sqlite": `
	CREATE TABLE IF NOT EXISTS generations (id INTEGER PRIMARY KEY CHECK (id = 1), units INTEGER NOT NULL, extras INTEGER NOT NULL);
	INSERT INTO generations (id, units, extras) VALUES (1, random(), random()) ON CONFLICT (id) DO NOTHING;
	DROP TRIGGER IF EXISTS units_generation_insert;
	DROP TRIGGER IF EXISTS units_generation_update;
	DROP TRIGGER IF EXISTS units_generation_delete;
	DROP TABLE IF EXISTS unit_generation;
	CREATE TRIGGER units_generation_insert AFTER INSERT ON units
		BEGIN UPDATE generations SET units = random() WHERE id = 1; END;
	CREATE TRIGGER units_generation_update AFTER UPDATE ON units
		BEGIN UPDATE generations SET units = random() WHERE id = 1; END;
	CREATE TRIGGER units_generation_delete AFTER DELETE ON units
		BEGIN UPDATE generations SET units = random() WHERE id = 1; END;` +
		sqliteExtrasTriggers("restrictions") + sqliteExtrasTriggers("waivers") + sqliteExtrasTriggers("servings"),
	"postgres": `
	CREATE TABLE IF NOT EXISTS generations (id INTEGER PRIMARY KEY CHECK (id = 1), units BIGINT NOT NULL, extras BIGINT NOT NULL);
	INSERT INTO generations (id, units, extras) VALUES (1, (random() * 4611686018427387904)::bigint, (random() * 4611686018427387904)::bigint) ON CONFLICT (id) DO NOTHING;
	CREATE OR REPLACE FUNCTION unit_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN UPDATE generations SET units = (random() * 4611686018427387904)::bigint WHERE id = 1; RETURN NULL; END $$;
	DROP TABLE IF EXISTS unit_generation;
	CREATE OR REPLACE FUNCTION extras_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN UPDATE generations SET extras = (random() * 4611686018427387904)::bigint WHERE id = 1; RETURN NULL; END $$;` +
		pgExtrasTrigger("restrictions") + pgExtrasTrigger("waivers") + pgExtrasTrigger("servings"),
}

func sqliteExtrasTriggers(table string) string {
	var s string
	for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
		s += fmt.Sprintf(`
	CREATE TRIGGER IF NOT EXISTS %[1]s_generation_%[2]s AFTER %[3]s ON %[1]s
		BEGIN UPDATE generations SET extras = random() WHERE id = 1; END;`, table, strings.ToLower(op), op)
	}
	return s
}

func pgExtrasTrigger(table string) string {
	return fmt.Sprintf(`
	DROP TRIGGER IF EXISTS %[1]s_generation ON %[1]s;
	CREATE TRIGGER %[1]s_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %[1]s
		FOR EACH STATEMENT EXECUTE FUNCTION extras_generation_bump();`, table)
}

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], generationsSchema["sqlite"])
	migrations["postgres"] = append(migrations["postgres"], generationsSchema["postgres"])
}

// adoptionsSchema is migration 16: an index of the rule book's adoptions
// alone. Every command and every server start finds the rule book in force by
// the last adoption, which, with no index to find it by, PostgreSQL and SQLite
// looked for by reading the events backwards to the last adoption, most often
// the first event: 120-390 ms of each command on a record of a million events
// (0.16 s in all for an eligibility answer). Partial, so that no other event's
// insert pays for it.
var adoptionsSchema = `CREATE INDEX IF NOT EXISTS events_adoptions ON events (seq) WHERE ` + adoptionsWhere

// adoptionsWhere selects the rule book's adoptions, as the index's condition
// says it (a literal: a parameter could be any type, and neither engine would
// then read the index).
const adoptionsWhere = `type = 'rulebook.adopted'`

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], adoptionsSchema)
	migrations["postgres"] = append(migrations["postgres"], adoptionsSchema)
}

// deadlineWordsSchema is migration 17, which changes no table: the deadlines'
// texts (case_deadlines.what) now speak the rule book's terms ("interim order
// 6 months old") with dates written out, and App.New rebuilds the cases of a
// database migrated to it, so that what is stored is what a rebuild makes and
// verify --projection finds nothing to report.
const deadlineWordsSchema = `SELECT 1`

func init() {
	migrations["sqlite"] = append(migrations["sqlite"], deadlineWordsSchema)
	migrations["postgres"] = append(migrations["postgres"], deadlineWordsSchema)
}

// Migration 18 is updatesSchema (projupdates.go).
func init() {
	migrations["sqlite"] = append(migrations["sqlite"], updatesSchema)
	migrations["postgres"] = append(migrations["postgres"], updatesSchema)
}
