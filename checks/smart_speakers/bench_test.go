package smartspeakers_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	smartspeakers "github.com/sessionguard/sessionguard/checks/smart_speakers"
)

func BenchmarkEvaluate(b *testing.B) {
	rp, err := probe.OpenReplay("testdata/windows/echo_show_homepod_and_nest_hub")
	if err != nil {
		b.Fatal(err)
	}
	f, err := smartspeakers.Collect(b.Context(), rp)
	if err != nil {
		b.Fatal(err)
	}
	pol := checks.Default()
	for b.Loop() {
		if r := smartspeakers.Evaluate(f, pol); r.Status != checks.Warn {
			b.Fatalf("status %s", r.Status)
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
		f, err := smartspeakers.Collect(ctx, rp)
		if err != nil {
			b.Fatal(err)
		}
		if r := smartspeakers.Evaluate(f, pol); r.Status == "" {
			b.Fatal("empty status")
		}
	}
}

func BenchmarkReplayLinux(b *testing.B) {
	benchReplay(b, "testdata/linux/homepod_mini_on_airplay_and_raop")
}

func BenchmarkReplayDarwin(b *testing.B) {
	benchReplay(b, "testdata/darwin/echo_dot_and_fire_tv")
}

func BenchmarkReplayWindows(b *testing.B) {
	benchReplay(b, "testdata/windows/echo_show_homepod_and_nest_hub")
}
