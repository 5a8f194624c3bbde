package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/report"
)

//go:embed migrations
var migrations embed.FS

// dialect is what differs between the back ends.
type dialect struct {
	name        string // "sqlite" or "postgres"
	goose       goose.Dialect
	dir         string // under migrations/
	dollarBinds bool   // rebind ? to $n
	gooseOpts   []goose.ProviderOption
	// isUniqueViolation recognises a unique-constraint error.
	isUniqueViolation func(error) bool
}

// sqlStore implements Store over database/sql for either dialect.
type sqlStore struct {
	db *sql.DB
	d  dialect
	// stmts holds statements prepared once for the hot paths (query text
	// → *sql.Stmt; database/sql prepares each on a connection once).
	stmts sync.Map

	// SQLite ingest runs on one connection of its own (see ingestTx).
	ingestMu   sync.Mutex
	ingestConn *sql.Conn
	// walPath is SQLite's WAL file when the database is in WAL mode
	// (see SyncReports).
	walPath string
	// SQLite's background checkpoints (see checkpointLoop): closing
	// stopCheckpoints stops them, checkpointsDone is closed once stopped.
	stopCheckpoints chan struct{}
	checkpointsDone chan struct{}
	closeOnce       sync.Once

	// enrolments is the group commit of EnrollDevice (enrol_sql.go).
	enrolments enrolQueue
}

// prepared returns the prepared statement for query (already rebound),
// preparing it on first use.
func (s *sqlStore) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return st, nil
}

// stmt returns tx's view of the prepared statement for query.
func (s *sqlStore) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, st), nil
}

// DB returns the underlying database, for tests and tools.
func (s *sqlStore) DB() *sql.DB { return s.db }

// Dialect returns "sqlite" or "postgres".
func (s *sqlStore) Dialect() string { return s.d.name }

// q rewrites ? placeholders for the dialect. Queries are constants of this
// package and hold no ? inside string literals.
func (s *sqlStore) q(query string) string {
	if !s.d.dollarBinds {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// migrationProvider runs the dialect's embedded SQL migrations and the
// Go ones (from 00017: those that need the policy read as Go reads it).
func (s *sqlStore) migrationProvider() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+s.d.dir)
	if err != nil {
		return nil, fmt.Errorf("opening embedded migrations: %w", err)
	}
	opts := append(slices.Clip(s.d.gooseOpts), goose.WithGoMigrations(s.migration00017()))
	p, err := goose.NewProvider(s.d.goose, s.db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("preparing migrations: %w", err)
	}
	return p, nil
}

func (s *sqlStore) Migrate(ctx context.Context) error {
	p, err := s.migrationProvider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrating %s database: %w", s.d.name, err)
	}
	return nil
}

func (s *sqlStore) Close() error {
	if s.stopCheckpoints != nil {
		s.closeOnce.Do(func() { close(s.stopCheckpoints) })
		<-s.checkpointsDone
	}
	s.ingestMu.Lock()
	if s.ingestConn != nil {
		discardConn(s.ingestConn)
		s.ingestConn = nil
	}
	s.ingestMu.Unlock()
	s.stmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	return s.db.Close()
}

// Time helpers: Unix microseconds, UTC.

func toMicros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func now() time.Time { return time.Now().UTC() }

// Secrets.

const (
	secretPrefix = "sges_" // enrol secret
	tokenPrefix  = "sgdt_" // device token
)

