package wifisecurity_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	wifisecurity "github.com/sessionguard/sessionguard/checks/wifi_security"
)

func BenchmarkEvaluate(b *testing.B) {
	f := wifisecurity.Facts{OS: "windows", WiFi: wifisecurity.StateConnected,
		Connections: []wifisecurity.Connection{{Security: wifisecurity.SecWPA2, Cipher: "tkip"}}}
	pol := checks.Default()
	for b.Loop() {
		if r := wifisecurity.Evaluate(f, pol); r.Status != checks.Fail {
			b.Fatal(r.Status)
		}
	}
}

func benchReplay(b *testing.B, dir string) {
	rp, err := probe.OpenReplay(dir)
	if err != nil {
		b.Fatal(err)
	}
	pol := checks.Default()
	ctx := b.Context()
	for b.Loop() {
		f, err := wifisecurity.Collect(ctx, rp)
		if err != nil {
			b.Fatal(err)
		}
		if r := wifisecurity.Evaluate(f, pol); r.Status == "" {
			b.Fatal("empty status")
		}
	}
}

func BenchmarkReplayLinux(b *testing.B) {
	benchReplay(b, "testdata/linux/nmcli_german_wpa2_wpa_cli_ccmp")
}

func BenchmarkReplayDarwin(b *testing.B) {
	benchReplay(b, "testdata/darwin/macos15_wpa2_personal")
}

func BenchmarkReplayWindows(b *testing.B) {
	benchReplay(b, "testdata/windows/de_wpa2_enterprise_oem850")
}

func BenchmarkLiveLinux(b *testing.B) {
	p := probe.New()
	if p.GOOS() != "linux" {
		b.Skip("live benchmark on Linux only")
	}
	pol := checks.Default()
	for b.Loop() {
		_ = wifisecurity.Check.Run(b.Context(), p, pol)
	}
}
