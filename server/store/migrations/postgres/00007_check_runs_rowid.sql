-- +goose Up
-- SQLite's 00007 turns check_runs back into a rowid table (appends instead
-- of page splits). PostgreSQL's tables are heaps already: nothing to do.
-- Kept so both dialects have the same migration versions.
SELECT 1;

-- +goose Down
SELECT 1;
