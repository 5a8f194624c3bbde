package web

import (
	"net/url"
	"reflect"
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
	for _, f := range newPolicyForm(all.DefaultPolicy(), func(id string) string { return id }).Fields {
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
		form := newPolicyForm(pol, func(id string) string { return id })
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
		got, back := readPolicyForm(v, all.DefaultPolicy(), func(id string) string { return id })
		if back.Errors != 0 || !reflect.DeepEqual(got, pol) {
			t.Errorf("round trip of %+v:\n got %+v, %d errors", pol, got, back.Errors)
		}
	}
	for _, f := range newPolicyForm(changed, func(id string) string { return id }).Fields {
		if f.Name == screenLockMax.Name && (f.Value != "90" || f.Unit != "seconds") {
			t.Errorf("90 s screen lock shown as %s %s, want 90 seconds", f.Value, f.Unit)
		}
	}
}
