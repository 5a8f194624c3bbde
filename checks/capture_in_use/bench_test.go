package captureinuse_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	captureinuse "github.com/sessionguard/sessionguard/checks/capture_in_use"
	"github.com/sessionguard/sessionguard/checks/checktest"
)

func BenchmarkEvaluate(b *testing.B) {
	checktest.BenchEvaluateReplay(b, "testdata/linux/obs_screen_cast_during_zoom", captureinuse.Collect, captureinuse.Evaluate, checks.Fail)
}

func BenchmarkReplayLinux(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/gnome_pipewire_zoom_call", captureinuse.Collect, captureinuse.Evaluate, checks.Pass)
}

func BenchmarkReplayDarwin(b *testing.B) {
	checktest.BenchReplay(b, "testdata/darwin/granola_note_taker", captureinuse.Collect, captureinuse.Evaluate, checks.Fail)
}

func BenchmarkReplayWindows(b *testing.B) {
	checktest.BenchReplay(b, "testdata/windows/teams_call_camera_and_microphone", captureinuse.Collect, captureinuse.Evaluate, checks.Pass)
}

// BenchmarkLive is the check against this machine (Linux: the process
// list, and the sound server and device scan where there are any).
func BenchmarkLive(b *testing.B) {
	checktest.BenchLiveLinux(b, captureinuse.Check)
}
