-- +goose Up
-- Issue 21 item 7: the device list searched by system tests
-- LOWER(os || ' ' || os_version || ' ' || arch) LIKE '%…%' row by row
-- when many devices match (lists_sql.go, searchFilter). Without
-- statistics on that expression the planner guesses that a handful
-- match, and reads the whole table to sort it for a page of 50 (70-80 ms
-- at 100k devices when every device matches) instead of walking the name
-- index until the page is full. Statistics on the expression (gathered by
-- ANALYZE, as autovacuum runs it) cost no index and nothing at ingest.
-- They need PostgreSQL 14+; elsewhere the migration says so and goes on.
-- +goose StatementBegin
DO $$
BEGIN
	EXECUTE 'CREATE STATISTICS IF NOT EXISTS devices_system_search ON (LOWER(os || '' '' || os_version || '' '' || arch)) FROM devices';
	EXECUTE 'CREATE STATISTICS IF NOT EXISTS devices_name_search ON (LOWER(name)) FROM devices';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
	RAISE NOTICE 'statistics on an expression are not available (%): searches by system are planned without them', SQLERRM;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP STATISTICS IF EXISTS devices_system_search;
DROP STATISTICS IF EXISTS devices_name_search;
