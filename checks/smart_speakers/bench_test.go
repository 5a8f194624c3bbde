package smartspeakers_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	smartspeakers "github.com/sessionguard/sessionguard/checks/smart_speakers"
)

func BenchmarkEvaluate(b *testing.B) {
	checktest.BenchEvaluateReplay(b, "testdata/windows/echo_show_homepod_and_nest_hub", smartspeakers.Collect, smartspeakers.Evaluate, checks.Warn)
}

func BenchmarkReplayLinux(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/homepod_mini_on_airplay_and_raop", smartspeakers.Collect, smartspeakers.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayDarwin(b *testing.B) {
	checktest.BenchReplay(b, "testdata/darwin/echo_dot_and_fire_tv", smartspeakers.Collect, smartspeakers.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayWindows(b *testing.B) {
	checktest.BenchReplay(b, "testdata/windows/echo_show_homepod_and_nest_hub", smartspeakers.Collect, smartspeakers.Evaluate, checktest.AnyStatus)
}
