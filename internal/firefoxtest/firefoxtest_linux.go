//go:build linux

package firefoxtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// QuietPrefs returns the preferences of a quiet test profile; add to the
// map what a test needs (a proxy, the Marionette port).
func QuietPrefs() map[string]any {
	return map[string]any{
		"browser.shell.checkDefaultBrowser":          false,
		"browser.startup.homepage_override.mstone":   "ignore",
		"browser.aboutwelcome.enabled":               false,
		"datareporting.policy.dataSubmissionEnabled": false,
		"datareporting.healthreport.uploadEnabled":   false,
		"toolkit.telemetry.enabled":                  false,
		"app.update.enabled":                         false,
		"app.normandy.enabled":                       false,
		"extensions.update.enabled":                  false,
		"browser.safebrowsing.malware.enabled":       false,
		"browser.safebrowsing.phishing.enabled":      false,
		"browser.safebrowsing.downloads.enabled":     false,
		"browser.search.update":                      false,
		"services.settings.server":                   "http://127.0.0.1:1/",
		"network.captive-portal-service.enabled":     false,
		"network.connectivity-service.enabled":       false,
		"network.dns.disablePrefetch":                true,
		"network.prefetch-next":                      false,
		"dom.security.https_first":                   false,
		"dom.security.https_only_mode":               false,
		"browser.sessionstore.resume_from_crash":     false,
	}
}

// WriteUserJS writes prefs as the profile's user.js (sorted, so the file is
// the same every time).
func WriteUserJS(t testing.TB, profile string, prefs map[string]any) {
	t.Helper()
	var js strings.Builder
	for _, k := range slices.Sorted(maps.Keys(prefs)) {
		v, err := json.Marshal(prefs[k])
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&js, "user_pref(%q, %s);\n", k, v)
	}
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(js.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}
