// Package privacy enforces data protection on the server: the retention
// job that deletes records older than the configured period.
//
// A purge ([PurgeOnce]) deletes check runs with their results, and session
// records, received by the server more than Days ago (default 90; the
// server's receive time, never an agent's clock), in bounded batches: each batch is
// its own short transaction (on SQLite the write lock is held for one batch
// only, and the job pauses between batches so ingest is never starved).
// Progress is recorded in the database in the same transaction as each
// batch, so a crash or a stop part way is harmless: the next purge resumes
// the unfinished one and its counts stay exact. Each device's latest check
// run is kept, however old: it is the device's current state on the
// dashboard (a device that stopped reporting shows what it last reported,
// not "never reported"), and it goes when the device is erased.
//
// Several replicas may share one PostgreSQL database: the server running a
// purge holds a lease on it, renewed by every batch, and the others skip
// their turn (store.ErrBusy) until it finishes or its lease expires (a
// crash), when one of them takes the purge over where it stopped.
//
// A purge that deleted anything writes one audit entry ("retention.purge",
// counts and cutoff only) and one log line; a purge with nothing to delete
// logs at debug level only, so the hourly job does not flood the audit log.
package privacy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// Defaults of RetentionOptions.
const (
	DefaultDays       = 90
	DefaultInterval   = time.Hour
	DefaultBatchSize  = 200
	DefaultBatchPause = 20 * time.Millisecond
	DefaultLease      = 2 * time.Minute
	// MaxDays bounds the retention period (about ten years) so a typo
	// cannot make the cutoff overflow.
	MaxDays = 3660
)

// RetentionOptions configures the retention job.
type RetentionOptions struct {
	// Days to keep reports, results and session records (default 90).
	Days int
	// Interval between purges (default 1 hour).
	Interval time.Duration
	Logger   *slog.Logger

	// BatchSize is how many check runs (and session records) one
	// transaction deletes (default 200: about 2,000 result rows, some 50 ms
	// of SQLite's write lock on the reference machine).
	BatchSize int
	// BatchPause is the pause between batches, in which other writers get
	// the database (default 20 ms; negative for none, as in benchmarks).
	BatchPause time.Duration
	// Lease is how long this server holds the purge without finishing a
	// batch before another replica may take it over (default 2 minutes).
	Lease time.Duration
	// Actor names who purges in the audit log (default "system"; the CLI
	// says "cli").
	Actor string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// ErrInvalidDays reports a retention period out of range.
var ErrInvalidDays = errors.New("retention days out of range")

func (o RetentionOptions) withDefaults() (RetentionOptions, error) {
	if o.Days == 0 {
		o.Days = DefaultDays
	}
	if o.Days < 1 || o.Days > MaxDays {
		return o, fmt.Errorf("%w: %d (use 1 to %d days)", ErrInvalidDays, o.Days, MaxDays)
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.BatchPause == 0 {
		o.BatchPause = DefaultBatchPause
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Actor == "" {
		o.Actor = "system"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

// Cutoff is the time before which records expire.
func (o RetentionOptions) Cutoff() time.Time {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	days := o.Days
	if days == 0 {
		days = DefaultDays
	}
	return now().UTC().AddDate(0, 0, -days)
}

// PurgeOnce deletes the records older than the retention period, batch by
// batch, and returns the finished purge's record. Stopped by ctx part way,
// it returns ctx's error; what it deleted stays deleted and recorded, and
// the next purge carries on.
func PurgeOnce(ctx context.Context, st store.Store, o RetentionOptions) (store.RetentionRun, error) {
	o, err := o.withDefaults()
	if err != nil {
		return store.RetentionRun{}, err
	}
	cutoff := o.Cutoff()
	run, err := st.BeginRetention(ctx, cutoff, o.Lease)
	if err != nil {
		return store.RetentionRun{}, err
	}
	if run.Resumed {
		o.Logger.Info("retention_resume", "retention_id", run.ID, "purged_runs", run.Purged.Runs,
			"purged_results", run.Purged.Results, "purged_sessions", run.Purged.Sessions)
	}
	start := time.Now()
	for {
		c, err := st.PurgeBatch(ctx, run, o.BatchSize)
		if err != nil {
			return run, release(ctx, st, run, err)
		}
		if c.Zero() {
			break
		}
		run.Purged = run.Purged.Add(c)
		if o.BatchPause > 0 {
			select {
			case <-ctx.Done():
				return run, release(ctx, st, run, ctx.Err())
			case <-time.After(o.BatchPause):
			}
		}
	}
	done, err := st.FinishRetention(ctx, run)
	if err != nil {
		return run, err
	}
	attrs := []any{"retention_id", done.ID, "cutoff", cutoff.Format(time.RFC3339), "purged_runs", done.Purged.Runs,
		"purged_results", done.Purged.Results, "purged_sessions", done.Purged.Sessions, "duration_ms", time.Since(start).Milliseconds()}
	if done.Purged.Zero() {
		o.Logger.Debug("retention_nothing_to_purge", attrs...)
		return done, nil
	}
	o.Logger.Info("retention_purged", attrs...)
	err = st.AppendAudit(ctx, store.AuditEntry{Actor: o.Actor, Action: "retention.purge",
		Detail: fmt.Sprintf("older than %s (%d days): %d check runs, %d results, %d session records deleted",
			cutoff.Format(time.RFC3339), o.Days, done.Purged.Runs, done.Purged.Results, done.Purged.Sessions)})
	if err != nil {
		return done, fmt.Errorf("auditing the retention purge: %w", err)
	}
	return done, nil
}

// release gives the purge's lease up after a stop or a failure, so the next
// purge (here or on another replica) resumes it without waiting for the
// lease to expire, and returns err.
func release(ctx context.Context, st store.Store, run store.RetentionRun, err error) error {
	if errors.Is(err, store.ErrBusy) {
		return err // the lease is someone else's now
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if rerr := st.ReleaseRetention(rctx, run); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

// RunRetention purges expired records now and then every Interval until
// ctx is done. It returns ctx.Err() when stopped. A failed purge is logged
// and tried again at the next interval; a purge another replica is running
// is left to it; an invalid Days is returned at once.
func RunRetention(ctx context.Context, st store.Store, o RetentionOptions) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	for {
		_, err := PurgeOnce(ctx, st, o)
		switch {
		case err == nil, ctx.Err() != nil:
		case errors.Is(err, store.ErrBusy):
			o.Logger.Info("retention_elsewhere", "reason", err.Error())
		default:
			o.Logger.Error("retention_failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
