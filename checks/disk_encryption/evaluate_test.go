package diskencryption

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
)

func i64(v int64) *int64 { return &v }
func intp(v int) *int    { return &v }

var (
	plainStack = []Layer{{Type: "part", FSType: "ext4"}, {Type: "disk"}}
	luksStack  = []Layer{{Type: "crypt", FSType: "ext4"}, {Type: "part", FSType: "crypto_LUKS"}, {Type: "disk"}}
)

func TestEvaluate(t *testing.T) {
	failHome := checks.Catalogue{Check}.Default()
	failHome = failHome.With("home_only_encryption", checks.Fail)
	tests := []struct {
		name     string
		f        Facts
		pol      *checks.Policy
		want     checks.Status
		inSum    string
		fixHas   string
		reasonIn string
	}{
		// Linux
		{name: "linux luks root", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "ext4", Stack: luksStack}}}, want: checks.Pass, inSum: "LUKS"},
		{name: "linux luks2 confirmed", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "ext4", Stack: luksStack, LUKSVersion: "2"}}}, want: checks.Pass, inSum: "LUKS2"},
		{name: "linux plain root", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "ext4", Stack: plainStack}}}, want: checks.Fail, fixHas: "reinstall"},
		{name: "linux plain root, ecryptfs home", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", Stack: plainStack}, HomeEncryption: []string{"ecryptfs"}}}, want: checks.Warn, inSum: "ecryptfs"},
		{name: "linux plain root, ecryptfs home, policy fail", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", Stack: plainStack}, HomeEncryption: []string{"ecryptfs"}}}, pol: &failHome, want: checks.Fail},
		{name: "linux plain root, luks /home", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", Stack: plainStack}, Home: &Volume{Mount: "/home", Stack: luksStack}}}, want: checks.Warn, inSum: "/home partition"},
		{name: "linux luks root, plain /home", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", Stack: luksStack}, Home: &Volume{Mount: "/home", Stack: plainStack}}}, want: checks.Fail, inSum: "/home"},
		{name: "linux luks root, plain swap", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", Stack: luksStack}, Swap: []Volume{{Mount: "swap", Kind: "partition", Stack: plainStack}}}}, want: checks.Warn, inSum: "swap"},
		// A swap file whose filesystem was not found could be on an
		// unencrypted disk: not a pass.
		{name: "linux luks root, unknown swap file", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", Stack: luksStack}, Swap: []Volume{{Mount: "swap", Kind: "file"}}}}, want: checks.Unknown, reasonIn: "swap file"},
		{name: "linux luks root, swap list unread", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", Stack: luksStack}, SwapUnread: "reading /proc/swaps: access denied"}}, want: checks.Unknown, reasonIn: "/proc/swaps"},
		{name: "linux luks root, swap list unread, plain /home", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", Stack: luksStack}, Home: &Volume{Mount: "/home", Stack: plainStack}, SwapUnread: "denied"}}, want: checks.Fail, inSum: "/home"},
		{name: "linux luks root, /home device not found", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", Stack: luksStack}, Home: &Volume{Mount: "/home", FSType: "ext4"}}}, want: checks.Unknown, reasonIn: "/home"},
		{name: "linux luks root, luks swap partition", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", Stack: luksStack}, Swap: []Volume{{Mount: "swap", Kind: "partition", Stack: luksStack}}}}, want: checks.Pass},
		{name: "linux overlay root", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "overlay"}}}, want: checks.Unknown, reasonIn: "overlay"},
		{name: "linux overlay root with ecryptfs", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "overlay"}, HomeEncryption: []string{"ecryptfs"}}}, want: checks.Unknown, reasonIn: "not full-disk"},
		{name: "linux tmpfs root", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "tmpfs"}}}, want: checks.Unknown, reasonIn: "memory"},
		{name: "linux nfs root", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "nfs4"}}}, want: checks.Unknown, reasonIn: "network"},
		{name: "linux device not found", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "ext4"}, Errors: []string{"lsblk: not found"}}}, want: checks.Unknown, reasonIn: "lsblk: not found"},
		{name: "linux no root", f: Facts{OS: "linux", Linux: &LinuxFacts{}}, want: checks.Unknown},
		{name: "linux zfs encrypted", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "zfs", ZFSEncryption: "aes-256-gcm"}}}, want: checks.Pass, inSum: "ZFS"},
		{name: "linux zfs off", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "zfs", ZFSEncryption: "off"}}}, want: checks.Fail},
		{name: "linux zfs no feature", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "zfs", ZFSEncryption: "-"}}}, want: checks.Fail},
		{name: "linux zfs unread", f: Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "zfs"}}}, want: checks.Unknown, reasonIn: "ZFS"},

		// macOS
		{name: "mac on", f: Facts{OS: "darwin", Darwin: &DarwinFacts{FDESetup: FVOn, APFSRead: true, DataVolumes: []APFSVolume{{FileVault: true, Encryption: true}}}}, want: checks.Pass},
		{name: "mac off hw encrypted", f: Facts{OS: "darwin", Darwin: &DarwinFacts{FDESetup: FVOff, APFSRead: true, DataVolumes: []APFSVolume{{Encryption: true}}}}, want: checks.Fail, inSum: "hardware", fixHas: "Turn On"},
		{name: "mac encrypting", f: Facts{OS: "darwin", Darwin: &DarwinFacts{FDESetup: FVEncrypting, Percent: new(34.0)}}, want: checks.Warn, inSum: "34 %"},
		{name: "mac decrypting", f: Facts{OS: "darwin", Darwin: &DarwinFacts{FDESetup: FVDecrypting}}, want: checks.Fail},
		{name: "mac deferred", f: Facts{OS: "darwin", Darwin: &DarwinFacts{FDESetup: FVDeferred}}, want: checks.Warn, fixHas: "log out"},
		{name: "mac restart", f: Facts{OS: "darwin", Darwin: &DarwinFacts{FDESetup: FVRestartPending}}, want: checks.Warn, fixHas: "restart"},
		{name: "mac on but diskutil off", f: Facts{OS: "darwin", Darwin: &DarwinFacts{FDESetup: FVOn, APFSRead: true, DataVolumes: []APFSVolume{{Encryption: true}}}}, want: checks.Unknown, reasonIn: "diskutil"},
		{name: "mac diskutil only on", f: Facts{OS: "darwin", Darwin: &DarwinFacts{FDESetupError: "not found", APFSRead: true, DataVolumes: []APFSVolume{{FileVault: true}}}}, want: checks.Pass},
		{name: "mac diskutil only migrating", f: Facts{OS: "darwin", Darwin: &DarwinFacts{FDESetup: FVUnrecognised, APFSRead: true, DataVolumes: []APFSVolume{{FileVault: true, CryptoMigrationOn: true}}}}, want: checks.Warn},
		{name: "mac diskutil only off", f: Facts{OS: "darwin", Darwin: &DarwinFacts{FDESetupError: "x", APFSRead: true, DataVolumes: []APFSVolume{{}}}}, want: checks.Fail},
		{name: "mac diskutil disagree", f: Facts{OS: "darwin", Darwin: &DarwinFacts{FDESetup: FVUnrecognised, APFSRead: true, DataVolumes: []APFSVolume{{}, {FileVault: true}}}}, want: checks.Unknown, reasonIn: "disagree"},
		{name: "mac nothing", f: Facts{OS: "darwin", Darwin: &DarwinFacts{FDESetupError: "fdesetup: not found", APFSError: "diskutil: not found"}}, want: checks.Unknown, reasonIn: "not found"},

		// Windows
		{name: "win on", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(1), ConversionStatus: i64(1), OSVolume: "wmi"}}, want: checks.Pass},
		{name: "win used space on", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "manage-bde", ProtectionStatus: i64(1), ConversionStatus: i64(1), UsedSpaceOnly: true, OSVolume: "manage-bde"}}, want: checks.Pass, inSum: "used space"},
		{name: "win on, volume not shown to be the system drive", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "manage-bde", ProtectionStatus: i64(1), ConversionStatus: i64(1)}}, want: checks.Unknown, reasonIn: "drive Windows runs from"},
		{name: "win off, volume not shown to be the system drive", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "manage-bde", ProtectionStatus: i64(0), ConversionStatus: i64(0)}}, want: checks.Fail},
		{name: "win suspended", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(1)}}, want: checks.Fail, fixHas: "Resume protection"},
		{name: "win waiting for activation", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "manage-bde", ProtectionStatus: i64(0), ConversionStatus: i64(1), KeyProtectors: intp(0)}}, want: checks.Fail, inSum: "waiting for activation"},
		{name: "win prot unknown", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(2), ConversionStatus: i64(1)}}, want: checks.Unknown},
		{name: "win encrypting with a protector", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(2), KeyProtectors: intp(2), OSVolume: "wmi"}}, want: checks.Warn},
		{name: "win encrypting, protectors unread", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(2), OSVolume: "wmi", ManageBDEError: "running manage-bde: not found"}}, want: checks.Unknown, reasonIn: "key protectors could not be read"},
		{name: "win encrypting, protectors denied", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(2), OSVolume: "wmi", AccessDenied: true}}, want: checks.Unknown, fixHas: "administrator"},
		{name: "win encrypting, no protector", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(2), KeyProtectors: intp(0), OSVolume: "wmi"}}, want: checks.Fail, inSum: "no key protector", fixHas: "Turn on BitLocker"},
		{name: "win encrypted, protection off, no protector", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(1), KeyProtectors: intp(0)}}, want: checks.Fail, inSum: "waiting for activation", fixHas: "key protector"},
		{name: "win encrypted, protection off, a protector", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(1), KeyProtectors: intp(1)}}, want: checks.Fail, inSum: "suspended", fixHas: "Resume protection"},
		{name: "win paused", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(4)}}, want: checks.Fail, fixHas: "Resume"},
		{name: "win paused with a protector", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(4), KeyProtectors: intp(2)}}, want: checks.Fail, fixHas: "Resume"},
		{name: "win paused, no protector", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(4), KeyProtectors: intp(0)}}, want: checks.Fail, inSum: "no key protector", fixHas: "Turn on BitLocker"},
		{name: "win no protector, protection unread", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", ConversionStatus: i64(1), KeyProtectors: intp(0), ManageBDEError: "manage-bde output not recognised (exit status 0)"}}, want: checks.Fail, inSum: "waiting for activation"},
		{name: "win no protector, nothing else read", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", KeyProtectors: intp(0)}}, want: checks.Fail, inSum: "no key protector"},
		{name: "win decrypted, no protector", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(0), KeyProtectors: intp(0)}}, want: checks.Fail, inSum: "not encrypted"},
		{name: "win off", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(0)}}, want: checks.Fail, fixHas: "Device encryption"},
		{name: "win decrypting", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(3)}}, want: checks.Fail},
		{name: "win decryption paused", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(0), ConversionStatus: i64(5)}}, want: checks.Fail},
		{name: "win odd conversion", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", Source: "wmi", ProtectionStatus: i64(1), ConversionStatus: i64(9)}}, want: checks.Unknown},
		{name: "win denied", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:", AccessDenied: true, WMIError: "access denied"}}, want: checks.Unknown, fixHas: "administrator"},
		{name: "win nothing", f: Facts{OS: "windows", Windows: &WindowsFacts{SystemDrive: "C:"}}, want: checks.Unknown, reasonIn: "no BitLocker status"},

		{name: "no facts", f: Facts{OS: "plan9"}, want: checks.Unknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pol := checks.Catalogue{Check}.Default()
			if tc.pol != nil {
				pol = *tc.pol
			}
			r := Evaluate(tc.f, pol)
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
	f := Facts{OS: "linux", Linux: &LinuxFacts{Root: &Volume{Mount: "/", FSType: "ext4", Stack: luksStack}, Swap: []Volume{{Mount: "swap", Kind: "partition", Stack: plainStack}}}}
	pol := checks.Catalogue{Check}.Default()
	for b.Loop() {
		_ = Evaluate(f, pol)
	}
}
