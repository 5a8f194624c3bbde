package diskencryption

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

func TestKeyOnCmdline(t *testing.T) {
	const root = "8c1a47e25d3b4f6e9a217b0c3d9e4f15"
	for _, c := range []struct {
		cmdline  string
		rootUUID string
		want     keyUse
	}{
		{"BOOT_IMAGE=/vmlinuz root=/dev/mapper/vg-root ro quiet splash", root, keyUse{}},
		{"cryptdevice=UUID=1234:cryptroot cryptkey=rootfs:/crypto_keyfile.bin root=/dev/x", root, keyUse{kind: "cryptkey_rootfs"}},
		{"cryptdevice=UUID=1234:cryptroot cryptkey=UUID=abcd:ext4:/key.bin root=/dev/x", root, keyUse{device: "UUID=abcd"}},
		{"rd.luks.uuid=1234 rd.luks.key=/etc/cryptsetup-keys.d/root.key quiet", root, keyUse{kind: "rd_luks_key"}},
		{"rd.luks.uuid=1234 luks.key=/etc/cryptsetup-keys.d/root.key quiet", root, keyUse{kind: "luks_key"}},
		// dracut: PATH:DEVICE, and :LUKSDEV for one volume only.
		{"rd.luks.key=/key.bin:UUID=abcd quiet", root, keyUse{device: "UUID=abcd"}},
		{"rd.luks.key=/keys/root.key:LABEL=boot quiet", root, keyUse{device: "LABEL=boot"}},
		{"rd.luks.key=/key.bin:LABEL=usb:UUID=8c1a47e2 quiet", root, keyUse{device: "LABEL=usb"}},
		{"rd.luks.key=/key.bin:LABEL=usb:UUID=77aa quiet", root, keyUse{}},
		{"rd.luks.key=/key.bin:LABEL=usb:/dev/sda3 quiet", root, keyUse{unsure: "whether rd.luks.key= on the kernel's command line is for the system disk: the volume it names is not given by its UUID"}},
		// systemd: UUID=PATH[:DEVICE] for one volume.
		{"rd.luks.key=8c1a47e2-5d3b-4f6e-9a21-7b0c3d9e4f15=/etc/cryptsetup-keys.d/root.key quiet", root, keyUse{kind: "rd_luks_key"}},
		{"rd.luks.key=8C1A47E2-5D3B-4F6E-9A21-7B0C3D9E4F15=/keyfile:LABEL=keydev quiet", root, keyUse{device: "LABEL=keydev"}},
		{"rd.luks.key=0f1a47e2-5d3b-4f6e-9a21-7b0c3d9e4f15=/etc/keys/home.key quiet", root, keyUse{}},
		{"rd.luks.key=0f1a47e2-5d3b-4f6e-9a21-7b0c3d9e4f15=/etc/keys/home.key quiet", "", keyUse{unsure: "whether rd.luks.key= on the kernel's command line is for the system disk: its LUKS UUID could not be read"}},
		{"rd.luks.key=notauuid=/k quiet", root, keyUse{}},
		// A key in the image outweighs one read from a device.
		{"rd.luks.key=/key.bin:LABEL=usb cryptkey=rootfs:/k", root, keyUse{kind: "cryptkey_rootfs"}},
		{"rd.luks.name=1234=root rd.luks.options=tpm2-device=auto root=/dev/mapper/root quiet", root, keyUse{}},
	} {
		asked := false
		got := keyOnCmdline(c.cmdline, func() string { asked = true; return c.rootUUID })
		if got != c.want {
			t.Errorf("keyOnCmdline(%q) = %+v, want %+v", c.cmdline, got, c.want)
		}
		if asked && !strings.Contains(c.cmdline, "=/") && !strings.Contains(c.cmdline, ":UUID=8") && !strings.Contains(c.cmdline, ":UUID=7") && !strings.Contains(c.cmdline, ":/dev") {
			t.Errorf("keyOnCmdline(%q) asked for the root's UUID", c.cmdline)
		}
	}
}

