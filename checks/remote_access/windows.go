package remoteaccess

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Windows sources.
const (
	terminalServerKey = `HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server`
	terminalPolicyKey = `HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services`
	firewallRulesKey  = `HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\FirewallRules`
	// rdpRule is the built-in "Remote Desktop - User Mode (TCP-In)" rule.
	rdpRule = "RemoteDesktop-UserMode-In-TCP"
)

// collectWindows: what runs; Remote Desktop turned on (fDenyTSConnections,
// the policy value first), and only then its listener and sessions
// (`qwinsta`) and Windows Firewall's Remote Desktop rule; the tools'
// services (Win32_Service: installed, set to start, running).
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
		v, err := p.Registry(firewallRulesKey, rdpRule)
		if rdp.Firewall, err = parseFirewallRule(v, err); err != nil {
			f.addError("remote desktop firewall rule", err)
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

// parseFirewallRule reads a Windows Firewall rule as the registry stores
// it ("v2.30|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=3389|…"):
// open when it is an active inbound allow rule, closed when it is not
// active or blocks. A missing rule is unknown: another rule may open the
// port.
func parseFirewallRule(v any, err error) (string, error) {
	if err != nil {
		return unknown, err
	}
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(s, "v2.") {
		return unknown, fmt.Errorf("firewall rule %v: %w", v, errUnrecognised)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(s, "|") {
		if k, val, ok := strings.Cut(part, "="); ok {
			fields[strings.ToLower(k)] = strings.ToLower(val)
		}
	}
	switch {
	case fields["active"] == "false" || fields["action"] == "block":
		return closed, nil
	case fields["active"] == "true" && fields["action"] == "allow" && fields["dir"] == "in":
		return open, nil
	}
	return unknown, fmt.Errorf("firewall rule %q: %w", s, errUnrecognised)
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
