package diskencryption

import (
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/procmounts"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// An encrypted / that unlocks at start with no passphrase from a key built
// into the start-up image (the initramfs, read before / is unlocked) is
// protected only as well as that image: on an unencrypted /boot, anyone
// holding the computer copies the key and reads the disk. The ways a key
// gets there, as the tools that build the image do it:
//
//   - Debian and Ubuntu (cryptsetup-initramfs): the crypttab key file of
//     a volume is copied into the image when it matches KEYFILE_PATTERN (a
//     shell pattern in /etc/cryptsetup-initramfs/conf-hook; unset by
//     default, and then / with a key file is skipped, as its hook says);
//   - mkinitcpio's encrypt hook: cryptkey=rootfs:PATH on the kernel's
//     command line is a file in the image;
//   - systemd in the image: rd.luks.key=PATH (for every volume, with no
//     :DEVICE after it) is a file in the image.
//
// A keyscript (a USB key, a smart card, a key derived from another volume)
// and unlocking with the TPM or a FIDO2 key are not key files. The image
// lives in /boot: on / itself (an encrypted /boot that GRUB unlocks, the
// reason to build the key in) or on a separate encrypted /boot, the key is
// as safe as the disk. A boot loader the firmware starts directly
// (systemd-boot, a unified kernel image, Pop!_OS's kernelstub) needs a
// copy on the EFI system partition, which is never encrypted.

// rootKey is what was seen of a key to / in the start-up image.
type rootKey struct {
	// InImage says how the key that unlocks / is built into the start-up
	// image: "keyfile_pattern", "cryptkey_rootfs" or "rd_luks_key"; empty
	// when it is not.
	InImage string `json:"in_image,omitempty"`
	// Boot is /boot when it is a filesystem of its own; nil when /boot is
	// on /. Read only when a key is in the image.
	Boot *volume `json:"boot,omitempty"`
	// ESP is the EFI system partition (/boot/efi or /efi) when it holds a
	// copy of the start-up image: systemd-boot's entries, unified kernel
	// images, or Pop!_OS's kernelstub copy (imageOnESP). Firmware reads it
	// unencrypted, whatever /boot is. Read only when a key is in the image.
	ESP *volume `json:"esp,omitempty"`
	// Unread says what could not be read to tell.
	Unread string `json:"unread,omitempty"`
}

// Where the ways in are configured.
const (
	crypttabPath = "/etc/crypttab"
	confHookPath = "/etc/cryptsetup-initramfs/conf-hook"
	cmdlinePath  = "/proc/cmdline"
)

// readRootKey looks for a key to / (whose crypt layer is mapped as name)
// built into the start-up image, and reads /boot when there is one.
func readRootKey(p probe.Probe, name string, mounts []mount, volumeFor func(string, mount) *volume) *rootKey {
	rk := &rootKey{}
	cmdline, err := p.ReadFile(cmdlinePath)
	if err != nil {
		rk.Unread = "the kernel's command line (" + cmdlinePath + "): " + err.Error()
		return rk
	}
	rk.InImage = keyOnCmdline(string(cmdline))
	if rk.InImage == "" {
		// Debian's hook first: only a KEYFILE_PATTERN makes crypttab's key
		// files matter (and elsewhere crypttab may be root's alone).
		hook, err := p.ReadFile(confHookPath)
		switch {
		case errors.Is(err, probe.ErrNotFound):
			return rk
		case err != nil:
			rk.Unread = confHookPath + ": " + err.Error()
			return rk
		}
		pat := keyfilePattern(string(hook))
		if pat == "" {
			return rk
		}
		tab, err := p.ReadFile(crypttabPath)
		switch {
		case errors.Is(err, probe.ErrNotFound):
			return rk
		case err != nil:
			rk.Unread = crypttabPath + ": " + err.Error()
			return rk
		}
		target, ok := mapperName(p, name)
		if !ok {
			rk.Unread = "the name /'s encrypted layer is mapped as (/sys/class/block/" + name + "/dm/name)"
			return rk
		}
		if key, ok := crypttabKeyFile(string(tab), target); ok && shellMatch(pat, key) {
			rk.InImage = "keyfile_pattern"
		}
	}
	if rk.InImage != "" {
		if m, ok := lastMountAt(mounts, "/boot"); ok {
			rk.Boot = volumeFor("/boot", m)
		}
		for _, esp := range espMounts {
			m, ok := lastMountAt(mounts, esp)
			if !ok {
				continue
			}
			holds, err := imageOnESP(p, esp)
			if err != nil {
				rk.Unread = "whether the EFI system partition (" + esp + ") holds the start-up files: " + err.Error()
				return rk
			}
			if holds {
				rk.ESP = volumeFor(esp, m)
				break
			}
		}
	}
	return rk
}

// espMounts are where Linux mounts the EFI system partition, when not at
// /boot itself.
var espMounts = []string{"/boot/efi", "/efi"}

// imageOnESP reports whether the EFI system partition mounted at esp holds
// a start-up image (an initramfs the firmware's boot loader hands the
// kernel): a systemd-boot entry with an initrd line (loader/entries),
// a unified kernel image (EFI/Linux/*.efi, the initramfs inside), or
// kernelstub's initrd.img in a folder of EFI (Pop!_OS). GRUB's files on
// the partition (its loader and a grub.cfg pointing at /boot) are not an
// image.
func imageOnESP(p probe.Probe, esp string) (bool, error) {
	list := func(dir string) ([]string, error) {
		names, err := p.ReadDir(dir)
		if errors.Is(err, probe.ErrNotFound) {
			return nil, nil
		}
		return names, err
	}
	entries, err := list(esp + "/loader/entries")
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e, ".conf") {
			continue
		}
		b, err := p.ReadFileHead(esp+"/loader/entries/"+e, 64<<10)
		if err != nil {
			return false, err
		}
		if loaderEntryHasInitrd(string(b)) {
			return true, nil
		}
	}
	ukis, err := list(esp + "/EFI/Linux")
	if err != nil {
		return false, err
	}
	if slices.ContainsFunc(ukis, func(n string) bool { return strings.HasSuffix(strings.ToLower(n), ".efi") }) {
		return true, nil
	}
	vendors, err := list(esp + "/EFI")
	if err != nil {
		return false, err
	}
	for _, v := range vendors {
		files, err := list(esp + "/EFI/" + v)
		if err != nil {
			return false, err
		}
		if slices.ContainsFunc(files, func(n string) bool { return strings.EqualFold(n, "initrd.img") }) {
			return true, nil
		}
	}
	return false, nil
}

