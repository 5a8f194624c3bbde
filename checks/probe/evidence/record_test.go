package evidence

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// TestRecordMDNSIsPseudonymous: instance and host names often carry a
// person's name, so a bundle keeps pseudonyms; a failed browse replays as
// failed.
func TestRecordMDNSIsPseudonymous(t *testing.T) {
	inner, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"darwin","recorded_at":"2026-11-01T10:00:00Z"}`,
		MDNSFile: `[{"service":"_raop._tcp","instances":[{"name":"AABBCCDDEEFF@Sam's HomePod","host":"Sams-HomePod.local.","port":7000,"txt":["am=AudioAccessory5,1"]}]},
 {"service":"_amzn-wplay._tcp","instances":[],"error":"no multicast interface"}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(inner)
	found, err := rec.MDNS(t.Context(), "_raop._tcp")
	if err != nil || len(found) != 1 || found[0].Name != "AABBCCDDEEFF@Sam's HomePod" {
		t.Fatalf("the recorder must pass the real answer through: %+v %v", found, err)
	}
	if _, err := rec.MDNS(t.Context(), "_amzn-wplay._tcp"); !errors.Is(err, probe.ErrUnavailable) {
		t.Fatalf("failed browse: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, MDNSFile))
	if strings.Contains(string(raw), "Sam") {
		t.Errorf("a person's name reached the bundle: %s", raw)
	}
	var browses []MDNSBrowse
	if err := json.Unmarshal(raw, &browses); err != nil {
		t.Fatal(err)
	}
	got := browses[0].Instances[0]
	if !strings.HasPrefix(got.Name, "AABBCCDDEEFF@instance-") || !strings.HasPrefix(got.Host, "host-") || got.TXT[0] != "am=AudioAccessory5,1" || got.Port != 7000 {
		t.Errorf("recorded instance: %+v", got)
	}
	rp, err := OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.MDNS(t.Context(), "_amzn-wplay._tcp"); !errors.Is(err, probe.ErrUnavailable) {
		t.Errorf("a failed browse must replay as failed: %v", err)
	}
	if again, _ := rp.MDNS(t.Context(), "_raop._tcp"); len(again) != 1 || again[0].Name != got.Name {
		t.Errorf("replayed: %+v", again)
	}
}

// TestRecordScrubsWhatItKeeps: a scrubber changes what the bundle keeps,
// never what the check is given.
func TestRecordScrubsWhatItKeeps(t *testing.T) {
	inner, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z"}`,
		CommandsFile: `[{"argv":["/usr/bin/nmcli","dev"],"stdout":"wlan0 connected HomeNet\n","stderr":"","exit_code":0},
 {"argv":["/usr/bin/findmnt","/"],"stdout":"/ ext4\n","stderr":"","exit_code":0}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	scrub := func(name string, args []string, out []byte) []byte {
		calls = append(calls, name)
		if name != "nmcli" {
			return out
		}
		return []byte(strings.ReplaceAll(string(out), "HomeNet", Pseudonym("network", "HomeNet")))
	}
	rec := NewRecorder(inner, scrub)
	out, err := rec.Run(t.Context(), probe.CmdNmcli, "dev")
	if err != nil || string(out.Stdout) != "wlan0 connected HomeNet\n" {
		t.Fatalf("the check must see the real output: %q %v", out.Stdout, err)
	}
	if _, err := rec.Run(t.Context(), probe.CmdFindmnt, "/"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, CommandsFile))
	if strings.Contains(string(raw), "HomeNet") || !strings.Contains(string(raw), rec.BundlePseudonym("network", "HomeNet")) || !strings.Contains(string(raw), "/ ext4") {
		t.Errorf("bundle commands: %s", raw)
	}
	if len(calls) != 4 || calls[0] != "nmcli" || calls[2] != "findmnt" {
		t.Errorf("scrubber called for %v, want stdout and stderr of each command by logical name", calls)
	}
	if p := rec.BundlePseudonym("network", "HomeNet"); p != rec.BundlePseudonym("network", "homenet") || !strings.HasPrefix(p, "network-") || len(p) != len("network-")+16 {
		t.Errorf("Pseudonym = %q", p)
	}
}

// TestRecordPseudonymisesTheConsoleUser: the bundle names the person at
// the screen by a pseudonym only — in the manifest, in every path under
// their home folder (files, listings, command arguments, denied sources)
// and as the user of their processes — and replays: the home folder the
// replayed console user has is where the recorded files are. Another
// person's home (/home/sam2) moves with their own pseudonym.
func TestRecordPseudonymisesTheConsoleUser(t *testing.T) {
	inner, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z",
 "console_user":{"uid":"1000","name":"sam","home":"/home/sam"}}`,
		CommandsFile:                             `[{"argv":["/usr/bin/fscrypt","/home/sam/.config"],"stdout":"kscreenlockerrc\n","stderr":"","exit_code":0}]`,
		DirsFile:                                 `{"/home":["sam","sam2"]}`,
		ProcessesFile:                            `[{"pid":7,"name":"siri","exe":"/usr/bin/siri","cmdline":["siri"],"user":"sam"},{"pid":1,"name":"init","exe":"/sbin/init","cmdline":["init"],"user":"root"}]`,
		"files/home/sam/.config/kscreenlockerrc": "[Daemon]\nTimeout=5\n",
		"files/home/sam2/notes":                  "not under sam's home",
	}))
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(inner)
	u, err := rec.ConsoleUser()
	if err != nil || u.Name != "sam" {
		t.Fatalf("the recorder must pass the real user through: %+v %v", u, err)
	}
	for _, p := range []string{"/home/sam/.config/kscreenlockerrc", "/home/sam2/notes"} {
		if _, err := rec.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rec.ReadFile("/home/sam/.missing"); err == nil {
		t.Fatal("a missing file was found")
	}
	if _, err := rec.ReadDir("/home"); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Run(t.Context(), probe.CmdFscrypt, "/home/sam/.config"); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Processes(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	sam := rec.BundlePseudonym("user", "sam")
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.Contains(filepath.ToSlash(rel), "/sam") {
			t.Errorf("a path still names sam: %s", rel)
		}
		if !d.IsDir() {
			b, _ := os.ReadFile(p)
			if strings.Contains(string(b), `"sam`) || strings.Contains(string(b), "/sam") || strings.Contains(string(b), "sam2") {
				t.Errorf("%s still names sam:\n%s", rel, b)
			}
		}
		return nil
	})
	rp, err := OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rp.ConsoleUser()
	if err != nil || got.Name != sam || got.Home != "/home/"+sam || got.UID != "1000" {
		t.Fatalf("replayed console user %+v, %v; want %s at /home/%s", got, err, sam, sam)
	}
	if b, err := rp.ReadFile(got.Home + "/.config/kscreenlockerrc"); err != nil || !strings.Contains(string(b), "Timeout=5") {
		t.Errorf("the file under the home folder: %q, %v", b, err)
	}
	// Another person's home moves with its owner's pseudonym, not with sam's.
	sam2 := rec.BundlePseudonym("user", "sam2")
	if _, err := rp.ReadFile("/home/" + sam2 + "/notes"); err != nil {
		t.Errorf("a file in another person's home: %v", err)
	}
	if _, err := rp.ReadFile(got.Home + "/.missing"); !errors.Is(err, probe.ErrNotFound) && !errors.Is(err, probe.ErrAccessDenied) {
		t.Errorf("the missing file under the home folder: %v", err)
	}
	if names, err := rp.ReadDir("/home"); err != nil || len(names) != 2 || !slices.Contains(names, sam) || !slices.Contains(names, sam2) {
		t.Errorf("/home lists %v, %v", names, err)
	}
	if out, err := rp.Run(t.Context(), probe.CmdFscrypt, got.Home+"/.config"); err != nil || string(out.Stdout) != "kscreenlockerrc\n" {
		t.Errorf("the command on the home folder: %q, %v", out.Stdout, err)
	}
	if procs, err := rp.Processes(); err != nil || procs[0].User != sam || procs[1].User != "root" {
		t.Errorf("process users %+v, %v", procs, err)
	}
}

