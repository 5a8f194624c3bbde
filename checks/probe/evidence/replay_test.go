package evidence

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// writeBundle writes the named files into a new bundle directory.
func writeBundle(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const windowsManifest = `{"format":"sessionguard.evidence/v1","goos":"windows","recorded_at":"2026-11-01T10:00:00Z","oem_codepage":850}`

func windowsBundle(t testing.TB) string {
	return writeBundle(t, map[string]string{
		ManifestFile: windowsManifest,
		CommandsFile: `[
 {"argv":["C:\\Windows\\System32\\manage-bde.exe","-status","C:"],"stdout":"","stdout_b64":"S29udmVydGllcnVuZ3NzdGF0dXM6ICAgIFZvbGxzdIRuZGln","stderr":"","exit_code":0},
 {"argv":["netsh","advfirewall","show","currentprofile"],"stdout":"State ON\r\n","stderr":"","exit_code":0},
 {"argv":["netsh","advfirewall","show","currentprofile"],"stdout":"second, never answered","stderr":"","exit_code":0}
]`,
		RegistryFile:                `{"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon":{"AutoAdminLogon":"1","ShutdownFlags":2147483687,"Multi":["a","b"]}}`,
		WMIFile:                     `[{"namespace":"root\\SecurityCenter2","class":"AntiVirusProduct","rows":[{"displayName":"Windows Defender","productState":397568,"pathToSignedProductExe":null,"ratio":1.5}]},{"namespace":"ROOT/CIMV2","class":"Win32_Empty","rows":[]}]`,
		"files/C/ProgramData/x.txt": "hello",
		DeniedFile:                  `[{"kind":"registry","key":"HKLM\\SAM\\SAM","value":"V"},{"kind":"wmi","namespace":"root/cimv2/Security/MicrosoftVolumeEncryption","class":"Win32_EncryptableVolume"},{"kind":"command","argv":["manage-bde","-status","D:"]},{"kind":"file","path":"C:\\secret.txt"}]`,
	})
}

func TestReplayCommands(t *testing.T) {
	r, err := OpenReplay(windowsBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	if r.GOOS() != "windows" || !r.Now().Equal(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("manifest: goos %q now %v", r.GOOS(), r.Now())
	}
	out, err := r.Run(t.Context(), probe.CmdManageBDE, "-status", "C:")
	if err != nil {
		t.Fatal(err)
	}
	if got := probe.ConsoleText(r, out.Stdout); got != "Konvertierungsstatus:    Vollständig" {
		t.Errorf("decoded CP850 = %q", got)
	}
	out, err = r.Run(t.Context(), probe.CmdNetsh, "advfirewall", "show", "currentprofile")
	if err != nil || string(out.Stdout) != "State ON\r\n" {
		t.Errorf("first matching entry: %q, %v", out.Stdout, err)
	}
	for _, args := range [][]string{{"-status"}, {"-status", "c:"}, {"-status", "C:", "extra"}} {
		if _, err := r.Run(t.Context(), probe.CmdManageBDE, args...); !errors.Is(err, probe.ErrNotFound) {
			t.Errorf("manage-bde %q: err %v, want ErrNotFound", args, err)
		}
	}
	if _, err := r.Run(t.Context(), probe.CmdManageBDE, "-status", "D:"); !errors.Is(err, probe.ErrAccessDenied) {
		t.Errorf("denied command: %v", err)
	}
	if _, err := r.Run(t.Context(), probe.CmdNft); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("absent command: %v", err)
	}
}

func TestReplayRegistryWMIFiles(t *testing.T) {
	r, err := OpenReplay(windowsBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	key := `hklm\software\microsoft\WINDOWS NT\CurrentVersion\Winlogon`
	if v, err := r.Registry(key, "autoadminlogon"); err != nil || v != "1" {
		t.Errorf("string value: %v %v", v, err)
	}
	if v, err := r.Registry(key, "ShutdownFlags"); err != nil || v != uint64(2147483687) {
		t.Errorf("dword value: %#v %v", v, err)
	}
	if v, err := r.Registry(key, "Multi"); err != nil || !slices.Equal(v.([]string), []string{"a", "b"}) {
		t.Errorf("multi value: %#v %v", v, err)
	}
	if _, err := r.Registry(key, "DefaultPassword"); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("absent value: %v", err)
	}
	if _, err := r.Registry(`HKLM\SAM\SAM`, "v"); !errors.Is(err, probe.ErrAccessDenied) {
		t.Errorf("denied value: %v", err)
	}
	rows, err := r.WMI("ROOT/securitycenter2", "antivirusproduct")
	if err != nil || len(rows) != 1 {
		t.Fatalf("wmi: %v %v", rows, err)
	}
	if rows[0]["productState"] != int64(397568) || rows[0]["pathToSignedProductExe"] != nil || rows[0]["ratio"] != 1.5 {
		t.Errorf("wmi row types: %#v", rows[0])
	}
	if rows, err := r.WMI(`root\cimv2`, "Win32_Empty"); err != nil || rows == nil || len(rows) != 0 {
		t.Errorf("empty class: %v %v", rows, err)
	}
	if _, err := r.WMI(`root\cimv2`, "Win32_Nothing"); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("absent class: %v", err)
	}
	if _, err := r.WMI(`root\CIMV2\Security\MicrosoftVolumeEncryption`, "Win32_EncryptableVolume"); !errors.Is(err, probe.ErrAccessDenied) {
		t.Errorf("denied class: %v", err)
	}
	if b, err := r.ReadFile(`C:\ProgramData\x.txt`); err != nil || string(b) != "hello" {
		t.Errorf("windows file: %q %v", b, err)
	}
	if _, err := r.ReadFile(`C:\secret.txt`); !errors.Is(err, probe.ErrAccessDenied) {
		t.Errorf("denied file: %v", err)
	}
	if names, err := r.ReadDir(`C:\ProgramData`); err != nil || !slices.Equal(names, []string{"x.txt"}) {
		t.Errorf("dir: %v %v", names, err)
	}
	if _, err := r.ReadFile("/etc/passwd"); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("absent file: %v", err)
	}
	if _, err := r.Processes(); !errors.Is(err, probe.ErrUnavailable) {
		t.Errorf("no processes.json: %v", err)
	}
}

