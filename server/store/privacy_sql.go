package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sessionguard/sessionguard/report"
)

// Audit log.

func (s *sqlStore) AppendAudit(ctx context.Context, e AuditEntry) error {
	if strings.TrimSpace(e.Actor) == "" || strings.TrimSpace(e.Action) == "" {
		return fmt.Errorf("%w: an audit entry needs an actor and an action", ErrInvalid)
	}
	if len(e.Actor) > MaxAuditField || len(e.Action) > MaxAuditField || len(e.Target) > MaxAuditField {
		return fmt.Errorf("%w: audit actor, action and target are at most %d bytes", ErrInvalid, MaxAuditField)
	}
	e.Detail = cutUTF8(e.Detail, MaxAuditDetail)
	at := e.At
	if at.IsZero() {
		at = now()
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`),
		toMicros(at), e.Actor, e.Action, e.Target, e.Detail)
	if err != nil {
		return fmt.Errorf("writing audit entry: %w", err)
	}
	return nil
}

// cutUTF8 shortens s to at most n bytes without splitting a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// clampLimit applies a default and a maximum to a requested size.
func clampLimit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	return min(n, max)
}

// Practitioners.

// normalPractitioner trims a practitioner and checks its length and
// characters.
func normalPractitioner(p string) (string, error) {
	p = strings.TrimSpace(p)
	if utf8.RuneCountInString(p) > MaxPractitioner || !utf8.ValidString(p) {
		return "", fmt.Errorf("%w: a practitioner is at most %d characters of text", ErrInvalid, MaxPractitioner)
	}
	if strings.IndexFunc(p, unicode.IsControl) >= 0 {
		return "", fmt.Errorf("%w: a practitioner holds no control characters", ErrInvalid)
	}
	return p, nil
}

func (s *sqlStore) SetPractitioner(ctx context.Context, deviceID, practitioner string) error {
	p, err := normalPractitioner(practitioner)
	if err != nil {
		return err
	}
	var v any
	if p != "" {
		v = p
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE devices SET practitioner = ? WHERE id = ?`), v, deviceID)
	if err != nil {
		return fmt.Errorf("setting practitioner: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("setting practitioner: %w", err)
	} else if n == 0 {
		return fmt.Errorf("device %s: %w", deviceID, ErrNotFound)
	}
	return nil
}

func (s *sqlStore) Practitioner(ctx context.Context, deviceID string) (string, error) {
	var p sql.NullString
	err := s.db.QueryRowContext(ctx, s.q(`SELECT practitioner FROM devices WHERE id = ?`), deviceID).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("device %s: %w", deviceID, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("reading practitioner: %w", err)
	}
	return p.String, nil
}

