package web_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/server/store"
)

// The check settings these tests use, found by their policy names (the
// check packages export only ID and Check).
var (
	screenLockMax = checktest.SettingNamed[checks.Number](all.Catalogue(), "screen_lock_max_seconds")
	wifiInsecure  = checktest.SettingNamed[checks.Grade](all.Catalogue(), "wifi_insecure")
	remoteAllowed = checktest.SettingNamed[checks.Names](all.Catalogue(), "remote_access_allowed")
)

// defaultForm is the settings form as the page shows the default policy.
func defaultForm(csrf, etag string) url.Values {
	v := url.Values{"csrf_token": {csrf}, "etag": {etag}, "base": {"{}"}, "cookie_scope": {"all"}}
	// Every setting at its default, as the form shows it: a check added to
	// the registry is on the form without this test knowing it.
	for _, s := range all.Catalogue().Settings() {
		d := s.Describe()
		var val any
		_ = json.Unmarshal(d.Default, &val)
		switch d.Kind {
		case checks.NumberSetting:
			for _, u := range d.Units {
				if u.Per == 1 {
					v.Set(d.Name+"_unit", u.Name)
				}
			}
			v.Set(d.Name, fmt.Sprint(val))
		case checks.ToggleSetting:
			if val == true {
				v.Set(d.Name, "1")
			}
		case checks.NamesSetting:
			var names []string
			_ = json.Unmarshal(d.Default, &names)
			v.Set(d.Name, strings.Join(names, "\n"))
		default:
			v.Set(d.Name, fmt.Sprint(val))
		}
	}
	// The ones this test reads back, as a person would enter them.
	v.Set("screen_lock_max_seconds", "10")
	v.Set("screen_lock_max_seconds_unit", "minutes")
	v.Set("report_interval_seconds", "15")
	v.Set("report_interval_seconds_unit", "minutes")
	for _, id := range all.Catalogue().IDs() {
		if all.DefaultPolicy().Required(id) {
			v.Set("required_"+id, "1")
		}
	}
	return v
}

