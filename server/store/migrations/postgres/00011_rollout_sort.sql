-- +goose Up
-- Issue 17: the team page's rollout table sorts by when each device
-- applied the policy (those not yet running it first) and pages. With
-- policy_applied_at in devices_team_policy the page is chosen from the
-- index alone, as before the sort. Ingest never changes these columns; a
-- policy confirmation (SetPoliciesApplied) sets policy_etag, already in
-- the index, and policy_applied_at together, so it rewrites the same entry.
DROP INDEX devices_team_policy;
CREATE INDEX devices_team_policy ON devices(team_id, revoked_at, policy_etag, policy_applied_at, name, id);

-- +goose Down
DROP INDEX devices_team_policy;
CREATE INDEX devices_team_policy ON devices(team_id, revoked_at, policy_etag, name, id);
