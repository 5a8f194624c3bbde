package osupdates

import (
	"fmt"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks"
)

// staleAfter is how old apt's newest list may be before its picture of
// what is waiting is called out of date: Debian and Ubuntu publish their
// archives several times a day, and apt refreshes daily.
const staleAfter = 7 * 24 * time.Hour

// endingSoon is how near a support end warns.
const endingSoon = 30 * 24 * time.Hour

const unknownFix = "SessionGuard could not read the update state. Try \"Check again\"; if it stays unknown, ask your IT support and send them an evidence bundle (sessionguard evidence record)."

// evaluate judges the facts against the policy.
func evaluate(f facts, pol checks.Policy) checks.Result {
	f = macAge(f, releaseSetting.Table(pol))
	support := evaluateSupport(f, eolSetting.Table(pol))
	pending := evaluatePending(f, maxAgeSetting.Of(pol))
	auto := evaluateAuto(f, autoOffSetting.Of(pol))
	r := checks.AllOf(support, pending, auto)
	off := autoOffSetting.Of(pol)
	if held, ok := evaluateSnaps(f, off); ok && (held.Status != checks.Unknown || couldWorsen(r, off)) {
		r = checks.AllOf(r, held)
	}
	if apps, ok := evaluateFlatpak(f, maxAgeSetting.Of(pol)); ok {
		r = checks.AllOf(r, apps)
	}
	if r.Status == checks.Pass {
		if u, ok := evaluateUnread(f); ok {
			return u
		}
		r.Summary = strings.TrimSuffix(support.Summary, ".") + "; " + lowerFirst(strings.TrimSuffix(pending.Summary, ".")) + "; " + lowerFirst(auto.Summary)
	}
	return r
}

// couldWorsen: a part that could not be read, whose answer would at worst
// have been worst, changes r only if worst is worse than r; a warning or
// failure it could not have changed stands.
func couldWorsen(r checks.Result, worst checks.Status) bool {
	return r.Status == checks.Pass || (r.Status == checks.Warn && worst == checks.Fail)
}

func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "Windows") || strings.HasPrefix(s, "SessionGuard") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func days(d time.Duration) int { return int(d.Hours() / 24) }

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func releaseName(r release) string {
	switch {
	case r.Name != "" && r.ESU == esuByUpdate:
		return r.Name + " with Extended Security Updates (an update only enrolled PCs get is installed)"
	case r.Name != "" && r.ESU != "":
		return r.Name + " with Extended Security Updates (" + r.ESU + ")"
	case r.Name != "":
		return r.Name
	case len(r.Systems) > 0:
		return strings.TrimSpace(r.Systems[len(r.Systems)-1] + " " + r.Version)
	}
	return "This system"
}

func evaluateSupport(f facts, table []eolEntry) checks.Result {
	name := releaseName(f.Release)
	if len(f.Release.Systems) == 0 {
		return checks.Result{Status: checks.Unknown, Summary: "Could not tell which system release this is.", Fix: unknownFix, Reason: f.Release.Reason}
	}
	rel, esmLapsed := esmCounted(f)
	e, ok := lookupEOL(table, rel)
	if !ok {
		return checks.Result{Status: checks.Unknown,
			Summary: fmt.Sprintf("%s is not in SessionGuard's table of supported systems.", name),
			Fix:     "Ask your IT support whether this system still gets security updates; they can add its support end date to the policy (updates_eol_table).",
			Reason:  fmt.Sprintf("%s %s is not in the end-of-life table (built-in table dated %s, plus the policy's updates_eol_table)", f.Release.Systems[0], f.Release.Version, eolTableDate)}
	}
	if e.Rolling {
		return checks.Result{Status: checks.Pass, Summary: name + " is a rolling release, supported while it is kept up to date."}
	}
	end := e.End.Format("2 January 2006")
	fix := unsupportedFix(f)
	if esmLapsed != "" {
		fix = esmFix
	}
	switch {
	case f.At.After(e.End.Add(24 * time.Hour)):
		return checks.Result{Status: checks.Fail, Summary: fmt.Sprintf("%s no longer gets security updates: support ended on %s%s.", name, end, esmLapsed), Fix: fix}
	case f.At.Add(endingSoon).After(e.End):
		return checks.Result{Status: checks.Warn, Summary: fmt.Sprintf("%s stops getting security updates on %s%s.", name, end, esmLapsed), Fix: fix}
	}
	if f.Release.ESU == esuByUpdate {
		// The build shows enrolment, not which ESU year was bought: the
		// end is the programme's last day, and whether updates still
		// arrive is judged by how long the monthly one has waited.
		return checks.Result{Status: checks.Pass, Summary: fmt.Sprintf("%s gets security updates (ESU ends by %s at the latest).", name, end)}
	}
	return checks.Result{Status: checks.Pass, Summary: fmt.Sprintf("%s gets security updates until %s.", name, end)}
}

