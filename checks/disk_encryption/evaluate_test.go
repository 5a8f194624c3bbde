package diskencryption

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
)

func i64(v int64) *int64 { return &v }
func intp(v int) *int    { return &v }

var (
	plainStack = []layer{{Type: "part", FSType: "ext4"}, {Type: "disk"}}
	luksStack  = []layer{{Type: "crypt", FSType: "ext4"}, {Type: "part", FSType: "crypto_LUKS"}, {Type: "disk"}}
	// nullCipherStack is LUKS whose header keeps the data with cipher_null.
	nullCipherStack = []layer{{Type: "crypt", FSType: "ext4"}, {Type: "part", FSType: "crypto_LUKS", NullCipher: true}, {Type: "disk"}}
)

func TestEvaluate(t *testing.T) {
	failHome := checks.Catalogue{Check}.Default()
	failHome = failHome.With("home_only_encryption", checks.Fail)
	tests := []struct {
		name     string
		f        facts
		pol      *checks.Policy
		want     checks.Status
		inSum    string
		fixHas   string
		reasonIn string
	}{
		// Linux
		{name: "linux luks root", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "ext4", Stack: luksStack}}}, want: checks.Pass, inSum: "LUKS"},
		{name: "linux luks2 confirmed", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "ext4", Stack: luksStack, LUKSVersion: "2"}}}, want: checks.Pass, inSum: "LUKS2"},
		{name: "linux plain root", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "ext4", Stack: plainStack}}}, want: checks.Fail, fixHas: "reinstall"},
		{name: "linux plain root, ecryptfs home", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: plainStack}, HomeEncryption: []string{"ecryptfs"}}}, want: checks.Warn, inSum: "ecryptfs"},
		{name: "linux plain root, ecryptfs home, policy fail", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: plainStack}, HomeEncryption: []string{"ecryptfs"}}}, pol: &failHome, want: checks.Fail},
		{name: "linux plain root, luks /home", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: plainStack}, Home: &volume{Mount: "/home", Stack: luksStack}}}, want: checks.Warn, inSum: "/home partition"},
		{name: "linux luks root, plain /home", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, Home: &volume{Mount: "/home", Stack: plainStack}}}, want: checks.Fail, inSum: "/home"},
		{name: "linux luks root, home on a plain disk", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, UserHome: &volume{Mount: "home folder", FSType: "ext4", Stack: plainStack}}}, want: checks.Fail, inSum: "your home folder is on another disk or partition that is not", fixHas: "move your home folder"},
		{name: "linux luks root, home on a luks disk", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, UserHome: &volume{Mount: "home folder", FSType: "ext4", Stack: luksStack}}}, want: checks.Pass, inSum: "LUKS"},
		{name: "linux luks root, home's filesystem unread", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, UserHomeUnread: "findmnt -T: access_denied"}}, want: checks.Unknown, reasonIn: "findmnt -T"},
		{name: "linux luks root, home on a network share", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, UserHome: &volume{Mount: "home folder", FSType: "nfs4"}}}, want: checks.Unknown, reasonIn: "network"},
		{name: "linux plain root, systemd-homed luks home", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: plainStack}, UserHome: &volume{Mount: "home folder", FSType: "ext4", Stack: luksStack}}}, want: checks.Warn, inSum: "your home folder's own filesystem"},
		{name: "linux luks root, a plain /data disk", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, Others: []volume{{Mount: "/data", FSType: "ext4", Stack: plainStack}}}}, want: checks.Warn, inSum: "another disk mounted at /data is not", fixHas: "Keep client files off it"},
		{name: "linux luks root, a luks /data disk", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, Others: []volume{{Mount: "/data", FSType: "ext4", Stack: luksStack}}}}, want: checks.Pass},
		{name: "linux luks root, a /data disk not seen", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, Others: []volume{{Mount: "/data", FSType: "ext4"}}}}, want: checks.Unknown, reasonIn: "/data"},
		{name: "linux plain root and a plain /data disk", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: plainStack}, Others: []volume{{Mount: "/data", FSType: "ext4", Stack: plainStack}}}}, want: checks.Fail, inSum: "system disk is not encrypted"},
		{name: "linux luks root, plain swap", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, Swap: []volume{{Mount: "swap", Kind: "partition", Stack: plainStack}}}}, want: checks.Warn, inSum: "swap"},
		// A swap file whose filesystem was not found could be on an
		// unencrypted disk: not a pass.
		{name: "linux luks root, unknown swap file", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, Swap: []volume{{Mount: "swap", Kind: "file"}}}}, want: checks.Unknown, reasonIn: "swap file"},
		{name: "linux luks root, swap list unread", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, SwapUnread: "reading /proc/swaps: access denied"}}, want: checks.Unknown, reasonIn: "/proc/swaps"},
		{name: "linux luks root, swap list unread, plain /home", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, Home: &volume{Mount: "/home", Stack: plainStack}, SwapUnread: "denied"}}, want: checks.Fail, inSum: "/home"},
		{name: "linux luks root, /home device not found", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, Home: &volume{Mount: "/home", FSType: "ext4"}}}, want: checks.Unknown, reasonIn: "/home"},
		{name: "linux luks root, luks swap partition", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, Swap: []volume{{Mount: "swap", Kind: "partition", Stack: luksStack}}}}, want: checks.Pass},
		// cipher_null: set up as LUKS, stored in plain text.
		{name: "linux luks root with cipher_null", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: nullCipherStack, LUKSVersion: "2"}}}, want: checks.Fail, inSum: "cipher_null", fixHas: "cryptsetup reencrypt"},
		{name: "linux luks root with cipher_null, other header unread", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: nullCipherStack, OtherStacks: [][]layer{{{Type: "crypt"}, {Type: "part", FSType: "crypto_LUKS", HeaderUnread: "denied"}}}}}}, want: checks.Fail, inSum: "cipher_null"},
		{name: "linux luks root with cipher_null, home unread", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: nullCipherStack}, HomeEncryptionUnread: "fscrypt: denied"}}, want: checks.Unknown, reasonIn: "cipher_null"},
		{name: "linux luks root, cipher_null /home", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, Home: &volume{Mount: "/home", Stack: nullCipherStack}}}, want: checks.Fail, inSum: "cipher_null", fixHas: "cryptsetup reencrypt"},
		{name: "linux luks root, cipher_null swap", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: luksStack}, Swap: []volume{{Mount: "swap", Kind: "partition", Stack: nullCipherStack}}}}, want: checks.Warn, inSum: "cipher_null"},
		{name: "linux luks1 root, header unread", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", Stack: []layer{{Type: "crypt"}, {Type: "part", FSType: "crypto_LUKS", HeaderUnread: "denied"}}, LUKSVersion: "1"}}}, want: checks.Unknown, reasonIn: "cipher_null"},
		{name: "linux overlay root", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "overlay"}}}, want: checks.Unknown, reasonIn: "overlay"},
		{name: "linux overlay root with ecryptfs", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "overlay"}, HomeEncryption: []string{"ecryptfs"}}}, want: checks.Unknown, reasonIn: "not full-disk"},
		{name: "linux tmpfs root", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "tmpfs"}}}, want: checks.Unknown, reasonIn: "memory"},
		{name: "linux nfs root", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "nfs4"}}}, want: checks.Unknown, reasonIn: "network"},
		{name: "linux device not found", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "ext4"}, Errors: []string{"lsblk: not found"}}}, want: checks.Unknown, reasonIn: "lsblk: not found"},
		{name: "linux no root", f: facts{OS: "linux", Linux: &linuxFacts{}}, want: checks.Unknown},
		{name: "linux zfs encrypted", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "zfs", ZFSEncryption: "aes-256-gcm"}}}, want: checks.Pass, inSum: "ZFS"},
		{name: "linux zfs off", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "zfs", ZFSEncryption: "off"}}}, want: checks.Fail},
		{name: "linux zfs no feature", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "zfs", ZFSEncryption: "-"}}}, want: checks.Fail},
		{name: "linux zfs unread", f: facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "zfs"}}}, want: checks.Unknown, reasonIn: "ZFS"},

		// macOS
		{name: "mac on", f: facts{OS: "darwin", Darwin: &darwinFacts{FDESetup: fvOn, APFSRead: true, DataVolumes: []apfsVolume{{FileVault: true, Encryption: true}}}}, want: checks.Pass},
		{name: "mac off hw encrypted", f: facts{OS: "darwin", Darwin: &darwinFacts{FDESetup: fvOff, APFSRead: true, DataVolumes: []apfsVolume{{Encryption: true}}}}, want: checks.Fail, inSum: "hardware", fixHas: "Turn On"},
		{name: "mac encrypting", f: facts{OS: "darwin", Darwin: &darwinFacts{FDESetup: fvEncrypting, Percent: new(34.0)}}, want: checks.Warn, inSum: "34 %"},
		{name: "mac decrypting", f: facts{OS: "darwin", Darwin: &darwinFacts{FDESetup: fvDecrypting}}, want: checks.Fail},
		{name: "mac deferred", f: facts{OS: "darwin", Darwin: &darwinFacts{FDESetup: fvDeferred}}, want: checks.Warn, fixHas: "log out"},
		{name: "mac restart", f: facts{OS: "darwin", Darwin: &darwinFacts{FDESetup: fvRestartPending}}, want: checks.Warn, fixHas: "restart"},
		{name: "mac on but diskutil off", f: facts{OS: "darwin", Darwin: &darwinFacts{FDESetup: fvOn, APFSRead: true, DataVolumes: []apfsVolume{{Encryption: true}}}}, want: checks.Unknown, reasonIn: "diskutil"},
		{name: "mac diskutil only on", f: facts{OS: "darwin", Darwin: &darwinFacts{FDESetupError: "not found", APFSRead: true, DataVolumes: []apfsVolume{{FileVault: true}}}}, want: checks.Pass},
		{name: "mac diskutil only migrating", f: facts{OS: "darwin", Darwin: &darwinFacts{FDESetup: fvUnrecognised, APFSRead: true, DataVolumes: []apfsVolume{{FileVault: true, CryptoMigrationOn: true}}}}, want: checks.Warn},
		{name: "mac diskutil only off", f: facts{OS: "darwin", Darwin: &darwinFacts{FDESetupError: "x", APFSRead: true, DataVolumes: []apfsVolume{{}}}}, want: checks.Fail},
		{name: "mac diskutil disagree", f: facts{OS: "darwin", Darwin: &darwinFacts{FDESetup: fvUnrecognised, APFSRead: true, DataVolumes: []apfsVolume{{}, {FileVault: true}}}}, want: checks.Unknown, reasonIn: "disagree"},
		{name: "mac nothing", f: facts{OS: "darwin", Darwin: &darwinFacts{FDESetupError: "fdesetup: not found", APFSError: "diskutil: not found"}}, want: checks.Unknown, reasonIn: "not found"},

		// Windows
		{name: "win on", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(1), ConversionStatus: i64(1), OSVolume: "wmi"}}, want: checks.Pass},
		{name: "win on by manage-bde, drives not listed", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "manage-bde", ProtectionStatus: i64(1), ConversionStatus: i64(1), OSVolume: "manage-bde", DataDrivesUnread: "wmi x: access denied"}}, want: checks.Unknown, reasonIn: "drives could not be listed"},
		{name: "win on by manage-bde, old facts, WMI denied", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "manage-bde", ProtectionStatus: i64(1), ConversionStatus: i64(1), OSVolume: "manage-bde", WMIError: "wmi x: access denied"}}, want: checks.Unknown, reasonIn: "drives could not be listed"},
		{name: "win on by manage-bde, old facts, rows read", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "manage-bde", ProtectionStatus: i64(1), ConversionStatus: i64(1), OSVolume: "manage-bde", WMIError: "Win32_EncryptableVolume lists no operating-system volume (VolumeType 0) for C:"}}, want: checks.Pass},
		{name: "win off by manage-bde, drives not listed", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "manage-bde", ProtectionStatus: i64(0), ConversionStatus: i64(0), OSVolume: "manage-bde", DataDrivesUnread: "wmi x: access denied"}}, want: checks.Fail},
		{name: "win used space on", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "manage-bde", ProtectionStatus: i64(1), ConversionStatus: i64(1), UsedSpaceOnly: true, OSVolume: "manage-bde"}}, want: checks.Pass, inSum: "used space"},
		{name: "win on, volume not shown to be the system drive", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "manage-bde", ProtectionStatus: i64(1), ConversionStatus: i64(1)}}, want: checks.Unknown, reasonIn: "drive Windows runs from"},
		{name: "win off, volume not shown to be the system drive", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "manage-bde", ProtectionStatus: i64(0), ConversionStatus: i64(0)}}, want: checks.Fail},
		{name: "win suspended", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(1)}}, want: checks.Fail, fixHas: "Resume protection"},
		{name: "win waiting for activation", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "manage-bde", ProtectionStatus: i64(0), ConversionStatus: i64(1), KeyProtectors: intp(0)}}, want: checks.Fail, inSum: "waiting for activation"},
		{name: "win prot unknown", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(2), ConversionStatus: i64(1)}}, want: checks.Unknown},
		{name: "win encrypting with a protector", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(2), KeyProtectors: intp(2), OSVolume: "wmi"}}, want: checks.Warn},
		{name: "win encrypting, protectors unread", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(2), OSVolume: "wmi", ManageBDEError: "running manage-bde: not found"}}, want: checks.Unknown, reasonIn: "key protectors could not be read"},
		{name: "win encrypting, protectors denied", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(2), OSVolume: "wmi", AccessDenied: true}}, want: checks.Unknown, fixHas: "administrator"},
		{name: "win encrypting, no protector", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(2), KeyProtectors: intp(0), OSVolume: "wmi"}}, want: checks.Fail, inSum: "no key protector", fixHas: "Turn on BitLocker"},
		{name: "win encrypted, protection off, no protector", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(1), KeyProtectors: intp(0)}}, want: checks.Fail, inSum: "waiting for activation", fixHas: "key protector"},
		{name: "win encrypted, protection off, a protector", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(1), KeyProtectors: intp(1)}}, want: checks.Fail, inSum: "suspended", fixHas: "Resume protection"},
		{name: "win paused", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(4)}}, want: checks.Fail, fixHas: "Resume"},
		{name: "win paused with a protector", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(4), KeyProtectors: intp(2)}}, want: checks.Fail, fixHas: "Resume"},
		{name: "win paused, no protector", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(4), KeyProtectors: intp(0)}}, want: checks.Fail, inSum: "no key protector", fixHas: "Turn on BitLocker"},
		{name: "win no protector, protection unread", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", ConversionStatus: i64(1), KeyProtectors: intp(0), ManageBDEError: "manage-bde output not recognised (exit status 0)"}}, want: checks.Fail, inSum: "waiting for activation"},
		{name: "win no protector, nothing else read", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", KeyProtectors: intp(0)}}, want: checks.Fail, inSum: "no key protector"},
		{name: "win decrypted, no protector", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(0), KeyProtectors: intp(0)}}, want: checks.Fail, inSum: "not encrypted"},
		{name: "win off", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(0)}}, want: checks.Fail, fixHas: "Device encryption"},
		{name: "win decrypting", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(3)}}, want: checks.Fail},
		{name: "win decryption paused", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(5)}}, want: checks.Fail},
		{name: "win odd conversion", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(1), ConversionStatus: i64(9)}}, want: checks.Unknown},
		{name: "win denied", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:", AccessDenied: true, WMIError: "access denied"}}, want: checks.Unknown, fixHas: "administrator"},
		{name: "win nothing", f: facts{OS: "windows", Windows: &windowsFacts{SystemDrive: "C:"}}, want: checks.Unknown, reasonIn: "no BitLocker status"},

		{name: "no facts", f: facts{OS: "plan9"}, want: checks.Unknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pol := checks.Catalogue{Check}.Default()
			if tc.pol != nil {
				pol = *tc.pol
			}
			r := evaluate(tc.f, pol)
			if r.Status != tc.want {
				t.Fatalf("status = %s, want %s (%+v)", r.Status, tc.want, r)
			}
			if r.Summary == "" || strings.Contains(r.Summary, "\n") {
				t.Errorf("summary must be one non-empty line: %q", r.Summary)
			}
			if (r.Status != checks.Pass) != (r.Fix != "") {
				t.Errorf("fix %q for status %s", r.Fix, r.Status)
			}
			if (r.Status == checks.Unknown) != (r.Reason != "") {
				t.Errorf("reason %q for status %s", r.Reason, r.Status)
			}
			if !strings.Contains(r.Summary, tc.inSum) {
				t.Errorf("summary %q lacks %q", r.Summary, tc.inSum)
			}
			if !strings.Contains(r.Fix, tc.fixHas) {
				t.Errorf("fix %q lacks %q", r.Fix, tc.fixHas)
			}
			if !strings.Contains(r.Reason, tc.reasonIn) {
				t.Errorf("reason %q lacks %q", r.Reason, tc.reasonIn)
			}
		})
	}
}

