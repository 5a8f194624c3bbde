package screenlock_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	screenlock "github.com/sessionguard/sessionguard/checks/screen_lock"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, screenlock.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}

// TestNoPassWithoutEvidence: no passing scenario keeps passing when a
// source its verdict used becomes unreadable, unless a source that alone
// proves the same answered.
func TestNoPassWithoutEvidence(t *testing.T) {
	checktest.RunBasisProperty(t, screenlock.Check, "testdata", checktest.Basis{
		Informational: map[string]string{
			// gnome-session's idle inhibitors only ever make a verdict
			// worse (a keep-awake tool holding one fails it); unread, the
			// configured timeouts still decide, as before they were read.
			"runas gdbus call": "gnome-session's idle inhibitors can only fail a pass",
			// So do macOS's display sleep assertions.
			"run pmset -g assertions": "macOS's display sleep assertions can only fail a pass",
			// And Windows' DISPLAY power requests.
			"run powercfg /requests": "Windows' DISPLAY power requests can only fail a pass",
		},
		Alternatives: []checktest.Alternative{
			{
				// macOS: the screen saver (idleTime) and display sleep
				// (pmset) are two ways the screen locks, each followed by
				// the same password delay (a gate of its own, never in this
				// group). Either alone locking within the limit proves the
				// screen locks within it; the other can only lock sooner.
				// A managed profile's idleTime (the computer's or the
				// person's user-scope one) replaces the user's; a profile
				// also fixes the password, so while either is unread
				// nothing passes.
				Sources: []string{"run pmset -g custom", "runas defaults -currentHost read com.apple.screensaver idleTime", "file /Library/Managed Preferences/"},
				Reason:  "macOS screen saver and display sleep: the earliest way of locking counts",
			},
			{
				// Linux: logind's display session (its Desktop) and the
				// desktop or compositor process the user runs both name
				// the desktop; the process list is read anyway where the
				// idle daemons are judged (and losing it then leaves the
				// verdict unknown), so either alone identifies it.
				Sources: []string{"run loginctl show-user", "run loginctl show-session", "processes"},
				Reason:  "logind and the process list both name the user's desktop",
			},
			{
				// GNOME-family desktops: gsettings, run as the user, reports
				// the effective values, system-locked ones included; the
				// dconf system databases alone give the values of the keys
				// an administrator locked. A key is used only from a
				// complete read of either, and every key is needed.
				Sources: []string{"runas gsettings list-recursively", "file /etc/dconf/db/", "dir /etc/dconf/db/"},
				Reason:  "gsettings and the locked dconf system keys read the same settings",
			},
			{
				// Windows: the machine inactivity limit, the MDM device
				// lock, the user's screen saver (its values, its .scr file
				// and grace period, and the console user whose hive holds
				// it) and the power plan's display-off lock are separate
				// ways the screen locks. Each is judged only when all its
				// own values were read; one that locks within the limit
				// proves the screen does, and an unread other can only lock
				// sooner.
				Sources: []string{
					`reg HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System`,
					`reg HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeviceLock`,
					"consoleuser", `reg HKU\`, `reg HKCU\`, "file C:", `reg HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`,
					"run powercfg",
				},
				Reason: "Windows' ways of locking: the earliest counts",
			},
		},
	})
}

// TestScrubbedScenarios: a bundle keeps the lock settings, never what the
// same listings and files say about the person: the lock screen's picture
// under their home (GNOME's picture-uri, KDE's [Greeter] wallpaper),
// Cinnamon's away message, the account ~/.xscreensaver was written for and
// the folders and feeds it points at, xset's font folders; nor the rest of an administrator's
// dconf settings (a proxy password).
func TestScrubbedScenarios(t *testing.T) {
	personal := []string{"Pictures", "picture-uri", "Sam is in a session", "Written by xscreensaver", "imageDirectory", "example.org/feeds", "s3cret-proxy", "/.fonts"}
	checktest.RunScrubbedScenarios(t, screenlock.Check, "testdata", func(t *testing.T, bundle string) {
		err := filepath.WalkDir(bundle, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, s := range personal {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s keeps %q", filepath.ToSlash(p[len(bundle):]), s)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
