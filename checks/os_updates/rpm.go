package osupdates

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Where dnf (4 and 5) and zypper keep the repository metadata they last
// fetched: each repository's repodata/repomd.xml carries the time the
// repository was generated.
var rpmCaches = map[string][]string{
	"dnf":    {"/var/cache/dnf", "/var/cache/libdnf5"},
	"zypper": {"/var/cache/zypp/raw"},
}

// dnfNeedsRestarting is the restart state dnf tells, as people read it.
const dnfNeedsRestarting = "dnf's answer to needs-restarting -r"

// zypperRebootNeeded is libzypp's flag that a restart is due.
const zypperRebootNeeded = "/run/reboot-needed"

// SourceDnf and SourceZypper name the rpm package managers.
const (
	sourceDnf    = "dnf"
	sourceZypper = "zypper"
)

// collectRPM reads the security updates dnf or zypper already knows of,
// from their cache only (--cacheonly, --no-refresh): nothing is fetched.
func collectRPM(ctx context.Context, p probe.Probe, f *facts) bool {
	out, err := p.Run(ctx, probe.CmdDnf, "--cacheonly", "--quiet", "updateinfo", "list", "--security")
	if err == nil {
		f.Updates.Source = sourceDnf
		rpmChecked(p, f, sourceDnf)
		if out.ExitCode != 0 {
			f.Updates.Reason = fmt.Sprintf("dnf could not list security updates from its cache (exit status %d); run \"sudo dnf check-update\" once so it has the lists", out.ExitCode)
		} else if rows, ok := parseDnfSecurity(out.Stdout); !ok {
			f.Updates.Reason = "dnf's list of security updates was not recognised"
		} else if browsers, reason := dnfBrowsers(ctx, p, f); reason != "" {
			f.Updates.Reason = reason
		} else {
			rpmPending(f, append(rows, browsers...))
		}
		dnfAuto(ctx, p, f)
		out, err := p.Run(ctx, probe.CmdDnf, "--cacheonly", "--quiet", "needs-restarting", "-r")
		rpmReboot(f, "dnf needs-restarting", out, err)
		return true
	}
	if !errors.Is(err, probe.ErrNotFound) {
		f.addError("dnf", err)
		f.Updates.Source, f.Updates.Reason = sourceDnf, "dnf could not be run ("+probe.ErrorKind(err)+")"
		f.Auto.Reason = f.Updates.Reason
		return true
	}
	out, err = p.Run(ctx, probe.CmdZypper, "--no-refresh", "--non-interactive", "list-patches", "--category", "security")
	if errors.Is(err, probe.ErrNotFound) {
		return false
	}
	f.Updates.Source = sourceZypper
	zypperAuto(p, f)
	switch {
	case err != nil:
		f.addError("zypper", err)
		f.Updates.Reason = "zypper could not be run (" + probe.ErrorKind(err) + ")"
	case out.ExitCode != 0 && out.ExitCode != 100: // 100: patches needed
		f.Updates.Reason = fmt.Sprintf("zypper could not list security patches (exit status %d)", out.ExitCode)
	default:
		zypperReboot(p, f)
		rpmChecked(p, f, sourceZypper)
		if rows, ok := parseZypperPatches(out.Stdout); !ok {
			f.Updates.Reason = "zypper's list of patches was not recognised"
		} else if browsers, reason := zypperBrowsers(ctx, p, f); reason != "" {
			f.Updates.Reason = reason
		} else {
			rpmPending(f, append(rows, browsers...))
		}
	}
	return true
}

// rpmAdvisory is one security update an rpm package manager lists; Issued
// is zero when the tool does not say (dnf 4, zypper).
type rpmAdvisory struct {
	ID     string
	Issued time.Time
}

func rpmPending(f *facts, rows []rpmAdvisory) {
	f.Updates.Security = len(rows)
	if f.Updates.Checked == nil {
		return // an undated cache may be years old: nothing is known
	}
	f.Updates.Read = true
	var since time.Time
	for _, r := range rows {
		if r.Issued.IsZero() {
			return // one undated: how long they wait cannot be told
		}
		if since.IsZero() || r.Issued.Before(since) {
			since = r.Issued
		}
	}
	f.Updates.Since = timePtr(since)
}

