package screenlock_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	screenlock "github.com/sessionguard/sessionguard/checks/screen_lock"
)

func benchReplay(b *testing.B, dir string) {
	rp, err := probe.OpenReplay(dir)
	if err != nil {
		b.Fatal(err)
	}
	pol := checks.Default()
	ctx := b.Context()
	for b.Loop() {
		f, err := screenlock.Collect(ctx, rp)
		if err != nil {
			b.Fatal(err)
		}
		if r := screenlock.Evaluate(f, pol); r.Status == "" {
			b.Fatal("empty status")
		}
	}
}

func BenchmarkReplayLinux(b *testing.B) {
	benchReplay(b, "testdata/linux/gnome_idle0_user_but_dconf_locked_pass")
}

func BenchmarkReplayDarwin(b *testing.B) {
	benchReplay(b, "testdata/darwin/managed_profile_overrides_user_pass")
}

func BenchmarkReplayWindows(b *testing.B) {
	benchReplay(b, "testdata/windows/policy_secure_screensaver_pass")
}

func BenchmarkEvaluate(b *testing.B) {
	f := screenlock.Facts{OS: "windows", ConsoleUser: screenlock.ConsoleSignedIn, Windows: &screenlock.WindowsFacts{
		InactivityRead: true, ScreenSaverRead: true, ScreenSaverActive: bp(true), ScreenSaverSecure: bp(true), ScreenSaverChosen: bp(true),
		ScreenSaverTimeoutSecs: ip(480), DisplayOffACSecs: ip(600), DisplayOffDCSecs: ip(300), ConsoleLockAC: bp(true), ConsoleLockDC: bp(true)}}
	pol := checks.Default()
	for b.Loop() {
		if r := screenlock.Evaluate(f, pol); r.Status != checks.Pass {
			b.Fatal(r.Status)
		}
	}
}

func BenchmarkLiveLinux(b *testing.B) {
	p := probe.New()
	if p.GOOS() != "linux" {
		b.Skip("live benchmark on Linux only")
	}
	pol := checks.Default()
	for b.Loop() {
		_ = screenlock.Check.Run(b.Context(), p, pol)
	}
}
