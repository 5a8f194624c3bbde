package remoteaccess

import (
	"context"
	"fmt"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ID is the stable check identifier.
const ID = "remote_access"

// allowedSetting is the policy's list of the remote-control tools the
// organisation's IT uses for support: running, they warn instead of fail.
var allowedSetting = checks.Names{
	Name:  "remote_access_allowed",
	Label: "Remote-control tools your IT support uses",
	Hint: "Names as SessionGuard shows them (TeamViewer, AnyDesk, Quick Assist, Remote Desktop, …). " +
		"One of these running or turned on warns instead of failing. Someone seen connected through it still fails: SessionGuard sees a session in TeamViewer, RustDesk, " +
		"Chrome Remote Desktop on Windows, Quick Assist, Remote Desktop and Screen Sharing; for the other tools (AnyDesk, Splashtop, ScreenConnect, …) " +
		"it cannot tell whether someone is connected, so while allowed they only warn, even during a session.",
}

// Check is the remote access check.
var Check checks.Check = checks.Definition[facts]{
	CheckID:    ID,
	CheckTitle: "Remote access",
	Meta: checks.Meta{
		Required: true,
		Controls: []string{checks.ControlSecureConfig},
		Settings: []checks.Setting{allowedSetting},
	},
	Collect:    collect,
	Evaluate:   evaluate,
	UnknownFix: unknownFix,
	Scrub:      scrub,
	// RustDesk's connection manager is told by its first argument.
	ProcessArgs: argsRead,
}

// facts are what was seen of each known remote-control tool and built-in
// remote desktop. Only tool identifiers and states are kept: never a
// session, account, partner or machine id, address or user name.
type facts struct {
	OS string `json:"os"`
	// ProcessListRead is whether the running programs could be listed.
	ProcessListRead bool `json:"process_list_read"`
	// SocketsRead is whether the listening and connected sockets (Linux
	// `ss`, macOS `netstat`) or the Remote Desktop sessions (Windows
	// `qwinsta`) were read: on macOS every time; elsewhere only when a
	// tool that listens for connections runs or is (or may be) turned on,
	// or (Linux) a remote-desktop port is open.
	SocketsRead bool `json:"sockets_read,omitempty"`
	// Tools lists every known tool seen in any way, in catalogue order.
	Tools []tool `json:"tools"`
	// UnownedListeners are remote-desktop ports (vnc, rdp) that accept
	// connections from the network where the program behind them could not
	// be seen (not run as root or administrator).
	UnownedListeners []string `json:"unowned_listeners,omitempty"`
	// OtherListeners are programs the catalogue does not know that accept
	// connections from the network on a remote-desktop port (a VNC server
	// such as wayvnc under another name, an RDP server).
	OtherListeners []otherListener `json:"other_listeners,omitempty"`
	// Errors lists what could not be read, without paths or names.
	Errors []string `json:"errors,omitempty"`
}

// otherListener is a program, by its name (the kernel's, cut to 15 bytes),
// listening on a remote-desktop port of kind vnc or rdp.
type otherListener struct {
	Program string `json:"program"`
	Kind    string `json:"kind"`
	Port    int    `json:"port"`
}

// tool is one remote-control tool or built-in remote desktop. Empty
// fields were not looked at.
type tool struct {
	Tool string `json:"tool"`
	// Running: one of its programs runs.
	Running bool `json:"running,omitempty"`
	// Enabled says whether it is set to start by itself or turned on (a
	// service or launch daemon set to start, Remote Desktop or Screen
	// Sharing turned on): yes, no or unknown.
	Enabled string `json:"enabled,omitempty"`
	// Installed: found on disk but not necessarily running.
	Installed bool `json:"installed,omitempty"`
	// Listening is where it accepts connections: network (an address
	// other computers reach), loopback (this computer only), none, or
	// unknown.
	Listening string `json:"listening,omitempty"`
	// Connected is yes when someone is connected through it now, no, or
	// unknown. A tool that reaches out through its vendor is seen
	// connected only from a program it runs during a session (see
	// toolInfo.sessions); otherwise it is left empty: not known.
	Connected string `json:"connected,omitempty"`
	// Firewall (Windows Remote Desktop): whether Windows Firewall's
	// Remote Desktop rule lets connections in: open, closed or unknown.
	Firewall string `json:"firewall,omitempty"`
	// WindowsFirewallOff (Windows Remote Desktop): whether Windows
	// Firewall is off, or lets in every connection no rule blocks, for a
	// network in use (for every profile when which are in use could not
	// be read), so that no rule is needed: yes, no or unknown; empty when
	// not read (an older agent).
	WindowsFirewallOff string `json:"windows_firewall_off,omitempty"`
	// OtherFirewall (Windows Remote Desktop, read only when Windows
	// Firewall is off): whether a firewall registered with Windows
	// Security Center protects: yes, no or unknown.
	OtherFirewall string `json:"other_firewall,omitempty"`
	// Port (Windows Remote Desktop): the TCP port it listens on when not
	// the default, 3389 (0 as well when it could not be read).
	Port int `json:"port,omitempty"`
	// Shadow (Windows Remote Desktop): who may watch the screen through
	// Remote Desktop shadowing without asking (the Shadow setting, Group
	// Policy's first): control (2, full control without the person's
	// permission) or view (4, view without permission); empty otherwise.
	Shadow string `json:"shadow,omitempty"`
	// VNCPassword (macOS Remote Management): any VNC viewer may connect
	// with a password.
	VNCPassword bool `json:"vnc_password,omitempty"`
}

// Values of Tool's three-valued fields.
const (
	yes      = "yes"
	no       = "no"
	unknown  = "unknown"
	network  = "network"
	loopback = "loopback"
	none     = "none"
	open     = "open"
	closed   = "closed"
)

// collect gathers the facts for the probe's operating system.
func collect(ctx context.Context, p probe.Probe) (facts, error) {
	f := facts{OS: p.GOOS(), Tools: []tool{}}
	switch p.GOOS() {
	case "linux":
		collectLinux(ctx, p, &f)
	case "darwin":
		collectDarwin(ctx, p, &f)
	case "windows":
		collectWindows(ctx, p, &f)
	default:
		return f, fmt.Errorf("remote access is not checked on %s", p.GOOS())
	}
	f.sort()
	return f, nil
}

func (f *facts) addError(what string, err error) {
	f.Errors = append(f.Errors, what+": "+probe.ErrorKind(err))
}

// tool returns the entry for id, adding it when it is not there yet.
func (f *facts) tool(id string) *tool {
	for i := range f.Tools {
		if f.Tools[i].Tool == id {
			return &f.Tools[i]
		}
	}
	f.Tools = append(f.Tools, tool{Tool: id})
	return &f.Tools[len(f.Tools)-1]
}

// sort puts the tools in catalogue order, so facts read the same however
// they were found.
func (f *facts) sort() {
	var out []tool
	for _, t := range catalogue {
		for _, x := range f.Tools {
			if x.Tool == t.id {
				out = append(out, x)
			}
		}
	}
	f.Tools = append([]tool{}, out...)
}
