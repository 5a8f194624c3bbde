package wifisecurity

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Windows: the WLAN service's security attributes of the current
// connection (WlanQueryInterface, WLAN_SECURITY_ATTRIBUTES:
// bSecurityEnabled, bOneXEnabled, the DOT11_AUTH_ALGORITHM and the
// DOT11_CIPHER_ALGORITHM) are numbers, the same in every display
// language. netsh prints them in words the display language translates;
// when its answer is in a language the tables above do not know, they
// grade the connections instead.

// dot11Auth names the DOT11_AUTH_ALGORITHM values (Microsoft's
// wlantypes.h) and the security each means.
var dot11Auth = map[uint32]struct {
	name, security string
	enterprise     bool
}{
	1:  {"open", secOpen, false},
	2:  {"shared key", secWEP, false},
	3:  {"WPA", secWPA, true},
	4:  {"WPA-PSK", secWPA, false},
	6:  {"RSNA", secWPA2, true},
	7:  {"RSNA-PSK", secWPA2, false},
	8:  {"WPA3-Enterprise-192", secWPA3, true},
	9:  {"WPA3-SAE", secWPA3, false},
	10: {"OWE", secOWE, false},
	11: {"WPA3-Enterprise", secWPA3, true},
}

// dot11Cipher names the DOT11_CIPHER_ALGORITHM values (windot11.h) and
// the cipher each is in facts.connection's words.
var dot11Cipher = map[uint32]struct{ name, cipher string }{
	0x00:  {"none", "none"},
	0x01:  {"WEP-40", "wep"},
	0x02:  {"TKIP", "tkip"},
	0x04:  {"CCMP", "ccmp"},
	0x05:  {"WEP-104", "wep"},
	0x08:  {"GCMP", "gcmp"},
	0x09:  {"GCMP-256", "gcmp"},
	0x0a:  {"CCMP-256", "ccmp"},
	0x101: {"WEP", "wep"},
}

// wlanConnection is the connection the WLAN service's security
// attributes describe. Open System with a WEP cipher is WEP; security
// disabled is open only with Open System authentication; values outside
// the tables leave Security unset (not recognised).
func wlanConnection(s probe.WLANSecurity) connection {
	auth, authKnown := dot11Auth[s.Auth]
	ci, cipherKnown := dot11Cipher[s.Cipher]
	authName, cipherName := auth.name, ci.name
	if !authKnown {
		authName = fmt.Sprintf("auth %#x", s.Auth)
	}
	if !cipherKnown {
		cipherName = fmt.Sprintf("cipher %#x", s.Cipher)
	}
	c := connection{Raw: "wlanapi: " + authName + " " + cipherName, Cipher: ci.cipher, Enterprise: auth.enterprise}
	switch {
	case !authKnown:
	case !s.Enabled && auth.security == secOpen:
		c.Security, c.Cipher = secOpen, "none"
	case !s.Enabled:
		// Security off with another algorithm: not a known answer.
	case auth.security == secOpen && ci.cipher == "wep":
		c.Security = secWEP
	case auth.security == secOpen:
		// Security on with Open System and no WEP: not a known answer.
	default:
		c.Security = auth.security
	}
	return c
}

// netshUnrecognised reports whether netsh's answer could not be graded
// for want of its words: output not recognised, or a connection whose
// authentication was not.
func netshUnrecognised(r netshInterfaces) bool {
	if r.State == stateUnknown {
		return r.Problem == problemUnrecognised
	}
	return slices.ContainsFunc(r.Connections, func(c connection) bool { return c.Security == "" })
}

// fromWLANAttributes grades every connected Wi-Fi interface by the WLAN
// service's security attributes (and, for WPA2, the access point's
// elements), when netsh's answer was not recognised. The WLAN service
// lists every connected interface, as netsh does. False, leaving f as it
// was, when the service did not answer, listed no connected interface
// (that none is connected is then not told), or did not give the
// attributes of every connected interface (an older agent's or evidence
// bundle's answer has none).
func fromWLANAttributes(p probe.Probe, f *facts, r netshInterfaces) bool {
	as, err := probe.WLANAssociations(p)
	if err != nil || len(as) == 0 {
		// No connected interface is not taken from the WLAN service
		// alone while netsh could not be read: Wine's, for one, lists
		// none and says nothing of the rest.
		return false
	}
	conns := make([]connection, 0, len(as))
	bssids := make([]string, 0, len(as))
	for _, a := range as {
		if a.Security == nil {
			return false
		}
		conns = append(conns, wlanConnection(*a.Security))
		bssids = append(bssids, strings.ToLower(a.BSSID))
	}
	f.Source = "wlanapi"
	if r.Interfaces > 0 {
		f.WirelessInterfaces = intp(r.Interfaces)
	}
	note := "netsh: output not recognised, graded by the WLAN API's security attributes"
	if r.Detail != "" {
		note = "netsh: " + r.Detail + "; graded by the WLAN API's security attributes"
	}
	f.Tried = append(f.Tried, note)
	f.WiFi, f.Connections = stateConnected, conns
	if slices.ContainsFunc(conns, needsIEs) {
		if why := withWLANElements(as, nil, f.Connections, bssids); why != nil {
			cipherUnverified(f, "wlanapi: the security attributes name the negotiated authentication and pairwise cipher only, not the access point's group cipher", strings.Join(why, "; "), false)
		}
	}
	if hasEnterprise(conns) {
		readWindowsEAP(as, nil, f, bssids)
	}
	return true
}
