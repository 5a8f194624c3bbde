-- +goose Up
-- Issue 21 item 7: the check page ("devices failing check X") read every
-- device row's latest_statuses to find the few that fail; at 100k devices
-- that is a walk of the fleet even when none does. devices_not_passing
-- holds one row per (device, check) whose latest result is fail or unknown
-- (the not-passing statuses of store.notPassing), kept by ingest in the
-- same transaction as latest_statuses, so the page reads only those.
CREATE TABLE devices_not_passing (
	device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
	check_id  TEXT NOT NULL,
	PRIMARY KEY (device_id, check_id)
);
CREATE INDEX devices_not_passing_check ON devices_not_passing(check_id);
-- From latest_statuses ("|antivirus=pass|firewall=fail|", escaped as in
-- statuses.go), which holds the latest run's statuses even when retention
-- has removed that run.
INSERT INTO devices_not_passing (device_id, check_id)
	SELECT DISTINCT id, replace(replace(replace(split_part(entry, '=', 1), '%3D', '='), '%7C', '|'), '%25', '%')
	FROM (SELECT id, unnest(string_to_array(trim(both '|' from latest_statuses), '|')) AS entry
		FROM devices WHERE latest_statuses IS NOT NULL) e
	WHERE split_part(entry, '=', 2) IN ('fail', 'unknown');

-- +goose Down
DROP TABLE devices_not_passing;