func BenchmarkEvaluate(b *testing.B) {
	f := facts{OS: "linux", Linux: &linuxFacts{Root: &volume{Mount: "/", FSType: "ext4", Stack: luksStack}, Swap: []volume{{Mount: "swap", Kind: "partition", Stack: plainStack}}}}
	pol := checks.Catalogue{Check}.Default()
	for b.Loop() {
		_ = evaluate(f, pol)
	}
}

func TestOtherDisks(t *testing.T) {
	tests := []struct {
		m    mount
		want bool
	}{
		{mount{Source: "/dev/sdb1", Target: "/data", FSType: "ext4"}, true},
		{mount{Source: "/dev/nvme0n1p4", Target: "/srv/clients", FSType: "xfs"}, true},
		{mount{Source: "/dev/sdc1", Target: "/mnt/shared", FSType: "ntfs3"}, true},
		{mount{Source: "/dev/nvme0n1p1", Target: "/boot/efi", FSType: "vfat"}, false},
		{mount{Source: "/dev/nvme0n1p2", Target: "/boot", FSType: "ext4"}, false},
		{mount{Source: "/dev/sdb1", Target: "/media/sam/USB", FSType: "vfat"}, false},
		{mount{Source: "/dev/sdb1", Target: "/run/media/sam/USB", FSType: "vfat"}, false},
		{mount{Source: "/dev/loop0", Target: "/snap/core22/1380", FSType: "squashfs"}, false},
		{mount{Source: "/dev/sda1", Target: "/etc/resolv.conf", FSType: "ext4"}, false},
		{mount{Source: "tmpfs", Target: "/data", FSType: "tmpfs"}, false},
		{mount{Source: "server:/export", Target: "/data", FSType: "nfs4"}, false},
	}
	for _, tt := range tests {
		if got := otherDisk(tt.m); got != tt.want {
			t.Errorf("%+v: %v, want %v", tt.m, got, tt.want)
		}
	}
	if got := mountLabel("/home/sam/Clients"); got != "a folder under /home" {
		t.Errorf("label of a folder in a home: %q", got)
	}
	for in, want := range map[string]string{"/data": "/data", "/srv/clients": "/srv/…", "/mnt/Sam Archive/x": "/mnt/…", "/var/home/sam": "a folder under /var/home"} {
		if got := mountLabel(in); got != want {
			t.Errorf("label of %s: %q, want %q", in, got, want)
		}
	}
}
