package remoteaccess_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	remoteaccess "github.com/sessionguard/sessionguard/checks/remote_access"
)

func TestEvaluate(t *testing.T) {
	def := checks.Catalogue{remoteaccess.Check}.Default()
	allowTV := def.With("remote_access_allowed", json.RawMessage(`["teamviewer","Remote Desktop"]`))
	read := func(goos string, tools ...remoteaccess.Tool) remoteaccess.Facts {
		return remoteaccess.Facts{OS: goos, ProcessListRead: true, SocketsRead: true, Tools: tools}
	}
	tv := remoteaccess.Tool{Tool: remoteaccess.TeamViewer, Running: true}
	cases := []struct {
		name string
		f    remoteaccess.Facts
		pol  checks.Policy
		want checks.Status
		in   string
	}{
		{"nothing", read("linux"), def, checks.Pass, "No remote-control tool or remote desktop is accepting connections"},
		{"a program the catalogue does not know on the VNC port", func() remoteaccess.Facts {
			f := read("linux")
			f.OtherListeners = []remoteaccess.OtherListener{{Program: "screenshared", Kind: "vnc", Port: 5901}}
			return f
		}(), def, checks.Fail, "A program, screenshared, accepts VNC connections from other computers (port 5901)"},
		{"relay tool running", read("windows", tv), def, checks.Fail, "TeamViewer is running"},
		{"relay tool allowed", read("windows", tv), allowTV, checks.Warn, "your organisation's support tool"},
		{"allowed but connected now", read("windows", remoteaccess.Tool{Tool: remoteaccess.TeamViewer, Running: true, Connected: remoteaccess.Yes}), allowTV, checks.Fail, "right now"},
		{"quick assist open", read("windows", remoteaccess.Tool{Tool: remoteaccess.QuickAssist, Running: true, Connected: remoteaccess.Yes}), def, checks.Fail, "Quick Assist is open"},
		{"vnc on loopback only", read("linux", remoteaccess.Tool{Tool: remoteaccess.X11VNC, Running: true, Listening: remoteaccess.Loopback, Connected: remoteaccess.No}), def, checks.Warn, "this computer only"},
		{"vnc listening nowhere", read("linux", remoteaccess.Tool{Tool: remoteaccess.X11VNC, Running: true, Listening: remoteaccess.None, Connected: remoteaccess.No}), def, checks.Warn, "not accepting connections"},
		{"vnc listening nowhere, its connections' programs hidden", read("darwin", remoteaccess.Tool{Tool: remoteaccess.X11VNC, Running: true, Listening: remoteaccess.None, Connected: remoteaccess.Unknown}), def, checks.Unknown, "whether x11vnc, which is running, has connected out"},
		{"vnc listening nowhere, connected out", read("linux", remoteaccess.Tool{Tool: remoteaccess.X11VNC, Running: true, Listening: remoteaccess.None, Connected: remoteaccess.Yes}), def, checks.Fail, "connected to this computer through x11vnc right now"},
		{"vnc where it listens unknown", read("linux", remoteaccess.Tool{Tool: remoteaccess.X11VNC, Running: true, Listening: remoteaccess.Unknown, Connected: remoteaccess.Unknown}), def, checks.Fail, "accepts connections from other computers"},
		{"desktop sharing daemon idle", read("linux", remoteaccess.Tool{Tool: remoteaccess.GnomeRemoteDesktop, Running: true, Listening: remoteaccess.None, Connected: remoteaccess.No}), def, checks.Pass, "GNOME Remote Desktop is running but accepts no connections"},
		{"desktop sharing daemon, sockets' owners hidden", read("linux", remoteaccess.Tool{Tool: remoteaccess.GnomeRemoteDesktop, Running: true, Listening: remoteaccess.Unknown, Connected: remoteaccess.Unknown}), def, checks.Unknown, "GNOME Remote Desktop"},
		{"desktop sharing daemon sharing", read("linux", remoteaccess.Tool{Tool: remoteaccess.GnomeRemoteDesktop, Running: true, Listening: remoteaccess.Network, Connected: remoteaccess.No}), def, checks.Fail, "GNOME Remote Desktop is running and accepts connections"},
		{"set to start only", read("linux", remoteaccess.Tool{Tool: remoteaccess.AnyDesk, Installed: true, Enabled: remoteaccess.Yes}), def, checks.Warn, "set to start by itself"},
		{"set to start, allowed", read("windows", remoteaccess.Tool{Tool: remoteaccess.TeamViewer, Installed: true, Enabled: remoteaccess.Yes}), allowTV, checks.Pass, "as your organisation's support tool: TeamViewer"},
		{"installed only", read("darwin", remoteaccess.Tool{Tool: remoteaccess.AnyDesk, Installed: true, Enabled: remoteaccess.No}), def, checks.Pass, "Installed but not running: AnyDesk"},
		{"rdp on and open", read("windows", remoteaccess.Tool{Tool: remoteaccess.WindowsRDP, Enabled: remoteaccess.Yes, Listening: remoteaccess.Network, Connected: remoteaccess.No, Firewall: remoteaccess.Open}), def, checks.Fail, "Remote Desktop is turned on"},
		{"rdp on, allowed", read("windows", remoteaccess.Tool{Tool: remoteaccess.WindowsRDP, Enabled: remoteaccess.Yes, Listening: remoteaccess.Network, Connected: remoteaccess.No, Firewall: remoteaccess.Open}), allowTV, checks.Warn, "support tool"},
		{"rdp on, firewall rule off", read("windows", remoteaccess.Tool{Tool: remoteaccess.WindowsRDP, Enabled: remoteaccess.Yes, Listening: remoteaccess.Network, Connected: remoteaccess.No, Firewall: remoteaccess.Closed}), def, checks.Warn, "no Windows Firewall rule lets its connections in"},
		{"rdp on, windows firewall off", read("windows", remoteaccess.Tool{Tool: remoteaccess.WindowsRDP, Enabled: remoteaccess.Yes, Listening: remoteaccess.Network, Connected: remoteaccess.No, Firewall: remoteaccess.Closed, WindowsFirewallOff: remoteaccess.Yes, OtherFirewall: remoteaccess.No}), def, checks.Fail, "Windows Firewall is off"},
		{"rdp on, windows firewall off, another firewall", read("windows", remoteaccess.Tool{Tool: remoteaccess.WindowsRDP, Enabled: remoteaccess.Yes, Listening: remoteaccess.Network, Connected: remoteaccess.No, Firewall: remoteaccess.Closed, WindowsFirewallOff: remoteaccess.Yes, OtherFirewall: remoteaccess.Yes}), def, checks.Unknown, "firewall that replaces Windows Firewall"},
		{"rdp on, windows firewall off, another firewall, someone connected", read("windows", remoteaccess.Tool{Tool: remoteaccess.WindowsRDP, Enabled: remoteaccess.Yes, Listening: remoteaccess.Network, Connected: remoteaccess.Yes, Firewall: remoteaccess.Closed, WindowsFirewallOff: remoteaccess.Yes, OtherFirewall: remoteaccess.Yes}), def, checks.Fail, "right now"},
		{"rdp on, windows firewall off, security center unread", read("windows", remoteaccess.Tool{Tool: remoteaccess.WindowsRDP, Enabled: remoteaccess.Yes, Listening: remoteaccess.Network, Connected: remoteaccess.No, Firewall: remoteaccess.Closed, WindowsFirewallOff: remoteaccess.Yes, OtherFirewall: remoteaccess.Unknown}), def, checks.Unknown, "whether another firewall stands in"},
		{"rdp on, windows firewall profiles unread", read("windows", remoteaccess.Tool{Tool: remoteaccess.WindowsRDP, Enabled: remoteaccess.Yes, Listening: remoteaccess.Network, Connected: remoteaccess.No, Firewall: remoteaccess.Closed, WindowsFirewallOff: remoteaccess.Unknown}), def, checks.Unknown, "whether Windows Firewall is on"},
		{"rdp shadowing now, allowed", read("windows", remoteaccess.Tool{Tool: remoteaccess.RDPShadow, Running: true, Connected: remoteaccess.Yes}), allowTV, checks.Fail, "through Remote Desktop shadowing right now"},
		{"rdp on, silent shadowing allowed", read("windows", remoteaccess.Tool{Tool: remoteaccess.WindowsRDP, Enabled: remoteaccess.Yes, Listening: remoteaccess.Network, Connected: remoteaccess.No, Firewall: remoteaccess.Open, Shadow: "view"}), allowTV, checks.Warn, "watch this screen through its shadowing without asking you"},
		{"rdp on, sessions unread, firewall unknown", read("windows", remoteaccess.Tool{Tool: remoteaccess.WindowsRDP, Enabled: remoteaccess.Yes, Listening: remoteaccess.Unknown, Connected: remoteaccess.Unknown, Firewall: remoteaccess.Unknown}), def, checks.Unknown, "Remote Desktop"},
		{"rdp setting unread", read("windows", remoteaccess.Tool{Tool: remoteaccess.WindowsRDP, Enabled: remoteaccess.Unknown, Listening: remoteaccess.None, Connected: remoteaccess.No}), def, checks.Unknown, "whether Remote Desktop is turned on"},
		{"rdp listener seen though setting unread", read("windows", remoteaccess.Tool{Tool: remoteaccess.WindowsRDP, Enabled: remoteaccess.Unknown, Listening: remoteaccess.Network, Connected: remoteaccess.No, Firewall: remoteaccess.Open}), def, checks.Fail, "turned on"},
		{"screen sharing setting unread", read("darwin", remoteaccess.Tool{Tool: remoteaccess.ScreenSharing, Enabled: remoteaccess.Unknown}), def, checks.Unknown, "Screen Sharing"},
		{"no process list", remoteaccess.Facts{OS: "linux", SocketsRead: true}, def, checks.Unknown, "which programs are running"},
		{"screen sharing on, netstat unread", remoteaccess.Facts{OS: "darwin", ProcessListRead: true, Tools: []remoteaccess.Tool{{Tool: remoteaccess.ScreenSharing, Enabled: remoteaccess.Yes}}}, def, checks.Fail, "Screen Sharing is turned on and accepts connections"},
		{"no sockets but a tool runs", remoteaccess.Facts{OS: "linux", ProcessListRead: true, Tools: []remoteaccess.Tool{tv}}, def, checks.Fail, "TeamViewer"},
		{"unowned vnc port", remoteaccess.Facts{OS: "linux", ProcessListRead: true, SocketsRead: true, UnownedListeners: []string{"vnc"}}, def, checks.Unknown, "VNC"},
		{"other os", remoteaccess.Facts{OS: "plan9"}, def, checks.Unknown, "not checked"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := remoteaccess.Evaluate(c.f, c.pol)
			if r.Status != c.want || !strings.Contains(r.Summary, c.in) {
				t.Errorf("%s %q, want %s containing %q", r.Status, r.Summary, c.want, c.in)
			}
			if r.Status != checks.Pass && r.Fix == "" {
				t.Errorf("%s without a fix", r.Status)
			}
		})
	}
}

// The policy setting keeps the Names rules and matches display names.
func TestAllowedSetting(t *testing.T) {
	if err := remoteaccess.Allowed.Check(json.RawMessage(`["TeamViewer","Quick Assist"]`)); err != nil {
		t.Error(err)
	}
	if err := remoteaccess.Allowed.Check(json.RawMessage(`["<script>"]`)); err == nil {
		t.Error("a name with < accepted")
	}
	if got := remoteaccess.Allowed.Of(checks.Catalogue{remoteaccess.Check}.Default()); len(got) != 0 {
		t.Errorf("default %v, want empty", got)
	}
}
