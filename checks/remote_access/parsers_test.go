package remoteaccess_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
	remoteaccess "github.com/sessionguard/sessionguard/checks/remote_access"
)

func readParser(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "parsers", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// describe lists sockets as "L addr:port reach owners" / "E addr:port reach
// peer owners", peer being where the other end is: "to-network" for
// another computer, "to-loopback" for this one.
func describe(socks []remoteaccess.Socket) []string {
	var out []string
	for _, s := range socks {
		kind := "-"
		if s.Listen {
			kind = "L"
		} else if s.Established {
			kind = "E"
		}
		if s.Established {
			kind += map[bool]string{true: " to-network", false: " to-loopback"}[s.PeerRemote()]
		}
		owners := ""
		for _, o := range s.Owners {
			owners += fmt.Sprintf(" %s/%d", o.Name, o.PID)
		}
		out = append(out, fmt.Sprintf("%s %s:%d %s%s", kind, s.LocalAddr, s.LocalPort, s.Reach(), owners))
	}
	return out
}

func TestParseSS(t *testing.T) {
	cases := map[string][]string{
		// Captured on Debian 12 (iproute2 6.1) as root, x11vnc in a
		// network namespace of its own.
		"linux/ss_x11vnc_listen.txt": {"L 0.0.0.0:5900 network x11vnc/17054", "L [::]:5900 network x11vnc/17054"},
		"linux/ss_x11vnc_connected.txt": {
			"L 0.0.0.0:5900 network x11vnc/17054",
			"E to-loopback 127.0.0.1:5900 loopback x11vnc/17054",
			"E to-loopback 127.0.0.1:48624 loopback python3/17114",
			"L [::]:5900 network x11vnc/17054",
		},
		"linux/ss_x11vnc_stopped.txt": {"- 127.0.0.1:48624 loopback"},
		// The same, ss run as nobody: root's programs are not named.
		"linux/ss_nonroot_x11vnc.txt": {"L 0.0.0.0:5900 network", "L [::]:5900 network"},
		"linux/ss_xrdp_session_anydesk.txt": {
			"L 127.0.0.53%lo:53 loopback systemd-resolve/612",
			"L 0.0.0.0:22 network sshd/884",
			"L 0.0.0.0:7070 network anydesk/926",
			"L 127.0.0.1:631 loopback cupsd/701",
			"L *:3389 network xrdp/1402",
			"L [::1]:3350 loopback xrdp-sesman/1392",
			"E to-network 192.168.1.20:3389 network xrdp/2210 xrdp/1402",
			"E to-network 192.168.1.20:45838 network anydesk/926",
		},
		"linux/ss_nonroot_gnome_remote_desktop.txt": {
			"L 0.0.0.0:22 network", "L 127.0.0.1:5939 loopback", "L 127.0.0.53%lo:53 loopback",
			"L [::]:22 network", "L *:3389 network gnome-remote-de/1067", "L [::1]:631 loopback",
		},
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			socks, err := remoteaccess.ParseSS(readParser(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(socks); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got\n%q\nwant\n%q", got, want)
			}
		})
	}
	// A reverse connection (x11vnc -connect) to a listening viewer, and
	// IPv6 peers: the peer's address tells another computer from this one.
	reverse := []byte("State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n" +
		"ESTAB 0 0 192.168.1.20:43210 203.0.113.5:5500 users:((\"x11vnc\",pid=3120,fd=8))\n" +
		"ESTAB 0 0 [2001:db8::20]:43212 [2001:db8::5]:5500 users:((\"x11vnc\",pid=3120,fd=9))\n" +
		"ESTAB 0 0 [::1]:43214 [::1]:5500 users:((\"x11vnc\",pid=3120,fd=10))\n" +
		"ESTAB 0 0 [::ffff:127.0.0.1]:43216 [::ffff:127.0.0.1]:5500 users:((\"x11vnc\",pid=3120,fd=11))\n")
	socks, err := remoteaccess.ParseSS(reverse)
	want := []string{
		"E to-network 192.168.1.20:43210 network x11vnc/3120", "E to-network [2001:db8::20]:43212 network x11vnc/3120",
		"E to-loopback [::1]:43214 loopback x11vnc/3120", "E to-loopback [::ffff:127.0.0.1]:43216 loopback x11vnc/3120",
	}
	if got := describe(socks); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("reverse connections: %v\n%q\nwant\n%q", err, got, want)
	}
	for _, bad := range [][]byte{readParser(t, "linux/ss_error.txt"), nil, []byte("LISTEN 0 5 *:3389 *:*\n")} {
		if _, err := remoteaccess.ParseSS(bad); !errors.Is(err, remoteaccess.ErrUnrecognised) {
			t.Errorf("ParseSS(%q) = %v, want unrecognised", bad, err)
		}
	}
}