func (s *sqlStore) SimilarPractitioners(ctx context.Context, practitioner string) ([]string, error) {
	p, err := normalPractitioner(practitioner)
	if err != nil || p == "" {
		return nil, err
	}
	// The distinct names, from the practitioner index: one per person,
	// however many devices.
	var out []string
	err = queryEach(ctx, s.db, `SELECT DISTINCT practitioner FROM devices WHERE practitioner IS NOT NULL`, nil, func(r *sql.Rows) error {
		var name string
		if err := r.Scan(&name); err != nil {
			return err
		}
		if sameName(name, p) {
			out = append(out, name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("finding practitioners: %w", err)
	}
	slices.Sort(out)
	return out, nil
}

func (s *sqlStore) PractitionerDevices(ctx context.Context, practitioner string) ([]string, error) {
	p, err := normalPractitioner(practitioner)
	if err != nil {
		return nil, err
	}
	if p == "" {
		return nil, fmt.Errorf("%w: practitioner is empty", ErrInvalid)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id FROM devices WHERE practitioner = ? ORDER BY id`), p)
	if err != nil {
		return nil, fmt.Errorf("finding a practitioner's devices: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("finding a practitioner's devices: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("finding a practitioner's devices: %w", err)
	}
	return ids, nil
}

// Exports: keyset pagination, one short query a page.

// scanFunc adapts a function to the Scan interface the scan helpers take,
// so extra columns can be appended to a shared column list.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// qualify prefixes each column of a comma-separated list with a table
// alias.
func qualify(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// exportWhere collects the filter's conditions.
type exportWhere struct {
	conds []string
	args  []any
}

func (w *exportWhere) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *exportWhere) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " AND " + strings.Join(w.conds, " AND ")
}

// filterWhere returns the team condition on the devices alias d, the
// device condition on deviceCol and the since condition on timeCol.
func filterWhere(f ExportFilter, deviceCol, timeCol string) *exportWhere {
	w := &exportWhere{}
	if f.TeamID != "" {
		w.add(`d.team_id = ?`, f.TeamID)
	}
	if f.DeviceID != "" {
		w.add(deviceCol+` = ?`, f.DeviceID)
	}
	if !f.Since.IsZero() {
		w.add(timeCol+` >= ?`, toMicros(f.Since))
	}
	return w
}

func exportPageSize(f ExportFilter) int { return clampLimit(f.PageSize, 500, 5000) }

func (s *sqlStore) ExportDevices(ctx context.Context, f ExportFilter, fn func(ExportDevice) error) error {
	w := filterWhere(f, `d.id`, `d.last_seen_at`)
	query := s.q(`SELECT ` + qualify("d", deviceCols) + `, t.name, d.practitioner
		FROM devices d JOIN teams t ON t.id = d.team_id
		WHERE d.id > ?` + w.sql() + ` ORDER BY d.id LIMIT ?`)
	limit := exportPageSize(f)
	after := ""
	for {
		page := make([]ExportDevice, 0, limit)
		err := queryEach(ctx, s.db, query, append(append([]any{after}, w.args...), limit), func(rows *sql.Rows) error {
			var x ExportDevice
			var practitioner sql.NullString
			d, err := scanDevice(scanFunc(func(dest ...any) error {
				return rows.Scan(append(dest, &x.TeamName, &practitioner)...)
			}))
			if err != nil {
				return err
			}
			x.Device, x.Practitioner = d, practitioner.String
			page = append(page, x)
			return nil
		})
		if err != nil {
			return fmt.Errorf("exporting devices: %w", err)
		}
		for _, x := range page {
			if err := fn(x); err != nil {
				return err
			}
		}
		if len(page) < limit {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryEach runs a query and calls fn for each row, closing the rows before
// it returns (so the caller's callbacks never run with a query open).
func queryEach(ctx context.Context, db querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// runPage reads one page of check runs after the keyset (afterAt, afterID).
//
// CROSS JOIN makes SQLite walk check_runs in keyset order (its time index,
// or its device index for one device) and look devices and teams up per
// row; a plain JOIN lets it start from a team's devices and sort all their
// runs for every page. PostgreSQL plans a CROSS JOIN with these conditions
// as the inner join it is.
func (s *sqlStore) runPage(ctx context.Context, f ExportFilter, afterAt int64, afterID string, limit int) ([]ExportRun, error) {
	w := filterWhere(f, `r.device_id`, `r.started_at`)
	query := s.q(`SELECT r.id, r.device_id, d.name, d.team_id, t.name, r.started_at, r.received_at, r.duration_ms, r.ready, r.agent_version
		FROM check_runs r CROSS JOIN devices d CROSS JOIN teams t
		WHERE d.id = r.device_id AND t.id = d.team_id AND (r.started_at, r.id) > (?, ?)` + w.sql() + ` ORDER BY r.started_at, r.id LIMIT ?`)
	page := make([]ExportRun, 0, limit)
	err := queryEach(ctx, s.db, query, append(append([]any{afterAt, afterID}, w.args...), limit), func(rows *sql.Rows) error {
		var r ExportRun
		var started, received int64
		if err := rows.Scan(&r.ID, &r.DeviceID, &r.DeviceName, &r.TeamID, &r.TeamName, &started, &received, &r.DurationMS, &r.Ready, &r.AgentVersion); err != nil {
			return err
		}
		r.StartedAt, r.ReceivedAt = fromMicros(started), fromMicros(received)
		page = append(page, r)
		return nil
	})
	return page, err
}

// eachRunPage calls fn with each page of runs the filter selects.
func (s *sqlStore) eachRunPage(ctx context.Context, f ExportFilter, fn func([]ExportRun) error) error {
	limit := exportPageSize(f)
	afterAt, afterID := int64(-1<<63), ""
	for {
		page, err := s.runPage(ctx, f, afterAt, afterID, limit)
		if err != nil {
			return err
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
		if len(page) < limit {
			return nil
		}
		last := page[len(page)-1]
		afterAt, afterID = toMicros(last.StartedAt), last.ID
	}
}

// errCallback marks an error returned by the caller's callback, so it is
// passed through unwrapped.
type errCallback struct{ err error }

func (e errCallback) Error() string { return e.err.Error() }

// unwrapCallback returns the caller's own error as is, and wraps a store
// error with what was being done.
func unwrapCallback(err error, doing string) error {
	var cb errCallback
	if errors.As(err, &cb) {
		return cb.err
	}
	if err != nil {
		return fmt.Errorf("%s: %w", doing, err)
	}
	return nil
}

func (s *sqlStore) ExportRuns(ctx context.Context, f ExportFilter, fn func(ExportRun) error) error {
	err := s.eachRunPage(ctx, f, func(page []ExportRun) error {
		for _, r := range page {
			if err := fn(r); err != nil {
				return errCallback{err}
			}
		}
		return nil
	})
	return unwrapCallback(err, "exporting check runs")
}

func (s *sqlStore) ExportResults(ctx context.Context, f ExportFilter, fn func(ExportResult) error) error {
	err := s.eachRunPage(ctx, f, func(runs []ExportRun) error {
		byRun, err := s.resultsOfRuns(ctx, runs)
		if err != nil {
			return err
		}
		for _, run := range runs {
			for _, r := range byRun[run.ID] {
				x := ExportResult{Result: r, DeviceName: run.DeviceName, TeamID: run.TeamID, TeamName: run.TeamName}
				if err := fn(x); err != nil {
					return errCallback{err}
				}
			}
		}
		return nil
	})
	return unwrapCallback(err, "exporting check results")
}

// resultsOfRuns reads the results of a page of runs, by run, in check ID
// order.
func (s *sqlStore) resultsOfRuns(ctx context.Context, runs []ExportRun) (map[string][]Result, error) {
	ids := make([]any, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	query := s.q(`SELECT id, device_id, started_at, results FROM check_runs WHERE id IN (` + placeholders(len(ids)) + `)`)
	byRun := make(map[string][]Result, len(runs))
	err := queryEach(ctx, s.db, query, ids, func(rows *sql.Rows) error {
		var id, deviceID string
		var started int64
		var results sql.NullString
		if err := rows.Scan(&id, &deviceID, &started, &results); err != nil {
			return err
		}
		return decodeResults(id, deviceID, started, results.String, func(r Result) { byRun[id] = append(byRun[id], r) })
	})
	return byRun, err
}

// placeholders returns "?, ?, …" for n parameters.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

func (s *sqlStore) ExportSessions(ctx context.Context, f ExportFilter, fn func(ExportSession) error) error {
	w := filterWhere(f, `s.device_id`, `s.at`)
	query := s.q(`SELECT ` + sessionCols + `, d.name, d.team_id, t.name
		FROM sessions s CROSS JOIN devices d CROSS JOIN teams t
		WHERE d.id = s.device_id AND t.id = d.team_id AND (s.at, s.id) > (?, ?)` + w.sql() + ` ORDER BY s.at, s.id LIMIT ?`)
	limit := exportPageSize(f)
	afterAt, afterID := int64(-1<<63), ""
	for {
		page := make([]ExportSession, 0, limit)
		err := queryEach(ctx, s.db, query, append(append([]any{afterAt, afterID}, w.args...), limit), func(rows *sql.Rows) error {
			var x ExportSession
			sess, err := scanSession(scanFunc(func(dest ...any) error {
				return rows.Scan(append(dest, &x.DeviceName, &x.TeamID, &x.TeamName)...)
			}))
			if err != nil {
				return err
			}
			x.Session = sess
			page = append(page, x)
			return nil
		})
		if err != nil {
			return fmt.Errorf("exporting sessions: %w", err)
		}
		for _, x := range page {
			if err := fn(x); err != nil {
				return err
			}
		}
		if len(page) < limit {
			return nil
		}
		last := page[len(page)-1]
		afterAt, afterID = toMicros(last.At), last.ID
	}
}

// Erasure and retention: bounded batches, each its own short transaction.

// defaultBatch is how many runs (and sessions) one erasure or purge
// transaction deletes when the caller does not say.
const defaultBatch = 500

// inTx runs fn in a transaction and commits it.
func (s *sqlStore) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// selectIDs reads one column of IDs.
func selectIDs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]any, error) {
	var ids []any
	err := queryEach(ctx, tx, query, args, func(rows *sql.Rows) error {
		var id string
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	return ids, err
}

// execCount runs a statement and returns the rows it affected.
func execCount(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// countResults counts the results stored with the runs where selects
// (they go with their runs: see runresults.go).
func (s *sqlStore) countResults(ctx context.Context, tx *sql.Tx, where string, args ...any) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, s.q(`SELECT COALESCE(SUM(`+s.jsonArrayLength(`results`)+`), 0) FROM check_runs WHERE `+where), args...).Scan(&n)
	return n, err
}

// deleteRuns deletes the given runs and their results.
func (s *sqlStore) deleteRuns(ctx context.Context, tx *sql.Tx, runIDs []any) (runs, results int64, err error) {
	if len(runIDs) == 0 {
		return 0, 0, nil
	}
	in := placeholders(len(runIDs))
	if results, err = s.countResults(ctx, tx, `id IN (`+in+`)`, runIDs...); err != nil {
		return 0, 0, err
	}
	if runs, err = execCount(ctx, tx, s.q(`DELETE FROM check_runs WHERE id IN (`+in+`)`), runIDs...); err != nil {
		return 0, 0, err
	}
	return runs, results, nil
}

func (s *sqlStore) EraseDevice(ctx context.Context, deviceID string, batch int) (Erased, error) {
	batch = clampLimit(batch, defaultBatch, 5000)
	if err := s.RevokeDevice(ctx, deviceID); err != nil {
		return Erased{}, err
	}
	var total Erased
	for {
		var done bool
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			ids, err := selectIDs(ctx, tx, s.q(`SELECT id FROM check_runs WHERE device_id = ? LIMIT ?`), deviceID, batch)
			if err != nil {
				return err
			}
			runs, results, err := s.deleteRuns(ctx, tx, ids)
			if err != nil {
				return err
			}
			sessions, err := execCount(ctx, tx, s.q(`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE device_id = ? LIMIT ?)`), deviceID, batch)
			if err != nil {
				return err
			}
			total.Runs, total.Results, total.Sessions = total.Runs+runs, total.Results+results, total.Sessions+sessions
			done = len(ids) < batch && sessions < int64(batch)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("erasing device %s (erasing again finishes the job): %w", deviceID, err)
		}
		if done {
			break
		}
	}
	// Last, in one transaction: whatever arrived meanwhile, and the device.
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		results, err := s.countResults(ctx, tx, `device_id = ?`, deviceID)
		if err != nil {
			return err
		}
		runs, err := execCount(ctx, tx, s.q(`DELETE FROM check_runs WHERE device_id = ?`), deviceID)
		if err != nil {
			return err
		}
		sessions, err := execCount(ctx, tx, s.q(`DELETE FROM sessions WHERE device_id = ?`), deviceID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM devices WHERE id = ?`), deviceID); err != nil {
			return err
		}
		total.Runs, total.Results, total.Sessions = total.Runs+runs, total.Results+results, total.Sessions+sessions
		return nil
	})
	if err != nil {
		return total, fmt.Errorf("erasing device %s (erasing again finishes the job): %w", deviceID, err)
	}
	s.scrubWAL(ctx)
	return total, nil
}