// loaderEntryHasInitrd reports whether a boot loader entry (the Boot
// Loader Specification's type #1) loads an initrd.
func loaderEntryHasInitrd(entry string) bool {
	for line := range strings.Lines(entry) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "initrd" {
			return true
		}
	}
	return false
}

// mapperName is the device-mapper name of a crypt layer, which crypttab
// names it by: lsblk gives it; the sysfs walk gives the kernel's dm-N,
// whose dm/name holds it.
func mapperName(p probe.Probe, name string) (string, bool) {
	if !strings.HasPrefix(name, "dm-") {
		return name, name != ""
	}
	b, err := p.ReadFile("/sys/class/block/" + name + "/dm/name")
	target := strings.TrimSpace(string(b))
	return target, err == nil && target != ""
}

// keyOnCmdline finds a key file in the image named on the kernel's command
// line.
func keyOnCmdline(cmdline string) string {
	for _, arg := range strings.Fields(cmdline) {
		switch k, v, _ := strings.Cut(arg, "="); k {
		case "cryptkey":
			if strings.HasPrefix(v, "rootfs:") {
				return "cryptkey_rootfs"
			}
		case "rd.luks.key":
			// PATH or PATH:DEVICE for every volume; UUID=PATH[:DEVICE] for
			// one (which one is not followed here).
			if strings.HasPrefix(v, "/") && !strings.Contains(v, ":") {
				return "rd_luks_key"
			}
		}
	}
	return ""
}

// crypttabKeyFile returns the key file of the crypttab entry mapped as
// name, when it has one: a path other than none or -, with no keyscript
// (whose "key" is only its argument).
func crypttabKeyFile(tab, name string) (string, bool) {
	for line := range strings.Lines(tab) {
		fields := strings.Fields(line)
		if len(fields) < 3 || strings.HasPrefix(fields[0], "#") || procmounts.Unescape(fields[0]) != name {
			continue
		}
		key := procmounts.Unescape(fields[2])
		if key == "none" || key == "-" || !strings.HasPrefix(key, "/") {
			return "", false
		}
		if len(fields) > 3 {
			for _, opt := range strings.Split(fields[3], ",") {
				if strings.HasPrefix(opt, "keyscript=") {
					return "", false
				}
			}
		}
		return key, true
	}
	return "", false
}

// keyfilePattern is the KEYFILE_PATTERN conf-hook sets (the last
// assignment, its quotes removed), "" when unset or empty.
func keyfilePattern(hook string) string {
	pat := ""
	for line := range strings.Lines(hook) {
		l := strings.TrimSpace(line)
		v, ok := strings.CutPrefix(l, "KEYFILE_PATTERN=")
		if !ok {
			v, ok = strings.CutPrefix(l, "export KEYFILE_PATTERN=")
		}
		if !ok {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && strings.IndexByte(v[1:], v[0]) >= 0 {
			v = v[1 : 1+strings.IndexByte(v[1:], v[0])]
		} else if i := strings.IndexAny(v, " \t#;"); i >= 0 {
			v = v[:i]
		}
		pat = v
	}
	return pat
}

// shellMatch matches s against a shell case pattern: * any run of
// characters (slashes too), ? one, [...] a class ([!...] or [^...] its
// complement).
func shellMatch(pattern, s string) bool {
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		case '[':
			j := strings.IndexByte(pattern[i+1:], ']')
			if j < 0 {
				re.WriteString(`\[`)
				continue
			}
			class := pattern[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			re.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		case '\\':
			if i+1 < len(pattern) {
				i++
				re.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
			}
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString("$")
	ok, err := regexp.MatchString(re.String(), s)
	return err == nil && ok
}