func TestSplitKeyLocation(t *testing.T) {
	for in, want := range map[string][2]string{
		"/etc/keys/root.key":                   {"/etc/keys/root.key", ""},
		"/keyfile:LABEL=keydev":                {"/keyfile", "LABEL=keydev"},
		"/keyfile:/dev/sdb1":                   {"/keyfile", "/dev/sdb1"},
		"/odd:name.key":                        {"/odd:name.key", ""},
		"/dev/disk/by-partlabel/key":           {"", "/dev/disk/by-partlabel/key"},
		"/k:UUID=8c1a47e2-5d3b-4f6e-9a21-7b0c": {"/k", "UUID=8c1a47e2-5d3b-4f6e-9a21-7b0c"},
	} {
		if f, d := splitKeyLocation(in); f != want[0] || d != want[1] {
			t.Errorf("splitKeyLocation(%q) = %q, %q; want %q", in, f, d, want)
		}
	}
}

func TestCrypttabKeyFile(t *testing.T) {
	tab := `# <target name> <source device> <key file> <options>
dm_crypt-0 UUID=8c1a none luks,discard
home\040crypt UUID=77aa /etc/keys/home.key luks
usbkey UUID=99bb /dev/disk/by-label/KEY:/root.key luks,keyscript=/lib/cryptsetup/scripts/passdev
swap /dev/nvme0n1p4 /dev/urandom swap,cipher=aes-xts-plain64
dash UUID=1 - luks
`
	for name, want := range map[string]string{"dm_crypt-0": "", "home crypt": "/etc/keys/home.key", "usbkey": "", "swap": "/dev/urandom", "dash": "", "missing": ""} {
		got, ok := crypttabKeyFile(tab, name)
		if got != want || ok != (want != "") {
			t.Errorf("crypttabKeyFile(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

func TestKeyfilePattern(t *testing.T) {
	// The conf-hook Debian 12's cryptsetup-initramfs installs: unset.
	def, err := os.ReadFile("testdata/linux/ubuntu_luks_passphrase_at_start/files/etc/cryptsetup-initramfs/conf-hook")
	if err != nil {
		t.Fatal(err)
	}
	if p := keyfilePattern(string(def)); p != "" {
		t.Errorf("the package's conf-hook sets %q", p)
	}
	for in, want := range map[string]string{
		`KEYFILE_PATTERN="/etc/keys/*.key"`:                "/etc/keys/*.key",
		"KEYFILE_PATTERN='/etc/luks/*'\n":                  "/etc/luks/*",
		"KEYFILE_PATTERN=/etc/k/*.bin # keys\n":            "/etc/k/*.bin",
		"#KEYFILE_PATTERN=/etc/k/*\n":                      "",
		"KEYFILE_PATTERN=/a/*\nKEYFILE_PATTERN=\n":         "",
		"export KEYFILE_PATTERN=\"/crypto_keyfile.bin\"\n": "/crypto_keyfile.bin",
	} {
		if got := keyfilePattern(in); got != want {
			t.Errorf("keyfilePattern(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShellMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"/etc/keys/*.key", "/etc/keys/root.key", true},
		{"/etc/*", "/etc/keys/root.key", true}, // a case pattern's * takes slashes too
		{"/etc/keys/*.key", "/etc/keys/root.bin", false},
		{"/etc/keys/root?.key", "/etc/keys/root1.key", true},
		{"/etc/keys/[rh]*.key", "/etc/keys/home.key", true},
		{"/etc/keys/[!rh]*.key", "/etc/keys/home.key", false},
		{"/crypto_keyfile.bin", "/crypto_keyfile.bin", true},
		{"/crypto_keyfile.bin", "/crypto_keyfileXbin", false},
	} {
		if got := shellMatch(c.pattern, c.s); got != c.want {
			t.Errorf("shellMatch(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

// A root found through /sys (no lsblk) is named dm-N there; crypttab names
// it by its mapper name, which dm/name holds.
func TestRootKeyThroughSysfsName(t *testing.T) {
	p := replayDir(t, map[string]string{
		"files/proc/cmdline":                       "root=/dev/mapper/cryptroot ro quiet\n",
		"files/etc/cryptsetup-initramfs/conf-hook": "KEYFILE_PATTERN=\"/etc/keys/*.key\"\n",
		"files/etc/crypttab":                       "cryptroot UUID=1 /etc/keys/root.key luks\n",
		"files/sys/class/block/dm-0/dm/name":       "cryptroot\n",
	})
	plain := func(string, mount) *volume {
		return &volume{Mount: "/boot", FSType: "ext4", Stack: []layer{{Type: "part"}, {Type: "disk"}}}
	}
	boot := []mount{{Source: "/dev/sda1", Target: "/boot", FSType: "ext4"}}
	rk := readRootKey(context.Background(), p, "dm-0", boot, plain)
	if rk.InImage != "keyfile_pattern" || rk.Boot == nil || rk.Unread != "" {
		t.Fatalf("%+v", rk)
	}
	if r := rootKeyPart(rk); r.Status != checks.Fail {
		t.Fatalf("%s: %s", r.Status, r.Summary)
	}
	if rk := readRootKey(context.Background(), p, "dm-1", boot, plain); rk.Unread == "" {
		t.Fatalf("an unnamed layer must leave it unread: %+v", rk)
	}
}

// TestLoaderEntryHasInitrd: a Boot Loader Specification entry loads an
// initrd by its initrd line, not by a word in its title or options.
func TestLoaderEntryHasInitrd(t *testing.T) {
	for entry, want := range map[string]bool{
		"title Debian\nlinux /abc/6.1.0/linux\ninitrd /abc/6.1.0/initrd.img-6.1.0\n":                true,
		"title Arch\nlinux /vmlinuz-linux\ninitrd  /intel-ucode.img\ninitrd /initramfs-linux.img\n": true,
		"title initrd-less\nlinux /vmlinuz\noptions root=/dev/sda2 initrd=none\n":                   false,
		"title Windows\nefi /EFI/Microsoft/Boot/bootmgfw.efi\n":                                     false,
		"# initrd /old.img\nlinux /vmlinuz\n":                                                       false,
	} {
		if got := loaderEntryHasInitrd(entry); got != want {
			t.Errorf("loaderEntryHasInitrd(%q) = %v, want %v", entry, got, want)
		}
	}
}

// replayDir writes an evidence bundle of files (and commands.json) and
// opens it.
func replayDir(t *testing.T, files map[string]string) *evidence.Replay {
	t.Helper()
	dir := t.TempDir()
	files["manifest.json"] = `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-12-06T10:00:00Z"}`
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := evidence.OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A key for one volume is /'s only when the UUID is /'s: read here from
// the device-mapper uuid in /sys, the only place that names it.
func TestRootKeyForOneVolume(t *testing.T) {
	plain := func(at string, _ mount) *volume {
		return &volume{Mount: at, FSType: "ext4", Stack: []layer{{Type: "part"}, {Type: "disk"}}}
	}
	boot := []mount{{Source: "/dev/sda1", Target: "/boot", FSType: "ext4"}}
	sysfs := map[string]string{
		"files/sys/block/dm-0/dm/name":       "cryptroot\n",
		"files/sys/class/block/dm-0/dm/uuid": "CRYPT-LUKS2-8c1a47e25d3b4f6e9a217b0c3d9e4f15-cryptroot\n",
	}
	for _, c := range []struct {
		cmdline string
		sys     bool
		want    checks.Status
	}{
		{"rd.luks.key=8c1a47e2-5d3b-4f6e-9a21-7b0c3d9e4f15=/etc/keys/root.key", true, checks.Fail},
		{"rd.luks.key=0f1a47e2-5d3b-4f6e-9a21-7b0c3d9e4f15=/etc/keys/home.key", true, checks.Pass},
		{"rd.luks.key=0f1a47e2-5d3b-4f6e-9a21-7b0c3d9e4f15=/etc/keys/home.key", false, checks.Unknown},
	} {
		files := map[string]string{"files/proc/cmdline": c.cmdline + "\n"}
		if c.sys {
			for k, v := range sysfs {
				files[k] = v
			}
		}
		rk := readRootKey(context.Background(), replayDir(t, files), "cryptroot", boot, plain)
		if r := rootKeyPart(rk); r.Status != c.want {
			t.Errorf("%q (sysfs %v): %s %s %s, want %s", c.cmdline, c.sys, r.Status, r.Summary, r.Reason, c.want)
		}
	}
}

// A key read at start from a device is judged by the filesystem blkid
// shows that device to be: /boot fails, a device that is neither /boot
// nor the EFI system partition is unknown.
func TestRootKeyOnDevice(t *testing.T) {
	plain := func(at string, _ mount) *volume {
		return &volume{Mount: at, FSType: "ext4", Stack: []layer{{Type: "part"}, {Type: "disk"}}}
	}
	boot := []mount{{Source: "/dev/sda1", Target: "/boot", FSType: "ext4"}}
	blkid := `[{"argv":["blkid","-p","-o","export","/dev/sda1"],"stdout":"DEVNAME=/dev/sda1\nLABEL=boot\nUUID=3b9e2f61-0c4d-4e8a-b7f1-5a2d9c0e6b43\nTYPE=ext4\nPART_ENTRY_UUID=5f0e8c2a-9b1d-4c3e-a7f6-2d8b0e4c1a97\n","stderr":"","exit_code":0}]`
	for cmdline, want := range map[string]checks.Status{
		"rd.luks.key=/root.key:LABEL=boot":                                    checks.Fail,
		"rd.luks.key=/root.key:UUID=3B9E2F61":                                 checks.Fail,
		"rd.luks.key=/root.key:PARTUUID=5f0e8c2a-9b1d-4c3e-a7f6-2d8b0e4c1a97": checks.Fail,
		"rd.luks.key=/root.key:/dev/sda1":                                     checks.Fail,
		"cryptkey=LABEL=boot:ext4:/root.key":                                  checks.Fail,
		"rd.luks.key=/root.key:LABEL=usbkey":                                  checks.Unknown,
		"cryptkey=/dev/sdb1:2048:4096":                                        checks.Unknown,
	} {
		p := replayDir(t, map[string]string{"files/proc/cmdline": cmdline + "\n", "commands.json": blkid})
		rk := readRootKey(context.Background(), p, "cryptroot", boot, plain)
		if r := rootKeyPart(rk); r.Status != want {
			t.Errorf("%q: %s %s %s, want %s", cmdline, r.Status, r.Summary, r.Reason, want)
		}
	}
}

// A logical volume whose slaves are an encrypted and a plain device, seen
// through /sys: a path down each.
func TestSysfsStacksEverySlave(t *testing.T) {
	p := replayDir(t, map[string]string{
		"files/sys/block/dm-1/dm/name":           "vg-root\n",
		"files/sys/class/block/dm-1/dm/uuid":     "LVM-abc\n",
		"files/sys/class/block/dm-1/slaves/dm-0": "",
		"files/sys/class/block/dm-1/slaves/sda1": "",
		"files/sys/class/block/dm-0/dm/uuid":     "CRYPT-LUKS2-8c1a47e25d3b4f6e9a217b0c3d9e4f15-cryptroot\n",
		"files/sys/class/block/sda1/partition":   "1\n",
		"files/sys/class/block/sda/dev":          "8:0\n",
	})
	sts, luks := sysfsStacks(p, "/dev/mapper/vg-root")
	if len(sts) != 2 || types(sts[0]) != "lvm>crypt" || types(sts[1]) != "lvm>part>disk" || luks != "2" {
		t.Fatalf("%v %q", sts, luks)
	}
}

// A zram swap device's writeback partition is a swap area of its own;
// "none", or a kernel without writeback, is none.
func TestZramBacking(t *testing.T) {
	p := replayDir(t, map[string]string{
		"files/sys/block/zram0/backing_dev":    "/dev/sda1\n",
		"files/sys/block/zram1/backing_dev":    "none\n",
		"files/sys/class/block/sda1/partition": "1\n",
		"files/sys/class/block/sda/dev":        "8:0\n",
	})
	if v, ok := zramBacking(p, "zram0"); !ok || types(v.Stack) != "part>disk" {
		t.Errorf("zram0: %+v %v", v, ok)
	}
	for _, name := range []string{"zram1", "zram2"} {
		if v, ok := zramBacking(p, name); ok {
			t.Errorf("%s: %+v", name, v)
		}
	}
}