// scrubWAL, on SQLite, copies the write-ahead log into the database file
// and empties it (a TRUNCATE checkpoint), after an erasure or a retention
// purge: secure_delete (sqlitePragmas) zeroes what was deleted in the
// pages written, and the earlier copies of those pages in the log go with
// it. SQLite refuses a checkpoint at once while another runs (the
// background one, every checkpointEvery), so it is tried again for up to
// scrubWALFor. Best effort beyond that: with a reader still on an older
// snapshot the log is emptied by a later checkpoint instead, once the
// log wraps.
func (s *sqlStore) scrubWAL(ctx context.Context) {
	if s.walPath == "" {
		return
	}
	deadline := time.Now().Add(scrubWALFor)
	for {
		var busy, logged, copied int
		err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &copied)
		if err == nil && busy == 0 || ctx.Err() != nil || time.Now().After(deadline) {
			return
		}
		time.Sleep(scrubWALRetry)
	}
}

// How long scrubWAL tries, and how often.
const (
	scrubWALFor   = 2 * time.Second
	scrubWALRetry = 5 * time.Millisecond
)

const retentionCols = `id, started_at, cutoff, finished_at, runs_deleted, results_deleted, sessions_deleted, owner, lease_until`

func scanRetention(row interface{ Scan(...any) error }) (RetentionRun, int64, error) {
	var r RetentionRun
	var started, cutoff, leaseUntil int64
	var finished sql.NullInt64
	if err := row.Scan(&r.ID, &started, &cutoff, &finished, &r.Purged.Runs, &r.Purged.Results, &r.Purged.Sessions, &r.owner, &leaseUntil); err != nil {
		return RetentionRun{}, 0, err
	}
	r.StartedAt, r.Cutoff, r.FinishedAt = fromMicros(started), fromMicros(cutoff), fromNullMicros(finished)
	return r, leaseUntil, nil
}

