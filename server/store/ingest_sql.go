package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

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

func (s *sqlStore) SaveReportsUnsynced(ctx context.Context, batch []DeviceReport) ([]bool, error) {
	for _, r := range batch {
		env := r.Envelope
		if env.Kind != report.KindCheckRun || env.CheckRun == nil {
			return nil, fmt.Errorf("%w: SaveReport takes a %s envelope, not %q", ErrInvalid, report.KindCheckRun, env.Kind)
		}
		if env.ID == "" {
			return nil, fmt.Errorf("%w: envelope has no id", ErrInvalid)
		}
	}
	dups := make([]bool, len(batch))
	if len(batch) == 0 {
		return dups, nil
	}
	received := toMicros(now())
	rows := make([]runRow, len(batch))
	for i, r := range batch {
		run := r.Envelope.CheckRun
		at := run.StartedAt
		if at.IsZero() {
			at = r.Envelope.CreatedAt
		}
		results, err := encodeResults(run.Results)
		if err != nil {
			return nil, err
		}
		rows[i] = runRow{started: toMicros(at), results: results, statuses: encodeStatuses(run.Results)}
	}

	tx, done, err := s.ingestTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("saving reports: %w", err)
	}
	defer done()
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if s.d.name == "sqlite" {
		err = s.saveReportsByRow(ctx, tx, batch, rows, received, dups)
	} else {
		err = s.saveReportsMultiRow(ctx, tx, batch, rows, received, dups)
	}
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("saving reports: %w", err)
	}
	return dups, nil
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

