-- +goose Up
-- Device name search at 100k devices (issue 7): "name contains x" is
-- LOWER(name) LIKE '%x%', which no B-tree index serves; PostgreSQL read
-- every device row (~190 ms at 100k). A trigram GIN index (pg_trgm) finds
-- the candidates for three or more characters. pg_trgm ships with
-- PostgreSQL and is a trusted extension (PostgreSQL 13+: a database owner
-- may create it); where the server's role may not, search still works, by
-- the scan, and the migration says so instead of failing.
-- +goose StatementBegin
DO $$
BEGIN
	CREATE EXTENSION IF NOT EXISTS pg_trgm;
	CREATE INDEX IF NOT EXISTS devices_name_trgm ON devices USING gin (LOWER(name) gin_trgm_ops);
EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
	RAISE NOTICE 'pg_trgm is not available (%): device name search reads every device', SQLERRM;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX IF EXISTS devices_name_trgm;
