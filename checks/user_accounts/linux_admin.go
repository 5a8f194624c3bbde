package useraccounts

import (
	"errors"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// The parts of the Linux administrator question, each a checks.Result so
// checks.AllOf combines them: Fail means "this source makes the person at
// the screen an administrator" (which decides even when another source
// could not be read), Unknown that a source exists but could not be read,
// Pass that it was read and grants nothing, NotApplicable that it is not
// there (sudo, doas or polkit not installed).
func adminPart(source string, via string, err error) checks.Result {
	switch {
	case via != "":
		return checks.Result{Status: checks.Fail, Summary: via, Reason: source}
	case err != nil:
		return checks.Result{Status: checks.Unknown, Summary: source, Reason: source + ": " + probe.ErrorKind(err)}
	}
	return checks.Result{Status: checks.Pass, Summary: source}
}

var notInstalled = checks.Result{Status: checks.NotApplicable}

// rootOnlyFix is the fix when a root-only admin source could not be read.
const rootOnlyFix = "SessionGuard could not read who may act as administrator (/etc/sudoers, /etc/doas.conf or the polkit rules can only be read by root): let the SessionGuard service run the check (it runs as root), or run `sudo sessionguard check`."

// linuxAdminSources judges sudoers, doas and polkit for the identity and
// returns one part per source, and the kinds of grant found.
func linuxAdminSources(p probe.Probe, root string, id identity) []checks.Result {
	return []checks.Result{sudoersPart(p, root, id), doasPart(p, root, id), polkitPart(p, root, id)}
}

// sudoersPart reads /etc/sudoers and what it includes.
func sudoersPart(p probe.Probe, root string, id identity) checks.Result {
	source := "/etc/sudoers"
	b, err := p.ReadFile(unixlogin.Under(root, source))
	if errors.Is(err, probe.ErrNotFound) {
		// openSUSE ships the distribution's sudoers in /usr/etc; sudo
		// reads it when /etc/sudoers is absent.
		source = "/usr/etc/sudoers"
		b, err = p.ReadFile(unixlogin.Under(root, source))
	}
	if errors.Is(err, probe.ErrNotFound) {
		return notInstalled
	}
	if err != nil {
		return adminPart(source, "", err)
	}
	s := newSudoers()
	var readErr error
	failed := source
	var include func(file string, b []byte, depth int)
	include = func(file string, b []byte, depth int) {
		for _, inc := range s.Parse(b) {
			if depth > 8 || readErr != nil {
				return
			}
			target := inc.Path
			if strings.Contains(target, "%") {
				continue // %h (host name) includes are not followed
			}
			if !strings.HasPrefix(target, "/") {
				target = path.Join(path.Dir(file), target)
			}
			if !inc.Dir {
				b, err := p.ReadFile(unixlogin.Under(root, target))
				switch {
				case errors.Is(err, probe.ErrNotFound):
				case err != nil:
					readErr, failed = err, target
				default:
					include(target, b, depth+1)
				}
				continue
			}
			names, err := p.ReadDir(unixlogin.Under(root, target))
			if errors.Is(err, probe.ErrNotFound) {
				continue
			}
			if err != nil {
				readErr, failed = err, target
				return
			}
			slices.Sort(names)
			for _, n := range names {
				if !sudoersDirFile(n) {
					continue
				}
				b, err := p.ReadFile(unixlogin.Under(root, target+"/"+n))
				switch {
				case errors.Is(err, probe.ErrNotFound):
				case err != nil:
					readErr, failed = err, target+"/"+n
					return
				default:
					include(target+"/"+n, b, depth+1)
				}
			}
		}
	}
	include(source, b, 0)
	// A grant already read decides; an unread include leaves it open.
	if via := s.AdminVia(id); via != "" {
		return adminPart(source, via, nil)
	}
	if readErr != nil {
		return adminPart(failed, "", readErr)
	}
	return adminPart(source, "", nil)
}

// doasPart reads /etc/doas.conf.
func doasPart(p probe.Probe, root string, id identity) checks.Result {
	const source = "/etc/doas.conf"
	b, err := p.ReadFile(unixlogin.Under(root, source))
	if errors.Is(err, probe.ErrNotFound) {
		return notInstalled
	}
	if err != nil {
		return adminPart(source, "", err)
	}
	return adminPart(source, doasAdminVia(b, id), nil)
}

// polkitPart reads the polkit rules (/etc/polkit-1/rules.d overrides a file
// of the same name in /usr/share/polkit-1/rules.d) and the old
// localauthority AdminIdentities. Every identity any admin rule names
// counts: a rule that applies only to some actions still gives its members
// the administrator password prompt for those.
func polkitPart(p probe.Probe, root string, id identity) checks.Result {
	const source = "polkit rules"
	files := map[string]string{}
	present := false
	var firstErr error
	failed := source
	for _, dir := range []string{"/usr/share/polkit-1/rules.d", "/etc/polkit-1/rules.d"} {
		names, err := p.ReadDir(unixlogin.Under(root, dir))
		if errors.Is(err, probe.ErrNotFound) {
			continue
		}
		present = true
		if err != nil {
			if firstErr == nil {
				firstErr, failed = err, dir
			}
			continue
		}
		for _, n := range names {
			if strings.HasSuffix(n, ".rules") {
				files[n] = dir + "/" + n
			}
		}
	}
	via := ""
	for _, n := range slices.Sorted(maps.Keys(files)) {
		b, err := p.ReadFile(unixlogin.Under(root, files[n]))
		if errors.Is(err, probe.ErrNotFound) {
			continue
		}
		if err != nil {
			if firstErr == nil {
				firstErr, failed = err, files[n]
			}
			continue
		}
		pf := polkitRules(b)
		via = pick(via, polkitMatch(pf.admin, id))
		if polkitMatch(pf.allowAll, id) != "" {
			via = pick(via, viaPolkitRule)
		}
		if pf.dynamic && firstErr == nil {
			firstErr, failed = errors.New("administrator identities built at run time: not recognised"), files[n]
		}
		if polkitMatch(pf.unclear, id) != "" && firstErr == nil {
			firstErr, failed = errors.New("a rule lets you act without the administrator's password on actions it picks by a test not recognised"), files[n]
		}
	}
	// polkit before 0.106 (Debian until 12, Ubuntu until 23.04): the
	// localauthority AdminIdentities; the last file that sets it wins.
	for _, dir := range []string{"/etc/polkit-1/localauthority.conf.d"} {
		confs, err := confDir(p, unixlogin.Under(root, dir))
		if err != nil {
			present = true
			if firstErr == nil {
				firstErr, failed = err, dir
			}
			continue
		}
		var ids []string
		for _, c := range confs {
			b, err := p.ReadFile(c)
			if err != nil {
				if !errors.Is(err, probe.ErrNotFound) && firstErr == nil {
					firstErr, failed = err, c
				}
				continue
			}
			present = true
			if got, set := polkitAdminIdentities(b); set {
				ids = got
			}
		}
		via = pick(via, polkitMatch(ids, id))
	}
	if !present && len(files) == 0 {
		return notInstalled
	}
	if via != "" {
		return adminPart(source, via, nil)
	}
	if firstErr != nil {
		return adminPart(failed, "", firstErr)
	}
	return adminPart(source, "", nil)
}
