-- +goose Up
-- Ingest and fleet figures at 100k devices (issue 7).
--
-- 1. A run's results are stored with the run: check_runs.results holds them
-- as one JSON array sorted by check ID (see runresults.go), instead of one
-- check_results row each. Every report inserted 8 result rows into the
-- results table and its two indexes; now it inserts none. check_results
-- becomes a view that expands the arrays, with the old table's columns,
-- for ad-hoc queries.
ALTER TABLE check_runs ADD COLUMN results TEXT;
UPDATE check_runs SET results = (
	SELECT json_agg(CASE WHEN c.facts IS NULL
			THEN json_build_object('id', c.check_id, 'status', c.status, 'required', c.required, 'summary', c.summary, 'reason', c.reason)
			ELSE json_build_object('id', c.check_id, 'status', c.status, 'required', c.required, 'summary', c.summary, 'reason', c.reason,
				'facts', CAST(c.facts AS json))
			END ORDER BY c.check_id COLLATE "C")::text
	FROM check_results c WHERE c.run_id = check_runs.id);

-- 2. devices.latest_statuses holds the statuses of the device's latest run
-- as one short text, "|antivirus=pass|firewall=fail|" (entries sorted; % |
-- = in IDs and statuses escaped as %25 %7C %3D; see statuses.go), kept by
-- ingest with latest_run_id. Compliance per check and "devices failing
-- check X" read it from the device rows instead of joining every device's
-- latest results.
ALTER TABLE devices ADD COLUMN latest_statuses TEXT;
UPDATE devices SET latest_statuses = (
	SELECT '|' || COALESCE(string_agg(e, '' ORDER BY e COLLATE "C"), '') FROM (
		SELECT replace(replace(replace(c.check_id, '%', '%25'), '|', '%7C'), '=', '%3D') || '=' ||
			replace(replace(replace(c.status, '%', '%25'), '|', '%7C'), '=', '%3D') || '|' AS e
		FROM check_results c WHERE c.run_id = devices.latest_run_id) AS entries)
WHERE latest_run_id IS NOT NULL;

DROP TABLE check_results;
CREATE VIEW check_results AS
	SELECT r.id AS run_id, r.device_id AS device_id, e ->> 'id' AS check_id, e ->> 'status' AS status,
		CAST(e ->> 'required' AS boolean) AS required, r.started_at AS at, e ->> 'summary' AS summary,
		e ->> 'reason' AS reason, e ->> 'facts' AS facts
	FROM check_runs r CROSS JOIN LATERAL jsonb_array_elements(CAST(r.results AS jsonb)) AS e;

-- +goose Down
DROP VIEW check_results;
CREATE TABLE check_results (
	run_id    TEXT NOT NULL REFERENCES check_runs(id),
	device_id TEXT NOT NULL REFERENCES devices(id),
	check_id  TEXT NOT NULL,
	status    TEXT NOT NULL,
	required  BOOLEAN NOT NULL,
	at        BIGINT NOT NULL,
	summary   TEXT NOT NULL,
	reason    TEXT NOT NULL,
	facts     TEXT,
	PRIMARY KEY (run_id, check_id)
);
INSERT INTO check_results
	SELECT r.id, r.device_id, e ->> 'id', e ->> 'status', CAST(e ->> 'required' AS boolean), r.started_at,
		e ->> 'summary', e ->> 'reason', e ->> 'facts'
	FROM check_runs r CROSS JOIN LATERAL jsonb_array_elements(CAST(r.results AS jsonb)) AS e;
CREATE INDEX check_results_device ON check_results(device_id, at);
ALTER TABLE devices DROP COLUMN latest_statuses;
ALTER TABLE check_runs DROP COLUMN results;
