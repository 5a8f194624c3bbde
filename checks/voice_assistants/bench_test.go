package voiceassistants_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	voiceassistants "github.com/sessionguard/sessionguard/checks/voice_assistants"
)

func BenchmarkEvaluate(b *testing.B) {
	checktest.BenchEvaluateReplay(b, "testdata/windows/win10_cortana_running_voice_default", voiceassistants.Collect, voiceassistants.Evaluate, checks.Fail)
}

func BenchmarkReplayLinux(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/raspberry_pi_wyoming_satellite", voiceassistants.Collect, voiceassistants.Evaluate, checks.Fail)
}

func BenchmarkReplayDarwin(b *testing.B) {
	checktest.BenchReplay(b, "testdata/darwin/sequoia_siri_listens", voiceassistants.Collect, voiceassistants.Evaluate, checks.Fail)
}

func BenchmarkReplayWindows(b *testing.B) {
	checktest.BenchReplay(b, "testdata/windows/win10_cortana_running_voice_default", voiceassistants.Collect, voiceassistants.Evaluate, checks.Fail)
}

// BenchmarkLive is the collector against this machine (Linux: the argv scan).
func BenchmarkLive(b *testing.B) {
	p := live.New()
	ctx := b.Context()
	for b.Loop() {
		if _, err := voiceassistants.Collect(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}