func TestReplayProcesses(t *testing.T) {
	r, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile:  `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z"}`,
		ProcessesFile: `[]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := r.Processes()
	if err != nil || len(ps) != 0 {
		t.Errorf("empty process list: %v %v", ps, err)
	}
}

func TestOpenReplayRejectsBadBundles(t *testing.T) {
	good := `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z"}`
	cases := map[string]map[string]string{
		"no manifest":         {CommandsFile: `[]`},
		"wrong format":        {ManifestFile: `{"format":"other/v9","goos":"linux","recorded_at":"2026-11-01T10:00:00Z"}`},
		"bad goos":            {ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"plan9","recorded_at":"2026-11-01T10:00:00Z"}`},
		"no recorded_at":      {ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"linux"}`},
		"corrupt manifest":    {ManifestFile: `{"format":`},
		"corrupt commands":    {ManifestFile: good, CommandsFile: `[{"argv":`},
		"empty argv":          {ManifestFile: good, CommandsFile: `[{"argv":[]}]`},
		"bad base64":          {ManifestFile: good, CommandsFile: `[{"argv":["x"],"stdout_b64":"!!"}]`},
		"bad registry value":  {ManifestFile: good, RegistryFile: `{"HKLM\\X":{"v":{"nested":1}}}`},
		"negative registry":   {ManifestFile: good, RegistryFile: `{"HKLM\\X":{"v":-1}}`},
		"corrupt wmi":         {ManifestFile: good, WMIFile: `{}`},
		"corrupt processes":   {ManifestFile: good, ProcessesFile: `{"pid":1}`},
		"corrupt denied list": {ManifestFile: good, DeniedFile: `"x"`},
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := OpenReplay(writeBundle(t, files))
			if !errors.Is(err, ErrBadBundle) {
				t.Fatalf("err = %v, want ErrBadBundle", err)
			}
		})
	}
	if _, err := OpenReplay(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, ErrBadBundle) || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("missing dir: %v", err)
	}
}

