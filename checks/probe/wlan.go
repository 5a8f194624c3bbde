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
	// Security is the current connection's security attributes (nil when
	// not read: an older agent or evidence bundle, or the connection
	// could not be queried).
	Security *WLANSecurity `json:"security,omitempty"`
	// ProfileXML is the XML of the Wi-Fi profile the connection uses
	// (Windows: WlanGetProfile, without the plain-text key), read for a
	// connection that signs in with 802.1X only; "" when not read, and
	// ProfileError then says why when reading it failed. It names the
	// network and the organisation's servers: a check never puts it in its
	// facts, and an evidence bundle keeps only its structure.
	ProfileXML   string `json:"profile_xml,omitempty"`
	ProfileError string `json:"profile_error,omitempty"`
	// Error says why this interface's association or BSS list could not be
	// read (another interface's may have been).
	Error string `json:"error,omitempty"`
}

// WLANSecurity is what the WLAN service says of the current connection's
// security (Windows: WLAN_SECURITY_ATTRIBUTES), in numbers that do not
// depend on the display language.
type WLANSecurity struct {
	// Enabled is bSecurityEnabled, OneX bOneXEnabled (802.1X).
	Enabled bool `json:"enabled"`
	OneX    bool `json:"onex,omitempty"`
	// Auth is the DOT11_AUTH_ALGORITHM (1 open, 2 shared key, 3 WPA, 4
	// WPA-PSK, 6 RSNA, 7 RSNA-PSK, 8 WPA3-Enterprise 192-bit, 9 SAE,
	// 10 OWE, 11 WPA3-Enterprise), Cipher the DOT11_CIPHER_ALGORITHM
	// (0 none, 1 WEP-40, 2 TKIP, 4 CCMP, 5 WEP-104, 8 GCMP, 9 GCMP-256,
	// 0x0a CCMP-256, 0x101 WEP).
	Auth   uint32 `json:"auth"`
	Cipher uint32 `json:"cipher"`
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
