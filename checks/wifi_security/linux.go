package wifisecurity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// iwctlTimeout bounds iwctl, which waits for iwd when it is not running.
const iwctlTimeout = 3 * time.Second

// sourceNote tracks what the sources said, for an unknown result.
type sourceNote struct {
	denied, unrecognised bool
}

func (n *sourceNote) runErr(f *Facts, tool string, err error) {
	f.Tried = append(f.Tried, tool+": "+errWord(err))
	if errors.Is(err, probe.ErrAccessDenied) {
		n.denied = true
	}
}

func (n *sourceNote) finish(f *Facts) {
	f.WiFi = StateUnknown
	switch {
	case n.denied:
		f.Problem = ProblemAccessDenied
	case n.unrecognised:
		f.Problem = ProblemUnrecognised
	default:
		f.Problem = ProblemNoSource
	}
}

func errWord(err error) string {
	switch {
	case errors.Is(err, probe.ErrNotFound):
		return "not installed"
	case errors.Is(err, probe.ErrAccessDenied):
		return "access denied"
	case errors.Is(err, probe.ErrNotAllowed):
		return "not allowed"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	return "could not run"
}

// linuxWirelessInterfaces lists the Wi-Fi interfaces in /sys/class/net. ok
// is false when the directory could not be listed.
func linuxWirelessInterfaces(p probe.Probe) (names []string, ok bool) {
	all, err := p.ReadDir("/sys/class/net")
	if err != nil {
		return nil, false
	}
	for _, name := range all {
		if name == "lo" {
			continue
		}
		dir := "/sys/class/net/" + name
		if ue, err := p.ReadFile(dir + "/uevent"); err == nil && SysfsWireless(ue) {
			names = append(names, name)
			continue
		}
		// Drivers with only the old wireless extensions have no DEVTYPE
		// but a wireless/ directory.
		if _, err := p.ReadDir(dir + "/wireless"); err == nil {
			names = append(names, name)
		}
	}
	return names, true
}

func collectLinux(ctx context.Context, p probe.Probe) Facts {
	f := Facts{OS: "linux"}
	var note sourceNote
	ifaces, known := linuxWirelessInterfaces(p)
	if known {
		f.WirelessInterfaces = intp(len(ifaces))
		if len(ifaces) == 0 {
			f.WiFi, f.Source = StateNone, "sysfs"
			return f
		}
	} else {
		f.Tried = append(f.Tried, "sysfs: network interfaces not readable")
	}

	// NetworkManager.
	out, err := p.Run(ctx, "nmcli", "-t", "-f", "ACTIVE,SSID,SECURITY", "dev", "wifi", "list", "--rescan", "no")
	switch {
	case err != nil:
		note.runErr(&f, "nmcli", err)
	case out.ExitCode == 8:
		f.Tried = append(f.Tried, "nmcli: NetworkManager is not running")
	case out.ExitCode != 0:
		f.Tried = append(f.Tried, fmt.Sprintf("nmcli: exit status %d", out.ExitCode))
	default:
		list := ParseNmcliWifiList(out.Stdout)
		if !list.Recognised {
			note.unrecognised = true
			f.Tried = append(f.Tried, "nmcli: output not recognised")
			break
		}
		f.Source = "nmcli"
		if len(list.Active) == 0 {
			f.WiFi = StateNotConnected
			return f
		}
		f.WiFi, f.Connections = StateConnected, list.Active
		refineCipher(ctx, p, &f)
		return f
	}

	// wpa_supplicant without NetworkManager.
	if st, ok := runWpaCli(ctx, p, &f, &note); ok {
		f.Source = "wpa_cli"
		switch {
		case st.Connected:
			f.WiFi, f.Connections = StateConnected, []Connection{st.Conn}
			return f
		case notConnectedWpaState[st.State]:
			f.WiFi = StateNotConnected
			return f
		}
		f.Source = ""
		f.Tried = append(f.Tried, "wpa_cli: state "+st.State)
	}

	// iwd.
	for _, dev := range ifaces {
		ictx, cancel := context.WithTimeout(ctx, iwctlTimeout)
		out, err := p.Run(ictx, "iwctl", "station", dev, "show")
		cancel()
		if err != nil {
			note.runErr(&f, "iwctl", err)
			break
		}
		st := ParseIwctlStation(out.Stdout, out.Stderr)
		switch {
		case st.NotRunning:
			f.Tried = append(f.Tried, "iwctl: iwd is not running")
		case !st.Recognised:
			note.unrecognised = true
			f.Tried = append(f.Tried, "iwctl: output not recognised")
		case st.Connected:
			f.Source, f.WiFi, f.Connections = "iwctl", StateConnected, []Connection{st.Conn}
			return f
		case st.State == "disconnected":
			f.Source, f.WiFi = "iwctl", StateNotConnected
			continue
		default:
			f.Tried = append(f.Tried, "iwctl: state "+st.State)
		}
		if st.NotRunning {
			break
		}
	}
	if f.WiFi == StateNotConnected {
		return f
	}
	note.finish(&f)
	return f
}

// notConnectedWpaState are the wpa_state values of an interface that is
// not connected and not about to be.
var notConnectedWpaState = map[string]bool{
	"DISCONNECTED": true, "INACTIVE": true, "SCANNING": true, "INTERFACE_DISABLED": true,
}

func runWpaCli(ctx context.Context, p probe.Probe, f *Facts, note *sourceNote) (WpaCliStatus, bool) {
	out, err := p.Run(ctx, "wpa_cli", "status")
	if err != nil {
		note.runErr(f, "wpa_cli", err)
		return WpaCliStatus{}, false
	}
	st := ParseWpaCliStatus(out.Stdout, out.Stderr)
	switch {
	case st.Recognised:
		return st, true
	case st.Denied:
		note.denied = true
		f.Tried = append(f.Tried, "wpa_cli: permission denied")
	case out.ExitCode != 0:
		f.Tried = append(f.Tried, "wpa_cli: wpa_supplicant not reachable")
	default:
		note.unrecognised = true
		f.Tried = append(f.Tried, "wpa_cli: output not recognised")
	}
	return st, false
}

// refineCipher asks wpa_supplicant which key management and pairwise cipher
// the one connection NetworkManager reports actually uses, when it might
// be TKIP (WPA or WPA2 without WPA3). nmcli only lists what the access
// point offers. Without wpa_cli the nmcli answer stands.
func refineCipher(ctx context.Context, p probe.Probe, f *Facts) {
	if len(f.Connections) != 1 {
		return
	}
	c := f.Connections[0]
	if c.Security != SecWPA && c.Security != SecWPA2 {
		return
	}
	out, err := p.Run(ctx, "wpa_cli", "status")
	if err != nil {
		return
	}
	st := ParseWpaCliStatus(out.Stdout, out.Stderr)
	if !st.Connected || st.Conn.Security == "" {
		return
	}
	refined := st.Conn
	refined.Raw = c.Raw + " / " + st.Conn.Raw
	f.Connections[0] = refined
}
