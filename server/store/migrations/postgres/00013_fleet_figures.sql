-- +goose Up
-- Issue 21 item 7: the fleet's figures as last computed (one row per team,
-- '' for the whole fleet), so that the first overview after a restart
-- shows them at once (with their time) and recomputes in the background
-- instead of reading every device row first. figures is JSON
-- (store.FleetFigures); stale_after_ms is the period they were counted
-- with (figures of another period are not used).
CREATE TABLE fleet_figures (
	team_id        TEXT PRIMARY KEY,
	computed_at    BIGINT NOT NULL,
	stale_after_ms BIGINT NOT NULL,
	figures        TEXT NOT NULL
);

-- +goose Down
DROP TABLE fleet_figures;
