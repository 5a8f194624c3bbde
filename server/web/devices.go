package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/sessionguard/sessionguard/server/store"
)

// The device list: filters, sorting and keyset paging.

type deviceRow struct {
	store.Device
	TeamName string
	State    string
}

type devicesView struct {
	Teams   teamSet
	Checks  []checkInfo
	States  []string
	Filter  store.DeviceQuery
	Rows    []deviceRow
	Headers []header
	Pager   pager
	// KeepSort: hidden fields of the filter form.
	KeepSort []fact
}

var deviceListCols = []sortCol{{Key: store.DeviceSortName, Label: "Device"}, {Key: store.DeviceSortTeam, Label: "Team"},
	{Key: store.DeviceSortState, Label: "State"}, {Key: store.DeviceSortSystem, Label: "System"}, {Key: store.DeviceSortAgent, Label: "Agent"},
	{Key: store.DeviceSortLastSeen, Label: "Last seen", DescFirst: true}}

// devicePage reads one sorted page of devices (f without its sort and
// cursor) with its total.
func (d *dashboard) devicePage(ctx context.Context, f store.DeviceQuery, s listSpec, path string, q url.Values) ([]store.Device, pager, error) {
	f.Sort, f.Desc, f.After, f.Before, f.Limit = s.Sort, s.Desc, s.After, s.Before, pageSize+1
	f.Found = &store.FoundDevices{} // the page's count takes what its filters found
	if f.State == store.StateStale {
		// How the store finds them depends on how many there are: the
		// cached figures say, when there are any (none yet: as few, which
		// is bounded either way).
		if figs, ok := d.fleet.Peek(ctx, f.TeamID); ok {
			f.ManyStale = figs.Counts.Stale >= store.ManyStale
		}
	}
	devs, err := d.st.SearchDevices(ctx, f)
	if err != nil {
		return nil, pager{}, err
	}
	// A first page that is not full is the whole list: nothing to count.
	total, atLeast := len(devs), false
	if s.After != nil || s.Before != nil || len(devs) > pageSize {
		if total, atLeast, err = d.countDevices(ctx, f); err != nil {
			return nil, pager{}, err
		}
	}
	devs, p := page(devs, s, path, q, total, "device", f.Cursor)
	p.AtLeast = atLeast
	return devs, p, nil
}

// countDevices is the total of a device list. Filtered by team and state
// only, it is the overview's cached fleet figure (counting 100k rows by
// state reads every row: half a second); filtered by name, system or
// failing check, counting stops after countCap.
func (d *dashboard) countDevices(ctx context.Context, f store.DeviceQuery) (n int, atLeast bool, err error) {
	if f.NameContains == "" && f.SystemContains == "" && f.FailingCheck == "" && f.State != store.StateRevoked {
		figs, err := d.fleet.Get(ctx, f.TeamID)
		if err != nil {
			return 0, false, err
		}
		c := figs.Counts
		switch f.State {
		case "":
			return c.Total, false, nil
		case store.StateReady:
			return c.Ready, false, nil
		case store.StateNotReady:
			return c.NotReady, false, nil
		case store.StateStale:
			return c.Stale, false, nil
		case store.StateNeverReported:
			return c.NeverReported, false, nil
		}
	}
	f.CountCap = countCap + 1
	n, err = d.st.CountDevices(ctx, f)
	return n, n > countCap, err
}

func (d *dashboard) deviceRows(ts teamSet, devs []store.Device) []deviceRow {
	stale := d.staleBefore()
	rows := make([]deviceRow, len(devs))
	for i, dev := range devs {
		rows[i] = deviceRow{Device: dev, TeamName: ts.name(dev.TeamID), State: store.DeviceState(dev, stale)}
	}
	return rows
}

func (d *dashboard) devices(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	ts, err := d.teamSet(ctx, q.Get("team"))
	if err != nil {
		d.serverError(w, r, "listing teams", err)
		return
	}
	f := store.DeviceQuery{
		TeamID: ts.Chosen, State: q.Get("state"), StaleBefore: d.staleBefore(),
		NameContains:   limitString(strings.TrimSpace(q.Get("q")), 100),
		SystemContains: limitString(strings.TrimSpace(q.Get("system")), 100),
	}
	if _, ok := d.catalog.byID[q.Get("failing")]; ok {
		f.FailingCheck = q.Get("failing")
	}
	s := parseList(q, deviceListCols, store.DeviceSortName)
	devs, p, err := d.devicePage(ctx, f, s, "/devices", q)
	if errors.Is(err, store.ErrInvalid) {
		d.renderError(w, r, http.StatusBadRequest, "Unknown device state in the filter, or a bad page link.")
		return
	}
	if err != nil {
		d.serverError(w, r, "listing devices", err)
		return
	}
	v := devicesView{Teams: ts, Checks: d.catalog.list, Filter: f, Rows: d.deviceRows(ts, devs), Pager: p,
		Headers: s.headers("/devices", q, deviceListCols), KeepSort: keepSort(q),
		States: []string{store.StateReady, store.StateNotReady, store.StateStale, store.StateNeverReported, store.StateRevoked}}
	d.render(w, r, http.StatusOK, "devices", "Devices", v)
}
