-- +goose Up
-- Issue 21 item 6: a check run's results (check_runs.results, about
-- 3 KB a run with facts) are over PostgreSQL's TOAST threshold, so every
-- report's results are compressed, with pglz by default. lz4 does the
-- same at a fraction of the CPU: under sgload (100k devices, 3 KB
-- reports) PostgreSQL's own CPU per report fell by 10-20 %. lz4 needs
-- PostgreSQL 14+ built with it (Debian's and the official packages are);
-- elsewhere the column keeps pglz and the migration says so. Only values
-- written from now on are compressed with it.
-- +goose StatementBegin
DO $$
BEGIN
	-- EXECUTE: parsed here, so PostgreSQL before 14 (no SET COMPRESSION)
	-- lands in the handler below too.
	EXECUTE 'ALTER TABLE check_runs ALTER COLUMN results SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
	RAISE NOTICE 'lz4 compression is not available (%): check run results stay compressed with pglz', SQLERRM;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
	EXECUTE 'ALTER TABLE check_runs ALTER COLUMN results SET COMPRESSION pglz';
EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
	NULL;
END
$$;
-- +goose StatementEnd
