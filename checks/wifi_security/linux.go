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

func (n *sourceNote) runErr(f *facts, tool string, err error) {
	f.Tried = append(f.Tried, tool+": "+errWord(err))
	if errors.Is(err, probe.ErrAccessDenied) {
		n.denied = true
	}
}

func (n *sourceNote) finish(f *facts) {
	f.WiFi = stateUnknown
	switch {
	case n.denied:
		f.Problem = problemAccessDenied
	case n.unrecognised:
		f.Problem = problemUnrecognised
	default:
		f.Problem = problemNoSource
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
// is false when the directory could not be listed; uncertain counts the
// interfaces whose type could not be read (uevent unreadable and no
// wireless/ directory), any of which may be Wi-Fi.
func linuxWirelessInterfaces(p probe.Probe) (names []string, uncertain int, ok bool) {
	all, err := p.ReadDir("/sys/class/net")
	if err != nil {
		return nil, 0, false
	}
	for _, name := range all {
		if name == "lo" {
			continue
		}
		dir := "/sys/class/net/" + name
		ue, ueErr := p.ReadFile(dir + "/uevent")
		if ueErr == nil && sysfsWireless(ue) {
			names = append(names, name)
			continue
		}
		// Drivers with only the old wireless extensions have no DEVTYPE
		// but a wireless/ directory.
		if _, err := p.ReadDir(dir + "/wireless"); err == nil {
			names = append(names, name)
			continue
		}
		if ueErr != nil {
			uncertain++
		}
	}
	return names, uncertain, true
}

func collectLinux(ctx context.Context, p probe.Probe) facts {
	f := facts{OS: "linux"}
	var note sourceNote
	// The listing decides "no Wi-Fi" (not applicable), which devices iwctl
	// is asked about and whether wpa_cli's one interface is all there is;
	// nmcli lists every device's association itself. When it cannot be
	// read, the tools are asked all the same, and only nmcli can pass.
	ifaces, uncertain, known := linuxWirelessInterfaces(p)
	switch {
	case !known:
		f.Tried = append(f.Tried, "sysfs: network interfaces not readable")
	case uncertain > 0:
		f.WirelessInterfaces = intp(len(ifaces))
		f.Tried = append(f.Tried, fmt.Sprintf("sysfs: the type of %d network interface(s) could not be read", uncertain))
	default:
		f.WirelessInterfaces = intp(len(ifaces))
		if len(ifaces) == 0 {
			f.WiFi, f.Source = stateNone, "sysfs"
			return f
		}
	}

	// NetworkManager.
	out, err := p.Run(ctx, probe.CmdNmcli, "-t", "-f", nmcliFields, "dev", "wifi", "list", "--rescan", "no")
	switch {
	case err != nil:
		note.runErr(&f, "nmcli", err)
	case out.ExitCode == 8:
		f.Tried = append(f.Tried, "nmcli: NetworkManager is not running")
	case out.ExitCode != 0:
		f.Tried = append(f.Tried, fmt.Sprintf("nmcli: exit status %d", out.ExitCode))
	default:
		list := parseNmcliWifiList(out.Stdout)
		if !list.Recognised {
			note.unrecognised = true
			f.Tried = append(f.Tried, "nmcli: output not recognised")
			break
		}
		f.Source = "nmcli"
		if len(list.Active) == 0 {
			f.WiFi = stateNotConnected
			return f
		}
		f.WiFi, f.Connections = stateConnected, list.Active
		refineCipher(ctx, p, &f)
		return f
	}

	// wpa_supplicant without NetworkManager.
	if st, ok := runWpaCli(ctx, p, &f, &note); ok {
		f.Source = "wpa_cli"
		switch {
		case st.Connected:
			f.WiFi, f.Connections = stateConnected, []connection{st.Conn}
			// wpa_cli status speaks for one interface only.
			if !known || uncertain > 0 || len(ifaces) > 1 {
				f.Unread = append(f.Unread, "wpa_cli: reports one Wi-Fi interface, and there may be others")
			}
			return f
		case notConnectedWpaState[st.State] && known && uncertain == 0 && len(ifaces) <= 1:
			f.WiFi = stateNotConnected
			return f
		}
		// Not connected on an interface that may not be the only one,
		// or a state on the way to connecting.
		f.Source = ""
		f.Tried = append(f.Tried, "wpa_cli: state "+st.State)
	}

	// iwd: asked about each Wi-Fi interface sysfs listed, so its answer
	// is only complete when the listing is.
	collectIwd(ctx, p, &f, &note, ifaces)
	if f.WiFi == stateConnected {
		if !known || uncertain > 0 {
			f.Unread = append(f.Unread, "iwctl: not every network interface could be checked for Wi-Fi")
		}
		return f
	}
	if f.WiFi == stateNotConnected && known && uncertain == 0 {
		return f
	}
	f.WiFi, f.Source, f.Connections = "", "", nil
	note.finish(&f)
	return f
}

// collectIwd asks iwd about every Wi-Fi interface in ifaces. WiFi is
// connected when one is (an interface that did not answer is an unknown
// connection), not_connected when every one answered disconnected.
func collectIwd(ctx context.Context, p probe.Probe, f *facts, note *sourceNote, ifaces []string) {
	var conns []connection
	disconnected, failed := 0, 0
	for _, dev := range ifaces {
		ictx, cancel := context.WithTimeout(ctx, iwctlTimeout)
		out, err := p.Run(ictx, probe.CmdIwctl, "station", dev, "show")
		cancel()
		if err != nil {
			note.runErr(f, "iwctl", err)
			failed++
			break
		}
		st := parseIwctlStation(out.Stdout, out.Stderr)
		switch {
		case st.NotRunning:
			f.Tried = append(f.Tried, "iwctl: iwd is not running")
		case !st.Recognised:
			note.unrecognised = true
			f.Tried = append(f.Tried, "iwctl: output not recognised")
		case st.Connected:
			conns = append(conns, st.Conn)
			continue
		case st.State == "disconnected":
			disconnected++
			continue
		default:
			f.Tried = append(f.Tried, "iwctl: state "+st.State)
		}
		failed++
		if st.NotRunning {
			break
		}
	}
	switch {
	case len(conns) > 0:
		f.Source, f.WiFi = "iwctl", stateConnected
		f.Connections = conns
		if failed > 0 || disconnected+len(conns) < len(ifaces) {
			f.Unread = append(f.Unread, "iwctl: not every Wi-Fi interface answered")
		}
	case disconnected > 0 && disconnected == len(ifaces):
		f.Source, f.WiFi = "iwctl", stateNotConnected
	}
}

// notConnectedWpaState are the wpa_state values of an interface that is
// not connected and not about to be.
var notConnectedWpaState = map[string]bool{
	"DISCONNECTED": true, "INACTIVE": true, "SCANNING": true, "INTERFACE_DISABLED": true,
}

func runWpaCli(ctx context.Context, p probe.Probe, f *facts, note *sourceNote) (wpaCliStatus, bool) {
	out, err := p.Run(ctx, probe.CmdWpaCli, "status")
	if err != nil {
		note.runErr(f, "wpa_cli", err)
		return wpaCliStatus{}, false
	}
	st := parseWpaCliStatus(out.Stdout, out.Stderr)
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

// refineCipher asks wpa_supplicant which key management and ciphers the
// one connection NetworkManager reports actually uses, when nmcli's flags
// did not name the ciphers and it might be TKIP (WPA or WPA2 without
// WPA3, not already known to be mixed mode). nmcli only lists what the
// access point offers. Without wpa_cli the nmcli answer stands.
func refineCipher(ctx context.Context, p probe.Probe, f *facts) {
	if len(f.Connections) != 1 {
		return
	}
	c := f.Connections[0]
	if (c.Security != secWPA && c.Security != secWPA2) || c.Mixed || c.Cipher != "" {
		return
	}
	out, err := p.Run(ctx, probe.CmdWpaCli, "status")
	if err != nil {
		return
	}
	st := parseWpaCliStatus(out.Stdout, out.Stderr)
	if !st.Connected || st.Conn.Security == "" {
		return
	}
	refined := st.Conn
	refined.Raw = c.Raw + " / " + st.Conn.Raw
	refined.Mixed = refined.Mixed || c.Mixed
	f.Connections[0] = refined
}
