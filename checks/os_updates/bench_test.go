package osupdates_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	osupdates "github.com/sessionguard/sessionguard/checks/os_updates"
)

func BenchmarkEvaluate(b *testing.B) {
	checktest.BenchEvaluateReplay(b, "testdata/linux/debian12_security_pending_20_days", osupdates.Collect, osupdates.Evaluate, checks.Fail)
}

func BenchmarkReplayLinux(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/debian12_up_to_date_unattended_on", osupdates.Collect, osupdates.Evaluate, checks.Pass)
}

// BenchmarkLive is the whole check on this machine (Linux: apt's lists and
// dpkg's status read directly).
func BenchmarkLive(b *testing.B) {
	checktest.BenchLiveLinux(b, osupdates.Check)
}

// BenchmarkReplayFlatpak is BenchmarkReplayLinux with a Flatpak system
// installation whose saved list offers an update.
func BenchmarkReplayFlatpak(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/debian12_flatpak_update_waiting_20_days", osupdates.Collect, osupdates.Evaluate, checks.Fail)
}

// BenchmarkReplayDiscover is the whole check on a Fedora KDE machine whose
// automatic updates come from KDE Discover (dnf-automatic off): the
// desktop mechanisms are read after the package manager's.
func BenchmarkReplayDiscover(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/fedora40_kde_discover_automatic_updates_on", osupdates.Collect, osupdates.Evaluate, checks.Pass)
}

// BenchmarkReplayDnfAutoOff is the same Fedora machine without a desktop:
// BenchmarkReplayDiscover's baseline.
func BenchmarkReplayDnfAutoOff(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/fedora40_dnf5_up_to_date_automatic_off", osupdates.Collect, osupdates.Evaluate, checks.Fail)
}