// rpmReboot records whether installed updates wait for a restart, as
// dnf's needs-restarting answers it (read from the rpm database and
// the boot time; nothing is fetched). Without the command (dnf 5 without
// its plugins, dnf 4 without dnf-plugins-core) nothing tells, as on
// macOS; one that fails or answers in words not recognised is a source
// unread.
func rpmReboot(f *facts, key string, out probe.Output, err error) {
	switch {
	case err != nil:
		f.rebootUnread(key, dnfNeedsRestarting, probe.ErrorKind(err))
	case noNeedsRestarting(out):
		f.Errors = append(f.Errors, key+": not installed")
	default:
		if f.Updates.Reboot = parseNeedsRestarting(out); f.Updates.Reboot == rebootUnknown {
			f.rebootUnread(key, dnfNeedsRestarting, notRecognised(out))
		}
	}
}

// noNeedsRestarting reports dnf saying it has no needs-restarting command:
// dnf 4's "No such command: needs-restarting." and dnf 5's "Unknown
// argument "needs-restarting" for command "dnf5"." (both then suggest
// installing the plugin that provides it).
func noNeedsRestarting(out probe.Output) bool {
	msg := string(out.Stderr)
	return out.ExitCode != 0 && len(strings.TrimSpace(string(out.Stdout))) == 0 &&
		(strings.Contains(msg, "No such command: needs-restarting") || strings.Contains(msg, `Unknown argument "needs-restarting"`))
}

// parseNeedsRestarting reads `dnf needs-restarting -r` (dnf 4's
// dnf-plugins-core and dnf 5's plugin): exit status 1 with "Core libraries
// or services have been updated since boot-up:" or "Reboot is required"
// when a restart is due, 0 with "Reboot should not be necessary." when
// not. dnf also exits 1 on its own errors ("No such command:
// needs-restarting"), so the words decide, never the status alone.
func parseNeedsRestarting(out probe.Output) string {
	var updated, required, unnecessary bool
	for line := range strings.Lines(string(out.Stdout)) {
		line = strings.TrimSpace(line)
		updated = updated || strings.HasPrefix(line, "Core libraries or services have been updated")
		required = required || strings.HasPrefix(line, "Reboot is required")
		unnecessary = unnecessary || line == "Reboot should not be necessary."
	}
	switch {
	case out.ExitCode == 1 && (updated || required) && !unnecessary:
		return rebootIsRequired
	case out.ExitCode == 0 && unnecessary && !updated && !required:
		return rebootNotRequired
	}
	return rebootUnknown
}

// zypperReboot reads the flag `zypper needs-rebooting` itself tests:
// libzypp creates /run/reboot-needed when an update of a core library or
// service is installed, and it goes with the next boot.
func zypperReboot(p probe.Probe, f *facts) {
	_, err := p.ReadFileHead(zypperRebootNeeded, 1)
	rebootByPresence(f, "reboot-needed", "the restart flag "+zypperRebootNeeded, err, rebootIsRequired, rebootNotRequired)
}

// rebootByPresence sets the restart state from whether a file or folder
// was found (err nil), is missing (not found) or could not be read (key
// names it in Errors, what for people).
func rebootByPresence(f *facts, key, what string, err error, found, missing string) {
	switch {
	case err == nil:
		f.Updates.Reboot = found
	case errors.Is(err, probe.ErrNotFound):
		f.Updates.Reboot = missing
	default:
		f.rebootUnread(key, what, probe.ErrorKind(err))
	}
}

