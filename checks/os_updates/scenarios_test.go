package osupdates_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	osupdates "github.com/sessionguard/sessionguard/checks/os_updates"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, osupdates.Check, "testdata", []string{"linux", "windows", "darwin"}, 5)
}

func TestNoPassWithoutEvidence(t *testing.T) {
	checktest.RunBasisProperty(t, osupdates.Check, "testdata", basis)
}

// TestScrubbedScenarios: a bundle keeps GNOME Software's own settings,
// never its child schemas' (an account's id).
func TestScrubbedScenarios(t *testing.T) {
	checktest.RunScrubbedScenarios(t, osupdates.Check, "testdata", func(t *testing.T, bundle string) {
		b, err := os.ReadFile(filepath.Join(bundle, evidence.CommandsFile))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("org.gnome.software.auth")) {
			t.Errorf("the bundle keeps org.gnome.software.auth:\n%s", b)
		}
	})
}

// basis: the kernel release is shown in the report, never judged, but on
// Arch, where it tells a pending restart; a restart flag or scan time that
// is there but unread makes a pass unknown, and so does snapd not
// answering while snaps are installed (the Ubuntu scenarios list
// /var/lib/snapd/snaps), so only the sources whose loss leaves the rest
// judged alone are listed.
var basis = checktest.Basis{Informational: map[string]string{
	"file /proc/sys/kernel/osrelease":                                     "the kernel release is reported; on Arch, where it tells a pending restart, an unread one makes a pass unknown",
	"file /Library/Managed Preferences/com.apple.applicationaccess.plist": "a deferral of macOS updates only explains in the summary why an update that is out is not listed; it never changes the verdict",
},
	Alternatives: []checktest.Alternative{{
		Sources: []string{"dir /run/systemd/system", "run systemctl is-enabled dnf",
			"file /usr/bin/plasma-discover", "file /home/counsellor/.config/PlasmaDiscoverUpdates",
			"file /etc/xdg/autostart/org.kde.discover.notifier.desktop", "dir /usr/lib64/qt6/plugins/discover"},
		Reason: "any one mechanism that installs updates by itself turns automatic updates on: dnf-automatic's timers unread leave KDE Discover's automatic updates deciding, and the other way round",
	}, {
		Sources: []string{"run snap refresh --time", "dir /var/lib/snapd/snaps"},
		Reason:  "snapd not answering matters only when snaps are installed, and the snap files on disk tell that without snapd",
	}},
}

// TestFlatpakConsoleUserNotTold: when who is at the screen cannot be told
// (other than nobody signed in), their own Flatpak installation may hold
// apps waiting for updates: with Flatpak installed that is unknown, not
// skipped; without Flatpak no user can have one.
func TestFlatpakConsoleUserNotTold(t *testing.T) {
	for _, c := range []struct {
		scenario string
		want     checks.Status
		words    string
	}{
		{"linux/debian12_flatpak_up_to_date", checks.Unknown, "who is signed in at the screen could not be told (access denied), so their own Flatpak apps (~/.local/share/flatpak) could not be read"},
		{"linux/debian12_flatpak_update_waiting_20_days", checks.Fail, "at least"},
		{"linux/debian12_up_to_date_unattended_on", checks.Pass, ""},
	} {
		t.Run(c.scenario, func(t *testing.T) {
			rp, err := evidence.OpenReplay(filepath.Join("testdata", c.scenario))
			if err != nil {
				t.Fatal(err)
			}
			d := checktest.NewDenying(rp, map[string]bool{checktest.SourceKey("consoleuser"): true})
			r := checks.Run(t.Context(), d, checktest.PolicyOf(t, osupdates.Check, filepath.Join("testdata", c.scenario)), []checks.Check{osupdates.Check}).Results[0]
			if r.Status != c.want || !strings.Contains(r.Summary+" "+r.Reason, c.words) {
				t.Errorf("%s %q (reason %q), want %s with %q", r.Status, r.Summary, r.Reason, c.want, c.words)
			}
		})
	}
}
