-- +goose Up
-- Fleet figures and ingest at 100k devices (issue 7):
--
-- devices.latest_statuses holds the statuses of the device's latest check
-- run as one short text, "|antivirus=pass|firewall=fail|" (entries sorted by
-- check ID; % | = in IDs and statuses escaped as %25 %7C %3D; see
-- statuses.go), kept by ingest with latest_run_id. Compliance per check and
-- "devices failing check X" read it from the device rows instead of joining
-- every device's latest results.
--
-- check_results_device goes: nothing reads results by device (they are read
-- and deleted by run), and it cost every ingested result a B-tree insert
-- on a random page.
ALTER TABLE devices ADD COLUMN latest_statuses TEXT;
UPDATE devices SET latest_statuses = (
	SELECT '|' || COALESCE(group_concat(e, '' ORDER BY e), '') FROM (
		SELECT replace(replace(replace(r.check_id, '%', '%25'), '|', '%7C'), '=', '%3D') || '=' ||
			replace(replace(replace(r.status, '%', '%25'), '|', '%7C'), '=', '%3D') || '|' AS e
		FROM check_results r WHERE r.run_id = devices.latest_run_id))
WHERE latest_run_id IS NOT NULL;
DROP INDEX check_results_device;

-- +goose Down
CREATE INDEX check_results_device ON check_results(device_id, at);
ALTER TABLE devices DROP COLUMN latest_statuses;
