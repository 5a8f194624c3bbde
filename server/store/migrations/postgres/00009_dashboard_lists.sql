-- +goose Up
-- Same as SQLite's 00009.
-- Issue 17: the dashboard's tables sort by their columns with keyset
-- paging, and each admin has a time zone. An index (col, id) serves a
-- sorted page of 100k devices; id is the tie-breaker and the second half
-- of the page cursor. Only the device name and the session label get one:
-- every report rewrites last_seen_at (and sets agent_version and os), so
-- an index on those made ingest about half as fast (SQLite rewrote three
-- more index entries a report; PostgreSQL lost its HOT updates). Sorting
-- by last seen, agent or system reads the device rows instead.
ALTER TABLE admins ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/London';
CREATE INDEX devices_name ON devices(name, id);
CREATE INDEX sessions_label_id ON sessions(label, id);

-- +goose Down
DROP INDEX sessions_label_id;
DROP INDEX devices_name;
ALTER TABLE admins DROP COLUMN time_zone;
