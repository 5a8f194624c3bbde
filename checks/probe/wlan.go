package probe

import "fmt"

// WLANAssociation is the access point one connected Wi-Fi interface is
// associated with, as the operating system's WLAN service knows it
// (Windows: WlanQueryInterface's current connection and the interface's
// BSS list). SSID and BSSID say where the computer is: a check never puts
// them in its facts, and an evidence bundle keeps only their pseudonyms.
type WLANAssociation struct {
	// SSID is the network name, as the access point sends it ("" when it
	// is hidden).
	SSID string `json:"ssid"`
	// BSSID is the access point's address, "aa:bb:cc:dd:ee:ff" in lower
	// case (as netsh prints it).
	BSSID string `json:"bssid"`
	// Listed is true when the BSSID was in the interface's BSS list (what
	// the WLAN service kept from the access point's last beacon or probe
	// response); IEs are then its information elements.
	Listed bool   `json:"listed"`
	IEs    []byte `json:"ies,omitempty"`
	// Error says why this interface's association or BSS list could not be
	// read (another interface's may have been).
	Error string `json:"error,omitempty"`
}

// WLANReader is implemented by probes that can read the connected Wi-Fi
// interfaces' access points from the WLAN service (Windows). It is an
// optional part of a probe: ask through WLANAssociations. It never scans.
type WLANReader interface {
	// WLANAssociations lists one entry per connected Wi-Fi interface (none
	// when none is connected). An error wrapping ErrAccessDenied when the
	// service refused (Windows 11 24H2 without location permission),
	// ErrNotFound when there is no WLAN service.
	WLANAssociations() ([]WLANAssociation, error)
}

// WLANAssociations asks p for the connected Wi-Fi interfaces' access
// points; an error wrapping ErrUnavailable when p cannot tell.
func WLANAssociations(p Probe) ([]WLANAssociation, error) {
	if r, ok := p.(WLANReader); ok {
		return r.WLANAssociations()
	}
	return nil, fmt.Errorf("WLAN associations: %w", ErrUnavailable)
}
