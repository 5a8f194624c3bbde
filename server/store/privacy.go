package store

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// PrivacyStore is the data-protection side of the store: the audit log of
// admin actions, retention, subject access export and erasure, and the
// streaming queries behind the CSV/JSON exports. Implemented by the SQL
// store in privacy_sql.go.
//
// The audit log is append-only: the store has no method to change or
// delete an entry, and the database refuses UPDATE and DELETE on the table
// (triggers, in both dialects). It is not purged by retention: it is the
// organisation's record of who exported or erased what (UK GDPR Art. 5(2),
// accountability), and it is written to hold no personal data about
// practitioners or their clients — only admin login names, opaque device
// IDs, counts and filters. An operator who must prune it does so
// deliberately in the database (dropping the trigger), never through the
// application.
//
// Exports are read a page at a time by keyset (no long-held transaction,
// memory bounded by one page), so a slow download neither grows the SQLite
// WAL without bound nor pins a PostgreSQL snapshot for long.
type PrivacyStore interface {
	// AppendAudit records one admin action. It never fails silently: an
	// action whose audit entry cannot be written should not be reported as
	// done.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// AuditLog returns audit entries, newest first (or as f.Sort says), a
	// page at a time.
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// CountAudit counts what AuditLog would list without paging.
	CountAudit(ctx context.Context, f AuditFilter) (int, error)

	// SetPractitioner sets the admin-given practitioner of a device (a
	// staff name or number; trimmed, at most 200 characters); "" clears it.
	// Subject access by practitioner finds devices by this field.
	SetPractitioner(ctx context.Context, deviceID, practitioner string) error
	// Practitioner returns a device's practitioner ("" when unset).
	Practitioner(ctx context.Context, deviceID string) (string, error)
	// PractitionerDevices lists the IDs of the devices whose practitioner
	// is exactly practitioner (after trimming), by ID.
	PractitionerDevices(ctx context.Context, practitioner string) ([]string, error)
	// SimilarPractitioners lists the practitioners stored that differ
	// from practitioner only in capitals or spaces ("jane  smith" for
	// "Jane Smith"), exact ones included, sorted: a subject access by
	// a spelling that is not stored must not read as "nothing held".
	SimilarPractitioners(ctx context.Context, practitioner string) ([]string, error)

	// ExportDevices calls fn for each device the filter selects (Since: last
	// seen since), by ID. An error from fn stops the export and is returned.
	ExportDevices(ctx context.Context, f ExportFilter, fn func(ExportDevice) error) error
	// ExportRuns calls fn for each check run (Since: started since), by
	// start time.
	ExportRuns(ctx context.Context, f ExportFilter, fn func(ExportRun) error) error
	// ExportResults calls fn for each check result (Since: of runs started
	// since), by run start time, then check ID.
	ExportResults(ctx context.Context, f ExportFilter, fn func(ExportResult) error) error
	// ExportSessions calls fn for each session record (Since: at or after),
	// by time.
	ExportSessions(ctx context.Context, f ExportFilter, fn func(ExportSession) error) error

	// EraseDevice deletes everything stored about a device: its check runs
	// and results, its session records and the device itself. It revokes
	// the device first (so it stops adding data) and deletes in batches of
	// batch runs (default 500), each its own short transaction; a crash part
	// way leaves a revoked device with less data, and erasing again
	// finishes the job. ErrNotFound when there is no such device.
	EraseDevice(ctx context.Context, deviceID string, batch int) (Erased, error)

	// BeginRetention starts a retention purge of records older than cutoff,
	// or resumes the one a crash or a stop interrupted (Resumed set, counts
	// so far kept, cutoff updated). The caller holds the purge for lease,
	// renewed by each batch; while another server's lease runs, it gets
	// ErrBusy (several replicas share one PostgreSQL database).
	BeginRetention(ctx context.Context, cutoff time.Time, lease time.Duration) (RetentionRun, error)
	// PurgeBatch deletes, in one transaction, up to limit check runs (with
	// their results) started before the run's cutoff and up to limit
	// session records from before it, adds what it deleted to the run's
	// counts and renews the lease, all in the same transaction. Each
	// device's latest run is kept. A zero PurgeCounts means nothing is left
	// to purge. ErrBusy (nothing deleted) when the lease was lost to another
	// server.
	PurgeBatch(ctx context.Context, run RetentionRun, limit int) (PurgeCounts, error)
	// FinishRetention marks a retention run finished and returns it
	// (ErrBusy when the lease was lost).
	FinishRetention(ctx context.Context, run RetentionRun) (RetentionRun, error)
	// ReleaseRetention gives up the lease of an unfinished run (a stop), so
	// the next purge, here or on another server, resumes it at once.
	ReleaseRetention(ctx context.Context, run RetentionRun) error
}

