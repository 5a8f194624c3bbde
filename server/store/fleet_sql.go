package store

import (
	"context"
	"fmt"
	"time"
)

// FleetCounts counts the devices that are not revoked in one pass over the
// devices table (its latest_* columns carry each device's state, so no
// join or aggregation over reports is needed).
func (s *sqlStore) FleetCounts(ctx context.Context, teamID string, staleBefore time.Time) (FleetCounts, error) {
	query := `SELECT COUNT(*),
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
	var c FleetCounts
	var notReadyPlusReady int
	if err := s.db.QueryRowContext(ctx, s.q(query), args...).Scan(&c.Total, &c.NeverReported, &c.Stale, &c.Ready); err != nil {
		return FleetCounts{}, fmt.Errorf("counting devices: %w", err)
	}
	notReadyPlusReady = c.Total - c.NeverReported - c.Stale
	c.NotReady = notReadyPlusReady - c.Ready
	return c, nil
}
