package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/server/store"
)

// Overview: the fleet's figures (package fleet), compliance per check and
// the readiness trend.

// trendDays is the span of the overview's trend chart.
const trendDays = 14

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
	figs, err := d.fleet.Get(ctx, ts.Chosen)
	if err != nil {
		d.serverError(w, r, "counting devices", err)
		return
	}
	counts, comp := figs.Counts, figs.Compliance
	d.snapshots.MaybeRecord(ctx, ts.Chosen, figs.At, counts)
	from := now.Add(-trendDays * 24 * time.Hour)
	snaps, err := d.st.FleetSnapshots(ctx, ts.Chosen, from)
	if err != nil {
		d.serverError(w, r, "reading the trend", err)
		return
	}
	v := overviewView{Teams: ts, Counts: counts, Trend: newTrendChart(snaps, from, now), StaleAfter: humanDuration(d.o.StaleAfter),
		AsOf: figs.At, RefreshEvery: humanDuration(d.o.FleetCacheTTL)}
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
