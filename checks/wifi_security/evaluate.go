package wifisecurity

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
)

// grade is what one connection is worth.
type grade int

const (
	gradeUnknown grade = iota
	gradeSecure
	gradeInsecure
)

// gradeOf judges one connection: open, OWE, WEP, WPA1, WPA2 with TKIP and
// WPA/WPA2 mixed mode (which admits WPA1 and TKIP) are insecure; WPA2 and
// WPA3 otherwise (a WPA2/WPA3 transition network included) secure;
// anything else unknown.
func gradeOf(c connection) grade {
	if c.Mixed && (c.Security == secWPA2 || c.Security == secWPA3) {
		return gradeInsecure
	}
	switch c.Security {
	case secOpen, secOWE, secWEP, secWPA:
		return gradeInsecure
	case secWPA2:
		if c.Cipher == "tkip" || c.Cipher == "wep" || c.Cipher == "none" {
			return gradeInsecure
		}
		return gradeSecure
	case secWPA3:
		return gradeSecure
	}
	return gradeUnknown
}

// describe names a connection's security in plain words.
func describe(c connection) string {
	ent := ""
	if c.Enterprise {
		ent = "-Enterprise"
	}
	switch c.Security {
	case secOpen:
		return "an open network with no password"
	case secOWE:
		return "an \"Enhanced Open\" (OWE) network: encrypted, but anyone can join without a password"
	case secWEP:
		return "a network with old WEP security, which can be broken in minutes"
	case secWPA:
		return "a network with old WPA (version 1)" + strings.ReplaceAll(ent, "-", " ") + " security"
	case secWPA2, secWPA3:
		if c.Mixed {
			v := "WPA2"
			if c.Security == secWPA3 {
				v = "WPA3"
			}
			return "a " + v + ent + " network in mixed mode, which still admits devices using the old WPA (version 1) or TKIP encryption"
		}
		if c.Security == secWPA3 {
			return "a WPA3" + ent + " network"
		}
		if gradeOf(c) == gradeInsecure {
			return "a WPA2" + ent + " network that uses the old TKIP encryption"
		}
		return "a WPA2" + ent + " network"
	}
	return "a network whose security was not recognised"
}

// evaluate judges the facts against the policy.
func evaluate(f facts, pol checks.Policy) checks.Result {
	switch f.WiFi {
	case stateNone:
		return checks.Result{Status: checks.NotApplicable, Summary: "This computer has no Wi-Fi adapter."}
	case stateNotConnected:
		return checks.Result{Status: checks.NotApplicable, Summary: "Wi-Fi is not connected (wired network or offline)."}
	case stateConnected:
		return evaluateConnected(f, pol)
	}
	return unknownResult(f)
}

func evaluateConnected(f facts, pol checks.Policy) checks.Result {
	f = netshOnly(f)
	if len(f.Connections) == 0 {
		f.Problem = problemUnrecognised
		f.Tried = append(f.Tried, "connected, but no network's security was read")
		return unknownResult(f)
	}
	// Every connection must be secure, and every place another connection
	// could be must have been read: an insecure connection decides even
	// when another part is unknown.
	var parts []checks.Result
	raw, unrecognised := "", false
	for _, c := range f.Connections {
		switch gradeOf(c) {
		case gradeInsecure:
			status := insecureSetting.Of(pol)
			fix := insecureFix(f.OS)
			if c.Mixed {
				fix += mixedFix
			}
			parts = append(parts, checks.Result{Status: status, Summary: "Connected to " + describe(c) + ".", Fix: fix})
		case gradeUnknown:
			if !unrecognised {
				raw = c.Raw
			}
			unrecognised = true
		default:
			parts = append(parts, checks.Result{Status: checks.Pass, Summary: "Connected to " + describe(c) + "."})
		}
	}
	parts = append(parts, serverCheckParts(f, pol)...)
	if unrecognised || len(f.Unread) > 0 {
		u := f
		switch {
		case unrecognised && raw != "":
			u.Problem = problemUnrecognised
			u.Tried = append(u.Tried, "security \""+raw+"\" not recognised")
		case unrecognised:
			u.Problem = problemUnrecognised
			u.Tried = append(u.Tried, "the security of the connected network was not reported")
		case u.Problem == "":
			u.Problem = problemAccessDenied
		}
		u.Tried = append(u.Tried, f.Unread...)
		parts = append(parts, unknownResult(u))
	}
	return checks.AllOf(parts...)
}

// Server-check verdicts of an 802.1X profile.
const (
	serverChecked = iota
	serverNoCA
	serverAnyName
	serverNoTLS
	serverMethodUnknown
)

