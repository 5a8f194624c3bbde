package store

import (
	"context"
	"strconv"
	"time"

	"github.com/sessionguard/sessionguard/checks"
)

// AdminStore is what the dashboard needs beyond the agent API: admin
// accounts and their login sessions, and the fleet queries behind the
// overview, device, check and session pages. Owned by the dashboard
// (server/web); implemented by the SQL store in admin_sql.go.
//
// Every fleet query is bounded (a page, a fixed set of checks, a window of
// snapshots) and served by an index, so the dashboard stays fast at 100k
// devices.
type AdminStore interface {
	// CreateAdmin adds an admin account with an encoded password hash
	// (server/web/password). ErrConflict when the name is taken.
	CreateAdmin(ctx context.Context, name, passwordHash string) (Admin, error)
	// Admin returns one account, disabled or not; ErrNotFound when unknown.
	Admin(ctx context.Context, name string) (Admin, error)
	// Admins lists every account by name.
	Admins(ctx context.Context) ([]Admin, error)
	// SetAdminPassword replaces an account's password hash and ends its
	// login sessions.
	SetAdminPassword(ctx context.Context, name, passwordHash string) error
	// DisableAdmin stops an account signing in and ends its login sessions.
	DisableAdmin(ctx context.Context, name string) error
	// EnableAdmin lets a disabled account sign in again (with its
	// password as it is; an enabled one is left as it is).
	EnableAdmin(ctx context.Context, name string) error
	// SetAdminTimeZone sets the IANA time zone the dashboard shows the
	// admin's times in (the caller validates it against the tz database).
	SetAdminTimeZone(ctx context.Context, name, zone string) error

	// CreateAdminSession starts a login session for an enabled admin and
	// returns it with its token's plain text (the cookie value; only its
	// hash is stored). It records the login time on the account.
	CreateAdminSession(ctx context.Context, admin string, expiresAt time.Time) (AdminSession, string, error)
	// AdminSessionByToken finds a login session by its token. ErrUnauthorized
	// when the token is unknown or the account is disabled; expiry is the
	// caller's to judge (it holds the clock).
	AdminSessionByToken(ctx context.Context, token string) (AdminSession, error)
	// TouchAdminSession records activity on a session (idle timeout).
	TouchAdminSession(ctx context.Context, token string, at time.Time) error
	// DeleteAdminSession ends a session (logout); unknown tokens are fine.
	DeleteAdminSession(ctx context.Context, token string) error
	// DeleteExpiredAdminSessions removes sessions that expired or have been
	// idle since before idleBefore, and says how many.
	DeleteExpiredAdminSessions(ctx context.Context, now, idleBefore time.Time) (int, error)

	// SearchDevices is the filtered, sorted, keyset-paginated device list.
	SearchDevices(ctx context.Context, q DeviceQuery) ([]Device, error)
	// CountDevices counts what SearchDevices would list without paging.
	CountDevices(ctx context.Context, q DeviceQuery) (int, error)
	// CheckCompliance counts, per check, the statuses in the latest check
	// run of every device that is neither revoked nor stale (for one team,
	// or all when teamID is empty), in check ID order.
	CheckCompliance(ctx context.Context, teamID string, staleBefore time.Time) ([]CheckCompliance, error)
	// FleetSummary is FleetCounts and CheckCompliance together, read in one
	// pass over the devices (what the dashboard's overview shows).
	FleetSummary(ctx context.Context, teamID string, staleBefore time.Time) (FleetCounts, []CheckCompliance, error)
	// DeviceRuns is a page of a device's check-run history, newest first
	// unless the query says otherwise.
	DeviceRuns(ctx context.Context, q RunQuery) ([]CheckRunSummary, error)
	// CountRuns counts a device's check runs.
	CountRuns(ctx context.Context, deviceID string) (int, error)
	// SearchSessions is the session audit trail across devices, newest
	// first, filtered and keyset-paginated.
	SearchSessions(ctx context.Context, q SessionQuery) ([]Session, error)
	// CountSessions counts what SearchSessions would list without paging.
	CountSessions(ctx context.Context, q SessionQuery) (int, error)
	// SessionFollowUps returns the end and cookies records of the given
	// sessions (by the agents' session IDs), oldest first: with the start
	// records a page lists, one row per session.
	SessionFollowUps(ctx context.Context, sessionIDs []string) ([]Session, error)

	// RecordFleetSnapshot stores the fleet counts for an hour (the hour
	// containing at, per team; teamID empty for the whole fleet), replacing
	// an earlier snapshot of the same hour. The overview's trend chart is
	// drawn from these.
	RecordFleetSnapshot(ctx context.Context, teamID string, at time.Time, c FleetCounts) error
	// FleetSnapshots returns the snapshots since a time, oldest first.
	FleetSnapshots(ctx context.Context, teamID string, since time.Time) ([]FleetSnapshot, error)
	// SaveFleetFigures keeps a team's figures as last computed (teamID
	// empty for the whole fleet), replacing the previous ones.
	SaveFleetFigures(ctx context.Context, teamID string, f FleetFigures) error
	// FleetFigures returns the figures SaveFleetFigures last kept for a
	// team; ErrNotFound when there are none.
	FleetFigures(ctx context.Context, teamID string) (FleetFigures, error)
}