func TestPolicyForm(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	team := f.teams["Counselling"]
	path := "/teams/" + team.ID
	p := c.get(path)
	for _, want := range []string{`id="screen_lock_max_seconds" name="screen_lock_max_seconds" value="10"`, `<option selected>minutes</option>`,
		`id="required_firewall" name="required_firewall" value="1" checked`, `id="required_smart_speakers" name="required_smart_speakers" value="1">`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	csrf := c.csrf(path)
	unchanged := func() {
		t.Helper()
		if cur, _ := f.st.Team(t.Context(), team.ID); cur.ETag != team.ETag {
			t.Fatalf("a refused form changed the policy to %s", cur.Policy)
		}
	}

	// Each bad value is refused with a message next to its field, in the
	// units the form offers, and nothing is saved.
	for _, bad := range []struct{ field, value, unit, want string }{
		{"screen_lock_max_seconds", "0", "minutes", "Enter from 1 second to 24 hours."},
		// In the units offered, not the 90000 seconds the agents count.
		{"screen_lock_max_seconds", "25", "hours", "Enter from 1 second to 24 hours."},
		{"screen_lock_max_seconds", "ten", "minutes", "Enter a whole number of minutes"},
		{"screen_lock_max_seconds", "1.5", "minutes", "Enter a whole number of minutes"},
		{"report_interval_seconds", "30", "seconds", "Enter from 1 minute to 24 hours."},
		{"session_reminder_minutes", "-1", "minutes", "Enter from 0 minutes to 24 hours."},
		{"check_timeout_seconds", "10", "fortnights", "Choose a unit"},
		{"wifi_insecure", "maybe", "", `wifi_insecure must be "fail" or "warn", got "maybe"`},
	} {
		form := defaultForm(csrf, team.ETag)
		form.Set(bad.field, bad.value)
		if bad.unit != "" {
			form.Set(bad.field+"_unit", bad.unit)
		}
		p := c.post(path+"/policy-form", form)
		if got := elementText(p.body, bad.field+"-error"); p.status != http.StatusBadRequest || !strings.Contains(got, bad.want) {
			t.Errorf("%s = %s %s: %d, error next to the field %q; want 400 and %q", bad.field, bad.value, bad.unit, p.status, got, bad.want)
		}
		if !strings.Contains(p.body, `name="`+bad.field+`" value="`+bad.value+`"`) && bad.field != "wifi_insecure" {
			t.Errorf("%s: the form does not show the value entered again", bad.field)
		}
		unchanged()
	}
	form := defaultForm(csrf, team.ETag)
	form.Set("cookie_scope", "only")
	if p := c.post(path+"/policy-form", form); p.status != http.StatusBadRequest || !strings.Contains(elementText(p.body, "cookie-error"), "List the sites") {
		t.Errorf("only listed sites, none listed: %d %q", p.status, elementText(p.body, "cookie-error"))
	}
	form.Set("cookie_domains", "zoom.us\nhttps://teams.microsoft.com")
	if p := c.post(path+"/policy-form", form); p.status != http.StatusBadRequest || !strings.Contains(elementText(p.body, "cookie-error"), "hold site names like zoom.us") {
		t.Errorf("a URL as a site: %d %q", p.status, elementText(p.body, "cookie-error"))
	}
	// A name agents cannot clear by: every clear of the team would be
	// refused, and no cookie cleared after any session.
	for _, bad := range []struct{ field, value, entry string }{
		{"cookie_domains", "zoom.us\n*.teams.microsoft.com", "*.teams.microsoft.com"},
		{"cookie_keep", "*.mybank.co.uk", "*.mybank.co.uk"},
		{"cookie_keep", "'mybank.co.uk'", "'mybank.co.uk'"},
	} {
		form := defaultForm(csrf, team.ETag)
		if bad.field == "cookie_domains" {
			form.Set("cookie_scope", "only")
		}
		form.Set(bad.field, bad.value)
		want := bad.field + ": " + strconv.Quote(bad.entry) + " is not a site name"
		if p := c.post(path+"/policy-form", form); p.status != http.StatusBadRequest || !strings.Contains(elementText(p.body, "cookie-error"), want) {
			t.Errorf("%s %q: %d %q, want 400 and %q", bad.field, bad.value, p.status, elementText(p.body, "cookie-error"), want)
		}
	}
	unchanged()

	// Nothing changed: nothing saved.
	if p := c.post(path+"/policy-form", defaultForm(csrf, team.ETag)); p.status != http.StatusOK || !strings.Contains(p.body, "Nothing was changed") {
		t.Errorf("an unchanged form: %d", p.status)
	}
	unchanged()

	// A change saves only what changed.
	form = defaultForm(csrf, team.ETag)
	form.Set("screen_lock_max_seconds", "5")
	form.Set("wifi_insecure", "warn")
	form.Set("required_smart_speakers", "1")
	form.Del("required_antivirus")
	form.Set("cookie_scope", "only")
	form.Set("cookie_domains", "zoom.us, teams.microsoft.com")
	form.Set("session_reminder_minutes", "2")
	form.Set("session_reminder_minutes_unit", "hours")
	if p := c.post(path+"/policy-form", form); p.status != http.StatusSeeOther {
		t.Fatalf("a good form: %d %s", p.status, elementText(p.body, "form-error"))
	}
	cur, _ := f.st.Team(t.Context(), team.ID)
	pol, err := all.ParsePolicy(bytes.NewReader(cur.Policy))
	if err != nil {
		t.Fatal(err)
	}
	if screenLockMax.Of(pol) != 300 || wifiInsecure.Of(pol) != checks.Warn || !pol.Required("smart_speakers") || pol.Required("antivirus") ||
		!pol.Required("firewall") || strings.Join(pol.CookieDomains, " ") != "zoom.us teams.microsoft.com" || pol.SessionReminderMinutes != 120 {
		t.Errorf("saved %s", cur.Policy)
	}
	for _, absent := range []string{"report_interval_seconds", "antivirus_missing", "firewall", "cookie_keep"} {
		if strings.Contains(string(cur.Policy), absent) {
			t.Errorf("the saved policy names %s, which the form did not change: %s", absent, cur.Policy)
		}
	}
	// The page shows the new values; a form loaded before cannot overwrite.
	if p := c.get(path); !strings.Contains(p.body, `name="screen_lock_max_seconds" value="5"`) || !strings.Contains(p.body, `name="session_reminder_minutes" value="2"`) {
		t.Error("the form does not show the saved values")
	}
	p = c.post(path+"/policy-form", defaultForm(csrf, team.ETag))
	if p.status != http.StatusConflict || !strings.Contains(elementText(p.body, "form-error"), "Someone changed this policy") {
		t.Errorf("a stale form: %d", p.status)
	}
	if again, _ := f.st.Team(t.Context(), team.ID); again.ETag != cur.ETag {
		t.Error("a stale form overwrote the policy")
	}
	// Without the CSRF token: refused.
	form = defaultForm("", cur.ETag)
	form.Set("screen_lock_max_seconds", "1")
	if p := c.post(path+"/policy-form", form); p.status != http.StatusForbidden {
		t.Errorf("without a CSRF token: %d, want 403", p.status)
	}
	if a := auditActions(t, f.st); strings.Count(a, "policy.update by alice") != 1 {
		t.Errorf("audit: %s", a)
	}
}

// TestPolicyFormStoredSiteNotClearable: a policy stored before the server
// checked its cookie sites, holding one agents cannot clear by, is shown
// with the error next to the cookie fields (agents refuse every clear of
// the team meanwhile), and the rest of the page still works.
func TestPolicyFormStoredSiteNotClearable(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	team := f.teams["Counselling"]
	db := f.st.(interface{ DB() *sql.DB }).DB()
	if _, err := db.ExecContext(t.Context(), `UPDATE teams SET policy = '{"cookie_keep":["*.mybank.co.uk"]}' WHERE id = ?`, team.ID); err != nil {
		t.Fatal(err)
	}
	p := c.get("/teams/" + team.ID)
	got := elementText(p.body, "cookie-error")
	if p.status != http.StatusOK || !strings.Contains(got, `cookie_keep: "*.mybank.co.uk" is not a site name`) || !strings.Contains(got, "Agents refuse to clear cookies") {
		t.Errorf("team page of a stored wildcard site: %d, cookie error %q", p.status, got)
	}
	if !strings.Contains(p.body, `id="screen_lock_max_seconds" name="screen_lock_max_seconds" value="10"`) {
		t.Error("the rest of the form is not shown")
	}
}

// TestPolicyRollout: the team page says which devices confirmed the
// current version and when.
func TestPolicyRollout(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	team := f.teams["Counselling"]
	applied := []store.PolicyApplied{
		{DeviceID: f.ids["laptop-ready"], ETag: team.ETag, At: time.Now().Add(-2*time.Minute - time.Second)},
		{DeviceID: f.ids["laptop-fail"], ETag: "an-earlier-version", At: time.Now().Add(-3 * time.Hour)},
	}
	if err := f.st.SetPoliciesApplied(t.Context(), applied); err != nil {
		t.Fatal(err)
	}
	p := c.get("/teams/" + team.ID)
	if got := elementText(p.body, "rollout-count"); !strings.HasPrefix(got, "1 of 4 devices run this version") {
		t.Errorf("rollout count %q", got)
	}
	rows := p.body[strings.Index(p.body, `id="rollout"`):]
	for _, want := range []string{">applied 2 min ago<", ">not yet (runs an earlier version, applied 3 h ago)<", ">not yet<"} {
		if !strings.Contains(rows, want) {
			t.Errorf("the rollout table lacks %s", want)
		}
	}
	if strings.Index(rows, "laptop-ready") < strings.Index(rows, "laptop-new") {
		t.Error("a device running the version is listed before one that is not")
	}
}

// TestPolicyFormConflict: someone else saves the policy while an admin
// edits it with the form. The admin's save is refused (409) and the form
// shown again with their edits over the current policy, the fields both
// changed to different values marked with the other value; saving that
// form saves both people's changes.
func TestPolicyFormConflict(t *testing.T) {
	for _, tc := range []struct {
		name         string
		theirs, mine func(url.Values)
		// clash holds pairs: the ID of a field's note, words it holds.
		clash    []string
		shown    map[string]string // fields of the merged form
		saved    func(checks.Policy) bool
		savedNot []string // what the saved document must not hold
		// nothing: the admin changed nothing, so the second save saves
		// nothing.
		nothing bool
	}{{
		name:   "different fields",
		theirs: func(v url.Values) { v.Set("wifi_insecure", "warn") },
		mine:   func(v url.Values) { v.Set("screen_lock_max_seconds", "5") },
		shown:  map[string]string{"screen_lock_max_seconds": "5", "wifi_insecure": "warn"},
		saved: func(p checks.Policy) bool {
			return screenLockMax.Of(p) == 300 && wifiInsecure.Of(p) == checks.Warn
		},
	}, {
		name:   "the same field to the same value",
		theirs: func(v url.Values) { v.Set("screen_lock_max_seconds", "5") },
		mine: func(v url.Values) {
			v.Set("screen_lock_max_seconds", "300")
			v.Set("screen_lock_max_seconds_unit", "seconds")
			v.Set("required_smart_speakers", "1")
		},
		shown: map[string]string{"screen_lock_max_seconds": "300", "screen_lock_max_seconds_unit": "seconds", "required_smart_speakers": "1"},
		saved: func(p checks.Policy) bool { return screenLockMax.Of(p) == 300 && p.Required("smart_speakers") },
	}, {
		name: "the same fields to different values",
		theirs: func(v url.Values) {
			v.Set("screen_lock_max_seconds", "15")
			v.Set("cookie_keep", "bank.example")
			v.Set("remote_access_allowed", "TeamViewer")
			v.Set("wifi_insecure", "warn")
		},
		mine: func(v url.Values) {
			v.Set("screen_lock_max_seconds", "5")
			v.Set("cookie_keep", "mybank.co.uk")
			v.Set("remote_access_allowed", "Quick Assist\nAnyDesk")
		},
		clash: []string{
			"screen_lock_max_seconds-note", "Someone else saved this as 15 minutes; your value is shown.",
			"remote_access_allowed-note", "Someone else saved this as TeamViewer;",
			"cookie_keep-note", "Someone else saved this as bank.example;",
		},
		shown: map[string]string{"screen_lock_max_seconds": "5", "cookie_keep": "mybank.co.uk", "remote_access_allowed": "Quick Assist\nAnyDesk", "wifi_insecure": "warn"},
		saved: func(p checks.Policy) bool {
			return screenLockMax.Of(p) == 300 && slices.Equal(p.CookieKeep, []string{"mybank.co.uk"}) &&
				slices.Equal(remoteAllowed.Of(p), []string{"Quick Assist", "AnyDesk"}) && wifiInsecure.Of(p) == checks.Warn
		},
		savedNot: []string{"bank.example", "TeamViewer"},
	}, {
		name:    "no change of mine",
		theirs:  func(v url.Values) { v.Set("wifi_insecure", "warn") },
		mine:    func(url.Values) {},
		shown:   map[string]string{"wifi_insecure": "warn", "screen_lock_max_seconds": "10"},
		saved:   func(p checks.Policy) bool { return wifiInsecure.Of(p) == checks.Warn },
		nothing: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			hashOther(t, f, "bob")
			alice, bob := f.client(t), f.client(t)
			alice.login()
			if p := bob.loginAs("bob", adminPassword); p.status != http.StatusSeeOther {
				t.Fatalf("bob's login: %d", p.status)
			}
			path := "/teams/" + f.teams["Counselling"].ID
			mine := pageForm(t, alice.get(path).body, path+"/policy-form")
			if p := bob.post(path+"/policy-form", edited(pageForm(t, bob.get(path).body, path+"/policy-form"), tc.theirs)); p.status != http.StatusSeeOther {
				t.Fatalf("bob's save: %d %s", p.status, elementText(p.body, "form-error"))
			}
			theirs, _ := f.st.Team(t.Context(), f.teams["Counselling"].ID)

			p := alice.post(path+"/policy-form", edited(mine, tc.mine))
			msg := elementText(p.body, "form-error")
			if p.status != http.StatusConflict || !strings.HasPrefix(msg, "Someone changed this policy since you opened it.") {
				t.Fatalf("alice's stale save: %d %q", p.status, msg)
			}
			if now, _ := f.st.Team(t.Context(), theirs.ID); now.ETag != theirs.ETag {
				t.Fatalf("the conflict saved %s", now.Policy)
			}
			merged := pageForm(t, p.body, path+"/policy-form")
			if merged.Get("etag") != theirs.ETag || merged.Get("base") != string(theirs.Policy) {
				t.Errorf("the merged form is on etag %q base %s, want the current %q %s", merged.Get("etag"), merged.Get("base"), theirs.ETag, theirs.Policy)
			}
			for name, want := range tc.shown {
				if got := merged.Get(name); got != want {
					t.Errorf("the merged form shows %s = %q, want %q", name, got, want)
				}
			}
			if !tc.nothing && !strings.Contains(msg, "Your edits are kept in the form") {
				t.Errorf("the message does not say the edits are kept: %q", msg)
			}
			for i := 0; i < len(tc.clash); i += 2 {
				if got := elementText(p.body, tc.clash[i]); !strings.Contains(got, tc.clash[i+1]) {
					t.Errorf("%s says %q, want %q", tc.clash[i], got, tc.clash[i+1])
				}
			}
			if n := strings.Count(p.body, `class="field-note"`); n != len(tc.clash)/2 {
				t.Errorf("%d fields marked, want %d", n, len(tc.clash)/2)
			}
			if len(tc.clash) > 0 && !strings.Contains(msg, `You both changed "The screen locks with a password after at most", "Remote-control tools your IT support uses" and "Sites whose cookies are kept"`) {
				t.Errorf("the message does not name the fields both changed: %q", msg)
			}
			if len(tc.clash) == 0 && strings.Contains(msg, "both changed") {
				t.Errorf("a clash named where there is none: %q", msg)
			}

			// Saving the form as shown saves both people's changes.
			p = alice.post(path+"/policy-form", merged)
			switch {
			case tc.nothing && (p.status != http.StatusOK || !strings.Contains(elementText(p.body, "form-error"), "Nothing was changed")):
				t.Errorf("saving the unchanged form: %d %q", p.status, elementText(p.body, "form-error"))
			case !tc.nothing && p.status != http.StatusSeeOther:
				t.Fatalf("the second save: %d %q", p.status, elementText(p.body, "form-error"))
			}
			cur, _ := f.st.Team(t.Context(), theirs.ID)
			pol, err := all.ParsePolicy(bytes.NewReader(cur.Policy))
			if err != nil || !tc.saved(pol) {
				t.Errorf("saved %s (%v)", cur.Policy, err)
			}
			for _, absent := range tc.savedNot {
				if strings.Contains(string(cur.Policy), absent) {
					t.Errorf("saved %s, which keeps the other %s", cur.Policy, absent)
				}
			}
			byAlice := 1
			if tc.nothing {
				byAlice = 0
			}
			if a := auditActions(t, f.st); strings.Count(a, "policy.update by alice") != byAlice || strings.Count(a, "policy.update by bob") != 1 {
				t.Errorf("audit: %s", a)
			}
		})
	}
}

