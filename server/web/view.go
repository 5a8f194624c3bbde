package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/server/rejudge"
	"github.com/sessionguard/sessionguard/server/store"
)

// Templates: one layout and one template per page.

var pageNames = []string{"login", "error", "overview", "devices", "device", "check", "sessions",
	"teams", "team", "secrets", "secret_created", "audit", "data_protection", "settings", "confirm"}

// parsePages parses every page with the time functions of one zone
// (timeFuncs) besides the common ones.
func parsePages(timeFuncs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).Funcs(timeFuncs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("parsing the dashboard layout: %w", err)
	}
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parsing dashboard page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// pageData is what the layout sees; Data is the page's own view.
type pageData struct {
	Title string
	Admin string
	CSRF  string
	Data  any
}

func (d *dashboard) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	l, _ := loginOf(r)
	pages, err := d.pagesFor(zoneOf(l.zone))
	if err != nil {
		d.log.Error("parsing the dashboard pages", "err", err)
		http.Error(w, "the page could not be rendered; see the server log", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, "layout.html", pageData{Title: title, Admin: l.admin, CSRF: l.csrf, Data: data}); err != nil {
		d.log.Error("rendering a dashboard page", "page", page, "err", err)
		http.Error(w, "the page could not be rendered; see the server log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (d *dashboard) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	d.render(w, r, status, "error", http.StatusText(status), struct {
		Status  int
		Message string
	}{status, msg})
}

// serverError logs err and shows a generic message (errors may name
// internals that do not belong on a page).
func (d *dashboard) serverError(w http.ResponseWriter, r *http.Request, what string, err error) {
	d.log.Error(what, "path", r.URL.Path, "err", err)
	d.renderError(w, r, http.StatusInternalServerError, "Something went wrong while "+what+". The server log has the details.")
}

// funcs are the template functions of every zone (see timeFuncs for the
// times).
var funcs = template.FuncMap{
	"statusClass": func(s checks.Status) string { return "st-" + string(s) },
	"stateLabel":  stateLabel,
	"pct": func(n, total int) string {
		if total == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(total))
	},
	"join": strings.Join,
}

func stateLabel(state string) string {
	switch state {
	case store.StateReady:
		return "Ready"
	case store.StateNotReady:
		return "Not ready"
	case store.StateStale:
		return "Stale"
	case store.StateNeverReported:
		return "Never reported"
	case store.StateRevoked:
		return "Revoked"
	}
	return state
}

// The check catalogue: titles, Cyber Essentials controls and fix texts.

type checkInfo struct {
	ID       string
	Title    string
	Controls []string
	check    checks.Check
}

type catalog struct {
	list []checkInfo
	byID map[string]checkInfo
}

func newCatalog() *catalog {
	c := &catalog{byID: map[string]checkInfo{}}
	for _, ch := range all.Checks() {
		info := checkInfo{ID: ch.ID(), Title: ch.Title(), Controls: all.Controls(ch.ID()), check: ch}
		c.list = append(c.list, info)
		c.byID[info.ID] = info
	}
	return c
}

// title is a check's plain-English name (its ID when unknown to this
// server version).
func (c *catalog) title(id string) string {
	if info, ok := c.byID[id]; ok {
		return info.Title
	}
	return id
}

func (c *catalog) titles(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = c.title(id)
	}
	return out
}

// fix returns the fix text for a stored result. Agents do not send fix
// texts (the server has its own): the check's own pure Evaluate is run
// again on the stored facts with the team's policy, so the dashboard shows
// exactly what the practitioner was told, in this server's wording. When
// the evaluation does not reproduce the stored status (the facts were
// incomplete, as when collecting failed), the check's unknown-state fix is
// used for unknown results.
func (c *catalog) fix(id string, status checks.Status, facts json.RawMessage, pol checks.Policy) (fix string) {
	if status == checks.Pass || status == checks.NotApplicable {
		return ""
	}
	info, ok := c.byID[id]
	if !ok {
		return ""
	}
	re, ok := info.check.(checks.Reevaluator)
	if !ok {
		return ""
	}
	defer func() {
		// An evaluator that panics on odd stored facts costs the fix
		// text, never the page.
		if recover() != nil {
			fix = ""
			if status == checks.Unknown {
				fix = re.FixWhenUnknown()
			}
		}
	}()
	if len(facts) > 0 {
		if res, err := re.Reevaluate(facts, pol); err == nil && res.Status == status {
			return res.Fix
		}
	}
	if status == checks.Unknown {
		return re.FixWhenUnknown()
	}
	return ""
}

