package useraccounts_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	useraccounts "github.com/sessionguard/sessionguard/checks/user_accounts"
)

func benchReplay(b *testing.B, dir string) {
	rp, err := probe.OpenReplay(dir)
	if err != nil {
		b.Fatal(err)
	}
	pol := checks.Default()
	ctx := b.Context()
	for b.Loop() {
		f, err := useraccounts.Collect(ctx, rp)
		if err != nil {
			b.Fatal(err)
		}
		if r := useraccounts.Evaluate(f, pol); r.Status == "" {
			b.Fatal("empty status")
		}
	}
}

func BenchmarkReplayLinux(b *testing.B) {
	benchReplay(b, "testdata/linux/raspios_lightdm_and_console_autologin")
}

func BenchmarkReplayDarwin(b *testing.B) {
	benchReplay(b, "testdata/darwin/sonoma_single_admin_user")
}

func BenchmarkReplayWindows(b *testing.B) {
	benchReplay(b, "testdata/windows/german_guest_enabled_wmi_group_fallback")
}

func BenchmarkLiveLinux(b *testing.B) {
	p := probe.New()
	if p.GOOS() != "linux" {
		b.Skip("live benchmark on Linux only")
	}
	pol := checks.Default()
	for b.Loop() {
		_ = useraccounts.Check.Run(b.Context(), p, pol)
	}
}