// esmFix: Ubuntu Pro's ESM list not refreshed is most often a lapsed
// subscription (esm.ubuntu.com answers 401, apt keeps the old list).
const esmFix = "Check Ubuntu Pro: run \"sudo pro status\" and \"sudo apt update\" in a terminal. If apt says it failed to fetch from esm.ubuntu.com (401 Unauthorized), the Ubuntu Pro subscription has lapsed or this computer is no longer attached: renew it and attach again (\"sudo pro attach\"), or upgrade to a supported release. Or ask your IT support."

// esmLapsedAfter is how old Ubuntu Pro's ESM list may be before ESM no
// longer counts: its Date is when Canonical last published to it, not
// when apt fetched it, so a quiet week must not end support (the list
// stale past staleAfter already warns, as every security list does);
// a month without it is a subscription that has stopped delivering.
const esmLapsedAfter = 30 * 24 * time.Hour

// esmCounted is the release to look up in the end-of-life table: Ubuntu
// Pro's ESM extends support only while its own list is refreshed (within
// esmLapsedAfter), since apt keeps the last list it fetched when
// esm.ubuntu.com refuses a lapsed subscription. Otherwise ESM is dropped
// and lapsed says why, for the summary (", and its Ubuntu Pro …").
// Facts without the list's date (an older agent's) do not count ESM.
func esmCounted(f facts) (r release, lapsed string) {
	r = f.Release
	if len(r.Systems) < 2 || r.Systems[0] != "ubuntu-esm" {
		return r, ""
	}
	if l := r.ESMListed; l != nil && f.At.Sub(*l) <= esmLapsedAfter {
		return r, ""
	}
	r.Systems = r.Systems[1:]
	if l := r.ESMListed; l != nil {
		return r, fmt.Sprintf(", and its Ubuntu Pro (ESM) updates, which would extend it, have not been fetched since %s (%s ago)", l.Format("2 January 2006"), plural(days(f.At.Sub(*l)), "day", "days"))
	}
	return r, ", and SessionGuard could not tell when its Ubuntu Pro (ESM) updates, which would extend it, were last fetched"
}

