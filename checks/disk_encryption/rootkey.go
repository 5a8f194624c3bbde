package diskencryption

import (
	"context"
	"errors"
	"fmt"
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
	// image: "keyfile_pattern", "cryptkey_rootfs", "rd_luks_key",
	// "luks_key" or "crypttab_initramfs"; empty when it is not.
	InImage string `json:"in_image,omitempty"`
	// Boot is /boot when it is a filesystem of its own; nil when /boot is
	// on /. Read only when a key is in the image.
	Boot *volume `json:"boot,omitempty"`
	// ESP is the EFI system partition (/boot/efi or /efi) when it holds a
	// copy of the start-up image: systemd-boot's entries, unified kernel
	// images, or Pop!_OS's kernelstub copy (imageOnESP). Firmware reads it
	// unencrypted, whatever /boot is. Read only when a key is in the image.
	ESP *volume `json:"esp,omitempty"`
	// KeyDevice is where a key file named with a device (rd.luks.key=
	// PATH:DEVICE, cryptkey=DEVICE:…, a crypttab.initramfs key on a
	// device) is read from at start: "/boot" or the EFI system
	// partition's mount point, whose volume is then in Boot or ESP, or
	// "another device". Empty when no key is read from a device.
	KeyDevice string `json:"key_device,omitempty"`
	// Unread says what could not be read to tell.
	Unread string `json:"unread,omitempty"`
}

// Where the ways in are configured.
const (
	crypttabPath = "/etc/crypttab"
	// crypttabInitramfsPath is what mkinitcpio's sd-encrypt hook puts
	// into the image as its /etc/crypttab.
	crypttabInitramfsPath = "/etc/crypttab.initramfs"
	confHookPath          = "/etc/cryptsetup-initramfs/conf-hook"
	cmdlinePath           = "/proc/cmdline"
)

