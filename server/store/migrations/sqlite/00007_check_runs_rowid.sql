-- +goose Up
-- Ingest at 100k devices (issue 7): check_runs becomes a rowid table again,
-- with its id a unique key (as in 00001). 00002 clustered it on id
-- (WITHOUT ROWID) when a run's results were rows of their own; since 00005
-- a run's row carries its results (about 1 KB for eight checks), and a
-- WITHOUT ROWID table keeps at most ~1 KB of a row on its page: every run
-- spilled into an overflow page, and runs arriving slightly out of id order
-- split pages in the middle of the tree. In a rowid table a run is appended
-- at the end (up to ~4 KB stays on the page) and only the small id index
-- takes the id order. Columns, names and the other indexes are unchanged.
DROP VIEW check_results;
CREATE TABLE check_runs_new (
	id            TEXT PRIMARY KEY NOT NULL,
	device_id     TEXT NOT NULL REFERENCES devices(id),
	started_at    INTEGER NOT NULL,
	received_at   INTEGER NOT NULL,
	duration_ms   INTEGER NOT NULL,
	ready         BOOLEAN NOT NULL,
	agent_version TEXT NOT NULL,
	results       TEXT
);
INSERT INTO check_runs_new (id, device_id, started_at, received_at, duration_ms, ready, agent_version, results)
	SELECT id, device_id, started_at, received_at, duration_ms, ready, agent_version, results FROM check_runs ORDER BY received_at, id;
DROP TABLE check_runs;
ALTER TABLE check_runs_new RENAME TO check_runs;
CREATE INDEX check_runs_device ON check_runs(device_id, started_at);
CREATE INDEX check_runs_started ON check_runs(started_at, id);
CREATE VIEW check_results AS
	SELECT r.id AS run_id, r.device_id AS device_id, j.value ->> '$.id' AS check_id, j.value ->> '$.status' AS status,
		j.value ->> '$.required' AS required, r.started_at AS at, j.value ->> '$.summary' AS summary,
		j.value ->> '$.reason' AS reason, j.value -> '$.facts' AS facts
	FROM check_runs r, json_each(r.results) j;

-- +goose Down
DROP VIEW check_results;
CREATE TABLE check_runs_old (
	id            TEXT PRIMARY KEY,
	device_id     TEXT NOT NULL REFERENCES devices(id),
	started_at    INTEGER NOT NULL,
	received_at   INTEGER NOT NULL,
	duration_ms   INTEGER NOT NULL,
	ready         BOOLEAN NOT NULL,
	agent_version TEXT NOT NULL,
	results       TEXT
) WITHOUT ROWID;
INSERT INTO check_runs_old SELECT id, device_id, started_at, received_at, duration_ms, ready, agent_version, results FROM check_runs;
DROP TABLE check_runs;
ALTER TABLE check_runs_old RENAME TO check_runs;
CREATE INDEX check_runs_device ON check_runs(device_id, started_at);
CREATE INDEX check_runs_started ON check_runs(started_at, id);
CREATE VIEW check_results AS
	SELECT r.id AS run_id, r.device_id AS device_id, j.value ->> '$.id' AS check_id, j.value ->> '$.status' AS status,
		j.value ->> '$.required' AS required, r.started_at AS at, j.value ->> '$.summary' AS summary,
		j.value ->> '$.reason' AS reason, j.value -> '$.facts' AS facts
	FROM check_runs r, json_each(r.results) j;
