package osupdates_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	osupdates "github.com/sessionguard/sessionguard/checks/os_updates"
	"github.com/sessionguard/sessionguard/checks/probe"
)

var at = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

func ago(d time.Duration) *time.Time { t := at.Add(-d); return &t }

const day = 24 * time.Hour

// good is a Debian 12 machine with nothing waiting and updates automatic.
func good() osupdates.Facts {
	return osupdates.Facts{OS: "linux", At: at,
		Release: osupdates.Release{Systems: []string{"debian"}, Version: "12", Name: "Debian GNU/Linux 12 (bookworm)"},
		Updates: osupdates.Updates{Source: osupdates.SourceApt, Read: true, Checked: ago(day), Reboot: osupdates.RebootNotRequired},
		Auto:    osupdates.Auto{State: osupdates.AutoOn, By: "unattended-upgrades"}}
}

// ubuntuESM is Ubuntu 20.04 with an Ubuntu Pro ESM source whose newest
// list is dated listed.
func ubuntuESM(listed *time.Time) osupdates.Release {
	return osupdates.Release{Systems: []string{"ubuntu-esm", "ubuntu"}, Version: "20.04", Name: "Ubuntu 20.04.6 LTS", ESMListed: listed}
}

func denied() *osupdates.Unread {
	return &osupdates.Unread{What: "the restart flag /run/reboot-required", Why: probe.ErrorKind(probe.ErrAccessDenied)}
}

// TestAccessDenied: evaluation knows a denial by the words the probe
// gives it.
func TestAccessDenied(t *testing.T) {
	if got := probe.ErrorKind(fmt.Errorf("x: %w", probe.ErrAccessDenied)); got != osupdates.AccessDenied {
		t.Errorf("probe says %q, evaluation looks for %q", got, osupdates.AccessDenied)
	}
}

func snapdTimeout() *osupdates.Unread {
	return &osupdates.Unread{What: `snapd's answer to "snap refresh --time"`, Why: "timed out"}
}

func policy(settings map[string]string) checks.Policy {
	pol := checks.Catalogue{osupdates.Check}.Default()
	for k, v := range settings {
		pol = pol.With(k, json.RawMessage(v))
	}
	return pol
}

