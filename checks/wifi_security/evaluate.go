package wifisecurity

import (
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
	case problem == problemInterfaceUnread:
		return "This computer has more than one Wi-Fi adapter, and SessionGuard could not read the connection of every one: NetworkManager does not report the adapters it does not manage, so SessionGuard reads each with the \"iw\" tool. If \"iw\" is not installed, install it (for example \"sudo apt install iw\"), then click \"Check again\". If it stays unknown, unplug or turn off the Wi-Fi adapter you do not use, or ask your IT support."
	case problem == problemAccessDenied:
		return "SessionGuard was not allowed to read the Wi-Fi details. Make sure the SessionGuard agent is installed and running with administrator rights, then click \"Check again\"; if it stays unknown, ask your IT support."
	}
	return checks.GenericUnknownFix
}
