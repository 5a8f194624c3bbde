package useraccounts_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
	useraccounts "github.com/sessionguard/sessionguard/checks/user_accounts"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, useraccounts.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}

// basis names the sources whose loss may rightly leave a pass standing.
var basis = checktest.Basis{
	Informational: map[string]string{
		"file /etc/login.defs":             "UID_MIN/UID_MAX only bound which accounts are counted for the summary's account count; no verdict reads it",
		"file /etc/shells":                 "only decides which accounts are counted for the summary's account count; no verdict reads it",
		"run dscl . -list /Users UniqueID": "only counts the Mac's accounts for the summary; the administrator part asks dsmemberutil or dscl -read /Groups/admin",
	},
	Alternatives: []checktest.Alternative{{
		Sources: []string{"run powershell -NoProfile -NonInteractive -Command Get-LocalGroupMember -SID S-1-5-32-544", "wmi root/cimv2 Win32_GroupUser"},
		Reason:  "both list the members of Administrators: Get-LocalGroupMember first, and where it fails (as it does on groups holding unresolved SIDs) Win32_Group and Win32_GroupUser, which also list Backup Operators and Hyper-V Administrators",
	}},
}

// TestNoPassWithoutEvidence: losing any source a passing scenario read
// never leaves it passing. /etc/passwd decides the administrator part of
// the person at the screen (their groups, and who sudoers, doas and polkit
// name); when nobody is signed in there it only counts accounts for the
// summary, so it is informational in those scenarios alone (they run
// separately, with that exemption).
func TestNoPassWithoutEvidence(t *testing.T) {
	signedIn, nobody := splitByConsoleUser(t, "testdata")
	t.Run("signed_in", func(t *testing.T) {
		checktest.RunBasisProperty(t, useraccounts.Check, signedIn, basis)
	})
	t.Run("nobody_at_the_screen", func(t *testing.T) {
		b := checktest.Basis{Informational: maps.Clone(basis.Informational)}
		b.Informational["file /etc/passwd"] = "with nobody signed in at the screen the administrator part does not apply: /etc/passwd counts accounts for the summary (unread, it leaves the other accounts' passwords unknown, never passed)"
		checktest.RunBasisProperty(t, useraccounts.Check, nobody, b)
	})
}

// splitByConsoleUser copies the scenarios into two testdata trees: those
// whose manifest names a console user, and those with nobody signed in.
func splitByConsoleUser(t *testing.T, testdata string) (signedIn, nobody string) {
	t.Helper()
	signedIn, nobody = t.TempDir(), t.TempDir()
	for _, dir := range checktest.Scenarios(t, testdata) {
		raw, err := os.ReadFile(filepath.Join(dir, evidence.ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			ConsoleUser *json.RawMessage `json:"console_user"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		dst := nobody
		if m.ConsoleUser != nil {
			dst = signedIn
		}
		rel, _ := filepath.Rel(testdata, dir)
		if err := os.CopyFS(filepath.Join(dst, rel), os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
	}
	return signedIn, nobody
}
