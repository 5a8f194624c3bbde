package osupdates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Where apt and dpkg keep their state.
const (
	aptListsDir    = "/var/lib/apt/lists"
	dpkgStatusFile = "/var/lib/dpkg/status"
	rebootRequired = "/run/reboot-required"
	kernelRelease  = "/proc/sys/kernel/osrelease"
)

// maxWholeFile bounds dpkg's status and a security package list, read
// whole: far above the largest real ones (an uncompressed Ubuntu
// security list is a few MB to tens of MB; ReadFile stops at 4 MB) and
// the live probe's ReadFileHead limit. A file that fills it may have been
// cut, so it is never judged as whole. A variable for the tests.
var maxWholeFile = 64 << 20

// readWhole reads a file that may be larger than ReadFile allows; a file
// cut at maxWholeFile is an error, never a shorter list.
func readWhole(p probe.Probe, name string) ([]byte, error) {
	b, err := p.ReadFileHead(name, maxWholeFile)
	if err == nil && len(b) >= maxWholeFile {
		return nil, fmt.Errorf("reading %s: cut at %d MB, more than SessionGuard reads", name, maxWholeFile>>20)
	}
	return b, err
}

func collectLinux(ctx context.Context, p probe.Probe, f *facts) {
	osRelease := linuxRelease(p, f)
	var aptVersions map[string]string // dpkg's installed versions, by package
	installed, err := readWhole(p, dpkgStatusFile)
	switch {
	case errors.Is(err, probe.ErrNotFound):
		if !collectRPM(ctx, p, f) && !collectPacman(ctx, p, f) {
			f.Updates.Reason = otherPackageManager(p)
			f.Auto.Reason = f.Updates.Reason
		}
	case err != nil:
		f.addError("dpkg status", err)
		f.Updates.Reason = "dpkg's package list could not be read (" + probe.ErrorKind(err) + ")"
		f.Auto.Reason = f.Updates.Reason
	default:
		f.Updates.Source = sourceApt
		status := parseDpkgStatus(installed)
		aptVersions = status.versions
		aptPending(p, f, status.versions)
		aptAuto(ctx, p, f, status.unattended)
	}
	if f.Updates.Source == sourceApt && osRelease["ID"] == "ubuntu" {
		if listed, ok := aptESM(p); ok {
			f.Release.Systems = append([]string{"ubuntu-esm"}, f.Release.Systems...)
			f.Release.ESMListed = timePtr(listed)
		}
	}
	desktopAuto(ctx, p, f)
	collectSnaps(ctx, p, f)
	collectFlatpak(p, f)
	switch _, err := p.ReadFileHead(rebootRequired, 1); {
	case err == nil:
		f.Updates.Reboot = rebootIsRequired
	case errors.Is(err, probe.ErrNotFound):
		if f.Updates.Source == sourceApt { // only apt's hooks write the file, where they are installed
			aptRestart(p, f, aptVersions)
		}
	default: // denied: the flag may well be there
		f.rebootUnread("reboot-required", "the restart flag "+rebootRequired, probe.ErrorKind(err))
	}
}

// linuxRelease reads /etc/os-release (or /usr/lib/os-release) and the
// kernel release.
func linuxRelease(p probe.Probe, f *facts) map[string]string {
	b, err := p.ReadFile("/etc/os-release")
	if errors.Is(err, probe.ErrNotFound) {
		b, err = p.ReadFile("/usr/lib/os-release")
	}
	if err != nil {
		f.addError("os-release", err)
		f.Release.Reason = "the system's release file (/etc/os-release) could not be read (" + probe.ErrorKind(err) + ")"
	}
	vals := probe.ParseOSRelease(b)
	if id := strings.ToLower(vals["ID"]); id != "" {
		f.Release.Systems = []string{id}
	} else if err == nil {
		f.Release.Reason = "/etc/os-release names no ID"
	}
	f.Release.Version = vals["VERSION_ID"]
	f.Release.Name = vals["PRETTY_NAME"]
	k, err := p.ReadFileHead(kernelRelease, 256)
	if err == nil {
		f.Release.Build = "kernel " + strings.TrimSpace(string(k))
	}
	f.kernelErr = err
	return vals
}

