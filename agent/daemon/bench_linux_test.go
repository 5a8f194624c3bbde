package daemon

import (
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	"github.com/sessionguard/sessionguard/internal/proctest"
)

// BenchmarkCheckThroughAgent is "Check again" as the tray asks it of the
// running agent: POST /v1/checks over the unix socket, the agent running
// every check live on this machine, the LAN answered from its background
// browse. Started once; the first run and the first browse are not
// counted.
func BenchmarkCheckThroughAgent(b *testing.B) { benchCheckThroughAgent(b, false) }

// BenchmarkCheckThroughAgentSpaced is the same with runs more than
// live.ProcessesFresh apart, as the agent's runs are: each reads the
// process table anew instead of reusing the last run's listing. It
// reports the CPU time (user and system, of the agent and the client
// together) per run; use -benchtime=10x or so (each run waits a second).
func BenchmarkCheckThroughAgentSpaced(b *testing.B) { benchCheckThroughAgent(b, true) }

// BenchmarkCheckThroughAgentSpaced4000 is BenchmarkCheckThroughAgentSpaced
// with 4,000 more processes (sleep) on the machine.
func BenchmarkCheckThroughAgentSpaced4000(b *testing.B) {
	proctest.StartSleepers(b, 4000)
	benchCheckThroughAgent(b, true)
}

func benchCheckThroughAgent(b *testing.B, spaced bool) {
	c, _ := startAgent(b, all.Checks())
	ctx := b.Context()
	// The first run (at start) and the background browse beside it.
	if _, err := c.Run(ctx); err != nil {
		b.Fatal(err)
	}
	time.Sleep(time.Second)
	var cpu int64
	for b.Loop() {
		if spaced {
			b.StopTimer()
			time.Sleep(live.ProcessesFresh + 100*time.Millisecond)
			b.StartTimer()
		}
		before := proctest.CPUTime()
		rep, err := c.Run(ctx)
		if err != nil || len(rep.Results) != len(all.Checks()) {
			b.Fatal(len(rep.Results), err)
		}
		cpu += proctest.CPUTime() - before
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}
