// Package store is the server's storage layer: teams and their policies,
// enrol secrets, devices, check-run reports and session records.
//
// One interface, [Store], has two back ends behind [Open]:
//
//   - SQLite (modernc.org/sqlite, pure Go) with "sqlite:/path/to/db.sqlite",
//     the zero-set-up default, opened in WAL mode with a busy timeout and
//     foreign keys on;
//   - PostgreSQL (github.com/jackc/pgx/v5/stdlib) with "postgres://…" or
//     "postgresql://…", so several stateless server replicas can share one
//     database.
//
// Both run the same parameterised SQL (written with ? placeholders and
// rebound to $n for PostgreSQL) and carry their own embedded goose
// migrations, applied by [Store.Migrate]. Times are stored as Unix
// microseconds in UTC in both dialects.
//
// Secrets never rest in plain text: enrol secrets and device tokens are
// 256-bit random values, and only their SHA-256 is stored (a slow hash adds
// nothing for high-entropy secrets). The plain text is returned once, at
// creation.
//
// Reports are idempotent by envelope ID: saving the same envelope twice
// stores it once and reports the second save as a duplicate. Each check run
// is one row with its results in one column (see runresults.go: one random
// page written per run instead of one per result at 100k devices); each
// device row carries its latest run's readiness and statuses (see
// statuses.go) so the fleet figures read the device rows alone.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/report"
)

// Errors callers branch on.
var (
	// ErrNotFound: no such team, device or secret.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized: an unknown or revoked device token (HTTP 401).
	ErrUnauthorized = errors.New("unknown or revoked device token")
	// ErrInvalidSecret: an unknown or revoked enrol secret.
	ErrInvalidSecret = errors.New("unknown or revoked enrol secret")
	// ErrConflict: an If-Match ETag that no longer matches, or a name taken.
	ErrConflict = errors.New("conflict")
	// ErrInvalid: an argument the store refuses (wrong envelope kind, bad JSON).
	ErrInvalid = errors.New("invalid argument")
)

