package wifisecurity

import (
	"context"
	"fmt"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ID is the stable check identifier.
const ID = "wifi_security"

// Check is the Wi-Fi security check.
var Check checks.Check = checks.Definition[facts]{
	CheckID:    ID,
	CheckTitle: "Wi-Fi security",
	Meta:       checks.Meta{Required: true, Controls: []string{checks.ControlSecureConfig, checks.ControlFirewalls}, Settings: []checks.Setting{insecureSetting}},
	Collect:    collect,
	Evaluate:   evaluate,
	UnknownFix: checks.GenericUnknownFix,
	Scrub:      scrub,
}

// insecureSetting grades a connection to an open, OWE, WEP, WPA1 or
// WPA2-TKIP network, and (Linux with NetworkManager, Windows) to an
// 802.1X network whose authentication server this computer does not
// check. The label,
// shown to administrators, is kept as it was.
var insecureSetting = checks.Grade{Name: "wifi_insecure", Label: "On open, WEP, WPA1 or WPA2-TKIP Wi-Fi, or enterprise (802.1X) Wi-Fi that does not check its server", Default: checks.Fail}

// WiFi states of facts.WiFi.
const (
	// StateNone: the computer has no Wi-Fi interface.
	stateNone = "none"
	// StateNotConnected: Wi-Fi exists but is off or not connected.
	stateNotConnected = "not_connected"
	// StateConnected: at least one Wi-Fi interface is connected; see
	// Connections.
	stateConnected = "connected"
	// StateUnknown: the state could not be read; see Problem.
	stateUnknown = "unknown"
)

// Problems of facts.Problem, set when WiFi is unknown or a connection's
// security was not recognised.
const (
	problemLocationPermission = "location_permission"
	problemAccessDenied       = "access_denied"
	problemUnrecognised       = "unrecognised"
	problemNoSource           = "no_source"
	// problemCipherUnverified: connected, but the group cipher every
	// device on the network shares could not be read (NetworkManager with
	// iwd, or iwd, and the kernel's scan cache unreadable; Windows, netsh
	// and not the WLAN API's access point elements).
	problemCipherUnverified = "cipher_unverified"
	// problemInterfaceUnread: connected, but another Wi-Fi interface's
	// connection could not be read (Linux: an interface NetworkManager
	// does not report, without iw's answer for it; macOS: an interface
	// system_profiler gives no security mode or an unknown status for).
	problemInterfaceUnread = "interface_unread"
	// problemServerUnverified: connected to an 802.1X (Enterprise)
	// network, but how this computer checks the network's
	// authentication server could not be read (Linux: NetworkManager's
	// profile for it; Windows: the connection's Wi-Fi profile).
	problemServerUnverified = "server_unverified"
)

// facts are the raw observations. The network name (SSID), the access
// point's address (BSSID) and interface names are never kept.
type facts struct {
	OS string `json:"os"`
	// WiFi is "none", "not_connected", "connected" or "unknown".
	WiFi string `json:"wifi"`
	// Source is the tool or file whose answer decided WiFi: "sysfs",
	// "nmcli", "wpa_cli", "iwctl", "system_profiler", "wdutil", "ipconfig",
	// "netsh" or "wlanapi" (Windows, when netsh's words were not
	// recognised).
	Source string `json:"source,omitempty"`
	// WirelessInterfaces is how many Wi-Fi interfaces the source listed
	// (nil when it does not say).
	WirelessInterfaces *int `json:"wireless_interfaces,omitempty"`
	// Connections are the connected Wi-Fi networks, one per connected
	// interface.
	Connections []connection `json:"connections,omitempty"`
	// Unread says what could not be read that may hold another connected
	// Wi-Fi interface, or a connection's group cipher (never an interface
	// name): a pass needs it empty.
	Unread []string `json:"unread,omitempty"`
	// NMBackend is the supplicant NetworkManager drives ("wpa_supplicant",
	// "iwd"; "" when not asked or not known), read when the kernel's scan
	// cache could not confirm NetworkManager's cipher flags.
	NMBackend string `json:"nm_backend,omitempty"`
	// EAPRead is true when, for a connection to an 802.1X (Enterprise)
	// access point, every active NetworkManager Wi-Fi profile (Linux), or
	// every 802.1X connection's Wi-Fi profile (Windows), was read;
	// EAPProfiles are those of them that sign in with 802.1X. An older
	// agent's facts have neither.
	EAPRead     bool         `json:"eap_read,omitempty"`
	EAPProfiles []eapProfile `json:"eap_profiles,omitempty"`
	// Problem says why the state is unknown.
	Problem string `json:"problem,omitempty"`
	// Tried lists what each source answered, in order, for the reason of
	// an unknown result (never a network name).
	Tried []string `json:"tried,omitempty"`
}

// connection is the security of one connected network.
type connection struct {
	// Security is "open", "owe", "wep", "wpa" (version 1), "wpa2",
	// "wpa3", or "" when the tool's words were not recognised.
	Security string `json:"security"`
	// Enterprise is true for 802.1X (sign-in with an account) networks.
	Enterprise bool `json:"enterprise,omitempty"`
	// Cipher is the pairwise cipher when the source tells it: "ccmp",
	// "gcmp", "tkip", "wep", "none".
	Cipher string `json:"cipher,omitempty"`
	// Mixed is true when the network also lets devices join with WPA
	// (version 1) or the TKIP cipher alongside WPA2 or WPA3 ("WPA/WPA2
	// Personal", system_profiler's *_mixed modes, nmcli's "WPA1 WPA2" or
	// "WPA WPA2", TKIP among the offered ciphers, or a TKIP group cipher):
	// every device on it shares a key that WPA1/TKIP protects.
	Mixed bool `json:"mixed,omitempty"`
	// GroupCipher is the cipher every device on the network shares (the
	// access point's group cipher: "ccmp", "tkip", "gcmp-256", …), when
	// its own RSN/WPA element was read on Windows (the WLAN API); "" when
	// not read there (netsh alone does not show it, and a Windows WPA2
	// connection without it does not pass).
	GroupCipher string `json:"group_cipher,omitempty"`
	// Raw is the tool's own security words, e.g. "WPA1 WPA2",
	// "spairport_security_mode_wpa2_personal", "WPA2-Personal".
	Raw string `json:"raw,omitempty"`
}

// Security values of Connection.Security.
const (
	secOpen = "open"
	secOWE  = "owe"
	secWEP  = "wep"
	secWPA  = "wpa"
	secWPA2 = "wpa2"
	secWPA3 = "wpa3"
)

// collect reads the Wi-Fi state for the probe's OS.
func collect(ctx context.Context, p probe.Probe) (facts, error) {
	switch p.GOOS() {
	case "linux":
		return collectLinux(ctx, p), nil
	case "darwin":
		return collectDarwin(ctx, p), nil
	case "windows":
		return collectWindows(ctx, p), nil
	default:
		return facts{OS: p.GOOS(), WiFi: stateUnknown, Problem: problemNoSource}, fmt.Errorf("wifi_security: unsupported OS %q", p.GOOS())
	}
}

// intp returns a pointer to n.
func intp(n int) *int { return &n }