// newSecret returns prefix + 256 random bits, base64url.
func newSecret(prefix string) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("reading random bytes: %v", err))
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// hashSecret is the stored form of a secret or token.
func hashSecret(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

func policyETag(policy []byte) string {
	sum := sha256.Sum256(policy)
	return hex.EncodeToString(sum[:16])
}

// Teams.

func validPolicy(policy json.RawMessage) (json.RawMessage, error) {
	if len(policy) == 0 {
		policy = json.RawMessage(`{}`)
	}
	if !json.Valid(policy) {
		return nil, fmt.Errorf("%w: policy is not valid JSON", ErrInvalid)
	}
	// Agents lay the policy over their defaults with checks.ParsePolicy and
	// refuse one it rejects, and refuse to clear cookies by a site name
	// they cannot use: never store a policy no agent would apply.
	if _, err := all.ParseTeamPolicy(bytes.NewReader(policy)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return policy, nil
}

func (s *sqlStore) CreateTeam(ctx context.Context, name string, policy json.RawMessage) (Team, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Team{}, fmt.Errorf("%w: team name is empty", ErrInvalid)
	}
	policy, err := validPolicy(policy)
	if err != nil {
		return Team{}, err
	}
	// "Counselling" and "counselling " are one team to a person: two
	// would split a team's devices, policy and exports between them.
	teams, err := s.Teams(ctx)
	if err != nil {
		return Team{}, fmt.Errorf("creating team: %w", err)
	}
	for _, t := range teams {
		if SameTeamName(t.Name, name) {
			return Team{}, fmt.Errorf("%w: team %q exists", ErrConflict, t.Name)
		}
	}
	t := Team{ID: report.NewID(), Name: name, Policy: policy, ETag: policyETag(policy), CreatedAt: now().Truncate(time.Microsecond)}
	t.UpdatedAt = t.CreatedAt
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO teams (id, name, policy, etag, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`),
		t.ID, t.Name, string(t.Policy), t.ETag, toMicros(t.CreatedAt), toMicros(t.UpdatedAt))
	if err != nil {
		if s.d.isUniqueViolation(err) {
			return Team{}, fmt.Errorf("%w: team %q exists", ErrConflict, name)
		}
		return Team{}, fmt.Errorf("creating team: %w", err)
	}
	return t, nil
}

// SameTeamName reports whether two team names are the same to a person:
// equal but for capitals and runs of spaces.
func SameTeamName(a, b string) bool { return sameName(a, b) }

// sameName reports whether two names (a team's, a practitioner's) are
// equal but for capitals and runs of spaces: how a person tells names
// apart.
func sameName(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

const teamCols = `id, name, policy, etag, created_at, updated_at`

func scanTeam(row interface{ Scan(...any) error }) (Team, error) {
	var t Team
	var policy string
	var created, updated int64
	if err := row.Scan(&t.ID, &t.Name, &policy, &t.ETag, &created, &updated); err != nil {
		return Team{}, err
	}
	t.Policy = json.RawMessage(policy)
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return t, nil
}

func (s *sqlStore) Team(ctx context.Context, id string) (Team, error) {
	t, err := scanTeam(s.db.QueryRowContext(ctx, s.q(`SELECT `+teamCols+` FROM teams WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Team{}, fmt.Errorf("team %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Team{}, fmt.Errorf("reading team: %w", err)
	}
	return t, nil
}

func (s *sqlStore) Teams(ctx context.Context) ([]Team, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+teamCols+` FROM teams ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing teams: %w", err)
	}
	defer rows.Close()
	var out []Team
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			return nil, fmt.Errorf("listing teams: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing teams: %w", err)
	}
	return out, nil
}

func (s *sqlStore) SetTeamPolicy(ctx context.Context, teamID string, policy json.RawMessage, ifMatch string) (Team, error) {
	policy, err := validPolicy(policy)
	if err != nil {
		return Team{}, err
	}
	etag := policyETag(policy)
	at := toMicros(now())
	var res sql.Result
	if ifMatch == "" {
		res, err = s.db.ExecContext(ctx, s.q(`UPDATE teams SET policy = ?, etag = ?, updated_at = ? WHERE id = ?`),
			string(policy), etag, at, teamID)
	} else {
		res, err = s.db.ExecContext(ctx, s.q(`UPDATE teams SET policy = ?, etag = ?, updated_at = ? WHERE id = ? AND etag = ?`),
			string(policy), etag, at, teamID, ifMatch)
	}
	if err != nil {
		return Team{}, fmt.Errorf("setting team policy: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Team{}, fmt.Errorf("setting team policy: %w", err)
	} else if n == 0 {
		if _, err := s.Team(ctx, teamID); err != nil {
			return Team{}, err
		}
		return Team{}, fmt.Errorf("%w: team policy changed since ETag %s", ErrConflict, ifMatch)
	}
	required := RequiredChecks(policy)
	if err := s.rejudgeTeam(ctx, teamID, required); err != nil {
		return Team{}, fmt.Errorf("the team policy was saved, but its devices' readiness was not all recomputed (each device's next report will): %w", err)
	}
	if err := s.syncUnreported(ctx, s.db, teamID, required); err != nil {
		return Team{}, fmt.Errorf("the team policy was saved, but the lists of devices not passing each check may name checks it no longer requires, or miss some it now does (save the policy again): %w", err)
	}
	return s.Team(ctx, teamID)
}

// Enrol secrets.

func (s *sqlStore) CreateEnrollSecret(ctx context.Context, teamID string) (string, string, error) {
	return s.CreateLimitedEnrollSecret(ctx, teamID, SecretLimits{})
}

func (s *sqlStore) CreateLimitedEnrollSecret(ctx context.Context, teamID string, limits SecretLimits) (string, string, error) {
	if limits.MaxUses < 0 {
		return "", "", fmt.Errorf("%w: a secret's use count cannot be negative", ErrInvalid)
	}
	var maxUses, expires any
	if limits.MaxUses > 0 {
		maxUses = limits.MaxUses
	}
	if !limits.ExpiresAt.IsZero() {
		expires = toMicros(limits.ExpiresAt)
	}
	if _, err := s.Team(ctx, teamID); err != nil {
		return "", "", err
	}
	plain, id := newSecret(secretPrefix), report.NewID()
	var err error
	if maxUses == nil && expires == nil {
		// (Also what a schema before migration 00010 can take: the
		// migration tests create secrets at older versions.)
		_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO enroll_secrets (id, team_id, secret_hash, created_at) VALUES (?, ?, ?, ?)`),
			id, teamID, hashSecret(plain), toMicros(now()))
	} else {
		_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO enroll_secrets (id, team_id, secret_hash, created_at, max_uses, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
			id, teamID, hashSecret(plain), toMicros(now()), maxUses, expires)
	}
	if err != nil {
		return "", "", fmt.Errorf("creating enrol secret: %w", err)
	}
	return plain, id, nil
}