func evaluatePending(f facts, maxDays int) checks.Result {
	u := f.Updates
	if u.basis == "" && u.Since != nil && len(u.Browsers) > 0 && (u.Source == sourceDnf || u.Source == sourceZypper) {
		u.basis = "a browser's update is dated by the last change to its maker's repository, so it may have waited longer"
	}
	var parts []checks.Result
	switch {
	case !u.Read:
		parts = append(parts, checks.Result{Status: checks.Unknown, Summary: "Could not tell whether " + updateNoun(f) + "s are waiting.", Fix: unknownFix, Reason: u.Reason})
	case u.Security == 0 && !u.BrowsersRead && (u.Source == sourceDnf || u.Source == sourceZypper):
		// An older agent read only the advisories, which browsers from
		// their makers' repositories never have.
		parts = append(parts, checks.Result{Status: checks.Unknown, Summary: "Could not tell whether updates of web browsers from their makers' own repositories are waiting.",
			Fix: "Make sure the SessionGuard agent on this computer is up to date, then choose \"Check again\". If it stays unknown, ask your IT support.", Reason: "an older agent's facts: only the security advisories were read, and web browsers from their makers' own repositories publish none"})
	case u.Security > 0 && u.Since != nil:
		noun := updateNoun(f)
		among := browsersAmong(u)
		parts = append(parts, waitedResult(f, plural(u.Security, noun+among+" has been", noun+"s"+among+" have been"), *u.Since, u.basis, maxDays, installFix(f)))
	case u.Security > 0:
		why := "for how long cannot be told"
		if u.basis != "" {
			why += ": " + u.basis
		}
		noun, among := updateNoun(f), browsersAmong(u)
		parts = append(parts, checks.Result{Status: checks.Warn, Summary: fmt.Sprintf("%s waiting to be installed (%s).", plural(u.Security, noun+among+" is", noun+"s"+among+" are"), why), Fix: installFix(f)})
	case lcuUnproven(f) != "":
		parts = append(parts, checks.Result{Status: checks.Unknown, Summary: "Could not tell whether Windows's monthly security update is installed.", Fix: lcuUnprovenFix, Reason: lcuUnproven(f)})
	default:
		parts = append(parts, checks.Result{Status: checks.Pass, Summary: "No " + updateNoun(f) + "s are waiting."})
	}
	if u.Read || u.Checked != nil {
		switch {
		case u.Stale:
			parts = append(parts, checks.Result{Status: checks.Warn, Summary: "The list of available updates is out of date (past its valid-until date), so newer security updates may be missing from it.", Fix: refreshFix(f)})
		case u.Checked != nil && f.At.Sub(*u.Checked) > staleAfter:
			what := "The list of available updates was"
			if u.Source == sourceApt {
				what = "The list of security updates of at least one of apt's sources was"
			}
			parts = append(parts, checks.Result{Status: checks.Warn, Summary: fmt.Sprintf("%s last refreshed at least %d days ago, so newer security updates may be missing from it.", what, days(f.At.Sub(*u.Checked))), Fix: refreshFix(f)})
		}
	}
	if u.Reboot == rebootIsRequired {
		s := "Installed updates wait for a restart to take effect."
		if u.RebootBy != "" {
			s = "Installed updates wait for a restart to take effect: " + u.RebootBy + "."
		}
		parts = append(parts, checks.Result{Status: checks.Warn, Summary: s, Fix: "Restart the computer to finish installing updates."})
	}
	return checks.AllOf(parts...)
}

// lcuUnproven says why Windows facts that show no security update
// waiting do not show the latest monthly cumulative update installed:
// facts of an older agent, which took the newest installed update of any
// kind for it (the .NET Framework's cumulative update is listed alike),
// or a cumulative update whose install time was not read or came before
// that release. Empty when they show it, and for other systems.
func lcuUnproven(f facts) string {
	u := f.Updates
	if u.Source != sourceWindowsUpdate {
		return ""
	}
	due := patchTuesday(f.At)
	switch {
	case u.LCU == nil:
		return "these facts come from an older SessionGuard agent, which did not tell Windows's monthly cumulative update from other updates"
	case u.LCU.Installed == nil:
		return lcuUnprovenReason(due, u.LCU.Unread)
	case u.LCU.Installed.Before(due):
		return "the cumulative update Windows runs was installed before the monthly security update of " + due.Format("2 January 2006")
	}
	return ""
}

// lcuUnprovenReason says why an update installed since the release of
// due does not show that month's cumulative update in: why is what could
// not be read of the cumulative update.
func lcuUnprovenReason(due time.Time, why string) string {
	return "an update was installed since the monthly security update of " + due.Format("2 January 2006") +
		", but not necessarily that cumulative update (other updates, such as the .NET Framework's, are listed alike): " + why
}

const lcuUnprovenFix = "Open Settings > Windows Update and click Check for updates: install what it offers and restart, then choose \"Check again\". If Update history shows a cumulative update that failed to install, or it stays unknown, ask your IT support and send them an evidence bundle (sessionguard evidence record); they should also make sure the SessionGuard agent is up to date."

