package useraccounts_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	useraccounts "github.com/sessionguard/sessionguard/checks/user_accounts"
)

func BenchmarkReplayLinux(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/raspios_lightdm_and_console_autologin", useraccounts.Collect, useraccounts.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayDarwin(b *testing.B) {
	checktest.BenchReplay(b, "testdata/darwin/sonoma_single_admin_user", useraccounts.Collect, useraccounts.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayWindows(b *testing.B) {
	checktest.BenchReplay(b, "testdata/windows/german_guest_enabled_wmi_group_fallback", useraccounts.Collect, useraccounts.Evaluate, checktest.AnyStatus)
}

func BenchmarkLiveLinux(b *testing.B) {
	checktest.BenchLiveLinux(b, useraccounts.Check)
}
