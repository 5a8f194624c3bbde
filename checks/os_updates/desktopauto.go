package osupdates

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/internal/gsettings"
	"github.com/sessionguard/sessionguard/checks/internal/xdgconf"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Ways a Linux desktop installs updates by itself beyond the package
// managers' own (aptAuto, dnfAuto, zypperAuto), read after them when they
// leave automatic updates off or unknown:
//
//   - rpm-ostree (Fedora Silverblue, Kinoite and other ostree systems):
//     AutomaticUpdatePolicy=stage|apply in /etc/rpm-ostreed.conf's [Daemon]
//     group, run by rpm-ostreed-automatic.timer (rpm-ostree's
//     src/daemon/rpmostreed-daemon.cxx and rpm-ostreed-automatic.timer);
//   - PackageKit's own daily job (its contrib/cron, Fedora's PackageKit-cron):
//     /etc/cron.daily/packagekit-background.cron installs every update
//     unless /etc/sysconfig/packagekit-background says ENABLED=no or
//     CHECK_ONLY=yes. PackageKit.conf itself has no setting that installs
//     anything (DefaultBackend, the timeouts, KeepCache);
//   - KDE Discover's automatic updates (Plasma 5.21 and later, System
//     Settings > Software Update > Automatically): UseUnattendedUpdates=true
//     in [Global] of the user's PlasmaDiscoverUpdates (kcm/updatessettings.kcfg),
//     under /etc/xdg's. Discover's notifier, which starts at sign-in, then
//     runs `plasma-discover --headless-update` when updates are waiting and
//     the user has been idle a minute, at most every
//     RequiredNotificationInterval seconds (default a day; negative means
//     never): system packages through its PackageKit or rpm-ostree backend,
//     installed at once or at the next restart (discoverrc UseOfflineUpdates),
//     without anyone asked;
//   - GNOME Software (org.gnome.software download-updates, with
//     allow-updates, both from one `gsettings list-recursively`): it
//     installs Flatpak apps by itself but only downloads system packages
//     and prepares an offline update that waits for someone to choose
//     Restart & Update (gs-update-monitor.c: only
//     GS_APP_STATE_UPDATABLE_LIVE apps are installed; the PackageKit plugin
//     downloads with PK's ONLY_DOWNLOAD). That is download-and-notify, graded
//     off as Windows' AUOptions 3 is.
//
// The desktop settings are the console user's: with nobody at the screen
// they cannot be read, which is said, not guessed.
var (
	ostreeBooted         = "/run/ostree-booted"
	rpmOstreedConf       = "/etc/rpm-ostreed.conf"
	rpmOstreeTimer       = "rpm-ostreed-automatic.timer"
	pkCronJob            = "/etc/cron.daily/packagekit-background.cron"
	pkCronConf           = "/etc/sysconfig/packagekit-background"
	discoverBin          = "/usr/bin/plasma-discover"
	discoverUpdatesSys   = "/etc/xdg/PlasmaDiscoverUpdates"
	discoverUpdatesUser  = ".config/PlasmaDiscoverUpdates"
	discoverNotifier     = "/etc/xdg/autostart/org.kde.discover.notifier.desktop"
	discoverNotifierUser = ".config/autostart/org.kde.discover.notifier.desktop"
	// Where Qt 5 and 6 plugins go on Fedora/openSUSE (lib64), Arch (lib)
	// and Debian/Ubuntu (multiarch); Discover's backends are in discover/.
	discoverPluginDirs = []string{
		"/usr/lib64/qt6/plugins/discover", "/usr/lib/qt6/plugins/discover",
		"/usr/lib/x86_64-linux-gnu/qt6/plugins/discover", "/usr/lib/aarch64-linux-gnu/qt6/plugins/discover",
		"/usr/lib64/qt5/plugins/discover", "/usr/lib/qt5/plugins/discover",
		"/usr/lib/x86_64-linux-gnu/qt5/plugins/discover", "/usr/lib/aarch64-linux-gnu/qt5/plugins/discover",
	}
	// The backends that update the system itself (the others update
	// Flatpak and Snap apps or firmware).
	discoverSystemBackends = []string{"packagekit-backend.so", "rpm-ostree-backend.so"}
	gnomeSoftwareBin       = "/usr/bin/gnome-software"
	gnomeSoftwareSchema    = "org.gnome.software"
	gnomeSoftwareMetainfo  = "/usr/share/metainfo/org.gnome.Software.metainfo.xml"
)