func (s *sqlStore) BeginRetention(ctx context.Context, cutoff time.Time, lease time.Duration) (RetentionRun, error) {
	if lease <= 0 {
		return RetentionRun{}, fmt.Errorf("%w: retention lease must be positive", ErrInvalid)
	}
	owner, at := report.NewID(), now()
	var run RetentionRun
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, leaseUntil, err := scanRetention(tx.QueryRowContext(ctx, `SELECT `+retentionCols+` FROM retention_runs WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1`))
		switch {
		case err == nil:
			if leaseUntil > toMicros(at) {
				return ErrBusy
			}
			// Take the expired (or released) lease over; the old holder's
			// next batch finds the owner changed and stops.
			n, err := execCount(ctx, tx, s.q(`UPDATE retention_runs SET cutoff = ?, owner = ?, lease_until = ? WHERE id = ? AND owner = ? AND lease_until = ?`),
				toMicros(cutoff), owner, toMicros(at.Add(lease)), r.ID, r.owner, leaseUntil)
			if err != nil {
				return err
			}
			if n == 0 {
				return ErrBusy
			}
			r.Resumed, r.Cutoff, r.owner = true, fromMicros(toMicros(cutoff)), owner
			run = r
			return nil
		case errors.Is(err, sql.ErrNoRows):
			run, _, err = scanRetention(tx.QueryRowContext(ctx, s.q(`INSERT INTO retention_runs (started_at, cutoff, owner, lease_until, is_open) VALUES (?, ?, ?, ?, ?) RETURNING `+retentionCols),
				toMicros(at), toMicros(cutoff), owner, toMicros(at.Add(lease)), true))
			if err != nil && s.d.isUniqueViolation(err) {
				return ErrBusy
			}
			return err
		default:
			return err
		}
	})
	if errors.Is(err, ErrBusy) {
		return RetentionRun{}, ErrBusy
	}
	if err != nil {
		return RetentionRun{}, fmt.Errorf("starting retention purge: %w", err)
	}
	run.lease = lease
	return run, nil
}

