package remoteaccess

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// macOS sources.
const (
	// remoteManagementLaunchd holds "enabled" while Remote Management (Apple
	// Remote Desktop) is on; kickstart writes it.
	remoteManagementLaunchd = "/Library/Application Support/Apple/Remote Desktop/RemoteManagement.launchd"
	// remoteManagementPlist holds Remote Management's options.
	remoteManagementPlist = "/Library/Preferences/com.apple.RemoteManagement.plist"
	screenSharingLabel    = "com.apple.screensharing"
)

var launchdDirs = []string{"/Library/LaunchDaemons", "/Library/LaunchAgents"}

// collectDarwin: what runs; Screen Sharing turned on (`launchctl
// print-disabled system`); Remote Management (its launchd file, ARDAgent
// and its preferences); what listens on and is connected to the VNC and
// RDP ports (`netstat -an -p tcp`, read every time: it names no programs,
// so which of those or a VNC server is on says whose they are);
// installed apps and launch daemons.
func collectDarwin(ctx context.Context, p probe.Probe, f *facts) {
	runningTools(p, f, "darwin")

	out, err := p.Run(ctx, probe.CmdLaunchctl, "print-disabled", "system")
	if err == nil && out.ExitCode != 0 {
		err = fmt.Errorf("launchctl exit %d", out.ExitCode)
	}
	var on string
	if err == nil {
		on, err = parseLaunchctlDisabled(out.Stdout, screenSharingLabel)
	}
	if err != nil {
		f.addError("screen sharing setting", err)
		on = unknown
	}
	if on != no || f.has(screenSharing) {
		f.tool(screenSharing).Enabled = on
	}

	b, err := p.ReadFile(remoteManagementLaunchd)
	switch {
	case err == nil && strings.TrimSpace(string(b)) == "enabled":
		f.tool(remoteManagement).Enabled = yes
	case err == nil || errors.Is(err, probe.ErrNotFound):
		if f.has(remoteManagement) {
			f.tool(remoteManagement).Enabled = no
		}
	default:
		f.addError("remote management setting", err)
		f.tool(remoteManagement).Enabled = unknown
	}
	if f.has(remoteManagement) && f.tool(remoteManagement).Enabled == yes {
		// Who may connect: for the wording only.
		if b, err := p.ReadFile(remoteManagementPlist); err == nil {
			if o, err := parseRemoteManagementPlist(b); err == nil && o.VNCPassword {
				f.tool(remoteManagement).VNCPassword = true
			}
		}
	}

	// netstat names no programs and walks no processes: read every time,
	// so that a VNC or RDP port open to the network is seen whichever
	// program listens on it. Without it (an evidence bundle recorded
	// before it was always read) only the tools seen decide.
	switch socks, err := runSockets(ctx, p, parseNetstat, probe.CmdNetstat, "-an", "-p", "tcp"); {
	case err == nil:
		f.SocketsRead = true
		judgeVNCPort(f, socks)
	case !errors.Is(err, probe.ErrNotFound) || needSockets(f):
		f.addError("sockets", err)
	}

	if apps, err := p.ReadDir("/Applications"); err == nil {
		for _, a := range apps {
			for _, t := range catalogue {
				if containsFold(t.apps, a) {
					f.tool(t.id).Installed = true
				}
			}
		}
	}
	if len(f.Tools) > 0 {
		readAutostart(p, f, launchdDirs, func(t toolInfo) []string { return t.launchd })
	}
}

func (f *facts) has(id string) bool {
	for _, t := range f.Tools {
		if t.Tool == id {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// judgeVNCPort: macOS netstat names no programs, so the VNC port (5900)
// belongs to Screen Sharing or Remote Management when either is on (launchd
// listens for them), else to a VNC server that runs, which also owns the
// other VNC ports (5901–5909, further displays); any other VNC or RDP
// (3389) port open to the network is an unknown program's. A VNC server
// that runs but listens nowhere may have connected out to a viewer
// (x11vnc -connect): with any connection to another computer open,
// whether it did is unknown.
func judgeVNCPort(f *facts, socks []socket) {
	var owner *tool
	for _, id := range []string{screenSharing, remoteManagement, realVNC, x11vnc} {
		if f.has(id) {
			if t := f.tool(id); t.Enabled == yes || t.Running {
				owner = t
				break
			}
		}
	}
	owns := func(port int) bool {
		return owner != nil && (port == 5900 || !builtIn(owner.Tool) && remotePortKind(port) == "vnc")
	}
	reach, connected, out := "", false, false
	for _, s := range socks {
		out = out || s.PeerRemote()
		if !owns(s.LocalPort) {
			if k := s.openRemotePort(); k != "" && !slices.Contains(f.UnownedListeners, k) {
				f.UnownedListeners = append(f.UnownedListeners, k)
				f.Errors = append(f.Errors, "program listening on port "+strconv.Itoa(s.LocalPort)+": netstat names no programs")
			}
			continue
		}
		if s.Listen && reach != network {
			reach = s.Reach()
		}
		connected = connected || s.Established
	}
	if owner == nil {
		return
	}
	owner.Listening, owner.Connected = reach, no
	if reach == "" {
		owner.Listening = none
		if out && !builtIn(owner.Tool) {
			owner.Connected = unknown
			f.Errors = append(f.Errors, displayName(owner.Tool)+"'s connections: netstat names no programs, and connections to other computers are open")
		}
	}
	if connected {
		owner.Connected = yes
	}
}

// parseLaunchctlDisabled reads `launchctl print-disabled system` for
// label: "label" => disabled|true means off, => enabled|false on (macOS 10
// to 15 wrote either form); a label not listed keeps its plist's default,
// which for Screen Sharing is off. Output without the "disabled services"
// block is not recognised.
func parseLaunchctlDisabled(b []byte, label string) (string, error) {
	if !bytes.Contains(b, []byte("disabled services = {")) {
		return unknown, fmt.Errorf("launchctl print-disabled: %w", errUnrecognised)
	}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=>")
		if !ok || strings.Trim(strings.TrimSpace(k), `"`) != label {
			continue
		}
		switch strings.TrimSpace(v) {
		case "disabled", "true":
			return no, nil
		case "enabled", "false":
			return yes, nil
		}
		return unknown, fmt.Errorf("launchctl %s => %s: %w", label, strings.TrimSpace(v), errUnrecognised)
	}
	return no, nil
}

// remoteManagementOptions are the Remote Management preferences that say
// who may connect.
type remoteManagementOptions struct {
	// AllLocalUsers: every local account may connect (ARD_AllLocalUsers).
	AllLocalUsers bool
	// VNCPassword: VNC viewers may connect with a password
	// (VNCLegacyConnectionsEnabled).
	VNCPassword bool
}

// parseRemoteManagementPlist reads com.apple.RemoteManagement.plist
// (binary or XML).
func parseRemoteManagementPlist(b []byte) (remoteManagementOptions, error) {
	var m map[string]any
	if _, err := plist.Unmarshal(b, &m); err != nil || m == nil {
		return remoteManagementOptions{}, fmt.Errorf("remote management preferences: %w", errUnrecognised)
	}
	truth := func(k string) bool {
		v, _ := m[k].(bool)
		return v
	}
	return remoteManagementOptions{AllLocalUsers: truth("ARD_AllLocalUsers"), VNCPassword: truth("VNCLegacyConnectionsEnabled")}, nil
}
