package osupdates_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	osupdates "github.com/sessionguard/sessionguard/checks/os_updates"
)

// realSoftwareUpdate is the shape of a real com.apple.SoftwareUpdate.plist
// (a Mac on 26.5.2, 23 September 2026, as `plutil -convert xml1` shows
// it, trimmed to the keys read): Safari without a first-offer date, the
// major upgrade with an integer Display Version, and 26.7.
const realSoftwareUpdate = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>AutomaticDownload</key><true/>
	<key>AutomaticallyInstallMacOSUpdates</key><true/>
	<key>FirstOfferDateDictionary</key>
	<dict>
		<key>MSU_UPDATE_25F71_patch_26.5_minor</key><date>2026-05-20T16:15:10Z</date>
		<key>MSU_UPDATE_25G229_patch_26.7_minor</key><date>2026-09-15T01:36:31Z</date>
		<key>MSU_UPDATE_26A428_patch_27.0_major</key><date>2026-09-15T01:36:31Z</date>
	</dict>
	<key>LastSuccessfulDate</key><date>2026-09-23T18:40:50Z</date>
	<key>RecommendedUpdates</key>
	<array>
		<dict><key>Display Name</key><string>Safari</string><key>Display Version</key><string>27.0</string><key>Identifier</key><string>Safari27.0TahoeAuto</string><key>Product Key</key><string>047-48781</string></dict>
		<dict><key>Display Name</key><string>macOS 27</string><key>Display Version</key><integer>27</integer><key>Identifier</key><string>MSU_UPDATE_26A428_patch_27.0_major</string><key>MobileSoftwareUpdate</key><true/><key>Product Key</key><string>MSU_UPDATE_26A428_patch_27.0_major</string></dict>
		<dict><key>Display Name</key><string>macOS Tahoe 26.7</string><key>Display Version</key><string>26.7</string><key>Identifier</key><string>MSU_UPDATE_25G229_patch_26.7_minor</string><key>MobileSoftwareUpdate</key><true/><key>Product Key</key><string>MSU_UPDATE_25G229_patch_26.7_minor</string></dict>
	</array>
