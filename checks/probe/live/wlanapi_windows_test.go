//go:build windows

package live

import (
	"errors"
	"regexp"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// underWine reports whether this Windows is Wine (ntdll exports
// wine_get_version).
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// TestLiveWindowsWLAN runs on Windows (and under Wine, from
// internal/winetest). It asks the WLAN service for the connected
// interfaces' access points through the live probe, the way the
// wifi_security check does: the answer is well formed (a BSSID as netsh
// prints it, elements only for a listed access point), a failure is one
// the check can word (denied, no WLAN service), and under Wine, whose
// wlanapi.dll has no Wi-Fi interface, it is the empty answer: "no
// connected interface", never an association made up. A bogus interface
// GUID is an error for that interface, not an association.
func TestLiveWindowsWLAN(t *testing.T) {
	var l probe.Probe = New()
	as, err := probe.WLANAssociations(l)
	t.Logf("WLANAssociations: %d associations, err %v", len(as), err)
	switch {
	case errors.Is(err, probe.ErrUnavailable):
		t.Fatalf("the live Windows probe must implement probe.WLANReader: %v", err)
	case underWine() && err != nil:
		t.Fatalf("under Wine: %v, want no error and no association", err)
	case underWine() && len(as) != 0:
		t.Fatalf("under Wine: %d associations, want none: %+v", len(as), as)
	case err != nil && !errors.Is(err, probe.ErrAccessDenied) && !errors.Is(err, probe.ErrNotFound):
		t.Logf("WLAN service failed: %v (the check words it as %q)", err, err.Error())
	}
	mac := regexp.MustCompile(`^([0-9a-f]{2}:){5}[0-9a-f]{2}$`)
	for _, a := range as {
		if !mac.MatchString(a.BSSID) || !a.Listed && len(a.IEs) > 0 {
			t.Errorf("malformed association: BSSID %q listed %v, %d bytes of elements", a.BSSID, a.Listed, len(a.IEs))
		}
	}

	if err := wlanapi.Load(); err != nil {
		t.Skipf("no wlanapi.dll: %v", err)
	}
	var version uint32
	var h windows.Handle
	if err := wlanOpen(&version, &h); err != nil {
		t.Skipf("WlanOpenHandle: %v", err)
	}
	defer wlanClose(h)
	bogus := [16]byte{0x53, 0x47}
	a, err := wlanAssociation(h, &bogus)
	t.Logf("bogus interface: %+v, %v", a, err)
	if err == nil || a.BSSID != "" || a.Listed {
		t.Errorf("a bogus interface GUID: %+v, %v; want an error and no association", a, err)
	}
}
