package voiceassistants_test

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
	voiceassistants "github.com/sessionguard/sessionguard/checks/voice_assistants"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, voiceassistants.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}

func TestNoPassWithoutEvidence(t *testing.T) {
	checktest.RunBasisProperty(t, voiceassistants.Check, "testdata", checktest.Basis{})
}

// A bundle cannot deny the console user, so this replays the clean Windows 11
// scenario with it unreadable: the check used to read HKCU instead (the
// agent's own hive, SYSTEM's) and pass on values that are not the person's.
func TestWindowsConsoleUserUnreadable(t *testing.T) {
	rp, err := evidence.OpenReplay("testdata/windows/win11_search_only_nothing_installed")
	if err != nil {
		t.Fatal(err)
	}
	d := checktest.NewDenying(rp, map[string]bool{checktest.SourceKey("consoleuser"): true})
	r := checks.Run(t.Context(), d, checks.Catalogue{voiceassistants.Check}.Default(), []checks.Check{voiceassistants.Check}).Results[0]
	if r.Status != checks.Unknown {
		t.Fatalf("status %s (%s), want unknown", r.Status, r.Summary)
	}
	if !strings.Contains(r.Summary, "is using the microphone") || !strings.Contains(r.Reason, "console user: access denied") {
		t.Errorf("summary %q, reason %q", r.Summary, r.Reason)
	}
	for k := range d.Asked {
		if strings.Contains(k, "HKCU") {
			t.Errorf("read %s, another account's hive", k)
		}
	}
}
