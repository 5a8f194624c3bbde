-- +goose Up
-- The dashboard: admin accounts, their login sessions (token hashes only),
-- hourly fleet snapshots for the trend chart, and indexes for the fleet
-- pages at 100k devices (sessions_at is shared with 00004, hence IF NOT EXISTS).
CREATE TABLE admins (
	name          TEXT PRIMARY KEY,
	password_hash TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	disabled_at   BIGINT,
	last_login_at BIGINT
);

CREATE TABLE admin_sessions (
	id           TEXT PRIMARY KEY,
	token_hash   TEXT NOT NULL UNIQUE,
	admin_name   TEXT NOT NULL REFERENCES admins(name),
	created_at   BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL
);
CREATE INDEX admin_sessions_admin ON admin_sessions(admin_name);
CREATE INDEX admin_sessions_expires ON admin_sessions(expires_at);

CREATE TABLE fleet_snapshots (
	team_id        TEXT NOT NULL,
	hour           BIGINT NOT NULL,
	total          BIGINT NOT NULL,
	ready          BIGINT NOT NULL,
	not_ready      BIGINT NOT NULL,
	stale          BIGINT NOT NULL,
	never_reported BIGINT NOT NULL,
	PRIMARY KEY (team_id, hour)
);

-- The device list walks devices in ID order and filters on revoked_at and
-- name: with both in the index, rows that do not match are never fetched
-- (a name search over 100k devices: 22 ms instead of 170 ms on SQLite).
-- None of these columns changes when a device reports, so ingest never
-- updates this index. (No index on last_seen_at on purpose: every report
-- changes it.)
CREATE INDEX devices_list ON devices(id, revoked_at, name);
CREATE INDEX IF NOT EXISTS sessions_at ON sessions(at, id);

-- +goose Down
DROP INDEX IF EXISTS sessions_at;
DROP INDEX devices_list;
DROP TABLE fleet_snapshots;
DROP TABLE admin_sessions;
DROP TABLE admins;
