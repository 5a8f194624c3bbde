package diskencryption

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/procmounts"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Arguments of the Linux commands, shared with the tests and bundles.
var (
	findmntArgs     = []string{"-J", "-o", "SOURCE,TARGET,FSTYPE"}
	lsblkArgs       = []string{"-J", "-b", "-o", "NAME,TYPE,FSTYPE,MOUNTPOINTS"}
	lsblkArgsOld    = []string{"-J", "-b", "-o", "NAME,TYPE,FSTYPE,MOUNTPOINT"}
	zfsArgs         = []string{"get", "-H", "-o", "name,property,value", "encryption"}
	blkidArgs       = []string{"-p", "-o", "export"}
	maxSysfsDepth   = 8
	errNoMountTable = errors.New("could not read the mount table")
)

func collectLinux(ctx context.Context, p probe.Probe) (*linuxFacts, error) {
	f := &linuxFacts{}
	mounts, err := readMounts(ctx, p)
	if err != nil {
		f.Errors = append(f.Errors, err.Error())
		return f, fmt.Errorf("%w: %w", errNoMountTable, err)
	}
	// lsblk is asked once, and only when a block device stack is needed:
	// a root, /home or swap file that is not on ZFS, or a swap partition.
	var blocks []blockMount
	lsblkRead, lsblkOK := false, false
	lsblk := func() ([]blockMount, bool) {
		if !lsblkRead {
			lsblkRead = true
			var err error
			blocks, err = readLsblk(ctx, p)
			if err != nil {
				f.Errors = append(f.Errors, "lsblk: "+err.Error())
			}
			lsblkOK = err == nil
		}
		return blocks, lsblkOK
	}

	var zfs map[string]string
	zfsRead := false
	zfsFor := func(dataset string) string {
		if !zfsRead {
			zfsRead = true
			out, err := p.Run(ctx, probe.CmdZfs, zfsArgs...)
			if err == nil && out.ExitCode == 0 {
				zfs, err = parseZFSEncryption(out.Stdout)
			} else if err == nil {
				// stderr is left out: it can name datasets after users.
				err = fmt.Errorf("exit status %d", out.ExitCode)
			}
			if err != nil {
				f.Errors = append(f.Errors, "zfs get encryption: "+err.Error())
			}
		}
		return zfs[dataset]
	}

	header := luksHeaderReader(ctx, p)
	volumeFor := func(name string, m mount) *volume {
		v := &volume{Mount: name, FSType: m.FSType}
		if m.FSType == "zfs" {
			v.ZFSEncryption = zfsFor(m.Source)
			return v
		}
		bl, _ := lsblk()
		if sts := stacksAt(bl, m.Target); len(sts) > 0 {
			v.Stack, v.OtherStacks, v.StackSource = sts[0], sts[1:], "lsblk"
		} else if strings.HasPrefix(m.Source, "/dev/") {
			if sts, luks := sysfsStacks(p, m.Source); len(sts) > 0 {
				v.Stack, v.OtherStacks, v.StackSource, v.LUKSVersion = sts[0], sts[1:], "sysfs", luks
			}
		}
		if m.FSType == "btrfs" && len(v.Stack) > 0 {
			btrfsMembers(p, v)
		}
		readLUKSHeaders(v, header)
		return v
	}

	if m, ok := lastMountAt(mounts, "/"); ok {
		f.Root = volumeFor("/", m)
	}
	if m, ok := lastMountAt(mounts, "/home"); ok {
		f.Home = volumeFor("/home", m)
	}
	// The person's home folder, where it really is: findmnt -T follows
	// symlinks (/home/sam → /data/sam) to the filesystem holding it.
	judged := map[string]bool{"/": true, "/home": true}
	user, userErr := p.ConsoleUser()
	var userHome *mount // the filesystem holding it, when found
	if userErr == nil && user.Home != "" {
		m, err := homeMount(ctx, p, mounts, user.Home)
		if err == nil {
			userHome = &m
		}
		switch {
		case err != nil:
			f.UserHomeUnread = err.Error()
			f.Errors = append(f.Errors, "the home folder's filesystem: "+err.Error())
		case m.Target != "/" && m.Target != "/home" && m.FSType != "ecryptfs":
			// ecryptfs is a home folder's own encryption, seen below.
			f.UserHome = volumeFor("home folder", m)
			judged[m.Target] = true
		}
	}
	// The other disks mounted for good (fstab: /data, /srv): files are
	// kept there too. One mount a device; the boot partitions, removable
	// media mounted by the desktop and loop images are not.
	seen := map[string]bool{} // devices already judged
	for _, m := range mounts {
		if judged[m.Target] {
			seen[stripSubvol(m.Source)] = true
		}
	}
	for _, m := range mounts {
		dev := stripSubvol(m.Source)
		if judged[m.Target] || seen[dev] || !otherDisk(m) {
			continue
		}
		seen[dev] = true
		f.Others = append(f.Others, *volumeFor(mountLabel(m.Target), m))
	}

	// A key to / built into the start-up image on an unencrypted /boot.
	if f.Root != nil {
		for _, l := range f.Root.Stack {
			if l.Type == "crypt" {
				f.RootKey = readRootKey(ctx, p, l.Name, mounts, volumeFor)
				break
			}
		}
	}

	// Swap: /proc/swaps lists every active swap area; partitions take
	// their stack from lsblk's [SWAP] mount points, else from /sys.
	var entries []swapEntry
	if raw, err := p.ReadFile("/proc/swaps"); err == nil {
		entries, err = parseProcSwaps(raw)
		if err != nil {
			f.Errors = append(f.Errors, err.Error())
			f.SwapUnread = err.Error()
		}
	} else if !errors.Is(err, probe.ErrNotFound) {
		// Swap files (and, without lsblk, swap partitions) are listed
		// nowhere else. A kernel without swap has no /proc/swaps at all.
		f.Errors = append(f.Errors, err.Error())
		f.SwapUnread = err.Error()
	}
	partitions := 0
	for _, e := range entries {
		if e.Type != "file" && !isZram(strings.TrimPrefix(e.Path, "/dev/")) {
			partitions++
		}
	}
	if partitions > 0 || f.SwapUnread != "" {
		if bl, ok := lsblk(); ok {
			seen := 0
			for _, b := range bl {
				if b.Mountpoint == "[SWAP]" && !isZram(b.Stack[0].Name) {
					v := volume{Mount: "swap", Kind: "partition", FSType: "swap", Stack: b.Stack, StackSource: "lsblk"}
					readLUKSHeaders(&v, header)
					f.Swap = append(f.Swap, v)
					seen++
				}
			}
			// A swap partition in /proc/swaps that lsblk does not show
			// cannot be judged.
			for ; seen < partitions; seen++ {
				f.Swap = append(f.Swap, volume{Mount: "swap", Kind: "partition", FSType: "swap"})
			}
		}
	}
	for _, e := range entries {
		switch {
		case e.Type == "file":
			if m, ok := procmounts.Containing(mounts, e.Path); ok {
				v := volumeFor("swap", m)
				v.Kind = "file"
				f.Swap = append(f.Swap, *v)
			} else {
				f.Swap = append(f.Swap, volume{Mount: "swap", Kind: "file"})
			}
		case !lsblkOK && !isZram(strings.TrimPrefix(e.Path, "/dev/")):
			v := volume{Mount: "swap", Kind: "partition", FSType: "swap"}
			if sts, luks := sysfsStacks(p, e.Path); len(sts) > 0 {
				v.Stack, v.OtherStacks, v.StackSource, v.LUKSVersion = sts[0], sts[1:], "sysfs", luks
				readLUKSHeaders(&v, header)
			}
			f.Swap = append(f.Swap, v)
		}
	}

	// zram keeps swapped pages in memory, but one with a writeback
	// device (CONFIG_ZRAM_WRITEBACK) writes idle or incompressible pages
	// to that partition: it is judged as a swap partition is.
	for _, e := range entries {
		if name := strings.TrimPrefix(e.Path, "/dev/"); e.Type != "file" && isZram(name) {
			if v, ok := zramBacking(p, name); ok {
				f.Swap = append(f.Swap, v)
			}
		}
	}

	// Per-folder encryption counts for the home folder of the person at
	// the screen only: another account's leftovers (an old
	// /home/.ecryptfs/<name>, an fscrypt policy on some folder) protect
	// nothing of theirs. Found on the machine but not tied to that home,
	// it leaves the verdict unknown.
	if traces := homeEncryptionTraces(p, mounts, zfsFor); len(traces) > 0 {
		switch {
		case userErr != nil || user.Home == "":
			f.HomeEncryptionUnread = "nobody is logged in at the screen, so the per-folder encryption found on this computer (" + strings.Join(traces, ", ") + ") could not be tied to the home folder of the person using it"
		case userHome == nil:
			f.HomeEncryptionUnread = "where the home folder of the person at the screen is could not be read (" + f.UserHomeUnread + ")"
		default:
			f.HomeEncryption, f.HomeEncryptionUnread = ownHomeEncryption(ctx, p, user.Home, *userHome, traces)
		}
	}
	return f, nil
}

