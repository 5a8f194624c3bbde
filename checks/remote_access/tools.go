package remoteaccess

import (
	"path"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/anypath"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Tool identifiers used in facts.
const (
	teamViewer          = "teamviewer"
	anyDesk             = "anydesk"
	rustDesk            = "rustdesk"
	screenConnect       = "screenconnect"
	splashtop           = "splashtop"
	logMeIn             = "logmein"
	chromeRemoteDesktop = "chrome_remote_desktop"
	realVNC             = "realvnc"
	tigerVNC            = "tigervnc"
	x11vnc              = "x11vnc"
	tightVNC            = "tightvnc"
	ultraVNC            = "ultravnc"
	quickAssist         = "quick_assist"
	remoteAssistance    = "remote_assistance"
	remoteHelp          = "remote_help"
	noMachine           = "nomachine"
	parsec              = "parsec"
	windowsRDP          = "windows_remote_desktop"
	rdpShadow           = "windows_remote_desktop_shadow"
	screenSharing       = "macos_screen_sharing"
	remoteManagement    = "macos_remote_management"
	xrdp                = "xrdp"
	gnomeRemoteDesktop  = "gnome_remote_desktop"
	vino                = "vino"
	krfb                = "krfb"
	krdp                = "krdp"
	wayVNC              = "wayvnc"
	freeRDPShadow       = "freerdp_shadow"
	sunshine            = "sunshine"
	meshCentral         = "meshcentral"
	ultraViewer         = "ultraviewer"
	supremo             = "supremo"
	aeroAdmin           = "aeroadmin"
	ammyyAdmin          = "ammyy_admin"
	hopToDesk           = "hoptodesk"
	remoteUtilities     = "remote_utilities"
	anyViewer           = "anyviewer"
	toDesk              = "todesk"
	sunlogin            = "sunlogin"
	zohoAssist          = "zoho_assist"
	remotePC            = "remotepc"
	iperiusRemote       = "iperius_remote"
	logMeInRescue       = "logmein_rescue"
	beyondTrust         = "beyondtrust_remote_support"
	goToResolve         = "goto_resolve"
	dameware            = "dameware"
)

// toolInfo is one known tool: how it is named to people and found per OS.
type toolInfo struct {
	id, name string
	// relay: it reaches out through its vendor's servers, so running is
	// reachable from anywhere; otherwise it is reachable when it listens
	// on an address other computers can reach.
	relay bool
	// session: it runs only while someone is helping (Quick Assist,
	// Remote Assistance): running is a session now.
	session bool
	// idle: it may run without sharing anything (a desktop's sharing
	// daemon, a server that only accepts when turned on), so running is
	// not taken as listening.
	idle bool
	// Program names per OS, lower case, matched against a process's name
	// and the base name of its program; a trailing * matches a prefix.
	linux, darwin, windows []string
	// services are Windows service names (lower case, * a prefix).
	services []string
	// launchd are prefixes of macOS launch daemon and agent plists.
	launchd []string
	// units are Linux systemd unit name prefixes ("xrdp.service",
	// "vncserver@").
	units []string
	// linuxFiles are paths whose presence shows it is installed.
	linuxFiles []string
	// apps are macOS application bundles in /Applications.
	apps []string
	// sessions are the programs it starts only while someone is
	// connected through it: running, they are a session now.
	sessions []sessionSign
}

// sessionSign is a program a tool starts only while someone is connected
// through it, on one OS: names as in toolInfo's per-OS lists and, when
// firstArg is set, one of the first arguments it is started with.
type sessionSign struct {
	goos     string
	names    []string
	firstArg []string
}

var catalogue = []toolInfo{
	{id: teamViewer, name: "TeamViewer", relay: true,
		linux:  []string{"teamviewerd", "teamviewer"},
		darwin: []string{"teamviewer", "teamviewer_service"},
		// TeamViewerQS*.exe is QuickSupport, the no-install module a
		// helper asks people to download and run (TeamViewerQS.exe,
		// TeamViewerQS_x64.exe, a custom module's TeamViewerQS-idc….exe,
		// as their download links name them).
		windows:  []string{"teamviewer.exe", "teamviewer_service.exe", "teamviewerqs*"},
		services: []string{"teamviewer"}, launchd: []string{"com.teamviewer."},
		units: []string{"teamviewerd.service"}, linuxFiles: []string{"/opt/teamviewer/tv_bin/teamviewerd"},
		apps: []string{"TeamViewer.app", "TeamViewerHost.app", "TeamViewer QuickSupport.app"},
		// TeamViewer_Service (teamviewerd on Linux) starts TeamViewer_Desktop
		// (--IPCport 5939 --Module 1) when a remote computer starts a
		// session (SigmaHQ's "Team Viewer Session Started On Windows /
		// Linux / MacOS Host" rules).
		sessions: []sessionSign{
			{goos: "linux", names: []string{"teamviewer_desktop"}},
			{goos: "darwin", names: []string{"teamviewer_desktop"}},
			{goos: "windows", names: []string{"teamviewer_desktop.exe"}},
		}},
	{id: anyDesk, name: "AnyDesk", relay: true,
		linux: []string{"anydesk"}, darwin: []string{"anydesk"}, windows: []string{"anydesk.exe"},
		services: []string{"anydesk"}, launchd: []string{"com.philandro.anydesk"},
		units: []string{"anydesk.service"}, linuxFiles: []string{"/usr/bin/anydesk"}, apps: []string{"AnyDesk.app"}},
	{id: rustDesk, name: "RustDesk", relay: true,
		linux: []string{"rustdesk"}, darwin: []string{"rustdesk"}, windows: []string{"rustdesk.exe"},
		services: []string{"rustdesk"}, launchd: []string{"com.carriez.rustdesk"},
		units: []string{"rustdesk.service"}, linuxFiles: []string{"/usr/bin/rustdesk"}, apps: []string{"RustDesk.app"},
		// Its server starts the connection manager, `rustdesk --cm` (the
		// window with the Disconnect button; --cm-no-ui when hidden), when
		// someone connects, and it quits when they are gone (RustDesk's
		// src/server/connection.rs start_ipc; rustdesk/rustdesk#9292,
		// #15698).
		sessions: []sessionSign{
			{goos: "linux", names: []string{"rustdesk"}, firstArg: rustDeskManager},
			{goos: "darwin", names: []string{"rustdesk"}, firstArg: rustDeskManager},
			{goos: "windows", names: []string{"rustdesk.exe"}, firstArg: rustDeskManager},
		}},
	{id: screenConnect, name: "ConnectWise ScreenConnect", relay: true,
		linux:    []string{"screenconnect*", "connectwisecontrol*"},
		darwin:   []string{"screenconnect*", "connectwisecontrol*"},
		windows:  []string{"screenconnect.clientservice.exe", "screenconnect.windowsclient.exe"},
		services: []string{"screenconnect client*"}, launchd: []string{"screenconnect-", "connectwisecontrol-"},
		units: []string{"screenconnect-", "connectwisecontrol-"}, linuxFiles: []string{"/opt/screenconnect"}},
	{id: splashtop, name: "Splashtop", relay: true,
		linux:    []string{"srstreamer*"},
		darwin:   []string{"splashtop streamer", "srstreamerdaemon", "srfeature*"},
		windows:  []string{"srservice.exe", "srserver.exe", "srmanager.exe"},
		services: []string{"splashtopremoteservice"}, launchd: []string{"com.splashtop."},
		units: []string{"srstreamer.service"}, linuxFiles: []string{"/opt/splashtop-streamer"},
		apps: []string{"Splashtop Streamer.app"}},
	{id: logMeIn, name: "LogMeIn", relay: true,
		darwin:   []string{"logmein", "logmeingui", "logmein client"},
		windows:  []string{"logmein.exe", "lmiguardiansvc.exe", "logmeinsystray.exe"},
		services: []string{"logmein"}, launchd: []string{"com.logmein."}, apps: []string{"LogMeIn Client.app"}},
	{id: chromeRemoteDesktop, name: "Chrome Remote Desktop", relay: true,
		linux:    []string{"chrome-remote-desktop-host"},
		darwin:   []string{"remoting_me2me_host"},
		windows:  []string{"remoting_host.exe"},
		services: []string{"chromoting"}, launchd: []string{"org.chromium.chromoting"},
		units:      []string{"chrome-remote-desktop@", "chrome-remote-desktop.service"},
		linuxFiles: []string{"/opt/google/chrome-remote-desktop/chrome-remote-desktop-host"},
		// On Windows the host's service starts a desktop process in the
		// Windows session, remoting_desktop.exe (remoting_host.exe
		// --type=desktop when that one cannot be used), when a client
		// connects, and ends it when the client goes (Chromium's
		// remoting/host DesktopSessionProxy::SetCapabilities →
		// ConnectTerminal, DesktopSessionWin::OnSessionAttached).
		sessions: []sessionSign{
			{goos: "windows", names: []string{"remoting_desktop.exe"}},
			{goos: "windows", names: []string{"remoting_host.exe"}, firstArg: []string{"--type=desktop"}},
		}},
	{id: realVNC, name: "RealVNC Server",
		linux:    []string{"vncserver-x11", "vncserver-x11-core", "vncserver-x11-serviced", "vncserver-virtuald", "xvnc-core"},
		darwin:   []string{"vncserver", "vncagent"},
		windows:  []string{"vncserver.exe", "vncagent.exe"},
		services: []string{"vncserver"}, launchd: []string{"com.realvnc."},
		units: []string{"vncserver-x11-serviced.service", "vncserver-virtuald.service"}, linuxFiles: []string{"/usr/bin/vncserver-x11"}},
	{id: tigerVNC, name: "TigerVNC",
		linux:    []string{"xvnc", "xtigervnc", "x0vncserver", "x0tigervncserver", "w0vncserver"},
		windows:  []string{"winvnc4.exe"},
		services: []string{"winvnc4", "tigervnc"},
		units:    []string{"vncserver@", "x0vncserver"}, linuxFiles: []string{"/usr/bin/Xtigervnc", "/usr/bin/x0vncserver", "/usr/bin/Xvnc"}},
	{id: x11vnc, name: "x11vnc",
		linux: []string{"x11vnc"}, darwin: []string{"x11vnc"},
		units: []string{"x11vnc"}, linuxFiles: []string{"/usr/bin/x11vnc"}},
	{id: tightVNC, name: "TightVNC",
		linux: []string{"xtightvnc"}, windows: []string{"tvnserver.exe"}, services: []string{"tvnserver"},
		linuxFiles: []string{"/usr/bin/Xtightvnc"}},
	{id: ultraVNC, name: "UltraVNC", windows: []string{"winvnc.exe"}, services: []string{"uvnc_service"}},
	{id: quickAssist, name: "Quick Assist", relay: true, session: true, windows: []string{"quickassist.exe"}},
	{id: remoteAssistance, name: "Windows Remote Assistance", relay: true, session: true, windows: []string{"msra.exe", "raserver.exe"}},
	// Intune's Remote Help (C:\Program Files\Remote Help\RemoteHelp.exe,
	// the file Microsoft's deployment guide detects it by) is opened for
	// a helper to connect, as Quick Assist is.
	{id: remoteHelp, name: "Microsoft Remote Help", relay: true, session: true, windows: []string{"remotehelp.exe"}},
	{id: noMachine, name: "NoMachine",
		linux:    []string{"nxserver.bin", "nxd", "nxnode.bin"},
		darwin:   []string{"nxserver.bin", "nxd", "nxnode.bin"},
		windows:  []string{"nxservice64.exe", "nxservice32.exe", "nxserver.exe", "nxd.exe"},
		services: []string{"nxservice"}, launchd: []string{"com.nomachine."},
		units: []string{"nxserver.service"}, linuxFiles: []string{"/usr/NX/bin/nxserver"}, apps: []string{"NoMachine.app"}},
	{id: parsec, name: "Parsec", relay: true,
		linux: []string{"parsecd"}, darwin: []string{"parsecd"}, windows: []string{"parsecd.exe", "pservice.exe"},
		services: []string{"parsec"}, launchd: []string{"tv.parsec."},
		linuxFiles: []string{"/usr/bin/parsecd"}, apps: []string{"Parsec.app"}},
	// Remote Desktop shadowing (mstsc /shadow) starts the RDP Session
	// Agent, RdpSa.exe, in the session it shows: running, someone is
	// viewing or controlling this screen now. Listed before Remote Desktop
	// so that its fix comes first.
	{id: rdpShadow, name: "Remote Desktop shadowing", session: true, windows: []string{"rdpsa.exe"}},
	{id: windowsRDP, name: "Remote Desktop"},
	{id: screenSharing, name: "Screen Sharing", darwin: []string{"screensharingd"}},
	{id: remoteManagement, name: "Remote Management", darwin: []string{"ardagent"}},
	{id: xrdp, name: "xrdp",
		linux: []string{"xrdp"}, units: []string{"xrdp.service"}, linuxFiles: []string{"/usr/sbin/xrdp"}},
	{id: gnomeRemoteDesktop, name: "GNOME Remote Desktop", idle: true,
		linux: []string{"gnome-remote-desktop-daemon", "gnome-remote-de"}, units: []string{"gnome-remote-desktop.service"},
		linuxFiles: []string{"/usr/libexec/gnome-remote-desktop-daemon"}},
	{id: vino, name: "GNOME Desktop Sharing (Vino)", idle: true, linux: []string{"vino-server"},
		linuxFiles: []string{"/usr/lib/vino/vino-server", "/usr/libexec/vino-server"}},
	{id: krfb, name: "KDE Desktop Sharing (krfb)", idle: true, linux: []string{"krfb"}, linuxFiles: []string{"/usr/bin/krfb"}},
	// KRdp, Plasma's Remote Desktop (System Settings > Remote Desktop,
	// Plasma 6.1 and later): krdpserver, started by the systemd user unit
	// app-org.kde.krdpserver.service (plasma-krdp_server.service before
	// Plasma 6.3), listens on every address on the port the person chose
	// (3389 by default), so it is judged by where it listens.
	{id: krdp, name: "KDE Remote Desktop (KRdp)", linux: []string{"krdpserver"},
		units: []string{"app-org.kde.krdpserver", "plasma-krdp_server"}, linuxFiles: []string{"/usr/bin/krdpserver"}},
	// wayvnc shares a wlroots (Sway, Hyprland) screen over VNC.
	{id: wayVNC, name: "wayvnc", linux: []string{"wayvnc"}, units: []string{"wayvnc"}, linuxFiles: []string{"/usr/bin/wayvnc"}},
	// FreeRDP's shadow server shares this screen over RDP (port 3389).
	{id: freeRDPShadow, name: "FreeRDP shadow server", linux: []string{"freerdp-shadow*"},
		linuxFiles: []string{"/usr/bin/freerdp-shadow-cli", "/usr/bin/freerdp-shadow-cli3"}},
	// Sunshine streams the screen, with keyboard and mouse, to Moonlight.
	{id: sunshine, name: "Sunshine", linux: []string{"sunshine"}, windows: []string{"sunshine.exe"},
		units: []string{"sunshine"}, linuxFiles: []string{"/usr/bin/sunshine"}},
	// The MeshCentral agent connects out to its organisation's server,
	// from which the screen can be viewed and controlled.
	{id: meshCentral, name: "MeshCentral agent", relay: true, linux: []string{"meshagent"}, windows: []string{"meshagent.exe"},
		services: []string{"mesh agent"}, units: []string{"meshagent.service"},
		linuxFiles: []string{"/usr/local/mesh_services/meshagent/meshagent"}},
	// Tools that connect out through their vendor's servers, often the
	// ones a caller pretending to be support asks someone to install.
	{id: ultraViewer, name: "UltraViewer", relay: true, windows: []string{"ultraviewer_desktop.exe", "ultraviewer_service.exe"},
		services: []string{"ultraviewservice"}},
	{id: supremo, name: "Supremo", relay: true, windows: []string{"supremo.exe", "supremoservice.exe"}, services: []string{"supremoservice"}},
	{id: aeroAdmin, name: "AeroAdmin", relay: true, windows: []string{"aeroadmin.exe"}},
	{id: ammyyAdmin, name: "Ammyy Admin", relay: true, windows: []string{"aa_v3.exe"}},
	{id: hopToDesk, name: "HopToDesk", relay: true, linux: []string{"hoptodesk"}, darwin: []string{"hoptodesk"}, windows: []string{"hoptodesk.exe"},
		linuxFiles: []string{"/usr/bin/hoptodesk"}, apps: []string{"HopToDesk.app"}},
	{id: remoteUtilities, name: "Remote Utilities", relay: true, windows: []string{"rutserv.exe", "rfusclient.exe"}, services: []string{"rmanservice"}},
	// More remote-support tools, by the program names magicsword-io/LOLRMM
	// records for them (names generic enough to be another program's,
	// such as Zoho's connect.exe or Iperius Backup's iperius.exe, left
	// out).
	{id: anyViewer, name: "AnyViewer", relay: true, windows: []string{"anyviewer.exe"}},
	{id: toDesk, name: "ToDesk", relay: true, windows: []string{"todesk.exe", "todesk_service.exe"}},
	{id: sunlogin, name: "Sunlogin", relay: true, windows: []string{"sunlogin*", "orayremoteshell.exe", "orayremoteservice.exe"}},
	{id: zohoAssist, name: "Zoho Assist", relay: true, windows: []string{"zaservice.exe", "za_connect.exe", "za_access.exe", "zohours.exe", "zohoursservice.exe"}},
	{id: remotePC, name: "RemotePC", relay: true, windows: []string{"remotepc.exe", "remotepcservice.exe", "remotepchost.exe"}},
	{id: iperiusRemote, name: "Iperius Remote", relay: true, windows: []string{"iperiusremote.exe"}},
	// The LogMeIn Rescue applet is downloaded and run for one session.
	{id: logMeInRescue, name: "LogMeIn Rescue", relay: true, session: true, windows: []string{"lmi_rescue.exe", "lmi_rescue_srv.exe", "support-logmeinrescue*"}},
	{id: beyondTrust, name: "BeyondTrust Remote Support", relay: true, windows: []string{"bomgar-scc*", "bomgar-pac*"}},
	{id: goToResolve, name: "GoTo Resolve", relay: true,
		windows: []string{"gotoresolveservice.exe", "gotoresolveremotecontrol.exe", "gotoresolveui.exe", "gotoresolveunattended.exe", "gotoresolveunattendedui.exe"}},
	// Dameware Mini Remote Control's agent service listens for its
	// viewer (it does not reach out through a vendor).
	{id: dameware, name: "Dameware Mini Remote Control", windows: []string{"dwrcs.exe"}},
}

// rustDeskManager are the first arguments of RustDesk's connection
// manager, which runs while someone is connected.
var rustDeskManager = []string{"--cm", "--cm-no-ui"}

func info(id string) toolInfo {
	for _, t := range catalogue {
		if t.id == id {
			return t
		}
	}
	return toolInfo{id: id, name: id}
}

// displayName is how a tool is named to people, and in the policy's
// remote_access_allowed list.
func displayName(id string) string { return info(id).name }

// matchName reports whether name matches one of patterns (lower case; a
// trailing * matches a prefix).
func matchName(name string, patterns []string) bool {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return false
	}
	for _, p := range patterns {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(name, prefix) {
				return true
			}
		} else if name == p {
			return true
		}
	}
	return false
}