// ingestConnection opens the SQLite ingest connection. Under WAL its
// commits skip their own fsync (synchronous=NORMAL on this connection
// only; every other connection keeps FULL): SyncReports flushes the WAL
// for many commits at once, and SaveReports calls it before returning.
func (s *sqlStore) ingestConnection(ctx context.Context) (*sql.Conn, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if s.walPath != "" {
		if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
			conn.Close()
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
	started  int64  // the run's start, Unix µs
	results  string // check_runs.results
	statuses string // devices.latest_statuses
}

// saveReportsByRow stores the batch with prepared single-row statements.
func (s *sqlStore) saveReportsByRow(ctx context.Context, tx *sql.Tx, batch []DeviceReport, rows []runRow, received int64, dups []bool) error {
	insRun, err := s.stmt(ctx, tx, s.q(`INSERT INTO check_runs (id, device_id, started_at, received_at, duration_ms, ready, agent_version, results)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`))
	if err != nil {
		return fmt.Errorf("saving reports: %w", err)
	}
	updDevice, err := s.stmt(ctx, tx, s.q(`UPDATE devices SET last_seen_at = ?, agent_version = ?, os = ?, os_version = ?, arch = ?,
		latest_run_id = CASE WHEN latest_run_at IS NULL OR latest_run_at <= ? THEN ? ELSE latest_run_id END,
		latest_ready = CASE WHEN latest_run_at IS NULL OR latest_run_at <= ? THEN ? ELSE latest_ready END,
		latest_statuses = CASE WHEN latest_run_at IS NULL OR latest_run_at <= ? THEN ? ELSE latest_statuses END,
		latest_run_at = CASE WHEN latest_run_at IS NULL OR latest_run_at <= ? THEN ? ELSE latest_run_at END
		WHERE id = ?`))
	if err != nil {
		return fmt.Errorf("saving reports: %w", err)
	}
	for i, r := range batch {
		env, run, row := r.Envelope, r.Envelope.CheckRun, rows[i]
		res, err := insRun.ExecContext(ctx, env.ID, r.DeviceID, row.started, received, run.DurationMS, run.Ready, env.Agent.Version, row.results)
		if err != nil {
			return fmt.Errorf("saving report: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("saving report: %w", err)
		} else if n == 0 {
			dups[i] = true
			continue
		}
		h := env.Agent.Host
		if _, err := updDevice.ExecContext(ctx, received, env.Agent.Version, h.OS, h.OSVersion, h.Arch,
			row.started, env.ID, row.started, run.Ready, row.started, row.statuses, row.started, row.started, r.DeviceID); err != nil {
			return fmt.Errorf("saving report: %w", err)
		}
	}
	return nil
}

// saveReportsMultiRow stores the batch with multi-row statements.
func (s *sqlStore) saveReportsMultiRow(ctx context.Context, tx *sql.Tx, batch []DeviceReport, rows []runRow, received int64, dups []bool) error {

	// Runs. The same id twice in one batch: the first is new, the second a
	// duplicate, as if they had come one after the other.
	inserted := make(map[string]bool, len(batch))
	for lo := 0; lo < len(batch); lo += rowsPerStatement {
		chunk := batch[lo:min(lo+rowsPerStatement, len(batch))]
		args := make([]any, 0, len(chunk)*8)
		for i, r := range chunk {
			env := r.Envelope
			args = append(args, env.ID, r.DeviceID, rows[lo+i].started, received, env.CheckRun.DurationMS, env.CheckRun.Ready, env.Agent.Version, rows[lo+i].results)
		}
		ret, err := tx.QueryContext(ctx, s.q(`INSERT INTO check_runs (id, device_id, started_at, received_at, duration_ms, ready, agent_version, results) VALUES `+
			valueRows(len(chunk), 8)+` ON CONFLICT (id) DO NOTHING RETURNING id`), args...)
		if err != nil {
			return fmt.Errorf("saving reports: %w", err)
		}
		for ret.Next() {
			var id string
			if err := ret.Scan(&id); err != nil {
				ret.Close()
				return fmt.Errorf("saving reports: %w", err)
			}
			inserted[id] = true
		}
		if err := ret.Close(); err != nil {
			return fmt.Errorf("saving reports: %w", err)
		}
		if err := ret.Err(); err != nil {
			return fmt.Errorf("saving reports: %w", err)
		}
	}
	fresh := make([]int, 0, len(batch))
	for i, r := range batch {
		if inserted[r.Envelope.ID] {
			fresh = append(fresh, i)
			delete(inserted, r.Envelope.ID) // a second copy is a duplicate
		} else {
			dups[i] = true
		}
	}
	if len(fresh) == 0 {
		return nil
	}

	// Devices: seen now; each one's newest new run (by start time, the
	// later one in the batch on a tie) becomes its latest unless a newer
	// one is stored already. SET expressions all read the old row, in both
	// dialects; VALUES columns are column1… in both.
	newest := make(map[string]int, len(fresh))
	order := make([]string, 0, len(fresh))
	for _, i := range fresh {
		id := batch[i].DeviceID
		j, seen := newest[id]
		if !seen {
			order = append(order, id)
		}
		if !seen || rows[i].started >= rows[j].started {
			newest[id] = i
		}
	}
	for lo := 0; lo < len(order); lo += rowsPerStatement {
		chunk := order[lo:min(lo+rowsPerStatement, len(order))]
		args := make([]any, 0, len(chunk)*10)
		for _, id := range chunk {
			i := newest[id]
			env := batch[i].Envelope
			h := env.Agent.Host
			args = append(args, id, received, env.Agent.Version, h.OS, h.OSVersion, h.Arch, rows[i].started, env.ID, env.CheckRun.Ready, rows[i].statuses)
		}
		var b strings.Builder
		b.WriteString(`UPDATE devices AS d SET last_seen_at = v.column2, agent_version = v.column3, os = v.column4, os_version = v.column5, arch = v.column6,
			latest_run_id = CASE WHEN d.latest_run_at IS NULL OR d.latest_run_at <= v.column7 THEN v.column8 ELSE d.latest_run_id END,
			latest_ready = CASE WHEN d.latest_run_at IS NULL OR d.latest_run_at <= v.column7 THEN v.column9 ELSE d.latest_ready END,
			latest_statuses = CASE WHEN d.latest_run_at IS NULL OR d.latest_run_at <= v.column7 THEN v.column10 ELSE d.latest_statuses END,
			latest_run_at = CASE WHEN d.latest_run_at IS NULL OR d.latest_run_at <= v.column7 THEN v.column7 ELSE d.latest_run_at END
			FROM (VALUES `)
		for k := range chunk {
			if k > 0 {
				b.WriteString(", ")
			}
			// Typed, so PostgreSQL knows what the parameters are.
			b.WriteString(`(CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BOOLEAN), CAST(? AS TEXT))`)
		}
		b.WriteString(`) AS v WHERE d.id = v.column1`)
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return fmt.Errorf("saving reports: updating devices: %w", err)
		}
	}
	return nil
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
