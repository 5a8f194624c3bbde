package store

import (
	"context"
	"time"
)

// FleetCounts: placeholder until the ingest work lands.
func (s *sqlStore) FleetCounts(ctx context.Context, teamID string, staleBefore time.Time) (FleetCounts, error) {
	return FleetCounts{}, errNotImplemented
}
