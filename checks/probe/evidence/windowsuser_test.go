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
		"Win32_UserAccount":       "SELECT SID, Name, Domain, Disabled, LocalAccount FROM Win32_UserAccount",
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
