package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
)

// adminSessionPrefix marks an admin login session token (the cookie value).
const adminSessionPrefix = "sgas_"

// Admin accounts.

func (s *sqlStore) CreateAdmin(ctx context.Context, name, passwordHash string) (Admin, error) {
	if strings.TrimSpace(name) == "" || passwordHash == "" {
		return Admin{}, fmt.Errorf("%w: admin name and password hash are required", ErrInvalid)
	}
	a := Admin{Name: name, PasswordHash: passwordHash, CreatedAt: now().Truncate(time.Microsecond)}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO admins (name, password_hash, created_at) VALUES (?, ?, ?)`),
		a.Name, a.PasswordHash, toMicros(a.CreatedAt))
	if err != nil {
		if s.d.isUniqueViolation(err) {
			return Admin{}, fmt.Errorf("%w: admin %q exists", ErrConflict, name)
		}
		return Admin{}, fmt.Errorf("creating admin: %w", err)
	}
	return a, nil
}

const adminCols = `name, password_hash, created_at, disabled_at, last_login_at, time_zone`

func scanAdmin(row interface{ Scan(...any) error }) (Admin, error) {
	var a Admin
	var created int64
	var disabled, lastLogin sql.NullInt64
	if err := row.Scan(&a.Name, &a.PasswordHash, &created, &disabled, &lastLogin, &a.TimeZone); err != nil {
		return Admin{}, err
	}
	a.CreatedAt, a.DisabledAt, a.LastLoginAt = fromMicros(created), fromNullMicros(disabled), fromNullMicros(lastLogin)
	return a, nil
}

func (s *sqlStore) Admin(ctx context.Context, name string) (Admin, error) {
	a, err := scanAdmin(s.db.QueryRowContext(ctx, s.q(`SELECT `+adminCols+` FROM admins WHERE name = ?`), name))
	if errors.Is(err, sql.ErrNoRows) {
		return Admin{}, fmt.Errorf("admin %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Admin{}, fmt.Errorf("reading admin: %w", err)
	}
	return a, nil
}

func (s *sqlStore) Admins(ctx context.Context) ([]Admin, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+adminCols+` FROM admins ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing admins: %w", err)
	}
	return collect(rows, "listing admins", scanAdmin)
}

// adminUpdate runs an UPDATE on one admin and ends the admin's sessions, in
// one transaction; ErrNotFound when there is no such admin.
func (s *sqlStore) adminUpdate(ctx context.Context, what, name, update string, args ...any) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	res, err := tx.ExecContext(ctx, s.q(update), append(args, name)...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	} else if n == 0 {
		return fmt.Errorf("admin %q: %w", name, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM admin_sessions WHERE admin_name = ?`), name); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (s *sqlStore) SetAdminPassword(ctx context.Context, name, passwordHash string) error {
	if passwordHash == "" {
		return fmt.Errorf("%w: password hash is empty", ErrInvalid)
	}
	return s.adminUpdate(ctx, "setting admin password", name, `UPDATE admins SET password_hash = ? WHERE name = ?`, passwordHash)
}

func (s *sqlStore) DisableAdmin(ctx context.Context, name string) error {
	return s.adminUpdate(ctx, "disabling admin", name, `UPDATE admins SET disabled_at = COALESCE(disabled_at, ?) WHERE name = ?`, toMicros(now()))
}

func (s *sqlStore) EnableAdmin(ctx context.Context, name string) error {
	return s.adminUpdate(ctx, "enabling admin", name, `UPDATE admins SET disabled_at = NULL WHERE name = ?`)
}

func (s *sqlStore) SetAdminTimeZone(ctx context.Context, name, zone string) error {
	if zone == "" || len(zone) > 64 {
		return fmt.Errorf("%w: time zone %q", ErrInvalid, zone)
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE admins SET time_zone = ? WHERE name = ?`), zone, name)
	if err != nil {
		return fmt.Errorf("setting the admin's time zone: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("setting the admin's time zone: %w", err)
	} else if n == 0 {
		return fmt.Errorf("admin %q: %w", name, ErrNotFound)
	}
	return nil
}

// Admin login sessions.