func evaluateAuto(f facts, off checks.Status) checks.Result {
	a := f.Auto
	switch a.State {
	case autoOn:
		return checks.Result{Status: checks.Pass, Summary: "Updates install automatically (" + a.By + ")."}
	case autoManaged:
		return checks.Result{Status: checks.Pass, Summary: "Updates are managed by your organisation (" + a.By + ")."}
	case autoOff:
		return checks.Result{Status: off, Summary: "Automatic updates are off: " + a.By + ".", Fix: autoFix(f)}
	case autoPaused:
		until := ""
		if a.PausedUntil != nil {
			until = " until " + a.PausedUntil.Format("2 January 2006")
		}
		return checks.Result{Status: off, Summary: "Updates are paused" + until + ".", Fix: autoFix(f)}
	}
	return checks.Result{Status: checks.Unknown, Summary: "Could not tell whether updates install automatically.", Fix: unknownFix, Reason: a.Reason}
}

// evaluateUnread judges the sources that could only have added a warning
// (a restart due, an out-of-date list) but are there and were not read.
// It is asked only when everything else passed: a warning or failure
// elsewhere stands whatever they would have said, but a pass cannot, so
// the verdict is unknown, saying what could not be read and what to do.
// ok is false when every such source was read.
func evaluateUnread(f facts) (checks.Result, bool) {
	var parts []checks.Result
	if u := f.Updates.RebootUnread; u != nil && f.Updates.Reboot != rebootIsRequired {
		parts = append(parts, checks.Result{Status: checks.Unknown, Summary: "Could not tell whether installed updates wait for a restart.",
			Fix: restartUnreadFix(f, *u), Reason: u.reason()})
	}
	if u := f.Updates.CheckedUnread; u != nil {
		parts = append(parts, checks.Result{Status: checks.Unknown, Summary: "Could not tell whether the list of available updates is up to date.",
			Fix: "Open Settings > Windows Update and click Check for updates, then choose \"Check again\". If it stays unknown, ask your IT support: " + askIT(f, *u), Reason: u.reason()})
	}
	if len(parts) == 0 {
		return checks.Result{}, false
	}
	return checks.AllOf(parts...), true
}

func (u unread) reason() string { return "SessionGuard could not read " + u.What + ": " + u.Why }

// restartUnreadFix: a restart finishes whatever updates wait for one, and
// then the flag is gone; if reading it keeps failing, someone has to look.
func restartUnreadFix(f facts, u unread) string {
	const restart = "Restart the computer to finish installing any updates, then choose \"Check again\". If it stays unknown, ask your IT support: "
	if u.What == dnfNeedsRestarting {
		return restart + "SessionGuard reads the answer of \"sudo dnf needs-restarting -r\", which failed here; running it in a terminal shows why."
	}
	return restart + askIT(f, u)
}

// accessDenied is probe.ErrorKind of a denial (unread.Why).
const accessDenied = "access denied"

// askIT is what IT support can do about u: let SessionGuard's service
// read it, or, for anything else, look at an evidence bundle.
func askIT(f facts, u unread) string {
	if u.Why != accessDenied {
		return "send them an evidence bundle (sessionguard evidence record): SessionGuard could not make sense of " + u.What + ", and the bundle shows what it read."
	}
	account := "root"
	if f.OS == "windows" {
		account = "Local System"
	}
	return "SessionGuard's service must run as " + account + " (as it is installed) and be allowed to read " + u.What + "."
}

// waitedResult judges updates waiting at least since since: fail from
// the policy's days on, warn before. what says what waits ("2 security
// updates have been").
func waitedResult(f facts, what string, since time.Time, basis string, maxDays int, fix string) checks.Result {
	waited := days(f.At.Sub(since))
	allows := fmt.Sprintf(" (the policy allows %d)", maxDays)
	if basis != "" {
		basis, allows = " ("+basis+")", fmt.Sprintf("; the policy allows %d", maxDays)
	}
	if waited >= maxDays {
		return checks.Result{Status: checks.Fail, Summary: fmt.Sprintf("%s waiting to be installed for at least %d days%s%s.", what, waited, basis, allows), Fix: fix}
	}
	return checks.Result{Status: checks.Warn, Summary: fmt.Sprintf("%s waiting to be installed for at least %s%s; install within %d days of publication.", what, plural(waited, "day", "days"), basis, maxDays), Fix: fix}
}