// serverCheckOf judges how an 802.1X profile checks the network's
// authentication server (NetworkManager's documented 802-1x semantics):
// TLS, PEAP, TTLS and FAST prove the server by its certificate, which
// needs a CA certificate (or the system's CAs) and the server's name
// (domain-suffix-match, domain-match or altsubject-matches: without one,
// any certificate the CA signed is accepted, and with the system's CAs
// that is any public website's); LEAP and MD5 do not prove the server at
// all; pwd proves it by the password itself.
func serverCheckOf(p eapProfile) int {
	if len(p.Methods) == 0 {
		return serverMethodUnknown
	}
	tls := false
	for _, m := range p.Methods {
		switch m {
		case "leap", "md5":
			return serverNoTLS
		case "tls", "peap", "ttls", "fast":
			tls = true
		case "pwd":
		default:
			return serverMethodUnknown
		}
	}
	switch {
	case !tls:
		return serverChecked
	case !p.CACert && !p.SystemCA:
		return serverNoCA
	case !p.ServerName:
		return serverAnyName
	}
	return serverChecked
}

const signInNetwork = "Connected to a Wi-Fi network you sign in to with an account (802.1X \"Enterprise\", like eduroam), "

const serverFix = "Set this Wi-Fi network up again with your organisation's setup tool (for eduroam, get it from cat.eduroam.org), or ask your IT support to set the server certificate check for it (the network's CA certificate and its server's domain, in the Wi-Fi security settings). Until then, use your phone's hotspot with a password, or turn on the VPN your organisation gives you."

// serverCheckParts grades how this computer checks the authentication
// server of the 802.1X networks it is connected to, where that is read
// (Linux with NetworkManager, Windows). Without that, a fake access point with the
// network's name can collect the account's password (MSCHAPv2, which can
// be cracked) and carry the computer's traffic. An 802.1X connection
// whose profile was not read is unknown: facts from an older agent, or
// more 802.1X connections than 802.1X profiles (on Linux, an adapter
// NetworkManager does not manage).
func serverCheckParts(f facts, pol checks.Policy) []checks.Result {
	readsProfiles := f.OS == "linux" && f.Source == "nmcli" || f.OS == "windows"
	if !readsProfiles || !hasEnterprise(f.Connections) {
		return nil
	}
	unknown := func(why string) []checks.Result {
		u := f
		u.Problem = problemServerUnverified
		u.Tried = append(u.Tried, why)
		return []checks.Result{unknownResult(u)}
	}
	if !f.EAPRead {
		if len(f.Unread) > 0 {
			return nil // the collector said why; unknown below
		}
		return unknown("the 802.1X sign-in settings were not read (an older agent)")
	}
	enterprise := 0
	for _, c := range f.Connections {
		if c.Enterprise {
			enterprise++
		}
	}
	if len(f.EAPProfiles) < enterprise {
		return unknown(fmt.Sprintf("%d 802.1X connection(s), %d NetworkManager profile(s) that sign in with 802.1X", enterprise, len(f.EAPProfiles)))
	}
	var parts []checks.Result
	for _, p := range f.EAPProfiles {
		why := ""
		switch serverCheckOf(p) {
		case serverChecked:
			continue
		case serverMethodUnknown:
			parts = append(parts, unknown("802.1X method(s) \""+strings.Join(p.Methods, ",")+"\" not recognised")...)
			continue
		case serverNoCA:
			why = "but this computer does not check the network's server certificate"
		case serverAnyName:
			why = "but this computer does not check the name on the network's server certificate, so it accepts a certificate that is not your organisation's"
		case serverNoTLS:
			why = "but it uses an old sign-in method (LEAP or MD5) that does not check the network's server"
		}
		parts = append(parts, checks.Result{
			Status:  insecureSetting.Of(pol),
			Summary: signInNetwork + why + ": a fake network with the same name could collect your password and see your traffic.",
			Fix:     serverFix,
		})
	}
	return parts
}

// netshOnly makes sure a Windows WPA2 connection graded by netsh alone
// (no group cipher read from the access point's elements) cannot pass:
// netsh cannot show mixed mode or a TKIP group key. The collector says
// why in Unread; facts from an agent older than the WLAN API route (which
// passed such a connection) say nothing, and get wlanNotAsked.
func netshOnly(f facts) facts {
	if f.OS != "windows" || len(f.Unread) > 0 {
		return f
	}
	if slices.ContainsFunc(f.Connections, func(c connection) bool { return needsIEs(c) && c.GroupCipher == "" }) {
		cipherUnverified(&f, netshUnverified, wlanNotAsked, false)
	}
	return f
}

func unknownResult(f facts) checks.Result {
	reason := "the Wi-Fi state could not be read"
	switch f.Problem {
	case problemLocationPermission:
		reason = "Windows needs location permission before it shows Wi-Fi details to programs"
	case problemAccessDenied:
		reason = "not allowed to read the Wi-Fi state"
	case problemUnrecognised:
		reason = "the Wi-Fi tool's answer was not recognised"
	case problemNoSource:
		reason = "no Wi-Fi tool could answer"
	case problemCipherUnverified:
		reason = "could not read which encryption the Wi-Fi access point lets every device share (its group cipher)"
	case problemInterfaceUnread:
		reason = "could not read the connection of every Wi-Fi adapter"
	case problemServerUnverified:
		reason = "could not read whether this computer checks the Wi-Fi network's sign-in server"
	}
	if len(f.Tried) > 0 {
		reason += " (" + strings.Join(f.Tried, "; ") + ")"
	}
	return checks.Result{
		Status:  checks.Unknown,
		Summary: "Could not tell how the Wi-Fi network is secured.",
		Fix:     unknownFix(f),
		Reason:  reason,
	}
}

