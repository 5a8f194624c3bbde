package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/checks"
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

type overviewView struct {
	Teams      teamSet
	Counts     store.FleetCounts
	Compliance []complianceRow
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
	Teams    teamSet
	Checks   []checkInfo
	States   []string
	Filter   store.DeviceQuery
	Rows     []deviceRow
	NextPage string
}

func (d *dashboard) deviceRows(ts teamSet, devs []store.Device) []deviceRow {
	stale := d.staleBefore()
	rows := make([]deviceRow, len(devs))
	for i, dev := range devs {
		rows[i] = deviceRow{Device: dev, TeamName: ts.name(dev.TeamID), State: deviceState(dev, stale)}
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
		NameContains: limitString(strings.TrimSpace(q.Get("q")), 100), AfterID: limitString(q.Get("after"), 64), Limit: pageSize,
	}
	if _, ok := d.catalog.byID[q.Get("failing")]; ok {
		f.FailingCheck = q.Get("failing")
	}
	devs, err := d.st.SearchDevices(ctx, f)
	if errors.Is(err, store.ErrInvalid) {
		d.renderError(w, r, http.StatusBadRequest, "Unknown device state in the filter.")
		return
	}
	if err != nil {
		d.serverError(w, r, "listing devices", err)
		return
	}
	v := devicesView{Teams: ts, Checks: d.catalog.list, Filter: f, Rows: d.deviceRows(ts, devs),
		States: []string{store.StateReady, store.StateNotReady, store.StateStale, store.StateNeverReported, store.StateRevoked}}
	if len(devs) == pageSize {
		next := url.Values{}
		for k, vals := range q {
			if k != "after" {
				next[k] = vals
			}
		}
		next.Set("after", devs[len(devs)-1].ID)
		v.NextPage = "/devices?" + next.Encode()
	}
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

type sessionRow struct {
	store.Session
	DeviceName       string
	NotPassingTitles []string
	OverrideTitles   []string
}

type deviceView struct {
	Device       deviceRow
	Practitioner string
	Exports      bool
	Results      []resultRow
	Runs         []runRow
	Sessions     []sessionRow
	Notice       string
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
	runs, err := d.st.DeviceRuns(ctx, dev.ID, 20)
	if err != nil {
		d.serverError(w, r, "reading the run history", err)
		return
	}
	sessions, err := d.st.Sessions(ctx, dev.ID, 20)
	if err != nil {
		d.serverError(w, r, "reading sessions", err)
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
	for _, run := range runs {
		v.Runs = append(v.Runs, runRow{CheckRunSummary: run, NotPassingTitles: d.catalog.titles(run.NotPassing)})
	}
	v.Sessions = d.sessionRows(sessions, map[string]string{dev.ID: dev.Name})
	d.render(w, r, http.StatusOK, "device", dev.Name, v)
}

func (d *dashboard) sessionRows(sessions []store.Session, names map[string]string) []sessionRow {
	rows := make([]sessionRow, len(sessions))
	for i, s := range sessions {
		rows[i] = sessionRow{Session: s, DeviceName: names[s.DeviceID], NotPassingTitles: d.catalog.titles(s.NotPassing)}
		if s.Override != nil {
			rows[i].OverrideTitles = d.catalog.titles(s.Override.Checks)
		}
	}
	return rows
}

func (d *dashboard) revokeDevice(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d.revoke(w, r, d.st.RevokeDevice, id, "device", "device.revoke", "/devices/"+url.PathEscape(id)+"?revoked=1")
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

// revoke revokes what id names with revokeFn, audits action and redirects;
// what is "device" or "enrol secret", for the messages.
func (d *dashboard) revoke(w http.ResponseWriter, r *http.Request, revokeFn func(context.Context, string) error, id, what, action, redirect string) {
	ctx := r.Context()
	if !d.found(w, r, revokeFn(ctx, id), http.StatusNotFound, "There is no such "+what+".", "revoking the "+what) {
		return
	}
	if err := d.record(ctx, Actor(r), action, id, ""); err != nil {
		d.renderError(w, r, http.StatusInternalServerError, "The "+what+" was revoked, but "+err.Error())
		return
	}
	http.Redirect(w, r, redirect, http.StatusSeeOther)
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
	NextPage string
	AsOf     time.Time
}

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
	devs, err := d.st.SearchDevices(ctx, store.DeviceQuery{TeamID: ts.Chosen, FailingCheck: info.ID, StaleBefore: d.staleBefore(),
		AfterID: limitString(q.Get("after"), 64), Limit: pageSize})
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
	if len(devs) == pageSize {
		next := url.Values{"after": {devs[len(devs)-1].ID}}
		if ts.Chosen != "" {
			next.Set("team", ts.Chosen)
		}
		v.NextPage = "/checks/" + url.PathEscape(info.ID) + "?" + next.Encode()
	}
	d.render(w, r, http.StatusOK, "check", info.Title, v)
}

// Session audit trail.

type sessionsView struct {
	Teams    teamSet
	Filter   sessionFilter
	Rows     []sessionRow
	NextPage string
}

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
	sq := store.SessionQuery{TeamID: ts.Chosen, DeviceID: f.Device, Label: f.Label, OverridesOnly: f.Overrides, Limit: pageSize}
	if f.Since != "" {
		t, err := time.Parse(dateLayout, f.Since)
		if err != nil {
			d.renderError(w, r, http.StatusBadRequest, "The 'from' date must look like 2026-01-31.")
			return
		}
		sq.Since = t
	}
	if f.Until != "" {
		t, err := time.Parse(dateLayout, f.Until)
		if err != nil {
			d.renderError(w, r, http.StatusBadRequest, "The 'to' date must look like 2026-01-31.")
			return
		}
		sq.Until = t.Add(24 * time.Hour) // the whole day
	}
	if b := q.Get("before"); b != "" {
		us, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			d.renderError(w, r, http.StatusBadRequest, "Bad page link.")
			return
		}
		sq.BeforeAt, sq.BeforeID = time.UnixMicro(us), limitString(q.Get("before_id"), 64)
	}
	sessions, err := d.st.SearchSessions(ctx, sq)
	if err != nil {
		d.serverError(w, r, "reading the session trail", err)
		return
	}
	names := map[string]string{}
	for _, s := range sessions {
		if _, ok := names[s.DeviceID]; ok {
			continue
		}
		dev, err := d.st.Device(ctx, s.DeviceID)
		if err != nil {
			d.serverError(w, r, "reading a device", err)
			return
		}
		names[s.DeviceID] = dev.Name
	}
	v := sessionsView{Teams: ts, Filter: f, Rows: d.sessionRows(sessions, names)}
	if len(sessions) == pageSize {
		last := sessions[len(sessions)-1]
		next := url.Values{}
		for k, vals := range q {
			if k != "before" && k != "before_id" {
				next[k] = vals
			}
		}
		next.Set("before", strconv.FormatInt(last.At.UnixMicro(), 10))
		next.Set("before_id", last.ID)
		v.NextPage = "/sessions?" + next.Encode()
	}
	d.render(w, r, http.StatusOK, "sessions", "Session audit trail", v)
}

