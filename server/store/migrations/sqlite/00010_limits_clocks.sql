-- +goose Up
-- Issue 16, items 9 and 10.
-- Enrol secrets may be limited: max_uses devices at most (NULL: no limit),
-- uses counts the enrolments so far, expires_at ends it (NULL: never).
ALTER TABLE enroll_secrets ADD COLUMN max_uses INTEGER;
ALTER TABLE enroll_secrets ADD COLUMN uses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enroll_secrets ADD COLUMN expires_at INTEGER;
-- How far ahead of the server's clock the device's last report was dated
-- (milliseconds; 0 when not ahead, NULL before the first report since
-- this migration). Agents' clocks are not trusted: the server orders and
-- keeps records by its own receive time, and flags the device.
ALTER TABLE devices ADD COLUMN clock_ahead_ms INTEGER;
-- Retention deletes by the server's receive time.
CREATE INDEX check_runs_received ON check_runs(received_at, id);
CREATE INDEX sessions_received ON sessions(received_at, id);

-- +goose Down
DROP INDEX sessions_received;
DROP INDEX check_runs_received;
ALTER TABLE devices DROP COLUMN clock_ahead_ms;
ALTER TABLE enroll_secrets DROP COLUMN expires_at;
ALTER TABLE enroll_secrets DROP COLUMN uses;
ALTER TABLE enroll_secrets DROP COLUMN max_uses;