// Store is the server's storage. Implementations are safe for concurrent use.
type Store interface {
	// AdminStore: admin accounts and fleet queries for the dashboard.
	AdminStore
	// PrivacyStore: audit log, retention, subject access, exports.
	PrivacyStore

	// Migrate brings the schema up to date; running it again is a no-op.
	Migrate(ctx context.Context) error
	// Close releases the database.
	Close() error
	// Ping reports whether the database answers (the server's /readyz).
	Ping(ctx context.Context) error

	// CreateTeam adds a team with its policy (JSON).
	CreateTeam(ctx context.Context, name string, policy json.RawMessage) (Team, error)
	// Team returns one team.
	Team(ctx context.Context, id string) (Team, error)
	// Teams lists teams by name.
	Teams(ctx context.Context) ([]Team, error)
	// SetTeamPolicy replaces a team's policy. When ifMatch is not empty it
	// must equal the current ETag, or ErrConflict is returned.
	SetTeamPolicy(ctx context.Context, teamID string, policy json.RawMessage, ifMatch string) (Team, error)

	// CreateEnrollSecret makes a new enrol secret for a team and returns its
	// plain text (shown once; only its hash is stored) and its ID.
	CreateEnrollSecret(ctx context.Context, teamID string) (plaintext, id string, err error)
	// CreateLimitedEnrollSecret is CreateEnrollSecret with a use count
	// and an expiry (either may be zero: no limit).
	CreateLimitedEnrollSecret(ctx context.Context, teamID string, limits SecretLimits) (plaintext, id string, err error)
	// EnrollSecretByPlaintext looks a secret up; revoked secrets are returned
	// with RevokedAt set. Unknown secrets give ErrNotFound.
	EnrollSecretByPlaintext(ctx context.Context, plaintext string) (EnrollSecret, error)
	// RevokeEnrollSecret stops a secret enrolling further devices.
	RevokeEnrollSecret(ctx context.Context, id string) error
	// EnrollSecrets lists a team's secrets (all teams when teamID is empty),
	// newest first.
	EnrollSecrets(ctx context.Context, teamID string) ([]EnrollSecret, error)

	// EnrollDevice exchanges a valid enrol secret for a new device in the
	// secret's team, in one transaction, and returns the device token's plain
	// text (only its hash is stored). ErrInvalidSecret when the secret is
	// unknown, revoked, expired or used up (each enrolment uses it once,
	// counted in the same transaction, so parallel enrolments never exceed
	// its limit).
	EnrollDevice(ctx context.Context, secret, name string, agent report.Agent) (deviceID, token string, err error)
	// DeviceByToken authenticates a device token: ErrUnauthorized when it is
	// unknown or the device is revoked.
	DeviceByToken(ctx context.Context, token string) (Device, error)
	// TokenOwner authenticates a device token by its SHA-256: the ID and
	// team of the device that is not revoked and holds it, in one lookup by
	// the unique index on devices.token_hash (never a scan: an unknown
	// token costs that one lookup), or ErrUnauthorized.
	TokenOwner(ctx context.Context, tokenHash [32]byte) (deviceID, teamID string, err error)
	// TokenOwners is TokenOwner for several tokens in one query (the API
	// coalesces the look-ups that arrive together): holders[i] is the
	// device holding hashes[i], or the zero TokenHolder when that token is
	// unknown or its device revoked. An error is the query's.
	TokenOwners(ctx context.Context, hashes [][32]byte) (holders []TokenHolder, err error)
	// Device returns one device, revoked or not.
	Device(ctx context.Context, id string) (Device, error)
	// RevokeDevice makes the device's token refused from now on.
	RevokeDevice(ctx context.Context, id string) error
	// Devices lists devices with their latest readiness, by ID, a page at a
	// time.
	Devices(ctx context.Context, f DeviceFilter) ([]Device, error)
	// SetPoliciesApplied records, in one transaction, that devices run the
	// policy versions given. A confirmation of the ETag a device has
	// already changes nothing (the time stays that of the first one);
	// unknown devices are skipped. ErrInvalid for an empty or over-long
	// ETag (nothing is recorded then).
	SetPoliciesApplied(ctx context.Context, applied []PolicyApplied) error
	// PolicyRollout counts a team's devices (not revoked) and those that
	// confirmed the policy with the query's ETag, and lists a sorted,
	// keyset-paged page of them (by default those not yet running it
	// first).
	PolicyRollout(ctx context.Context, q RolloutQuery) (PolicyRollout, error)

	// SaveReport stores a check-run envelope from a device; duplicate is true
	// (and nothing changes) when the envelope ID was stored before.
	SaveReport(ctx context.Context, deviceID string, env report.Envelope) (duplicate bool, err error)
	// SaveReports stores several check-run envelopes in one transaction
	// (group commit: the ingest path's way to amortise a commit over many
	// reports) and says which were duplicates. Either all are stored or,
	// on error, none.
	SaveReports(ctx context.Context, batch []DeviceReport) (duplicates []bool, err error)
	// SaveReportsUnsynced is SaveReports whose commit may not be on disk
	// yet, and whose batch may hold session envelopes too (the group
	// commit takes both kinds: each is stored as SaveReport or SaveSession
	// would store it, in the one transaction).
	//
	// Unsynced means the commit may not be on disk
	// yet: the batch is durable once a SyncReports that began after it
	// returned has returned without error. The group-commit writer uses
	// the pair to flush one commit to disk while it builds the next, and
	// one flush covers every commit before it. (SQLite: the commit skips
	// its fsync and SyncReports fsyncs the WAL; PostgreSQL's commit is
	// durable already and SyncReports does nothing.)
	SaveReportsUnsynced(ctx context.Context, batch []DeviceReport) (duplicates []bool, err error)
	// SyncReports makes every SaveReportsUnsynced commit that returned
	// before it durable.
	SyncReports(ctx context.Context) error
	// SaveSession stores a session envelope, idempotent the same way.
	SaveSession(ctx context.Context, deviceID string, env report.Envelope) (duplicate bool, err error)
	// LatestResults returns the results of the device's latest check run
	// (none when it never reported), in check ID order.
	LatestResults(ctx context.Context, deviceID string) ([]Result, error)
	// Sessions returns a device's session records, newest first.
	Sessions(ctx context.Context, deviceID string, limit int) ([]Session, error)
	// FleetCounts counts devices by state (for the overview and /metrics),
	// for one team or all (teamID empty). A device is stale when its last
	// report is before staleBefore; stale devices are counted as stale only,
	// not as ready or not ready.
	FleetCounts(ctx context.Context, teamID string, staleBefore time.Time) (FleetCounts, error)
}

