package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/report"
)

// RequiredChecks are the checks a stored team policy requires, laid over
// the default as the agents apply it (all.ParseServerPolicy), in ID
// order; a required check this server does not know stays required. A
// policy that cannot be read (it was validated when saved) requires what
// the default does and every check it names required, so it never
// requires less than it says.
func RequiredChecks(policy json.RawMessage) []string {
	key := policyETag(policy)
	if ids, ok := requiredMemo.Load(key); ok {
		return slices.Clone(ids.([]string))
	}
	ids := requiredChecks(policy)
	if requiredMemoSize.Add(1) > requiredMemoMax {
		requiredMemo.Clear()
		requiredMemoSize.Store(1)
	}
	requiredMemo.Store(key, ids)
	return slices.Clone(ids)
}

// requiredMemo maps a policy's ETag to the checks it requires: reading a
// policy lays it over the default (~45 µs), and a page listing the
// devices not passing a check asks it of every team. Cleared past
// requiredMemoMax policies (a long-running server sees every version
// saved).
var (
	requiredMemo     sync.Map
	requiredMemoSize atomic.Int64
)

const requiredMemoMax = 256

// requiredChecks is RequiredChecks, read afresh.
func requiredChecks(policy json.RawMessage) []string {
	pol := all.DefaultPolicy()
	if trimmed := bytes.TrimSpace(policy); len(trimmed) > 0 && !bytes.Equal(trimmed, []byte("null")) {
		parsed, _, err := all.ParseServerPolicy(bytes.NewReader(policy))
		if err == nil {
			pol = parsed
		} else {
			var named struct {
				Checks map[string]checks.CheckPolicy `json:"checks"`
			}
			_ = json.Unmarshal(policy, &named) // what can be read of it
			for id, c := range named.Checks {
				if c.Required {
					pol.Checks[id] = c
				}
			}
		}
	}
	required := slices.Clone(pol.Uncheckable)
	for id, c := range pol.Checks {
		if c.Required {
			required = append(required, id)
		}
	}
	slices.Sort(required)
	return slices.Compact(required)
}

// requiredByTeam maps each team's ID to the checks its policy requires.
func requiredByTeam(teams ...Team) map[string][]string {
	out := make(map[string][]string, len(teams))
	for _, t := range teams {
		out[t.ID] = RequiredChecks(t.Policy)
	}
	return out
}

// rejudgeChunk is how many devices rejudgeTeam reads and updates in one
// short transaction.
const rejudgeChunk = 500

// rejudgeTeam judges again, against a new policy requiring required, the
// readiness of the team's devices from their stored latest statuses, so
// that the dashboard does not show the old policy's verdict until each
// device reports again. It goes through the team in chunks, each its own
// short transaction (ingest waits for at most one chunk), and updates a
// device only while its latest run is still the one judged: a report
// stored meanwhile was judged by ingest and stands.
func (s *sqlStore) rejudgeTeam(ctx context.Context, teamID string, required []string) error {
	type verdict struct {
		id, runID string
		ready     bool
	}
	after := ""
	for {
		var changed []verdict
		n := 0
		err := queryEach(ctx, s.db, s.q(`SELECT id, latest_run_id, latest_statuses, latest_ready FROM devices
			WHERE team_id = ? AND id > ? AND latest_run_id IS NOT NULL ORDER BY id LIMIT `+strconv.Itoa(rejudgeChunk)), []any{teamID, after},
			func(r *sql.Rows) error {
				var id, runID string
				var statuses sql.NullString
				var was sql.NullBool
				if err := r.Scan(&id, &runID, &statuses, &was); err != nil {
					return err
				}
				n++
				after = id
				var results []report.CheckResult
				eachStatus(statuses.String, func(check string, status checks.Status) {
					results = append(results, report.CheckResult{ID: check, Status: status})
				})
				if ready := ReadyAgainst(results, required); !was.Valid || was.Bool != ready {
					changed = append(changed, verdict{id, runID, ready})
				}
				return nil
			})
		if err != nil {
			return fmt.Errorf("judging the team's devices again: %w", err)
		}
		if len(changed) > 0 {
			if err := s.inTx(ctx, func(tx *sql.Tx) error {
				for _, v := range changed {
					if _, err := tx.ExecContext(ctx, s.q(`UPDATE devices SET latest_ready = ? WHERE id = ? AND latest_run_id = ?`), v.ready, v.id, v.runID); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return fmt.Errorf("judging the team's devices again: %w", err)
			}
		}
		if n < rejudgeChunk {
			return nil
		}
	}
}
