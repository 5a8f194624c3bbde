package antivirus_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/antivirus"
	"github.com/sessionguard/sessionguard/checks/checktest"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, antivirus.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}

// TestNoPassWithoutEvidence: losing any source a passing scenario read
// never leaves it passing, but for the sources below.
func TestNoPassWithoutEvidence(t *testing.T) {
	checktest.RunBasisProperty(t, antivirus.Check, "testdata", checktest.Basis{
		Informational: map[string]string{
			// The bundle version is only printed in the summary; how old
			// XProtect is comes from the install history, which is
			// judged (and its loss is never a pass).
			"file /var/protected/xprotect/XProtect.bundle/Contents/Info.plist":                    "XProtect version for the summary only",
			"file /Library/Apple/System/Library/CoreServices/XProtect.bundle/Contents/Info.plist": "XProtect version for the summary only",
			// freshclam.conf says where updates go; the databases judged
			// are clamd's (clamd.conf's DatabaseDirectory), and without
			// a clamd ClamAV never passes.
			"file /etc/clamav/freshclam.conf": "freshclam settings: facts only once clamd.conf is read",
			"file /etc/freshclam.conf":        "freshclam settings: facts only once clamd.conf is read",
			// /opt only says which products are installed: it turns a
			// product that does not run into a named fail, never into a
			// pass (a product passes by its running agent).
			"dir /opt": "install directories: name products that do not run",
			// The Windows edition only chooses the wording of an unknown
			// (Server or not) when Security Center is missing.
			`reg HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions\ProductType`: "edition: wording of an unknown only",
			"wmi root/cimv2 Win32_OperatingSystem":                                 "edition: wording of an unknown only",
		},
		Alternatives: []checktest.Alternative{
			{
				// Each product alone protects (checks.AnyOf): losing
				// one product's status leaves another's proof standing.
				Sources: []string{"run mdatp health", "run falconctl", "run sentinelctl", "run bduitool", "processes", "run system_profiler SPInstallHistoryDataType -json"},
				Reason:  "protection routes: Defender for Endpoint, an endpoint product's own status tool, the running agent of a product without one (process list), or Gatekeeper with a current XProtect (macOS) each protects alone",
			},
			{
				Sources: []string{"wmi root/SecurityCenter2 AntiVirusProduct", "wmi root/Microsoft/Windows/Defender MSFT_MpComputerStatus"},
				Reason:  "Security Center's productState and Defender's MSFT_MpComputerStatus each say whether Defender is on with current signatures; a third-party product on in Security Center protects whatever Defender says",
			},
			{
				Sources: []string{"file /run/clamav/clamd.pid", "file /var/run/clamav/clamd.pid", "file /run/clamd.scan/clamd.pid", "file /proc/", "processes"},
				Reason:  "clamd's pid file with /proc/<pid>/comm and the process list (name and program) each show clamd running",
			},
		},
	})
}