const insecureBase = "You are connected to a Wi-Fi network without a password, or with old, weak security, so others nearby could see or tamper with what you send. Connect to a network that asks for a password (WPA2 or WPA3), use your phone's hotspot with a password, or turn on the VPN your organisation gives you. "

const mixedFix = " If this is your own router, change its Wi-Fi security from \"WPA/WPA2\" (mixed, or TKIP) to \"WPA2 (AES)\" or \"WPA2/WPA3\"."

func insecureFix(goos string) string {
	switch goos {
	case "windows":
		return insecureBase + "To switch: click the Wi-Fi icon at the bottom right of the screen, pick a network with a padlock, and enter its password."
	case "darwin":
		return insecureBase + "To switch: click the Wi-Fi icon in the menu bar at the top right of the screen, pick a network with a padlock, and enter its password."
	default:
		return insecureBase + "To switch: open the network menu at the top right of the screen (or Settings > Wi-Fi), pick a network with a padlock, and enter its password."
	}
}

// locationFix: Windows 11 24H2 shows Wi-Fi details (netsh's, the WLAN
// API's) only to programs allowed to use location.
const locationFix = "Windows only shows Wi-Fi details to programs that may use location. Open Settings > Privacy & security > Location, turn on \"Location services\" and \"Let desktop apps access your location\", then click \"Check again\"."

func unknownFix(f facts) string {
	goos, problem := f.OS, f.Problem
	switch {
	case goos == "windows" && problem == problemLocationPermission:
		return locationFix
	case goos == "windows" && problem == problemCipherUnverified:
		if slices.ContainsFunc(f.Unread, func(s string) bool { return strings.Contains(s, wlanDenied) }) {
			return locationFix
		}
		return "SessionGuard could not read the Wi-Fi router's security details from Windows, so it cannot tell whether the router still admits devices with the old WPA or TKIP encryption. Click \"Check again\"; if it stays unknown, ask your IT support to check that the \"WLAN AutoConfig\" service is running and that the SessionGuard agent is up to date."
	case problem == problemCipherUnverified:
		return "SessionGuard could not check whether this Wi-Fi network still admits devices with the old WPA or TKIP encryption: the Wi-Fi service in use (iwd) does not report it, and SessionGuard reads it with the \"iw\" tool. If \"iw\" is not installed, install it (for example \"sudo apt install iw\"), then click \"Check again\"; if it stays unknown, ask your IT support."
	case goos == "darwin" && problem == problemInterfaceUnread:
		return "This Mac has more than one Wi-Fi adapter, and macOS did not say whether one of them is connected, or how its network is secured. Turn off or unplug the Wi-Fi adapter you do not use (for example a USB Wi-Fi adapter), then click \"Check again\"; if it stays unknown, ask your IT support."
	case problem == problemInterfaceUnread && f.WirelessInterfaces != nil && *f.WirelessInterfaces == 1:
		return "SessionGuard could not read this computer's Wi-Fi connection: NetworkManager does not report a Wi-Fi adapter it does not manage, so SessionGuard reads it with the \"iw\" tool. If \"iw\" is not installed, install it (for example \"sudo apt install iw\"), then click \"Check again\"; if it stays unknown, ask your IT support."
	case problem == problemInterfaceUnread:
		return "This computer has more than one Wi-Fi adapter, and SessionGuard could not read the connection of every one: NetworkManager does not report the adapters it does not manage, so SessionGuard reads each with the \"iw\" tool. If \"iw\" is not installed, install it (for example \"sudo apt install iw\"), then click \"Check again\". If it stays unknown, unplug or turn off the Wi-Fi adapter you do not use, or ask your IT support."
	case goos == "windows" && problem == problemServerUnverified:
		return "This Wi-Fi network signs you in with an account (802.1X), and SessionGuard could not read from Windows' Wi-Fi profile whether this computer checks the network's server certificate, which stops a fake network with the same name from collecting your password. Click \"Check again\"; if it stays unknown, ask your IT support to check the network's security settings (verify the server's certificate, with the network's trusted CA and its server names), or set the network up again with your organisation's setup tool (for eduroam, from cat.eduroam.org)."
	case problem == problemServerUnverified:
		return "This Wi-Fi network signs you in with an account (802.1X), and SessionGuard could not read from NetworkManager whether this computer checks the network's server certificate, which stops a fake network with the same name from collecting your password. Click \"Check again\"; if it stays unknown, ask your IT support to check the network's security settings (CA certificate and server domain), or set the network up again with your organisation's setup tool (for eduroam, from cat.eduroam.org)."
	case problem == problemAccessDenied:
		return "SessionGuard was not allowed to read the Wi-Fi details. Make sure the SessionGuard agent is installed and running with administrator rights, then click \"Check again\"; if it stays unknown, ask your IT support."
	}
	return checks.GenericUnknownFix
}