func TestParseNetstat(t *testing.T) {
	socks, err := remoteaccess.ParseNetstat(readParser(t, "darwin/netstat_screen_sharing_connected.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"E to-network 192.168.1.23:5900 network", "E to-network 192.168.1.23:55210 network", "L *:5900 network",
		"L *:5900 network", "L 127.0.0.1:631 loopback", "L ::1:631 loopback",
	}
	if got := describe(socks); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := remoteaccess.ParseNetstat([]byte("netstat: illegal option -- p\n")); !errors.Is(err, remoteaccess.ErrUnrecognised) {
		t.Errorf("usage error: %v, want unrecognised", err)
	}
}

func TestParseLaunchctlDisabled(t *testing.T) {
	for name, want := range map[string]string{
		"darwin/launchctl_print_disabled_sonoma_on.txt":  remoteaccess.Yes,
		"darwin/launchctl_print_disabled_mojave_off.txt": remoteaccess.No,
		"darwin/launchctl_print_disabled_not_listed.txt": remoteaccess.No,
	} {
		got, err := remoteaccess.ParseLaunchctlDisabled(readParser(t, name), "com.apple.screensharing")
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
	if got, err := remoteaccess.ParseLaunchctlDisabled(readParser(t, "darwin/launchctl_error.txt"), "com.apple.screensharing"); !errors.Is(err, remoteaccess.ErrUnrecognised) || got != remoteaccess.Unknown {
		t.Errorf("error output: %q, %v", got, err)
	}
	odd := []byte("disabled services = {\n\t\"com.apple.screensharing\" => maybe\n}\n")
	if got, err := remoteaccess.ParseLaunchctlDisabled(odd, "com.apple.screensharing"); !errors.Is(err, remoteaccess.ErrUnrecognised) || got != remoteaccess.Unknown {
		t.Errorf("odd value: %q, %v", got, err)
	}
}

func TestParseRemoteManagementPlist(t *testing.T) {
	o, err := remoteaccess.ParseRemoteManagementPlist(readParser(t, "darwin/com.apple.RemoteManagement.plist"))
	if err != nil || !o.AllLocalUsers || !o.VNCPassword {
		t.Errorf("got %+v, %v", o, err)
	}
	if _, err := remoteaccess.ParseRemoteManagementPlist([]byte("not a plist")); !errors.Is(err, remoteaccess.ErrUnrecognised) {
		t.Errorf("garbage: %v", err)
	}
}

func TestParseQwinsta(t *testing.T) {
	for name, want := range map[string]remoteaccess.Sessions{
		"windows/qwinsta_en_console_listening.txt": {RDPListener: true},
		"windows/qwinsta_en_rdp_active.txt":        {RDPListener: true, RDPConnected: true},
		"windows/qwinsta_en_rdp_disconnected.txt":  {RDPListener: true},
		"windows/qwinsta_en_home_no_listener.txt":  {},
		"windows/qwinsta_ru_cp866_rdp_active.txt":  {RDPListener: true, RDPConnected: true},
	} {
		got, err := remoteaccess.ParseQwinsta(readParser(t, name))
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", name, got, err, want)
		}
	}
	for _, bad := range [][]byte{readParser(t, "windows/qwinsta_no_session.txt"), nil} {
		if _, err := remoteaccess.ParseQwinsta(bad); !errors.Is(err, remoteaccess.ErrUnrecognised) {
			t.Errorf("ParseQwinsta(%q) = %v, want unrecognised", bad, err)
		}
	}
}

func TestParseDeny(t *testing.T) {
	cases := []struct {
		v    any
		err  error
		want string
		fail bool
	}{
		{uint64(0), nil, remoteaccess.Yes, false},
		{uint64(1), nil, remoteaccess.No, false},
		{nil, fmt.Errorf("reg: %w", probe.ErrNotFound), remoteaccess.No, false},
		{nil, fmt.Errorf("reg: %w", probe.ErrAccessDenied), remoteaccess.Unknown, true},
		{uint64(2), nil, remoteaccess.Unknown, true},
		{"off", nil, remoteaccess.Unknown, true},
	}
	for _, c := range cases {
		got, err := remoteaccess.ParseDeny(c.v, c.err)
		if got != c.want || (err != nil) != c.fail {
			t.Errorf("ParseDeny(%v, %v) = %q, %v; want %q", c.v, c.err, got, err, c.want)
		}
	}
}

// TestRDPFirewall: Remote Desktop is let in by any enabled inbound allow
// rule, in any store, that covers TCP 3389 for its service or any program
// (Windows' own rule, Group Policy's, a rule that lets everything in), or
// shadowing's RdpSa.exe, unless a block rule for every profile and
// address covers that way in too; a
// store that cannot be read leaves it unknown unless another lets it in.
func TestRDPFirewall(t *testing.T) {
	const (
		local = `HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\FirewallRules`
		gpo   = `HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall\FirewallRules`
		// The built-in rule as Windows 10 and 11 store it.
		on  = `v2.31|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=3389|App=%SystemRoot%\system32\svchost.exe|Svc=termservice|Name=@FirewallAPI.dll,-28775|Desc=@FirewallAPI.dll,-28756|EmbedCtxt=@FirewallAPI.dll,-28752|`
		off = `v2.31|Action=Allow|Active=FALSE|Dir=In|Protocol=6|LPort=3389|App=%SystemRoot%\system32\svchost.exe|Svc=termservice|Name=@FirewallAPI.dll,-28775|Desc=@FirewallAPI.dll,-28756|EmbedCtxt=@FirewallAPI.dll,-28752|`
		// Windows' shadowing rule, on and as hardening guides block it.
		shadowOn      = `v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|App=%SystemRoot%\system32\RdpSa.exe|Name=@FirewallAPI.dll,-28778|Desc=@FirewallAPI.dll,-28779|EmbedCtxt=@FirewallAPI.dll,-28752|Edge=TRUE|Defer=App|`
		shadowBlocked = `v2.28|Action=Block|Active=TRUE|Dir=In|Protocol=6|App=%SystemRoot%\system32\RdpSa.exe|Name=@FirewallAPI.dll,-28778|Desc=@FirewallAPI.dll,-28779|EmbedCtxt=@FirewallAPI.dll,-28752|Edge=TRUE|Defer=App|`
		udp           = `v2.31|Action=Allow|Active=TRUE|Dir=In|Protocol=17|LPort=3389|App=%SystemRoot%\system32\svchost.exe|Svc=termservice|Name=@FirewallAPI.dll,-28776|`
	)
	builtin := func(rule string) map[string]any {
		return map[string]any{"RemoteDesktop-UserMode-In-TCP": rule, "RemoteDesktop-UserMode-In-UDP": udp}
	}
	with := func(rule string, more map[string]any) map[string]any {
		m := builtin(rule)
		for k, v := range more {
			m[k] = v
		}
		return m
	}
	denied := fmt.Errorf("reg: %w", probe.ErrAccessDenied)
	for _, c := range []struct {
		name   string
		stores map[string]map[string]any
		errs   map[string]error
		want   string
		port   int
	}{
		{"the built-in rule on", map[string]map[string]any{local: builtin(on)}, nil, remoteaccess.Open, 3389},
		{"the built-in rule off", map[string]map[string]any{local: builtin(off)}, nil, remoteaccess.Closed, 3389},
		{"off, Group Policy's Remote Desktop rule on", map[string]map[string]any{local: builtin(off), gpo: {"RemoteDesktop-UserMode-In-TCP": on}}, nil, remoteaccess.Open, 3389},
		{"off, a rule letting everything in", map[string]map[string]any{local: with(off, map[string]any{"{C8E2}": "v2.33|Action=Allow|Active=TRUE|Dir=In|Name=Allow all|"})}, nil, remoteaccess.Open, 3389},
		{"off, TCP 3000-4000 for any program", map[string]map[string]any{local: with(off, map[string]any{"{A1}": "v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=3000-4000|Name=range|"})}, nil, remoteaccess.Open, 3389},
		{"off, every port for one program", map[string]map[string]any{local: with(off, map[string]any{"{A2}": `v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|App=C:\Games\game.exe|Name=game|`})}, nil, remoteaccess.Closed, 3389},
		{"off, RPC for svchost", map[string]map[string]any{local: with(off, map[string]any{"{A3}": `v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=RPC|App=%SystemRoot%\system32\svchost.exe|Svc=schedule|`})}, nil, remoteaccess.Closed, 3389},
		{"on, blocked for everyone", map[string]map[string]any{local: with(on, map[string]any{"{B1}": "v2.33|Action=Block|Active=TRUE|Dir=In|Protocol=6|LPort=3389|Name=no RDP|"})}, nil, remoteaccess.Closed, 3389},
		{"on, blocked on Public only", map[string]map[string]any{local: with(on, map[string]any{"{B2}": "v2.33|Action=Block|Active=TRUE|Dir=In|Protocol=6|Profile=Public|LPort=3389|Name=no RDP|"})}, nil, remoteaccess.Open, 3389},
		{"off, Windows' shadowing rule on", map[string]map[string]any{local: with(off, map[string]any{"RemoteDesktop-Shadow-In-TCP": shadowOn})}, nil, remoteaccess.Open, 3389},
		{"on, shadowing blocked", map[string]map[string]any{local: with(on, map[string]any{"RemoteDesktop-Shadow-In-TCP": shadowBlocked})}, nil, remoteaccess.Open, 3389},
		{"off, shadowing blocked", map[string]map[string]any{local: with(off, map[string]any{"RemoteDesktop-Shadow-In-TCP": shadowBlocked})}, nil, remoteaccess.Closed, 3389},
		{"shadowing on, everything blocked", map[string]map[string]any{local: with(off, map[string]any{"RemoteDesktop-Shadow-In-TCP": shadowOn, "{B3}": "v2.33|Action=Block|Active=TRUE|Dir=In|Name=no way in|"})}, nil, remoteaccess.Closed, 3389},
		{"the built-in rule on, Remote Desktop moved to 3390", map[string]map[string]any{local: builtin(on)}, nil, remoteaccess.Closed, 3390},
		{"off, a rule for TCP 3390, Remote Desktop on 3390", map[string]map[string]any{local: with(off, map[string]any{"{P1}": "v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=3390|Name=RDP 3390|"})}, nil, remoteaccess.Open, 3390},
		{"off, a rule for TCP 3390, Remote Desktop's port unread", map[string]map[string]any{local: with(off, map[string]any{"{P1}": "v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=3390|Name=RDP 3390|"})}, nil, remoteaccess.Open, 0},
		{"own rules unreadable, nothing else", nil, map[string]error{local: denied}, remoteaccess.Unknown, 3389},
		{"own rules unreadable, Group Policy's let it in", map[string]map[string]any{gpo: {"RemoteDesktop-UserMode-In-TCP": on}}, map[string]error{local: denied}, remoteaccess.Open, 3389},
		{"off, and a value that is not a rule", map[string]map[string]any{local: with(off, map[string]any{"{X}": "garbage"})}, nil, remoteaccess.Unknown, 3389},
		{"on, and a value that is not a rule", map[string]map[string]any{local: with(on, map[string]any{"{X}": uint64(1)})}, nil, remoteaccess.Open, 3389},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := remoteaccess.RDPFirewall(&ruleStores{stores: c.stores, errs: c.errs}, c.port)
			if got != c.want || (err != nil) != (c.want == remoteaccess.Unknown) {
				t.Errorf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// ruleStores answers RegistryValues for the firewall's rule stores.
type ruleStores struct {
	probe.Probe
	stores map[string]map[string]any
	errs   map[string]error
}

func (r *ruleStores) GOOS() string { return "windows" }

func (r *ruleStores) RegistryValues(key string) (map[string]any, error) {
	if err := r.errs[key]; err != nil {
		return nil, err
	}
	if v, ok := r.stores[key]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("%s: %w", key, probe.ErrNotFound)
}

func TestClassifyProcess(t *testing.T) {
	cases := []struct{ goos, name, exe, want string }{
		{"linux", "x11vnc", "/usr/bin/x11vnc", remoteaccess.X11VNC},
		{"linux", "gnome-remote-de", "", remoteaccess.GnomeRemoteDesktop},
		{"linux", "gnome-remote-desktop-daemon", "/usr/libexec/gnome-remote-desktop-daemon", remoteaccess.GnomeRemoteDesktop},
		{"linux", "Xtigervnc", "/usr/bin/Xtigervnc", remoteaccess.TigerVNC},
		{"linux", "teamviewerd", "/opt/teamviewer/tv_bin/teamviewerd", remoteaccess.TeamViewer},
		{"linux", "xrdp-sesman", "/usr/sbin/xrdp-sesman", ""},
		{"linux", "vino-server", "/usr/lib/vino/vino-server", remoteaccess.Vino},
		{"linux", "krdpserver", "/usr/bin/krdpserver", "krdp"},
		{"linux", "vncviewer", "/usr/bin/xtigervncviewer", ""},
		{"windows", "TeamViewer_Service.exe", `C:\Program Files\TeamViewer\TeamViewer_Service.exe`, remoteaccess.TeamViewer},
		{"windows", "QuickAssist.exe", `C:\Program Files\WindowsApps\MicrosoftCorporationII.QuickAssist_2.0.30.0_x64__8wekyb3d8bbwe\Microsoft.RemoteAssistance.QuickAssist\QuickAssist.exe`, remoteaccess.QuickAssist},
		{"windows", "mstsc.exe", `C:\Windows\System32\mstsc.exe`, ""},
		{"windows", "RemoteHelp.exe", `C:\Program Files\Remote Help\RemoteHelp.exe`, "remote_help"},
		{"windows", "SunloginClient.exe", `C:\Program Files\Oray\SunLogin\SunloginClient\SunloginClient.exe`, "sunlogin"},
		{"windows", "bomgar-scc.exe", `C:\ProgramData\bomgar-scc-0x6602f8e1\bomgar-scc.exe`, "beyondtrust_remote_support"},
		{"windows", "Iperius.exe", `C:\Program Files (x86)\Iperius Backup\Iperius.exe`, ""},
		{"windows", "connect.exe", `C:\Tools\connect.exe`, ""},
		{"windows", "RdpSa.exe", `C:\Windows\System32\RdpSa.exe`, remoteaccess.RDPShadow},
		{"windows", "UltraViewer_Desktop.exe", `C:\Program Files (x86)\UltraViewer\UltraViewer_Desktop.exe`, "ultraviewer"},
		{"windows", "AA_v3.exe", `C:\Users\Public\Downloads\AA_v3.exe`, "ammyy_admin"},
		{"linux", "wayvnc", "/usr/bin/wayvnc", "wayvnc"},
		{"linux", "freerdp-shadow-", "/usr/bin/freerdp-shadow-cli", "freerdp_shadow"},
		{"darwin", "ARDAgent", "/System/Library/CoreServices/RemoteManagement/ARDAgent.app/Contents/MacOS/ARDAgent", remoteaccess.RemoteManagement},
		{"darwin", "Screen Sharing", "/System/Applications/Utilities/Screen Sharing.app/Contents/MacOS/Screen Sharing", ""},
	}
	for _, c := range cases {
		if got := remoteaccess.ClassifyProcess(c.goos, c.name, c.exe); got != c.want {
			t.Errorf("ClassifyProcess(%s, %q, %q) = %q, want %q", c.goos, c.name, c.exe, got, c.want)
		}
	}
}

// The programs the relay tools start only while someone is connected
// through them, and the arguments an evidence bundle keeps to tell them.
func TestSessionProcess(t *testing.T) {
	const rustdeskExe = `C:\Program Files\RustDesk\rustdesk.exe`
	crd := `C:\Program Files (x86)\Google\Chrome Remote Desktop\131.0.6778.21\`
	cases := []struct {
		goos, id, name, exe string
		argv                []string
		want                bool
	}{
		{"windows", remoteaccess.TeamViewer, "TeamViewer_Desktop.exe", `C:\Program Files\TeamViewer\TeamViewer_Desktop.exe`, nil, true},
		{"windows", remoteaccess.TeamViewer, "TeamViewer_Service.exe", `C:\Program Files\TeamViewer\TeamViewer_Service.exe`, nil, false},
		{"linux", remoteaccess.TeamViewer, "TeamViewer_Desk", "/opt/teamviewer/tv_bin/TeamViewer_Desktop", nil, true},
		{"darwin", remoteaccess.TeamViewer, "TeamViewer_Desktop", "/Applications/TeamViewer.app/Contents/MacOS/TeamViewer_Desktop", nil, true},
		{"linux", remoteaccess.RustDesk, "rustdesk", "/usr/bin/rustdesk", []string{"/usr/bin/rustdesk", "--cm"}, true},
		{"linux", remoteaccess.RustDesk, "rustdesk", "/usr/bin/rustdesk", []string{"/usr/bin/rustdesk", "--cm-no-ui"}, true},
		{"linux", remoteaccess.RustDesk, "rustdesk", "/usr/bin/rustdesk", []string{"/usr/bin/rustdesk", "--service"}, false},
		{"linux", remoteaccess.RustDesk, "rustdesk", "/usr/bin/rustdesk", nil, false},
		{"windows", remoteaccess.RustDesk, "rustdesk.exe", rustdeskExe, []string{rustdeskExe, "--cm"}, true},
		{"windows", remoteaccess.RustDesk, "rustdesk.exe", rustdeskExe, []string{rustdeskExe, "--tray"}, false},
		{"windows", remoteaccess.ChromeRemoteDesktop, "remoting_desktop.exe", crd + "remoting_desktop.exe", nil, true},
		{"windows", remoteaccess.ChromeRemoteDesktop, "remoting_host.exe", crd + "remoting_host.exe", []string{crd + "remoting_host.exe", "--type=desktop"}, true},
		{"windows", remoteaccess.ChromeRemoteDesktop, "remoting_host.exe", crd + "remoting_host.exe", []string{crd + "remoting_host.exe", "--type=daemon"}, false},
		{"linux", remoteaccess.ChromeRemoteDesktop, "chrome-remote-desktop-host", "/opt/google/chrome-remote-desktop/chrome-remote-desktop-host", nil, false},
	}
	for _, c := range cases {
		if got := remoteaccess.ClassifyProcess(c.goos, c.name, c.exe); got != c.id {
			t.Errorf("ClassifyProcess(%s, %q, %q) = %q, want %q", c.goos, c.name, c.exe, got, c.id)
		}
		if got := remoteaccess.SessionProcess(c.id, c.goos, c.name, c.exe, c.argv); got != c.want {
			t.Errorf("SessionProcess(%s, %s, %q, %q) = %v, want %v", c.id, c.goos, c.name, c.argv, got, c.want)
		}
	}

	keep := []struct {
		pr   probe.Process
		want []string
	}{
		{probe.Process{Name: "rustdesk", Exe: "/usr/bin/rustdesk", Cmdline: []string{"/usr/bin/rustdesk", "--cm", "--hide"}}, []string{"/usr/bin/rustdesk", "--cm"}},
		{probe.Process{Name: "rustdesk", Exe: "/usr/bin/rustdesk", Cmdline: []string{"/usr/bin/rustdesk", "--connect", "123456789"}}, nil},
		{probe.Process{Name: "remoting_host.exe", Exe: crd + "remoting_host.exe", Cmdline: []string{crd + "remoting_host.exe", "--type=desktop", "--v=1"}}, []string{crd + "remoting_host.exe", "--type=desktop"}},
		{probe.Process{Name: "TeamViewer_Desktop.exe", Cmdline: []string{"TeamViewer_Desktop.exe", "--IPCport", "5939", "--Module", "1"}}, nil},
		{probe.Process{Name: "firefox", Exe: "/usr/lib/firefox/firefox", Cmdline: []string{"firefox", "--cm"}}, nil},
	}
	for _, k := range keep {
		if got := remoteaccess.ArgsRead(k.pr); !slices.Equal(got, k.want) {
			t.Errorf("ArgsRead(%q) = %q, want %q", k.pr.Cmdline, got, k.want)
		}
	}
}

func TestScrub(t *testing.T) {
	for _, name := range []string{"windows/qwinsta_en_rdp_active.txt", "windows/qwinsta_en_rdp_disconnected.txt", "windows/qwinsta_ru_cp866_rdp_active.txt"} {
		raw := readParser(t, name)
		got := remoteaccess.Scrub("qwinsta", nil, raw)
		if bytes.Contains(got, []byte("someone")) {
			t.Errorf("%s: user name kept:\n%s", name, got)
		}
		a, errA := remoteaccess.ParseQwinsta(raw)
		b, errB := remoteaccess.ParseQwinsta(got)
		if a != b || errA != nil || errB != nil {
			t.Errorf("%s: scrubbed reads %+v %v, raw %+v %v", name, b, errB, a, errA)
		}
	}
	raw := readParser(t, "linux/ss_xrdp_session_anydesk.txt")
	got := remoteaccess.Scrub("/usr/bin/ss", []string{"-tanp"}, raw)
	if bytes.Contains(got, []byte("192.168.")) {
		t.Errorf("ss: address kept:\n%s", got)
	}
	a, _ := remoteaccess.ParseSS(raw)
	b, err := remoteaccess.ParseSS(got)
	if err != nil || len(a) != len(b) {
		t.Fatalf("scrubbed ss: %v", err)
	}
	for i := range a {
		if a[i].Reach() != b[i].Reach() || a[i].LocalPort != b[i].LocalPort || fmt.Sprint(a[i].Owners) != fmt.Sprint(b[i].Owners) {
			t.Errorf("socket %d: scrubbed %+v, raw %+v", i, b[i], a[i])
		}
	}
	raw = readParser(t, "darwin/netstat_screen_sharing_connected.txt")
	got = remoteaccess.Scrub("netstat", []string{"-an", "-p", "tcp"}, raw)
	if bytes.Contains(got, []byte("192.168.")) || bytes.Contains(got, []byte("17.57.")) {
		t.Errorf("netstat: address kept:\n%s", got)
	}
	if a, b := describe(must(remoteaccess.ParseNetstat(raw))), describe(must(remoteaccess.ParseNetstat(got))); len(a) != len(b) {
		t.Errorf("netstat scrubbed %q, raw %q", b, a)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
