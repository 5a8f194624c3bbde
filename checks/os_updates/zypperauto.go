package osupdates

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// openSUSE's ways of installing updates by themselves, read from files
// (no systemctl: enablement is the links `systemctl enable` makes):
//
//   - transactional-update.timer (MicroOS, Aeon, Kalpa, Leap Micro: daily
//     `transactional-update dup|up` into a new snapshot) and os-update.timer
//     (package os-update: daily `zypper dup|up|patch`), enabled by a link in
//     timers.target.wants, the unit installed and not masked;
//   - YaST Online Update Configuration's automatic online update: a link
//     /etc/cron.{daily,weekly,monthly}/opensuse.org-online_update to
//     /usr/lib/YaST2/bin/online_update, which runs `zypper patch` only when
//     AOU_ENABLE_CRONJOB="true" in /etc/sysconfig/automatic_online_update
//     and, with AOU_PATCH_CATEGORIES set, only for those categories.
var (
	zypperTimers    = []string{"transactional-update.timer", "os-update.timer"}
	timerWants      = []string{"/etc/systemd/system/timers.target.wants", "/usr/lib/systemd/system/timers.target.wants"}
	unitDirs        = []string{"/etc/systemd/system", "/usr/lib/systemd/system"}
	aouCronJobs     = []string{"/etc/cron.daily/opensuse.org-online_update", "/etc/cron.weekly/opensuse.org-online_update", "/etc/cron.monthly/opensuse.org-online_update"}
	aouSysconfig    = "/etc/sysconfig/automatic_online_update"
	cronServiceWant = "/etc/systemd/system/multi-user.target.wants"
	cronServices    = []string{"cron.service", "crond.service"}
	// cronDaemons are the programs that run /etc/cron.daily: Debian's
	// cron, cronie's and busybox's crond, fcron, bcron, and anacron
	// while it runs.
	cronDaemons = []string{"cron", "crond", "fcron", "bcron-sched", "anacron"}
)

// zypperAuto judges openSUSE's automatic updates: a timer that updates the
// system, else YaST's automatic online update, else off. What cannot be
// read leaves it unknown with the reason.
func zypperAuto(p probe.Probe, f *facts) {
	_, err := p.ReadDir("/run/systemd/system")
	systemd := err == nil
	if systemd {
		unit, masked, err := enabledUnit(p, timerWants, zypperTimers)
		if err != nil {
			f.addError("systemd timers", err)
			f.Auto.Reason = "whether openSUSE's update timers are enabled could not be read (" + probe.ErrorKind(err) + ")"
			return
		}
		if unit != "" {
			f.Auto.State, f.Auto.By = autoOn, unit
			return
		}
		defer func() {
			if f.Auto.State == autoOff && masked != "" {
				f.Auto.By = masked + " is enabled but masked, so it never runs"
			}
		}()
	}
	job := ""
	for _, j := range aouCronJobs {
		switch _, err := p.ReadFileHead(j, 1); {
		case err == nil:
			job = j
		case !errors.Is(err, probe.ErrNotFound):
			f.addError("online update cron job", err)
			f.Auto.Reason = "YaST's automatic online update job could not be read (" + probe.ErrorKind(err) + ")"
			return
		}
		if job != "" {
			break
		}
	}
	if job == "" {
		f.Auto.State, f.Auto.By = autoOff, "no automatic update is set up (YaST's automatic online update, os-update.timer or transactional-update.timer)"
		if !systemd {
			f.Auto.By = "no automatic update is set up (YaST's automatic online update), and without systemd no update timer runs"
		}
		return
	}
	conf, err := p.ReadFile(aouSysconfig)
	if err != nil && !errors.Is(err, probe.ErrNotFound) {
		f.addError("automatic_online_update", err)
		f.Auto.Reason = "YaST's automatic online update settings could not be read (" + probe.ErrorKind(err) + ")"
		return
	}
	interval := path.Base(path.Dir(job))[len("cron."):]
	if off := judgeAOU(probe.ParseOSRelease(conf), interval); off != "" {
		f.Auto.State, f.Auto.By = autoOff, off
		return
	}
	if runs, err := cronRuns(p, systemd); err != nil {
		f.addError("cron", err)
		f.Auto.Reason = "whether cron runs YaST's automatic online update could not be read (" + probe.ErrorKind(err) + ")"
		return
	} else if !runs {
		f.Auto.State, f.Auto.By = autoOff, "YaST's automatic online update is a cron job, but no cron service is enabled to run it"
		return
	}
	f.Auto.State, f.Auto.By = autoOn, "YaST automatic online update, "+interval
}