var advisoryID = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*-[0-9]{4}[-:][0-9A-Za-z]+`)

// parseDnfSecurity reads `dnf updateinfo list --security`: dnf 4's
// "FEDORA-2024-… Important/Sec. nevra" and dnf 5's table with its Issued
// date. ok is false when a line is neither a row nor a known header.
func parseDnfSecurity(b []byte) (rows []rpmAdvisory, ok bool) {
	for line := range strings.Lines(string(b)) {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
		case fields[0] == "Name" && len(fields) >= 4 && fields[1] == "Type",
			strings.HasPrefix(line, "Updating and loading repositories"),
			strings.HasPrefix(line, "Repositories loaded"),
			strings.HasPrefix(line, "Last metadata expiration check"):
		case len(fields) >= 3 && advisoryID.MatchString(fields[0]):
			r := rpmAdvisory{ID: fields[0]}
			if len(fields) >= 6 {
				if t, err := time.Parse(time.DateTime, fields[len(fields)-2]+" "+fields[len(fields)-1]); err == nil {
					r.Issued = t
				}
			}
			rows = append(rows, r)
		default:
			return nil, false
		}
	}
	return rows, true
}

// parseZypperPatches reads `zypper list-patches --category security`:
// the table's needed security patches. ok is false without the table's
// header (or zypper's "No updates found.").
func parseZypperPatches(b []byte) (rows []rpmAdvisory, ok bool) {
	cat, status, name := -1, -1, -1
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(strings.TrimSpace(line), "No updates found") {
			ok = true
			continue
		}
		cols := strings.Split(line, "|")
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		if cat < 0 {
			for i, c := range cols {
				switch c {
				case "Category":
					cat = i
				case "Status":
					status = i
				case "Name":
					name = i
				}
			}
			if cat >= 0 && (status < 0 || name < 0) {
				return nil, false
			}
			ok = ok || cat >= 0
			continue
		}
		if len(cols) <= max(cat, status, name) {
			continue
		}
		if cols[cat] == "security" && (cols[status] == "needed" || cols[status] == "applicable") {
			rows = append(rows, rpmAdvisory{ID: cols[name]})
		}
	}
	return rows, ok
}

var (
	repomdTimestamp  = regexp.MustCompile(`<(?:revision|timestamp)>([0-9]{9,11})</`)
	repomdUpdateinfo = regexp.MustCompile(`<data\s+type="updateinfo"`)
	// dnfCacheSuffix is the hash dnf 4 and dnf 5 add to a repository's
	// id to name its cache folder (updates-a0a3d3b3c7d0b8c2).
	dnfCacheSuffix = regexp.MustCompile(`-[0-9a-f]{16}$`)
)

// rpmRepo is what a repository's cached repomd.xml tells: when the
// repository was last generated (zero when not told) and whether it
// publishes advisories (updateinfo), which dnf and zypper list as
// security updates.
type rpmRepo struct {
	Generated  time.Time
	Advisories bool
}

// rpmRepos reads the repomd.xml of each repository in the cache, by the
// repository's id (dnf) or alias (zypper). Folders that cannot be read
// are left out.
func rpmRepos(p probe.Probe, f *facts, tool string) map[string]rpmRepo {
	repos := map[string]rpmRepo{}
	for _, dir := range rpmCaches[tool] {
		names, err := p.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, name := range names {
			b, err := p.ReadFileHead(path.Join(dir, name, "repodata", "repomd.xml"), 64<<10)
			if err != nil {
				continue
			}
			r := rpmRepo{Advisories: repomdUpdateinfo.Match(b)}
			for _, m := range repomdTimestamp.FindAllSubmatch(b, -1) {
				if n, err := strconv.ParseInt(string(m[1]), 10, 64); err == nil {
					if t := time.Unix(n, 0).UTC(); t.After(r.Generated) && !t.After(f.At.Add(24*time.Hour)) {
						r.Generated = t
					}
				}
			}
			if tool == sourceDnf {
				name = dnfCacheSuffix.ReplaceAllString(name, "")
			}
			if old, ok := repos[name]; !ok || r.Generated.After(old.Generated) {
				repos[name] = r
			}
		}
	}
	return repos
}

// rpmChecked dates the cached metadata: the newest repository generation
// time in the repomd.xml files the cache holds.
func rpmChecked(p probe.Probe, f *facts, tool string) {
	var newest time.Time
	for _, r := range rpmRepos(p, f, tool) {
		if r.Generated.After(newest) {
			newest = r.Generated
		}
	}
	f.Updates.Checked = timePtr(newest)
	if newest.IsZero() && f.Updates.Reason == "" {
		f.Updates.Reason = tool + "'s cached repository metadata could not be dated, so whether its list of updates is current cannot be told"
	}
}

// rpmUpgrade is one upgrade dnf or zypper lists as waiting: the package
// and the repository (dnf's id, zypper's alias) offering it.
type rpmUpgrade struct{ Name, Repo string }

// dnfBrowsers lists the waiting upgrades from dnf's cache (`dnf
// check-update`, dnf 5's alias of check-upgrade: exit status 100 when
// upgrades wait, 0 when none, 1 on an error) and returns those of web
// browsers from their makers' repositories as security updates. reason
// says why they could not be told.
func dnfBrowsers(ctx context.Context, p probe.Probe, f *facts) ([]rpmAdvisory, string) {
	out, err := p.Run(ctx, probe.CmdDnf, "--cacheonly", "--quiet", "check-update")
	switch {
	case err != nil:
		f.addError("dnf check-update", err)
		return nil, "dnf's list of waiting updates could not be read (" + probe.ErrorKind(err) + "), so whether a web browser's update waits cannot be told"
	case out.ExitCode != 0 && out.ExitCode != 100:
		return nil, fmt.Sprintf("dnf could not list waiting updates from its cache (exit status %d); run \"sudo dnf check-update\" once so it has the lists", out.ExitCode)
	}
	ups, ok := parseDnfUpgrades(out.Stdout)
	if !ok {
		return nil, "dnf's list of waiting updates was not recognised"
	}
	return rpmBrowsers(p, f, sourceDnf, ups), ""
}