// browsersAmong names the web browsers among the waiting updates, for the
// summary: " (including the web browser google-chrome-stable)".
func browsersAmong(u updates) string {
	switch len(u.Browsers) {
	case 0:
		return ""
	case 1:
		return " (including the web browser " + u.Browsers[0] + ")"
	}
	return " (including the web browsers " + strings.Join(u.Browsers, ", ") + ")"
}

// updateNoun is what the waiting updates are: security updates, or, where
// the package manager does not mark them (pacman), every update, since
// any of them may carry the security fix.
func updateNoun(f facts) string {
	if f.Updates.Source == sourcePacman {
		return "update"
	}
	return "security update"
}

// evaluateSnaps: snaps whose automatic refreshes are held do not get
// their security updates (Firefox is a snap on Ubuntu), graded as paused
// updates are. A snapd that is not running refreshes nothing: that is a
// hold of every snap with no end, graded the same. When snapd did not
// answer otherwise, whether snaps are held cannot be told: unknown, which
// the caller weighs only where a hold could have changed the verdict. ok
// is false when nothing is held or no snap is installed: the rest of the
// system is judged alone.
func evaluateSnaps(f facts, off checks.Status) (checks.Result, bool) {
	s := f.Snaps
	const fix = "Let snap apps update again: run \"sudo snap refresh --unhold\" in a terminal, or ask your IT support."
	switch {
	case s == nil:
		return checks.Result{}, false
	case s.HeldAll:
		until := " indefinitely"
		if s.HeldUntil != nil {
			until = " until " + s.HeldUntil.Format("2 January 2006")
		}
		return checks.Result{Status: off, Summary: "Automatic updates of snap apps are held" + until + ".", Fix: fix}, true
	case s.NotRunning:
		return checks.Result{Status: off, Summary: "Snap apps get no updates: snapd, which updates them, is not running (" + plural(s.Installed, "snap is", "snaps are") + " installed).",
			Fix: "Start snapd so snap apps update again: run \"sudo systemctl enable --now snapd.socket snapd.service\" in a terminal, then choose \"Check again\". If it does not start, ask your IT support: \"systemctl status snapd\" shows why."}, true
	case s.Unread != nil:
		return checks.Result{Status: checks.Unknown, Summary: "Could not tell whether snap apps get their updates.",
			Fix: "Make sure snapd runs: run \"sudo systemctl start snapd.socket\" in a terminal, then choose \"Check again\". If it stays unknown, ask your IT support: " + askIT(f, *s.Unread), Reason: s.Unread.reason()}, true
	case s.Held > 0:
		return checks.Result{Status: off, Summary: plural(s.Held, "snap app has its", "snap apps have their") + " automatic updates held.", Fix: fix}, true
	}
	return checks.Result{}, false
}