// otherPackageManager names the package manager of a system without dpkg,
// whose pending updates are not read yet.
func otherPackageManager(p probe.Probe) string {
	for _, c := range []struct{ dir, name string }{{"/var/lib/rpm", "rpm without dnf or zypper"}, {"/usr/lib/sysimage/rpm", "rpm without dnf or zypper"}} {
		if _, err := p.ReadDir(c.dir); err == nil {
			return "this system installs software with " + c.name + ", whose pending updates SessionGuard does not read yet"
		}
	}
	return "no package manager SessionGuard reads (apt/dpkg) was found"
}

type dpkgStatus struct {
	versions   map[string]string // name + "\x00" + arch → installed version
	unattended bool              // unattended-upgrades installed
}

func parseDpkgStatus(b []byte) dpkgStatus {
	s := dpkgStatus{versions: map[string]string{}}
	_ = eachPackage(bytes.NewReader(b), func(pk debPackage) { // read whole: readWhole bounds it
		if !pk.installed() {
			return
		}
		s.versions[pk.Name+"\x00"+pk.Arch] = pk.Version
		if pk.Name == "unattended-upgrades" {
			s.unattended = true
		}
	})
	return s
}

// aptList is one list file and the release it belongs to.
type aptRelease struct {
	prefix string
	rel    aptReleaseFile
}

// aptPending compares what is installed with what apt's security lists
// offer. Nothing is refreshed: the lists are as the last apt update left
// them, and their Release dates say how old that is.
func aptPending(p probe.Probe, f *facts, installed map[string]string) {
	names, err := p.ReadDir(aptListsDir)
	if err != nil {
		f.addError("apt lists", err)
		f.Updates.Reason = "apt's package lists could not be listed (" + probe.ErrorKind(err) + ")"
		return
	}
	var releases []aptRelease
	for _, n := range names {
		prefix, ok := strings.CutSuffix(n, "InRelease")
		if !ok {
			if prefix, ok = strings.CutSuffix(n, "Release"); !ok {
				continue
			}
		}
		head, err := p.ReadFileHead(path.Join(aptListsDir, n), 4096)
		if err == nil {
			var rel aptReleaseFile
			if rel, err = parseAptRelease(head); err == nil {
				releases = append(releases, aptRelease{prefix, rel})
				continue
			}
		}
		// Any list could be a security archive's.
		f.addError("apt release", err)
		f.Updates.Reason = fmt.Sprintf("a package source's Release file could not be read (%s), so whether it offers security updates cannot be told", probe.ErrorKind(err))
		return
	}
	if len(releases) == 0 {
		f.Updates.Reason = "apt has no package lists: it has never been refreshed (apt update), so what is waiting cannot be told"
		return
	}
	var since time.Time
	// feeds are the archives that bring security updates: the security
	// archives, and a browser maker's own for an installed browser it
	// lists. apt keeps a list whose fetch fails ("old ones used
	// instead"), and Ubuntu's Release files carry no Valid-Until, so
	// another source's fresh list says nothing of theirs: the oldest
	// one's Date is how old the picture of security updates may be.
	feeds := make([]bool, len(releases))
	security := 0
	for i, r := range releases {
		if r.rel.Security() {
			security++
			feeds[i] = true
			if !r.rel.ValidUntil.IsZero() && f.At.After(r.rel.ValidUntil) {
				f.Updates.Stale = true
			}
		}
	}
	f.Updates.Checked = timePtr(oldestDate(releases, feeds))
	if security == 0 {
		f.Updates.Checked = timePtr(newestDate(releases))
		f.Updates.Reason = "none of apt's package sources is a security archive SessionGuard recognises (by its Release file's Label or a -security suite)"
		return
	}
	candidates := map[string]string{}
	dated := map[string]time.Time{}
	for _, n := range names {
		if !strings.Contains(n, "_Packages") {
			continue
		}
		i, ok := releaseOf(releases, n)
		var rel aptReleaseFile
		if ok {
			rel = releases[i].rel
		}
		// A browser maker's own source: only its browsers are read.
		vendor := ok && !rel.Security() && rel.thirdParty()
		if !ok || !rel.Security() && !vendor {
			continue
		}
		raw, err := readWhole(p, path.Join(aptListsDir, n))
		var list io.Reader
		if err == nil {
			list, err = openList(n, raw)
		}
		if err == nil {
			// Only installed packages matter: the rest of the list is
			// never kept.
			err = eachPackage(list, func(pk debPackage) {
				key := pk.Name + "\x00" + pk.Arch
				if _, ok := installed[key]; !ok || vendor && !vendorBrowsers[pk.Name] {
					return
				}
				feeds[i] = true
				if old, ok := candidates[key]; !ok || compareDebVersions(pk.Version, old) > 0 {
					candidates[key] = pk.Version
					dated[key] = rel.Date
				}
			})
		}
		if err != nil {
			f.addError("apt security list", err)
			f.Updates.Reason = fmt.Sprintf("a security package list could not be read (%s)", probe.ErrorKind(err))
			return
		}
	}
	for key, have := range installed {
		offered, ok := candidates[key]
		if !ok || compareDebVersions(offered, have) <= 0 {
			continue
		}
		f.Updates.Security++
		if name, _, _ := strings.Cut(key, "\x00"); vendorBrowsers[name] && !slices.Contains(f.Updates.Browsers, name) {
			f.Updates.Browsers = append(f.Updates.Browsers, name)
		}
		if d := dated[key]; !d.IsZero() && (since.IsZero() || d.Before(since)) {
			since = d
		}
	}
	f.Updates.Checked = timePtr(oldestDate(releases, feeds))
	f.Updates.Read = true
	slices.Sort(f.Updates.Browsers)
	if f.Updates.Security > 0 {
		f.Updates.Since = timePtr(since)
	}
}

