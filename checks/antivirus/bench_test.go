package antivirus_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/antivirus"
	"github.com/sessionguard/sessionguard/checks/checktest"
)

func BenchmarkReplayLinux(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/clamav_clamd_running_current", antivirus.Collect, antivirus.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayDarwin(b *testing.B) {
	checktest.BenchReplay(b, "testdata/darwin/mdatp_active_builtin_current", antivirus.Collect, antivirus.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayWindows(b *testing.B) {
	checktest.BenchReplay(b, "testdata/windows/eset_on_defender_passive", antivirus.Collect, antivirus.Evaluate, checktest.AnyStatus)
}

func BenchmarkEvaluate(b *testing.B) {
	age := 1.5
	f := antivirus.Facts{OS: "windows", Windows: &antivirus.WindowsFacts{
		SecurityCenter: []antivirus.WSCProduct{{Name: "Windows Defender", ProductState: 393472, State: "off", SignaturesUpToDate: true, Microsoft: true},
			{Name: "ESET Security", ProductState: 266240, State: "on", SignaturesUpToDate: true}},
		Defender: &antivirus.DefenderStatus{AMServiceEnabled: new(true), AntivirusEnabled: new(true), RealTimeProtectionEnabled: new(false), AMRunningMode: "Passive Mode", SignatureAgeDays: &age},
	}}
	pol := checks.Catalogue{antivirus.Check}.Default()
	for b.Loop() {
		if r := antivirus.Evaluate(f, pol); r.Status != checks.Pass {
			b.Fatal(r.Status)
		}
	}
}

func BenchmarkLiveLinux(b *testing.B) {
	checktest.BenchLiveLinux(b, antivirus.Check)
}
