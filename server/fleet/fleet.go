// Package fleet is the server's figures of the whole fleet: the device
// counts and per-check compliance the dashboard shows, computed at most
// once a minute per team and renewed in the background (Cache), and the
// hourly snapshots behind the overview's trend chart (RunSnapshots, which
// the server runs as a background job, and Throttle, which the overview
// uses to record one while it is looked at).
//
// It reads and writes only through the store; the dashboard (server/web)
// consumes it.
package fleet

import (
	"context"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// DefaultStaleAfter is how long without a report makes a device "stale"
// when the caller gives no period.
const DefaultStaleAfter = 24 * time.Hour

// Store is what the package needs of store.Store.
type Store interface {
	Teams(ctx context.Context) ([]store.Team, error)
	FleetCounts(ctx context.Context, teamID string, staleBefore time.Time) (store.FleetCounts, error)
	FleetSummary(ctx context.Context, teamID string, staleBefore time.Time) (store.FleetCounts, []store.CheckCompliance, error)
	RecordFleetSnapshot(ctx context.Context, teamID string, at time.Time, c store.FleetCounts) error
	SaveFleetFigures(ctx context.Context, teamID string, f store.FleetFigures) error
	FleetFigures(ctx context.Context, teamID string) (store.FleetFigures, error)
}