// evaluateFlatpak judges the Flatpak apps and runtimes as the system's
// packages are judged: waiting past the policy's days fails, less warns,
// an out-of-date list warns. Flatpak marks no update as a security one,
// so every update counts. The console user's installation not looked
// for (who is at the screen could not be told) is unknown, which a
// failure elsewhere outranks: its updates could fail too. ok is false
// when Flatpak holds nothing: the machine is judged without it.
func evaluateFlatpak(f facts, maxDays int) (checks.Result, bool) {
	fp := f.Flatpak
	if fp == nil {
		return checks.Result{}, false
	}
	if !fp.Read {
		return checks.Result{Status: checks.Unknown, Summary: "Could not tell whether updates of Flatpak apps are waiting.",
			Fix: "Let Flatpak look for updates: open Software (or run \"flatpak update\" in a terminal), then check again. If it stays unknown, ask your IT support.", Reason: fp.Reason}, true
	}
	const fix = "Open Software (or your app store) and install the app updates, or run \"flatpak update\" in a terminal."
	var parts []checks.Result
	what := plural(fp.Pending, "Flatpak app or runtime has an update", "Flatpak apps and runtimes have updates")
	switch {
	case fp.Pending > 0 && fp.Since == nil:
		parts = append(parts, checks.Result{Status: checks.Warn, Summary: what + " waiting to be installed (for how long cannot be told).", Fix: fix})
	case fp.Pending > 0:
		what = plural(fp.Pending, "Flatpak app or runtime has had an update", "Flatpak apps and runtimes have had updates")
		parts = append(parts, waitedResult(f, what, *fp.Since, "", maxDays, fix))
	}
	if fp.Checked != nil && f.At.Sub(*fp.Checked) > staleAfter {
		parts = append(parts, checks.Result{Status: checks.Warn, Summary: fmt.Sprintf("Flatpak's list of app updates was last refreshed at least %d days ago, so newer updates may be missing from it.", days(f.At.Sub(*fp.Checked))), Fix: fix})
	}
	if fp.UserUnread != "" {
		parts = append(parts, checks.Result{Status: checks.Unknown, Summary: "Could not tell whether updates of the signed-in person's own Flatpak apps are waiting.",
			Fix: "Choose \"Check again\" while signed in at the screen. If it stays unknown, ask your IT support and send them an evidence bundle (sessionguard evidence record).", Reason: "SessionGuard could not read the signed-in person's Flatpak apps: " + fp.UserUnread})
	}
	if len(parts) == 0 {
		return checks.Result{Status: checks.Pass, Summary: "No updates of Flatpak apps are waiting."}, true
	}
	return checks.AllOf(parts...), true
}

func installFix(f facts) string {
	switch f.OS {
	case "windows":
		return "Open Settings > Windows Update and click Install now (or Check for updates), then restart."
	case "darwin":
		const update = "Open System Settings > General > Software Update and click Update Now, then restart when asked."
		if d := f.Updates.DeferredDays; d > 0 {
			return fmt.Sprintf("Your organisation's profile holds macOS updates back for %s, so Software Update may not offer it yet: ask your IT support to install it or shorten the deferral. Once it is offered: %s", plural(d, "day", "days"), lowerFirst(update))
		}
		return update
	}
	switch f.Updates.Source {
	case sourceDnf:
		return "Open Software > Updates and install them, or run \"sudo dnf upgrade --refresh\" in a terminal; restart if asked."
	case sourcePacman:
		return "Run \"sudo pacman -Syu\" in a terminal (or use your system's update tool) and restart if the kernel was updated."
	case sourceZypper:
		return "Open YaST Online Update (or Software Updates) and install the patches, or run \"sudo zypper patch\" in a terminal; restart if asked."
	}
	return "Open Software Updater (or Software > Updates) and install the updates, or run \"sudo apt update && sudo apt upgrade\" in a terminal; restart if asked."
}

func refreshFix(f facts) string {
	switch f.Updates.Source {
	case sourceSoftwareUpdate:
		return "Let the Mac look for updates: open System Settings > General > Software Update, then install what it offers. If it cannot check, ask your IT support."
	case sourceWindowsUpdate:
		return "Let the computer look for updates: open Settings > Windows Update and click Check for updates, then install what it offers."
	case sourceDnf:
		return "Let the computer look for updates: open Software > Updates (or run \"sudo dnf check-update --refresh\"), then install what it offers."
	case sourceZypper:
		return "Let the computer look for updates: run \"sudo zypper refresh\", then install what it offers."
	case sourcePacman:
		return "Update the system: run \"sudo pacman -Syu\" in a terminal (or use your system's update tool)."
	}
	return "Let the computer look for updates: open Software Updater (or run \"sudo apt update\"), then install what it offers. If it says it failed to fetch from a source, that source's updates are not arriving: for Ubuntu Pro (esm.ubuntu.com) a 401 error means the subscription has lapsed (\"sudo pro status\" shows it); otherwise ask your IT support."
}