// TestRecordPseudonymisesManagedPreferencesFolder: the person's folder of
// user-scope configuration profiles (/Library/Managed Preferences/<name>)
// takes their pseudonym, in the files read and the sources denied, and
// replay answers the path built from the pseudonymised name; the
// computer-level file next to it stays.
func TestRecordPseudonymisesManagedPreferencesFolder(t *testing.T) {
	const mp = "/Library/Managed Preferences/"
	inner, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"darwin","recorded_at":"2026-11-01T10:00:00Z",
 "console_user":{"uid":"501","name":"sam","home":"/Users/sam"}}`,
		DeniedFile: `[{"kind":"file","path":"/Library/Managed Preferences/sam/com.apple.loginwindow.plist"}]`,
		"files/Library/Managed Preferences/sam/com.apple.screensaver.plist": "user scope",
		"files/Library/Managed Preferences/com.apple.screensaver.plist":     "computer scope",
	}))
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(inner)
	if u, err := rec.ConsoleUser(); err != nil || u.Name != "sam" {
		t.Fatalf("the recorder must pass the real user through: %+v %v", u, err)
	}
	for _, p := range []string{mp + "sam/com.apple.screensaver.plist", mp + "com.apple.screensaver.plist"} {
		if _, err := rec.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rec.ReadFile(mp + "sam/com.apple.loginwindow.plist"); !errors.Is(err, probe.ErrAccessDenied) {
		t.Fatalf("the denied file: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b := []byte{}
		if !d.IsDir() {
			b, _ = os.ReadFile(p)
		}
		if strings.Contains(filepath.ToSlash(rel), "/sam") || strings.Contains(string(b), "/sam") {
			t.Errorf("%s still names sam", rel)
		}
		return nil
	})
	rp, err := OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	u, err := rp.ConsoleUser()
	if err != nil || u.Name == "sam" {
		t.Fatalf("replayed console user %+v, %v", u, err)
	}
	if b, err := rp.ReadFile(mp + u.Name + "/com.apple.screensaver.plist"); err != nil || string(b) != "user scope" {
		t.Errorf("the user-scope file: %q, %v", b, err)
	}
	if b, err := rp.ReadFile(mp + "com.apple.screensaver.plist"); err != nil || string(b) != "computer scope" {
		t.Errorf("the computer-scope file: %q, %v", b, err)
	}
	if _, err := rp.ReadFile(mp + u.Name + "/com.apple.loginwindow.plist"); !errors.Is(err, probe.ErrAccessDenied) {
		t.Errorf("the denied file replays as %v", err)
	}
}

// TestRecordPseudonymisesWindowsAccounts: people's rows of
// Win32_UserAccount (relative id 1000 and up) get the pseudonym as Name
// (Caption, FullName and Description, which no check reads, are not kept
// at all: see WMIColumns), their Win32_GroupUser memberships are renamed alike, the built-in accounts stay, and what the
// check was given is not changed.
func TestRecordPseudonymisesWindowsAccounts(t *testing.T) {
	inner, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"windows","recorded_at":"2026-11-01T10:00:00Z",
 "console_user":{"uid":"S-1-5-21-1-2-3-1001","name":"Alice","home":"C:\\Users\\alice"}}`,
		WMIFile: `[{"namespace":"root/cimv2","class":"Win32_UserAccount","rows":[
  {"Name":"Administrator","Caption":"PC\\Administrator","FullName":"","Description":"Built-in account","Domain":"PC","SID":"S-1-5-21-1-2-3-500"},
  {"Name":"alice","Caption":"PC\\alice","FullName":"Alice Smith","Description":"counsellor","Domain":"PC","SID":"S-1-5-21-1-2-3-1001"},
  {"Name":"bob","Caption":"PC\\bob","FullName":"Bob","Description":"","Domain":"PC","SID":"S-1-5-21-1-2-3-1002"}]},
 {"namespace":"root/cimv2","class":"Win32_GroupUser","rows":[
  {"GroupComponent":"\\\\PC\\root\\cimv2:Win32_Group.Domain=\"PC\",Name=\"Administrators\"","PartComponent":"\\\\PC\\root\\cimv2:Win32_UserAccount.Domain=\"PC\",Name=\"alice\""},
  {"GroupComponent":"\\\\PC\\root\\cimv2:Win32_Group.Domain=\"PC\",Name=\"Administrators\"","PartComponent":"\\\\PC\\root\\cimv2:Win32_UserAccount.Domain=\"PC\",Name=\"Administrator\""}]}]`,
		"files/C/Users/alice/AppData/x.ini": "x=1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(inner)
	if _, err := rec.ConsoleUser(); err != nil {
		t.Fatal(err)
	}
	accounts, err := rec.WMI("root/cimv2", "Win32_UserAccount")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.WMI("root/cimv2", "Win32_GroupUser"); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.ReadFile(`C:\Users\alice\AppData\x.ini`); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	if accounts[1]["Name"] != "alice" || accounts[1]["FullName"] != "Alice Smith" {
		t.Errorf("the check's rows were changed: %v", accounts[1])
	}
	alice, bob := rec.BundlePseudonym("user", "alice"), rec.BundlePseudonym("user", "bob")
	if rec.BundlePseudonym("user", "Alice") != alice {
		t.Fatal("pseudonyms must ignore case, as Windows names do")
	}
	raw, err := os.ReadFile(filepath.Join(dir, WMIFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"alice", "Alice", "bob", "Smith", "counsellor"} {
		if strings.Contains(string(raw), gone) {
			t.Errorf("wmi.json still holds %q", gone)
		}
	}
	rp, err := OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := rp.WMI("root/cimv2", "Win32_UserAccount")
	if rows[0]["Name"] != "Administrator" || rows[1]["Name"] != alice || rows[2]["Name"] != bob || rows[1]["SID"] != "S-1-5-21-1-2-3-1001" {
		t.Errorf("replayed accounts %v", rows)
	}
	for _, row := range rows {
		for _, col := range []string{"Caption", "FullName", "Description"} {
			if _, ok := row[col]; ok {
				t.Errorf("a column no check reads was kept: %s in %v", col, row)
			}
		}
	}
	members, _ := rp.WMI("root/cimv2", "Win32_GroupUser")
	if p, _ := probe.AsString(members[0]["PartComponent"]); !strings.HasSuffix(p, `Name="`+alice+`"`) {
		t.Errorf("alice's membership: %s", p)
	}
	if p, _ := probe.AsString(members[1]["PartComponent"]); !strings.HasSuffix(p, `Name="Administrator"`) {
		t.Errorf("Administrator's membership: %s", p)
	}
	u, _ := rp.ConsoleUser()
	if u.Name != alice || u.Home != `C:\Users\`+alice {
		t.Errorf("console user %+v", u)
	}
	if _, err := rp.ReadFile(u.Home + `\AppData\x.ini`); err != nil {
		t.Errorf("the file under the home folder: %v", err)
	}
}

// failingWMI answers every WMI query with err.
type failingWMI struct {
	probe.Probe
	err error
}

func (f failingWMI) WMI(namespace, class string) ([]map[string]any, error) {
	return nil, fmt.Errorf("wmi %s %s: %w", namespace, class, f.err)
}

// A WMI failure that is neither a denial nor a missing class (Wine's
// E_NOTIMPL, a provider that did not load) replays as that failure, not as
// a missing class: "Security Center is missing" is an answer a check uses,
// "Security Center could not be read" is not.
func TestRecordWMIFailureReplaysAsFailure(t *testing.T) {
	inner, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"windows","recorded_at":"2026-11-01T10:00:00Z"}`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		err      error
		sentinel error // what replay must keep
	}{
		{"not implemented", comError(0x80004001, "Not implemented"), nil},
		{"provider load", comError(0x80041013, "Exception occurred. (Provider load failure )"), nil},
		{"missing class", comError(0x80041010, "Exception occurred. (Invalid class )"), probe.ErrNotFound},
		{"denied", comError(0x80070005, "Exception occurred. (Access is denied. )"), probe.ErrAccessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := NewRecorder(failingWMI{inner, tc.err})
			_, live := rec.WMI("root/SecurityCenter2", "FirewallProduct")
			_, got := replayOf(t, rec).WMI("root/SecurityCenter2", "FirewallProduct")
			switch {
			case got == nil:
				t.Fatal("replay answered a failed query")
			case tc.sentinel != nil && !errors.Is(got, tc.sentinel):
				t.Errorf("replay: %v, want %v", got, tc.sentinel)
			case tc.sentinel == nil && (errors.Is(got, probe.ErrNotFound) || got.Error() != live.Error()):
				t.Errorf("replay: %q, live: %q; want the same failure, not a missing class", got, live)
			}
		})
	}
}

// comError is a WMI failure as the live Windows probe returns it
// (probe.ReadableCOMError of go-ole's error; probe's tests decode those).
func comError(code probe.HRESULT, msg string) error {
	return &probe.COMError{Code: code, Err: errors.New(msg)}
}