func (s *sqlStore) CreateAdminSession(ctx context.Context, admin string, expiresAt time.Time) (AdminSession, string, error) {
	at := now().Truncate(time.Microsecond)
	sess := AdminSession{ID: report.NewID(), Admin: admin, CreatedAt: at, LastSeenAt: at, ExpiresAt: expiresAt.UTC().Truncate(time.Microsecond)}
	token := newSecret(adminSessionPrefix)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return AdminSession{}, "", fmt.Errorf("starting admin session: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	res, err := tx.ExecContext(ctx, s.q(`UPDATE admins SET last_login_at = ? WHERE name = ? AND disabled_at IS NULL`), toMicros(at), admin)
	if err != nil {
		return AdminSession{}, "", fmt.Errorf("starting admin session: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return AdminSession{}, "", fmt.Errorf("starting admin session: %w", err)
	} else if n == 0 {
		return AdminSession{}, "", fmt.Errorf("admin %q is unknown or disabled: %w", admin, ErrUnauthorized)
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO admin_sessions (id, token_hash, admin_name, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
		sess.ID, hashSecret(token), admin, toMicros(at), toMicros(at), toMicros(sess.ExpiresAt))
	if err != nil {
		return AdminSession{}, "", fmt.Errorf("starting admin session: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return AdminSession{}, "", fmt.Errorf("starting admin session: %w", err)
	}
	return sess, token, nil
}

func (s *sqlStore) AdminSessionByToken(ctx context.Context, token string) (AdminSession, error) {
	if !strings.HasPrefix(token, adminSessionPrefix) {
		return AdminSession{}, ErrUnauthorized
	}
	var sess AdminSession
	var created, seen, expires int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT s.id, s.admin_name, s.created_at, s.last_seen_at, s.expires_at, a.time_zone
		FROM admin_sessions s JOIN admins a ON a.name = s.admin_name
		WHERE s.token_hash = ? AND a.disabled_at IS NULL`), hashSecret(token)).
		Scan(&sess.ID, &sess.Admin, &created, &seen, &expires, &sess.TimeZone)
	if errors.Is(err, sql.ErrNoRows) {
		return AdminSession{}, ErrUnauthorized
	}
	if err != nil {
		return AdminSession{}, fmt.Errorf("reading admin session: %w", err)
	}
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	return sess, nil
}

func (s *sqlStore) TouchAdminSession(ctx context.Context, token string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.q(`UPDATE admin_sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?`),
		toMicros(at), hashSecret(token), toMicros(at)); err != nil {
		return fmt.Errorf("recording admin session activity: %w", err)
	}
	return nil
}

func (s *sqlStore) DeleteAdminSession(ctx context.Context, token string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM admin_sessions WHERE token_hash = ?`), hashSecret(token)); err != nil {
		return fmt.Errorf("ending admin session: %w", err)
	}
	return nil
}

func (s *sqlStore) DeleteExpiredAdminSessions(ctx context.Context, at, idleBefore time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM admin_sessions WHERE expires_at <= ? OR last_seen_at < ?`), toMicros(at), toMicros(idleBefore))
	if err != nil {
		return 0, fmt.Errorf("deleting expired admin sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("deleting expired admin sessions: %w", err)
	}
	return int(n), nil
}

// Fleet queries.

// notPassing are the statuses the dashboard calls failing: they block a
// session when the check is required.
var notPassing = []checks.Status{checks.Fail, checks.Unknown}

func pageLimit(limit int) int {
	if limit <= 0 {
		return 50
	}
	return min(limit, 500)
}

// likeContains is a LIKE pattern matching s anywhere, with \ as escape.
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// prefixCols qualifies a comma-separated column list with a table alias.
func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

func (s *sqlStore) CheckCompliance(ctx context.Context, teamID string, staleBefore time.Time) ([]CheckCompliance, error) {
	_, comp, err := s.FleetSummary(ctx, teamID, staleBefore)
	return comp, err
}

const sessionCols = `s.id, s.device_id, s.session_id, s.event, s.at, s.received_at, s.label, s.ready, s.not_passing, s.override_reason, s.override_checks, s.cookies`

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var x Session
	var at, received int64
	var np string
	var reason, checksJSON, cookies sql.NullString
	if err := row.Scan(&x.ID, &x.DeviceID, &x.SessionID, &x.Event, &at, &received, &x.Label, &x.Ready, &np, &reason, &checksJSON, &cookies); err != nil {
		return Session{}, err
	}
	x.At, x.ReceivedAt = fromMicros(at), fromMicros(received)
	if err := json.Unmarshal([]byte(np), &x.NotPassing); err != nil {
		return Session{}, fmt.Errorf("session %s not_passing: %w", x.ID, err)
	}
	if reason.Valid {
		x.Override = &report.Override{Reason: reason.String}
		if checksJSON.Valid {
			if err := json.Unmarshal([]byte(checksJSON.String), &x.Override.Checks); err != nil {
				return Session{}, fmt.Errorf("session %s override: %w", x.ID, err)
			}
		}
	}
	if cookies.Valid {
		x.Cookies = new(report.CookieSummary)
		if err := json.Unmarshal([]byte(cookies.String), x.Cookies); err != nil {
			return Session{}, fmt.Errorf("session %s cookies: %w", x.ID, err)
		}
	}
	return x, nil
}

// Fleet snapshots.

func (s *sqlStore) RecordFleetSnapshot(ctx context.Context, teamID string, at time.Time, c FleetCounts) error {
	hour := toMicros(at.UTC().Truncate(time.Hour))
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO fleet_snapshots (team_id, hour, total, ready, not_ready, stale, never_reported)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (team_id, hour) DO UPDATE SET total = excluded.total, ready = excluded.ready,
			not_ready = excluded.not_ready, stale = excluded.stale, never_reported = excluded.never_reported`),
		teamID, hour, c.Total, c.Ready, c.NotReady, c.Stale, c.NeverReported); err != nil {
		return fmt.Errorf("recording fleet snapshot: %w", err)
	}
	return nil
}

func (s *sqlStore) FleetSnapshots(ctx context.Context, teamID string, since time.Time) ([]FleetSnapshot, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT hour, total, ready, not_ready, stale, never_reported FROM fleet_snapshots
		WHERE team_id = ? AND hour >= ? ORDER BY hour`), teamID, toMicros(since.UTC().Truncate(time.Hour)))
	if err != nil {
		return nil, fmt.Errorf("reading fleet snapshots: %w", err)
	}
	return collect(rows, "reading fleet snapshots", func(row interface{ Scan(...any) error }) (FleetSnapshot, error) {
		var f FleetSnapshot
		var hour int64
		err := row.Scan(&hour, &f.Total, &f.Ready, &f.NotReady, &f.Stale, &f.NeverReported)
		f.Hour = fromMicros(hour)
		return f, err
	})
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, what string, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
