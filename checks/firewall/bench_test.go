package firewall_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/firewall"
)

func BenchmarkEvaluate(b *testing.B) {
	pol := checks.Catalogue{firewall.Check}.Default()
	f := firewall.Facts{OS: "linux", Linux: &firewall.LinuxFacts{
		Sources:     []firewall.Source{{Name: "nft", State: firewall.StateRead}},
		InputChains: []firewall.InputChain{{Family: "inet", Table: "filter", Chain: "input", Policy: "accept", Default: "accept"}},
	}}
	for b.Loop() {
		if r := firewall.Evaluate(f, pol); r.Status != checks.Fail {
			b.Fatal(r.Status)
		}
	}
}

func BenchmarkReplayLinux(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/fedora_firewalld_reject", firewall.Collect, firewall.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayDarwin(b *testing.B) {
	checktest.BenchReplay(b, "testdata/darwin/sequoia_unrecognised_tool_system_profiler_on", firewall.Collect, firewall.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayWindows(b *testing.B) {
	checktest.BenchReplay(b, "testdata/windows/wmi_public_network_on", firewall.Collect, firewall.Evaluate, checktest.AnyStatus)
}

func BenchmarkLiveLinux(b *testing.B) {
	checktest.BenchLiveLinux(b, firewall.Check)
}