// releaseOf is the index of the release a Packages list belongs to: the
// one whose file name is the longest prefix of the list's.
func releaseOf(releases []aptRelease, list string) (int, bool) {
	best := -1
	for i, r := range releases {
		if strings.HasPrefix(list, r.prefix) && (best < 0 || len(r.prefix) > len(releases[best].prefix)) {
			best = i
		}
	}
	return best, best >= 0
}

// newestDate is the newest Release Date of the releases.
func newestDate(releases []aptRelease) time.Time {
	var newest time.Time
	for _, r := range releases {
		if r.rel.Date.After(newest) {
			newest = r.rel.Date
		}
	}
	return newest
}

// oldestDate is the oldest Release Date of the releases picked; zero when
// one of them has none (its age cannot be told, so no age is claimed).
func oldestDate(releases []aptRelease, picked []bool) time.Time {
	var oldest time.Time
	for i, r := range releases {
		if !picked[i] {
			continue
		}
		if r.rel.Date.IsZero() {
			return time.Time{}
		}
		if oldest.IsZero() || r.rel.Date.Before(oldest) {
			oldest = r.rel.Date
		}
	}
	return oldest
}

// aptESM reports whether an Ubuntu Pro ESM (infra) source is configured,
// and the newest Date of its lists: apt keeps the last lists it fetched
// when esm.ubuntu.com refuses a lapsed subscription (401), so the source
// being there does not say its updates still arrive. The date is zero
// when no list of it could be read.
func aptESM(p probe.Probe) (time.Time, bool) {
	names, err := p.ReadDir(aptListsDir)
	if err != nil {
		return time.Time{}, false
	}
	var newest time.Time
	found := false
	for _, n := range names {
		if strings.Contains(n, "esm.ubuntu.com") && strings.HasSuffix(n, "Release") && strings.Contains(n, "infra") {
			found = true
			head, err := p.ReadFileHead(path.Join(aptListsDir, n), 4096)
			if err != nil {
				continue
			}
			if rel, err := parseAptRelease(head); err == nil && rel.Date.After(newest) {
				newest = rel.Date
			}
		}
	}
	return newest, found
}

