-- +goose Up
-- Ingest and fleet figures at 100k devices (issue 7).
--
-- 1. A run's results are stored with the run: check_runs.results holds them
-- as one JSON array sorted by check ID (see runresults.go), instead of one
-- check_results row each. Every report touched a random page of the results
-- table and of its device index (each a WAL frame written, then
-- checkpointed); now it touches none. check_results becomes a view that
-- expands the arrays, with the old table's columns, for ad-hoc queries.
ALTER TABLE check_runs ADD COLUMN results TEXT;
UPDATE check_runs SET results = (
	SELECT json_group_array(json(o) ORDER BY k) FROM (
		SELECT c.check_id AS k, CASE WHEN c.facts IS NULL
			THEN json_object('id', c.check_id, 'status', c.status, 'required', json(CASE WHEN c.required THEN 'true' ELSE 'false' END),
				'summary', c.summary, 'reason', c.reason)
			ELSE json_object('id', c.check_id, 'status', c.status, 'required', json(CASE WHEN c.required THEN 'true' ELSE 'false' END),
				'summary', c.summary, 'reason', c.reason, 'facts', json(c.facts))
			END AS o
		FROM check_results c WHERE c.run_id = check_runs.id));

-- 2. devices.latest_statuses holds the statuses of the device's latest run
-- as one short text, "|antivirus=pass|firewall=fail|" (entries sorted; % |
-- = in IDs and statuses escaped as %25 %7C %3D; see statuses.go), kept by
-- ingest with latest_run_id. Compliance per check and "devices failing
-- check X" read it from the device rows instead of joining every device's
-- latest results.
ALTER TABLE devices ADD COLUMN latest_statuses TEXT;
UPDATE devices SET latest_statuses = (
	SELECT '|' || COALESCE(group_concat(e, '' ORDER BY e), '') FROM (
		SELECT replace(replace(replace(c.check_id, '%', '%25'), '|', '%7C'), '=', '%3D') || '=' ||
			replace(replace(replace(c.status, '%', '%25'), '|', '%7C'), '=', '%3D') || '|' AS e
		FROM check_results c WHERE c.run_id = devices.latest_run_id))
WHERE latest_run_id IS NOT NULL;

DROP TABLE check_results;
CREATE VIEW check_results AS
	SELECT r.id AS run_id, r.device_id AS device_id, j.value ->> '$.id' AS check_id, j.value ->> '$.status' AS status,
		j.value ->> '$.required' AS required, r.started_at AS at, j.value ->> '$.summary' AS summary,
		j.value ->> '$.reason' AS reason, j.value -> '$.facts' AS facts
	FROM check_runs r, json_each(r.results) j;

-- +goose Down
DROP VIEW check_results;
CREATE TABLE check_results (
	run_id    TEXT NOT NULL REFERENCES check_runs(id),
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
INSERT INTO check_results
	SELECT r.id, r.device_id, j.value ->> '$.id', j.value ->> '$.status', j.value ->> '$.required', r.started_at,
		j.value ->> '$.summary', j.value ->> '$.reason', j.value -> '$.facts'
	FROM check_runs r, json_each(r.results) j;
CREATE INDEX check_results_device ON check_results(device_id, at);
ALTER TABLE devices DROP COLUMN latest_statuses;
ALTER TABLE check_runs DROP COLUMN results;