// classifyProcess returns the tool a process of goos is, from its name
// and its program's path, or "".
func classifyProcess(goos, name, exe string) string {
	base := anypath.Base(exe)
	for _, t := range catalogue {
		names := t.programs(goos)
		for _, s := range t.sessions {
			if s.goos == goos {
				names = append(names[:len(names):len(names)], s.names...)
			}
		}
		if matchName(name, names) || matchName(base, names) {
			return t.id
		}
	}
	return ""
}

// programs are the tool's program names on goos.
func (t toolInfo) programs(goos string) []string {
	switch goos {
	case "linux":
		return t.linux
	case "darwin":
		return t.darwin
	case "windows":
		return t.windows
	}
	return nil
}

// sessionProcess reports whether a process of goos, with its name,
// program path and arguments (argv[0] first), is one tool id starts only
// while someone is connected through it. Arguments that could not be read
// show no session: the tool is then judged as running.
func sessionProcess(id, goos, name, exe string, argv []string) bool {
	for _, s := range info(id).sessions {
		if s.goos != goos || !matchName(name, s.names) && !matchName(anypath.Base(exe), s.names) {
			continue
		}
		if len(s.firstArg) == 0 || len(argv) > 1 && slices.Contains(s.firstArg, argv[1]) {
			return true
		}
	}
	return false
}

