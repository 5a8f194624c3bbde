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
	"strings"

	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/server/store"
)

// Revoking asks first: the revoke buttons open a confirmation page (GET,
// changes nothing) whose form posts with confirm=yes and the CSRF token; a
// POST without confirm=yes shows the same page and revokes nothing.

type fact struct{ Name, Value string }

type confirmView struct {
	Question, Consequence, Action, Button, Cancel string
	Facts                                         []fact
}

func (d *dashboard) confirmDevice(w http.ResponseWriter, r *http.Request, status int) (store.Device, bool) {
	ctx := r.Context()
	dev, err := d.st.Device(ctx, r.PathValue("id"))
	if !d.found(w, r, err, http.StatusNotFound, "There is no such device.", "reading the device") {
		return dev, false
	}
	if status == 0 {
		return dev, true
	}
	ts, err := d.teamSet(ctx, "")
	if err != nil {
		d.serverError(w, r, "listing teams", err)
		return dev, false
	}
	page := "/devices/" + url.PathEscape(dev.ID)
	d.render(w, r, status, "confirm", "Revoke "+dev.Name+"?", confirmView{
		Question:    "Revoke the device " + dev.Name + "?",
		Facts:       []fact{{"Device", dev.Name}, {"Team", ts.name(dev.TeamID)}, {"System", strings.TrimSpace(dev.OS + " " + dev.OSVersion)}},
		Consequence: "Its agent's reports are refused from now on and it leaves the fleet figures. This cannot be undone: to bring the computer back, enrol it again with an enrol secret.",
		Action:      page + "/revoke", Button: "Yes, revoke " + dev.Name, Cancel: page,
	})
	return dev, false
}

func (d *dashboard) confirmRevokeDevice(w http.ResponseWriter, r *http.Request) {
	d.confirmDevice(w, r, http.StatusOK)
}

// unconfirmed is 0 for a revoke the admin confirmed, else the status of
// the confirmation page to show instead.
func unconfirmed(r *http.Request) int {
	if r.PostForm.Get("confirm") == "yes" {
		return 0
	}
	return http.StatusOK
}

func (d *dashboard) revokeDevice(w http.ResponseWriter, r *http.Request) {
	dev, ok := d.confirmDevice(w, r, unconfirmed(r))
	if !ok {
		return
	}
	ctx := r.Context()
	ts, err := d.teamSet(ctx, "")
	if err != nil {
		d.serverError(w, r, "listing teams", err)
		return
	}
	// The device's name is not written into the (append-only) audit log:
	// the log page shows it while the device exists, and an erased device
	// leaves no name behind.
	d.revoke(w, r, d.st.RevokeDevice, dev.ID, "device", "device.revoke", "team "+ts.name(dev.TeamID),
		"/devices/"+url.PathEscape(dev.ID)+"?revoked=1")
}

func (d *dashboard) confirmSecret(w http.ResponseWriter, r *http.Request, status int) (store.EnrollSecret, string, bool) {
	ctx := r.Context()
	v, err := d.secretsView(ctx)
	if err != nil {
		d.serverError(w, r, "listing enrol secrets", err)
		return store.EnrollSecret{}, "", false
	}
	i := slices.IndexFunc(v.Rows, func(s secretRow) bool { return s.ID == r.PathValue("id") })
	if i < 0 {
		d.renderError(w, r, http.StatusNotFound, "There is no such enrol secret.")
		return store.EnrollSecret{}, "", false
	}
	sec := v.Rows[i]
	if status == 0 {
		return sec.EnrollSecret, sec.TeamName, true
	}
	loc := zoneOf(loginZone(r))
	d.render(w, r, status, "confirm", "Revoke this enrol secret?", confirmView{
		Question:    "Revoke the enrol secret for team " + sec.TeamName + "?",
		Facts:       []fact{{"Team", sec.TeamName}, {"Created", sec.CreatedAt.In(loc).Format(timeFormat)}},
		Consequence: "It enrols no further devices. Devices enrolled with it keep working. This cannot be undone: create a new secret when you need one.",
		Action:      "/secrets/" + url.PathEscape(sec.ID) + "/revoke", Button: "Yes, revoke the secret", Cancel: "/secrets",
	})
	return sec.EnrollSecret, sec.TeamName, false
}

func loginZone(r *http.Request) string {
	l, _ := loginOf(r)
	return l.zone
}

func (d *dashboard) confirmRevokeSecret(w http.ResponseWriter, r *http.Request) {
	d.confirmSecret(w, r, http.StatusOK)
}

func (d *dashboard) revokeSecret(w http.ResponseWriter, r *http.Request) {
	sec, team, ok := d.confirmSecret(w, r, unconfirmed(r))
	if !ok {
		return
	}
	d.revoke(w, r, d.st.RevokeEnrollSecret, sec.ID, "enrol secret", "enroll_secret.revoke",
		SecretDetail(team, sec), "/secrets?revoked=1")
}

// SecretDetail names an enrol secret in the audit log: its team and when
// it was created (the secret itself is never written anywhere).
func SecretDetail(team string, s store.EnrollSecret) string {
	return "for team " + team + ", created " + s.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")
}

// revoke revokes what id names with revokeFn, audits action with detail
// and redirects; what is "device" or "enrol secret", for the messages.
func (d *dashboard) revoke(w http.ResponseWriter, r *http.Request, revokeFn func(context.Context, string) error, id, what, action, detail, redirect string) {
	ctx := r.Context()
	if !d.found(w, r, revokeFn(ctx, id), http.StatusNotFound, "There is no such "+what+".", "revoking the "+what) {
		return
	}
	if err := d.record(ctx, Actor(r), action, id, detail); err != nil {
		d.renderError(w, r, http.StatusInternalServerError, "The "+what+" was revoked, but "+err.Error())
		return
	}
	http.Redirect(w, r, redirect, http.StatusSeeOther)
}