// zypperBrowsers is dnfBrowsers for zypper: `zypper --xmlout
// list-updates` from its cache, which names each update's repository
// by alias.
func zypperBrowsers(ctx context.Context, p probe.Probe, f *facts) ([]rpmAdvisory, string) {
	out, err := p.Run(ctx, probe.CmdZypper, "--no-refresh", "--non-interactive", "--xmlout", "list-updates")
	switch {
	case err != nil:
		f.addError("zypper list-updates", err)
		return nil, "zypper's list of waiting updates could not be read (" + probe.ErrorKind(err) + "), so whether a web browser's update waits cannot be told"
	case out.ExitCode != 0 && out.ExitCode != 100:
		return nil, fmt.Sprintf("zypper could not list waiting updates (exit status %d)", out.ExitCode)
	}
	ups, ok := parseZypperUpdates(out.Stdout)
	if !ok {
		return nil, "zypper's list of waiting updates was not recognised"
	}
	return rpmBrowsers(p, f, sourceZypper, ups), ""
}

// rpmBrowsers picks the upgrades of web browsers (vendorBrowsers: their
// makers use the same package names in their rpm repositories) that come
// from a repository publishing no advisories, as Google's, Microsoft's,
// Brave's, Vivaldi's, Opera's and Mozilla's do not: dnf and zypper list
// none of them as security updates, and dnf-automatic with upgrade_type
// = security leaves them alone, yet every browser release carries
// security fixes. Each is dated by its repository's generation time (it
// was published no later), or undated when the cache does not tell. A
// browser from a repository with advisories (the distribution's own
// Firefox) is counted by its advisory, as any other package is.
func rpmBrowsers(p probe.Probe, f *facts, tool string, ups []rpmUpgrade) []rpmAdvisory {
	f.Updates.BrowsersRead = true
	var repos map[string]rpmRepo
	var rows []rpmAdvisory
	for _, u := range ups {
		if !vendorBrowsers[u.Name] {
			continue
		}
		if repos == nil {
			repos = rpmRepos(p, f, tool)
		}
		repo := repos[u.Repo]
		if repo.Advisories {
			continue
		}
		rows = append(rows, rpmAdvisory{ID: u.Name, Issued: repo.Generated})
		if !slices.Contains(f.Updates.Browsers, u.Name) {
			f.Updates.Browsers = append(f.Updates.Browsers, u.Name)
		}
	}
	slices.Sort(f.Updates.Browsers)
	return rows
}

