package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/server/store"
)

// pageSize is the rows per page of the device, check and session lists.
const pageSize = 50

// trendDays is the span of the overview's trend chart.
const trendDays = 14

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

// Overview.

type complianceRow struct {
	ID, Title, Control                 string
	Pass, Warn, Fail, Unknown, NA, All int
	Bar                                bar
}

// Rated is the devices the check applies to: the pass rate's base (a
// device without Wi-Fi neither passes nor fails the Wi-Fi check).
func (c complianceRow) Rated() int { return c.All - c.NA }

// rate is the pass rate for sorting (-1 when nothing is rated).
func (c complianceRow) rate() float64 {
	if c.Rated() == 0 {
		return -1
	}
	return float64(c.Pass) / float64(c.Rated())
}

var complianceCols = []sortCol{{Key: "check", Label: "Check"}, {Key: "control", Label: "Cyber Essentials"}, {Label: ""},
	{Key: "pass", Label: "Pass", DescFirst: true}, {Key: "warn", Label: "Warn", DescFirst: true}, {Key: "fail", Label: "Fail", DescFirst: true},
	{Key: "unknown", Label: "Unknown", DescFirst: true}, {Key: "na", Label: "N/A", DescFirst: true}, {Key: "rate", Label: "Pass rate"}}

func sortCompliance(rows []complianceRow, s listSpec) {
	num := map[string]func(complianceRow) float64{
		"pass": func(c complianceRow) float64 { return float64(c.Pass) }, "warn": func(c complianceRow) float64 { return float64(c.Warn) },
		"fail": func(c complianceRow) float64 { return float64(c.Fail) }, "unknown": func(c complianceRow) float64 { return float64(c.Unknown) },
		"na": func(c complianceRow) float64 { return float64(c.NA) }, "rate": complianceRow.rate,
	}
	switch s.Sort {
	case "check":
		sortRows(rows, s.Desc, func(c complianceRow) string { return c.Title })
	case "control":
		sortRows(rows, s.Desc, func(c complianceRow) string { return c.Control })
	default:
		if f, ok := num[s.Sort]; ok {
			sortRows(rows, s.Desc, f)
		}
	}
}

type overviewView struct {
	Teams      teamSet
	Counts     store.FleetCounts
	Compliance []complianceRow
	Headers    []header
	Trend      trendChart
	StaleAfter string
	TeamQuery  string
	// AsOf is when the figures were computed; RefreshEvery how often.
	AsOf         time.Time
	RefreshEvery string
}

func (d *dashboard) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ts, err := d.teamSet(ctx, r.URL.Query().Get("team"))
	if err != nil {
		d.serverError(w, r, "listing teams", err)
		return
	}
	now := d.o.Now()
	fleet, err := d.fleet(ctx, ts.Chosen)
	if err != nil {
		d.serverError(w, r, "counting devices", err)
		return
	}
	counts, comp := fleet.Counts, fleet.Compliance
	d.snapshots.maybeRecord(ctx, d, ts.Chosen, fleet.At, counts)
	from := now.Add(-trendDays * 24 * time.Hour)
	snaps, err := d.st.FleetSnapshots(ctx, ts.Chosen, from)
	if err != nil {
		d.serverError(w, r, "reading the trend", err)
		return
	}
	v := overviewView{Teams: ts, Counts: counts, Trend: newTrendChart(snaps, from, now), StaleAfter: humanDuration(d.o.StaleAfter),
		AsOf: fleet.At, RefreshEvery: humanDuration(d.o.FleetCacheTTL)}
	if ts.Chosen != "" {
		v.TeamQuery = "&team=" + url.QueryEscape(ts.Chosen)
	}
	byID := map[string]store.CheckCompliance{}
	for _, c := range comp {
		byID[c.CheckID] = c
	}
	for _, info := range d.catalog.list {
		c := byID[info.ID]
		row := complianceRow{ID: info.ID, Title: info.Title, Pass: c.Counts[checks.Pass], Warn: c.Counts[checks.Warn],
			Fail: c.Counts[checks.Fail], Unknown: c.Counts[checks.Unknown], NA: c.Counts[checks.NotApplicable], All: c.Total(),
			Bar: newBar(c.Counts, 200)}
		if len(info.Controls) > 0 {
			row.Control = info.Controls[0]
		}
		v.Compliance = append(v.Compliance, row)
	}
	// The catalogue's order unless a heading was clicked.
	s := parseList(r.URL.Query(), complianceCols, "")
	sortCompliance(v.Compliance, s)
	v.Headers = s.headers("/", r.URL.Query(), complianceCols)
	// The overview reloads itself as often as its figures are renewed (a
	// screen on the wall stays current), without JavaScript: the Refresh
	// header, which browsers treat as <meta http-equiv="refresh">.
	if secs := int(d.o.FleetCacheTTL / time.Second); secs > 0 {
		w.Header().Set("Refresh", strconv.Itoa(secs))
	}
	d.render(w, r, http.StatusOK, "overview", "Fleet overview", v)
}