// zramBacking is the writeback device of the zram swap device name, from
// /sys/block/<name>/backing_dev ("none" without one; absent when the
// kernel has no writeback support); ok is false when there is none. One
// whose setting cannot be read is returned without a stack.
func zramBacking(p probe.Probe, name string) (volume, bool) {
	v := volume{Mount: "swap", Kind: "zram writeback device"}
	b, err := p.ReadFile("/sys/block/" + name + "/backing_dev")
	switch {
	case errors.Is(err, probe.ErrNotFound):
		return v, false
	case err != nil:
		return v, true
	}
	dev := strings.TrimSpace(string(b))
	if dev == "" || dev == "none" {
		return v, false
	}
	if sts, luks := sysfsStacks(p, dev); len(sts) > 0 {
		v.Stack, v.OtherStacks, v.StackSource, v.LUKSVersion = sts[0], sts[1:], "sysfs", luks
	}
	return v, true
}

// homeEncryptionTraces names the per-folder encryption found anywhere on
// the computer: eCryptfs (a mount, or a folder in /home/.ecryptfs),
// fscrypt (a policy in /.fscrypt or /home/.fscrypt) and encrypted ZFS
// datasets under /home.
func homeEncryptionTraces(p probe.Probe, mounts []mount, zfsFor func(string) string) []string {
	seen := map[string]bool{}
	for _, m := range mounts {
		switch {
		case m.FSType == "ecryptfs":
			seen["ecryptfs"] = true
		case m.FSType == "zfs" && (m.Target == "/home" || strings.HasPrefix(m.Target, "/home/")):
			if zfsEncrypted(zfsFor(m.Source)) {
				seen["zfs"] = true
			}
		}
	}
	if names, err := p.ReadDir("/home/.ecryptfs"); err == nil && len(names) > 0 {
		seen["ecryptfs"] = true
	}
	for _, dir := range []string{"/.fscrypt/policies", "/home/.fscrypt/policies"} {
		if names, err := p.ReadDir(dir); err == nil && len(names) > 0 {
			seen["fscrypt"] = true
		}
	}
	var out []string
	for _, k := range []string{"ecryptfs", "fscrypt", "zfs"} {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}

// ownHomeEncryption tells which of the per-folder encryption traces
// protect home, the folder of the person at the screen held by the
// filesystem fs: eCryptfs when home is an ecryptfs mount, or when its own
// .ecryptfs/Private.mnt (ecryptfs-migrate-home's record of where the
// private directory is mounted) names home itself; fscrypt when
// `fscrypt status` says home is encrypted. An encrypted ZFS dataset of
// its own is judged as the home folder's filesystem (UserHome). unread
// says what could not be told.
func ownHomeEncryption(ctx context.Context, p probe.Probe, home string, fs mount, traces []string) (kinds []string, unread string) {
	var why []string
	if slices.Contains(traces, "ecryptfs") {
		switch b, err := p.ReadFile(home + "/.ecryptfs/Private.mnt"); {
		case fs.FSType == "ecryptfs":
			kinds = append(kinds, "ecryptfs")
		case err == nil && strings.TrimSpace(string(b)) == home:
			kinds = append(kinds, "ecryptfs")
		case err != nil && !errors.Is(err, probe.ErrNotFound):
			why = append(why, "the home folder's eCryptfs settings (.ecryptfs/Private.mnt): "+probe.ErrorKind(err))
		}
	}
	if slices.Contains(traces, "fscrypt") {
		out, err := p.Run(ctx, probe.CmdFscrypt, "status", home)
		switch {
		case err != nil:
			why = append(why, "fscrypt status: "+probe.ErrorKind(err))
		case parseFscryptStatus(out.Stdout, out.Stderr, out.ExitCode) == "encrypted":
			kinds = append(kinds, "fscrypt")
		case parseFscryptStatus(out.Stdout, out.Stderr, out.ExitCode) == "":
			why = append(why, fmt.Sprintf("fscrypt status of the home folder not recognised (exit status %d)", out.ExitCode))
		}
	}
	if len(kinds) > 0 {
		return kinds, ""
	}
	return nil, strings.Join(why, "; ")
}

// otherDisk reports whether m is a filesystem on a block device of this
// computer, mounted where files may be kept: not a boot partition, not a
// disk the desktop mounted under /media or /run/media (a USB stick), not
// the system's own folders, not a loop image (snaps, ISOs) or zram.
func otherDisk(m mount) bool {
	if !strings.HasPrefix(m.Source, "/dev/") || strings.HasPrefix(m.Source, "/dev/loop") || strings.HasPrefix(m.Source, "/dev/zram") {
		return false
	}
	// The system's own folders hold no one's files (a container's
	// /etc/resolv.conf is a file bind-mounted from its host's disk).
	for _, dir := range []string{"/boot", "/efi", "/media", "/run", "/etc", "/proc", "/sys", "/dev"} {
		if m.Target == dir || strings.HasPrefix(m.Target, dir+"/") {
			return false
		}
	}
	return m.Target != "/" && m.Target != "/home"
}

// mountLabel is how facts and summaries name a mount point: its first
// folder only ("/data", "/srv/…", "/mnt/…": a deeper name can be a
// person's or a client's), and one in a person's home only as that.
func mountLabel(target string) string {
	for _, people := range []string{"/home/", "/var/home/", "/Users/"} {
		if strings.HasPrefix(target, people) {
			return "a folder under " + strings.TrimSuffix(people, "/")
		}
	}
	if top, rest, deeper := strings.Cut(strings.TrimPrefix(target, "/"), "/"); deeper && rest != "" {
		return "/" + top + "/…"
	}
	return target
}

// homeMount returns the mount holding home: findmnt -T, which follows
// symlinks; without findmnt, the mount table's longest prefix of the path
// as written. Errors never hold the path (it names the person).
func homeMount(ctx context.Context, p probe.Probe, mounts []mount, home string) (mount, error) {
	out, err := p.Run(ctx, probe.CmdFindmnt, append(slices.Clone(findmntArgs), "-T", home)...)
	switch {
	case errors.Is(err, probe.ErrNotFound):
		if m, ok := procmounts.Containing(mounts, home); ok {
			return m, nil
		}
		return mount{}, errors.New("no mount holds it")
	case err != nil:
		return mount{}, fmt.Errorf("findmnt -T: %s", probe.ErrorKind(err))
	case out.ExitCode != 0:
		return mount{}, fmt.Errorf("findmnt -T: exit status %d", out.ExitCode)
	}
	ms, err := parseFindmnt(out.Stdout)
	if err != nil || len(ms) == 0 {
		return mount{}, errors.New("findmnt -T: output not recognised")
	}
	// A mount point mounted over twice is listed twice: the last is seen.
	return ms[len(ms)-1], nil
}

// readMounts asks findmnt for the mount table and falls back on the
// kernel's own.
func readMounts(ctx context.Context, p probe.Probe) ([]mount, error) {
	out, err := p.Run(ctx, probe.CmdFindmnt, findmntArgs...)
	if err == nil && out.ExitCode == 0 {
		if mounts, perr := parseFindmnt(out.Stdout); perr == nil {
			return mounts, nil
		}
	}
	raw, rerr := p.ReadFile("/proc/self/mounts")
	if errors.Is(rerr, probe.ErrNotFound) {
		raw, rerr = p.ReadFile("/proc/mounts")
	}
	if rerr != nil {
		if err == nil {
			err = fmt.Errorf("findmnt exit status %d", out.ExitCode)
		}
		return nil, fmt.Errorf("%w; %w", err, rerr)
	}
	return parseProcMounts(raw)
}

// readLsblk runs lsblk, retrying with the MOUNTPOINT column of util-linux
// before 2.37 when MOUNTPOINTS is not known.
func readLsblk(ctx context.Context, p probe.Probe) ([]blockMount, error) {
	out, err := p.Run(ctx, probe.CmdLsblk, lsblkArgs...)
	if err != nil {
		return nil, err
	}
	if out.ExitCode != 0 && bytes.Contains(out.Stderr, []byte("unknown column")) {
		out, err = p.Run(ctx, probe.CmdLsblk, lsblkArgsOld...)
		if err != nil {
			return nil, err
		}
	}
	if out.ExitCode != 0 {
		return nil, fmt.Errorf("exit status %d: %s", out.ExitCode, firstLine(out.Stderr))
	}
	return parseLsblk(out.Stdout)
}

// stacksAt returns every device stack lsblk shows mounted at target: a
// filesystem on a logical volume spread over several physical volumes is
// listed under each of them, one stack each (the same stack twice once).
func stacksAt(blocks []blockMount, target string) [][]layer {
	var out [][]layer
	for _, b := range blocks {
		if b.Mountpoint == target && !slices.ContainsFunc(out, func(s []layer) bool { return slices.Equal(s, b.Stack) }) {
			out = append(out, b.Stack)
		}
	}
	return out
}

// sysfsKind is the layer type of a block device in /sys/class/block:
// "lvm" or "dm" for device-mapper devices, "part" or "disk".
func sysfsKind(p probe.Probe, name string) string {
	base := "/sys/class/block/" + name
	if uuid, err := p.ReadFile(base + "/dm/uuid"); err == nil {
		if strings.HasPrefix(strings.TrimSpace(string(uuid)), "LVM-") {
			return "lvm"
		}
		return "dm"
	}
	if _, err := p.ReadFile(base + "/partition"); err == nil {
		return "part"
	}
	return "disk"
}

func isZram(name string) bool { return strings.HasPrefix(name, "zram") }

// sysfsStacks walks /sys/class/block from a device path: device-mapper
// devices are typed by their dm/uuid prefix (CRYPT-, LVM-) and followed
// through every device in slaves/ (a logical volume on several physical
// volumes, a RAID), partitions lead to their disk; one stack for each
// path down. It also returns the LUKS version a CRYPT-LUKSn- uuid names.
// A path ends at its first crypt layer (with, for a LUKS one, the single
// device holding its header): whatever lies beneath it cannot make the
// data above unencrypted, so nothing more there is read.
func sysfsStacks(p probe.Probe, dev string) ([][]layer, string) {
	name := strings.TrimPrefix(dev, "/dev/")
	if mapper, ok := strings.CutPrefix(name, "mapper/"); ok {
		name = ""
		dms, _ := p.ReadDir("/sys/block")
		for _, dm := range dms {
			if !strings.HasPrefix(dm, "dm-") {
				continue
			}
			if b, err := p.ReadFile("/sys/block/" + dm + "/dm/name"); err == nil && strings.TrimSpace(string(b)) == mapper {
				name = dm
				break
			}
		}
		if name == "" {
			return nil, ""
		}
	}
	if name == "" || strings.Contains(name, "/") {
		return nil, ""
	}
	var stacks [][]layer
	luks := ""
	var walk func(name string, above []layer)
	walk = func(name string, above []layer) {
		stack := above[:len(above):len(above)]
		for depth := len(above); name != "" && depth < maxSysfsDepth; depth++ {
			base := "/sys/class/block/" + name
			l := layer{Name: name}
			next := ""
			if uuid, err := p.ReadFile(base + "/dm/uuid"); err == nil {
				u := strings.TrimSpace(string(uuid))
				switch {
				case strings.HasPrefix(u, "CRYPT-"):
					l.Type = "crypt"
					if v, ok := strings.CutPrefix(u, "CRYPT-LUKS"); ok && len(v) > 0 {
						luks = v[:1]
					}
				case strings.HasPrefix(u, "LVM-"):
					l.Type = "lvm"
				default:
					l.Type = "dm"
				}
				if l.Type != "crypt" {
					if slaves, err := p.ReadDir(base + "/slaves"); err == nil && len(slaves) > 0 {
						next = slaves[0]
						// Each further slave is a path of its own.
						for _, s := range slaves[1:] {
							walk(s, append(stack[:len(stack):len(stack)], l))
						}
					}
				}
			} else if _, err := p.ReadFile(base + "/partition"); err == nil {
				l.Type = "part"
				next = diskOfPartition(name)
			} else if _, err := p.ReadFile(base + "/dev"); err == nil {
				l.Type = "disk"
				if strings.HasPrefix(name, "loop") {
					l.Type = "loop"
				}
			} else {
				break
			}
			stack = append(stack, l)
			if l.Type == "crypt" {
				// The device holding a LUKS header, for its header
				// (readLUKSHeaders); nothing further down is read.
				if slaves, err := p.ReadDir(base + "/slaves"); err == nil && len(slaves) == 1 && luks != "" {
					stack = append(stack, layer{Name: slaves[0], Type: sysfsKind(p, slaves[0]), FSType: "crypto_LUKS"})
				}
				break
			}
			name = next
		}
		// A further slave that could not be followed still ends a path
		// (at the layer above it, with no crypt layer seen).
		if len(stack) > 0 {
			stacks = append([][]layer{stack}, stacks...)
		}
	}
	walk(name, nil)
	return stacks, luks
}

// btrfsSysfs lists each mounted btrfs filesystem's devices
// (/sys/fs/btrfs/<fsid>/devices/<kernel name>).
const btrfsSysfs = "/sys/fs/btrfs"

// btrfsMembers adds a path down from each other device of the btrfs
// filesystem v is (one filesystem can span several devices: a RAID1, or
// a disk added with btrfs device add), which lsblk shows without its
// mount point. What could not be listed is said in MembersUnread.
func btrfsMembers(p probe.Probe, v *volume) {
	own := v.Stack[0]
	kname := own.Name
	if own.Type == "crypt" || own.Type == "lvm" || own.Type == "dm" {
		kname = dmNode(p, own.Name, own.Name)
	}
	if kname == "" {
		v.MembersUnread = "the kernel name of the device under " + v.Mount + " was not found in /sys/block"
		return
	}
	ids, err := p.ReadDir(btrfsSysfs)
	if err != nil {
		v.MembersUnread = btrfsSysfs + ": " + probe.ErrorKind(err)
		return
	}
	var unread error
	for _, id := range ids {
		devs, err := p.ReadDir(btrfsSysfs + "/" + id + "/devices")
		if err != nil {
			if !errors.Is(err, probe.ErrNotFound) {
				unread = err
			}
			continue
		}
		if !slices.Contains(devs, kname) {
			continue
		}
		for _, d := range devs {
			if d == kname {
				continue
			}
			sts, _ := sysfsStacks(p, "/dev/"+d)
			if len(sts) == 0 {
				v.MembersUnread = "the btrfs device " + d + " could not be followed in /sys/class/block"
				continue
			}
			v.OtherStacks = append(v.OtherStacks, sts...)
		}
		return
	}
	if unread != nil {
		v.MembersUnread = btrfsSysfs + ": " + probe.ErrorKind(unread)
	} else {
		v.MembersUnread = btrfsSysfs + " does not list the device under " + v.Mount
	}
}

// diskOfPartition derives the disk name of a partition: sda2 → sda,
// nvme0n1p3 → nvme0n1, mmcblk0p1 → mmcblk0.
func diskOfPartition(part string) string {
	i := len(part)
	for i > 0 && part[i-1] >= '0' && part[i-1] <= '9' {
		i--
	}
	if i == len(part) || i == 0 {
		return ""
	}
	disk := part[:i]
	if strings.HasSuffix(disk, "p") && len(disk) > 1 && disk[len(disk)-2] >= '0' && disk[len(disk)-2] <= '9' {
		disk = disk[:len(disk)-1]
	}
	return disk
}

// luksHeaderReader reads the LUKS header of a device, once a device:
// cryptsetup luksDump gives its version, whether a re-encryption is
// under way and whether its data cipher is cipher_null; when it cannot be run or read (it needs root), blkid gives
// the version alone, and unread says why the rest is not known.
func luksHeaderReader(ctx context.Context, p probe.Probe) func(dev string) (info luksInfo, unread string) {
	type read struct {
		info   luksInfo
		unread string
	}
	seen := map[string]read{}
	return func(dev string) (luksInfo, string) {
		if r, ok := seen[dev]; ok {
			return r.info, r.unread
		}
		var r read
		out, err := p.Run(ctx, probe.CmdCryptsetup, "luksDump", dev)
		switch {
		case err != nil:
			r.unread = "cryptsetup luksDump: " + err.Error()
		default:
			// stderr is left out: it names the device, and a mapper
			// name can carry a person's name.
			if r.info = parseLuksDump(out.Stdout, out.Stderr, out.ExitCode); !r.info.Recognised {
				r.unread = fmt.Sprintf("cryptsetup luksDump: exit status %d", out.ExitCode)
				if out.ExitCode == 4 {
					// "Device … does not exist or access denied."
					r.unread = "cryptsetup luksDump could not open the device (exit status 4: reading it needs root)"
				}
			}
		}
		if r.unread != "" {
			if out, err := runBlkid(ctx, p, dev); err == nil {
				r.info = parseBlkidExport(out.Stdout, out.Stderr, out.ExitCode)
			}
		}
		seen[dev] = r
		return r.info, r.unread
	}
}

// readLUKSHeaders reads the header under the first crypt layer of each
// path down from v: a LUKS header makes its parent layer crypto_LUKS and
// gives v's LUKS version (the wording), and its re-encryption (the
// layer's Reencrypt) decides with the crypt layer whether v is encrypted
// (judge), and so does its data cipher (cipher_null: plain text, the
// layer's NullCipher). A LUKS header (LUKS1 or LUKS2, or one lsblk or /sys
// named LUKS without a version) that could not be read is HeaderUnread: a
// null cipher, or in LUKS2 an encryption in place still under way, cannot
// be ruled out (blkid tells the version, not the cipher). A device
// cryptsetup finds no header on is plain dm-crypt (or a header
// kept elsewhere, which is not read), and so is one lsblk (with udev's
// data) names nothing when neither cryptsetup nor blkid can read it.
func readLUKSHeaders(v *volume, header func(dev string) (luksInfo, string)) {
	for _, st := range append([][]layer{v.Stack}, v.OtherStacks...) {
		i := slices.IndexFunc(st, func(l layer) bool { return l.Type == "crypt" })
		switch {
		case i < 0:
			continue
		case i+1 >= len(st):
			// /sys named a LUKS crypt layer without the device under it.
			if v.LUKSVersion != "" {
				st[i].HeaderUnread = "the device holding its LUKS" + v.LUKSVersion + " header was not found in /sys"
			}
			continue
		}
		parent := &st[i+1]
		if parent.FSType != "" && parent.FSType != "crypto_LUKS" {
			continue
		}
		info, unread := header(devicePath(*parent))
		namedLUKS := parent.FSType == "crypto_LUKS" || v.LUKSVersion != ""
		switch {
		case info.IsLUKS:
			parent.FSType = "crypto_LUKS"
			if v.LUKSVersion == "" {
				v.LUKSVersion = info.Version
			}
			parent.Reencrypt = info.Reencrypt
			parent.NullCipher = info.NullCipher
			if unread != "" {
				parent.HeaderUnread = unread
			}
		case info.Recognised && namedLUKS:
			parent.HeaderUnread = "cryptsetup found no LUKS header where lsblk or /sys named one"
		case !info.Recognised && namedLUKS:
			parent.HeaderUnread = unread
		}
	}
}

// runBlkid runs blkid on dev, asking its low-level probe (blkidArgs: the
// device itself, not blkid's cache) in export form.
func runBlkid(ctx context.Context, p probe.Probe, dev string) (probe.Output, error) {
	return p.Run(ctx, probe.CmdBlkid, append(slices.Clip(blkidArgs), dev)...)
}

// devicePath is the /dev path of a layer.
func devicePath(l layer) string {
	switch {
	case strings.HasPrefix(l.Name, "/dev/"):
		return l.Name
	case strings.HasPrefix(l.Name, "dm-"):
		return "/dev/" + l.Name
	case l.Type == "lvm" || l.Type == "crypt" || l.Type == "dm":
		return "/dev/mapper/" + l.Name
	default:
		return "/dev/" + l.Name
	}
}

func zfsEncrypted(v string) bool {
	return v != "" && v != "off" && v != "-"
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