func (s *sqlStore) PurgeBatch(ctx context.Context, run RetentionRun, limit int) (PurgeCounts, error) {
	limit = clampLimit(limit, defaultBatch, 5000)
	before := toMicros(run.Cutoff)
	var c PurgeCounts
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Carry on after the last run this purge deleted.
		var cursorAt sql.NullInt64
		var cursorID sql.NullString
		err := tx.QueryRowContext(ctx, s.q(`SELECT cursor_at, cursor_id FROM retention_runs WHERE id = ? AND owner = ? AND finished_at IS NULL`),
			run.ID, run.owner).Scan(&cursorAt, &cursorID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBusy
		}
		if err != nil {
			return err
		}
		afterAt := int64(-1 << 63)
		if cursorAt.Valid {
			afterAt = cursorAt.Int64
		}
		// A device's latest run is kept: it is the device's current state
		// on the dashboard (devices.latest_run_id points at it).
		var ids []any
		// By the server's receive time: an agent's clock could otherwise
		// keep a record for ever (dated 2099) or have it deleted at once.
		err = queryEach(ctx, tx, s.q(`SELECT r.id, r.received_at FROM check_runs r
			WHERE (r.received_at, r.id) > (?, ?) AND r.received_at < ?
			AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.id = r.device_id AND d.latest_run_id = r.id)
			ORDER BY r.received_at, r.id LIMIT ?`), []any{afterAt, cursorID.String, before, limit}, func(rows *sql.Rows) error {
			var id string
			if err := rows.Scan(&id, &afterAt); err != nil {
				return err
			}
			ids = append(ids, id)
			cursorID.String = id
			return nil
		})
		if err != nil {
			return err
		}
		if c.Runs, c.Results, err = s.deleteRuns(ctx, tx, ids); err != nil {
			return err
		}
		if c.Sessions, err = execCount(ctx, tx, s.q(`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE received_at < ? ORDER BY received_at, id LIMIT ?)`), before, limit); err != nil {
			return err
		}
		if len(ids) > 0 {
			cursorAt, cursorID.Valid = sql.NullInt64{Int64: afterAt, Valid: true}, true
		}
		// Counted, the cursor moved and the lease renewed only while this
		// server holds the purge; otherwise the whole batch rolls back.
		n, err := execCount(ctx, tx, s.q(`UPDATE retention_runs SET runs_deleted = runs_deleted + ?, results_deleted = results_deleted + ?, sessions_deleted = sessions_deleted + ?,
			lease_until = ?, cursor_at = ?, cursor_id = ?
			WHERE id = ? AND owner = ? AND finished_at IS NULL`),
			c.Runs, c.Results, c.Sessions, toMicros(now().Add(run.lease)), cursorAt, cursorID, run.ID, run.owner)
		if err == nil && n == 0 {
			err = ErrBusy
		}
		return err
	})
	if errors.Is(err, ErrBusy) {
		return PurgeCounts{}, ErrBusy
	}
	if err != nil {
		return PurgeCounts{}, fmt.Errorf("purging expired records: %w", err)
	}
	return c, nil
}