// TestPolicyFormConflictUnmergeable: a stale form whose base is missing,
// too large or not a policy cannot tell which fields the admin changed:
// the form shows the current policy and says the edits could not be kept.
func TestPolicyFormConflictUnmergeable(t *testing.T) {
	for name, base := range map[string]*string{
		"missing":      nil,
		"empty":        new(""),
		"not JSON":     new(`{"screen_lock_max_seconds":`),
		"not a policy": new(`{"screen_lock_max_seconds":"ten"}`),
		"an array":     new(`[1,2]`),
		// {} but for its size.
		"too large": new(`{` + strings.Repeat(" ", 17<<10) + `}`),
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			c := f.client(t)
			c.login()
			team := f.teams["Counselling"]
			path := "/teams/" + team.ID
			form := pageForm(t, c.get(path).body, path+"/policy-form")
			theirs, err := f.st.SetTeamPolicy(t.Context(), team.ID, []byte(`{"wifi_insecure":"warn"}`), team.ETag)
			if err != nil {
				t.Fatal(err)
			}
			form.Set("screen_lock_max_seconds", "5")
			if base == nil {
				form.Del("base")
			} else {
				form.Set("base", *base)
			}
			p := c.post(path+"/policy-form", form)
			msg := elementText(p.body, "form-error")
			if p.status != http.StatusConflict || !strings.Contains(msg, "your edits could not be kept: the form now shows the current policy") {
				t.Errorf("%d %q", p.status, msg)
			}
			shown := pageForm(t, p.body, path+"/policy-form")
			if shown.Get("screen_lock_max_seconds") != "10" || shown.Get("wifi_insecure") != "warn" || shown.Get("etag") != theirs.ETag || shown.Get("base") != string(theirs.Policy) {
				t.Errorf("the form shows screen lock %s, wifi %s, etag %s, base %s; want the current policy",
					shown.Get("screen_lock_max_seconds"), shown.Get("wifi_insecure"), shown.Get("etag"), shown.Get("base"))
			}
			if cur, _ := f.st.Team(t.Context(), team.ID); cur.ETag != theirs.ETag {
				t.Errorf("saved %s", cur.Policy)
			}
		})
	}
}