// argsRead is this check's probe.ArgsKeeper: a process's program and
// first argument when they show a session (RustDesk's `--cm`), no other
// argument and no other process's.
func argsRead(pr probe.Process) []string {
	argv := pr.Args()
	if len(argv) < 2 {
		return nil
	}
	for _, t := range catalogue {
		for _, s := range t.sessions {
			if len(s.firstArg) > 0 && sessionProcess(t.id, s.goos, pr.Name, pr.Exe, argv) {
				return argv[:2]
			}
		}
	}
	return nil
}

// unitTool returns the tool a systemd unit, launchd plist or Windows
// service name belongs to, or "".
func unitTool(name string, field func(toolInfo) []string) string {
	lower := strings.ToLower(path.Base(name))
	for _, t := range catalogue {
		for _, p := range field(t) {
			p = strings.ToLower(p)
			if prefix, ok := strings.CutSuffix(p, "*"); ok {
				p = prefix
			}
			if strings.HasPrefix(lower, p) {
				return t.id
			}
		}
	}
	return ""
}

// allowed reports whether the policy's list names tool id: by its
// display name or id, in any case and spacing.
func allowed(id string, names []string) bool {
	norm := func(s string) string {
		return strings.NewReplacer(" ", "", "-", "", "_", "", ".", "").Replace(strings.ToLower(s))
	}
	for _, n := range names {
		if m := norm(n); m != "" && (m == norm(id) || m == norm(info(id).name)) {
			return true
		}
	}
	return false
}
