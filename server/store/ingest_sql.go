package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/report"
)

// Ingest: a batch of check runs is stored in one transaction, the way each
// back end does it fastest (measured with the load benchmarks). A run is
// one check_runs row with its results in one column (runresults.go) plus
// an update of its device row (seen now, and its latest run and statuses).
//
// PostgreSQL: two multi-row statements whatever the batch size — one
// INSERT … ON CONFLICT DO NOTHING RETURNING id for the runs (what it
// returns are the new ones, the rest are duplicates) and one UPDATE … FROM
// (VALUES …) for their devices — so a group commit of 500 reports costs a
// few round trips, not 1,000. Each is cut into chunks under PostgreSQL's
// 65,535 parameters.
//
// SQLite (in process, no round trips): one prepared single-row statement
// per row. A multi-row statement costs more there: it is parsed anew for
// each batch size, and because it writes many rows and may abort (foreign
// keys) SQLite copies every page it touches into a statement journal
// first — that copy was 15% of ingest CPU in the profile.

// rowsPerStatement bounds the rows of one multi-row statement (at most 10
// parameters a row).
const rowsPerStatement = 1000

func (s *sqlStore) SaveReport(ctx context.Context, deviceID string, env report.Envelope) (bool, error) {
	if env.Kind != report.KindCheckRun {
		return false, fmt.Errorf("%w: SaveReport takes a %s envelope, not %q", ErrInvalid, report.KindCheckRun, env.Kind)
	}
	dups, err := s.SaveReports(ctx, []DeviceReport{{DeviceID: deviceID, Envelope: env}})
	if err != nil {
		return false, err
	}
	return dups[0], nil
}

func (s *sqlStore) SaveReports(ctx context.Context, batch []DeviceReport) ([]bool, error) {
	dups, err := s.SaveReportsUnsynced(ctx, batch)
	if err != nil {
		return nil, err
	}
	if err := s.SyncReports(ctx); err != nil {
		return nil, err
	}
	return dups, nil
}

// Clocks (issue 16, item 10): an agent's clock is not trusted. Every
// record carries the server's receive time, which orders a device's runs
// (the latest is the one received last: an agent's reporter sends its
// spool oldest first, one at a time) and drives retention. A check run's
// start the agent dates in the server's future is stored as the receive
// time (a run cannot have happened after it arrived, and the device's state
// must not freeze on it); a session record keeps the time the agent gave,
// as the audit trail says what the agent recorded, and the dashboard flags
// it ("Device clock wrong") by comparing it with the receive time. How far
// ahead the agent was is kept on the device (devices.clock_ahead_ms, see
// Device.ClockSkewed).

// agentAhead is how far ahead of received the agent dated env: its
// creation or the run's start or the session event, whichever is latest.
func agentAhead(env report.Envelope, received time.Time) time.Duration {
	t := env.CreatedAt
	if run := env.CheckRun; run != nil && run.StartedAt.After(t) {
		t = run.StartedAt
	}
	if rec := env.Session; rec != nil && rec.At.After(t) {
		t = rec.At
	}
	return max(t.Sub(received), 0)
}

// notAfter is t, or received when t is later (or zero).
func notAfter(t, received time.Time) time.Time {
	if t.IsZero() || t.After(received) {
		return received
	}
	return t
}

// scopedID is the stored id of an envelope whose id another device's
// record holds already (report ids are scoped per device): the device id,
// a slash, the envelope id. Agents' ids are 32 hex digits, so no envelope
// can take this form.
func scopedID(deviceID, envID string) string { return deviceID + "/" + envID }

