-- +goose Up
-- Which team policy each device runs (issue 17): the ETag of the policy the
-- agent last confirmed it applied (its policy poll's If-None-Match, see
-- server/api) and when the server first saw that confirmation. NULL until
-- the device confirms one.
ALTER TABLE devices ADD COLUMN policy_etag TEXT;
ALTER TABLE devices ADD COLUMN policy_applied_at INTEGER;

-- +goose Down
ALTER TABLE devices DROP COLUMN policy_applied_at;
ALTER TABLE devices DROP COLUMN policy_etag;