const secretCols = `id, team_id, created_at, revoked_at, max_uses, uses, expires_at`

func scanSecret(row interface{ Scan(...any) error }) (EnrollSecret, error) {
	var e EnrollSecret
	var created int64
	var revoked, maxUses, expires sql.NullInt64
	if err := row.Scan(&e.ID, &e.TeamID, &created, &revoked, &maxUses, &e.Uses, &expires); err != nil {
		return EnrollSecret{}, err
	}
	e.CreatedAt, e.RevokedAt, e.ExpiresAt = fromMicros(created), fromNullMicros(revoked), fromNullMicros(expires)
	e.MaxUses = int(maxUses.Int64)
	return e, nil
}

func (s *sqlStore) EnrollSecretByPlaintext(ctx context.Context, plaintext string) (EnrollSecret, error) {
	e, err := scanSecret(s.db.QueryRowContext(ctx, s.q(`SELECT `+secretCols+` FROM enroll_secrets WHERE secret_hash = ?`), hashSecret(plaintext)))
	if errors.Is(err, sql.ErrNoRows) {
		return EnrollSecret{}, fmt.Errorf("enrol secret: %w", ErrNotFound)
	}
	if err != nil {
		return EnrollSecret{}, fmt.Errorf("reading enrol secret: %w", err)
	}
	return e, nil
}