// readRootKey looks for a key to / (whose crypt layer is mapped as name)
// built into the start-up image or read at start from a device, and reads
// the filesystem that holds it (/boot, the EFI system partition).
func readRootKey(ctx context.Context, p probe.Probe, name string, mounts []mount, volumeFor func(string, mount) *volume) *rootKey {
	rk := &rootKey{}
	raw, err := p.ReadFile(cmdlinePath)
	if err != nil {
		rk.Unread = "the kernel's command line (" + cmdlinePath + "): " + err.Error()
		return rk
	}
	cmdline := string(raw)
	// The mapper name and the LUKS UUID of /'s crypt layer, asked for only
	// when a setting names one volume.
	target := func() (string, bool) { return mapperName(p, name) }
	use := keyOnCmdline(cmdline, func() string { return rootLUKSUUID(p, name, cmdline) })
	if use.isNone() {
		// mkinitcpio's sd-encrypt puts crypttab.initramfs into the image
		// as its /etc/crypttab: a key file it names for / is read there.
		tab, err := p.ReadFile(crypttabInitramfsPath)
		switch {
		case errors.Is(err, probe.ErrNotFound):
		case err != nil:
			rk.Unread = crypttabInitramfsPath + ": " + err.Error()
			return rk
		default:
			t, ok := target()
			if !ok {
				rk.Unread = "the name /'s encrypted layer is mapped as (/sys/class/block/" + name + "/dm/name)"
				return rk
			}
			if key, ok := crypttabKeyFile(string(tab), t); ok {
				use = keyUse{kind: "crypttab_initramfs"}
				if _, dev := splitKeyLocation(key); dev != "" {
					use = keyUse{device: dev}
				}
			}
		}
	}
	if use.isNone() {
		// Debian's hook last: only a KEYFILE_PATTERN makes crypttab's key
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
		t, ok := target()
		if !ok {
			rk.Unread = "the name /'s encrypted layer is mapped as (/sys/class/block/" + name + "/dm/name)"
			return rk
		}
		if key, ok := crypttabKeyFile(string(tab), t); ok && shellMatch(pat, key) {
			use = keyUse{kind: "keyfile_pattern"}
		}
	}
	switch {
	case use.unsure != "":
		rk.Unread = use.unsure
	case use.device != "":
		readKeyDevice(ctx, p, rk, use.device, mounts, volumeFor)
	case use.kind != "":
		rk.InImage = use.kind
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

// keyDeviceOther is rootKey.KeyDevice for a device that is neither /boot
// nor the EFI system partition.
const keyDeviceOther = "another device"

// readKeyDevice finds which filesystem the device a key file is read from
// at start is (dev as the setting names it: LABEL=, UUID=, PARTUUID=,
// PARTLABEL=, a /dev path), among /boot and the EFI system partition; the
// device names are never kept (a label can be a person's name).
func readKeyDevice(ctx context.Context, p probe.Probe, rk *rootKey, dev string, mounts []mount, volumeFor func(string, mount) *volume) {
	tag, want := deviceTag(dev)
	for _, at := range append([]string{"/boot"}, espMounts...) {
		m, ok := lastMountAt(mounts, at)
		if !ok || !strings.HasPrefix(m.Source, "/dev/") {
			continue
		}
		match := tag == "" && m.Source == want
		if tag != "" {
			out, err := runBlkid(ctx, p, m.Source)
			if err == nil && out.ExitCode != 0 {
				err = fmt.Errorf("exit status %d", out.ExitCode)
			}
			if err != nil {
				rk.Unread = "which device the key to the system disk is read from at start (blkid " + at + "): " + probe.ErrorKind(err)
				return
			}
			match = tagMatches(tag, want, blkidTags(out.Stdout)[tag])
		}
		if match {
			rk.KeyDevice = at
			if at == "/boot" {
				rk.Boot = volumeFor(at, m)
			} else {
				rk.ESP = volumeFor(at, m)
			}
			return
		}
	}
	rk.KeyDevice = keyDeviceOther
}

// deviceTag splits a device as crypttab and the kernel's command line name
// it into the blkid tag to compare and its value; a /dev path that is not
// a /dev/disk/by-* link has no tag and is compared as it is.
func deviceTag(dev string) (tag, value string) {
	for _, t := range []struct{ prefix, link, tag string }{
		{"UUID=", "/dev/disk/by-uuid/", "UUID"},
		{"LABEL=", "/dev/disk/by-label/", "LABEL"},
		{"PARTUUID=", "/dev/disk/by-partuuid/", "PART_ENTRY_UUID"},
		{"PARTLABEL=", "/dev/disk/by-partlabel/", "PART_ENTRY_NAME"},
	} {
		if v, ok := strings.CutPrefix(dev, t.prefix); ok {
			return t.tag, strings.Trim(v, `"`)
		}
		if v, ok := strings.CutPrefix(dev, t.link); ok {
			return t.tag, v
		}
	}
	return "", dev
}

// tagMatches compares a device's blkid tag with the value a setting names:
// UUIDs regardless of case, and by their beginning as dracut accepts it.
func tagMatches(tag, want, have string) bool {
	if have == "" || want == "" {
		return false
	}
	if tag == "UUID" || tag == "PART_ENTRY_UUID" {
		return strings.HasPrefix(strings.ToLower(have), strings.ToLower(want))
	}
	return have == want
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

// keyUse is what the start-up settings say of a key to /: a key file
// built into the image (kind: "cryptkey_rootfs", "rd_luks_key",
// "luks_key", "crypttab_initramfs", "keyfile_pattern"), a key file read
// from a device at start (device, as named), or a key for one volume that
// could not be told to be /'s or not (unsure, why). All empty: none.
type keyUse struct {
	kind, device, unsure string
}

func (u keyUse) isNone() bool { return u == keyUse{} }

// keyOnCmdline finds a key to / named on the kernel's command line.
// rootUUID gives /'s LUKS UUID (lower case, no dashes; "" when not known)
// and is asked only when a setting names one volume.
//
//   - mkinitcpio's encrypt hook: cryptkey=rootfs:PATH is a file in the
//     image; cryptkey=DEVICE:FSTYPE:PATH (or DEVICE:OFFSET:SIZE) is read
//     from DEVICE.
//   - systemd-cryptsetup-generator(8): luks.key= and rd.luks.key= (the
//     generator strips rd. in the initrd, so both count there) take PATH
//     for every volume, or UUID=PATH[:DEVICE] for the LUKS volume with
//     that UUID; a DEVICE is mounted and PATH read from it.
//   - dracut's crypt module (dracut.cmdline(7)): rd.luks.key=PATH:DEVICE
//     [:LUKSDEV] reads PATH from DEVICE, for LUKSDEV only when given.
func keyOnCmdline(cmdline string, rootUUID func() string) keyUse {
	var found, unsure keyUse
	note := func(u keyUse) {
		switch {
		case u.unsure != "":
			if unsure.isNone() {
				unsure = u
			}
		case found.isNone() || (found.device != "" && u.kind != ""):
			// A key in the image is the surest finding.
			found = u
		}
	}
	// forRoot tells whether a setting for the volume with uuid is /'s.
	forRoot := func(uuid, setting string) (yes bool, why string) {
		root := rootUUID()
		switch {
		case root == "":
			return false, "whether " + setting + " on the kernel's command line is for the system disk: its LUKS UUID could not be read"
		case strings.HasPrefix(root, uuid):
			return true, ""
		}
		return false, ""
	}
	for _, arg := range strings.Fields(cmdline) {
		k, v, _ := strings.Cut(arg, "=")
		switch k {
		case "cryptkey":
			if strings.HasPrefix(v, "rootfs:") {
				note(keyUse{kind: "cryptkey_rootfs"})
			} else if dev, _, ok := strings.Cut(v, ":"); ok && dev != "" {
				note(keyUse{device: dev})
			}
		case "rd.luks.key", "luks.key":
			kind := strings.ReplaceAll(k, ".", "_")
			if uuid, spec, ok := perVolume(v); ok {
				if uuid == "" {
					continue // not a UUID: systemd ignores it
				}
				yes, why := forRoot(uuid, k+"=")
				if why != "" {
					note(keyUse{unsure: why})
				} else if yes {
					if _, dev := splitKeyLocation(spec); dev != "" {
						note(keyUse{device: dev})
					} else {
						note(keyUse{kind: kind})
					}
				}
				continue
			}
			if !strings.HasPrefix(v, "/") {
				continue
			}
			parts := strings.SplitN(v, ":", 3)
			if len(parts) == 3 && parts[2] != "" {
				// dracut's LUKSDEV: the key is for that volume only.
				uuid := luksUUIDOf(parts[2])
				if uuid == "" {
					note(keyUse{unsure: "whether " + k + "= on the kernel's command line is for the system disk: the volume it names is not given by its UUID"})
					continue
				}
				yes, why := forRoot(uuid, k+"=")
				if why != "" {
					note(keyUse{unsure: why})
					continue
				}
				if !yes {
					continue
				}
			}
			if len(parts) >= 2 && parts[1] != "" {
				note(keyUse{device: parts[1]})
			} else {
				note(keyUse{kind: kind})
			}
		}
	}
	if !found.isNone() {
		return found
	}
	return unsure
}

// perVolume splits a luks.key= value of the UUID=PATH form, as
// systemd-cryptsetup-generator does (letters, digits and dashes up to an
// "="); uuid is "" when they are not a valid UUID. ok is false for the
// PATH form.
func perVolume(v string) (uuid, spec string, ok bool) {
	n := strings.IndexFunc(v, func(r rune) bool {
		return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	if n < 0 || v[n] != '=' {
		return "", "", false
	}
	return normalUUID(v[:n]), v[n+1:], true
}

// normalUUID is a UUID in lower case without dashes, "" when s is not
// one (32 hex digits, dashes allowed between them).
func normalUUID(s string) string {
	u := strings.ToLower(strings.ReplaceAll(s, "-", ""))
	if len(u) != 32 || strings.Trim(u, "0123456789abcdef") != "" {
		return ""
	}
	return u
}

// luksUUIDOf is the UUID a volume is named by (UUID=…, luks-…,
// /dev/disk/by-uuid/…), lower case without dashes; dracut accepts its
// beginning alone. "" when it is not named by its UUID.
func luksUUIDOf(dev string) string {
	for _, prefix := range []string{"UUID=", "luks-", "/dev/disk/by-uuid/"} {
		if v, ok := strings.CutPrefix(dev, prefix); ok {
			u := strings.ToLower(strings.ReplaceAll(strings.Trim(v, `"`), "-", ""))
			if u != "" && strings.Trim(u, "0123456789abcdef") == "" {
				return u
			}
		}
	}
	return ""
}

// splitKeyLocation splits a key location PATH[:DEVICE] as
// systemd-cryptsetup-generator does: at the last colon, when what follows
// names a device (an absolute path or LABEL=, UUID=, PARTUUID=,
// PARTLABEL=); a key file that is itself a /dev path is read from that
// device.
func splitKeyLocation(spec string) (file, device string) {
	if i := strings.LastIndexByte(spec, ':'); i >= 0 {
		dev := spec[i+1:]
		if strings.HasPrefix(dev, "/") || strings.HasPrefix(dev, "LABEL=") || strings.HasPrefix(dev, "UUID=") ||
			strings.HasPrefix(dev, "PARTUUID=") || strings.HasPrefix(dev, "PARTLABEL=") {
			return spec[:i], dev
		}
	}
	if strings.HasPrefix(spec, "/dev/") {
		return "", spec
	}
	return spec, ""
}

// rootLUKSUUID is the LUKS UUID of /'s crypt layer (name), lower case
// without dashes, "" when nothing tells it: a luks-UUID mapper name, the
// kernel's rd.luks.name=UUID=NAME, the CRYPT-LUKSn-UUID-NAME device-mapper
// uuid in /sys, or the crypttab entry of that name.
func rootLUKSUUID(p probe.Probe, name, cmdline string) string {
	target, ok := mapperName(p, name)
	if !ok {
		return ""
	}
	if u := luksUUIDOf(target); len(u) == 32 {
		return u
	}
	for _, arg := range strings.Fields(cmdline) {
		k, v, _ := strings.Cut(arg, "=")
		if k != "rd.luks.name" && k != "luks.name" {
			continue
		}
		if uuid, n, ok := strings.Cut(v, "="); ok && n == target {
			if u := normalUUID(uuid); u != "" {
				return u
			}
		}
	}
	if dm := dmNode(p, name, target); dm != "" {
		if b, err := p.ReadFile("/sys/class/block/" + dm + "/dm/uuid"); err == nil {
			// CRYPT-LUKS2-<32 hex>-<name>
			if rest, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "CRYPT-LUKS"); ok && len(rest) >= 34 {
				if u := normalUUID(rest[2:34]); u != "" {
					return u
				}
			}
		}
	}
	for _, path := range []string{crypttabInitramfsPath, crypttabPath} {
		tab, err := p.ReadFile(path)
		if err != nil {
			continue
		}
		if dev, ok := crypttabDevice(string(tab), target); ok {
			if u := luksUUIDOf(dev); len(u) == 32 {
				return u
			}
		}
	}
	return ""
}

// dmNode is the kernel's dm-N name of a device-mapper device known by its
// mapper name, "" when /sys does not show it.
func dmNode(p probe.Probe, name, target string) string {
	if strings.HasPrefix(name, "dm-") {
		return name
	}
	dms, _ := p.ReadDir("/sys/block")
	for _, dm := range dms {
		if !strings.HasPrefix(dm, "dm-") {
			continue
		}
		if b, err := p.ReadFile("/sys/block/" + dm + "/dm/name"); err == nil && strings.TrimSpace(string(b)) == target {
			return dm
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

// crypttabDevice returns the encrypted device of the crypttab entry
// mapped as name (its second field).
func crypttabDevice(tab, name string) (string, bool) {
	for line := range strings.Lines(tab) {
		fields := strings.Fields(line)
		if len(fields) >= 2 && !strings.HasPrefix(fields[0], "#") && procmounts.Unescape(fields[0]) == name {
			return procmounts.Unescape(fields[1]), true
		}
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