// Software centres (auto.Centre) and what their automatic updates do
// (auto.CentreSetting).
const (
	centreDiscover      = "discover"
	centreGNOMESoftware = "gnome-software"

	centreOff      = "off"
	centreNotRun   = "not_run" // on, but nothing carries it out
	centreDownload = "download"
	centreInstall  = "install"
	centreUnread   = "unread"
)

// tooSeldom: a job that runs less often than this leaves security updates
// waiting past the 14 days Cyber Essentials allows.
const tooSeldom = 14 * 24 * time.Hour

// autoFinding is what one mechanism says: it installs updates by itself
// (on names it), it is there but does not (off says why), or it could
// decide but could not be read (unknown says why). All empty: not there.
type autoFinding struct{ on, off, unknown string }

// desktopAuto reads the mechanisms above when the package manager's own
// leave automatic updates off or unknown. Any that installs updates by
// itself turns them on; one that could but cannot be read makes them
// unknown; the rest add why they do not to what was said.
func desktopAuto(ctx context.Context, p probe.Probe, f *facts) {
	if f.Auto.State == autoOn || f.Auto.State == autoManaged {
		return
	}
	_, err := p.ReadFileHead(ostreeBooted, 1)
	ostree := err == nil
	f.Auto.Ostree = ostree
	var offs, unknowns []string
	for _, find := range []func() autoFinding{
		func() autoFinding { return rpmOstreeAuto(p, ostree, err) },
		func() autoFinding { return packageKitCronAuto(p) },
		func() autoFinding { return centreAuto(ctx, p, f, ostree) },
	} {
		r := find()
		switch {
		case r.on != "":
			f.Auto = auto{State: autoOn, By: r.on, Centre: f.Auto.Centre, CentreSetting: f.Auto.CentreSetting, Ostree: ostree}
			return
		case r.unknown != "":
			unknowns = append(unknowns, r.unknown)
		case r.off != "":
			offs = append(offs, r.off)
		}
	}
	switch {
	case len(unknowns) > 0:
		why := strings.Join(unknowns, "; ")
		if f.Auto.State == autoOff {
			why = f.Auto.By + ", but " + why
		} else if f.Auto.Reason != "" {
			why = f.Auto.Reason + "; " + why
		}
		f.Auto.State, f.Auto.By, f.Auto.Reason = autoUnknown, "", why
	case len(offs) > 0 && f.Auto.State == autoOff:
		f.Auto.By += "; " + strings.Join(offs, "; ")
	case len(offs) > 0 && f.Auto.Reason != "":
		f.Auto.Reason += "; " + strings.Join(offs, "; ")
	}
}

// rpmOstreeAuto reads rpm-ostree's automatic update policy on an ostree
// system. stage downloads and stages the update, which the next restart
// boots into; apply also restarts.
func rpmOstreeAuto(p probe.Probe, ostree bool, bootedErr error) autoFinding {
	switch {
	case bootedErr != nil && !errors.Is(bootedErr, probe.ErrNotFound):
		return autoFinding{unknown: "whether this is an rpm-ostree system could not be read (" + probe.ErrorKind(bootedErr) + ")"}
	case !ostree:
		return autoFinding{}
	}
	conf, err := p.ReadFile(rpmOstreedConf)
	if err != nil && !errors.Is(err, probe.ErrNotFound) {
		return autoFinding{unknown: "rpm-ostree's settings (" + rpmOstreedConf + ") could not be read (" + probe.ErrorKind(err) + ")"}
	}
	policy, off := judgeRpmOstreePolicy(conf)
	if off != "" {
		return autoFinding{off: off}
	}
	unit, masked, err := enabledUnit(p, timerWants, []string{rpmOstreeTimer})
	switch {
	case err != nil:
		return autoFinding{unknown: "whether rpm-ostree's automatic update timer is enabled could not be read (" + probe.ErrorKind(err) + ")"}
	case unit != "":
		return autoFinding{on: "rpm-ostree automatic updates, AutomaticUpdatePolicy=" + policy}
	case masked != "":
		return autoFinding{off: "rpm-ostree's AutomaticUpdatePolicy is " + policy + ", but " + rpmOstreeTimer + " is masked, so it never runs"}
	}
	return autoFinding{off: "rpm-ostree's AutomaticUpdatePolicy is " + policy + ", but " + rpmOstreeTimer + " is not enabled, so it never runs"}
}