// edited is a copy of form with edit applied.
func edited(form url.Values, edit func(url.Values)) url.Values {
	v := maps.Clone(form)
	edit(v)
	return v
}

// pageForm is what a browser sends for the form of page posting to
// action, as the page shows it: each named input's value (a checkbox's
// only when ticked), each select's chosen option, each textarea's text.
func pageForm(t *testing.T, page, action string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	for form := range doc.Descendants() {
		if form.DataAtom == atom.Form && attr(form, "action") == action {
			return formValues(form)
		}
	}
	t.Fatalf("the page has no form posting to %s", action)
	return nil
}

// formValues are the values a browser sends for form (see pageForm).
func formValues(form *html.Node) url.Values {
	v := url.Values{}
	for n := range form.Descendants() {
		name := attr(n, "name")
		if n.Type != html.ElementNode || name == "" {
			continue
		}
		switch n.DataAtom {
		case atom.Input:
			if attr(n, "type") != "checkbox" || hasAttr(n, "checked") {
				v.Add(name, attr(n, "value"))
			}
		case atom.Textarea:
			v.Add(name, nodeText(n))
		case atom.Select:
			var chosen *html.Node // the option selected, else the first
			for o := range n.Descendants() {
				if o.DataAtom == atom.Option && (chosen == nil || hasAttr(o, "selected") && !hasAttr(chosen, "selected")) {
					chosen = o
				}
			}
			if chosen != nil && hasAttr(chosen, "value") {
				v.Add(name, attr(chosen, "value"))
			} else if chosen != nil {
				v.Add(name, nodeText(chosen))
			}
		}
	}
	return v
}

// attr is n's attribute key, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	return slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == key })
}

// nodeText is the text n holds.
func nodeText(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}
