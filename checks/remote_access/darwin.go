package remoteaccess

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// macOS sources.
const (
	// RemoteManagementLaunchd holds "enabled" while Remote Management (Apple
	// Remote Desktop) is on; kickstart writes it.
	RemoteManagementLaunchd = "/Library/Application Support/Apple/Remote Desktop/RemoteManagement.launchd"
	// RemoteManagementPlist holds Remote Management's options.
	RemoteManagementPlist = "/Library/Preferences/com.apple.RemoteManagement.plist"
	screenSharingLabel    = "com.apple.screensharing"
)

var launchdDirs = []string{"/Library/LaunchDaemons", "/Library/LaunchAgents"}

// collectDarwin: what runs; Screen Sharing turned on (`launchctl
// print-disabled system`); Remote Management (its launchd file, ARDAgent
// and its preferences); when one of those or a VNC server is on, what
// listens on and is connected to the VNC port (`netstat -an -p tcp`,
// which names no programs); installed apps and launch daemons.
func collectDarwin(ctx context.Context, p probe.Probe, f *Facts) {
	runningTools(p, f, "darwin")

	out, err := p.Run(ctx, probe.CmdLaunchctl, "print-disabled", "system")
	if err == nil && out.ExitCode != 0 {
		err = fmt.Errorf("launchctl exit %d", out.ExitCode)
	}
	var on string
	if err == nil {
		on, err = ParseLaunchctlDisabled(out.Stdout, screenSharingLabel)
	}
	if err != nil {
		f.addError("screen sharing setting", err)
		on = Unknown
	}
	if on != No || f.has(ScreenSharing) {
		f.tool(ScreenSharing).Enabled = on
	}

	b, err := p.ReadFile(RemoteManagementLaunchd)
	switch {
	case err == nil && strings.TrimSpace(string(b)) == "enabled":
		f.tool(RemoteManagement).Enabled = Yes
	case err == nil || errors.Is(err, probe.ErrNotFound):
		if f.has(RemoteManagement) {
			f.tool(RemoteManagement).Enabled = No
		}
	default:
		f.addError("remote management setting", err)
		f.tool(RemoteManagement).Enabled = Unknown
	}
	if f.has(RemoteManagement) && f.tool(RemoteManagement).Enabled == Yes {
		// Who may connect: for the wording only.
		if b, err := p.ReadFile(RemoteManagementPlist); err == nil {
			if o, err := ParseRemoteManagementPlist(b); err == nil && o.VNCPassword {
				f.tool(RemoteManagement).VNCPassword = true
			}
		}
	}

	if needSockets(f) {
		if socks, ok := readSockets(ctx, p, f, ParseNetstat, probe.CmdNetstat, "-an", "-p", "tcp"); ok {
			judgeVNCPort(f, socks)
		}
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

func (f *Facts) has(id string) bool {
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
// listens for them), else to a VNC server that runs, else to an unknown
// program.
func judgeVNCPort(f *Facts, socks []Socket) {
	reach, connected := "", false
	for _, s := range socks {
		if s.LocalPort != 5900 {
			continue
		}
		if s.Listen && reach != Network {
			reach = s.Reach()
		}
		connected = connected || s.Established
	}
	var owner *Tool
	for _, id := range []string{ScreenSharing, RemoteManagement, RealVNC, X11VNC} {
		if f.has(id) {
			if t := f.tool(id); t.Enabled == Yes || t.Running {
				owner = t
				break
			}
		}
	}
	if owner == nil {
		if reach == Network {
			f.UnownedListeners = append(f.UnownedListeners, "vnc")
		}
		return
	}
	owner.Listening, owner.Connected = reach, No
	if reach == "" {
		owner.Listening = None
	}
	if connected {
		owner.Connected = Yes
	}
}

// ParseLaunchctlDisabled reads `launchctl print-disabled system` for
// label: "label" => disabled|true means off, => enabled|false on (macOS 10
// to 15 wrote either form); a label not listed keeps its plist's default,
// which for Screen Sharing is off. Output without the "disabled services"
// block is not recognised.
func ParseLaunchctlDisabled(b []byte, label string) (string, error) {
	if !bytes.Contains(b, []byte("disabled services = {")) {
		return Unknown, fmt.Errorf("launchctl print-disabled: %w", ErrUnrecognised)
	}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=>")
		if !ok || strings.Trim(strings.TrimSpace(k), `"`) != label {
			continue
		}
		switch strings.TrimSpace(v) {
		case "disabled", "true":
			return No, nil
		case "enabled", "false":
			return Yes, nil
		}
		return Unknown, fmt.Errorf("launchctl %s => %s: %w", label, strings.TrimSpace(v), ErrUnrecognised)
	}
	return No, nil
}

// RemoteManagementOptions are the Remote Management preferences that say
// who may connect.
type RemoteManagementOptions struct {
	// AllLocalUsers: every local account may connect (ARD_AllLocalUsers).
	AllLocalUsers bool
	// VNCPassword: VNC viewers may connect with a password
	// (VNCLegacyConnectionsEnabled).
	VNCPassword bool
}

// ParseRemoteManagementPlist reads com.apple.RemoteManagement.plist
// (binary or XML).
func ParseRemoteManagementPlist(b []byte) (RemoteManagementOptions, error) {
	var m map[string]any
	if _, err := plist.Unmarshal(b, &m); err != nil || m == nil {
		return RemoteManagementOptions{}, fmt.Errorf("remote management preferences: %w", ErrUnrecognised)
	}
	truth := func(k string) bool {
		v, _ := m[k].(bool)
		return v
	}
	return RemoteManagementOptions{AllLocalUsers: truth("ARD_AllLocalUsers"), VNCPassword: truth("VNCLegacyConnectionsEnabled")}, nil
}