func (s *sqlStore) RevokeEnrollSecret(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE enroll_secrets SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`), toMicros(now()), id)
	if err != nil {
		return fmt.Errorf("revoking enrol secret: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revoking enrol secret: %w", err)
	} else if n == 0 {
		return fmt.Errorf("enrol secret %s: %w", id, ErrNotFound)
	}
	return nil
}

func (s *sqlStore) EnrollSecrets(ctx context.Context, teamID string) ([]EnrollSecret, error) {
	var rows *sql.Rows
	var err error
	if teamID == "" {
		rows, err = s.db.QueryContext(ctx, `SELECT `+secretCols+` FROM enroll_secrets ORDER BY created_at DESC, id`)
	} else {
		rows, err = s.db.QueryContext(ctx, s.q(`SELECT `+secretCols+` FROM enroll_secrets WHERE team_id = ? ORDER BY created_at DESC, id`), teamID)
	}
	if err != nil {
		return nil, fmt.Errorf("listing enrol secrets: %w", err)
	}
	defer rows.Close()
	var out []EnrollSecret
	for rows.Next() {
		e, err := scanSecret(rows)
		if err != nil {
			return nil, fmt.Errorf("listing enrol secrets: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing enrol secrets: %w", err)
	}
	return out, nil
}

// Devices.

const deviceCols = `id, team_id, name, agent_version, os, os_version, arch, enrolled_at, last_seen_at, revoked_at, latest_run_id, latest_run_at, latest_ready, policy_etag, policy_applied_at, clock_ahead_ms`

func scanDevice(row interface{ Scan(...any) error }) (Device, error) {
	var d Device
	var enrolled, seen int64
	var revoked, latestAt, appliedAt, ahead sql.NullInt64
	var latestID, policyETag sql.NullString
	var latestReady sql.NullBool
	if err := row.Scan(&d.ID, &d.TeamID, &d.Name, &d.AgentVersion, &d.OS, &d.OSVersion, &d.Arch,
		&enrolled, &seen, &revoked, &latestID, &latestAt, &latestReady, &policyETag, &appliedAt, &ahead); err != nil {
		return Device{}, err
	}
	d.ClockAhead = time.Duration(ahead.Int64) * time.Millisecond
	d.EnrolledAt, d.LastSeenAt, d.RevokedAt = fromMicros(enrolled), fromMicros(seen), fromNullMicros(revoked)
	d.LatestRunID, d.LatestRunAt = latestID.String, fromNullMicros(latestAt)
	d.PolicyETag, d.PolicyAppliedAt = policyETag.String, fromNullMicros(appliedAt)
	if latestReady.Valid {
		r := latestReady.Bool
		d.LatestReady = &r
	}
	return d, nil
}

func (s *sqlStore) DeviceByToken(ctx context.Context, token string) (Device, error) {
	if token == "" {
		return Device{}, ErrUnauthorized
	}
	// Prepared: every report of a device not in the API's token cache
	// asks this.
	st, err := s.prepared(ctx, s.q(`SELECT `+deviceCols+` FROM devices WHERE token_hash = ? AND revoked_at IS NULL`))
	if err != nil {
		return Device{}, fmt.Errorf("authenticating device: %w", err)
	}
	d, err := scanDevice(st.QueryRowContext(ctx, hashSecret(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, ErrUnauthorized
	}
	if err != nil {
		return Device{}, fmt.Errorf("authenticating device: %w", err)
	}
	return d, nil
}

// tokenOwnerQuery reads two columns through the unique index on
// devices.token_hash (the UNIQUE constraint of migration 00001: SQLite's
// automatic index, PostgreSQL's devices_token_hash_key);
// TestTokenOwnerUsesIndex checks both plans.
const tokenOwnerQuery = `SELECT id, team_id FROM devices WHERE token_hash = ? AND revoked_at IS NULL`

func (s *sqlStore) TokenOwner(ctx context.Context, tokenHash [32]byte) (deviceID, teamID string, err error) {
	// Prepared: every report of a device not in the API's token cache
	// asks this.
	st, err := s.prepared(ctx, s.q(tokenOwnerQuery))
	if err != nil {
		return "", "", fmt.Errorf("authenticating device: %w", err)
	}
	if s.d.name == "sqlite" {
		// Not cancellable: a context that can end makes database/sql and
		// the driver each start a goroutine to watch it, for a read of a
		// few index pages that never waits on a lock under WAL (those
		// watchers were a quarter of the look-up's CPU under sgload).
		ctx = context.WithoutCancel(ctx)
	}
	err = st.QueryRowContext(ctx, hex.EncodeToString(tokenHash[:])).Scan(&deviceID, &teamID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrUnauthorized
	}
	if err != nil {
		return "", "", fmt.Errorf("authenticating device: %w", err)
	}
	return deviceID, teamID, nil
}

// TokenHolder is the device a token belongs to (TokenOwners).
type TokenHolder struct {
	DeviceID, TeamID string
}

// tokenOwnersQuery looks up a list of token hashes by the same index as
// tokenOwnerQuery, given as one parameter (so one prepared statement
// serves every batch size): a JSON array on SQLite, whose planner probes
// the index once per value of json_each; a comma-separated list on
// PostgreSQL (hex digits hold no comma), an index scan with = ANY.
// TestTokenOwnerUsesIndex checks both plans.
func tokenOwnersQuery(dialect string) string {
	if dialect == "sqlite" {
		return `SELECT token_hash, id, team_id FROM devices WHERE token_hash IN (SELECT value FROM json_each(?)) AND revoked_at IS NULL`
	}
	return `SELECT token_hash, id, team_id FROM devices WHERE token_hash = ANY(string_to_array(?, ',')) AND revoked_at IS NULL`
}

func (s *sqlStore) TokenOwners(ctx context.Context, hashes [][32]byte) ([]TokenHolder, error) {
	holders := make([]TokenHolder, len(hashes))
	if len(hashes) == 0 {
		return holders, nil
	}
	at := make(map[string][]int, len(hashes))
	list := make([]byte, 0, len(hashes)*67+2)
	if s.d.name == "sqlite" {
		list = append(list, '[')
	}
	for i, h := range hashes {
		x := hex.EncodeToString(h[:])
		if i > 0 {
			list = append(list, ',')
		}
		if s.d.name == "sqlite" {
			list = append(append(append(list, '"'), x...), '"')
		} else {
			list = append(list, x...)
		}
		at[x] = append(at[x], i)
	}
	if s.d.name == "sqlite" {
		list = append(list, ']')
		ctx = context.WithoutCancel(ctx) // as in TokenOwner
	}
	st, err := s.prepared(ctx, s.q(tokenOwnersQuery(s.d.name)))
	if err != nil {
		return nil, fmt.Errorf("authenticating devices: %w", err)
	}
	rows, err := st.QueryContext(ctx, string(list))
	if err != nil {
		return nil, fmt.Errorf("authenticating devices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x string
		var h TokenHolder
		if err := rows.Scan(&x, &h.DeviceID, &h.TeamID); err != nil {
			return nil, fmt.Errorf("authenticating devices: %w", err)
		}
		for _, i := range at[x] {
			holders[i] = h
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("authenticating devices: %w", err)
	}
	return holders, nil
}

func (s *sqlStore) Device(ctx context.Context, id string) (Device, error) {
	d, err := scanDevice(s.db.QueryRowContext(ctx, s.q(`SELECT `+deviceCols+` FROM devices WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, fmt.Errorf("device %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Device{}, fmt.Errorf("reading device: %w", err)
	}
	return d, nil
}

