-- +goose Up
-- Ingest speed (issue 7): check_runs and check_results become WITHOUT ROWID
-- tables clustered on their primary key (one B-tree each instead of a rowid
-- table plus a primary-key index; a run's results sit together), and the
-- check_results(check_id, status, at) index goes: nothing reads results by
-- check without a run id (fleet queries go through devices.latest_run_id).
-- Columns, their names and the other indexes are unchanged. Rebuilt new
-- tables first so the foreign key from results to runs never dangles; the
-- renames carry the reference along.
CREATE TABLE check_runs_new (
	id            TEXT PRIMARY KEY,
	device_id     TEXT NOT NULL REFERENCES devices(id),
	started_at    INTEGER NOT NULL,
	received_at   INTEGER NOT NULL,
	duration_ms   INTEGER NOT NULL,
	ready         BOOLEAN NOT NULL,
	agent_version TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO check_runs_new SELECT id, device_id, started_at, received_at, duration_ms, ready, agent_version FROM check_runs;

CREATE TABLE check_results_new (
	run_id    TEXT NOT NULL REFERENCES check_runs_new(id),
	device_id TEXT NOT NULL REFERENCES devices(id),
	check_id  TEXT NOT NULL,
	status    TEXT NOT NULL,
	required  BOOLEAN NOT NULL,
	at        INTEGER NOT NULL,
	summary   TEXT NOT NULL,
	reason    TEXT NOT NULL,
	facts     TEXT,
	PRIMARY KEY (run_id, check_id)
) WITHOUT ROWID;
INSERT INTO check_results_new SELECT run_id, device_id, check_id, status, required, at, summary, reason, facts FROM check_results;

DROP TABLE check_results;
DROP TABLE check_runs;
ALTER TABLE check_runs_new RENAME TO check_runs;
ALTER TABLE check_results_new RENAME TO check_results;
CREATE INDEX check_runs_device ON check_runs(device_id, started_at);
CREATE INDEX check_results_device ON check_results(device_id, at);

-- +goose Down
CREATE TABLE check_runs_old (
	id            TEXT PRIMARY KEY,
	device_id     TEXT NOT NULL REFERENCES devices(id),
	started_at    INTEGER NOT NULL,
	received_at   INTEGER NOT NULL,
	duration_ms   INTEGER NOT NULL,
	ready         BOOLEAN NOT NULL,
	agent_version TEXT NOT NULL
);
INSERT INTO check_runs_old SELECT id, device_id, started_at, received_at, duration_ms, ready, agent_version FROM check_runs;
CREATE TABLE check_results_old (
	run_id    TEXT NOT NULL REFERENCES check_runs_old(id),
	device_id TEXT NOT NULL REFERENCES devices(id),
	check_id  TEXT NOT NULL,
	status    TEXT NOT NULL,
	required  BOOLEAN NOT NULL,
	at        INTEGER NOT NULL,
	summary   TEXT NOT NULL,
	reason    TEXT NOT NULL,
	facts     TEXT,
	PRIMARY KEY (run_id, check_id)
);
INSERT INTO check_results_old SELECT run_id, device_id, check_id, status, required, at, summary, reason, facts FROM check_results;
DROP TABLE check_results;
DROP TABLE check_runs;
ALTER TABLE check_runs_old RENAME TO check_runs;
ALTER TABLE check_results_old RENAME TO check_results;
CREATE INDEX check_runs_device ON check_runs(device_id, started_at);
CREATE INDEX check_results_device ON check_results(device_id, at);
CREATE INDEX check_results_check ON check_results(check_id, status, at);