// PolicyChanges says what changed between two policy documents, field by
// field ("screen_lock_max_seconds: 900 → 600; checks.firewall.required:
// true → false"), for the audit log.
// Both are compared as the agents apply them (laid over the default), so
// "{}" → {"screen_lock_max_seconds": 300} reads "600 → 300".
func PolicyChanges(before, after json.RawMessage) string {
	var a, b any
	if json.Unmarshal(effectivePolicy(before), &a) != nil {
		a = nil
	}
	if json.Unmarshal(effectivePolicy(after), &b) != nil {
		return "policy replaced"
	}
	var changes []string
	diffJSON("", a, b, &changes)
	if len(changes) == 0 {
		return "no change"
	}
	return strings.Join(changes, "; ")
}

func diffJSON(path string, a, b any, out *[]string) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && b == nil || bok && a == nil {
		aok, bok = true, true
	}
	if aok && bok {
		var keys []string
		for k := range am {
			keys = append(keys, k)
		}
		for k := range bm {
			if _, ok := am[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			diffJSON(p, am[k], bm[k], out)
		}
		return
	}
	as, bs := jsonText(a), jsonText(b)
	if as == bs {
		return
	}
	switch {
	case a == nil:
		*out = append(*out, path+": set to "+bs)
	case b == nil:
		*out = append(*out, path+": removed (was "+as+")")
	default:
		*out = append(*out, path+": "+as+" → "+bs)
	}
}

// effectivePolicy is a team policy document laid over the default, as
// JSON; the document itself when it does not parse.
func effectivePolicy(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		raw = json.RawMessage("{}")
	}
	pol, err := all.ParsePolicy(bytes.NewReader(raw))
	if err != nil {
		return raw
	}
	out, err := json.Marshal(pol)
	if err != nil {
		return raw
	}
	return out
}

func jsonText(v any) string {
	if v == nil {
		return "null"
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(buf.String())
}

// The audit log page: entries name what they are about (device, team,
// enrol secret) from the current data; what was erased shows as such.

var auditCols = []sortCol{{Key: "when", Label: "When", DescFirst: true}, {Key: store.AuditSortActor, Label: "Who"},
	{Key: store.AuditSortAction, Label: "Action"}, {Label: "On"}, {Label: "Detail"}}

type auditRow struct {
	store.AuditEntry
	// On names the target; Link goes to its page (empty: none).
	On, Link string
}

func (d *dashboard) auditLog(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	s := parseList(q, auditCols, "when")
	f := store.AuditFilter{Limit: pageSize + 1, Sort: s.Sort, Ascending: !s.Desc, After: s.After, Before: s.Before}
	if s.Sort == "when" {
		f.Sort = store.AuditSortID
	}
	entries, err := d.st.AuditLog(ctx, f)
	if errors.Is(err, store.ErrInvalid) {
		d.renderError(w, r, http.StatusBadRequest, "Bad page link.")
		return
	}
	if err != nil {
		d.serverError(w, r, "reading the audit log", err)
		return
	}
	total, err := d.st.CountAudit(ctx, f)
	if err != nil {
		d.serverError(w, r, "counting the audit log", err)
		return
	}
	entries, p := page(entries, s, "/audit", q, total, "entry", func(e store.AuditEntry) store.Cursor { return store.AuditCursor(f.Sort, e) })
	rows, err := d.auditRows(ctx, entries)
	if err != nil {
		d.serverError(w, r, "naming audit entries", err)
		return
	}
	d.render(w, r, http.StatusOK, "audit", "Audit log", struct {
		Headers []header
		Rows    []auditRow
		Pager   pager
	}{s.headers("/audit", q, auditCols), rows, p})
}

// auditRows names each entry's target: devices and teams by their current
// names, enrol secrets by their team.
func (d *dashboard) auditRows(ctx context.Context, entries []store.AuditEntry) ([]auditRow, error) {
	ts, err := d.teamSet(ctx, "")
	if err != nil {
		return nil, err
	}
	var secrets map[string]string
	devices := map[string]string{}
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		row := auditRow{AuditEntry: e, On: e.Target}
		kind, _, _ := strings.Cut(e.Action, ".")
		switch {
		case e.Target == "" && kind == "export":
			row.On = "all teams"
		case e.Target == "":
		case kind == "device" || kind == "subject": // subject access and erasure name device IDs
			name, ok := devices[e.Target]
			if !ok {
				dev, err := d.st.Device(ctx, e.Target)
				switch {
				case err == nil:
					name = "device " + dev.Name
				case errors.Is(err, store.ErrNotFound):
					name = "a device since erased"
				default:
					return nil, err
				}
				devices[e.Target] = name
			}
			row.On = name
			if !strings.HasSuffix(name, "erased") {
				row.Link = "/devices/" + url.PathEscape(e.Target)
			}
		case kind == "team" || kind == "policy" || kind == "export":
			if t, ok := ts.byID[e.Target]; ok {
				row.On, row.Link = "team "+t.Name, "/teams/"+url.PathEscape(t.ID)
			}
		case kind == "enroll_secret":
			if secrets == nil {
				secrets = map[string]string{}
				list, err := d.st.EnrollSecrets(ctx, "")
				if err != nil {
					return nil, err
				}
				for _, s := range list {
					secrets[s.ID] = ts.name(s.TeamID)
				}
			}
			if team, ok := secrets[e.Target]; ok {
				row.On, row.Link = "enrol secret of team "+team, "/secrets"
			}
		case kind == "admin" || e.Action == "login" || e.Action == "logout" || e.Action == "login_failed":
			row.On = "admin " + e.Target
		}
		rows[i] = row
	}
	return rows, nil
}
