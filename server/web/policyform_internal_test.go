package web

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
)

// TestPolicyFormCoversEveryField: every field of checks.Policy is on the
// form (a setting, the check list or the cookie scope), so a new policy
// field cannot be forgotten here.
func TestPolicyFormCoversEveryField(t *testing.T) {
	onForm := map[string]bool{"Schema": true, "Checks": true, "CookieDomains": true, "CookieKeep": true}
	for _, s := range settings {
		if onForm[s.field] {
			t.Errorf("%s is on the form twice", s.field)
		}
		onForm[s.field] = true
		f, ok := reflect.TypeFor[checks.Policy]().FieldByName(s.field)
		if !ok || strings.Split(f.Tag.Get("json"), ",")[0] != s.Name {
			t.Errorf("setting %s names field %s, whose JSON name is %q", s.Name, s.field, f.Tag.Get("json"))
		}
	}
	for f := range reflect.TypeFor[checks.Policy]().Fields() {
		if !onForm[f.Name] {
			t.Errorf("checks.Policy.%s is not on the form", f.Name)
		}
	}
}

// TestPolicyFormRoundTrip: the form of a policy, read back, is that policy
// with no error, for the default and for a policy with every setting
// changed; units convert.
func TestPolicyFormRoundTrip(t *testing.T) {
	changed := checks.Default()
	changed.ScreenLockMaxSeconds, changed.ReportIntervalSeconds, changed.SessionReminderMinutes = 90, 7200, 0
	changed.WifiInsecure, changed.AllowOverride = checks.Warn, true
	changed.CookieDomains, changed.CookieKeep = []string{"zoom.us"}, []string{"bank.example"}
	changed.Checks = map[string]checks.CheckPolicy{}
	for _, id := range checks.CheckIDs {
		changed.Checks[id] = checks.CheckPolicy{Required: id == "firewall"}
	}
	for _, pol := range []checks.Policy{checks.Default(), changed} {
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
		got, back := readPolicyForm(v, checks.Default(), func(id string) string { return id })
		if back.Errors != 0 || !reflect.DeepEqual(got, pol) {
			t.Errorf("round trip of %+v:\n got %+v, %d errors", pol, got, back.Errors)
		}
	}
	if f := newPolicyForm(changed, func(id string) string { return id }); f.Fields[0].Value != "90" || f.Fields[0].Unit != "seconds" {
		t.Errorf("90 s screen lock shown as %s %s, want 90 seconds", f.Fields[0].Value, f.Fields[0].Unit)
	}
}
