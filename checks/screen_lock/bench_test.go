package screenlock_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	screenlock "github.com/sessionguard/sessionguard/checks/screen_lock"
)

func BenchmarkReplayLinux(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/gnome_idle0_user_but_dconf_locked_pass", screenlock.Collect, screenlock.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayDarwin(b *testing.B) {
	checktest.BenchReplay(b, "testdata/darwin/managed_profile_overrides_user_pass", screenlock.Collect, screenlock.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayWindows(b *testing.B) {
	checktest.BenchReplay(b, "testdata/windows/policy_secure_screensaver_pass", screenlock.Collect, screenlock.Evaluate, checktest.AnyStatus)
}

func BenchmarkEvaluate(b *testing.B) {
	f := screenlock.Facts{OS: "windows", ConsoleUser: screenlock.ConsoleSignedIn, Windows: &screenlock.WindowsFacts{
		InactivityRead: true, ScreenSaverRead: true, ScreenSaverActive: bp(true), ScreenSaverSecure: bp(true), ScreenSaverChosen: bp(true),
		ScreenSaverTimeoutSecs: ip(480), DisplayOffACSecs: ip(600), DisplayOffDCSecs: ip(300), ConsoleLockAC: bp(true), ConsoleLockDC: bp(true),
		SleepModel: screenlock.SleepModernStandby, SignInAwayRead: true, SignInAwaySecs: ip(0)}}
	pol := checks.Catalogue{screenlock.Check}.Default()
	for b.Loop() {
		if r := screenlock.Evaluate(f, pol); r.Status != checks.Pass {
			b.Fatal(r.Status)
		}
	}
}

func BenchmarkLiveLinux(b *testing.B) {
	checktest.BenchLiveLinux(b, screenlock.Check)
}