// shownStatus is a result's status as the dashboard shows it: the stored
// status (as the agent reported it) and, when this server's rules judge the
// stored facts differently, the server's judgement beside it. Neither
// replaces the other (see package rejudge).
type shownStatus struct {
	Status checks.Status
	// Server is this server's differing judgement; nil when it agrees or
	// cannot judge.
	Server *rejudge.Judgement
	// Agent is the reporting agent's version.
	Agent string
}

// showStatus judges a stored result again with j under the team's policy.
// The fix shown (fix, the stored status's) becomes the server's when the
// stored status has none (a stored pass the server cannot pass).
func showStatus(j *rejudge.Judge, dev store.Device, pol checks.Policy, res store.Result, fix *string) shownStatus {
	s := shownStatus{Status: res.Status, Agent: dev.AgentVersion}
	if got, ok := j.Differs(dev.TeamID, res.ID, res.Status, res.Facts, pol); ok {
		s.Server = &got
		if *fix == "" {
			*fix = got.Fix
		}
	}
	return s
}

// teamPolicy is a team's policy as the agents apply it (laid over the
// default), or the default when it cannot be read.
func teamPolicy(t store.Team) checks.Policy { return rejudge.TeamPolicy(t) }

// prettyJSON indents facts for display.
func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// Charts: inline SVG drawn with presentation attributes only (the CSP
// forbids inline styles).

// trendChart is the readiness trend: the share of enrolled devices ready,
// one point per hourly snapshot.
type trendChart struct {
	Width, Height int
	// Points is the polyline's points attribute; empty when there are
	// fewer than two snapshots.
	Points     string
	First      string
	Last       string
	LastReady  string
	Gridlines  []gridline
	Snapshots  int
	PlotLeft   int
	PlotRight  int
	PlotBottom int
}

type gridline struct {
	Y     int
	Label string
}

func newTrendChart(snaps []store.FleetSnapshot, from, to time.Time) trendChart {
	const w, h, left, right, top, bottom = 640, 180, 40, 630, 10, 150
	c := trendChart{Width: w, Height: h, Snapshots: len(snaps), PlotLeft: left, PlotRight: right, PlotBottom: bottom,
		First: from.UTC().Format("2 Jan"), Last: to.UTC().Format("2 Jan")}
	for _, p := range []int{0, 50, 100} {
		c.Gridlines = append(c.Gridlines, gridline{Y: bottom - (bottom-top)*p/100, Label: fmt.Sprintf("%d%%", p)})
	}
	span := to.Sub(from).Seconds()
	if len(snaps) < 2 || span <= 0 {
		return c
	}
	var b strings.Builder
	for i, s := range snaps {
		share := 0.0
		if s.Total > 0 {
			share = float64(s.Ready) / float64(s.Total)
		}
		x := float64(left) + float64(right-left)*s.Hour.Sub(from).Seconds()/span
		y := float64(bottom) - float64(bottom-top)*share
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", x, y)
		if i == len(snaps)-1 {
			c.LastReady = fmt.Sprintf("%.0f%%", 100*share)
		}
	}
	c.Points = b.String()
	return c
}

// bar is one check's compliance as stacked SVG rectangles.
type bar struct {
	Segments []segment
	Width    int
}

type segment struct {
	X, W  int
	Class string
	Label string
}

func newBar(counts map[checks.Status]int, width int) bar {
	total := 0
	for _, n := range counts {
		total += n
	}
	b := bar{Width: width}
	if total == 0 {
		return b
	}
	x := 0
	for _, s := range []checks.Status{checks.Pass, checks.Warn, checks.NotApplicable, checks.Unknown, checks.Fail} {
		n := counts[s]
		if n == 0 {
			continue
		}
		w := width * n / total
		if w == 0 {
			w = 1
		}
		b.Segments = append(b.Segments, segment{X: x, W: w, Class: "st-" + string(s), Label: fmt.Sprintf("%s: %d", s, n)})
		x += w
	}
	return b
}