func (s *sqlStore) SaveReportsUnsynced(ctx context.Context, batch []DeviceReport) ([]bool, error) {
	sessions := 0
	for _, r := range batch {
		env := r.Envelope
		switch {
		case env.Kind == report.KindCheckRun && env.CheckRun != nil:
		case env.Kind == report.KindSession && env.Session != nil:
			sessions++
		default:
			return nil, fmt.Errorf("%w: a %s or %s envelope is stored, not %q", ErrInvalid, report.KindCheckRun, report.KindSession, env.Kind)
		}
		if env.ID == "" {
			return nil, fmt.Errorf("%w: envelope has no id", ErrInvalid)
		}
	}
	dups := make([]bool, len(batch))
	if len(batch) == 0 {
		return dups, nil
	}
	receivedAt := now()
	received := toMicros(receivedAt)
	// Check runs (the hot path) and session records are stored apart;
	// runs keep batch order, so a device's later run in the batch wins.
	runs, runIdx := batch, []int(nil)
	if sessions > 0 {
		runs = make([]DeviceReport, 0, len(batch)-sessions)
		for i, r := range batch {
			if r.Envelope.Kind == report.KindCheckRun {
				runs = append(runs, r)
				runIdx = append(runIdx, i)
			}
		}
	}
	rows := make([]runRow, len(runs))
	for i, r := range runs {
		run := r.Envelope.CheckRun
		at := run.StartedAt
		if at.IsZero() {
			at = r.Envelope.CreatedAt
		}
		prep := r.Run
		if prep == nil {
			var err error
			if prep, err = PrepareRun(run); err != nil {
				return nil, err
			}
		}
		rows[i] = runRow{id: r.Envelope.ID, started: toMicros(notAfter(at, receivedAt)), PreparedRun: *prep,
			aheadMS: agentAhead(r.Envelope, receivedAt).Milliseconds()}
	}

	tx, done, err := s.ingestTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("saving reports: %w", err)
	}
	defer done()
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	runDups := dups
	if sessions > 0 {
		runDups = make([]bool, len(runs))
	}
	if len(runs) > 0 {
		if s.d.name == "sqlite" {
			err = s.saveReportsByRow(ctx, tx, runs, rows, received, runDups)
		} else {
			err = s.saveReportsMultiRow(ctx, tx, runs, rows, received, runDups)
		}
		if err != nil {
			return nil, err
		}
	}
	if sessions > 0 {
		for k, i := range runIdx {
			dups[i] = runDups[k]
		}
		for i, r := range batch {
			if r.Envelope.Kind != report.KindSession {
				continue
			}
			if dups[i], err = s.saveSession(ctx, tx, r.DeviceID, r.Envelope, receivedAt); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("saving reports: %w", err)
	}
	return dups, nil
}

