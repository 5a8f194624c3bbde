package remoteaccess_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
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