// aptAuto judges unattended-upgrades: installed, and APT::Periodic asking
// apt to refresh its lists and install upgrades, and (with systemd) its
// timer not disabled.
func aptAuto(ctx context.Context, p probe.Probe, f *facts, unattended bool) {
	if !unattended {
		f.Auto.State, f.Auto.By = autoOff, "unattended-upgrades is not installed"
		return
	}
	// One apt-config reads both APT::Periodic and the origins lists (it
	// dumps each name given, in turn): a process fewer on the check's path.
	out, err := f.run(ctx, p, probe.CmdAptConfig, "dump", "APT::Periodic", originsPattern, allowedOrigins)
	if err != nil {
		f.Auto.Reason = "apt's settings could not be read (apt-config: " + probe.ErrorKind(err) + ")"
		return
	}
	conf := parseAptConfig(out)
	upgrade, lists := conf["APT::Periodic::Unattended-Upgrade"], conf["APT::Periodic::Update-Package-Lists"]
	switch {
	case conf["APT::Periodic::Enable"] == "0":
		f.Auto.State, f.Auto.By = autoOff, "APT::Periodic::Enable is off"
		return
	case upgrade == "" || upgrade == "0":
		f.Auto.State, f.Auto.By = autoOff, "APT::Periodic::Unattended-Upgrade is off"
		return
	case lists == "" || lists == "0":
		f.Auto.State, f.Auto.By = autoOff, "APT::Periodic::Update-Package-Lists is off, so unattended-upgrades never sees new updates"
		return
	}
	// A schedule that is off decides; then origins that are empty; then
	// what could not be read.
	schedule := aptSchedule(ctx, p, f)
	if schedule.State == autoOff {
		f.Auto.State, f.Auto.By, f.Auto.NoCron, f.Auto.CronJobNotExecutable = autoOff, schedule.By, schedule.NoCron, schedule.CronJobNotExecutable
		return
	}
	switch origins := countAptListEntries(out, originsPattern, allowedOrigins); {
	case origins == 0:
		f.Auto.State, f.Auto.By, f.Auto.NoOrigins = autoOff, "unattended-upgrades may install from no origin (Unattended-Upgrade::Origins-Pattern and Allowed-Origins are empty), so it installs nothing", true
	case schedule.State != autoOn:
		f.Auto.Reason = schedule.Reason
	default:
		f.Auto.State, f.Auto.By = autoOn, "unattended-upgrades"
	}
}

