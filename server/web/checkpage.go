package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/server/rejudge"
	"github.com/sessionguard/sessionguard/server/store"
)

// A check's page: its compliance and the devices failing it.

type failingRow struct {
	deviceRow
	Status  checks.Status
	Shown   shownStatus
	Summary string
	Fix     string
}

type checkView struct {
	Check    checkInfo
	Teams    teamSet
	Counts   complianceRow
	Rows     []failingRow
	Headers  []header
	Pager    pager
	AsOf     time.Time
	KeepSort []fact
}

var failingCols = []sortCol{{Key: store.DeviceSortName, Label: "Device"}, {Key: store.DeviceSortTeam, Label: "Team"}, {Label: "Status"},
	{Label: "Found"}, {Label: "Fix"}, {Key: store.DeviceSortLastSeen, Label: "Last seen", DescFirst: true}}

func (d *dashboard) check(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	info, ok := d.catalog.byID[r.PathValue("id")]
	if !ok {
		d.renderError(w, r, http.StatusNotFound, "There is no such check.")
		return
	}
	q := r.URL.Query()
	ts, err := d.teamSet(ctx, q.Get("team"))
	if err != nil {
		d.serverError(w, r, "listing teams", err)
		return
	}
	figs, err := d.fleet.Get(ctx, ts.Chosen)
	if err != nil {
		d.serverError(w, r, "counting compliance", err)
		return
	}
	v := checkView{Check: info, Teams: ts, AsOf: figs.At}
	for _, c := range figs.Compliance {
		if c.CheckID == info.ID {
			v.Counts = complianceRow{Pass: c.Counts[checks.Pass], Warn: c.Counts[checks.Warn], Fail: c.Counts[checks.Fail],
				Unknown: c.Counts[checks.Unknown], NA: c.Counts[checks.NotApplicable], All: c.Total(), Bar: newBar(c.Counts, 300)}
		}
	}
	path := "/checks/" + url.PathEscape(info.ID)
	s := parseList(q, failingCols, store.DeviceSortName)
	devs, p, err := d.devicePage(ctx, store.DeviceQuery{TeamID: ts.Chosen, FailingCheck: info.ID, StaleBefore: d.staleBefore()}, s, path, q)
	if errors.Is(err, store.ErrInvalid) {
		d.renderError(w, r, http.StatusBadRequest, "Bad page link.")
		return
	}
	v.Headers, v.Pager, v.KeepSort = s.headers(path, q, failingCols), p, keepSort(q)
	if err != nil {
		d.serverError(w, r, "listing failing devices", err)
		return
	}
	// One judge for the page: devices with the same facts under the same
	// team's policy are judged once.
	judge := rejudge.New()
	for _, row := range d.deviceRows(ts, devs) {
		fr := failingRow{deviceRow: row}
		results, err := d.st.LatestResults(ctx, row.ID)
		if err != nil {
			d.serverError(w, r, "reading results", err)
			return
		}
		for _, res := range results {
			if res.ID == info.ID {
				fr.Status, fr.Summary = res.Status, res.Summary
				pol := teamPolicy(ts.byID[row.TeamID])
				fr.Fix = d.catalog.fix(info.ID, res.Status, res.Facts, pol)
				fr.Shown = showStatus(judge, row.Device, pol, res, &fr.Fix)
			}
		}
		if fr.Status == "" {
			// Listed for a check its team requires that its latest run
			// left out (see store.DeviceQuery.FailingCheck).
			fr.Status, fr.Summary, fr.Fix = checks.Unknown, unreportedSummary, unreportedFix
			fr.Shown = shownStatus{Status: checks.Unknown, Agent: row.AgentVersion}
		}
		v.Rows = append(v.Rows, fr)
	}
	d.render(w, r, http.StatusOK, "check", info.Title, v)
}
