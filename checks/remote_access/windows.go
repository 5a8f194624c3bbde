package remoteaccess

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/anypath"
	"github.com/sessionguard/sessionguard/checks/internal/winfw"
	"github.com/sessionguard/sessionguard/checks/internal/wsc"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Windows sources.
const (
	terminalServerKey = `HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server`
	terminalPolicyKey = `HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services`
	// rdpTCPKey holds the Remote Desktop listener's own settings.
	rdpTCPKey = terminalServerKey + `\WinStations\RDP-Tcp`
	// defaultRDPPort is the TCP port Remote Desktop listens on unless
	// RDP-Tcp's PortNumber says another.
	defaultRDPPort = 3389
	// Windows Security Center's list of firewalls.
	securityCenter2      = `root\SecurityCenter2`
	firewallProductClass = "FirewallProduct"
)

// collectWindows: what runs; Remote Desktop turned on (fDenyTSConnections,
// the policy value first), and only then its listener and sessions
// (`qwinsta`), whether a Windows Firewall rule lets it in (rdpFirewall)
// and whether Windows Firewall needs none (windowsFirewallOff; then
// whether another firewall stands in, otherFirewall); the tools' services (Win32_Service: installed, set to
// start, running).
func collectWindows(ctx context.Context, p probe.Probe, f *facts) {
	runningTools(p, f, "windows")

	on, err := rdpEnabled(p)
	if err != nil {
		f.addError("remote desktop setting", err)
	}
	if on != no {
		rdp := f.tool(windowsRDP)
		rdp.Enabled = on
		out, err := p.Run(ctx, probe.CmdQwinsta)
		var s sessions
		if err == nil {
			s, err = parseQwinsta(out.Stdout)
		}
		if err != nil {
			f.addError("remote desktop sessions", err)
			rdp.Listening, rdp.Connected = unknown, unknown
		} else {
			f.SocketsRead = true
			rdp.Listening, rdp.Connected = none, no
			if s.RDPListener {
				rdp.Listening = network
			}
			if s.RDPConnected {
				rdp.Connected = yes
			}
		}
		rdp.Shadow = rdpShadowSetting(p)
		port, err := rdpListenerPort(p)
		if err != nil {
			f.addError("remote desktop port", err)
		}
		if port != defaultRDPPort {
			rdp.Port = port
		}
		if rdp.Firewall, err = rdpFirewall(p, port); err != nil {
			f.addError("remote desktop firewall rules", err)
		}
		if rdp.WindowsFirewallOff, err = windowsFirewallOff(p); err != nil {
			f.addError("windows firewall profiles", err)
		}
		if rdp.WindowsFirewallOff == yes {
			if rdp.OtherFirewall, err = otherFirewall(p); err != nil {
				f.addError("security center firewalls", err)
			}
		}
	}

	rows, err := p.WMI(`root\cimv2`, "Win32_Service")
	if err != nil {
		f.addError("services", err)
		return
	}
	for _, row := range rows {
		name, _ := row["Name"].(string)
		id := unitTool(name, func(t toolInfo) []string { return t.services })
		if id == "" {
			continue
		}
		t := f.tool(id)
		t.Installed = true
		if mode, _ := row["StartMode"].(string); strings.EqualFold(mode, "Auto") {
			t.Enabled = yes
		} else if t.Enabled == "" {
			t.Enabled = no
		}
		if state, _ := row["State"].(string); strings.EqualFold(state, "Running") {
			t.Running = true
		}
	}
}

// rdpEnabled reads fDenyTSConnections: the Group Policy value when set,
// else the one System > Remote Desktop writes. 0 is on, 1 off.
func rdpEnabled(p probe.Probe) (string, error) {
	v, err := p.Registry(terminalPolicyKey, "fDenyTSConnections")
	if errors.Is(err, probe.ErrNotFound) {
		v, err = p.Registry(terminalServerKey, "fDenyTSConnections")
	}
	return parseDeny(v, err)
}

// rdpListenerPort reads the TCP port Remote Desktop listens on, RDP-Tcp's
// PortNumber (Microsoft's "Change the listening port for Remote Desktop"):
// 3389 when not set; 0, with the error, when it cannot be read.
func rdpListenerPort(p probe.Probe) (int, error) {
	v, err := p.Registry(rdpTCPKey, "PortNumber")
	if errors.Is(err, probe.ErrNotFound) {
		return defaultRDPPort, nil
	}
	if err != nil {
		return 0, err
	}
	n, ok := probe.AsInt(v)
	if !ok || n < 1 || n > 65535 {
		return 0, fmt.Errorf("PortNumber %v: %w", v, errUnrecognised)
	}
	return int(n), nil
}

