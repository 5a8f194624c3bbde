-- +goose Up
-- Same as SQLite's 00008.
-- Issue 17: the dashboard's tables sort by their columns with keyset
-- paging, and each admin has a time zone. One index per sortable column,
-- ending in id (the tie-breaker and the second half of the page cursor), so
-- a sorted page reads only its rows at 100k devices. Only devices_seen
-- changes on a report (last_seen_at); the others change with enrolment.
ALTER TABLE admins ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/London';
CREATE INDEX devices_name ON devices(name, id);
CREATE INDEX devices_seen ON devices(last_seen_at, id);
CREATE INDEX devices_agent ON devices(agent_version, id);
CREATE INDEX devices_os ON devices(os, id);
CREATE INDEX sessions_label_id ON sessions(label, id);

-- +goose Down
DROP INDEX sessions_label_id;
DROP INDEX devices_os;
DROP INDEX devices_agent;
DROP INDEX devices_seen;
DROP INDEX devices_name;
ALTER TABLE admins DROP COLUMN time_zone;