func TestCommandBaseAndBundlePath(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/sbin/nft":                      "nft",
		`C:\Windows\System32\manage-bde.exe`: "manage-bde",
		"NETSH.EXE":                          "netsh",
		"socketfilterfw":                     "socketfilterfw",
		"/usr/bin/x.exe.sh":                  "x.exe.sh",
	} {
		if got := CommandBase(in); got != want {
			t.Errorf("CommandBase(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"/etc/gdm3/custom.conf":                "files/etc/gdm3/custom.conf",
		`C:\ProgramData\x.txt`:                 "files/C/ProgramData/x.txt",
		"/../../etc/passwd":                    "files/etc/passwd",
		"/Library/Managed Preferences/a.plist": "files/Library/Managed Preferences/a.plist",
	} {
		if got := BundlePath(in); got != want {
			t.Errorf("BundlePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeConsole(t *testing.T) {
	utf16 := []byte{0xFF, 0xFE, 'S', 0, 't', 0, 0xE4, 0}
	cases := []struct {
		name string
		in   []byte
		cp   int
		want string
	}{
		{"cp850 umlaut", []byte("Gesch\x81tzt"), 850, "Geschützt"},
		{"cp437 same for ascii", []byte("State ON"), 437, "State ON"},
		{"utf8 kept", []byte("État Actif"), 850, "État Actif"},
		{"utf8 bom dropped", []byte("\xEF\xBB\xBFok"), 850, "ok"},
		{"utf16 bom", utf16, 850, "Stä"},
		{"utf16 no bom", utf16[2:], 850, "Stä"},
		{"cp866 cyrillic", []byte{0x82, 0xAA, 0xAB}, 866, "Вкл"},
	}
	for _, c := range cases {
		if got := probe.DecodeConsole(c.in, c.cp); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func BenchmarkOpenReplay(b *testing.B) {
	dir := windowsBundle(b)
	for b.Loop() {
		if _, err := OpenReplay(dir); err != nil {
			b.Fatal(err)
		}
	}
}

func TestReplayConsoleUserAndMDNS(t *testing.T) {
	r, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"darwin","recorded_at":"2026-11-01T10:00:00Z","console_user":{"uid":"501","home":"/Users/sam"}}`,
		CommandsFile: `[
 {"argv":["/usr/bin/defaults","read","com.apple.Siri","VoiceTriggerUserEnabled"],"stdout":"root says 0\n","stderr":"","exit_code":0},
 {"argv":["/usr/bin/defaults","read","com.apple.Siri","VoiceTriggerUserEnabled"],"stdout":"1\n","stderr":"","exit_code":0,"as":"console_user"}
]`,
		MDNSFile:   `[{"service":"_googlecast._tcp","instances":[{"name":"Kitchen speaker","port":8009,"txt":["md=Google Home Mini"]}]}]`,
		DeniedFile: `[{"kind":"command","as":"console_user","argv":["sysadminctl","-screenLock","status"]}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	u, err := r.ConsoleUser()
	if err != nil || u.UID != "501" || u.Home != "/Users/sam" {
		t.Errorf("console user: %+v %v", u, err)
	}
	out, err := r.RunAsConsoleUser(t.Context(), probe.CmdDefaults, "read", "com.apple.Siri", "VoiceTriggerUserEnabled")
	if err != nil || string(out.Stdout) != "1\n" {
		t.Errorf("as console user: %q %v", out.Stdout, err)
	}
	out, err = r.Run(t.Context(), probe.CmdDefaults, "read", "com.apple.Siri", "VoiceTriggerUserEnabled")
	if err != nil || string(out.Stdout) != "root says 0\n" {
		t.Errorf("as root: %q %v", out.Stdout, err)
	}
	if _, err := r.RunAsConsoleUser(t.Context(), probe.CmdSysadminctl, "-screenLock", "status"); !errors.Is(err, probe.ErrAccessDenied) {
		t.Errorf("denied user command: %v", err)
	}
	if _, err := r.Run(t.Context(), probe.CmdSysadminctl, "-screenLock", "status"); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("the denial is for the user context only: %v", err)
	}
	found, err := r.MDNS(t.Context(), "_GoogleCast._tcp")
	if err != nil || len(found) != 1 || found[0].Port != 8009 {
		t.Errorf("mdns: %+v %v", found, err)
	}
	if found, err := r.MDNS(t.Context(), "_amzn-wplay._tcp"); err != nil || len(found) != 0 {
		t.Errorf("service nobody answered: %+v %v", found, err)
	}
	plain, _ := OpenReplay(writeBundle(t, map[string]string{ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z"}`}))
	if _, err := plain.MDNS(t.Context(), "_googlecast._tcp"); !errors.Is(err, probe.ErrUnavailable) {
		t.Errorf("no mdns.json: %v", err)
	}
	if _, err := plain.ConsoleUser(); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("no console user: %v", err)
	}
}
