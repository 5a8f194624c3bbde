-- +goose Up
-- Privacy (issue 7): the append-only audit log of admin actions, the
-- admin-set practitioner of a device (subject access by practitioner), the
-- retention job's recorded progress, and the time indexes that retention and
-- the exports page through.
CREATE TABLE audit_log (
	id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at     BIGINT NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	detail TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log(target, id);

-- Append-only: the database itself refuses to change, delete or truncate.
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

ALTER TABLE devices ADD COLUMN practitioner TEXT;
CREATE INDEX devices_practitioner ON devices(practitioner);

CREATE TABLE retention_runs (
	id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	started_at       BIGINT NOT NULL,
	cutoff           BIGINT NOT NULL,
	finished_at      BIGINT,
	-- The server running the purge holds a lease, renewed by every batch;
	-- another replica takes over only once it has expired. is_open is TRUE
	-- while unfinished and NULL after: at most one purge is open.
	owner            TEXT NOT NULL,
	lease_until      BIGINT NOT NULL,
	is_open          BOOLEAN UNIQUE,
	-- The last check run deleted (by started_at, id): the next batch starts
	-- after it, so the devices' kept latest runs are never scanned twice.
	cursor_at        BIGINT,
	cursor_id        TEXT,
	runs_deleted     BIGINT NOT NULL DEFAULT 0,
	results_deleted  BIGINT NOT NULL DEFAULT 0,
	sessions_deleted BIGINT NOT NULL DEFAULT 0
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
DROP FUNCTION audit_log_append_only();
