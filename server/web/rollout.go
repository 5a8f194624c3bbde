package web

import (
	"context"
	"fmt"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// rolloutLimit is how many devices the team page lists under its policy.
const rolloutLimit = 200

// rolloutView says which of a team's devices run its current policy: an
// agent confirms the version it applied when it next asks the server for
// the policy (server/api), within a minute of a save.
type rolloutView struct {
	Total, Applied int
	Rows           []rolloutRow
	// More: the team has more devices than are listed.
	More bool
}

type rolloutRow struct {
	ID, Name string
	// Applied: the device runs the current version; State says since
	// when ("applied 2 min ago") or "not yet"; At is the exact time.
	Applied bool
	State   string
	At      string
}

func (d *dashboard) rollout(ctx context.Context, t store.Team) (rolloutView, error) {
	r, err := d.st.PolicyRollout(ctx, t.ID, t.ETag, rolloutLimit)
	if err != nil {
		return rolloutView{}, err
	}
	v := rolloutView{Total: r.Total, Applied: r.Applied, More: r.Total > len(r.Devices)}
	now := d.o.Now()
	for _, dev := range r.Devices {
		row := rolloutRow{ID: dev.ID, Name: dev.Name, Applied: dev.PolicyETag == t.ETag, State: "not yet"}
		if dev.PolicyAppliedAt != nil {
			row.At = dev.PolicyAppliedAt.UTC().Format("2006-01-02 15:04:05 UTC")
			if row.Applied {
				row.State = "applied " + ago(now.Sub(*dev.PolicyAppliedAt))
			} else {
				row.State = "not yet (runs an earlier version, applied " + ago(now.Sub(*dev.PolicyAppliedAt)) + ")"
			}
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

// ago says how long ago in words: "just now", "2 min ago", "3 h ago",
// "5 days ago".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
}
