package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/sessionguard/sessionguard/report"
)

// Ingest: a batch of check runs is stored in one transaction, the way each
// back end does it fastest (measured with the load benchmark).
//
// PostgreSQL: a handful of multi-row statements whatever the batch size —
// one INSERT … ON CONFLICT DO NOTHING RETURNING id for the runs (what it
// returns are the new ones, the rest are duplicates), one INSERT for the
// results of the new runs and one UPDATE … FROM (VALUES …) for their
// devices — so a group commit of 500 reports costs a few round trips, not
// 1,500. Each is cut into chunks under PostgreSQL's 65,535 parameters.
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
	started := make([]int64, len(batch))
	for i, r := range batch {
		at := r.Envelope.CheckRun.StartedAt
		if at.IsZero() {
			at = r.Envelope.CreatedAt
		}
		started[i] = toMicros(at)
	}

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("saving reports: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if s.d.name == "sqlite" {
		err = s.saveReportsByRow(ctx, tx, batch, started, received, dups)
	} else {
		err = s.saveReportsMultiRow(ctx, tx, batch, started, received, dups)
	}
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("saving reports: %w", err)
	}
	return dups, nil
}

// saveReportsByRow stores the batch with prepared single-row statements.
func (s *sqlStore) saveReportsByRow(ctx context.Context, tx *sql.Tx, batch []DeviceReport, started []int64, received int64, dups []bool) error {
	insRun, err := s.stmt(ctx, tx, s.q(`INSERT INTO check_runs (id, device_id, started_at, received_at, duration_ms, ready, agent_version)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`))
	if err != nil {
		return fmt.Errorf("saving reports: %w", err)
	}
	insResult, err := s.stmt(ctx, tx, s.q(`INSERT INTO check_results (run_id, device_id, check_id, status, required, at, summary, reason, facts)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`))
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
		env, run := r.Envelope, r.Envelope.CheckRun
		res, err := insRun.ExecContext(ctx, env.ID, r.DeviceID, started[i], received, run.DurationMS, run.Ready, env.Agent.Version)
		if err != nil {
			return fmt.Errorf("saving report: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("saving report: %w", err)
		} else if n == 0 {
			dups[i] = true
			continue
		}
		for _, cr := range run.Results {
			var facts any
			if len(cr.Facts) > 0 {
				facts = string(cr.Facts)
			}
			if _, err := insResult.ExecContext(ctx, env.ID, r.DeviceID, cr.ID, string(cr.Status), cr.Required, started[i], cr.Summary, cr.Reason, facts); err != nil {
				return fmt.Errorf("saving report results: %w", err)
			}
		}
		h := env.Agent.Host
		if _, err := updDevice.ExecContext(ctx, received, env.Agent.Version, h.OS, h.OSVersion, h.Arch,
			started[i], env.ID, started[i], run.Ready, started[i], encodeStatuses(run.Results), started[i], started[i], r.DeviceID); err != nil {
			return fmt.Errorf("saving report: %w", err)
		}
	}
	return nil
}

// saveReportsMultiRow stores the batch with multi-row statements.
func (s *sqlStore) saveReportsMultiRow(ctx context.Context, tx *sql.Tx, batch []DeviceReport, started []int64, received int64, dups []bool) error {

	// Runs. The same id twice in one batch: the first is new, the second a
	// duplicate, as if they had come one after the other.
	inserted := make(map[string]bool, len(batch))
	for lo := 0; lo < len(batch); lo += rowsPerStatement {
		chunk := batch[lo:min(lo+rowsPerStatement, len(batch))]
		args := make([]any, 0, len(chunk)*7)
		for i, r := range chunk {
			env := r.Envelope
			args = append(args, env.ID, r.DeviceID, started[lo+i], received, env.CheckRun.DurationMS, env.CheckRun.Ready, env.Agent.Version)
		}
		rows, err := tx.QueryContext(ctx, s.q(`INSERT INTO check_runs (id, device_id, started_at, received_at, duration_ms, ready, agent_version) VALUES `+
			valueRows(len(chunk), 7)+` ON CONFLICT (id) DO NOTHING RETURNING id`), args...)
		if err != nil {
			return fmt.Errorf("saving reports: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("saving reports: %w", err)
			}
			inserted[id] = true
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("saving reports: %w", err)
		}
		if err := rows.Err(); err != nil {
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

	// Results of the new runs.
	args := make([]any, 0, rowsPerStatement*9)
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO check_results (run_id, device_id, check_id, status, required, at, summary, reason, facts) VALUES `+valueRows(n, 9)), args...)
		args, n = args[:0], 0
		if err != nil {
			return fmt.Errorf("saving report results: %w", err)
		}
		return nil
	}
	for _, i := range fresh {
		r := batch[i]
		for _, res := range r.Envelope.CheckRun.Results {
			var facts any
			if len(res.Facts) > 0 {
				facts = string(res.Facts)
			}
			args = append(args, r.Envelope.ID, r.DeviceID, res.ID, string(res.Status), res.Required, started[i], res.Summary, res.Reason, facts)
			if n++; n == rowsPerStatement {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
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
		if !seen || started[i] >= started[j] {
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
			args = append(args, id, received, env.Agent.Version, h.OS, h.OSVersion, h.Arch, started[i], env.ID, env.CheckRun.Ready, encodeStatuses(env.CheckRun.Results))
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