// judgeRpmOstreePolicy reads AutomaticUpdatePolicy from rpm-ostreed.conf
// as rpm-ostreed does (lowercased; none when unset or the file is
// missing): the policy when it installs updates, else why not.
func judgeRpmOstreePolicy(conf []byte) (policy, off string) {
	raw := xdgconf.ParseKDE(conf, "Daemon").Values["AutomaticUpdatePolicy"]
	switch v := strings.ToLower(raw); v {
	case "stage", "ex-stage", "apply":
		return strings.TrimPrefix(v, "ex-"), ""
	case "", "none", "off":
		return "", "rpm-ostree's automatic updates are off (AutomaticUpdatePolicy is none)"
	case "check":
		return "", "rpm-ostree only checks for updates (AutomaticUpdatePolicy=check)"
	default:
		return "", fmt.Sprintf("rpm-ostree refuses its AutomaticUpdatePolicy %q, so it updates nothing", raw)
	}
}

// packageKitCronAuto reads PackageKit's daily job, which runs unless its
// settings say ENABLED=no (exactly: the script tests `[ "$ENABLED" = "no" ]`,
// so a missing settings file runs it) and installs unless CHECK_ONLY=yes.
func packageKitCronAuto(p probe.Probe) autoFinding {
	switch _, err := p.ReadFileHead(pkCronJob, 1); {
	case errors.Is(err, probe.ErrNotFound):
		return autoFinding{}
	case err != nil:
		return autoFinding{unknown: "PackageKit's daily update job could not be read (" + probe.ErrorKind(err) + ")"}
	}
	conf, err := p.ReadFile(pkCronConf)
	if err != nil && !errors.Is(err, probe.ErrNotFound) {
		return autoFinding{unknown: "PackageKit's daily update settings (" + pkCronConf + ") could not be read (" + probe.ErrorKind(err) + ")"}
	}
	vals := probe.ParseOSRelease(conf)
	switch {
	case vals["ENABLED"] == "no":
		return autoFinding{off: "PackageKit's daily update job is switched off (ENABLED=no in " + pkCronConf + ")"}
	case vals["CHECK_ONLY"] == "yes":
		return autoFinding{off: "PackageKit's daily update job only checks for updates (CHECK_ONLY=yes in " + pkCronConf + ")"}
	}
	_, err = p.ReadDir("/run/systemd/system")
	switch runs, err := cronRuns(p, err == nil); {
	case err != nil:
		return autoFinding{unknown: "whether cron runs PackageKit's daily update job could not be read (" + probe.ErrorKind(err) + ")"}
	case !runs:
		return autoFinding{off: "PackageKit's daily update job is a cron job, but no cron service is enabled to run it"}
	}
	if vals["UPDATE_OFFLINE"] == "yes" {
		return autoFinding{on: "PackageKit's daily update job, installing at the next restart"}
	}
	return autoFinding{on: "PackageKit's daily update job"}
}

