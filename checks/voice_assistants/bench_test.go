package voiceassistants_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	voiceassistants "github.com/sessionguard/sessionguard/checks/voice_assistants"
)

func BenchmarkEvaluate(b *testing.B) {
	rp, err := probe.OpenReplay("testdata/windows/win10_cortana_running_voice_default")
	if err != nil {
		b.Fatal(err)
	}
	f, err := voiceassistants.Collect(b.Context(), rp)
	if err != nil {
		b.Fatal(err)
	}
	pol := checks.Default()
	for b.Loop() {
		if r := voiceassistants.Evaluate(f, pol); r.Status != checks.Fail {
			b.Fatalf("status %s", r.Status)
		}
	}
}

func benchReplay(b *testing.B, dir string, want checks.Status) {
	rp, err := probe.OpenReplay(dir)
	if err != nil {
		b.Fatal(err)
	}
	pol := checks.Default()
	ctx := b.Context()
	for b.Loop() {
		f, err := voiceassistants.Collect(ctx, rp)
		if err != nil {
			b.Fatal(err)
		}
		if r := voiceassistants.Evaluate(f, pol); r.Status != want {
			b.Fatalf("status %s, want %s", r.Status, want)
		}
	}
}

func BenchmarkReplayLinux(b *testing.B) {
	benchReplay(b, "testdata/linux/raspberry_pi_wyoming_satellite", checks.Fail)
}

func BenchmarkReplayDarwin(b *testing.B) {
	benchReplay(b, "testdata/darwin/sequoia_siri_listens", checks.Fail)
}

func BenchmarkReplayWindows(b *testing.B) {
	benchReplay(b, "testdata/windows/win10_cortana_running_voice_default", checks.Fail)
}

// BenchmarkLive is the collector against this machine (Linux: the argv scan).
func BenchmarkLive(b *testing.B) {
	p := probe.New()
	ctx := b.Context()
	for b.Loop() {
		if _, err := voiceassistants.Collect(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}