// FleetCounts is the number of (not revoked) devices in each state.
type FleetCounts struct {
	Total int
	// Ready and NotReady: by the latest check run, reported since
	// staleBefore.
	Ready, NotReady int
	// Stale: reported, but no check run since staleBefore (whatever
	// else it sent since).
	Stale int
	// NeverReported: enrolled but no check run yet.
	NeverReported int
}

// PolicyApplied is a device's confirmation that it applied a team policy
// version (the policy's ETag, unquoted) at a time.
type PolicyApplied struct {
	DeviceID string
	ETag     string
	At       time.Time
}

// RolloutQuery selects a page of a team's devices for its policy version.
type RolloutQuery struct {
	TeamID string
	// ETag is the policy version (unquoted).
	ETag string
	// Sort is RolloutSortApplied ("") or RolloutSortName; Desc reverses
	// it. After and Before are keyset cursors as in DeviceQuery (see
	// RolloutQuery.Cursor).
	Sort          string
	Desc          bool
	After, Before *Cursor
	// Limit caps the page (default 50, at most 500).
	Limit int
}

// Rollout sort orders (RolloutQuery.Sort).
const (
	// RolloutSortApplied: devices not running the version first (by
	// name), then by when they applied it, earliest first.
	RolloutSortApplied = ""
	RolloutSortName    = "name"
)

// Cursor is the cursor of a device row in the query's order.
func (q RolloutQuery) Cursor(d Device) Cursor {
	if q.Sort == RolloutSortName {
		return keyCursor(d.ID, d.Name)
	}
	rank := int64(0)
	if d.PolicyETag == q.ETag {
		rank = 1
		if d.PolicyAppliedAt != nil {
			rank = toMicros(*d.PolicyAppliedAt)
		}
	}
	return keyCursor(d.ID, strconv.FormatInt(rank, 10), d.Name)
}

// PolicyRollout is how far a team's policy version has reached.
type PolicyRollout struct {
	Total, Applied int
	// Devices: the page asked for.
	Devices []Device
}

// DeviceReport is one envelope from one device, for SaveReports.
type DeviceReport struct {
	DeviceID string
	Envelope report.Envelope
	// Run, when not nil, is PrepareRun(Envelope.CheckRun), made before the
	// report is queued: the API prepares each report on its request's
	// goroutine, so the group commit's single writer does not. Nil: the
	// store prepares the run itself.
	Run *PreparedRun
}

// PreparedRun is what storing a check run derives from it without the
// database: the stored results text, the device's latest statuses, the
// checks it does not pass and whether it is ready. Make one with
// PrepareRunFor (or PrepareRun).
type PreparedRun struct {
	results  string // check_runs.results
	statuses string // devices.latest_statuses
	// notPassing: the check IDs of devices_not_passing (fail or unknown,
	// and with PrepareRunFor a required check the run left out).
	notPassing []string
	// ready is devices.latest_ready: the server's judgement (check_runs.ready
	// keeps the agent's own flag).
	ready bool
}