// centreAuto reads the console user's software centre: KDE Discover, then
// GNOME Software. It notes which one was seen and what it does in
// f.Auto.Centre and CentreSetting.
func centreAuto(ctx context.Context, p probe.Probe, f *facts, ostree bool) autoFinding {
	var centres []string
	for _, c := range []struct{ bin, name string }{{discoverBin, centreDiscover}, {gnomeSoftwareBin, centreGNOMESoftware}} {
		switch _, err := p.ReadFileHead(c.bin, 1); {
		case err == nil:
			centres = append(centres, c.name)
		case !errors.Is(err, probe.ErrNotFound):
			return autoFinding{unknown: "whether " + centreName(c.name) + " is installed could not be read (" + probe.ErrorKind(err) + ")"}
		}
	}
	if len(centres) == 0 {
		return autoFinding{}
	}
	f.Auto.Centre, f.Auto.CentreSetting = centres[0], centreUnread
	u, err := p.ConsoleUser()
	if err != nil || u.Home == "" {
		who := "nobody is signed in at the screen"
		if err != nil && !errors.Is(err, probe.ErrNotFound) {
			who = "who is signed in at the screen could not be told (" + probe.ErrorKind(err) + ")"
		}
		return autoFinding{off: who + ", so " + centreName(centres[0]) + "'s own automatic-update setting could not be read"}
	}
	var offs []string
	var unread *autoFinding
	for _, c := range centres {
		var r autoFinding
		var setting string
		if c == centreDiscover {
			r, setting = discoverAuto(p, u)
		} else {
			r, setting = gnomeSoftwareAuto(ctx, p, ostree)
		}
		switch {
		case r == (autoFinding{}):
			continue
		case r.on != "":
			f.Auto.Centre, f.Auto.CentreSetting = c, setting
			return r
		case r.unknown != "" && unread == nil:
			f.Auto.Centre, f.Auto.CentreSetting = c, setting
			unread = &r
		case r.off != "":
			if unread == nil {
				f.Auto.Centre, f.Auto.CentreSetting = c, setting
			}
			offs = append(offs, r.off)
		}
	}
	switch {
	case unread != nil: // the other centre might have said on
		return *unread
	case len(offs) == 0: // GNOME Software's binary without its settings
		f.Auto.Centre, f.Auto.CentreSetting = "", ""
		return autoFinding{}
	}
	return autoFinding{off: strings.Join(offs, "; ")}
}

func centreName(c string) string {
	if c == centreDiscover {
		return "KDE Discover"
	}
	return "GNOME Software"
}

// discoverAuto reads Discover's automatic updates for user u: the setting,
// how often, the notifier that carries them out, and a backend that
// updates the system.
func discoverAuto(p probe.Probe, u probe.User) (autoFinding, string) {
	unread := func(what string, err error) (autoFinding, string) {
		return autoFinding{unknown: "KDE Discover's " + what + " could not be read (" + probe.ErrorKind(err) + ")"}, centreUnread
	}
	var groups [2]xdgconf.KDEGroup
	for i, name := range []string{discoverUpdatesSys, path.Join(u.Home, discoverUpdatesUser)} {
		b, err := p.ReadFile(name)
		if err != nil && !errors.Is(err, probe.ErrNotFound) {
			return unread("update settings", err)
		}
		groups[i] = xdgconf.ParseKDE(b, "Global")
	}
	vals := xdgconf.Merge(groups[0], groups[1])
	if on, _ := xdgconf.KDEBool(vals["UseUnattendedUpdates"]); !on {
		return autoFinding{off: "KDE Discover's automatic updates are off (System Settings > Software Update > Manually)"}, centreOff
	}
	interval := 24 * time.Hour // RequiredNotificationInterval's default
	if v, ok := vals["RequiredNotificationInterval"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		switch {
		case err != nil || n < 0:
			return autoFinding{off: "KDE Discover's automatic updates are on, but their frequency is Never (RequiredNotificationInterval " + v + ")"}, centreOff
		case time.Duration(n)*time.Second > tooSeldom:
			return autoFinding{off: fmt.Sprintf("KDE Discover installs updates only every %d days, too seldom for security updates", n/86400)}, centreOff
		}
		interval = time.Duration(n) * time.Second
	}
	for _, name := range []string{discoverNotifier, path.Join(u.Home, discoverNotifierUser)} {
		b, err := p.ReadFile(name)
		switch {
		case errors.Is(err, probe.ErrNotFound) && name == discoverNotifier:
			return autoFinding{off: "KDE Discover's automatic updates are on, but its update notifier, which carries them out, is not installed"}, centreNotRun
		case errors.Is(err, probe.ErrNotFound):
		case err != nil:
			return unread("update notifier's start-up entry", err)
		case xdgconf.AutostartHidden(b):
			return autoFinding{off: "KDE Discover's automatic updates are on, but its update notifier, which carries them out, is kept from starting at sign-in"}, centreNotRun
		}
	}
	found, anyDir := false, false
	for _, dir := range discoverPluginDirs {
		names, err := p.ReadDir(dir)
		switch {
		case errors.Is(err, probe.ErrNotFound):
			continue
		case err != nil:
			return unread("plugins", err)
		}
		anyDir = true
		for _, n := range names {
			found = found || slices.Contains(discoverSystemBackends, n)
		}
	}
	switch {
	case !anyDir:
		return autoFinding{unknown: "KDE Discover's automatic updates are on, but SessionGuard could not find Discover's plugins, so whether they include system updates cannot be told"}, centreUnread
	case !found:
		return autoFinding{off: "KDE Discover's automatic updates are on, but Discover has no PackageKit or rpm-ostree backend, so they update apps, not the system"}, centreNotRun
	}
	return autoFinding{on: "KDE Discover's automatic updates, every " + daysText(interval)}, centreInstall
}

