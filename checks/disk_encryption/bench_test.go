package diskencryption_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	diskencryption "github.com/sessionguard/sessionguard/checks/disk_encryption"
	"github.com/sessionguard/sessionguard/checks/probe"
)

func benchReplay(b *testing.B, dir string) {
	rp, err := probe.OpenReplay(dir)
	if err != nil {
		b.Fatal(err)
	}
	pol := checks.Default()
	ctx := b.Context()
	for b.Loop() {
		f, err := diskencryption.Collect(ctx, rp)
		if err != nil {
			b.Fatal(err)
		}
		if r := diskencryption.Evaluate(f, pol); r.Status == "" {
			b.Fatal("empty status")
		}
	}
}

func BenchmarkReplayLinux(b *testing.B) {
	benchReplay(b, "testdata/linux/ubuntu_lvm_on_luks_swapfile")
}

func BenchmarkReplayDarwin(b *testing.B) {
	benchReplay(b, "testdata/darwin/filevault_on_apple_silicon")
}

func BenchmarkReplayWindows(b *testing.B) {
	benchReplay(b, "testdata/windows/wmi_denied_manage_bde_german_denied")
}

func BenchmarkLiveLinux(b *testing.B) {
	p := probe.New()
	if p.GOOS() != "linux" {
		b.Skip("live benchmark on Linux only")
	}
	pol := checks.Default()
	for b.Loop() {
		_ = diskencryption.Check.Run(b.Context(), p, pol)
	}
}
