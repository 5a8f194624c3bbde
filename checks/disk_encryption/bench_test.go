package diskencryption_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	diskencryption "github.com/sessionguard/sessionguard/checks/disk_encryption"
)

func BenchmarkReplayLinux(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/ubuntu_lvm_on_luks_swapfile", diskencryption.Collect, diskencryption.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayDarwin(b *testing.B) {
	checktest.BenchReplay(b, "testdata/darwin/filevault_on_apple_silicon", diskencryption.Collect, diskencryption.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayWindows(b *testing.B) {
	checktest.BenchReplay(b, "testdata/windows/wmi_denied_manage_bde_german_denied", diskencryption.Collect, diskencryption.Evaluate, checktest.AnyStatus)
}

func BenchmarkLiveLinux(b *testing.B) {
	checktest.BenchLiveLinux(b, diskencryption.Check)
}
