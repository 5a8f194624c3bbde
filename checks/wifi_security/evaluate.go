package wifisecurity

import (
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

// gradeOf judges one connection: open, OWE, WEP, WPA1 and WPA2 with TKIP
// are insecure; WPA2 and WPA3 otherwise secure; anything else unknown.
func gradeOf(c Connection) grade {
	switch c.Security {
	case SecOpen, SecOWE, SecWEP, SecWPA:
		return gradeInsecure
	case SecWPA2:
		if c.Cipher == "tkip" || c.Cipher == "wep" || c.Cipher == "none" {
			return gradeInsecure
		}
		return gradeSecure
	case SecWPA3:
		return gradeSecure
	}
	return gradeUnknown
}

// describe names a connection's security in plain words.
func describe(c Connection) string {
	ent := ""
	if c.Enterprise {
		ent = "-Enterprise"
	}
	switch c.Security {
	case SecOpen:
		return "an open network with no password"
	case SecOWE:
		return "an \"Enhanced Open\" (OWE) network: encrypted, but anyone can join without a password"
	case SecWEP:
		return "a network with old WEP security, which can be broken in minutes"
	case SecWPA:
		return "a network with old WPA (version 1)" + strings.ReplaceAll(ent, "-", " ") + " security"
	case SecWPA2:
		if gradeOf(c) == gradeInsecure {
			return "a WPA2" + ent + " network that uses the old TKIP encryption"
		}
		return "a WPA2" + ent + " network"
	case SecWPA3:
		return "a WPA3" + ent + " network"
	}
	return "a network whose security was not recognised"
}

// Evaluate judges the facts against the policy.
func Evaluate(f Facts, pol checks.Policy) checks.Result {
	switch f.WiFi {
	case StateNone:
		return checks.Result{Status: checks.NotApplicable, Summary: "This computer has no Wi-Fi adapter."}
	case StateNotConnected:
		return checks.Result{Status: checks.NotApplicable, Summary: "Wi-Fi is not connected (wired network or offline)."}
	case StateConnected:
		return evaluateConnected(f, pol)
	}
	return unknownResult(f)
}

func evaluateConnected(f Facts, pol checks.Policy) checks.Result {
	if len(f.Connections) == 0 {
		f.Problem = ProblemUnrecognised
		f.Tried = append(f.Tried, "connected, but no network's security was read")
		return unknownResult(f)
	}
	var worst *Connection
	unknown := false
	for i := range f.Connections {
		switch gradeOf(f.Connections[i]) {
		case gradeInsecure:
			if worst == nil {
				worst = &f.Connections[i]
			}
		case gradeUnknown:
			unknown = true
		}
	}
	if worst != nil {
		status := pol.WifiInsecure
		if status != checks.Warn {
			status = checks.Fail
		}
		return checks.Result{
			Status:  status,
			Summary: "Connected to " + describe(*worst) + ".",
			Fix:     insecureFix(f.OS),
		}
	}
	if unknown {
		raw := ""
		for _, c := range f.Connections {
			if gradeOf(c) == gradeUnknown && c.Raw != "" {
				raw = c.Raw
				break
			}
		}
		f.Problem = ProblemUnrecognised
		if raw != "" {
			f.Tried = append(f.Tried, "security \""+raw+"\" not recognised")
		} else {
			f.Tried = append(f.Tried, "the security of the connected network was not reported")
		}
		return unknownResult(f)
	}
	best := f.Connections[0]
	return checks.Result{Status: checks.Pass, Summary: "Connected to " + describe(best) + "."}
}

func unknownResult(f Facts) checks.Result {
	reason := "the Wi-Fi state could not be read"
	switch f.Problem {
	case ProblemLocationPermission:
		reason = "Windows needs location permission before it shows Wi-Fi details to programs"
	case ProblemAccessDenied:
		reason = "not allowed to read the Wi-Fi state"
	case ProblemUnrecognised:
		reason = "the Wi-Fi tool's answer was not recognised"
	case ProblemNoSource:
		reason = "no Wi-Fi tool could answer"
	}
	if len(f.Tried) > 0 {
		reason += " (" + strings.Join(f.Tried, "; ") + ")"
	}
	return checks.Result{
		Status:  checks.Unknown,
		Summary: "Could not tell how the Wi-Fi network is secured.",
		Fix:     unknownFix(f.OS, f.Problem),
		Reason:  reason,
	}
}

const insecureBase = "You are connected to a Wi-Fi network without a password, or with old, weak security, so others nearby could see or tamper with what you send. Connect to a network that asks for a password (WPA2 or WPA3), use your phone's hotspot with a password, or turn on the VPN your organisation gives you. "

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

func unknownFix(goos, problem string) string {
	switch {
	case goos == "windows" && problem == ProblemLocationPermission:
		return "Windows only shows Wi-Fi details to programs that may use location. Open Settings > Privacy & security > Location, turn on \"Location services\" and \"Let desktop apps access your location\", then click \"Check again\"."
	case problem == ProblemAccessDenied:
		return "SessionGuard was not allowed to read the Wi-Fi details. Make sure the SessionGuard agent is installed and running with administrator rights, then click \"Check again\"; if it stays unknown, ask your IT support."
	}
	return checks.GenericUnknownFix
}
