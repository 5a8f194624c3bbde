package osupdates

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

func readParser(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/parsers/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestJudgeRpmOstreePolicy reads rpm-ostree's shipped rpm-ostreed.conf and
// the edits an administrator makes to it.
func TestJudgeRpmOstreePolicy(t *testing.T) {
	shipped := readParser(t, "rpm-ostreed.conf")
	set := func(line string) []byte {
		return []byte(strings.Replace(shipped, "#AutomaticUpdatePolicy=none", line, 1))
	}
	for _, tc := range []struct {
		name   string
		conf   []byte
		policy string
		off    string
	}{
		{"shipped: compiled default none", []byte(shipped), "", "are off"},
		{"no file", nil, "", "are off"},
		{"stage", set("AutomaticUpdatePolicy=stage"), "stage", ""},
		{"ex-stage, kept for compatibility", set("AutomaticUpdatePolicy=ex-stage"), "stage", ""},
		{"apply, any case", set("AutomaticUpdatePolicy=Apply"), "apply", ""},
		{"check only", set("AutomaticUpdatePolicy=check"), "", "only checks"},
		{"off", set("AutomaticUpdatePolicy=off"), "", "are off"},
		{"refused value", set("AutomaticUpdatePolicy=daily"), "", `refuses its AutomaticUpdatePolicy "daily"`},
		{"another group", []byte("[Other]\nAutomaticUpdatePolicy=stage\n"), "", "are off"},
	} {
		policy, off := judgeRpmOstreePolicy(tc.conf)
		if policy != tc.policy || (tc.off == "") != (off == "") || !strings.Contains(off, tc.off) {
			t.Errorf("%s: got %q, %q; want %q, off containing %q", tc.name, policy, off, tc.policy, tc.off)
		}
	}
}

func TestMetainfoMajor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{readParser(t, "org.gnome.Software.metainfo.xml.head"), 51},
		{`<releases><release version="48.1" date="2025-04-11"/><release version="47.0"/>`, 48},
		{`<release date="2024-09-13" version="47.0" type="stable">`, 47},
		{`<releases/>`, 0},
		{`<release date="2024-09-13">`, 0},
		{"", 0},
	} {
		if got := metainfoMajor([]byte(tc.in)); got != tc.want {
			t.Errorf("metainfoMajor(%.40q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// bundle is a small evidence bundle for desktopAuto: files by path, the
// console user's GNOME Software settings (key → GVariant text laid over
// GNOME Software 43's own listing, "" to leave the key out; nil: no
// gsettings run), or else gsettings failing with gsFailed on stderr,
// sources denied.
type bundle struct {
	files     map[string]string
	gsettings map[string]string
	gsFailed  string
	denied    []string
	nobody    bool
	// processes are the names of the programs running (none: no
	// process list in the bundle).
	processes []string
}

// gnomeSoftwareListing is `gsettings list-recursively org.gnome.software`
// as GNOME Software 43.5 (Debian 12) ships it, with keys set as in vals.
func gnomeSoftwareListing(t *testing.T, vals map[string]string) string {
	t.Helper()
	b, err := os.ReadFile("../internal/gsettings/testdata/gnome_software_debian12.stdout")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for line := range strings.Lines(string(b)) {
		f := strings.SplitN(line, " ", 3)
		if v, ok := vals[f[1]]; ok && f[0] == gnomeSoftwareSchema {
			if v != "" {
				out.WriteString(f[0] + " " + f[1] + " " + v + "\n")
			}
			continue
		}
		out.WriteString(line)
	}
	return out.String()
}

func (b bundle) open(t *testing.T) *evidence.Replay {
	t.Helper()
	dir := t.TempDir()
	manifest := map[string]any{"format": evidence.BundleFormat, "goos": "linux", "recorded_at": "2026-12-06T09:00:00Z"}
	if !b.nobody {
		manifest["console_user"] = map[string]string{"uid": "1000", "name": "counsellor", "home": "/home/counsellor"}
	}
	var cmds, denied []map[string]any
	if b.gsettings != nil || b.gsFailed != "" {
		c := map[string]any{"argv": []string{"/usr/bin/gsettings", "list-recursively", gnomeSoftwareSchema}, "stdout": "", "stderr": b.gsFailed, "exit_code": 1, "as": evidence.AsConsoleUser}
		if b.gsFailed == "" {
			c["stdout"], c["exit_code"] = gnomeSoftwareListing(t, b.gsettings), 0
		}
		cmds = append(cmds, c)
	}
	for _, d := range b.denied {
		kind, p, _ := strings.Cut(d, " ")
		denied = append(denied, map[string]any{"kind": kind, "path": p})
	}
	files := map[string]any{"manifest.json": manifest, "commands.json": cmds, "denied.json": denied}
	if b.processes != nil {
		var procs []map[string]any
		for i, name := range b.processes {
			procs = append(procs, map[string]any{"pid": 100 + i, "name": name, "exe": "/usr/sbin/" + name, "user": "root"})
		}
		files[evidence.ProcessesFile] = procs
	}
	for name, v := range files {
		j, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(dir, name), j, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, content := range b.files {
		full := filepath.Join(dir, "files", filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := evidence.OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func with(base map[string]string, more ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(more); i += 2 {
		if more[i+1] == "-" {
			delete(out, more[i])
			continue
		}
		out[more[i]] = more[i+1]
	}
	return out
}

// TestDesktopAuto judges each mechanism from real files, after a package
// manager that left automatic updates off.
func TestDesktopAuto(t *testing.T) {
	const elf = "\x7fELF"
	notifier := "[Desktop Entry]\nExec=/usr/libexec/DiscoverNotifier --check-delay 20\nType=Application\nNoDisplay=true\nX-KDE-autostart-phase=1\nOnlyShowIn=KDE\n"
	discover := map[string]string{
		discoverBin: elf,
		"/home/counsellor/" + discoverUpdatesUser: readParser(t, "PlasmaDiscoverUpdates.weekly"),
		discoverNotifier: notifier,
		"/usr/lib/x86_64-linux-gnu/qt6/plugins/discover/packagekit-backend.so": elf,
		"/usr/lib/x86_64-linux-gnu/qt6/plugins/discover/flatpak-backend.so":    elf,
	}
	pkCron := readParser(t, "sysconfig.packagekit-background")
	pk := map[string]string{pkCronJob: "#!/bin/bash\n"}
	cronRunning := []string{"init", "cron"}
	ostree := map[string]string{
		ostreeBooted:                "",
		rpmOstreedConf:              strings.Replace(readParser(t, "rpm-ostreed.conf"), "#AutomaticUpdatePolicy=none", "AutomaticUpdatePolicy=stage", 1),
		"/run/systemd/system/.keep": "",
		"/etc/systemd/system/timers.target.wants/" + rpmOstreeTimer: "[Timer]\nOnBootSec=1h\n",
		"/usr/lib/systemd/system/" + rpmOstreeTimer:                 "[Timer]\nOnBootSec=1h\n",
	}
	gs := map[string]string{gnomeSoftwareBin: elf}
	gsOn := map[string]string{"allow-updates": "true", "download-updates": "true"}
	for _, tc := range []struct {
		name            string
		b               bundle
		state           string
		says            string // part of By (on, off) or Reason (unknown)
		centre, setting string
	}{
		{"nothing there", bundle{}, autoOff, "test: off", "", ""},
		{"Discover weekly", bundle{files: discover}, autoOn, "KDE Discover's automatic updates, every 7 days", centreDiscover, centreInstall},
		{"Discover daily by default", bundle{files: with(discover, "/home/counsellor/"+discoverUpdatesUser, "[Global]\nUseUnattendedUpdates=true\n")}, autoOn, "every day", centreDiscover, centreInstall},
		{"Discover never", bundle{files: with(discover, "/home/counsellor/"+discoverUpdatesUser, readParser(t, "PlasmaDiscoverUpdates.never"))}, autoOff, "frequency is Never", centreDiscover, centreOff},
		{"Discover monthly", bundle{files: with(discover, "/home/counsellor/"+discoverUpdatesUser, "[Global]\nRequiredNotificationInterval=2592000\nUseUnattendedUpdates=true\n")}, autoOff, "every 30 days, too seldom", centreDiscover, centreOff},
		{"Discover manual (no file)", bundle{files: with(discover, "/home/counsellor/"+discoverUpdatesUser, "-")}, autoOff, "KDE Discover's automatic updates are off", centreDiscover, centreOff},
		{"setting in discoverrc, which Discover does not read", bundle{files: with(discover, "/home/counsellor/"+discoverUpdatesUser, "-", "/home/counsellor/.config/discoverrc", readParser(t, "discoverrc.misplaced"))}, autoOff, "are off", centreDiscover, centreOff},
		{"administrator's immutable off wins", bundle{files: with(discover, discoverUpdatesSys, "[Global][$i]\nUseUnattendedUpdates=false\n")}, autoOff, "are off", centreDiscover, centreOff},
		{"administrator's default on", bundle{files: with(discover, "/home/counsellor/"+discoverUpdatesUser, "-", discoverUpdatesSys, "[Global]\nUseUnattendedUpdates=true\n")}, autoOn, "KDE Discover", centreDiscover, centreInstall},
		{"notifier not installed", bundle{files: with(discover, discoverNotifier, "-")}, autoOff, "notifier, which carries them out, is not installed", centreDiscover, centreNotRun},
		{"notifier hidden by the user", bundle{files: with(discover, "/home/counsellor/"+discoverNotifierUser, notifier+"Hidden=true\n")}, autoOff, "kept from starting", centreDiscover, centreNotRun},
		{"only app backends", bundle{files: with(discover, "/usr/lib/x86_64-linux-gnu/qt6/plugins/discover/packagekit-backend.so", "-")}, autoOff, "update apps, not the system", centreDiscover, centreNotRun},
		{"plugins nowhere", bundle{files: with(discover, "/usr/lib/x86_64-linux-gnu/qt6/plugins/discover/packagekit-backend.so", "-", "/usr/lib/x86_64-linux-gnu/qt6/plugins/discover/flatpak-backend.so", "-")}, autoUnknown, "could not find Discover's plugins", centreDiscover, centreUnread},
		{"Discover settings denied", bundle{files: discover, denied: []string{"file /home/counsellor/" + discoverUpdatesUser}}, autoUnknown, "test: off, but KDE Discover's update settings could not be read (access denied)", centreDiscover, centreUnread},
		{"Discover, nobody signed in", bundle{files: discover, nobody: true}, autoOff, "test: off; nobody is signed in at the screen, so KDE Discover's own automatic-update setting could not be read", centreDiscover, centreUnread},
		{"GNOME Software downloads only", bundle{files: gs, gsettings: gsOn}, autoOff, "GNOME Software only downloads system updates", centreGNOMESoftware, centreDownload},
		{"GNOME Software off", bundle{files: gs, gsettings: with(gsOn, "download-updates", "false")}, autoOff, "GNOME Software's automatic updates are off", centreGNOMESoftware, centreOff},
		{"GNOME Software updates not allowed", bundle{files: gs, gsettings: with(gsOn, "allow-updates", "false")}, autoOff, "GNOME Software's automatic updates are off", centreGNOMESoftware, centreOff},
		{"GNOME Software's schema missing", bundle{files: gs, gsFailed: "No such schema \u201corg.gnome.software\u201d\n"}, autoOff, "test: off", "", ""},
		{"GNOME Software's schema missing (German)", bundle{files: gs, gsFailed: "Kein derartiges Schema \u00bborg.gnome.software\u00ab\n"}, autoOff, "test: off", "", ""},
		{"gsettings fails", bundle{files: gs, gsFailed: "error: Cannot autolaunch D-Bus without X11 $DISPLAY\n"}, autoUnknown, "settings were not recognised (gsettings: failed, exit status 1)", centreGNOMESoftware, centreUnread},
		{"GNOME Software answer not recognised", bundle{files: gs, gsettings: with(gsOn, "download-updates", "@mb nothing")}, autoUnknown, "download-updates setting was not recognised", centreGNOMESoftware, centreUnread},
		{"GNOME Software without allow-updates", bundle{files: gs, gsettings: with(gsOn, "allow-updates", "")}, autoUnknown, "allow-updates setting was not recognised", centreGNOMESoftware, centreUnread},
		{"Discover off, GNOME Software downloads", bundle{files: with(discover, "/home/counsellor/"+discoverUpdatesUser, "-", gnomeSoftwareBin, elf), gsettings: gsOn}, autoOff, "Discover's automatic updates are off (System Settings > Software Update > Manually); GNOME Software only downloads", centreGNOMESoftware, centreDownload},
		{"Discover unreadable, GNOME Software stages on rpm-ostree", bundle{files: with(ostree, rpmOstreedConf, "", discoverBin, elf, "/home/counsellor/"+discoverUpdatesUser, "x", gnomeSoftwareBin, elf, gnomeSoftwareMetainfo, `<release version="48.0">`), gsettings: gsOn, denied: []string{"file /home/counsellor/" + discoverUpdatesUser}}, autoOn, "GNOME Software's automatic updates, staged", centreGNOMESoftware, centreInstall},
		{"Discover unreadable, GNOME Software downloads", bundle{files: with(discover, "/home/counsellor/"+discoverUpdatesUser, "x", gnomeSoftwareBin, elf), gsettings: gsOn, denied: []string{"file /home/counsellor/" + discoverUpdatesUser}}, autoUnknown, "KDE Discover's update settings could not be read", centreDiscover, centreUnread},
		{"PackageKit's cron job as shipped: ENABLED=no", bundle{files: with(pk, pkCronConf, pkCron), processes: cronRunning}, autoOff, "switched off (ENABLED=no", "", ""},
		{"PackageKit's cron job enabled", bundle{files: with(pk, pkCronConf, strings.Replace(pkCron, "ENABLED=no", "ENABLED=yes", 1)), processes: cronRunning}, autoOn, "PackageKit's daily update job", "", ""},
		{"PackageKit's cron job without settings runs", bundle{files: pk, processes: cronRunning}, autoOn, "PackageKit's daily update job", "", ""},
		{"PackageKit's cron job offline", bundle{files: with(pk, pkCronConf, strings.NewReplacer("ENABLED=no", "ENABLED=yes", "UPDATE_OFFLINE=no", "UPDATE_OFFLINE=yes").Replace(pkCron)), processes: cronRunning}, autoOn, "installing at the next restart", "", ""},
		{"PackageKit's cron job checks only", bundle{files: with(pk, pkCronConf, strings.NewReplacer("ENABLED=no", "ENABLED=yes", "CHECK_ONLY=no", "CHECK_ONLY=yes").Replace(pkCron)), processes: cronRunning}, autoOff, "only checks", "", ""},
		{"PackageKit's cron job, no cron", bundle{files: pk, processes: []string{"init"}}, autoOff, "no cron service", "", ""},
		{"PackageKit's cron job, cron installed but not running", bundle{files: with(pk, "/usr/sbin/cron", elf), processes: []string{"init"}}, autoOff, "no cron service", "", ""},
		{"PackageKit's cron job, processes unread", bundle{files: pk}, autoUnknown, "", "", ""},
		{"PackageKit's settings denied", bundle{files: with(pk, pkCronConf, pkCron), denied: []string{"file " + pkCronConf}}, autoUnknown, "could not be read (access denied)", "", ""},
		{"rpm-ostree stage", bundle{files: ostree}, autoOn, "rpm-ostree automatic updates, AutomaticUpdatePolicy=stage", "", ""},
		{"rpm-ostree stage, timer off", bundle{files: with(ostree, "/etc/systemd/system/timers.target.wants/"+rpmOstreeTimer, "-")}, autoOff, "is not enabled, so it never runs", "", ""},
		{"rpm-ostree default", bundle{files: with(ostree, rpmOstreedConf, readParser(t, "rpm-ostreed.conf"))}, autoOff, "AutomaticUpdatePolicy is none", "", ""},
		{"rpm-ostree settings denied", bundle{files: ostree, denied: []string{"file " + rpmOstreedConf}}, autoUnknown, "rpm-ostree's settings", "", ""},
		{"rpm-ostree none, GNOME Software 48 stages", bundle{files: with(ostree, rpmOstreedConf, "", gnomeSoftwareBin, elf, gnomeSoftwareMetainfo, `<releases><release version="48.1" date="2025-04-11">`), gsettings: gsOn}, autoOn, "GNOME Software's automatic updates, staged", centreGNOMESoftware, centreInstall},
		{"rpm-ostree none, GNOME Software 47 downloads", bundle{files: with(ostree, rpmOstreedConf, "", gnomeSoftwareBin, elf, gnomeSoftwareMetainfo, `<releases><release version="47.4" date="2025-02-11">`), gsettings: gsOn}, autoOff, "only downloads", centreGNOMESoftware, centreDownload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &facts{Auto: auto{State: autoOff, By: "test: off"}}
			desktopAuto(context.Background(), tc.b.open(t), f)
			says := f.Auto.By
			if tc.state == autoUnknown {
				says = f.Auto.Reason
			}
			if f.Auto.State != tc.state || !strings.Contains(says, tc.says) || f.Auto.Centre != tc.centre || f.Auto.CentreSetting != tc.setting {
				t.Errorf("got %+v\nwant state %s saying %q, centre %q %q", f.Auto, tc.state, tc.says, tc.centre, tc.setting)
			}
		})
	}
	t.Run("on stays on", func(t *testing.T) {
		f := &facts{Auto: auto{State: autoOn, By: "unattended-upgrades"}}
		desktopAuto(context.Background(), bundle{files: with(discover, discoverNotifier, "-")}.open(t), f)
		if f.Auto != (auto{State: autoOn, By: "unattended-upgrades"}) {
			t.Errorf("got %+v", f.Auto)
		}
	})
}
