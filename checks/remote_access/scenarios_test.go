package remoteaccess_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
	remoteaccess "github.com/sessionguard/sessionguard/checks/remote_access"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, remoteaccess.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}

func TestNoPassWithoutEvidence(t *testing.T) {
	checktest.RunBasisProperty(t, remoteaccess.Check, "testdata", checktest.Basis{
		Informational: map[string]string{
			// Installed tools are a note in a pass, never its basis.
			"file /usr/bin/":                "installed programs: a note only",
			"file /usr/sbin/":               "installed programs: a note only",
			"file /opt/":                    "installed programs: a note only",
			"file /usr/NX/":                 "installed programs: a note only",
			"file /usr/libexec/":            "installed programs: a note only",
			"dir /Applications":             "installed apps: a note only",
			"dir /etc/systemd/system":       "set to start: read only for tools found, a warning at most",
			"dir /Library/Launch":           "set to start: read only for tools found, a warning at most",
			"wmi root\\cimv2 Win32_Service": "the tools' services: installed (a note) or set to start (a warning); what runs comes from the process list",
		},
	})
}

// Scrubbed bundles replay to the same verdicts and hold no address but
// loopback, wildcards and the stand-ins, and no account name.
func TestScrubbedScenarios(t *testing.T) {
	checktest.RunScrubbedScenarios(t, remoteaccess.Check, "testdata", func(t *testing.T, bundle string) {
		b, err := os.ReadFile(filepath.Join(bundle, evidence.CommandsFile))
		if err != nil {
			return // no command recorded
		}
		for _, personal := range []string{"192.168.1.", "93.184.216.34", "217.146.28.10", "17.57.146.52", "someone"} {
			if strings.Contains(string(b), personal) {
				t.Errorf("the scrubbed bundle keeps %q", personal)
			}
		}
	})
}