// Values of tool.Shadow.
const (
	shadowControl = "control"
	shadowView    = "view"
)

// rdpShadowSetting reads who may shadow a session without asking: the
// Group Policy value Shadow when set, else RDP-Tcp's own ("Set rules for
// remote control of Remote Desktop Services user sessions": 0 none, 1
// full control with the person's permission, 2 full control without, 3
// view with permission, 4 view without). For the wording only: unread,
// nothing is said.
func rdpShadowSetting(p probe.Probe) string {
	v, err := p.Registry(terminalPolicyKey, "Shadow")
	if errors.Is(err, probe.ErrNotFound) {
		v, err = p.Registry(rdpTCPKey, "Shadow")
	}
	n, ok := probe.AsInt(v)
	switch {
	case err != nil || !ok:
		return ""
	case n == 2:
		return shadowControl
	case n == 4:
		return shadowView
	}
	return ""
}

// parseDeny reads an fDenyTSConnections DWORD: 0 → Remote Desktop on
// (yes), 1 → off (no). Not set at all means off, as on a fresh install.
func parseDeny(v any, err error) (string, error) {
	if errors.Is(err, probe.ErrNotFound) {
		return no, nil
	}
	if err != nil {
		return unknown, err
	}
	n, ok := probe.AsInt(v)
	switch {
	case ok && n == 0:
		return yes, nil
	case ok && n == 1:
		return no, nil
	}
	return unknown, fmt.Errorf("fDenyTSConnections %v: %w", v, errUnrecognised)
}

// rdpFirewall reads whether a Windows Firewall rule lets Remote Desktop
// connections in, by either of its ways in (rdpWays): open when an
// enabled inbound allow rule in any store (winfw.Stores: Windows' own
// "Remote Desktop - User Mode (TCP-In)" or "Remote Desktop - Shadow
// (TCP-In)", a rule Group Policy or Intune adds, a rule that lets
// everything in) covers one, and no block rule for every profile and
// address covers that one too (a block wins); closed when every store was
// read and none does, or block rules cover both; unknown, with the error,
// when a store could not be read. Where a rule lets only some addresses
// in, Remote Desktop still accepts connections from other computers.
func rdpFirewall(p probe.Probe, port int) (string, error) {
	var allowed, blocked rdpWays
	var unread error
	for _, s := range winfw.Stores {
		rules, err := winfw.ReadStore(p, s)
		switch {
		case errors.Is(err, probe.ErrNotFound):
			continue
		case err != nil && unread == nil:
			unread = err
		}
		for _, r := range rules {
			if !r.Is("active", "true") || !r.Is("dir", "in") {
				continue
			}
			ways := rdpWaysCovered(r, port)
			switch {
			case r.Is("action", "allow"):
				allowed.add(ways)
			case r.Is("action", "block") && r.Profiles() == nil && len(r.All("ra4", "ra6", "ra42", "ra62")) == 0:
				blocked.add(ways)
			}
		}
	}
	switch {
	case allowed.listener && !blocked.listener || allowed.shadow && !blocked.shadow:
		return open, nil
	case blocked.listener && blocked.shadow:
		return closed, nil
	case unread != nil:
		return unknown, unread
	}
	return closed, nil
}

// rdpWays are Remote Desktop's two ways in: its listener (the Remote
// Desktop service, TermService in svchost.exe, on its TCP port) and shadowing
// (mstsc /shadow, through the RDP Session Agent, RdpSa.exe, which Windows'
// "Remote Desktop - Shadow (TCP-In)" rule lets in on any port).
type rdpWays struct{ listener, shadow bool }

func (w *rdpWays) add(o rdpWays) {
	w.listener = w.listener || o.listener
	w.shadow = w.shadow || o.shadow
}

