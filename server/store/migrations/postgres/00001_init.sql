-- +goose Up
-- Times are Unix microseconds (UTC) in both dialects so the same queries run
-- on SQLite and PostgreSQL; hashes are lower-case hex SHA-256.
CREATE TABLE teams (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	policy     TEXT NOT NULL,
	etag       TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE enroll_secrets (
	id          TEXT PRIMARY KEY,
	team_id     TEXT NOT NULL REFERENCES teams(id),
	secret_hash TEXT NOT NULL UNIQUE,
	created_at  BIGINT NOT NULL,
	revoked_at  BIGINT
);
CREATE INDEX enroll_secrets_team ON enroll_secrets(team_id);

CREATE TABLE devices (
	id               TEXT PRIMARY KEY,
	team_id          TEXT NOT NULL REFERENCES teams(id),
	enroll_secret_id TEXT REFERENCES enroll_secrets(id),
	name             TEXT NOT NULL,
	token_hash       TEXT NOT NULL UNIQUE,
	agent_version    TEXT NOT NULL,
	os               TEXT NOT NULL,
	os_version       TEXT NOT NULL,
	arch             TEXT NOT NULL,
	enrolled_at      BIGINT NOT NULL,
	last_seen_at     BIGINT NOT NULL,
	revoked_at       BIGINT,
	latest_run_id    TEXT,
	latest_run_at    BIGINT,
	latest_ready     BOOLEAN
);
CREATE INDEX devices_team ON devices(team_id, id);

CREATE TABLE check_runs (
	id            TEXT PRIMARY KEY,
	device_id     TEXT NOT NULL REFERENCES devices(id),
	started_at    BIGINT NOT NULL,
	received_at   BIGINT NOT NULL,
	duration_ms   BIGINT NOT NULL,
	ready         BOOLEAN NOT NULL,
	agent_version TEXT NOT NULL
);
CREATE INDEX check_runs_device ON check_runs(device_id, started_at);

CREATE TABLE check_results (
	run_id    TEXT NOT NULL REFERENCES check_runs(id),
	device_id TEXT NOT NULL REFERENCES devices(id),
	check_id  TEXT NOT NULL,
	status    TEXT NOT NULL,
	required  BOOLEAN NOT NULL,
	at        BIGINT NOT NULL,
	summary   TEXT NOT NULL,
	reason    TEXT NOT NULL,
	facts     TEXT,
	PRIMARY KEY (run_id, check_id)
);
CREATE INDEX check_results_device ON check_results(device_id, at);
CREATE INDEX check_results_check ON check_results(check_id, status, at);

CREATE TABLE sessions (
	id               TEXT PRIMARY KEY,
	device_id        TEXT NOT NULL REFERENCES devices(id),
	session_id       TEXT NOT NULL,
	event            TEXT NOT NULL,
	at               BIGINT NOT NULL,
	received_at      BIGINT NOT NULL,
	label            TEXT NOT NULL,
	ready            BOOLEAN NOT NULL,
	not_passing      TEXT NOT NULL,
	override_reason  TEXT,
	override_checks  TEXT,
	cookies          TEXT
);
CREATE INDEX sessions_device ON sessions(device_id, at);
CREATE INDEX sessions_session ON sessions(session_id);
CREATE INDEX sessions_label ON sessions(label);

-- +goose Down
DROP TABLE sessions;
DROP TABLE check_results;
DROP TABLE check_runs;
DROP TABLE devices;
DROP TABLE enroll_secrets;
DROP TABLE teams;