func autoFix(f facts) string {
	switch f.OS {
	case "windows":
		return "Open Settings > Windows Update: if updates are paused click Resume updates, and under Advanced options let updates install automatically. If the settings are greyed out your organisation sets them: ask your IT support."
	case "darwin":
		return "Open System Settings > General > Software Update, click the (i) next to Automatic updates and turn on \"Install macOS updates\" and \"Install Security Responses and system files\"."
	}
	fix := linuxAutoFix(f)
	switch {
	case f.Auto.Centre == centreDiscover && (f.Auto.CentreSetting == centreOff || f.Auto.CentreSetting == centreUnread):
		return "Turn on automatic updates in KDE: open System Settings > Software Update and set Update software to Automatically (daily or weekly). Or: " + lowerFirst(fix)
	case f.Auto.Centre == centreGNOMESoftware && f.Auto.CentreSetting == centreDownload:
		return "GNOME Software downloads system updates but does not install them by itself: until automatic updates are on, click Restart & Update in Software > Updates whenever it offers it. " + fix
	}
	return fix
}

// linuxAutoFix is how to turn automatic updates on with the system's
// package manager.
func linuxAutoFix(f facts) string {
	if f.Auto.Ostree {
		return "Turn on automatic updates: set AutomaticUpdatePolicy=stage under [Daemon] in /etc/rpm-ostreed.conf, then run \"sudo rpm-ostree reload\" and \"sudo systemctl enable --now rpm-ostreed-automatic.timer\" (updates then install when the computer restarts), or ask your IT support."
	}
	if f.Updates.Source == sourcePacman {
		return "This system does not install updates by itself: run \"sudo pacman -Syu\" at least once a week, or ask your IT support to set up automatic updates."
	}
	if f.Updates.Source == sourceZypper {
		return "Turn on automatic updates: run \"sudo zypper install os-update\" and then \"sudo systemctl enable --now os-update.timer\" (on Aeon or MicroOS: transactional-update.timer); on Leap 15 you can instead open YaST > Online Update Configuration and tick Automatic Online Update. Or ask your IT support."
	}
	if f.Auto.NoOrigins {
		return "unattended-upgrades is switched on but allowed to install from no source: its list of origins (Unattended-Upgrade::Origins-Pattern in /etc/apt/apt.conf.d) has been emptied, for example by a \"#clear Unattended-Upgrade::Origins-Pattern;\" line. Ask your IT support to remove that line or restore the list (at least the security updates' origin), then check again."
	}
	if f.Auto.CronJobNotExecutable {
		return "apt's daily job (/etc/cron.daily/apt-compat) is not executable, so cron skips it and updates never install by themselves. Run \"sudo chmod 755 /etc/cron.daily/apt-compat\", or ask your IT support."
	}
	if f.Auto.NoCron {
		return "Nothing runs apt's daily job on this computer: it has no systemd, and no cron daemon runs. Install and start one (\"sudo apt install cron\", then start it with your init system, for example \"sudo service cron start\"), or ask your IT support."
	}
	if f.Updates.Source == sourceDnf {
		return "Turn on automatic updates: run \"sudo dnf install dnf-automatic\" (on Fedora 41 or later \"dnf5-plugin-automatic\"), set apply_updates = yes in /etc/dnf/automatic.conf and run \"sudo systemctl enable --now dnf-automatic.timer\" (dnf5-automatic.timer), or ask your IT support."
	}
	return "Turn on automatic security updates: in Software & Updates > Updates choose \"Download and install automatically\" for security updates, or run \"sudo apt install unattended-upgrades\" and then \"sudo dpkg-reconfigure --priority=low unattended-upgrades\" and answer Yes."
}

func unsupportedFix(f facts) string {
	switch f.OS {
	case "windows":
		return "Upgrade to a supported Windows (Settings > Windows Update shows the upgrade when this PC can take it), or ask your IT support about Extended Security Updates or a replacement."
	case "darwin":
		return "Upgrade macOS in System Settings > General > Software Update; if this Mac cannot run a newer macOS, ask your IT support."
	}
	return "Upgrade to a supported release of your system (back up first, then follow its upgrade guide), or ask your IT support."
}
