package evidence

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// TestWindowsConsoleUserIsAPersonBySID is issue 16 item 5: on Windows the
// console user is pseudonymised by what the SID says, not by Unix-style
// names — an account called "root" or "_sam" is a person when its SID is
// a person's, an Entra ID account too — and only SYSTEM and the service
// accounts keep their names.
func TestWindowsConsoleUserIsAPersonBySID(t *testing.T) {
	cases := []struct {
		user   string
		person bool
	}{
		{`{"uid":"S-1-5-21-1-2-3-1001","name":"root","home":"C:\\Users\\root"}`, true},
		{`{"uid":"S-1-5-21-1-2-3-1002","name":"_sam","home":"C:\\Users\\_sam"}`, true},
		{`{"uid":"S-1-12-1-111-222-333-444","name":"SamJones","home":"C:\\Users\\SamJones"}`, true},
		{`{"uid":"S-1-5-21-1-2-3-500","name":"SamJones","home":"C:\\Users\\SamJones"}`, true}, // a renamed Administrator
		{`{"uid":"S-1-5-18","name":"SYSTEM","home":"C:\\Windows\\system32\\config\\systemprofile"}`, false},
	}
	for _, c := range cases {
		inner, err := OpenReplay(writeBundle(t, map[string]string{
			ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"windows","recorded_at":"2026-11-01T10:00:00Z","console_user":` + c.user + `}`,
		}))
		if err != nil {
			t.Fatal(err)
		}
		rec := NewRecorder(inner)
		real, err := rec.ConsoleUser()
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "b")
		if err := rec.WriteBundle(dir); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
		var m Manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		kept := strings.Contains(string(raw), `"`+real.Name+`"`) || strings.Contains(string(raw), `\\`+real.Name+`"`)
		if c.person && (kept || m.ConsoleUser.Name != rec.BundlePseudonym("user", real.Name) || !strings.HasSuffix(m.ConsoleUser.Home, `\`+m.ConsoleUser.Name)) {
			t.Errorf("%s: the manifest keeps %+v", real.UID, m.ConsoleUser)
		}
		if !c.person && (m.ConsoleUser.Name != real.Name || m.ConsoleUser.Home != real.Home) {
			t.Errorf("%s: a service account was renamed: %+v", real.UID, m.ConsoleUser)
		}
		if m.ConsoleUser.UID != real.UID {
			t.Errorf("the SID must stay (checks read HKU\\<SID>): %+v", m.ConsoleUser)
		}
	}
}

// TestWMIQueryColumns: the classes about people are asked for by column.
func TestWMIQueryColumns(t *testing.T) {
	for class, want := range map[string]string{
		"Win32_UserAccount":       "SELECT SID, Name, Domain, Disabled, LocalAccount, PasswordRequired FROM Win32_UserAccount",
		"Win32_Group":             "SELECT SID, Name, Domain FROM Win32_Group",
		"Win32_GroupUser":         "SELECT GroupComponent, PartComponent FROM Win32_GroupUser",
		"MSFT_NetFirewallProfile": "SELECT * FROM MSFT_NetFirewallProfile",
	} {
		if got := probe.WMIQuery(class); got != want {
			t.Errorf("WMIQuery(%s) = %q, want %q", class, got, want)
		}
	}
	for _, bad := range []string{"", "Win32_UserAccount WHERE 1=1", "X;Y", "Win32_Group,Win32_UserAccount"} {
		if probe.ValidWMIClass(bad) {
			t.Errorf("%q accepted as a class name", bad)
		}
	}
}

// TestDefenderExclusionsNameNobody: Defender's exclusion paths are kept
// with every person's folder pseudonymised, not only the person at the
// screen's — and theirs as their home is, so it still matches on replay;
// shared folders, wildcards and variables stay as written.
func TestDefenderExclusionsNameNobody(t *testing.T) {
	inner, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"windows","recorded_at":"2026-11-01T10:00:00Z",` +
			`"console_user":{"uid":"S-1-5-21-1-2-3-1001","name":"SamJones","home":"C:\\Users\\SamJones"}}`,
		WMIFile: `[{"namespace":"root/Microsoft/Windows/Defender","class":"MSFT_MpPreference","rows":[{` +
			`"ExclusionPath":["C:\\Users\\SamJones\\Downloads","C:\\Users\\AlexKim\\Music","C:\\Users\\Public\\Videos","C:\\Users\\*\\Temp","%USERPROFILE%\\x"],` +
			`"ExclusionExtension":[".pdf"],"ExclusionProcess":["C:\\Users\\AlexKim\\AppData\\Local\\tool.exe"],"DisableRealtimeMonitoring":false}]}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(inner)
	u, _ := rec.ConsoleUser()
	rows, err := rec.WMI("root/Microsoft/Windows/Defender", "MSFT_MpPreference")
	if err != nil || len(rows) != 1 {
		t.Fatal(rows, err)
	}
	if got := rows[0]["ExclusionPath"].([]any)[1]; got != `C:\Users\AlexKim\Music` {
		t.Fatalf("the check was given %v, not what Defender said", got)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	again, err := OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := again.WMI("root/Microsoft/Windows/Defender", "MSFT_MpPreference")
	if err != nil || len(kept) != 1 {
		t.Fatal(kept, err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, WMIFile))
	for _, name := range []string{"SamJones", "AlexKim", "DisableRealtimeMonitoring"} {
		if strings.Contains(string(raw), name) {
			t.Errorf("the bundle keeps %s: %s", name, raw)
		}
	}
	home, _ := again.ConsoleUser()
	paths := kept[0]["ExclusionPath"].([]any)
	if paths[0] != home.Home+`\Downloads` {
		t.Errorf("the person's own exclusion %v no longer lies in their home %s", paths[0], home.Home)
	}
	alex := rec.BundlePseudonym("user", "AlexKim")
	if paths[1] != `C:\Users\`+alex+`\Music` || kept[0]["ExclusionProcess"].([]any)[0] != `C:\Users\`+alex+`\AppData\Local\tool.exe` {
		t.Errorf("another person's folder: %v, %v", paths[1], kept[0]["ExclusionProcess"])
	}
	for i, want := range map[int]string{2: `C:\Users\Public\Videos`, 3: `C:\Users\*\Temp`, 4: `%USERPROFILE%\x`} {
		if paths[i] != want {
			t.Errorf("%v was changed, want %s", paths[i], want)
		}
	}
	if u.Name != "SamJones" {
		t.Errorf("console user %+v", u)
	}
}
