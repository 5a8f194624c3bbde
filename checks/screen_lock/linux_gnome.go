package screenlock

import (
	"errors"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Whether GNOME Shell has a lock screen (linuxFacts.GNOMEShellLock).
// GNOME Shell builds its lock screen only when LoginManager.canLock()
// says it can (js/ui/main.js, since GNOME 3.8): GDM answers on the system
// bus as org.gnome.DisplayManager and /run/systemd/seats exists, that is,
// systemd-logind or elogind runs (js/misc/loginManager.js, canLock and
// haveSystemd, since 3.14). Started from SDDM, LightDM, greetd, ly or a
// text console with no GDM running, or without logind, GNOME Shell has no
// lock screen at all, whatever its settings say.
const (
	// shellLockGDMSession: GDM started the session (logind's Service is
	// one of GDM's PAM services), so it ran when GNOME Shell started.
	shellLockGDMSession = "gdm_session"
	// shellLockGDMRunning: GDM's daemon runs (as root).
	shellLockGDMRunning = "gdm_running"
	// shellLockNoGDM: GNOME Shell runs for the person and GDM does not.
	shellLockNoGDM = "no_gdm"
	// shellLockNoLogind: /run/systemd/seats does not exist.
	shellLockNoLogind = "no_logind"
	// shellLockNotShell: the desktop is not GNOME Shell (GNOME Flashback,
	// Unity, Pantheon read GNOME's settings with their own locker).
	shellLockNotShell = "not_gnome_shell"
)

// logindSeatsDir is what GNOME Shell's haveSystemd() looks for; logind
// creates it when it starts.
const logindSeatsDir = "/run/systemd/seats"

// gdmDaemons are the names GDM's daemon runs under: gdm (Fedora, Arch,
// upstream) or gdm3 (Debian, Ubuntu).
var gdmDaemons = []string{"gdm", "gdm3"}

// isGDMService reports whether logind's Service of a session is one of
// the PAM services GDM starts sessions through (gdm-password,
// gdm-autologin, gdm-fingerprint, gdm-smartcard).
func isGDMService(service string) bool { return strings.HasPrefix(service, "gdm-") }

// readGNOMEShellLock finds whether GNOME Shell has a lock screen
// (GNOMEShellLock; left empty, with the error noted, when that cannot be
// told): logind runs (a display session logind named shows it; else
// /run/systemd/seats), GDM started the session (loginctl's Service, read
// with the session's desktop by linuxSession) or
// runs (its daemon, as root, in the process list), and GNOME Shell is
// the desktop (gnome-shell among the person's processes).
func readGNOMEShellLock(p probe.Probe, u probe.User, sessionID string, lf *linuxFacts, f *facts) {
	if sessionID == "" {
		switch _, err := p.ReadDir(logindSeatsDir); {
		case errors.Is(err, probe.ErrNotFound):
			lf.GNOMEShellLock = shellLockNoLogind
		case err != nil:
			f.addError("logind seats", err)
			return
		}
	} else if isGDMService(lf.SessionService) {
		// Read with the session's desktop (linuxSession).
		lf.GNOMEShellLock = shellLockGDMSession
		return
	}
	procs, err := p.Processes()
	if err != nil {
		f.addError("process list", err)
		return
	}
	// Root's processes are seen only when other accounts' are (hidepid).
	rootSeen, gdmRuns := false, false
	for _, pr := range procs {
		gdm := namesOneOf(procName(pr), gdmDaemons)
		if rootSeen && !gdm {
			continue
		}
		if pr.Owner() == "root" {
			rootSeen, gdmRuns = true, gdmRuns || gdm
		}
	}
	mine := userProcesses(procs, u)
	shell := false
	for _, pr := range mine {
		shell = shell || procName(pr) == "gnome-shell"
	}
	switch {
	case !shell && (rootSeen || len(mine) > 0):
		lf.GNOMEShellLock = shellLockNotShell
	case !shell:
		f.Errors = append(f.Errors, "process list: GNOME Shell not seen")
	case lf.GNOMEShellLock == shellLockNoLogind:
	case gdmRuns:
		lf.GNOMEShellLock = shellLockGDMRunning
	case rootSeen:
		lf.GNOMEShellLock = shellLockNoGDM
	default:
		f.Errors = append(f.Errors, "process list: other accounts' processes not visible")
	}
}
