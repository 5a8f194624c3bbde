// Package remoteaccess checks whether someone could watch or control this
// screen from elsewhere during a session: a remote-control tool running or
// set to start, a built-in remote desktop turned on, and what listens for
// them. Someone connected now fails whatever the policy says; a tool
// running or turned on and reachable from other computers fails, or warns
// when the policy's remote_access_allowed names it as the organisation's
// support tool; running but reachable from this computer only, or set to
// start but not running, warns; installed but not running passes with a
// note. Facts name tools only (never a session, account, partner or
// machine id, an address or a user name).
//
// Tools: TeamViewer, AnyDesk, RustDesk, ConnectWise ScreenConnect,
// Splashtop, LogMeIn, Chrome Remote Desktop, Parsec, the MeshCentral agent,
// HopToDesk, and on Windows UltraViewer, Supremo, AeroAdmin, Ammyy Admin
// and Remote Utilities (tools a caller posing as support often asks for),
// AnyViewer, ToDesk, Sunlogin, Zoho Assist, RemotePC, Iperius Remote,
// LogMeIn Rescue, BeyondTrust Remote Support and GoTo Resolve (by the
// program names magicsword-io/LOLRMM records), and Quick Assist / Windows
// Remote Assistance / Intune's Remote Help (RemoteHelp.exe) reach out
// through their vendor's (or organisation's) servers, so running is
// reachable from anywhere (those three and the LogMeIn Rescue applet run
// only while someone helps, so running is a session now). Some start
// a program only while someone is connected, and that program running is
// a session now, failing even when the policy allows the tool:
// TeamViewer's TeamViewer_Desktop (its service starts it, with
// --IPCport 5939 --Module 1, for a remote computer's session: SigmaHQ's
// TeamViewer session rules for Windows, Linux and macOS), RustDesk's
// connection manager, `rustdesk --cm` or `--cm-no-ui` (its server starts
// it when someone connects and it quits when they leave: RustDesk's
// src/server/connection.rs; the first argument is read, and kept in an
// evidence bundle, for rustdesk processes only; unread, no session is
// seen), and on Windows Chrome Remote Desktop's remoting_desktop.exe
// (remoting_host.exe --type=desktop as a fallback: the daemon starts it
// when a client connects, Chromium's remoting/host). For the other relay
// tools (AnyDesk, Splashtop, ScreenConnect, LogMeIn, Parsec, HopToDesk,
// the MeshCentral agent, UltraViewer, Supremo, AeroAdmin, Ammyy Admin,
// Remote Utilities, the other Windows support tools above, Chrome Remote
// Desktop on Linux and macOS) the check
// cannot tell whether someone is connected: running, they are judged as
// reachable, so an allowed one warns even during a session. The VNC
// servers (RealVNC, TigerVNC, x11vnc, wayvnc, TightVNC, UltraVNC),
// Dameware Mini Remote Control's agent (Windows), NoMachine, xrdp, FreeRDP's shadow server, Sunshine, GNOME Remote
// Desktop, Vino, krfb and KDE's KRdp (krdpserver, on the port chosen in
// System Settings > Remote Desktop) are reachable when they listen on an
// address other computers reach. A server that runs while where it listens
// could not be read is taken at its default: reachable. GNOME Remote
// Desktop, Vino and krfb may run without sharing anything: listening
// nowhere they pass with a note, and where they listen unread is unknown.
//
// Sources, per operating system:
//
//   - Linux: the process list (name and program path); `ss -tln` (the
//     listening TCP sockets, no programs: no walk of /proc) for a VNC or
//     RDP port open to the network; when a tool that listens runs, or such
//     a port is open, `ss -tanp` with LC_ALL=C (netlink; listening and
//     connected TCP sockets with the programs holding them, which needs
//     root for other users' programs). A program the catalogue does not
//     know that listens on a VNC or RDP port open to the network fails,
//     named (a VNC server under another name).
//     A running server with no listening socket listens nowhere, unless
//     some sockets' programs could not be seen; a connection to a port the
//     tool listens on, or any connection a VNC or RDP server (not a relay
//     tool) holds to another computer (x11vnc -connect, TigerVNC's
//     vncconfig -connect reaching a viewer that listens), is someone
//     connected now; a VNC (5900–5909) or RDP
//     (3389) port open to the network whose program could not be seen is
//     unknown. Installed: one file of each tool (read for a note only).
//     Set to start: the links in /etc/systemd/system/{multi-user,
//     graphical}.target.wants, read only when a tool was found.
//   - macOS: the process list (ARDAgent, screensharingd and the tools);
//     `launchctl print-disabled system` for com.apple.screensharing
//     (enabled/false on, disabled/true off, not listed off: the default);
//     Remote Management from /Library/Application Support/Apple/Remote
//     Desktop/RemoteManagement.launchd ("enabled") and, for the wording,
//     com.apple.RemoteManagement.plist VNCLegacyConnectionsEnabled;
//     `netstat -an -p tcp`, every time, for the VNC (5900–5909) and RDP
//     (3389) ports (launchd itself listens for Screen Sharing, and
//     screensharingd starts on a connection; netstat names no program, so
//     5900 is Screen Sharing's or Remote Management's when either is on,
//     else a running VNC server's, which also owns 5901–5909; any other
//     of those ports open to the network is an unknown program's:
//     unknown; a VNC server listening nowhere while connections to other
//     computers are open may have connected out to a viewer: unknown).
//     Installed: /Applications; set to start: /Library/LaunchDaemons and
//     LaunchAgents.
//   - Windows: the process list; Remote Desktop's fDenyTSConnections (the
//     Group Policy value under Policies\Microsoft\Windows NT\Terminal
//     Services first, then Control\Terminal Server; 0 on, not set off);
//     when it may be on, `qwinsta` (any language: only the untranslated
//     session names are read: rdp-tcp is the listener, rdp-tcp#N a
//     connected client) and Windows Firewall's rules in every store
//     (checks/internal/winfw): an enabled inbound allow rule covering its
//     TCP port (WinStations\RDP-Tcp PortNumber, 3389 when not set; every
//     port when unread) for the Remote Desktop service or any program
//     (Windows' own RemoteDesktop-UserMode-In-TCP, Group Policy's or
//     Intune's, one that lets everything in), or shadowing's RdpSa.exe on any port (Windows'
//     RemoteDesktop-Shadow-In-TCP), lets it in, unless a block rule for
//     every profile and address covers that way in too; none → closed; a
//     store unread → unknown. Remote Desktop's Shadow setting (Group
//     Policy's first, then RDP-Tcp's): 2 (full control without the
//     person's permission) or 4 (view without permission) is named in the
//     wording. RdpSa.exe running (the RDP Session Agent shadowing starts
//     in the session it shows) is someone viewing or controlling the
//     screen now: fail, allowed or not. Windows Firewall needs no rule where it is off or lets in
//     every connection no rule blocks (EnableFirewall 0,
//     DefaultInboundAction 0; Group Policy's and Intune's values first,
//     winfw.ReadProfile) for a profile of the networks in use
//     (MSFT_NetConnectionProfile; every profile when unread): Remote
//     Desktop is then reachable, unless a firewall registered with
//     Security Center (SecurityCenter2 FirewallProduct, on) may stand in
//     (unknown); a profile's value unread → unknown. Win32_Service for
//     the tools' services (installed, start mode Auto = set to start,
//     running).
//
// Measured on the 2-core CI machine under load (2026-12-06): `ss -tanp`
// takes 12–20 ms (its walk of every process's /proc/*/fd for the owners),
// `ss -tln` ~5 ms (mostly starting ss); reading /proc/net/tcp and tcp6
// took 8–18 ms there (the kernel walks its whole connection table) and
// mapping inodes through /proc/*/fd is the same walk ss does, so netlink
// through ss is faster, and it is what the probe can run. The sockets'
// programs are read only when a tool that listens runs or is turned on,
// or a remote-desktop port is open: otherwise the check costs one process
// list (3 ms quiet, 20 ms under that load), `ss -tln` and half a
// millisecond of file reads.
package remoteaccess
