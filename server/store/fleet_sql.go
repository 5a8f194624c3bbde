package store

import (
	"context"
	"fmt"
	"time"
)

// fleetQuery selects lead (with a trailing comma, or "") and the device
// sums by state — total, never reported, stale, ready: the rule of
// FleetCounts — over the devices that are not revoked, of one team or all,
// then tail (a GROUP BY). Both fleet queries use it.
func fleetQuery(lead, teamID string, staleBefore time.Time, tail string) (string, []any) {
	query := `SELECT ` + lead + ` COUNT(*),
		COALESCE(SUM(CASE WHEN latest_run_at IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN latest_run_at IS NOT NULL AND last_seen_at < ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN latest_run_at IS NOT NULL AND last_seen_at >= ? AND latest_ready THEN 1 ELSE 0 END), 0)
		FROM devices WHERE revoked_at IS NULL`
	stale := toMicros(staleBefore)
	args := []any{stale, stale}
	if teamID != "" {
		query += ` AND team_id = ?`
		args = append(args, teamID)
	}
	return query + tail, args
}

// add counts a group of devices with fleetQuery's sums; the devices that
// reported recently and are not ready are the rest.
func (c *FleetCounts) add(total, never, stale, ready int) {
	c.Total += total
	c.NeverReported += never
	c.Stale += stale
	c.Ready += ready
	c.NotReady += total - never - stale - ready
}

// FleetCounts counts the devices that are not revoked in one pass over the
// devices table (its latest_* columns carry each device's state, so no
// join or aggregation over reports is needed).
func (s *sqlStore) FleetCounts(ctx context.Context, teamID string, staleBefore time.Time) (FleetCounts, error) {
	query, args := fleetQuery("", teamID, staleBefore, "")
	var c FleetCounts
	var total, never, stale, ready int
	if err := s.db.QueryRowContext(ctx, s.q(query), args...).Scan(&total, &never, &stale, &ready); err != nil {
		return FleetCounts{}, fmt.Errorf("counting devices: %w", err)
	}
	c.add(total, never, stale, ready)
	return c, nil
}
