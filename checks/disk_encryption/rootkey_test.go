package diskencryption

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

func TestKeyOnCmdline(t *testing.T) {
	for in, want := range map[string]string{
		"BOOT_IMAGE=/vmlinuz root=/dev/mapper/vg-root ro quiet splash":                        "",
		"cryptdevice=UUID=1234:cryptroot cryptkey=rootfs:/crypto_keyfile.bin root=/dev/x":     "cryptkey_rootfs",
		"cryptdevice=UUID=1234:cryptroot cryptkey=UUID=abcd:ext4:/key.bin root=/dev/x":        "", // on another device
		"rd.luks.uuid=1234 rd.luks.key=/etc/cryptsetup-keys.d/root.key quiet":                 "rd_luks_key",
		"rd.luks.key=/key.bin:UUID=abcd quiet":                                                "", // on a USB stick
		"rd.luks.key=1234=/key.bin quiet":                                                     "", // one volume, not followed
		"rd.luks.name=1234=root rd.luks.options=tpm2-device=auto root=/dev/mapper/root quiet": "",
	} {
		if got := keyOnCmdline(in); got != want {
			t.Errorf("keyOnCmdline(%q) = %q, want %q", in, got, want)
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
	dir := t.TempDir()
	files := map[string]string{
		"manifest.json":                            `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-12-06T10:00:00Z"}`,
		"files/proc/cmdline":                       "root=/dev/mapper/cryptroot ro quiet\n",
		"files/etc/cryptsetup-initramfs/conf-hook": "KEYFILE_PATTERN=\"/etc/keys/*.key\"\n",
		"files/etc/crypttab":                       "cryptroot UUID=1 /etc/keys/root.key luks\n",
		"files/sys/class/block/dm-0/dm/name":       "cryptroot\n",
	}
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
	plain := func(string, mount) *volume {
		return &volume{Mount: "/boot", FSType: "ext4", Stack: []layer{{Type: "part"}, {Type: "disk"}}}
	}
	boot := []mount{{Source: "/dev/sda1", Target: "/boot", FSType: "ext4"}}
	rk := readRootKey(p, "dm-0", boot, plain)
	if rk.InImage != "keyfile_pattern" || rk.Boot == nil || rk.Unread != "" {
		t.Fatalf("%+v", rk)
	}
	if r := rootKeyPart(rk); r.Status != checks.Fail {
		t.Fatalf("%s: %s", r.Status, r.Summary)
	}
	if rk := readRootKey(p, "dm-1", boot, plain); rk.Unread == "" {
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