// FleetFigures is FleetSummary's answer as computed at a time, with the
// period after which a device counted as stale.
type FleetFigures struct {
	At         time.Time
	StaleAfter time.Duration
	Counts     FleetCounts
	Compliance []CheckCompliance
}

// Admin is a dashboard account.
type Admin struct {
	Name string
	// PasswordHash is the PHC-style encoded argon2id hash.
	PasswordHash string
	CreatedAt    time.Time
	DisabledAt   *time.Time
	LastLoginAt  *time.Time
	// TimeZone is the IANA zone the dashboard shows times in
	// (DefaultTimeZone unless the admin chose another).
	TimeZone string
}

// DefaultTimeZone is an admin's time zone until they choose one.
const DefaultTimeZone = "Europe/London"

// Disabled reports whether the account was disabled.
func (a Admin) Disabled() bool { return a.DisabledAt != nil }

// AdminSession is one admin login.
type AdminSession struct {
	// ID is a non-secret identifier of the session (for logs).
	ID         string
	Admin      string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// TimeZone is the admin's (Admin.TimeZone).
	TimeZone string
}

// Device states, as the dashboard filters them.
const (
	StateReady         = "ready"
	StateNotReady      = "not_ready"
	StateStale         = "stale"
	StateNeverReported = "never_reported"
	StateRevoked       = "revoked"
)

// DeviceQuery selects a page of devices for the dashboard. Revoked devices
// are left out unless State is StateRevoked.
type DeviceQuery struct {
	TeamID string
	// State is one of the State constants, or empty for every enrolled
	// device.
	State string
	// StaleBefore: a device whose latest check run arrived before this is
	// stale (the rule of FleetCounts and DeviceState).
	StaleBefore time.Time
	// ManyStale says, with State StateStale, that the caller expects at
	// least ManyStale devices (of the team) to be stale, as the dashboard's
	// cached fleet figures say. It only picks how the stale devices are
	// found (walking the fleet in the page's order, or one scan for them
	// all first); the devices listed are the same either way.
	ManyStale bool
	// FailingCheck keeps devices whose latest run has this check failing or
	// unknown, or leaves it out while their team requires it (counted
	// unknown in the fleet figures).
	FailingCheck string
	// NameContains is a case-insensitive substring of the device name.
	NameContains string
	// SystemContains is a case-insensitive substring of the device's
	// system as its agent last reported it: OS, version with build, and
	// architecture ("windows 10", "19045", "debian 12", "arm64"), so the
	// machines on an old build can be found.
	SystemContains string
	// AfterID continues after the last device of the previous page (in ID
	// order; see Sort and After for the other orders).
	AfterID string
	// Sort is the order: one of the DeviceSort constants ("" is by ID).
	// Desc reverses it. Ties are broken by ID, in the same direction.
	Sort string
	Desc bool
	// After continues after this row (the next page); Before lists the
	// rows just before it (the previous page), still in the page's order.
	// Cursor.Value is the row's sort value (team sort: its team ID; time
	// sorts: Unix microseconds), as DeviceQuery.Cursor gives it.
	After, Before *Cursor
	// Limit caps the page (default 50, at most 500).
	Limit int
	// CountCap makes CountDevices stop at this many (0: count them all):
	// a total of 100k rows costs a scan, "more than 1000" does not.
	CountCap int
	// Found, when set, keeps the devices the filters' own scans find
	// (the stale ones, those whose name or system holds the search) for
	// the queries that share it: a page and then its count scan once.
	// Share one only between queries of one request (a device found
	// stale is still tested again, but one gone stale since is not
	// seen).
	Found *FoundDevices
}

// FoundDevices keeps what the device filters' scans found, for
// DeviceQuery.Found. Its zero value is empty; it is not safe for
// concurrent use.
type FoundDevices struct {
	scans map[string]foundScan
}

type foundScan struct {
	ids []any
	all bool
}

// Device sort orders (DeviceQuery.Sort).
const (
	DeviceSortID       = ""
	DeviceSortName     = "name"
	DeviceSortTeam     = "team"
	DeviceSortSystem   = "system"
	DeviceSortAgent    = "agent"
	DeviceSortLastSeen = "last_seen"
	// DeviceSortState: worst first (not ready, stale, never reported,
	// ready, revoked), then by name; needs StaleBefore.
	DeviceSortState = "state"
)

// Cursor is where a keyset page starts: the sort value and the ID of a row.
type Cursor struct {
	Value string
	ID    string
}

