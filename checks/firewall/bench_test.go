package firewall_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/firewall"
	"github.com/sessionguard/sessionguard/checks/probe"
)

func BenchmarkEvaluate(b *testing.B) {
	pol := checks.Default()
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

func benchReplay(b *testing.B, dir string) {
	rp, err := probe.OpenReplay(dir)
	if err != nil {
		b.Fatal(err)
	}
	pol := checks.Default()
	ctx := b.Context()
	for b.Loop() {
		f, err := firewall.Collect(ctx, rp)
		if err != nil {
			b.Fatal(err)
		}
		if r := firewall.Evaluate(f, pol); r.Status == "" {
			b.Fatal("empty status")
		}
	}
}

func BenchmarkReplayLinux(b *testing.B) {
	benchReplay(b, "testdata/linux/fedora_firewalld_reject")
}

func BenchmarkReplayDarwin(b *testing.B) {
	benchReplay(b, "testdata/darwin/sequoia_unrecognised_tool_system_profiler_on")
}

func BenchmarkReplayWindows(b *testing.B) {
	benchReplay(b, "testdata/windows/wmi_public_network_on")
}

func BenchmarkLiveLinux(b *testing.B) {
	p := probe.New()
	if p.GOOS() != "linux" {
		b.Skip("live benchmark on Linux only")
	}
	pol := checks.Default()
	for b.Loop() {
		_ = firewall.Check.Run(b.Context(), p, pol)
	}
}