// rdpWaysCovered is which of Remote Desktop's ways in a rule's conditions
// take in: TCP (or any protocol); for the listener, its port (or any
// port; every port when its port is not known, 0) for the Remote Desktop
// service or any program; for shadowing, RdpSa.exe on any port, or any
// program on any port.
func rdpWaysCovered(r winfw.Rule, port int) rdpWays {
	if proto := r.First("protocol"); proto != "" && proto != "6" && proto != "256" || r.First("apppkgid") != "" {
		return rdpWays{}
	}
	svc := r.First("svc")
	anyService := svc == "" || svc == "*"
	ports := r.All("lport", "lport2_10", "lport2_20")
	switch app := r.First("app"); {
	case strings.EqualFold(anypath.Base(app), "rdpsa.exe"):
		return rdpWays{shadow: anyService}
	case app != "" && !winfw.IsServiceHost(app):
		return rdpWays{}
	}
	w := rdpWays{shadow: r.First("app") == "" && anyService && len(ports) == 0}
	if anyService || strings.EqualFold(svc, "termservice") {
		w.listener = len(ports) == 0 || slices.ContainsFunc(ports, func(v string) bool { return port == 0 || portIncludes(v, port) })
	}
	return w
}

// windowsFirewallOff reads whether Windows Firewall lets connections in
// without a rule (off, or letting in what no rule blocks: winfw.ReadProfile)
// for a profile of the networks in use, every profile when those could
// not be read (or none is connected): yes when one does, unknown (with
// the error) when one could not be read, else no.
func windowsFirewallOff(p probe.Probe) (string, error) {
	rows, _ := p.WMI(winfw.StandardCimv2, winfw.ConnectionProfileClass)
	profiles := winfw.ActiveProfiles(rows)
	if len(profiles) == 0 {
		profiles = winfw.ProfileNames
	}
	var unread error
	for _, name := range profiles {
		s, err := winfw.ReadProfile(p, name)
		if s.Open() {
			return yes, nil
		}
		unread = errors.Join(unread, err)
	}
	if unread != nil {
		return unknown, unread
	}
	return no, nil
}

// otherFirewall reads whether a firewall registered with Windows Security
// Center (root\SecurityCenter2 FirewallProduct) protects, as the firewall
// check reads them: yes, no (none, or no Security Center, as on Windows
// Server), or unknown with the error.
func otherFirewall(p probe.Probe) (string, error) {
	rows, err := p.WMI(securityCenter2, firewallProductClass)
	switch {
	case errors.Is(err, probe.ErrNotFound):
		return no, nil
	case err != nil:
		return unknown, err
	}
	for _, r := range rows {
		if state, ok := probe.AsInt(r["productState"]); ok && wsc.Decode(state).Protecting() {
			return yes, nil
		}
	}
	return no, nil
}

// portIncludes reports whether a local port value ("3389", "3000-4000",
// "*") takes in port n; keywords (RPC, IPHTTPS, …) name other ports.
func portIncludes(v string, n int) bool {
	if winfw.IsAny(v) {
		return true
	}
	lo, hi, isRange := strings.Cut(v, "-")
	if !isRange {
		hi = lo
	}
	l, err1 := strconv.Atoi(lo)
	h, err2 := strconv.Atoi(hi)
	return err1 == nil && err2 == nil && l <= n && n <= h
}

// sessions is what `qwinsta` shows of Remote Desktop.
type sessions struct {
	// RDPListener: the rdp-tcp listener is there (Remote Desktop accepts
	// connections).
	RDPListener bool
	// RDPConnected: a client is connected (a session named rdp-tcp#N;
	// Windows gives a disconnected session's row no name).
	RDPConnected bool
}

// parseQwinsta reads `qwinsta` (query session) in any language: the
// header and states are translated, but session names (services,
// console, rdp-tcp, rdp-tcp#N) and ids are not, so only those are read.
// Output with neither a services nor a console session is not recognised.
func parseQwinsta(b []byte) (sessions, error) {
	var s sessions
	known := false
	for line := range strings.Lines(strings.ReplaceAll(string(b), "\r", "")) {
		f := strings.Fields(strings.TrimLeft(line, " >"))
		if len(f) < 2 {
			continue
		}
		name := strings.ToLower(f[0])
		switch {
		case name == "services" || name == "console":
			known = true
		case name == "rdp-tcp":
			s.RDPListener = true
		case strings.HasPrefix(name, "rdp-tcp#"):
			s.RDPConnected = true
		}
	}
	if !known {
		return sessions{}, fmt.Errorf("qwinsta: %w", errUnrecognised)
	}
	return s, nil
}