func TestEvaluate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*osupdates.Facts)
		pol    map[string]string
		want   checks.Status
		words  string
	}{
		{"all good", func(*osupdates.Facts) {}, nil, checks.Pass, "gets security updates until 30 June 2028"},
		{"pending 13 days", func(f *osupdates.Facts) { f.Updates.Security, f.Updates.Since = 3, ago(13*day) }, nil, checks.Warn, "at least 13 days"},
		{"pending 14 days", func(f *osupdates.Facts) { f.Updates.Security, f.Updates.Since = 3, ago(14*day) }, nil, checks.Fail, "at least 14 days"},
		{"pending 14 days, 30 allowed", func(f *osupdates.Facts) { f.Updates.Security, f.Updates.Since = 3, ago(14*day) }, map[string]string{"updates_max_age_days": "30"}, checks.Warn, "install within 30 days"},
		{"pending, age unknown", func(f *osupdates.Facts) { f.Updates.Security = 2 }, nil, checks.Warn, "cannot be told"},
		{"lists 8 days old", func(f *osupdates.Facts) { f.Updates.Checked = ago(8 * day) }, nil, checks.Warn, "at least 8 days ago"},
		{"lists past valid-until", func(f *osupdates.Facts) { f.Updates.Stale = true }, nil, checks.Warn, "out of date"},
		{"reboot", func(f *osupdates.Facts) { f.Updates.Reboot = osupdates.RebootRequired }, nil, checks.Warn, "restart"},
		// A restart flag there but unread: no pass, but a warning or
		// failure elsewhere stands (the flag could only have warned).
		{"restart flag unread", func(f *osupdates.Facts) { f.Updates.Reboot, f.Updates.RebootUnread = "unknown", denied() }, nil, checks.Unknown, "wait for a restart"},
		{"restart flag unread, lists old", func(f *osupdates.Facts) {
			f.Updates.Reboot, f.Updates.RebootUnread, f.Updates.Checked = "unknown", denied(), ago(8*day)
		}, nil, checks.Warn, "at least 8 days ago"},
		{"restart flag unread, auto off", func(f *osupdates.Facts) {
			f.Updates.Reboot, f.Updates.RebootUnread = "unknown", denied()
			f.Auto = osupdates.Auto{State: osupdates.AutoOff, By: "x"}
		}, nil, checks.Fail, "Automatic updates are off"},
		{"one restart flag unread, the other set", func(f *osupdates.Facts) {
			f.Updates.Reboot, f.Updates.RebootUnread = osupdates.RebootRequired, denied()
		}, nil, checks.Warn, "restart"},
		// dnf and zypper: an older agent read only the advisories, which
		// browsers from their makers' repositories never have.
		{"dnf, browsers not looked for (older agent)", func(f *osupdates.Facts) { f.Updates.Source = "dnf" }, nil, checks.Unknown, "web browsers from their makers' own repositories"},
		{"zypper, browsers not looked for, advisories waiting", func(f *osupdates.Facts) {
			f.Updates.Source, f.Updates.Security, f.Updates.Since = "zypper", 1, ago(20*day)
		}, nil, checks.Fail, "at least 20 days"},
		{"dnf, browsers looked for", func(f *osupdates.Facts) { f.Updates.Source, f.Updates.BrowsersRead = "dnf", true }, nil, checks.Pass, "no security updates are waiting"},
		{"dnf, a browser waiting", func(f *osupdates.Facts) {
			f.Updates.Source, f.Updates.BrowsersRead, f.Updates.Security, f.Updates.Browsers, f.Updates.Since = "dnf", true, 1, []string{"google-chrome-stable"}, ago(15*day)
		}, nil, checks.Fail, "(including the web browser google-chrome-stable) has been waiting to be installed for at least 15 days (a browser's update is dated by the last change"},
		{"scan time unread", func(f *osupdates.Facts) { f.Updates.Checked, f.Updates.CheckedUnread = nil, denied() }, nil, checks.Unknown, "up to date"},
		// Snaps: snapd not running refreshes nothing, graded as a hold;
		// snapd not answering otherwise is unknown where a hold could
		// have changed the verdict.
		{"snapd not running", func(f *osupdates.Facts) { f.Snaps = &osupdates.Snaps{NotRunning: true, Installed: 4} }, nil, checks.Fail, "snapd, which updates them, is not running (4 snaps are installed)"},
		{"snapd not running graded warn", func(f *osupdates.Facts) { f.Snaps = &osupdates.Snaps{NotRunning: true, Installed: 1} }, map[string]string{"updates_auto_off": `"warn"`}, checks.Warn, "(1 snap is installed)"},
		{"snapd unread", func(f *osupdates.Facts) { f.Snaps = &osupdates.Snaps{Installed: 4, Unread: snapdTimeout()} }, nil, checks.Unknown, "snap apps get their updates"},
		{"snapd unread, lists old", func(f *osupdates.Facts) {
			f.Snaps, f.Updates.Checked = &osupdates.Snaps{Installed: 4, Unread: snapdTimeout()}, ago(8*day)
		}, nil, checks.Unknown, "snap apps get their updates"},
		{"snapd unread, lists old, holds graded warn", func(f *osupdates.Facts) {
			f.Snaps, f.Updates.Checked = &osupdates.Snaps{Installed: 4, Unread: snapdTimeout()}, ago(8*day)
		}, map[string]string{"updates_auto_off": `"warn"`}, checks.Warn, "at least 8 days ago"},
		{"snapd unread, auto off", func(f *osupdates.Facts) {
			f.Snaps, f.Auto = &osupdates.Snaps{Installed: 4, Unread: snapdTimeout()}, osupdates.Auto{State: osupdates.AutoOff, By: "x"}
		}, nil, checks.Fail, "Automatic updates are off"},
		{"snap list unread, all held", func(f *osupdates.Facts) { f.Snaps = &osupdates.Snaps{HeldAll: true, Unread: snapdTimeout()} }, nil, checks.Fail, "held indefinitely"},
		{"snapd answered, nothing held", func(f *osupdates.Facts) { f.Snaps = &osupdates.Snaps{} }, nil, checks.Pass, "gets security updates"},
		// The console user's Flatpak apps not looked for: their updates
		// could warn or fail, so only a failure elsewhere stands.
		{"user's flatpak unread", func(f *osupdates.Facts) { f.Flatpak = &osupdates.Flatpak{Read: true, UserUnread: "who"} }, nil, checks.Unknown, "signed-in person's own Flatpak apps"},
		{"user's flatpak unread, system's waiting 3 days", func(f *osupdates.Facts) {
			f.Flatpak = &osupdates.Flatpak{Installed: 2, Read: true, Pending: 1, Since: ago(3 * day), UserUnread: "who"}
		}, nil, checks.Unknown, "signed-in person's own Flatpak apps"},
		{"user's flatpak unread, system's waiting 20 days", func(f *osupdates.Facts) {
			f.Flatpak = &osupdates.Flatpak{Installed: 2, Read: true, Pending: 1, Since: ago(20 * day), UserUnread: "who"}
		}, nil, checks.Fail, "at least 20 days"},
		{"user's flatpak unread, auto off", func(f *osupdates.Facts) {
			f.Flatpak, f.Auto = &osupdates.Flatpak{Read: true, UserUnread: "who"}, osupdates.Auto{State: osupdates.AutoOff, By: "x"}
		}, nil, checks.Fail, "Automatic updates are off"},
		{"auto off", func(f *osupdates.Facts) { f.Auto = osupdates.Auto{State: osupdates.AutoOff, By: "x"} }, nil, checks.Fail, "Automatic updates are off"},
		{"auto off graded warn", func(f *osupdates.Facts) { f.Auto = osupdates.Auto{State: osupdates.AutoOff, By: "x"} }, map[string]string{"updates_auto_off": `"warn"`}, checks.Warn, "Automatic updates are off"},
		{"paused", func(f *osupdates.Facts) {
			f.Auto = osupdates.Auto{State: osupdates.AutoPaused, PausedUntil: ago(-10 * day)}
		}, nil, checks.Fail, "paused until 15 December 2026"},
		{"managed", func(f *osupdates.Facts) { f.Auto = osupdates.Auto{State: osupdates.AutoManaged, By: "WSUS"} }, nil, checks.Pass, "managed by your organisation"},
		{"auto unknown", func(f *osupdates.Facts) { f.Auto = osupdates.Auto{State: osupdates.AutoUnknown, Reason: "r"} }, nil, checks.Unknown, "automatically"},
		{"pending not read", func(f *osupdates.Facts) { f.Updates.Read, f.Updates.Reason = false, "r" }, nil, checks.Unknown, "waiting"},
		{"release unknown", func(f *osupdates.Facts) { f.Release.Systems = []string{"kali"} }, nil, checks.Unknown, "not in SessionGuard's table"},
		{"release unknown but auto off", func(f *osupdates.Facts) {
			f.Release.Systems = []string{"kali"}
			f.Auto = osupdates.Auto{State: osupdates.AutoOff, By: "x"}
		}, nil, checks.Fail, "Automatic updates are off"},
		{"ended", func(f *osupdates.Facts) { f.Release.Version = "11" }, nil, checks.Fail, "support ended on 31 August 2026"},
		{"ending in 20 days", func(f *osupdates.Facts) {
			f.Release.Version = "12"
			f.At = time.Date(2028, 6, 10, 0, 0, 0, 0, time.UTC)
		}, nil, checks.Warn, "stops getting security updates on 30 June 2028"},
		{"last supported day", func(f *osupdates.Facts) {
			f.At = time.Date(2028, 6, 30, 20, 0, 0, 0, time.UTC)
			f.Updates.Checked = nil
		}, nil, checks.Warn, "stops getting"},
		{"day after", func(f *osupdates.Facts) { f.At = time.Date(2028, 7, 1, 1, 0, 0, 0, time.UTC); f.Updates.Checked = nil }, nil, checks.Fail, "ended"},
		{"policy ends it early", func(*osupdates.Facts) {}, map[string]string{"updates_eol_table": `["debian 12 2026-01-31"]`}, checks.Fail, "ended on 31 January 2026"},
		// Ubuntu Pro's ESM extends support only while its list is
		// refreshed; facts without its date (an older agent's) do not
		// count it.
		{"ESM list fresh", func(f *osupdates.Facts) { f.Release = ubuntuESM(ago(2 * day)) }, nil, checks.Pass, "until 30 April 2030"},
		// A quiet week at esm.ubuntu.com: still counted, the stale list warns.
		{"ESM list 8 days old", func(f *osupdates.Facts) {
			f.Release = ubuntuESM(ago(8 * day))
			f.Updates.Checked = ago(8 * day)
		}, nil, checks.Warn, "last refreshed at least 8 days ago"},
		{"ESM list 31 days old", func(f *osupdates.Facts) {
			f.Release = ubuntuESM(ago(31 * day))
			f.Updates.Checked = ago(31 * day)
		}, nil, checks.Fail, "support ended on 31 May 2025, and its Ubuntu Pro (ESM) updates, which would extend it, have not been fetched since 4 November 2026 (31 days ago)"},
		{"ESM list undated", func(f *osupdates.Facts) { f.Release = ubuntuESM(nil) }, nil, checks.Fail, "could not tell when its Ubuntu Pro (ESM) updates"},
		{"ESM list old, standard support left", func(f *osupdates.Facts) {
			f.Release = ubuntuESM(ago(40 * day))
			f.Release.Version = "22.04"
			f.Updates.Checked = ago(40 * day)
		}, nil, checks.Warn, "security updates of at least one of apt's sources was last refreshed at least 40 days ago"},
		{"rolling", func(f *osupdates.Facts) {
			f.Release = osupdates.Release{Systems: []string{"opensuse-tumbleweed"}, Version: "20261201"}
		}, nil, checks.Pass, "rolling release"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := good()
			tc.change(&f)
			r := osupdates.Evaluate(f, policy(tc.pol))
			if r.Status != tc.want || !strings.Contains(r.Summary, tc.words) {
				t.Errorf("%s %q, want %s with %q", r.Status, r.Summary, tc.want, tc.words)
			}
			if r.Status != checks.Pass && r.Status != checks.NotApplicable && r.Fix == "" {
				t.Error("no fix")
			}
			if r.Status == checks.Unknown && r.Reason == "" {
				t.Error("unknown without a reason")
			}
			if f.Updates.RebootUnread != nil && r.Status == checks.Unknown &&
				(!strings.Contains(r.Reason, "could not read the restart flag /run/reboot-required: access denied") || !strings.Contains(r.Fix, "allowed to read the restart flag /run/reboot-required")) {
				t.Errorf("reason %q, fix %q: they should say what could not be read and what to do", r.Reason, r.Fix)
			}
		})
	}
}

// The server judges stored facts again: the ages come from the facts' own
// time, not the server's clock.
func TestReevaluateKeepsTheFactsTime(t *testing.T) {
	f := good()
	f.Updates.Security, f.Updates.Since = 1, ago(20*day)
	raw, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	r, err := osupdates.Check.(checks.Reevaluator).Reevaluate(raw, policy(nil))
	if err != nil || r.Status != checks.Fail || !strings.Contains(r.Summary, "at least 20 days") {
		t.Errorf("%s %q %v", r.Status, r.Summary, err)
	}
}
