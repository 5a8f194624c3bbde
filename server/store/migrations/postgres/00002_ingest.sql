-- +goose Up
-- Ingest speed (issue 7): nothing reads check results by check without a
-- run id (fleet queries go through devices.latest_run_id), so this index
-- only cost every ingested result an extra B-tree insert.
DROP INDEX check_results_check;

-- +goose Down
CREATE INDEX check_results_check ON check_results(check_id, status, at);
