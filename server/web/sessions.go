package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// The session audit trail, and the sessions table a device's page shows.

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