// parseDnfUpgrades reads `dnf check-update`: rows of "name.arch version
// repository" (dnf 4 puts a long name on a line of its own and the rest,
// indented, on the next), dnf 5's "Upgrades" heading, and the
// "Obsoleting Packages" section, whose indented rows are the installed
// packages being replaced; dnf's notes on its metadata are passed over.
// ok is false when a line is none of these.
func parseDnfUpgrades(b []byte) (ups []rpmUpgrade, ok bool) {
	seen := map[rpmUpgrade]bool{}
	add := func(nameArch, repo string) bool {
		i := strings.LastIndexByte(nameArch, '.')
		if i <= 0 {
			return false
		}
		u := rpmUpgrade{Name: nameArch[:i], Repo: repo}
		if !seen[u] {
			seen[u] = true
			ups = append(ups, u)
		}
		return true
	}
	obsoleting := false
	wrapped := "" // a dnf 4 name waiting for its version and repository
	for line := range strings.Lines(string(b)) {
		fields := strings.Fields(line)
		indented := strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")
		switch {
		case wrapped != "":
			if !indented || len(fields) != 2 || !add(wrapped, fields[1]) {
				return nil, false
			}
			wrapped = ""
		case len(fields) == 0:
		case !indented && len(fields) == 1 && fields[0] == "Upgrades":
		case strings.EqualFold(strings.TrimSpace(line), "Obsoleting Packages"):
			obsoleting = true
		case strings.HasPrefix(line, "Last metadata expiration check"),
			strings.HasPrefix(line, "Updating and loading repositories"),
			strings.HasPrefix(line, "Repositories loaded"),
			strings.HasPrefix(line, "Security: "):
		case obsoleting && indented: // an installed package being replaced
		case !indented && len(fields) == 1 && strings.Contains(fields[0], "."):
			wrapped = fields[0]
		case !indented && len(fields) == 3:
			if !add(fields[0], fields[2]) {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return ups, wrapped == ""
}

// zypperUpdateList is `zypper --xmlout list-updates`' document:
// <stream><update-status><update-list><update kind="package" name=…>
// <source alias=…/></update>…
type zypperUpdateList struct {
	Status *struct {
		Updates []struct {
			Kind   string `xml:"kind,attr"`
			Name   string `xml:"name,attr"`
			Source struct {
				Alias string `xml:"alias,attr"`
			} `xml:"source"`
		} `xml:"update-list>update"`
	} `xml:"update-status"`
}

// parseZypperUpdates reads `zypper --xmlout list-updates`: the packages
// with an update waiting and the alias of the repository offering it. ok
// is false without the update-status element.
func parseZypperUpdates(b []byte) (ups []rpmUpgrade, ok bool) {
	var doc zypperUpdateList
	if err := xml.Unmarshal(b, &doc); err != nil || doc.Status == nil {
		return nil, false
	}
	for _, u := range doc.Status.Updates {
		if u.Kind == "package" || u.Kind == "" {
			ups = append(ups, rpmUpgrade{Name: u.Name, Repo: u.Source.Alias})
		}
	}
	return ups, true
}

// dnfAutomaticConf is dnf-automatic's settings file (dnf 4, and dnf 5's
// current place for them); dnf5AutomaticConf is where dnf 5's plugin
// first kept them, and dnf5AutomaticDefaults its packaged defaults.
const (
	dnfAutomaticConf      = "/etc/dnf/automatic.conf"
	dnf5AutomaticConf     = "/etc/dnf/dnf5-plugins/automatic.conf"
	dnf5AutomaticDefaults = "/usr/share/dnf5/dnf5-plugins/automatic.conf"
)

// dnf5AutomaticFiles are the files dnf5-automatic reads, in order, each
// setting of a later one overriding an earlier one's (dnf5's
// automatic.cpp pre_configure since 5.2.6.1, "automatic: Use original
// dnf4 config file location": /usr/share, the deprecated
// /etc/dnf/dnf5-plugins, then /etc/dnf).
var dnf5AutomaticFiles = []string{dnf5AutomaticDefaults, dnf5AutomaticConf, dnfAutomaticConf}

// dnfAuto: dnf-automatic installs updates when dnf-automatic-install.timer
// runs, or dnf-automatic.timer / dnf5-automatic.timer with apply_updates
// on in automatic.conf. With upgrade_type = security it installs only
// updates with a security advisory, never a browser from its maker's
// repository (counted as waiting by rpmBrowsers): said in By, as apt's
// unattended-upgrades, which leaves such sources alone, is judged on.
func dnfAuto(ctx context.Context, p probe.Probe, f *facts) {
	if _, err := p.ReadDir("/run/systemd/system"); err != nil {
		f.Auto.State, f.Auto.By = autoOff, "dnf-automatic's timers need systemd, which is not running"
		return
	}
	enabled := func(unit string) (bool, error) {
		out, err := p.Run(ctx, probe.CmdSystemctl, "is-enabled", unit)
		if err != nil {
			f.addError("systemctl", err)
			return false, err
		}
		st := strings.TrimSpace(string(out.Stdout))
		return st == "enabled" || st == "enabled-runtime" || st == "static", nil
	}
	on, err := enabled("dnf-automatic-install.timer")
	if err != nil {
		f.Auto.Reason = "whether dnf-automatic's timer is enabled could not be read (" + probe.ErrorKind(err) + ")"
		return
	}
	if on {
		b, _ := p.ReadFile(dnfAutomaticConf) // only for upgrade_type: the timer installs whatever apply_updates says
		f.Auto.State, f.Auto.By = autoOn, "dnf-automatic-install.timer"+securityOnlyNote(automaticSetting(b, "upgrade_type"))
		return
	}
	for _, unit := range []string{"dnf-automatic.timer", "dnf5-automatic.timer"} {
		on, err := enabled(unit)
		if err != nil {
			f.Auto.Reason = "whether dnf-automatic's timer is enabled could not be read (" + probe.ErrorKind(err) + ")"
			return
		}
		if !on {
			continue
		}
		files := []string{dnfAutomaticConf}
		if unit == "dnf5-automatic.timer" {
			files = dnf5AutomaticFiles
		}
		var confs [][]byte
		for _, name := range files {
			b, err := p.ReadFile(name)
			if err != nil && !errors.Is(err, probe.ErrNotFound) {
				f.addError("automatic.conf", err)
				f.Auto.Reason = "dnf-automatic's settings (" + name + ") could not be read (" + probe.ErrorKind(err) + ")"
				return
			}
			confs = append(confs, b)
		}
		upgradeType := layeredSetting(confs, "upgrade_type")
		if applyUpdates(layeredSetting(confs, "apply_updates")) {
			f.Auto.State, f.Auto.By = autoOn, unit+" with apply_updates"+securityOnlyNote(upgradeType)
		} else {
			f.Auto.State, f.Auto.By = autoOff, unit+" only downloads: apply_updates is off in "+strings.Join(files, ", ")
		}
		return
	}
	f.Auto.State, f.Auto.By = autoOff, "dnf-automatic is not enabled"
}

// securityOnlyNote says, for automatic updates' By, what upgrade_type =
// security leaves out.
func securityOnlyNote(upgradeType string) string {
	if upgradeType != "security" {
		return ""
	}
	return "; security updates only, so web browsers from their makers' own repositories are not updated by it"
}

// applyUpdates reads automatic.conf's apply_updates value (off when
// absent).
func applyUpdates(value string) bool {
	switch value {
	case "yes", "true", "1", "on":
		return true
	}
	return false
}

// layeredSetting is a setting of automatic.conf's [commands] section as
// read from files in order, a later one's value overriding an earlier
// one's ("" when none sets it).
func layeredSetting(confs [][]byte, key string) string {
	value := ""
	for _, conf := range confs {
		if v := automaticSetting(conf, key); v != "" {
			value = v
		}
	}
	return value
}

// automaticSetting reads a setting of automatic.conf's [commands]
// section, in lower case ("" when absent).
func automaticSetting(conf []byte, key string) string {
	section := ""
	for line := range strings.Lines(string(conf)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok && section == "commands" && strings.TrimSpace(k) == key {
			return strings.ToLower(strings.TrimSpace(v))
		}
	}
	return ""
}
