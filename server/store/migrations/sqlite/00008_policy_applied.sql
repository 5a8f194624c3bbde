-- +goose Up
-- Which team policy each device runs (issue 17): the ETag of the policy the
-- agent last confirmed it applied (its policy poll's If-None-Match, see
-- server/api) and when the server first saw that confirmation. NULL until
-- the device confirms one.
ALTER TABLE devices ADD COLUMN policy_etag TEXT;
ALTER TABLE devices ADD COLUMN policy_applied_at INTEGER;
-- The team page counts a team's devices running a version and lists those
-- not yet running it first, by name: at 100k devices in one team this
-- index, which holds every column those read, takes the page from 286 ms
-- to ~50 ms (SQLite). Ingest never changes its columns.
CREATE INDEX devices_team_policy ON devices(team_id, revoked_at, policy_etag, name, id);

-- +goose Down
DROP INDEX devices_team_policy;
ALTER TABLE devices DROP COLUMN policy_applied_at;
ALTER TABLE devices DROP COLUMN policy_etag;