func humanDuration(t time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		if t%u.d == 0 {
			if n := int(t / u.d); n != 1 {
				return strconv.Itoa(n) + " " + u.name + "s"
			}
			return "1 " + u.name
		}
	}
	return t.String()
}

// snapshotThrottle records a fleet snapshot from the overview at most every
// few minutes per team, so the trend fills in while the dashboard is used
// (RunSnapshots fills it in when it is not).
type snapshotThrottle struct {
	mu   sync.Mutex
	last map[string]time.Time
}

const snapshotEvery = 5 * time.Minute

func (s *snapshotThrottle) maybeRecord(ctx context.Context, d *dashboard, teamID string, now time.Time, c store.FleetCounts) {
	s.mu.Lock()
	due := now.Sub(s.last[teamID]) >= snapshotEvery
	if due {
		s.last[teamID] = now
	}
	s.mu.Unlock()
	if due {
		if err := d.st.RecordFleetSnapshot(ctx, teamID, now, c); err != nil {
			d.log.Error("recording a fleet snapshot", "err", err)
		}
	}
}

// RunSnapshots records the fleet counts of the whole fleet and of each team
// every hour until ctx ends, so the overview's trend has no gaps when
// nobody looks at the dashboard. The server runs it next to the dashboard.
func RunSnapshots(ctx context.Context, st store.Store, staleAfter time.Duration, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	if staleAfter <= 0 {
		staleAfter = DefaultStaleAfter
	}
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if err := SnapshotFleet(ctx, st, staleAfter, now()); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// SnapshotFleet records one snapshot of the whole fleet and of each team.
func SnapshotFleet(ctx context.Context, st store.Store, staleAfter time.Duration, at time.Time) error {
	teams, err := st.Teams(ctx)
	if err != nil {
		return err
	}
	ids := []string{""}
	for _, t := range teams {
		ids = append(ids, t.ID)
	}
	for _, id := range ids {
		c, err := st.FleetCounts(ctx, id, at.Add(-staleAfter))
		if err != nil {
			return err
		}
		if err := st.RecordFleetSnapshot(ctx, id, at, c); err != nil {
			return err
		}
	}
	return nil
}

// Devices.

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

// countCap is where counting a filtered list stops ("more than 1000").
const countCap = 1000

// countDevices is the total of a device list. Filtered by team and state
// only, it is the overview's cached fleet figure (counting 100k rows by
// state reads every row: half a second); filtered by name or failing
// check, counting stops after countCap.
func (d *dashboard) countDevices(ctx context.Context, f store.DeviceQuery) (n int, atLeast bool, err error) {
	if f.NameContains == "" && f.FailingCheck == "" && f.State != store.StateRevoked {
		fleet, err := d.fleet(ctx, f.TeamID)
		if err != nil {
			return 0, false, err
		}
		c := fleet.Counts
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
		NameContains: limitString(strings.TrimSpace(q.Get("q")), 100),
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

func limitString(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

type resultRow struct {
	store.Result
	Title    string
	Controls []string
	Fix      string
	Facts    string
}

type runRow struct {
	store.CheckRunSummary
	NotPassingTitles []string
}

// sessionRow is one session: its start record with its end (nil while
// open) and any cookies cleared after the end.
type sessionRow struct {
	store.Session
	End              *store.Session
	CookiesAfter     []store.Session
	Duration         string
	DeviceName       string
	NotPassingTitles []string
	OverrideTitles   []string
	// ClockAhead: a record's time is later than when the server received
	// it (the agent's clock is wrong), so its times are not to be trusted.
	ClockAhead bool
}

// Open reports whether the session has no end record yet.
func (r sessionRow) Open() bool { return r.End == nil }

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
	for _, res := range results {
		v.Results = append(v.Results, resultRow{Result: res, Title: d.catalog.title(res.CheckID),
			Controls: d.catalog.byID[res.CheckID].Controls,
			Fix:      d.catalog.fix(res.CheckID, res.Status, res.Facts, pol), Facts: prettyJSON(res.Facts)})
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

// clockSlack is how far a record's time may be after its receipt before
// the agent's clock is called wrong.
const clockSlack = 5 * time.Minute

// sessionRows makes one row of each start record, with the session's end
// and later cookie records (one query for the page).
func (d *dashboard) sessionRows(ctx context.Context, starts []store.Session, names map[string]string) ([]sessionRow, error) {
	ids := make([]string, len(starts))
	for i, s := range starts {
		ids[i] = s.SessionID
	}
	more, err := d.st.SessionFollowUps(ctx, ids)
	if err != nil {
		return nil, err
	}
	type key struct{ device, session string }
	follow := map[key][]store.Session{}
	for _, m := range more {
		k := key{m.DeviceID, m.SessionID}
		follow[k] = append(follow[k], m)
	}
	now := d.o.Now()
	ahead := func(x store.Session) bool {
		return x.At.After(x.ReceivedAt.Add(clockSlack)) || x.At.After(now.Add(clockSlack))
	}
	rows := make([]sessionRow, len(starts))
	for i, s := range starts {
		row := sessionRow{Session: s, DeviceName: names[s.DeviceID], NotPassingTitles: d.catalog.titles(s.NotPassing), ClockAhead: ahead(s)}
		if s.Override != nil {
			row.OverrideTitles = d.catalog.titles(s.Override.Checks)
		}
		for _, m := range follow[key{s.DeviceID, s.SessionID}] {
			switch {
			case m.Event == "end" && row.End == nil:
				end := m
				row.End = &end
				row.Duration = sessionDuration(m.At.Sub(s.At))
			case m.Event == "cookies":
				row.CookiesAfter = append(row.CookiesAfter, m)
			}
			row.ClockAhead = row.ClockAhead || ahead(m)
		}
		if row.End != nil && row.End.At.Before(s.At) {
			row.ClockAhead, row.Duration = true, ""
		}
		rows[i] = row
	}
	return rows, nil
}

// sessionDuration is "52 min" or "1 h 05 min".
func sessionDuration(t time.Duration) string {
	if t < 0 {
		return ""
	}
	m := int(t.Round(time.Minute) / time.Minute)
	if m < 60 {
		return strconv.Itoa(m) + " min"
	}
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
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

// Check page.

type failingRow struct {
	deviceRow
	Status  checks.Status
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
	fleet, err := d.fleet(ctx, ts.Chosen)
	if err != nil {
		d.serverError(w, r, "counting compliance", err)
		return
	}
	v := checkView{Check: info, Teams: ts, AsOf: fleet.At}
	for _, c := range fleet.Compliance {
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
	for _, row := range d.deviceRows(ts, devs) {
		fr := failingRow{deviceRow: row}
		results, err := d.st.LatestResults(ctx, row.ID)
		if err != nil {
			d.serverError(w, r, "reading results", err)
			return
		}
		for _, res := range results {
			if res.CheckID == info.ID {
				fr.Status, fr.Summary = res.Status, res.Summary
				fr.Fix = d.catalog.fix(info.ID, res.Status, res.Facts, teamPolicy(ts.byID[row.TeamID]))
			}
		}
		v.Rows = append(v.Rows, fr)
	}
	d.render(w, r, http.StatusOK, "check", info.Title, v)
}

// Session audit trail.

type sessionsView struct {
	Teams    teamSet
	Filter   sessionFilter
	Table    sessionTable
	Pager    pager
	KeepSort []fact
}

// sessionTable is what the sessionTable template draws.
type sessionTable struct {
	Headers []header
	Rows    []sessionRow
}

// sessionCols: "start" is the store's SessionSortAt, the other keys are
// the store's own.
var sessionCols = []sortCol{{Key: "start", Label: "Start", DescFirst: true}, {Label: "End"}, {Label: "Duration"},
	{Key: store.SessionSortLabel, Label: "Case label"}, {Key: store.SessionSortDevice, Label: "Device"}, {Label: "Ready"},
	{Label: "Not passing"}, {Label: "Override"}, {Label: "Cookies cleared"}}

type sessionFilter struct {
	Device, Label, Since, Until string
	Overrides                   bool
}

const dateLayout = "2006-01-02"

func (d *dashboard) sessions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	ts, err := d.teamSet(ctx, q.Get("team"))
	if err != nil {
		d.serverError(w, r, "listing teams", err)
		return
	}
	f := sessionFilter{Device: limitString(q.Get("device"), 64), Label: limitString(strings.TrimSpace(q.Get("label")), 200),
		Since: q.Get("since"), Until: q.Get("until"), Overrides: q.Get("overrides") != ""}
	s := parseList(q, sessionCols, "start")
	sq := store.SessionQuery{TeamID: ts.Chosen, DeviceID: f.Device, Label: f.Label, OverridesOnly: f.Overrides}
	// Dates are days in the admin's time zone.
	loc := zoneOf(loginZone(r))
	if f.Since != "" {
		t, err := time.ParseInLocation(dateLayout, f.Since, loc)
		if err != nil {
			d.renderError(w, r, http.StatusBadRequest, "The 'from' date must look like 2026-01-31.")
			return
		}
		sq.Since = t
	}
	if f.Until != "" {
		t, err := time.ParseInLocation(dateLayout, f.Until, loc)
		if err != nil {
			d.renderError(w, r, http.StatusBadRequest, "The 'to' date must look like 2026-01-31.")
			return
		}
		sq.Until = t.AddDate(0, 0, 1) // the whole day
	}
	table, p, err := d.sessionPage(ctx, sq, s, "/sessions", q)
	if errors.Is(err, store.ErrInvalid) {
		d.renderError(w, r, http.StatusBadRequest, "Bad page link.")
		return
	}
	if err != nil {
		d.serverError(w, r, "reading the session trail", err)
		return
	}
	v := sessionsView{Teams: ts, Filter: f, Pager: p, KeepSort: keepSort(q), Table: table}
	d.render(w, r, http.StatusOK, "sessions", "Session audit trail", v)
}

// sessionPage reads one sorted page of sessions (sq without its sort and
// cursor), one row each, with its total: the sessions page and a device's.
func (d *dashboard) sessionPage(ctx context.Context, sq store.SessionQuery, s listSpec, path string, q url.Values) (sessionTable, pager, error) {
	sq.StartsOnly, sq.Ascending, sq.After, sq.Before, sq.Limit = true, !s.Desc, s.After, s.Before, pageSize+1
	if s.Sort != "start" {
		sq.Sort = s.Sort // the other keys are the store's
	}
	sessions, err := d.st.SearchSessions(ctx, sq)
	if err != nil {
		return sessionTable{}, pager{}, err
	}
	total := len(sessions) // a first page that is not full is all there is
	if s.After != nil || s.Before != nil || len(sessions) > pageSize {
		count := sq
		count.CountCap = countCap + 1
		if total, err = d.st.CountSessions(ctx, count); err != nil {
			return sessionTable{}, pager{}, fmt.Errorf("counting sessions: %w", err)
		}
	}
	sessions, p := page(sessions, s, path, q, total, "session", func(x store.Session) store.Cursor { return store.SessionCursor(sq.Sort, x) })
	p.AtLeast = total > countCap
	names := map[string]string{}
	for _, x := range sessions {
		if _, ok := names[x.DeviceID]; ok {
			continue
		}
		dev, err := d.st.Device(ctx, x.DeviceID)
		if err != nil {
			return sessionTable{}, pager{}, fmt.Errorf("reading a device: %w", err)
		}
		names[x.DeviceID] = dev.Name
	}
	rows, err := d.sessionRows(ctx, sessions, names)
	if err != nil {
		return sessionTable{}, pager{}, err
	}
	return sessionTable{Headers: s.headers(path, q, sessionCols), Rows: rows}, p, nil
}

// Teams and policies.

var teamCols = []sortCol{{Key: "name", Label: "Team"}, {Label: "Policy version"}, {Key: "changed", Label: "Changed", DescFirst: true}}

type teamsView struct {
	Teams   teamSet
	Message string
	Headers []header
	Pager   pager
}

// teamsView lists every team (a short list, sorted here).
func (d *dashboard) teamsView(ctx context.Context, q url.Values, msg string) (teamsView, error) {
	ts, err := d.teamSet(ctx, "")
	if err != nil {
		return teamsView{}, err
	}
	s := parseList(q, teamCols, "name")
	if s.Sort == "changed" {
		ts.List = slices.Clone(ts.List)
		sortRows(ts.List, s.Desc, func(t store.Team) int64 { return t.UpdatedAt.UnixMicro() })
	} else if s.Desc {
		ts.List = slices.Clone(ts.List)
		slices.Reverse(ts.List)
	}
	return teamsView{Teams: ts, Message: msg, Headers: s.headers("/teams", q, teamCols), Pager: pager{Total: len(ts.List), Noun: "team"}}, nil
}

func (d *dashboard) teams(w http.ResponseWriter, r *http.Request) {
	v, err := d.teamsView(r.Context(), r.URL.Query(), "")
	if err != nil {
		d.serverError(w, r, "listing teams", err)
		return
	}
	d.render(w, r, http.StatusOK, "teams", "Teams", v)
}

func (d *dashboard) createTeam(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := strings.TrimSpace(r.PostForm.Get("name"))
	fail := func(status int, msg string) {
		v, _ := d.teamsView(ctx, nil, msg)
		d.render(w, r, status, "teams", "Teams", v)
	}
	if name == "" || len(name) > 100 {
		fail(http.StatusBadRequest, "A team needs a name of 1 to 100 characters.")
		return
	}
	t, err := d.st.CreateTeam(ctx, name, nil)
	if errors.Is(err, store.ErrConflict) {
		fail(http.StatusConflict, "A team with that name exists already.")
		return
	}
	if err != nil {
		d.serverError(w, r, "creating the team", err)
		return
	}
	if err := d.record(ctx, Actor(r), "team.create", t.ID, "team "+t.Name); err != nil {
		d.renderError(w, r, http.StatusInternalServerError, "The team was created, but "+err.Error())
		return
	}
	http.Redirect(w, r, "/teams/"+url.PathEscape(t.ID), http.StatusSeeOther)
}

type teamView struct {
	Team    store.Team
	Policy  string
	ETag    string
	Message string
	Saved   bool
	// Form is the form-based editor; FormMessage its error.
	Form        policyForm
	FormMessage string
	// Rollout: which devices run this version (rollout.go).
	Rollout rolloutView
}

func (d *dashboard) team(w http.ResponseWriter, r *http.Request) {
	t, err := d.st.Team(r.Context(), r.PathValue("id"))
	if !d.found(w, r, err, http.StatusNotFound, "There is no such team.", "reading the team") {
		return
	}
	d.renderTeam(w, r, http.StatusOK, teamView{Team: t, Policy: prettyJSON(t.Policy), ETag: t.ETag,
		Saved: r.URL.Query().Get("saved") != ""})
}

// renderTeam shows the team page; a view without a form gets one showing
// the team's policy.
func (d *dashboard) renderTeam(w http.ResponseWriter, r *http.Request, status int, v teamView) {
	if v.Form.Fields == nil {
		v.Form = newPolicyForm(teamPolicy(v.Team), d.catalog.title)
	}
	rollout, err := d.rollout(r.Context(), v.Team, r.URL.Query())
	if errors.Is(err, store.ErrInvalid) {
		d.renderError(w, r, http.StatusBadRequest, "Bad page link.")
		return
	}
	if err != nil {
		d.serverError(w, r, "reading which devices run the policy", err)
		return
	}
	v.Rollout = rollout
	d.render(w, r, status, "team", v.Team.Name, v)
}

// savePolicy validates the policy as the agents will read it and saves it
// only if nobody changed it since the form was loaded (its ETag).
func (d *dashboard) savePolicy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t, err := d.st.Team(ctx, r.PathValue("id"))
	if !d.found(w, r, err, http.StatusNotFound, "There is no such team.", "reading the team") {
		return
	}
	text := strings.TrimSpace(r.PostForm.Get("policy"))
	etag := r.PostForm.Get("etag")
	again := func(status int, msg string) {
		d.renderTeam(w, r, status, teamView{Team: t, Policy: text, ETag: etag, Message: msg})
	}
	if etag == "" {
		again(http.StatusBadRequest, "The form lacks the policy version; reload the page.")
		return
	}
	if _, err := all.ParsePolicy(strings.NewReader(text)); err != nil {
		again(http.StatusBadRequest, "The policy was not saved: "+err.Error())
		return
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(text)); err != nil {
		again(http.StatusBadRequest, "The policy was not saved: "+err.Error())
		return
	}
	d.storePolicy(w, r, t, compact.Bytes(), etag, func(current store.Team) {
		t = current
		again(http.StatusConflict, "Someone changed this policy since you opened it. Your text is below; the current policy is shown under it. Merge by hand and save again.")
	})
}

// savePolicyForm saves what the form-based editor changed: each value
// checked as the agents check it (errors shown next to their fields), the
// document as the raw editor's.
func (d *dashboard) savePolicyForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t, err := d.st.Team(ctx, r.PathValue("id"))
	if !d.found(w, r, err, http.StatusNotFound, "There is no such team.", "reading the team") {
		return
	}
	etag := r.PostForm.Get("etag")
	before := teamPolicy(t)
	after, form := readPolicyForm(r.PostForm, before, d.catalog.title)
	again := func(status int, msg string) {
		d.renderTeam(w, r, status, teamView{Team: t, Policy: prettyJSON(t.Policy), ETag: etag, Form: form, FormMessage: msg})
	}
	switch {
	case etag == "":
		again(http.StatusBadRequest, "The form lacks the policy version; reload the page.")
		return
	case form.Errors > 0:
		again(http.StatusBadRequest, "The policy was not saved: correct the marked fields.")
		return
	}
	doc, changed, err := mergePolicy(t.Policy, before, after)
	if err == nil && changed {
		_, err = all.ParsePolicy(bytes.NewReader(doc))
	}
	switch {
	case err != nil:
		again(http.StatusBadRequest, "The policy was not saved: "+err.Error())
		return
	case !changed && etag == t.ETag:
		again(http.StatusOK, "Nothing was changed, so nothing was saved.")
		return
	}
	d.storePolicy(w, r, t, doc, etag, func(current store.Team) {
		t = current
		etag = current.ETag
		form = newPolicyForm(teamPolicy(current), d.catalog.title)
		again(http.StatusConflict, "Someone changed this policy since you opened it; the form now shows the current policy. Make your change again and save.")
	})
}

// storePolicy saves a validated policy document if the team's policy is
// still the version etag, records it and shows the team page; conflict
// shows the page again with the current team.
func (d *dashboard) storePolicy(w http.ResponseWriter, r *http.Request, t store.Team, doc []byte, etag string, conflict func(current store.Team)) {
	ctx := r.Context()
	saved, err := d.st.SetTeamPolicy(ctx, t.ID, doc, etag)
	if errors.Is(err, store.ErrConflict) {
		current, _ := d.st.Team(ctx, t.ID)
		conflict(current)
		return
	}
	if err != nil {
		d.serverError(w, r, "saving the policy", err)
		return
	}
	if err := d.record(ctx, Actor(r), "policy.update", t.ID, "team "+t.Name+": "+PolicyChanges(t.Policy, saved.Policy)); err != nil {
		d.renderError(w, r, http.StatusInternalServerError, "The policy was saved, but "+err.Error())
		return
	}
	http.Redirect(w, r, "/teams/"+url.PathEscape(t.ID)+"?saved=1", http.StatusSeeOther)
}

// Enrol secrets.

type secretRow struct {
	store.EnrollSecret
	TeamName string
}

type secretsView struct {
	Teams   teamSet
	Rows    []secretRow
	Message string
	Headers []header
	Pager   pager
}

var secretCols = []sortCol{{Label: "Reference"}, {Key: "team", Label: "Team"}, {Key: "created", Label: "Created", DescFirst: true},
	{Key: "revoked", Label: "Revoked", DescFirst: true}, {Label: ""}}

// sortSecrets sorts the (short) list of secrets in Go.
func sortSecrets(v *secretsView, q url.Values) {
	s := parseList(q, secretCols, "created")
	switch s.Sort {
	case "team":
		sortRows(v.Rows, s.Desc, func(r secretRow) string { return r.TeamName })
	case "revoked":
		sortRows(v.Rows, s.Desc, func(r secretRow) int64 {
			if r.RevokedAt == nil {
				return 0
			}
			return r.RevokedAt.UnixMicro()
		})
	default:
		sortRows(v.Rows, s.Desc, func(r secretRow) int64 { return r.CreatedAt.UnixMicro() })
	}
	v.Headers, v.Pager = s.headers("/secrets", q, secretCols), pager{Total: len(v.Rows), Noun: "enrol secret"}
}

func (d *dashboard) secretsView(ctx context.Context) (secretsView, error) {
	ts, err := d.teamSet(ctx, "")
	if err != nil {
		return secretsView{}, err
	}
	secrets, err := d.st.EnrollSecrets(ctx, "")
	if err != nil {
		return secretsView{}, err
	}
	v := secretsView{Teams: ts}
	for _, s := range secrets {
		v.Rows = append(v.Rows, secretRow{EnrollSecret: s, TeamName: ts.name(s.TeamID)})
	}
	return v, nil
}

func (d *dashboard) secrets(w http.ResponseWriter, r *http.Request) {
	v, err := d.secretsView(r.Context())
	if err != nil {
		d.serverError(w, r, "listing enrol secrets", err)
		return
	}
	if r.URL.Query().Get("revoked") != "" {
		v.Message = "The secret was revoked: it enrols no further devices (devices enrolled with it keep working)."
	}
	sortSecrets(&v, r.URL.Query())
	d.render(w, r, http.StatusOK, "secrets", "Enrol secrets", v)
}

func (d *dashboard) createSecret(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	teamID := r.PostForm.Get("team")
	plain, id, err := d.st.CreateEnrollSecret(ctx, teamID)
	if !d.found(w, r, err, http.StatusBadRequest, "Choose a team for the secret.", "creating the enrol secret") {
		return
	}
	t, _ := d.st.Team(ctx, teamID)
	if err := d.record(ctx, Actor(r), "enroll_secret.create", id, "for team "+t.Name); err != nil {
		_ = d.st.RevokeEnrollSecret(ctx, id)
		d.renderError(w, r, http.StatusInternalServerError, "The secret was not kept: "+err.Error())
		return
	}
	// Shown once, in this answer only (Cache-Control: no-store).
	d.render(w, r, http.StatusOK, "secret_created", "Enrol secret created", struct {
		Secret, ID, TeamName string
	}{plain, id, t.Name})
}

// Data protection: links and forms served by the export handler (see the
// package doc of server/export for its paths and fields).

type exportLink struct {
	Label, CSV, JSON string
}

type dataProtectionView struct {
	Teams   teamSet
	Since   string
	Enabled bool
	Links   []exportLink
	Message string
	Error   string
}

// exportErrors explains the export handler's error codes.
var exportErrors = map[string]string{
	"missing_subject":  "Give a device ID or a practitioner (one of them).",
	"confirm_mismatch": "The confirmation did not match: type the same device ID or practitioner again.",
	"not_found":        "There is no such device or practitioner.",
	"invalid":          "The form was not valid.",
	"failed":           "The server could not do it; nothing was erased. See the server log.",
}

func (d *dashboard) dataProtection(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts, err := d.teamSet(r.Context(), q.Get("team"))
	if err != nil {
		d.serverError(w, r, "listing teams", err)
		return
	}
	v := dataProtectionView{Teams: ts, Since: limitString(q.Get("since"), 40), Enabled: d.o.Exports != nil}
	filter := url.Values{}
	if ts.Chosen != "" {
		filter.Set("team", ts.Chosen)
	}
	if v.Since != "" {
		filter.Set("since", v.Since)
	}
	suffix := ""
	if len(filter) > 0 {
		suffix = "?" + filter.Encode()
	}
	for _, kind := range []struct{ label, file string }{{"Devices", "devices"}, {"Check results", "results"}, {"Sessions", "sessions"}} {
		v.Links = append(v.Links, exportLink{Label: kind.label, CSV: "/exports/" + kind.file + ".csv" + suffix, JSON: "/exports/" + kind.file + ".json" + suffix})
	}
	if n := q.Get("erased"); n != "" {
		v.Message = "Erased: " + limitString(n, 10) + " device(s) and everything held about them. The audit log records the erasure without the erased data."
	}
	if code := q.Get("erase_error"); code != "" {
		if v.Error = exportErrors[code]; v.Error == "" {
			v.Error = "The erasure failed."
		}
	}
	d.render(w, r, http.StatusOK, "data_protection", "Exports and data protection", v)
}