// PrepareRunFor prepares a check run for SaveReports (see
// DeviceReport.Run), judging its readiness against the device's team
// policy, which requires the checks required (see ReadyAgainst): the
// dashboard and the exports show the server's judgement, not the
// agent's, which an older, misconfigured or modified agent may get wrong.
// It fails with ErrInvalid, as SaveReports would, when the run holds the
// same check twice or facts that are not JSON.
func PrepareRunFor(run *report.CheckRun, required []string) (*PreparedRun, error) {
	prep, err := prepareResults(run)
	if err != nil {
		return nil, err
	}
	prep.ready = ReadyAgainst(run.Results, required)
	prep.notPassing = append(prep.notPassing, unreportedChecks(run.Results, required)...)
	return prep, nil
}

// PrepareRun prepares a check run without its team's policy: it is ready
// only when the agent said so and every result the agent marked required
// is acceptable (never readier than the agent, but blind to a check the
// team requires that the run left out). The API prepares every run with
// PrepareRunFor; SaveReports uses this for a report given unprepared.
func PrepareRun(run *report.CheckRun) (*PreparedRun, error) {
	prep, err := prepareResults(run)
	if err != nil {
		return nil, err
	}
	prep.ready = run.Ready
	for _, r := range run.Results {
		if r.Required && !r.Status.Acceptable() {
			prep.ready = false
		}
	}
	return prep, nil
}

func prepareResults(run *report.CheckRun) (*PreparedRun, error) {
	if run == nil {
		return nil, fmt.Errorf("%w: no check run", ErrInvalid)
	}
	results, err := encodeResults(run.Results)
	if err != nil {
		return nil, err
	}
	return &PreparedRun{results: results, statuses: encodeStatuses(run.Results), notPassing: notPassingChecks(run.Results)}, nil
}

// ReadyAgainst reports whether results make a device ready under a policy
// requiring the checks required: each has a result whose status lets a
// session start (checks.Status.Acceptable, the agent's own rule in
// checks.ReadyOf). A required check the results leave out is not passing.
func ReadyAgainst(results []report.CheckResult, required []string) bool {
	for _, id := range required {
		i := slices.IndexFunc(results, func(r report.CheckResult) bool { return r.ID == id })
		if i < 0 || !results[i].Status.Acceptable() {
			return false
		}
	}
	return true
}

