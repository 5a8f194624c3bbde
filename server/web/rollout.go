package web

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// rolloutView says which of a team's devices run its current policy: an
// agent confirms the version it applied when it next asks the server for
// the policy (server/api), within a minute of a save. Its table sorts and
// pages like the others.
type rolloutView struct {
	Total, Applied int
	Rows           []rolloutRow
	Headers        []header
	Pager          pager
}

type rolloutRow struct {
	ID, Name string
	// Applied: the device runs the current version; State says since
	// when ("applied 2 min ago") or "not yet"; At is the exact time.
	Applied bool
	State   string
	At      string
}

// rolloutCols: the keys are the store's Rollout sorts ("policy" is
// RolloutSortApplied: not yet first, then by when).
var rolloutCols = []sortCol{{Key: store.RolloutSortName, Label: "Device"}, {Key: "policy", Label: "This policy"}}

func (d *dashboard) rollout(ctx context.Context, t store.Team, q url.Values) (rolloutView, error) {
	path := "/teams/" + url.PathEscape(t.ID)
	s := parseList(q, rolloutCols, "policy")
	rq := store.RolloutQuery{TeamID: t.ID, ETag: t.ETag, Desc: s.Desc, After: s.After, Before: s.Before, Limit: pageSize + 1}
	if s.Sort != "policy" {
		rq.Sort = s.Sort
	}
	r, err := d.st.PolicyRollout(ctx, rq)
	if err != nil {
		return rolloutView{}, err
	}
	devs, p := page(r.Devices, s, path, q, r.Total, "device", rq.Cursor)
	v := rolloutView{Total: r.Total, Applied: r.Applied, Headers: s.headers(path, q, rolloutCols), Pager: p}
	jumpTo("rollout-heading", v.Headers, &v.Pager)
	now := d.o.Now()
	for _, dev := range devs {
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
