package web

import (
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/checktest"
)

// The check settings these tests use, found by their policy names (the
// check packages export only ID and Check).
var (
	screenLockMax = checktest.SettingNamed[checks.Number](all.Catalogue(), "screen_lock_max_seconds")
	wifiInsecure  = checktest.SettingNamed[checks.Grade](all.Catalogue(), "wifi_insecure")
	remoteAllowed = checktest.SettingNamed[checks.Names](all.Catalogue(), "remote_access_allowed")
)

// TestPolicyFormCoversEveryField: every field of checks.Policy and every
// setting a check owns is on the form (a setting, the check list or the
// cookie scope), once, so a new policy setting cannot be forgotten here.
func TestPolicyFormCoversEveryField(t *testing.T) {
	onForm := map[string]bool{"schema": true, "checks": true, "cookie_domains": true, "cookie_keep": true}
	for _, f := range newPolicyForm(all.DefaultPolicy(), idTitle).Fields {
		if onForm[f.Name] {
			t.Errorf("%s is on the form twice", f.Name)
		}
		onForm[f.Name] = true
	}
	for f := range reflect.TypeFor[checks.Policy]().Fields() {
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if name != "-" && !onForm[name] {
			t.Errorf("checks.Policy.%s (%s) is not on the form", f.Name, name)
		}
	}
	for name := range all.DefaultPolicy().Settings {
		if !onForm[name] {
			t.Errorf("the check setting %s is not on the form", name)
		}
	}
}

// TestPolicyFormRoundTrip: the form of a policy, read back, is that policy
// with no error, for the default and for a policy with every setting
// changed; units convert.
func TestPolicyFormRoundTrip(t *testing.T) {
	changed := all.DefaultPolicy()
	changed = changed.With(screenLockMax.Name, 90).With(wifiInsecure.Name, checks.Warn).
		With(remoteAllowed.Name, []string{"Quick Assist", "TeamViewer"})
	changed.ReportIntervalSeconds, changed.SessionReminderMinutes, changed.AllowOverride = 7200, 0, true
	changed.CookieDomains, changed.CookieKeep = []string{"zoom.us"}, []string{"bank.example"}
	changed.Checks = map[string]checks.CheckPolicy{}
	for _, id := range all.Catalogue().IDs() {
		changed.Checks[id] = checks.CheckPolicy{Required: id == "firewall"}
	}
	for _, pol := range []checks.Policy{all.DefaultPolicy(), changed} {
		got, back := readPolicyForm(posted(newPolicyForm(pol, idTitle)), all.DefaultPolicy(), idTitle)
		if back.Errors != 0 || !reflect.DeepEqual(got, pol) {
			t.Errorf("round trip of %+v:\n got %+v, %d errors", pol, got, back.Errors)
		}
	}
	for _, f := range newPolicyForm(changed, idTitle).Fields {
		if f.Name == screenLockMax.Name && (f.Value != "90" || f.Unit != "seconds") {
			t.Errorf("90 s screen lock shown as %s %s, want 90 seconds", f.Value, f.Unit)
		}
	}
}

// idTitle titles a check by its ID.
func idTitle(id string) string { return id }

// posted is what a browser sends for form as the page shows it.
func posted(form policyForm) url.Values {
	v := url.Values{"cookie_scope": {form.CookieScope}, "cookie_domains": {form.CookieSites}, "cookie_keep": {form.CookieKeep}}
	for _, f := range form.Fields {
		v.Set(f.Name, f.Value)
		v.Set(f.Name+"_unit", f.Unit)
		if f.Toggle && f.Checked {
			v.Set(f.Name, "1")
		}
		if f.Toggle && !f.Checked {
			v.Del(f.Name)
		}
	}
	for _, c := range form.Checks {
		if c.Required {
			v.Set("required_"+c.ID, "1")
		}
	}
	return v
}

// TestMergeForm: the parts of the form the page tests do not merge. A
// check's required flag and a toggle changed by both are one change, not a
// clash; the cookie scope both changed is marked with the other scope, in
// words; a field only the other person changed takes their value.
func TestMergeForm(t *testing.T) {
	base := all.DefaultPolicy()
	mine := base.With("allow_override", true)
	mine.Checks = maps.Clone(base.Checks)
	mine.Checks["smart_speakers"] = checks.CheckPolicy{Required: true}
	mine.CookieDomains = []string{"zoom.us"}
	theirs := base.With("allow_override", true).With(wifiInsecure.Name, checks.Warn)
	theirs.Checks = maps.Clone(base.Checks)
	theirs.Checks["firewall"] = checks.CheckPolicy{Required: false}
	theirs.CookieDomains = []string{"teams.microsoft.com", "meet.google.com"}

	after, edited := readPolicyForm(posted(newPolicyForm(mine, idTitle)), base, idTitle)
	merged, changed, clashes := mergeForm(edited, base, after, theirs, idTitle)
	if !changed || !slices.Equal(clashes, []string{cookieSitesLabel}) {
		t.Errorf("changed %v, clashes %q; want the cookie sites only", changed, clashes)
	}
	if want := "Someone else saved this as only teams.microsoft.com and meet.google.com;"; !strings.HasPrefix(merged.CookieSitesNote, want) {
		t.Errorf("cookie sites note %q, want %q", merged.CookieSitesNote, want)
	}
	if merged.CookieScope != scopeOnly || merged.CookieSites != "zoom.us" {
		t.Errorf("cookie sites %s %q, want mine", merged.CookieScope, merged.CookieSites)
	}
	got, back := readPolicyForm(posted(merged), theirs, idTitle)
	if back.Errors != 0 || !got.Required("smart_speakers") || got.Required("firewall") || !got.AllowOverride ||
		wifiInsecure.Of(got) != checks.Warn || !slices.Equal(got.CookieDomains, []string{"zoom.us"}) {
		t.Errorf("the merged form reads as %+v (%d errors)", got, back.Errors)
	}
	for _, f := range merged.Fields {
		if f.Note != "" {
			t.Errorf("%s marked %q, a clash where there is none", f.Name, f.Note)
		}
	}
}
