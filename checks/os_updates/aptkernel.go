package osupdates

import (
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// A restart on apt systems. /run/reboot-required is written only by hooks
// that not every system has: on Debian unattended-upgrades' kernel hook
// (/etc/kernel/postinst.d/unattended-upgrades), on Ubuntu also
// update-notifier's. Without one, a kernel updated by hand or by GNOME
// Software leaves no flag, and the old kernel runs on. So the kernel is
// compared too:
//   - a kernel of the running one's flavour (the part after its ABI,
//     "amd64", "cloud-amd64", "generic") with a newer release has its
//     modules in /lib/modules (/usr/lib/modules): installed, not running;
//   - the running release's own modules gone while others of its flavour
//     are there: the running kernel was updated and removed;
//   - the running release's package (linux-image-<release>) installed at
//     another version than the one running, which Debian's /proc/version
//     names ("… Debian 6.1.76-1 (2024-02-01)"): rebuilt within its ABI.
//
// Any of them means the computer runs an older kernel than it has
// installed: a restart is due. None of them, with the running release
// among the modules, means no restart is due for the kernel. Modules of
// no kernel at all (a container, whose kernel is its host's) tell
// nothing.

// Where the kernel's modules and build are read.
const (
	modulesDir    = "/lib/modules"
	modulesDirUsr = "/usr/lib/modules"
	procVersion   = "/proc/version"
)

// aptRestartHooks write /run/reboot-required after a kernel is installed.
var aptRestartHooks = []string{
	"/etc/kernel/postinst.d/unattended-upgrades",
	"/etc/kernel/postinst.d/update-notifier",
}

// kernelRelease splits a Debian or Ubuntu kernel release ("6.1.0-18-amd64",
// "6.8.0-45-generic") into its version and ABI ("6.1.0-18") and flavour.
var debKernelRelease = regexp.MustCompile(`^(\d+\.\d+\.\d+-\d+)-([a-z0-9][a-z0-9-]*)$`)

// debianBuild is the package version a Debian kernel names in
// /proc/version, the last "Debian X": the compiler's comes first
// ("(gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, …) #1 SMP PREEMPT_DYNAMIC
// Debian 6.1.192-3 (2026-11-26)").
var debianBuild = regexp.MustCompile(`\bDebian ([0-9][^\s()]*) \(`)

// kernelPackages are the packages that install a kernel release's
// modules: Debian's and Ubuntu's linux-image-<release>, Ubuntu's unsigned
// image and its separate modules package.
var kernelPackages = []string{"linux-image-", "linux-image-unsigned-", "linux-modules-"}

// kernelVersions picks dpkg's installed kernel packages (linux-…) out of
// versions, keyed by name and architecture, by name alone: one pass, and
// the look-ups after it are the map's.
func kernelVersions(versions map[string]string) map[string]string {
	out := map[string]string{}
	for key, v := range versions {
		if name, _, _ := strings.Cut(key, "\x00"); strings.HasPrefix(name, "linux-") {
			out[name] = v
		}
	}
	return out
}

// kernelInstalled reports whether a package installing release's
// modules is installed (kernels by name: kernelVersions): a modules
// folder left behind by a removed kernel (DKMS leaves its builds) is no
// kernel.
func kernelInstalled(kernels map[string]string, release string) bool {
	return slices.ContainsFunc(kernelPackages, func(prefix string) bool { return kernels[prefix+release] != "" })
}

// kernelRestart says whether the running kernel release is older than
// what is installed: required, not_required, or "" when nothing tells.
// modules lists /lib/modules, those of kernels dpkg has installed; build
// is the running kernel's package version from /proc/version ("" when
// not named); installed is dpkg's version of its linux-image package (""
// when not installed). by says which way it was told.
func kernelRestart(release string, modules []string, build, installed string) (state, by string) {
	m := debKernelRelease.FindStringSubmatch(release)
	if m == nil {
		return "", ""
	}
	abi, flavour := m[1], m[2]
	running, others := false, false
	newest := ""
	for _, dir := range modules {
		d := debKernelRelease.FindStringSubmatch(dir)
		if d == nil || d[2] != flavour {
			continue
		}
		if dir == release {
			running = true
			continue
		}
		others = true
		if compareDebVersions(d[1], abi) > 0 && (newest == "" || compareDebVersions(d[1], newest) > 0) {
			newest = d[1]
		}
	}
	switch {
	case newest != "":
		return rebootIsRequired, "a newer kernel (" + newest + "-" + flavour + ") is installed than the one running (" + release + ")"
	case !running && others:
		return rebootIsRequired, "the running kernel (" + release + ") was updated and removed"
	case running && build != "" && installed != "" && installed != build:
		return rebootIsRequired, "the running kernel's package was updated (" + build + " runs, " + installed + " is installed)"
	case running:
		return rebootNotRequired, "the newest installed kernel runs"
	}
	return "", ""
}

// aptRestart judges a restart on an apt system whose restart flag is not
// there: due when the kernel says so; not due when the kernel's modules
// show the newest kernel running, or a hook would have written the flag.
func aptRestart(p probe.Probe, f *facts, versions map[string]string) {
	release := strings.TrimPrefix(f.Release.Build, "kernel ")
	var state, by string
	if f.kernelErr == nil && release != f.Release.Build {
		modules, err := p.ReadDir(modulesDir)
		if errors.Is(err, probe.ErrNotFound) {
			modules, err = p.ReadDir(modulesDirUsr)
		}
		if err == nil {
			build := ""
			if b, err := p.ReadFileHead(procVersion, 512); err == nil {
				if all := debianBuild.FindAllSubmatch(b, -1); len(all) > 0 {
					build = string(all[len(all)-1][1])
				}
			}
			// The running release's folder stays even if its package went
			// (a kernel runs on after its removal); the others count only
			// with their package installed.
			kernels := kernelVersions(versions)
			modules = slices.DeleteFunc(modules, func(m string) bool { return m != release && !kernelInstalled(kernels, m) })
			state, by = kernelRestart(release, modules, build, kernels["linux-image-"+release])
		}
	}
	switch {
	case state == rebootIsRequired:
		f.Updates.Reboot, f.Updates.RebootBy = rebootIsRequired, by
	case state == rebootNotRequired || restartHookInstalled(p):
		f.Updates.Reboot = rebootNotRequired
	}
}

// restartHookInstalled reports whether a hook that writes
// /run/reboot-required after a kernel install is there (read only when
// the kernels did not already tell).
func restartHookInstalled(p probe.Probe) bool {
	return slices.ContainsFunc(aptRestartHooks, func(h string) bool {
		_, err := p.ReadFileHead(h, 1)
		return err == nil
	})
}
