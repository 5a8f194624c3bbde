package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/sessionguard/sessionguard/report"
)

// A check a device's team requires that the device's latest run left out
// (its agent is older than the check, or could not run it) is not passing:
// the fleet figures count it unknown (fleetFigures) and the device is not
// ready (ReadyAgainst). devices_not_passing holds a row for it too, so the
// check's page and the devices list's "failing" filter list the device
// beside those that reported the check failing or unknown. Such a row
// depends on the team's policy as well as the device's statuses: ingest
// adds it (PrepareRunFor), and saving a policy brings the team's rows in
// line with the checks it now requires (syncUnreported).

// unreportedChecks are the checks of required that results leave out.
func unreportedChecks(results []report.CheckResult, required []string) []string {
	var out []string
	for _, id := range required {
		if !slices.ContainsFunc(results, func(r report.CheckResult) bool { return r.ID == id }) {
			out = append(out, id)
		}
	}
	return out
}

// execer runs a statement: the database, or a transaction (a migration's).
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// findText is the dialect's function giving the position of a substring
// (0: not found).
func (s *sqlStore) findText() string {
	if s.d.name == "postgres" {
		return "strpos"
	}
	return "instr"
}

// statusPrefix is the start of check id's entry in latest_statuses,
// whatever its status.
func statusPrefix(id string) string { return "|" + statusEscaper.Replace(id) + "=" }

// statusPrefixSQL is statusPrefix of the check ID column col, in SQL.
const statusPrefixSQL = `'|' || replace(replace(replace(%s, '%%', '%%25'), '|', '%%7C'), '=', '%%3D') || '='`

// syncUnreported brings the team's rows of devices_not_passing for checks
// its devices did not report in line with the checks its policy requires:
// a row for each required check a reported device's latest statuses leave
// out, and none for a check left out that is no longer required. Rows for
// checks reported failing or unknown are not touched. Each statement is
// its own transaction on the database (ingest waits for one at most), or
// part of db's when db is a transaction.
func (s *sqlStore) syncUnreported(ctx context.Context, db execer, teamID string, required []string) error {
	find := s.findText()
	del := `DELETE FROM devices_not_passing WHERE EXISTS (SELECT 1 FROM devices d WHERE d.id = devices_not_passing.device_id AND d.team_id = ?
		AND ` + find + `(d.latest_statuses, ` + fmt.Sprintf(statusPrefixSQL, "devices_not_passing.check_id") + `) = 0)`
	args := []any{teamID}
	if len(required) > 0 {
		del += ` AND check_id NOT IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(required)), ", ") + `)`
		for _, id := range required {
			args = append(args, id)
		}
	}
	if _, err := db.ExecContext(ctx, s.q(del), args...); err != nil {
		return fmt.Errorf("listing the checks the team's devices did not report: %w", err)
	}
	ins := s.q(`INSERT INTO devices_not_passing (device_id, check_id) SELECT d.id, CAST(? AS TEXT) FROM devices d
		WHERE d.team_id = ? AND d.latest_statuses IS NOT NULL AND ` + find + `(d.latest_statuses, ?) = 0 ON CONFLICT DO NOTHING`)
	for _, id := range required {
		if _, err := db.ExecContext(ctx, ins, id, teamID, statusPrefix(id)); err != nil {
			return fmt.Errorf("listing the checks the team's devices did not report: %w", err)
		}
	}
	return nil
}

// migration00017 lists, for the devices that reported before it, the
// checks their teams require that their latest runs left out
// (syncUnreported for every team), in the migration's transaction.
func (s *sqlStore) migration00017() *goose.Migration {
	up := func(ctx context.Context, tx *sql.Tx) error {
		var teams []Team
		err := queryEach(ctx, tx, `SELECT id, policy FROM teams`, nil, func(r *sql.Rows) error {
			var t Team
			var policy string
			if err := r.Scan(&t.ID, &policy); err != nil {
				return err
			}
			t.Policy = []byte(policy)
			teams = append(teams, t)
			return nil
		})
		if err != nil {
			return err
		}
		for _, t := range teams {
			if err := s.syncUnreported(ctx, tx, t.ID, RequiredChecks(t.Policy)); err != nil {
				return err
			}
		}
		return nil
	}
	down := func(ctx context.Context, tx *sql.Tx) error {
		// Only the rows of checks reported not passing stay.
		prefix := fmt.Sprintf(statusPrefixSQL, "devices_not_passing.check_id")
		var reported []string
		for _, st := range notPassing {
			reported = append(reported, s.findText()+`(d.latest_statuses, `+prefix+` || '`+statusEscaper.Replace(string(st))+`|') > 0`)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM devices_not_passing WHERE NOT EXISTS (SELECT 1 FROM devices d
			WHERE d.id = devices_not_passing.device_id AND (`+strings.Join(reported, ` OR `)+`))`)
		return err
	}
	return goose.NewGoMigration(17, &goose.GoFunc{RunTx: up}, &goose.GoFunc{RunTx: down})
}
