-- +goose Up
-- Privacy (issue 7): the append-only audit log of admin actions, the
-- admin-set practitioner of a device (subject access by practitioner), the
-- retention job's recorded progress, and the time indexes that retention and
-- the exports page through.
CREATE TABLE audit_log (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	at     INTEGER NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	detail TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log(target, id);

-- Append-only: the database itself refuses to change or delete an entry.
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

ALTER TABLE devices ADD COLUMN practitioner TEXT;
CREATE INDEX devices_practitioner ON devices(practitioner);

CREATE TABLE retention_runs (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	started_at       INTEGER NOT NULL,
	cutoff           INTEGER NOT NULL,
	finished_at      INTEGER,
	-- The server running the purge holds a lease, renewed by every batch;
	-- another replica takes over only once it has expired. is_open is TRUE
	-- while unfinished and NULL after: at most one purge is open.
	owner            TEXT NOT NULL,
	lease_until      INTEGER NOT NULL,
	is_open          BOOLEAN UNIQUE,
	-- The last check run deleted (by started_at, id): the next batch starts
	-- after it, so the devices' kept latest runs are never scanned twice.
	cursor_at        INTEGER,
	cursor_id        TEXT,
	runs_deleted     INTEGER NOT NULL DEFAULT 0,
	results_deleted  INTEGER NOT NULL DEFAULT 0,
	sessions_deleted INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX check_runs_started ON check_runs(started_at, id);
-- sessions(at, id) is also what the dashboard's 00003 adds: shared, not
-- dropped here.
CREATE INDEX IF NOT EXISTS sessions_at ON sessions(at, id);

-- +goose Down
DROP INDEX check_runs_started;
DROP TABLE retention_runs;
DROP INDEX devices_practitioner;
ALTER TABLE devices DROP COLUMN practitioner;
DROP TABLE audit_log;