// Teams and policies.

func (d *dashboard) teams(w http.ResponseWriter, r *http.Request) {
	ts, err := d.teamSet(r.Context(), "")
	if err != nil {
		d.serverError(w, r, "listing teams", err)
		return
	}
	d.render(w, r, http.StatusOK, "teams", "Teams", struct {
		Teams   teamSet
		Message string
	}{ts, ""})
}

func (d *dashboard) createTeam(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := strings.TrimSpace(r.PostForm.Get("name"))
	fail := func(status int, msg string) {
		ts, _ := d.teamSet(ctx, "")
		d.render(w, r, status, "teams", "Teams", struct {
			Teams   teamSet
			Message string
		}{ts, msg})
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
	if err := d.record(ctx, Actor(r), "team.create", t.ID, t.Name); err != nil {
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
	rollout, err := d.rollout(r.Context(), v.Team)
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
	if _, err := checks.ParsePolicy(strings.NewReader(text)); err != nil {
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
		_, err = checks.ParsePolicy(bytes.NewReader(doc))
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
	if err := d.record(ctx, Actor(r), "policy.update", t.ID, "etag "+etag+" → "+saved.ETag); err != nil {
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
	d.render(w, r, http.StatusOK, "secrets", "Enrol secrets", v)
}

func (d *dashboard) createSecret(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	teamID := r.PostForm.Get("team")
	plain, id, err := d.st.CreateEnrollSecret(ctx, teamID)
	if !d.found(w, r, err, http.StatusBadRequest, "Choose a team for the secret.", "creating the enrol secret") {
		return
	}
	if err := d.record(ctx, Actor(r), "enroll_secret.create", id, "team "+teamID); err != nil {
		_ = d.st.RevokeEnrollSecret(ctx, id)
		d.renderError(w, r, http.StatusInternalServerError, "The secret was not kept: "+err.Error())
		return
	}
	t, _ := d.st.Team(ctx, teamID)
	// Shown once, in this answer only (Cache-Control: no-store).
	d.render(w, r, http.StatusOK, "secret_created", "Enrol secret created", struct {
		Secret, ID, TeamName string
	}{plain, id, t.Name})
}

func (d *dashboard) revokeSecret(w http.ResponseWriter, r *http.Request) {
	d.revoke(w, r, d.st.RevokeEnrollSecret, r.PathValue("id"), "enrol secret", "enroll_secret.revoke", "/secrets?revoked=1")
}

// Audit log.

func (d *dashboard) auditLog(w http.ResponseWriter, r *http.Request) {
	f := store.AuditFilter{Limit: pageSize}
	if b := r.URL.Query().Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			d.renderError(w, r, http.StatusBadRequest, "Bad page link.")
			return
		}
		f.BeforeID = n
	}
	entries, err := d.st.AuditLog(r.Context(), f)
	if err != nil {
		d.serverError(w, r, "reading the audit log", err)
		return
	}
	v := struct {
		Entries  []store.AuditEntry
		NextPage string
	}{Entries: entries}
	if len(entries) == pageSize {
		v.NextPage = "/audit?before=" + strconv.FormatInt(entries[len(entries)-1].ID, 10)
	}
	d.render(w, r, http.StatusOK, "audit", "Audit log", v)
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
