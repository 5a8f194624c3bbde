package wifisecurity_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	wifisecurity "github.com/sessionguard/sessionguard/checks/wifi_security"
)

// hasWireless reports whether this machine has a Wi-Fi interface, read
// independently of the check (the phy80211 link of cfg80211 devices).
func hasWireless(t *testing.T) bool {
	t.Helper()
	names, err := os.ReadDir("/sys/class/net")
	if err != nil {
		t.Skipf("no /sys/class/net: %v", err)
	}
	for _, n := range names {
		for _, sub := range []string{"phy80211", "wireless"} {
			if _, err := os.Stat(filepath.Join("/sys/class/net", n.Name(), sub)); err == nil {
				return true
			}
		}
	}
	return false
}

// TestLiveLinux runs the check on this machine. CI has no Wi-Fi, so it
// must say not_applicable (positively, from sysfs), never unknown or fail.
func TestLiveLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live test on Linux only")
	}
	if hasWireless(t) {
		t.Skip("this machine has a Wi-Fi interface; the no-Wi-Fi live test needs a machine without one")
	}
	r := wifisecurity.Check.Run(t.Context(), live.New(), checks.Catalogue{wifisecurity.Check}.Default())
	if r.Status != checks.NotApplicable {
		t.Fatalf("status %s, want not_applicable: %+v", r.Status, r)
	}
	if !strings.Contains(string(r.Facts), `"source":"sysfs"`) || !strings.Contains(string(r.Facts), `"wireless_interfaces":0`) {
		t.Errorf("facts %s: want the sysfs source and 0 wireless interfaces", r.Facts)
	}
}

// TestLiveRecordReplay records the live check into a bundle and replays it:
// the result must be the same.
func TestLiveRecordReplay(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live test on Linux only")
	}
	rec := evidence.NewRecorder(live.New())
	pol := checks.Catalogue{wifisecurity.Check}.Default()
	live := wifisecurity.Check.Run(t.Context(), rec, pol)
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	rp, err := evidence.OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	replayed := wifisecurity.Check.Run(t.Context(), rp, pol)
	if !reflect.DeepEqual(live, replayed) {
		t.Errorf("live %+v\nreplayed %+v", live, replayed)
	}
}

// TestLiveNmcliNotRunning runs the real nmcli where NetworkManager is not
// reachable: it must exit non-zero (1 without a system bus, 8 when
// NetworkManager is not running), which the collector never takes for
// "not connected".
func TestLiveNmcliNotRunning(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live test on Linux only")
	}
	p := live.New()
	if _, err := p.Resolve(probe.CmdNmcli); err != nil {
		t.Skipf("nmcli is not installed (apt install network-manager): %v", err)
	}
	out, err := p.Run(t.Context(), probe.CmdNmcli, "-t", "-f", wifisecurity.NmcliFields, "dev", "wifi", "list", "--rescan", "no")
	if err != nil {
		t.Fatal(err)
	}
	if out.ExitCode == 0 {
		t.Skip("NetworkManager is running here; this test needs a machine without it")
	}
	if !slices.Contains([]int{1, 8}, out.ExitCode) {
		t.Errorf("nmcli exit %d, want 1 (no D-Bus) or 8 (NetworkManager not running): %s", out.ExitCode, out.Stderr)
	}
}

// TestLiveIwNoWirelessInterface runs the real iw scan dump, as the check
// runs it, on an interface that is not Wi-Fi: without cfg80211 (CI) iw
// says "nl80211 not found.", with it "No such device"; either way the
// collector must not take it for a read cache (which could let a pass
// stand on it).
func TestLiveIwNoWirelessInterface(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live test on Linux only")
	}
	p := live.New()
	if _, err := p.Resolve(probe.CmdIw); errors.Is(err, probe.ErrNotFound) {
		if os.Getenv("CI") == "true" {
			t.Fatal("iw is missing: scripts/deps.sh installs iw")
		}
		t.Skip("needs iw (apt install iw)")
	}
	out, err := p.Run(t.Context(), probe.CmdIw, "dev", "sgnowifi0", "scan", "dump")
	if err != nil {
		t.Fatal(err)
	}
	recognised, problem := wifisecurity.IwScanDumpProblem(out.Stdout, out.Stderr, out.ExitCode)
	if out.ExitCode == 0 || recognised || (problem != "nl80211 not found" && problem != "no such device") {
		t.Errorf("iw exit %d, stderr %q: recognised=%v problem %q, want an unread cache (nl80211 not found or no such device)", out.ExitCode, out.Stderr, recognised, problem)
	}
}
