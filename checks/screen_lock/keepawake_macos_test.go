package screenlock_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	screenlock "github.com/sessionguard/sessionguard/checks/screen_lock"
)

func TestParsePmsetAssertions(t *testing.T) {
	a, ok := screenlock.ParsePmsetAssertions(checktest.ReadParserData(t, "pmset/assertions_caffeinate_i.stdout"))
	if !ok || a.SystemWide["PreventUserIdleSystemSleep"] != 1 || a.SystemWide["PreventUserIdleDisplaySleep"] != 0 {
		t.Fatalf("system-wide: %+v %v", a.SystemWide, ok)
	}
	want := []screenlock.PmsetAssertion{
		{Process: "caffeinate", Type: "PreventUserIdleSystemSleep"},
		{Process: "WindowServer", Type: "UserIsActive"},
		{Process: "powerd", Type: "PreventUserIdleSystemSleep"},
	}
	if len(a.Held) != len(want) {
		t.Fatalf("held: %+v", a.Held)
	}
	for i := range want {
		if a.Held[i] != want[i] {
			t.Errorf("held %d: %+v, want %+v", i, a.Held[i], want[i])
		}
	}
	if _, ok := screenlock.ParsePmsetAssertions([]byte("pmset: command not found\n")); ok {
		t.Error("an error read as assertions")
	}
	scrubbed := screenlock.Scrub("/usr/bin/pmset", []string{"-g", "assertions"}, checktest.ReadParserData(t, "pmset/assertions_caffeinate_i.stdout"))
	if b, ok := screenlock.ParsePmsetAssertions(scrubbed); !ok || len(b.Held) != 3 || b.Held[0] != want[0] {
		t.Errorf("scrubbed: %+v %v\n%s", b, ok, scrubbed)
	}
}

func TestClassifyHoldDarwin(t *testing.T) {
	tests := []struct{ process, kind, name string }{
		{"caffeinate", "keep_awake", "caffeinate"},
		{"Amphetamine", "keep_awake", "Amphetamine"},
		{"zoom.us", "call_app", "Zoom"},
		{"MSTeams", "call_app", "Microsoft Teams"},
		{"Google Chrome", "browser", "Google Chrome"},
		{"Google Chrome Helper (Renderer)", "browser", "Google Chrome"},
		{"Safari", "browser", "Safari"},
		{"Keynote", "other", ""},
	}
	for _, tc := range tests {
		if h := screenlock.ClassifyHold(tc.process, ""); h.Kind != tc.kind || h.Name != tc.name {
			t.Errorf("%q: %+v, want %s %q", tc.process, h, tc.kind, tc.name)
		}
	}
}

func TestEvaluateDarwinHolds(t *testing.T) {
	pol := checks.Catalogue{screenlock.Check}.Default()
	mac := func(holds ...screenlock.AwakeHold) screenlock.Facts {
		return screenlock.Facts{OS: "darwin", ConsoleUser: signed(), AwakeHoldsRead: true, AwakeHolds: holds,
			Darwin: &screenlock.DarwinFacts{PasswordRequired: bp(true), LockDelaySeconds: ip(0), DisplaySleepMinutes: map[string]int{"AC Power": 5},
				ScreenSaverIdleSeconds: ip(1200), UserProfileRead: true}}
	}
	if r := screenlock.Evaluate(mac(screenlock.AwakeHold{Program: "amphetamine", Kind: "keep_awake", Name: "Amphetamine"}), pol); r.Status != checks.Fail || r.Fix == "" {
		t.Errorf("Amphetamine: %s %q %q", r.Status, r.Summary, r.Fix)
	}
	if r := screenlock.Evaluate(mac(screenlock.AwakeHold{Program: "zoom.us", Kind: "call_app", Name: "Zoom"}), pol); r.Status != checks.Pass {
		t.Errorf("Zoom: %s %q", r.Status, r.Summary)
	}
}