func (s *sqlStore) FinishRetention(ctx context.Context, run RetentionRun) (RetentionRun, error) {
	n, err := s.execRows(ctx, `UPDATE retention_runs SET finished_at = ?, is_open = NULL WHERE id = ? AND owner = ? AND finished_at IS NULL`, toMicros(now()), run.ID, run.owner)
	if err != nil {
		return RetentionRun{}, fmt.Errorf("finishing retention purge: %w", err)
	}
	if n == 0 {
		return RetentionRun{}, ErrBusy
	}
	r, _, err := scanRetention(s.db.QueryRowContext(ctx, s.q(`SELECT `+retentionCols+` FROM retention_runs WHERE id = ?`), run.ID))
	if err != nil {
		return RetentionRun{}, fmt.Errorf("finishing retention purge: %w", err)
	}
	r.Resumed, r.lease = run.Resumed, run.lease
	s.scrubWAL(ctx)
	return r, nil
}

func (s *sqlStore) ReleaseRetention(ctx context.Context, run RetentionRun) error {
	if _, err := s.execRows(ctx, `UPDATE retention_runs SET lease_until = 0 WHERE id = ? AND owner = ? AND finished_at IS NULL`, run.ID, run.owner); err != nil {
		return fmt.Errorf("releasing retention purge: %w", err)
	}
	return nil
}

// execRows runs a statement outside a transaction and returns the rows it
// affected.
func (s *sqlStore) execRows(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