// saveSession stores one session record in tx.
func (s *sqlStore) saveSession(ctx context.Context, tx *sql.Tx, deviceID string, env report.Envelope, receivedAt time.Time) (bool, error) {
	rec := env.Session
	notPassing := rec.NotPassing
	if notPassing == nil {
		notPassing = []string{}
	}
	np, err := json.Marshal(notPassing)
	if err != nil {
		return false, fmt.Errorf("saving session: %w", err)
	}
	var overrideReason, overrideChecks, cookies any
	if rec.Override != nil {
		oc, err := json.Marshal(rec.Override.Checks)
		if err != nil {
			return false, fmt.Errorf("saving session: %w", err)
		}
		overrideReason, overrideChecks = rec.Override.Reason, string(oc)
	}
	if rec.Cookies != nil {
		c, err := json.Marshal(rec.Cookies)
		if err != nil {
			return false, fmt.Errorf("saving session: %w", err)
		}
		cookies = string(c)
	}
	received := toMicros(receivedAt)
	ins, err := s.stmt(ctx, tx, s.q(`INSERT INTO sessions (id, device_id, session_id, event, at, received_at, label, ready, not_passing, override_reason, override_checks, cookies)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`))
	if err != nil {
		return false, fmt.Errorf("saving session: %w", err)
	}
	insert := func(id string) (bool, error) {
		res, err := ins.ExecContext(ctx, id, deviceID, rec.SessionID, rec.Event, toMicros(rec.At), received,
			rec.Label, rec.Ready, string(np), overrideReason, overrideChecks, cookies)
		if err != nil {
			return false, fmt.Errorf("saving session: %w", err)
		}
		n, err := res.RowsAffected()
		return n == 1, err
	}
	stored, err := insert(env.ID)
	if err == nil && !stored {
		// Taken: by this device (a resend) or by another one.
		var owner string
		if err = tx.QueryRowContext(ctx, s.q(`SELECT device_id FROM sessions WHERE id = ?`), env.ID).Scan(&owner); err == nil && owner != deviceID {
			stored, err = insert(scopedID(deviceID, env.ID))
		}
	}
	if err != nil {
		return false, fmt.Errorf("saving session: %w", err)
	}
	if !stored {
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE devices SET last_seen_at = ?, clock_ahead_ms = ? WHERE id = ?`),
		received, agentAhead(env, receivedAt).Milliseconds(), deviceID); err != nil {
		return false, fmt.Errorf("saving session: %w", err)
	}
	return false, nil
}

// ingestTx begins an ingest transaction; call done after it ended.
//
// On SQLite every ingest transaction runs on the same connection, one at a
// time (SQLite has one writer anyway). A connection's page cache is thrown
// away whenever it starts a transaction after another connection wrote;
// with the pool handing out any of its connections, each group commit
// began with a cold cache and read its pages again (and the profile showed
// the cache being rebuilt and cleared at every commit). PostgreSQL takes
// any pooled connection.
func (s *sqlStore) ingestTx(ctx context.Context) (tx *sql.Tx, done func(), err error) {
	if s.d.name != "sqlite" {
		tx, err := s.db.BeginTx(ctx, nil)
		return tx, func() {}, err
	}
	s.ingestMu.Lock()
	if s.ingestConn == nil {
		if s.ingestConn, err = s.ingestConnection(ctx); err != nil {
			s.ingestMu.Unlock()
			return nil, nil, err
		}
	}
	tx, err = s.ingestConn.BeginTx(ctx, nil)
	if err != nil {
		// Start afresh next time: the connection may be broken.
		discardConn(s.ingestConn)
		s.ingestConn = nil
		s.ingestMu.Unlock()
		return nil, nil, err
	}
	return tx, s.ingestMu.Unlock, nil
}

// ingestConnection opens the SQLite ingest connection, the writer, with
// the larger page cache (see sqlitePragmas). Under WAL its
// commits skip their own fsync (synchronous=NORMAL on this connection
// only; every other connection keeps FULL): SyncReports flushes the WAL
// for many commits at once, and SaveReports calls it before returning.
func (s *sqlStore) ingestConnection(ctx context.Context) (*sql.Conn, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	pragmas := []string{`PRAGMA cache_size = -` + strconv.Itoa(writerCacheKiB)}
	if s.walPath != "" {
		pragmas = append(pragmas, `PRAGMA synchronous = NORMAL`)
	}
	for _, p := range pragmas {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			discardConn(conn)
			return nil, err
		}
	}
	return conn, nil
}

// discardConn closes the ingest connection for good instead of giving it
// back to the pool, where another write would run with its
// synchronous=NORMAL and commit without an fsync.
func discardConn(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}

// SyncReports fsyncs SQLite's WAL file: an fsync flushes the file's
// pages whichever descriptor wrote them, so every commit made before this
// call is on disk once it returns. Without WAL (an in-memory database, or
// a file system where SQLite could not turn WAL on) ingest commits sync
// themselves and there is nothing to do; PostgreSQL's commits are durable.
func (s *sqlStore) SyncReports(ctx context.Context) error {
	if s.walPath == "" {
		return nil
	}
	f, err := os.OpenFile(s.walPath, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		// SQLite removes the WAL when its last connection closes, after
		// checkpointing it into the (then synced) database file.
		return nil
	}
	if err != nil {
		return fmt.Errorf("syncing reports to disk: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing reports to disk: %w", err)
	}
	return nil
}

// runRow is what a report stores beyond its envelope's fields.
type runRow struct {
	id      string // check_runs.id: the envelope's, or scopedID
	started int64  // the run's start, Unix µs (never after its receipt)
	aheadMS int64  // devices.clock_ahead_ms
	PreparedRun
}

// saveReportsByRow stores the batch with prepared single-row statements.
func (s *sqlStore) saveReportsByRow(ctx context.Context, tx *sql.Tx, batch []DeviceReport, rows []runRow, received int64, dups []bool) error {
	insRun, err := s.stmt(ctx, tx, s.q(`INSERT INTO check_runs (id, device_id, started_at, received_at, duration_ms, ready, agent_version, results)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`))
	if err != nil {
		return fmt.Errorf("saving reports: %w", err)
	}
	// The run received last is the device's latest.
	updDevice, err := s.stmt(ctx, tx, s.q(`UPDATE devices SET last_seen_at = ?, agent_version = ?, os = ?, os_version = ?, arch = ?,
		latest_run_id = ?, latest_ready = ?, latest_statuses = ?, latest_run_at = ?, clock_ahead_ms = ?
		WHERE id = ?`))
	if err != nil {
		return fmt.Errorf("saving reports: %w", err)
	}
	// devices_not_passing follows latest_statuses: the device's rows are
	// replaced when its statuses change (before latest_statuses is
	// updated), and the insert finds them there when they did not — the
	// steady state of a fleet, whose reports then rewrite no page of the
	// table or its check index.
	delNP, err := s.stmt(ctx, tx, s.q(`DELETE FROM devices_not_passing WHERE device_id = ? AND (SELECT latest_statuses FROM devices WHERE id = ?) IS NOT ?`))
	if err != nil {
		return fmt.Errorf("saving reports: %w", err)
	}
	insNP, err := s.stmt(ctx, tx, s.q(`INSERT INTO devices_not_passing (device_id, check_id) VALUES (?, ?) ON CONFLICT DO NOTHING`))
	if err != nil {
		return fmt.Errorf("saving reports: %w", err)
	}
	insert := func(r DeviceReport, row runRow, id string) (bool, error) {
		env, run := r.Envelope, r.Envelope.CheckRun
		res, err := insRun.ExecContext(ctx, id, r.DeviceID, row.started, received, run.DurationMS, run.Ready, env.Agent.Version, row.results)
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		return n == 1, err
	}
	for i, r := range batch {
		env, row := r.Envelope, rows[i]
		stored, err := insert(r, row, row.id)
		if err == nil && !stored {
			// Taken: by this device (a resend) or by another one.
			var owner string
			if err = tx.QueryRowContext(ctx, s.q(`SELECT device_id FROM check_runs WHERE id = ?`), row.id).Scan(&owner); err == nil && owner != r.DeviceID {
				row.id = scopedID(r.DeviceID, env.ID)
				stored, err = insert(r, row, row.id)
			}
		}
		if err != nil {
			return fmt.Errorf("saving report: %w", err)
		}
		if !stored {
			dups[i] = true
			continue
		}
		if _, err := delNP.ExecContext(ctx, r.DeviceID, r.DeviceID, row.statuses); err != nil {
			return fmt.Errorf("saving report: %w", err)
		}
		h := env.Agent.Host
		if _, err := updDevice.ExecContext(ctx, received, env.Agent.Version, h.OS, h.OSVersion, h.Arch,
			row.id, row.ready, row.statuses, received, row.aheadMS, r.DeviceID); err != nil {
			return fmt.Errorf("saving report: %w", err)
		}
		for _, c := range row.notPassing {
			if _, err := insNP.ExecContext(ctx, r.DeviceID, c); err != nil {
				return fmt.Errorf("saving report: %w", err)
			}
		}
	}
	return nil
}

// saveReportsMultiRow stores the batch with multi-row statements.
func (s *sqlStore) saveReportsMultiRow(ctx context.Context, tx *sql.Tx, batch []DeviceReport, rows []runRow, received int64, dups []bool) error {
	// Runs. The same id twice in one batch from one device: the first is
	// new, the second a duplicate, as if they had come one after the other.
	all := make([]int, len(batch))
	for i := range all {
		all[i] = i
	}
	inserted, err := s.insertRuns(ctx, tx, batch, rows, received, all)
	if err != nil {
		return err
	}
	fresh := make([]int, 0, len(batch))
	var taken []int
	for i := range batch {
		if inserted[rows[i].id] {
			fresh = append(fresh, i)
			delete(inserted, rows[i].id) // a second copy is a duplicate (or another device's: below)
		} else {
			taken = append(taken, i)
		}
	}
	// Ids taken already: a resend by the same device is a duplicate; an id
	// another device holds is stored under this device's scoped id.
	if len(taken) > 0 {
		ids := make([]any, len(taken))
		for k, i := range taken {
			ids[k] = rows[i].id
		}
		owners := make(map[string]string, len(taken))
		err := queryEach(ctx, tx, s.q(`SELECT id, device_id FROM check_runs WHERE id IN (`+placeholders(len(ids))+`)`), ids, func(r *sql.Rows) error {
			var id, owner string
			err := r.Scan(&id, &owner)
			owners[id] = owner
			return err
		})
		if err != nil {
			return fmt.Errorf("saving reports: %w", err)
		}
		var foreign []int
		for _, i := range taken {
			if owners[rows[i].id] != batch[i].DeviceID {
				rows[i].id = scopedID(batch[i].DeviceID, batch[i].Envelope.ID)
				foreign = append(foreign, i)
			} else {
				dups[i] = true
			}
		}
		if len(foreign) > 0 {
			again, err := s.insertRuns(ctx, tx, batch, rows, received, foreign)
			if err != nil {
				return err
			}
			for _, i := range foreign {
				if again[rows[i].id] {
					fresh = append(fresh, i)
					delete(again, rows[i].id)
				} else {
					dups[i] = true
				}
			}
			slices.Sort(fresh)
		}
	}
	if len(fresh) == 0 {
		return nil
	}

	// Devices: seen now; each one's run received last (the later one in
	// the batch) becomes its latest. VALUES columns are column1… in both
	// dialects.
	newest := make(map[string]int, len(fresh))
	order := make([]string, 0, len(fresh))
	for _, i := range fresh {
		id := batch[i].DeviceID
		if _, seen := newest[id]; !seen {
			order = append(order, id)
		}
		newest[id] = i
	}
	for lo := 0; lo < len(order); lo += rowsPerStatement {
		chunk := order[lo:min(lo+rowsPerStatement, len(order))]
		args := make([]any, 0, len(chunk)*10)
		for _, id := range chunk {
			i := newest[id]
			env := batch[i].Envelope
			h := env.Agent.Host
			args = append(args, id, received, env.Agent.Version, h.OS, h.OSVersion, h.Arch, rows[i].aheadMS, rows[i].id, rows[i].ready, rows[i].statuses)
		}
		// devices_not_passing follows latest_statuses: a device's rows are
		// replaced when its statuses change, so they are deleted first,
		// while latest_statuses still holds the old ones; when they did
		// not change the insert below finds them there (see
		// saveReportsByRow).
		changed := make([]any, 0, 2*len(chunk))
		for _, id := range chunk {
			changed = append(changed, id, rows[newest[id]].statuses)
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM devices_not_passing AS n USING devices AS d, (VALUES `+typedRows(len(chunk), "TEXT", "TEXT")+
			`) AS v WHERE n.device_id = v.column1 AND d.id = v.column1 AND d.latest_statuses IS DISTINCT FROM v.column2`), changed...); err != nil {
			return fmt.Errorf("saving reports: updating devices: %w", err)
		}
		var b strings.Builder
		b.WriteString(`UPDATE devices AS d SET last_seen_at = v.column2, agent_version = v.column3, os = v.column4, os_version = v.column5, arch = v.column6,
			clock_ahead_ms = v.column7, latest_run_id = v.column8, latest_ready = v.column9, latest_statuses = v.column10, latest_run_at = v.column2
			FROM (VALUES `)
		b.WriteString(typedRows(len(chunk), "TEXT", "BIGINT", "TEXT", "TEXT", "TEXT", "TEXT", "BIGINT", "TEXT", "BOOLEAN", "TEXT"))
		b.WriteString(`) AS v WHERE d.id = v.column1`)
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return fmt.Errorf("saving reports: updating devices: %w", err)
		}
		var np []any
		for _, id := range chunk {
			for _, c := range rows[newest[id]].notPassing {
				np = append(np, id, c)
			}
		}
		for lo := 0; lo < len(np); lo += 2 * rowsPerStatement {
			part := np[lo:min(lo+2*rowsPerStatement, len(np))]
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO devices_not_passing (device_id, check_id) VALUES `+valueRows(len(part)/2, 2)+
				` ON CONFLICT DO NOTHING`), part...); err != nil {
				return fmt.Errorf("saving reports: updating devices: %w", err)
			}
		}
	}
	return nil
}

// insertRuns inserts the runs batch[idx] under rows[idx].id with
// multi-row statements and returns the ids inserted (those not taken).
func (s *sqlStore) insertRuns(ctx context.Context, tx *sql.Tx, batch []DeviceReport, rows []runRow, received int64, idx []int) (map[string]bool, error) {
	inserted := make(map[string]bool, len(idx))
	for lo := 0; lo < len(idx); lo += rowsPerStatement {
		chunk := idx[lo:min(lo+rowsPerStatement, len(idx))]
		args := make([]any, 0, len(chunk)*8)
		for _, i := range chunk {
			env := batch[i].Envelope
			args = append(args, rows[i].id, batch[i].DeviceID, rows[i].started, received, env.CheckRun.DurationMS, env.CheckRun.Ready, env.Agent.Version, rows[i].results)
		}
		err := queryEach(ctx, tx, s.q(`INSERT INTO check_runs (id, device_id, started_at, received_at, duration_ms, ready, agent_version, results) VALUES `+
			valueRows(len(chunk), 8)+` ON CONFLICT (id) DO NOTHING RETURNING id`), args, func(r *sql.Rows) error {
			var id string
			err := r.Scan(&id)
			inserted[id] = true
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("saving reports: %w", err)
		}
	}
	return inserted, nil
}

// typedRows is VALUES rows of CAST(? AS type) for the given column types,
// so PostgreSQL knows what the parameters are.
func typedRows(rows int, types ...string) string {
	var b strings.Builder
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c, t := range types {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteString("CAST(? AS " + t + ")")
		}
		b.WriteByte(')')
	}
	return b.String()
}

// valueRows returns "(?, ?), (?, ?)" for rows rows of cols parameters.
func valueRows(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	var b strings.Builder
	b.Grow(rows * (len(one) + 2))
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}