// Team owns devices and a policy.
type Team struct {
	ID     string
	Name   string
	Policy json.RawMessage
	// ETag changes whenever Policy does (a hash of it, unquoted).
	ETag      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// EnrollSecret is a stored enrol secret (its hash only).
type EnrollSecret struct {
	ID        string
	TeamID    string
	CreatedAt time.Time
	RevokedAt *time.Time
	// MaxUses is how many devices it may enrol (0: no limit); Uses how
	// many it has.
	MaxUses, Uses int
	// ExpiresAt ends it (nil: never).
	ExpiresAt *time.Time
}

// SecretLimits bound an enrol secret: at most MaxUses enrolments (0: no
// limit), none from ExpiresAt on (zero: never expires).
type SecretLimits struct {
	MaxUses   int
	ExpiresAt time.Time
}

// Revoked reports whether the secret was revoked.
func (s EnrollSecret) Revoked() bool { return s.RevokedAt != nil }

// Usable reports whether the secret can enrol a device at now, and if not
// why ("revoked", "expired", "used up").
func (s EnrollSecret) Usable(now time.Time) (bool, string) {
	switch {
	case s.Revoked():
		return false, "revoked"
	case s.ExpiresAt != nil && !now.Before(*s.ExpiresAt):
		return false, "expired"
	case s.MaxUses > 0 && s.Uses >= s.MaxUses:
		return false, "used up"
	}
	return true, ""
}

// Device is an enrolled machine with its latest readiness.
type Device struct {
	ID           string
	TeamID       string
	Name         string
	AgentVersion string
	OS           string
	OSVersion    string
	Arch         string
	EnrolledAt   time.Time
	// LastSeenAt is the device's last contact: its latest check run or
	// session record received. Staleness is judged by LatestRunAt instead
	// (DeviceState): session records say nothing of the checks.
	LastSeenAt time.Time
	RevokedAt  *time.Time
	// LatestRunID, LatestRunAt and LatestReady describe the latest check run:
	// the one the server received last (agents' clocks are not trusted to
	// order runs), LatestRunAt when it received it; empty and nil before the
	// first report.
	LatestRunID string
	LatestRunAt *time.Time
	LatestReady *bool
	// PolicyETag is the team policy version the agent last confirmed it
	// applied, PolicyAppliedAt when the server first saw that; empty and
	// nil until it confirms one (agents before issue 17 never do).
	PolicyETag      string
	PolicyAppliedAt *time.Time
	// ClockAhead is how far ahead of the server's clock the device dated
	// its last report or session record (0 when it was not ahead). A check
	// run's time in the server's future is stored as the receive time
	// instead; a session record keeps the agent's time, flagged.
	ClockAhead time.Duration
}

// Revoked reports whether the device was revoked.
func (d Device) Revoked() bool { return d.RevokedAt != nil }

// ClockSkewBound is how far ahead of the server a device's clock may run
// before the device is flagged (ClockSkewed).
const ClockSkewBound = 5 * time.Minute

// ClockSkewed reports whether the device's last report was dated more than
// ClockSkewBound in the server's future: its clock is wrong, so the times
// it reports (session starts, check runs) are not to be relied on.
func (d Device) ClockSkewed() bool { return d.ClockAhead > ClockSkewBound }

// DeviceFilter selects a page of devices.
type DeviceFilter struct {
	// TeamID limits to one team when set.
	TeamID string
	// AfterID continues after the last device of the previous page.
	AfterID string
	// Limit caps the page (default 100, at most 1000).
	Limit int
}

// Result is one stored check result: what the agent sent (the wire's
// report.CheckResult, the same type from agent to database and back; its
// ID is the check id) and the run it came with.
type Result struct {
	report.CheckResult
	RunID    string
	DeviceID string
	At       time.Time
}

// Session is one stored session record.
type Session struct {
	ID         string
	DeviceID   string
	SessionID  string
	Event      string
	At         time.Time
	ReceivedAt time.Time
	Label      string
	Ready      bool
	NotPassing []string
	Override   *report.Override
	Cookies    *report.CookieSummary
	// DeviceName is set by SearchSessions sorted by device only.
	DeviceName string
}

// Open opens the store a DSN names: "sqlite:PATH" (or "sqlite://PATH") or
// "postgres://…" / "postgresql://…". It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		return openSQLite(ctx, path)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	default:
		return nil, fmt.Errorf("%w: database %q is neither sqlite:PATH nor postgres://…", ErrInvalid, Redact(dsn))
	}
}

// redact hides a password in a URL-style DSN for error messages.
// Redact is a database setting fit to print or log: a password in a
// postgres:// URL or in a key=value connection string becomes xxxxx.
func Redact(dsn string) string {
	scheme := strings.Index(dsn, "://")
	if scheme < 0 {
		return dsnPassword.ReplaceAllString(dsn, "${1}xxxxx")
	}
	// A URL: the password may be in the user part, in the query
	// (?password=…, which libpq and pgx read too), or both.
	if at := strings.LastIndex(dsn, "@"); at > scheme {
		if user, _, ok := strings.Cut(dsn[scheme+3:at], ":"); ok {
			dsn = dsn[:scheme+3] + user + ":xxxxx" + dsn[at:]
		}
	}
	return urlPassword.ReplaceAllString(dsn, "${1}xxxxx")
}

// urlPassword finds a password parameter in a URL's query.
var urlPassword = regexp.MustCompile(`(?i)([?&]password=)[^&#]*`)

// dsnPassword finds a password in a key=value PostgreSQL connection string.
var dsnPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|\S+)`)
