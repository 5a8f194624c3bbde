package antivirus_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/antivirus"
	"github.com/sessionguard/sessionguard/checks/probe"
)

func benchReplay(b *testing.B, dir string) {
	rp, err := probe.OpenReplay(dir)
	if err != nil {
		b.Fatal(err)
	}
	pol := checks.Default()
	ctx := b.Context()
	for b.Loop() {
		f, err := antivirus.Collect(ctx, rp)
		if err != nil {
			b.Fatal(err)
		}
		if r := antivirus.Evaluate(f, pol); r.Status == "" {
			b.Fatal("empty status")
		}
	}
}

func BenchmarkReplayLinux(b *testing.B) {
	benchReplay(b, "testdata/linux/clamav_clamd_running_current")
}

func BenchmarkReplayDarwin(b *testing.B) {
	benchReplay(b, "testdata/darwin/mdatp_active_builtin_current")
}

func BenchmarkReplayWindows(b *testing.B) {
	benchReplay(b, "testdata/windows/eset_on_defender_passive")
}

func BenchmarkEvaluate(b *testing.B) {
	age := 1.5
	f := antivirus.Facts{OS: "windows", Windows: &antivirus.WindowsFacts{
		SecurityCenter: []antivirus.WSCProduct{{Name: "Windows Defender", ProductState: 393472, State: "off", SignaturesUpToDate: true, Microsoft: true},
			{Name: "ESET Security", ProductState: 266240, State: "on", SignaturesUpToDate: true}},
		Defender: &antivirus.DefenderStatus{AMServiceEnabled: new(true), AntivirusEnabled: new(true), RealTimeProtectionEnabled: new(false), AMRunningMode: "Passive Mode", SignatureAgeDays: &age},
	}}
	pol := checks.Default()
	for b.Loop() {
		if r := antivirus.Evaluate(f, pol); r.Status != checks.Pass {
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
		_ = antivirus.Check.Run(b.Context(), p, pol)
	}
}