</dict>
</plist>`

// The upgrade to the next major macOS is no update left waiting; Safari
// counts without a version; 26.7 keeps its version and first-offer date.
// On a Mac already on 27 the 26.7 entry is of another major: not counted.
func TestMacPendingRealShape(t *testing.T) {
	su, err := osupdates.ParseSoftwareUpdatePlist([]byte(realSoftwareUpdate))
	if err != nil {
		t.Fatal(err)
	}
	f := osupdates.Facts{OS: "darwin", Release: osupdates.Release{Version: "26.5.2"}}
	osupdates.MacPending(su, &f)
	offered := time.Date(2026, 9, 15, 1, 36, 31, 0, time.UTC)
	if f.Updates.Security != 2 || len(f.Updates.Items) != 2 || f.Updates.Items[0] != (osupdates.PendingUpdate{}) ||
		f.Updates.Items[1].Version != "26.7" || f.Updates.Items[1].Offered == nil || !f.Updates.Items[1].Offered.Equal(offered) {
		t.Errorf("%d waiting: %+v", f.Updates.Security, f.Updates.Items)
	}
	f = osupdates.Facts{OS: "darwin", Release: osupdates.Release{Version: "27.0"}}
	osupdates.MacPending(su, &f)
	if f.Updates.Security != 1 || f.Updates.Items[0] != (osupdates.PendingUpdate{}) {
		t.Errorf("on 27.0: %d waiting: %+v", f.Updates.Security, f.Updates.Items)
	}
}

// The age: the release date when the table has the version, the first
// offer when that is earlier or the only date, nothing when neither is
// known (with the reason), the oldest of several; the policy's lines add
// versions.
func TestMacAge(t *testing.T) {
	at := time.Date(2025, 11, 23, 10, 0, 0, 0, time.UTC)
	d := func(s string) *time.Time { x, _ := time.Parse(time.DateOnly, s); return &x }
	for _, tc := range []struct {
		name  string
		items []osupdates.PendingUpdate
		pol   map[string]string
		since string
		basis string
	}{
		{"in the table", []osupdates.PendingUpdate{{Version: "15.7.2"}}, nil, "2025-11-03", "released on 3 November 2025"},
		{"offered later than released", []osupdates.PendingUpdate{{Version: "15.7.2", Offered: d("2025-11-10")}}, nil, "2025-11-03", "released"},
		{"not in the table, offered", []osupdates.PendingUpdate{{Version: "15.7.9", Offered: d("2025-11-10")}}, nil, "2025-11-10", "first offered macOS 15.7.9 on 10 November 2025"},
		{"neither", []osupdates.PendingUpdate{{Version: "15.7.9"}}, nil, "", "macOS 15.7.9 is not in SessionGuard's table"},
		{"the policy's line", []osupdates.PendingUpdate{{Version: "15.7.9"}}, map[string]string{"updates_release_dates": `["macos 15.7.9 2025-11-01"]`}, "2025-11-01", "released on 1 November 2025"},
		{"a point release is not its parent", []osupdates.PendingUpdate{{Version: "26.1.1"}}, nil, "", "26.1.1 is not in"},
		{"the oldest of several", []osupdates.PendingUpdate{{}, {Version: "15.7.2"}, {Offered: d("2025-10-01")}}, nil, "2025-10-01", "first offered the update on 1 October 2025"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := osupdates.Facts{OS: "darwin", At: at, Updates: osupdates.Updates{Read: true, Security: len(tc.items), Items: tc.items},
				Release: osupdates.Release{Systems: []string{"macos"}, Version: "15.7.2"}, Auto: osupdates.Auto{State: osupdates.AutoOn, By: "Software Update"}}
			got := osupdates.MacAge(f, osupdates.ReleaseTable(policy(tc.pol)))
			since := ""
			if got.Updates.Since != nil {
				since = got.Updates.Since.Format(time.DateOnly)
			}
			r := osupdates.Evaluate(f, policy(tc.pol))
			if since != tc.since || !strings.Contains(r.Summary, tc.basis) {
				t.Errorf("since %q, summary %q; want %q and %q", since, r.Summary, tc.since, tc.basis)
			}
		})
	}
	if err := osupdates.ReleaseSetting.Check([]byte(`["macos 15.7.9 rolling"]`)); err == nil {
		t.Error("a release date of \"rolling\" was taken")
	}
}

// TestMacBehindTable: Software Update lists nothing, but the dated table
// has a newer release of the running major: that update has waited since
// the first such release, and the summary names the newest. Versions
// compare as numbers (26.1 is 26.1.0, older than 26.1.1), a Rapid
// Security Response sorts after its version, a newer major is an upgrade
// and a release later than the facts' time is not out yet.
func TestMacBehindTable(t *testing.T) {
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, version, extra string
		at                   time.Time
		pol                  map[string]string
		want                 checks.Status
		words                string
	}{
		{"26.1, four updates behind", "26.1", "", at, nil, checks.Fail, "this Mac runs macOS 26.1, and 26.2 was released on 12 December 2025: install macOS 26.5.1"},
		{"26.1.1 is not in the table", "26.1.1", "", at, nil, checks.Fail, "26.2 was released on 12 December 2025"},
		{"newest of its major", "26.5.1", "", at, nil, checks.Pass, "no security updates are waiting"},
		{"26.5.1.0 is 26.5.1", "26.5.1.0", "", at, nil, checks.Pass, "no security updates are waiting"},
		{"a newer major is an upgrade", "26.5.1", "", at, map[string]string{"updates_release_dates": `["macos 27.1 2026-11-01"]`}, checks.Pass, "no security updates are waiting"},
		{"the policy's point release", "26.5.1", "", at, map[string]string{"updates_release_dates": `["macos 26.5.2 2026-11-25"]`}, checks.Warn, "26.5.2 was released on 25 November 2026: install macOS 26.5.2"},
		{"not out yet", "26.1", "", time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), nil, checks.Pass, "no security updates are waiting"},
		{"released 3 days ago", "26.4", "", time.Date(2026, 5, 14, 0, 0, 0, 0, time.UTC), nil, checks.Warn, "at least 3 days"},
		{"without its response", "26.5.1", "", at, map[string]string{"updates_release_dates": `["macos 26.5.1a 2026-11-28"]`}, checks.Warn, "26.5.1a was released on 28 November 2026"},
		{"with its response", "26.5.1", "(a)", at, map[string]string{"updates_release_dates": `["macos 26.5.1a 2026-11-28"]`}, checks.Pass, "no security updates are waiting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := osupdates.Facts{OS: "darwin", At: tc.at,
				Release: osupdates.Release{Systems: []string{"macos"}, Version: tc.version, Name: strings.TrimSpace("macOS " + tc.version + " " + tc.extra)},
				Updates: osupdates.Updates{Source: "softwareupdate", Read: true, Checked: &tc.at},
				Auto:    osupdates.Auto{State: osupdates.AutoOn, By: "Software Update"}}
			r := osupdates.Evaluate(f, policy(tc.pol))
			if r.Status != tc.want || !strings.Contains(r.Summary, tc.words) {
				t.Errorf("%s %q, want %s with %q", r.Status, r.Summary, tc.want, tc.words)
			}
		})
	}
}