// AuditEntry is one admin action.
type AuditEntry struct {
	ID int64
	At time.Time
	// Actor is the admin's login name, or "cli" / "system" (retention job).
	Actor string
	// Action is a short verb phrase: "login", "login_failed",
	// "policy.update", "enroll_secret.create", "device.revoke",
	// "export.devices", "subject.export", "subject.erase", "retention.purge"…
	Action string
	// Target is what the action was on (team, device or secret ID), if any.
	Target string
	// Detail is a short free text (never a secret or a password). Longer
	// than MaxAuditDetail bytes, it is cut.
	Detail string
}

// Audit entry limits: AppendAudit refuses an empty actor or action and
// longer actor, action or target fields (ErrInvalid), and cuts a longer
// detail.
const (
	MaxAuditField  = 200
	MaxAuditDetail = 1000
)

// AuditFilter selects a page of the audit log.
type AuditFilter struct {
	// BeforeID continues after the last entry of the previous page.
	BeforeID int64
	// Limit caps the page (default 100, at most 1000).
	Limit int
	// Target limits to entries about one team, device or secret when set.
	Target string
	// Sort is AuditSortID ("", by time), AuditSortActor or AuditSortAction;
	// Ascending turns the default newest-first (Z-to-A) order round.
	Sort      string
	Ascending bool
	// After and Before are keyset cursors as in DeviceQuery (Value: the
	// entry's ID for AuditSortID, else its actor or action).
	After, Before *Cursor
}

// Audit log sort orders (AuditFilter.Sort).
const (
	AuditSortID     = ""
	AuditSortActor  = "actor"
	AuditSortAction = "action"
)

// AuditCursor is the cursor of an entry in a sort order.
func AuditCursor(sort string, e AuditEntry) Cursor {
	c := Cursor{ID: strconv.FormatInt(e.ID, 10)}
	switch sort {
	case AuditSortActor:
		c.Value = e.Actor
	case AuditSortAction:
		c.Value = e.Action
	default:
		c.Value = c.ID
	}
	return c
}

// MaxPractitioner is the longest practitioner a device may carry, in
// characters.
const MaxPractitioner = 200

// ExportFilter selects what an export reads. Zero fields select all.
type ExportFilter struct {
	TeamID   string
	DeviceID string
	// Since: see each Export method for the time it applies to.
	Since time.Time
	// PageSize is how many rows one query reads (default 500, at most
	// 5000).
	PageSize int
}

// ExportDevice is a device with what the export adds.
type ExportDevice struct {
	Device
	TeamName     string
	Practitioner string
}

// ExportRun is one stored check run.
type ExportRun struct {
	ID           string
	DeviceID     string
	DeviceName   string
	TeamID       string
	TeamName     string
	StartedAt    time.Time
	ReceivedAt   time.Time
	DurationMS   int64
	Ready        bool
	AgentVersion string
}

// ExportResult is one check result with its device and team.
type ExportResult struct {
	Result
	DeviceName string
	TeamID     string
	TeamName   string
}

// ExportSession is one session record with its device and team.
type ExportSession struct {
	Session
	DeviceName string
	TeamID     string
	TeamName   string
}

// Erased counts what EraseDevice deleted.
type Erased struct {
	Runs, Results, Sessions int64
}

// PurgeCounts counts what retention deleted.
type PurgeCounts struct {
	Runs, Results, Sessions int64
}

// Zero reports whether nothing was deleted.
func (c PurgeCounts) Zero() bool { return c == PurgeCounts{} }

// Add returns the sum of two counts.
func (c PurgeCounts) Add(o PurgeCounts) PurgeCounts {
	return PurgeCounts{Runs: c.Runs + o.Runs, Results: c.Results + o.Results, Sessions: c.Sessions + o.Sessions}
}

// RetentionRun is the recorded progress of one retention purge.
type RetentionRun struct {
	ID         int64
	StartedAt  time.Time
	Cutoff     time.Time
	FinishedAt *time.Time
	// Purged is what this purge deleted so far (committed batches only).
	Purged PurgeCounts
	// Resumed: BeginRetention found this run unfinished (a crash or a stop
	// part way) and continues it.
	Resumed bool

	// owner and lease identify the holder of the purge (set by
	// BeginRetention only).
	owner string
	lease time.Duration
}

// ErrBusy: another server holds the retention purge.
var ErrBusy = errors.New("another server is running the retention purge")
