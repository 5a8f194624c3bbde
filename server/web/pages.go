package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// What every page uses: the page size, the team filter, the answer to a
// missing row. Each page group has its own file: overview.go, devices.go
// (the list), device.go (one device), checkpage.go, sessions.go, teams.go,
// policypage.go (a team's policy), secrets.go, dataprotection.go, audit.go
// (revoking and the audit log), timezone.go (settings).

// pageSize is the rows per page of the device, check and session lists.
const pageSize = 50

// teamSet is the teams, for filters and names.
type teamSet struct {
	List   []store.Team
	byID   map[string]store.Team
	Chosen string
}

func (d *dashboard) teamSet(ctx context.Context, chosen string) (teamSet, error) {
	teams, err := d.st.Teams(ctx)
	if err != nil {
		return teamSet{}, err
	}
	ts := teamSet{List: teams, byID: make(map[string]store.Team, len(teams))}
	for _, t := range teams {
		ts.byID[t.ID] = t
	}
	if _, ok := ts.byID[chosen]; ok {
		ts.Chosen = chosen
	}
	return ts, nil
}

func (ts teamSet) name(id string) string {
	if t, ok := ts.byID[id]; ok {
		return t.Name
	}
	return id
}

func (d *dashboard) staleBefore() time.Time { return d.o.Now().Add(-d.o.StaleAfter) }

// countCap is where counting a filtered list stops ("more than 1000").
const countCap = 1000

func limitString(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// found reports whether err is nil. Otherwise it answers: status with
// notFound for store.ErrNotFound, a server error while doing for anything
// else.
func (d *dashboard) found(w http.ResponseWriter, r *http.Request, err error, status int, notFound, doing string) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrNotFound):
		d.renderError(w, r, status, notFound)
	default:
		d.serverError(w, r, doing, err)
	}
	return false
}
