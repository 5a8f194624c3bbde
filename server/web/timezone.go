package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	// The tz database inside the binary: an admin's zone (and the default,
	// Europe/London) loads on a server without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/sessionguard/sessionguard/server/store"
)

// Times on the dashboard are shown in the admin's own time zone (a setting
// kept with their account, Europe/London until changed: a page without
// JavaScript cannot learn the browser's zone), with how long ago they were.

// zonePages holds the page templates of each time zone in use: the time
// functions are bound to the zone when the templates are parsed, so the
// templates themselves just say {{when .At}}.
type zonePages struct {
	mu    sync.Mutex
	zones map[string]map[string]*template.Template
}

// maxZones bounds the cache (the tz database has about 600 names).
const maxZones = 1000

// pagesFor returns the templates for a zone, parsing them the first time.
func (d *dashboard) pagesFor(loc *time.Location) (map[string]*template.Template, error) {
	z := d.zones
	z.mu.Lock()
	defer z.mu.Unlock()
	if p, ok := z.zones[loc.String()]; ok {
		return p, nil
	}
	p, err := parsePages(d.timeFuncs(loc))
	if err != nil {
		return nil, err
	}
	if len(z.zones) < maxZones {
		z.zones[loc.String()] = p
	}
	return p, nil
}

// loadZone validates a zone name against the tz database: an IANA name
// such as Europe/London or UTC ("Local" and "" are refused: they depend on
// the server).
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > 64 || strings.ContainsAny(name, " \t\r\n") {
		return nil, errors.New("not a time zone name")
	}
	return time.LoadLocation(name)
}

// zoneOf is the admin's zone, or the default when it does not load.
func zoneOf(name string) *time.Location {
	if loc, err := loadZone(name); err == nil {
		return loc
	}
	loc, err := time.LoadLocation(store.DefaultTimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// timeFormat is a dashboard time: date, time and the zone's abbreviation
// (GMT or BST in London).
const timeFormat = "2 Jan 2006 15:04 MST"

// timeFuncs are the template functions that show times in loc.
func (d *dashboard) timeFuncs(loc *time.Location) template.FuncMap {
	when := func(t time.Time) template.HTML {
		if t.IsZero() {
			return "—"
		}
		return template.HTML(fmt.Sprintf(`<time datetime="%s">%s</time> <span class="ago">(%s)</span>`, //nolint:gosec // RFC 3339 and escaped text only
			t.UTC().Format(time.RFC3339), template.HTMLEscapeString(t.In(loc).Format(timeFormat)),
			template.HTMLEscapeString(relative(t, d.o.Now()))))
	}
	return template.FuncMap{
		"when": when,
		"whenp": func(t *time.Time) template.HTML {
			if t == nil {
				return "—"
			}
			return when(*t)
		},
		// at is a time without the relative part.
		"at": func(t time.Time) string { return t.In(loc).Format(timeFormat) },
	}
}

// relative says how long ago t was ("5 min ago"), or how far ahead ("in
// 3 h": a clock that is wrong).
func relative(t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		s = strconv.Itoa(int(d/time.Hour)) + " h"
	case d < 60*24*time.Hour:
		s = strconv.Itoa(int(d/(24*time.Hour))) + " days"
	case d < 730*24*time.Hour:
		s = strconv.Itoa(int(d/(30*24*time.Hour))) + " months"
	default:
		s = strconv.Itoa(int(d/(365*24*time.Hour))) + " years"
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// commonZones are offered in the settings form (any tz database name is
// accepted).
var commonZones = []string{
	"Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
	"Europe/Amsterdam", "Europe/Brussels", "Europe/Rome", "Europe/Warsaw", "Europe/Athens", "Europe/Helsinki",
	"Atlantic/Reykjavik", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
	"America/Toronto", "America/Sao_Paulo", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Hong_Kong",
	"Asia/Tokyo", "Australia/Perth", "Australia/Sydney", "Pacific/Auckland", "Africa/Johannesburg", "Africa/Lagos", "UTC",
}

type settingsView struct {
	Zone    string
	Zones   []string
	Now     time.Time
	Message string
	Error   string
}

func (d *dashboard) settings(w http.ResponseWriter, r *http.Request) {
	l, _ := loginOf(r)
	v := settingsView{Zone: zoneOf(l.zone).String(), Zones: commonZones, Now: d.o.Now()}
	if r.URL.Query().Get("saved") != "" {
		v.Message = "Saved: times are shown in " + v.Zone + "."
	}
	d.render(w, r, http.StatusOK, "settings", "Your settings", v)
}

func (d *dashboard) saveSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l, _ := loginOf(r)
	name := strings.TrimSpace(r.PostForm.Get("time_zone"))
	loc, err := loadZone(name)
	if err != nil {
		d.render(w, r, http.StatusBadRequest, "settings", "Your settings", settingsView{Zone: name, Zones: commonZones, Now: d.o.Now(),
			Error: "“" + limitString(name, 64) + "” is not a time zone of the tz database. Use a name such as Europe/London or America/New_York."})
		return
	}
	old := zoneOf(l.zone).String()
	if err := d.st.SetAdminTimeZone(ctx, l.admin, loc.String()); err != nil {
		d.serverError(w, r, "saving your time zone", err)
		return
	}
	if err := d.record(ctx, l.admin, "admin.time_zone", l.admin, old+" → "+loc.String()); err != nil {
		d.renderError(w, r, http.StatusInternalServerError, "The time zone was saved, but "+err.Error())
		return
	}
	http.Redirect(w, r, "/settings?saved=1", http.StatusSeeOther)
}