func daysText(d time.Duration) string {
	if n := int(d.Hours() / 24); n > 1 {
		return fmt.Sprintf("%d days", n)
	}
	return "day"
}

// gnomeSoftwareAuto reads GNOME Software's settings as the console user,
// all in one gsettings run (which applies an administrator's locked
// values itself). Automatic updates on only download system updates: off
// by this check's rule. An uninstalled schema is no GNOME Software.
func gnomeSoftwareAuto(ctx context.Context, p probe.Probe, ostree bool) (autoFinding, string) {
	out, err := p.RunAsConsoleUser(ctx, probe.CmdGsettings, "list-recursively", gnomeSoftwareSchema)
	if errors.Is(err, probe.ErrNotFound) {
		return autoFinding{}, ""
	}
	if err != nil {
		return autoFinding{unknown: "GNOME Software's settings could not be read (gsettings: " + probe.ErrorKind(err) + ")"}, centreUnread
	}
	list, ok := gsettings.ParseList(out.Stdout, gnomeSoftwareSchema)
	switch {
	case !ok && gsettings.Problem(out) == gsettings.SchemaMissing:
		return autoFinding{}, ""
	case !ok || out.ExitCode != 0:
		return autoFinding{unknown: fmt.Sprintf("GNOME Software's settings were not recognised (gsettings: %s, exit status %d)", gsettings.Problem(out), out.ExitCode)}, centreUnread
	}
	vals := map[string]bool{}
	for _, key := range []string{"allow-updates", "download-updates"} {
		v, ok := gsettings.Bool(list[key])
		if !ok {
			return autoFinding{unknown: "GNOME Software's " + key + " setting was not recognised"}, centreUnread
		}
		vals[key] = v
	}
	if !vals["allow-updates"] || !vals["download-updates"] {
		return autoFinding{off: "GNOME Software's automatic updates are off"}, centreOff
	}
	if ostree {
		// From GNOME Software 48 its rpm-ostree plugin stages background
		// downloads (gs-plugin-rpm-ostree.c: no download-only unless
		// interactive), and ostree boots into them at the next restart.
		b, err := p.ReadFileHead(gnomeSoftwareMetainfo, 64<<10)
		if err != nil && !errors.Is(err, probe.ErrNotFound) {
			return autoFinding{unknown: "GNOME Software's version could not be read (" + probe.ErrorKind(err) + ")"}, centreUnread
		}
		if v := metainfoMajor(b); v >= 48 {
			return autoFinding{on: "GNOME Software's automatic updates, staged for the next restart"}, centreInstall
		}
	}
	return autoFinding{off: "GNOME Software only downloads system updates, which wait for someone to choose Restart & Update"}, centreDownload
}

// metainfoMajor is the major version of an AppStream metainfo file's
// newest release (the first <release version="48.1">); 0 when not told.
func metainfoMajor(b []byte) int {
	_, rest, ok := strings.Cut(string(b), "<release ")
	if !ok {
		return 0
	}
	_, rest, ok = strings.Cut(rest[:strings.IndexByte(rest+">", '>')], `version="`)
	if !ok {
		return 0
	}
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}
