package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/rejudge"
	"github.com/sessionguard/sessionguard/server/store"
)

// A device's page: its latest results with their fix, its check runs and
// its sessions. Revoking it is in audit.go.

type resultRow struct {
	store.Result
	Shown    shownStatus
	Title    string
	Controls []string
	Fix      string
	Facts    string
}

type runRow struct {
	store.CheckRunSummary
	NotPassingTitles []string
}

type deviceView struct {
	Device       deviceRow
	Practitioner string
	Exports      bool
	Results      []resultRow
	Runs         []runRow
	// Headings of the results table (a short list, sorted here; its
	// ?sort= keys differ from the sessions table's) and of the runs table
	// (paged, with its own runs_ parameters).
	ResultHeaders, RunHeaders []header
	RunPager                  pager
	Sessions                  sessionTable
	SessionPager              pager
	Notice                    string
}

func (d *dashboard) device(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	dev, err := d.st.Device(ctx, r.PathValue("id"))
	if !d.found(w, r, err, http.StatusNotFound, "There is no such device.", "reading the device") {
		return
	}
	ts, err := d.teamSet(ctx, "")
	if err != nil {
		d.serverError(w, r, "listing teams", err)
		return
	}
	results, err := d.st.LatestResults(ctx, dev.ID)
	if err != nil {
		d.serverError(w, r, "reading results", err)
		return
	}
	pol := teamPolicy(ts.byID[dev.TeamID])
	v := deviceView{Device: d.deviceRows(ts, []store.Device{dev})[0]}
	if v.Practitioner, err = d.st.Practitioner(ctx, dev.ID); err != nil {
		d.serverError(w, r, "reading the device's practitioner", err)
		return
	}
	v.Exports = d.o.Exports != nil
	switch q := r.URL.Query(); {
	case q.Get("revoked") != "":
		v.Notice = "The device was revoked: its agent's reports are refused from now on."
	case q.Get("practitioner") == "saved":
		v.Notice = "Practitioner saved."
	case q.Get("practitioner_error") != "":
		v.Notice = "The practitioner was not saved: " + exportErrors[q.Get("practitioner_error")]
	}
	judge := rejudge.New()
	reported := map[string]bool{}
	for _, res := range results {
		reported[res.ID] = true
		// Required as the team's policy in force says, which the
		// device's readiness is judged by, not as the agent said then.
		res.Required = pol.Required(res.ID)
		row := resultRow{Result: res, Title: d.catalog.title(res.ID), Controls: d.catalog.byID[res.ID].Controls,
			Fix: d.catalog.fix(res.ID, res.Status, res.Facts, pol), Facts: prettyJSON(res.Facts)}
		row.Shown = showStatus(judge, dev, pol, res, &row.Fix)
		v.Results = append(v.Results, row)
	}
	if len(results) > 0 {
		v.Results = append(v.Results, d.unreportedRows(dev, pol, reported)...)
	}
	path, q := "/devices/"+url.PathEscape(dev.ID), r.URL.Query()
	d.sortResults(&v, q, path)
	// Its check runs and its sessions: sorted and paged, each table with
	// its own query parameters, so paging one keeps the other's page.
	err = d.runPage(ctx, &v, dev.ID, parseListAs("runs_", q, runCols, "started"), path, q)
	if err == nil {
		v.Sessions, v.SessionPager, err = d.sessionPage(ctx, store.SessionQuery{DeviceID: dev.ID}, parseList(q, sessionCols, "start"), path, q)
	}
	if errors.Is(err, store.ErrInvalid) {
		d.renderError(w, r, http.StatusBadRequest, "Bad page link.")
		return
	}
	if err != nil {
		d.serverError(w, r, "reading the device's runs and sessions", err)
		return
	}
	jumpTo("runs-heading", v.RunHeaders, &v.RunPager)
	jumpTo("sessions-heading", v.Sessions.Headers, &v.SessionPager)
	d.render(w, r, http.StatusOK, "device", dev.Name, v)
}

// unreportedRows are the checks the team's policy requires that the
// device's latest run left out (its agent is older than the check, or
// could not run it): unknown, which keeps the device from being ready,
// so the page says why it is not.
func (d *dashboard) unreportedRows(dev store.Device, pol checks.Policy, reported map[string]bool) []resultRow {
	var rows []resultRow
	for _, info := range d.catalog.list {
		if reported[info.ID] || !pol.Required(info.ID) {
			continue
		}
		res := store.Result{CheckResult: report.CheckResult{ID: info.ID, Status: checks.Unknown, Required: true, Summary: unreportedSummary}}
		rows = append(rows, resultRow{Result: res, Title: info.Title, Controls: info.Controls,
			Fix: unreportedFix, Shown: shownStatus{Status: checks.Unknown, Agent: dev.AgentVersion}})
	}
	return rows
}

// What a page says of a check the team requires that a device's latest
// run left out.
const (
	unreportedSummary = "Not in this device's latest report: its SessionGuard is older than this check, or could not run it. The team requires it, so the device is not ready until it reports it."
	unreportedFix     = "Update SessionGuard on this device, then check again on it."
)

var (
	resultCols = []sortCol{{Key: "check", Label: "Check"}, {Key: "status", Label: "Status"}, {Key: "required", Label: "Required", DescFirst: true},
		{Label: "Found"}, {Label: "Fix"}}
	runCols = []sortCol{{Key: "started", Label: "Started", DescFirst: true}, {Key: "ready", Label: "Ready"}, {Label: "Not passing"},
		{Key: "took", Label: "Took", DescFirst: true}}
	// statusOrder sorts statuses worst first.
	statusOrder = map[checks.Status]int{checks.Fail: 0, checks.Unknown: 1, checks.Warn: 2, checks.NotApplicable: 3, checks.Pass: 4}
)

// runPage reads one sorted page of the device's check runs with its total.
func (d *dashboard) runPage(ctx context.Context, v *deviceView, deviceID string, s listSpec, path string, q url.Values) error {
	rq := store.RunQuery{DeviceID: deviceID, Desc: s.Desc, After: s.After, Before: s.Before, Limit: pageSize + 1}
	if s.Sort != "started" {
		rq.Sort = s.Sort // the other keys are the store's
	}
	runs, err := d.st.DeviceRuns(ctx, rq)
	if err != nil {
		return err
	}
	total := len(runs) // a first page that is not full is all there is
	if s.After != nil || s.Before != nil || len(runs) > pageSize {
		if total, err = d.st.CountRuns(ctx, deviceID); err != nil {
			return err
		}
	}
	runs, v.RunPager = page(runs, s, path, q, total, "run", func(r store.CheckRunSummary) store.Cursor { return store.RunCursor(rq.Sort, r) })
	for _, run := range runs {
		v.Runs = append(v.Runs, runRow{CheckRunSummary: run, NotPassingTitles: d.catalog.titles(run.NotPassing)})
	}
	v.RunHeaders = s.headers(path, q, runCols)
	return nil
}

// sortResults sorts the device page's latest results as asked.
func (d *dashboard) sortResults(v *deviceView, q url.Values, path string) {
	rs := parseList(q, resultCols, "")
	switch rs.Sort {
	case "check":
		sortRows(v.Results, rs.Desc, func(r resultRow) string { return r.Title })
	case "status":
		sortRows(v.Results, rs.Desc, func(r resultRow) int { return statusOrder[r.Status] })
	case "required":
		sortRows(v.Results, rs.Desc, func(r resultRow) int { return map[bool]int{false: 0, true: 1}[r.Required] })
	}
	v.ResultHeaders = rs.headers(path, q, resultCols)
}