// Cursor is the cursor of a device row in the query's sort order.
func (q DeviceQuery) Cursor(d Device) Cursor {
	switch q.Sort {
	case DeviceSortName:
		return keyCursor(d.ID, d.Name)
	case DeviceSortTeam:
		return keyCursor(d.ID, d.TeamID)
	case DeviceSortSystem:
		return keyCursor(d.ID, d.OS)
	case DeviceSortAgent:
		return keyCursor(d.ID, d.AgentVersion)
	case DeviceSortLastSeen:
		return keyCursor(d.ID, strconv.FormatInt(toMicros(d.LastSeenAt), 10))
	case DeviceSortState:
		return keyCursor(d.ID, strconv.Itoa(stateRank[DeviceState(d, q.StaleBefore)]), d.Name)
	}
	return keyCursor(d.ID, d.ID)
}

// DeviceState is the state a device is in (a State constant): a device
// whose latest check run arrived before staleBefore is stale, however
// recently it sent anything else (session records keep arriving from a
// device whose checks stopped: its readiness is then old news).
func DeviceState(d Device, staleBefore time.Time) string {
	switch {
	case d.Revoked():
		return StateRevoked
	case d.LatestRunAt == nil:
		return StateNeverReported
	case d.LatestRunAt.Before(staleBefore):
		return StateStale
	case d.LatestReady != nil && *d.LatestReady:
		return StateReady
	}
	return StateNotReady
}

// stateRank orders the states for DeviceSortState, worst first
// (stateRankSQL computes the same in the database).
var stateRank = map[string]int{StateNotReady: 0, StateStale: 1, StateNeverReported: 2, StateReady: 3, StateRevoked: 4}

// CheckCompliance is one check's status counts across the fleet.
type CheckCompliance struct {
	CheckID string
	Counts  map[checks.Status]int
}

// Total is the number of devices with a result for the check.
func (c CheckCompliance) Total() int {
	n := 0
	for _, v := range c.Counts {
		n += v
	}
	return n
}

// CheckRunSummary is one stored check run without its results.
type CheckRunSummary struct {
	ID         string
	StartedAt  time.Time
	ReceivedAt time.Time
	DurationMS int64
	Ready      bool
	// NotPassing are the checks that were fail or unknown.
	NotPassing []string
}

// RunQuery selects a page of a device's check runs.
type RunQuery struct {
	DeviceID string
	// Sort is RunSortStarted (default), RunSortReady or RunSortTook,
	// ascending (oldest, not ready, shortest first) unless Desc.
	Sort string
	Desc bool
	// After/Before continue from a row's RunCursor (next/previous page).
	After, Before *Cursor
	Limit         int
}

// Check-run sort orders (RunQuery.Sort), each then by start time.
const (
	RunSortStarted = ""
	RunSortReady   = "ready"
	RunSortTook    = "took"
)

// RunCursor is the page cursor of a run in the sort order.
func RunCursor(sort string, r CheckRunSummary) Cursor {
	at := strconv.FormatInt(toMicros(r.StartedAt), 10)
	switch sort {
	case RunSortReady:
		return keyCursor(r.ID, map[bool]string{false: "0", true: "1"}[r.Ready], at)
	case RunSortTook:
		return keyCursor(r.ID, strconv.FormatInt(r.DurationMS, 10), at)
	}
	return keyCursor(r.ID, at)
}

// SessionQuery selects a page of the session audit trail.
type SessionQuery struct {
	TeamID   string
	DeviceID string
	// Label is an exact pseudonymous label.
	Label string
	// OverridesOnly keeps sessions started despite failing checks.
	OverridesOnly bool
	// Since and Until bound the session time (zero: unbounded).
	Since, Until time.Time
	// Before continues after the last record of the previous page: its At
	// and ID (newest first only; After and Before below are the general
	// form).
	BeforeAt time.Time
	BeforeID string
	// StartsOnly keeps start records only (the dashboard's one row per
	// session; SessionFollowUps gives the rest).
	StartsOnly bool
	// Sort is SessionSortAt ("", by time) or SessionSortLabel; Ascending
	// turns the default newest-first (or Z-to-A) order round.
	Sort      string
	Ascending bool
	// After and Before are keyset cursors as in DeviceQuery (Value: Unix
	// microseconds for SessionSortAt, the label for SessionSortLabel).
	After, Before *Cursor
	// Limit caps the page (default 50, at most 500).
	Limit int
	// CountCap makes CountSessions stop at this many (0: count them all).
	CountCap int
}

// Session sort orders (SessionQuery.Sort).
const (
	SessionSortAt    = ""
	SessionSortLabel = "label"
	// SessionSortDevice: by device name, each device's sessions by time
	// (Session.DeviceName is set).
	SessionSortDevice = "device"
)

// SessionCursor is the cursor of a session record in a sort order.
func SessionCursor(sort string, x Session) Cursor {
	at := strconv.FormatInt(toMicros(x.At), 10)
	switch sort {
	case SessionSortLabel:
		return keyCursor(x.ID, x.Label)
	case SessionSortDevice:
		return keyCursor(x.ID, x.DeviceName, x.DeviceID, at)
	}
	return keyCursor(x.ID, at)
}

// FleetSnapshot is the fleet counts of one hour.
type FleetSnapshot struct {
	Hour time.Time
	FleetCounts
}