// judgeAOU says why YaST's automatic online update installs no security
// patches (empty when it does): online_update runs only when
// AOU_ENABLE_CRONJOB is exactly "true", only the AOU_PATCH_CATEGORIES
// given, and a monthly run is slower than the 14 days patches get.
func judgeAOU(vals map[string]string, interval string) string {
	if v := vals["AOU_ENABLE_CRONJOB"]; v != "true" {
		return fmt.Sprintf("YaST's automatic online update is switched off (AOU_ENABLE_CRONJOB=%q in %s)", v, aouSysconfig)
	}
	if cats := strings.Fields(vals["AOU_PATCH_CATEGORIES"]); len(cats) > 0 && !slices.Contains(cats, "security") {
		return "YaST's automatic online update installs only " + strings.Join(cats, ", ") + " patches, not security ones"
	}
	if interval == "monthly" {
		return "YaST's automatic online update runs only monthly, too seldom for security patches"
	}
	return ""
}

// enabledUnit returns the first of units that is enabled (linked in one
// of the wants folders), installed and not masked; "" when none is, and
// then masked names one that is enabled but masked. A folder or unit that
// cannot be read is an error.
func enabledUnit(p probe.Probe, wants, units []string) (unit, masked string, err error) {
	for _, u := range units {
		linked := false
		for _, dir := range wants {
			names, err := p.ReadDir(dir)
			if err != nil && !errors.Is(err, probe.ErrNotFound) {
				return "", "", err
			}
			linked = linked || slices.Contains(names, u)
		}
		if !linked {
			continue
		}
		ok, isMasked, err := unitUsable(p, u)
		switch {
		case err != nil:
			return "", "", err
		case ok:
			return u, "", nil
		case isMasked && masked == "":
			masked = u
		}
	}
	return "", masked, nil
}

// unitUsable: the unit file is installed, and not masked. systemd masks a
// unit whose file in /etc/systemd/system is a link to /dev/null (a device
// the probe refuses to read) or empty; the first folder holding the unit
// wins.
func unitUsable(p probe.Probe, unit string) (ok, masked bool, err error) {
	for _, dir := range unitDirs {
		b, err := p.ReadFileHead(path.Join(dir, unit), 1)
		switch {
		case errors.Is(err, probe.ErrNotFound):
			continue
		case err != nil:
			if dir == unitDirs[0] && !errors.Is(err, probe.ErrAccessDenied) {
				return false, true, nil // /dev/null: a device, refused
			}
			return false, false, err
		}
		return len(b) > 0, len(b) == 0, nil
	}
	return false, false, nil
}

// cronRuns: with systemd, cron.service (cronie) is enabled; without it,
// a cron daemon runs (the process list): one that is installed but not
// started runs nothing, which in containers and on sysvinit systems set
// up without cron is what happens.
func cronRuns(p probe.Probe, systemd bool) (bool, error) {
	if systemd {
		names, err := p.ReadDir(cronServiceWant)
		if err != nil && !errors.Is(err, probe.ErrNotFound) {
			return false, err
		}
		for _, s := range cronServices {
			if slices.Contains(names, s) {
				if ok, _, err := unitUsable(p, s); ok || err != nil {
					return ok, err
				}
			}
		}
		return false, nil
	}
	procs, err := p.Processes()
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(procs, func(pr probe.Process) bool { return slices.Contains(cronDaemons, pr.Name) }), nil
}