// aptSchedule says whether something runs apt's daily job: with systemd,
// apt-daily-upgrade.timer enabled; without it, /etc/cron.daily/apt-compat
// present and executable (run-parts skips a file that is not), and a cron
// daemon running. State is autoOn, autoOff (By says why) or autoUnknown
// (Reason says why).
func aptSchedule(ctx context.Context, p probe.Probe, f *facts) auto {
	a := auto{State: autoUnknown}
	if _, err := p.ReadDir("/run/systemd/system"); err == nil {
		out, err := p.Run(ctx, probe.CmdSystemctl, "is-enabled", "apt-daily-upgrade.timer")
		if err != nil {
			f.addError("systemctl", err)
			a.Reason = "whether apt's daily upgrade timer is enabled could not be read (" + probe.ErrorKind(err) + ")"
			return a
		}
		switch st := strings.TrimSpace(string(out.Stdout)); st {
		case "enabled", "static", "enabled-runtime", "indirect", "alias":
		case "disabled", "masked", "masked-runtime":
			a.State, a.By = autoOff, "apt-daily-upgrade.timer is "+st
			return a
		default:
			a.Reason = fmt.Sprintf("systemctl is-enabled apt-daily-upgrade.timer said %q", st)
			return a
		}
	} else if _, err := p.ReadFileHead(aptCompat, 1); err != nil {
		a.State, a.By = autoOff, "without systemd, nothing runs apt's daily job ("+aptCompat+" is missing)"
		return a
	} else if runs, err := cronRuns(p, false); err != nil {
		a.Reason = "without systemd, apt's daily job runs from cron, and whether a cron daemon runs could not be read (" + probe.ErrorKind(err) + ")"
		return a
	} else if !runs {
		a.State, a.By, a.NoCron = autoOff, "without systemd, apt's daily job runs from cron ("+aptCompat+"), and no cron daemon runs", true
		return a
	} else if exec, err := executable(ctx, p, f, aptCompat); err != nil {
		a.Reason = "without systemd, apt's daily job runs from cron, and whether " + aptCompat + " may be run could not be read (stat: " + probe.ErrorKind(err) + ")"
		return a
	} else if !exec {
		a.State, a.By, a.CronJobNotExecutable = autoOff, "without systemd, apt's daily job runs from cron, but "+aptCompat+" is not executable, so cron's run-parts skips it", true
		return a
	}
	a.State = autoOn
	return a
}

// aptCompat is apt's daily job for systems without systemd.
const aptCompat = "/etc/cron.daily/apt-compat"

// executable reports whether the file at path (followed through links,
// as run-parts does) has an execute bit, from `stat -L -c %a`: run-parts
// runs only files it may execute, and root may execute a file with any
// execute bit set.
func executable(ctx context.Context, p probe.Probe, f *facts, path string) (bool, error) {
	out, err := f.run(ctx, p, probe.CmdStat, "-L", "-c", "%a", path)
	if err != nil {
		return false, err
	}
	mode, err := strconv.ParseUint(strings.TrimSpace(string(out)), 8, 32)
	if err != nil {
		err = fmt.Errorf("stat printed %q, not a mode: %w", strings.TrimSpace(string(out)), probe.ErrUnavailable)
		f.addError("stat", err)
		return false, err
	}
	return mode&0o111 != 0, nil
}

// The origins unattended-upgrades may install from: the entries of
// Unattended-Upgrade::Origins-Pattern and of the older Allowed-Origins,
// which it reads together. Both empty (a "#clear
// Unattended-Upgrade::Origins-Pattern;" line in apt.conf.d, and no
// Allowed-Origins) and it upgrades nothing. Only those two lists are
// dumped: the rest of Unattended-Upgrade can name a mail address.
const (
	originsPattern = "Unattended-Upgrade::Origins-Pattern"
	allowedOrigins = "Unattended-Upgrade::Allowed-Origins"
)

// countAptListEntries counts the non-empty entries of the lists named in
// an `apt-config dump`: each is a line `List:: "value";` (apt-config
// prints the list itself as `List "";`). apt's names are not
// case-sensitive.
func countAptListEntries(b []byte, lists ...string) int {
	n := 0
	for k, v := range aptConfigEntries(b) {
		if v != "" && slices.ContainsFunc(lists, func(l string) bool { return strings.EqualFold(k, l+"::") }) {
			n++
		}
	}
	return n
}

// parseAptConfig reads `apt-config dump`: one `Name "value";` a line. The
// check dumps APT::Periodic only: the whole configuration can hold a
// proxy's password.
func parseAptConfig(b []byte) map[string]string {
	out := map[string]string{}
	for k, v := range aptConfigEntries(b) {
		out[k] = v
	}
	return out
}

// aptConfigEntries are the lines of an `apt-config dump`, each a name and
// its value without the quotes and semicolon (`Name "value";`).
func aptConfigEntries(b []byte) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for line := range strings.Lines(string(b)) {
			k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
			if ok && !yield(k, strings.Trim(strings.TrimSuffix(strings.TrimSpace(v), ";"), `"`)) {
				return
			}
		}
	}
}
