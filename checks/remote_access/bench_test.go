package remoteaccess_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	remoteaccess "github.com/sessionguard/sessionguard/checks/remote_access"
)

func BenchmarkEvaluate(b *testing.B) {
	checktest.BenchEvaluateReplay(b, "testdata/linux/xrdp_session_and_anydesk", remoteaccess.Collect, remoteaccess.Evaluate, checks.Fail)
}

func BenchmarkReplayLinux(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/xrdp_session_and_anydesk", remoteaccess.Collect, remoteaccess.Evaluate, checks.Fail)
}

func BenchmarkReplayDarwin(b *testing.B) {
	checktest.BenchReplay(b, "testdata/darwin/screen_sharing_viewer_connected", remoteaccess.Collect, remoteaccess.Evaluate, checks.Fail)
}

func BenchmarkReplayWindows(b *testing.B) {
	checktest.BenchReplay(b, "testdata/windows/remote_desktop_session_active", remoteaccess.Collect, remoteaccess.Evaluate, checks.Fail)
}

// BenchmarkLive is the whole check against this machine (Linux: the
// process list and ss -tanp).
func BenchmarkLive(b *testing.B) {
	checktest.BenchLiveLinux(b, remoteaccess.Check)
}