func (s *sqlStore) RevokeDevice(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE devices SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`), toMicros(now()), id)
	if err != nil {
		return fmt.Errorf("revoking device: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revoking device: %w", err)
	} else if n == 0 {
		return fmt.Errorf("device %s: %w", id, ErrNotFound)
	}
	return nil
}

func (s *sqlStore) Devices(ctx context.Context, f DeviceFilter) ([]Device, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	query := `SELECT ` + deviceCols + ` FROM devices WHERE id > ?`
	args := []any{f.AfterID}
	if f.TeamID != "" {
		query += ` AND team_id = ?`
		args = append(args, f.TeamID)
	}
	query += ` ORDER BY id LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("listing devices: %w", err)
	}
	defer rows.Close()
	var out []Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, fmt.Errorf("listing devices: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing devices: %w", err)
	}
	return out, nil
}

// maxPolicyETag bounds a recorded policy ETag (ours are 64 hex digits).
const maxPolicyETag = 128

func (s *sqlStore) SetPoliciesApplied(ctx context.Context, applied []PolicyApplied) error {
	for _, a := range applied {
		if a.ETag == "" || len(a.ETag) > maxPolicyETag {
			return fmt.Errorf("%w: a policy ETag of 1 to %d bytes", ErrInvalid, maxPolicyETag)
		}
	}
	if len(applied) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording applied policies: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	st, err := tx.PrepareContext(ctx, s.q(`UPDATE devices SET policy_etag = ?, policy_applied_at = ?
		WHERE id = ? AND (policy_etag IS NULL OR policy_etag <> ?)`))
	if err != nil {
		return fmt.Errorf("recording applied policies: %w", err)
	}
	defer st.Close()
	for _, a := range applied {
		if _, err := st.ExecContext(ctx, a.ETag, toMicros(a.At), a.DeviceID, a.ETag); err != nil {
			return fmt.Errorf("recording applied policies: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recording applied policies: %w", err)
	}
	return nil
}

func (s *sqlStore) PolicyRollout(ctx context.Context, q RolloutQuery) (PolicyRollout, error) {
	var r PolicyRollout
	var applied sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*), SUM(CASE WHEN policy_etag = ? THEN 1 ELSE 0 END)
		FROM devices WHERE team_id = ? AND revoked_at IS NULL`), q.ETag, q.TeamID).Scan(&r.Total, &applied)
	if err != nil {
		return PolicyRollout{}, fmt.Errorf("counting the policy's devices: %w", err)
	}
	r.Applied = int(applied.Int64)
	r.Devices, err = s.rolloutPage(ctx, q)
	return r, err
}

// Reports: see ingest_sql.go.

func (s *sqlStore) SaveSession(ctx context.Context, deviceID string, env report.Envelope) (bool, error) {
	if env.Kind != report.KindSession || env.Session == nil {
		return false, fmt.Errorf("%w: SaveSession takes a %s envelope, not %q", ErrInvalid, report.KindSession, env.Kind)
	}
	dups, err := s.SaveReports(ctx, []DeviceReport{{DeviceID: deviceID, Envelope: env}})
	if err != nil {
		return false, err
	}
	return dups[0], nil
}

func (s *sqlStore) LatestResults(ctx context.Context, deviceID string) ([]Result, error) {
	var runID string
	var started int64
	var results sql.NullString
	err := s.db.QueryRowContext(ctx, s.q(`SELECT r.id, r.started_at, r.results
		FROM devices d JOIN check_runs r ON r.id = d.latest_run_id WHERE d.id = ?`), deviceID).Scan(&runID, &started, &results)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading latest results: %w", err)
	}
	var out []Result
	if err := decodeResults(runID, deviceID, started, results.String, func(r Result) { out = append(out, r) }); err != nil {
		return nil, fmt.Errorf("reading latest results: %w", err)
	}
	return out, nil
}

func (s *sqlStore) Sessions(ctx context.Context, deviceID string, limit int) ([]Session, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, device_id, session_id, event, at, received_at, label, ready, not_passing, override_reason, override_checks, cookies
		FROM sessions WHERE device_id = ? ORDER BY received_at DESC, id LIMIT ?`), deviceID, limit)
	if err != nil {
		return nil, fmt.Errorf("reading sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var x Session
		var at, received int64
		var np string
		var reason, checksJSON, cookies sql.NullString
		if err := rows.Scan(&x.ID, &x.DeviceID, &x.SessionID, &x.Event, &at, &received, &x.Label, &x.Ready, &np, &reason, &checksJSON, &cookies); err != nil {
			return nil, fmt.Errorf("reading sessions: %w", err)
		}
		x.At, x.ReceivedAt = fromMicros(at), fromMicros(received)
		if err := json.Unmarshal([]byte(np), &x.NotPassing); err != nil {
			return nil, fmt.Errorf("reading session %s not_passing: %w", x.ID, err)
		}
		if reason.Valid {
			x.Override = &report.Override{Reason: reason.String}
			if checksJSON.Valid {
				if err := json.Unmarshal([]byte(checksJSON.String), &x.Override.Checks); err != nil {
					return nil, fmt.Errorf("reading session %s override: %w", x.ID, err)
				}
			}
		}
		if cookies.Valid {
			x.Cookies = new(report.CookieSummary)
			if err := json.Unmarshal([]byte(cookies.String), x.Cookies); err != nil {
				return nil, fmt.Errorf("reading session %s cookies: %w", x.ID, err)
			}
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading sessions: %w", err)
	}
	return out, nil
}
