-- +goose Up
-- PostgreSQL's 00006 adds a trigram index for device name search. SQLite
-- has none; its search walks the devices_list index (00003), which holds
-- the names (22 ms at 100k devices). Kept so both dialects have the same
-- migration versions.
SELECT 1;

-- +goose Down
SELECT 1;
