package remoteaccess

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// systemdWants are the folders whose links make a system service start
// with the computer.
var systemdWants = []string{
	"/etc/systemd/system/multi-user.target.wants",
	"/etc/systemd/system/graphical.target.wants",
}

// collectLinux: what runs (the process list); where a tool that listens
// does so and who is connected through it (`ss -tanp`: netlink, with the
// programs holding each socket, which needs root for other users'
// programs), read only when such a tool runs; what is installed (a file
// of each tool) and, for what is installed, whether systemd starts it.
func collectLinux(ctx context.Context, p probe.Probe, f *facts) {
	pids := runningTools(p, f, "linux")

	// Sockets with their programs cost ss's walk of every process's
	// /proc/*/fd (10–20 ms under load): read when a tool that listens
	// runs, or when something listens on a remote-desktop port where other
	// computers reach it (`ss -tln`, no walk): a VNC or RDP server the
	// catalogue does not know, which is then named.
	if needSockets(f) || remotePortOpen(ctx, p, f) {
		if socks, ok := readSockets(ctx, p, f, parseSS, probe.CmdSs, "-tanp"); ok {
			judgeSockets(f, socks, pids)
		}
	}

	for _, t := range catalogue {
		if slices.ContainsFunc(f.Tools, func(x tool) bool { return x.Tool == t.id }) {
			continue
		}
		for _, file := range t.linuxFiles {
			if _, err := p.ReadFileHead(file, 1); err == nil {
				f.tool(t.id).Installed = true
				break
			}
		}
	}
	if len(f.Tools) > 0 {
		readAutostart(p, f, systemdWants, func(t toolInfo) []string { return t.units })
	}
}

// remotePortOpen reports whether some program listens on a remote-desktop
// port (VNC 5900–5909, RDP 3389) on an address other computers reach.
// Without ss (an evidence bundle recorded before this was read) nothing is
// known and nothing is noted; another failure is noted in the facts. The
// process list stays the main source: this only catches a server the
// catalogue does not name.
func remotePortOpen(ctx context.Context, p probe.Probe, f *facts) bool {
	socks, err := runSockets(ctx, p, parseSS, probe.CmdSs, "-tln")
	if errors.Is(err, probe.ErrNotFound) {
		return false
	}
	if err != nil {
		f.addError("listening sockets", err)
		return false
	}
	return slices.ContainsFunc(socks, func(s socket) bool { return s.openRemotePort() != "" })
}

// needSockets reports whether a tool that listens for connections (not
// one that reaches out through its vendor's servers) runs or is turned on.
func needSockets(f *facts) bool {
	for _, t := range f.Tools {
		if !info(t.Tool).relay && (t.Running || t.Enabled == yes || t.Enabled == unknown) {
			return true
		}
	}
	return false
}

// readSockets runs a socket-listing command and parses its output; a
// failure is noted in the facts.
func readSockets(ctx context.Context, p probe.Probe, f *facts, parse func([]byte) ([]socket, error), name probe.Command, args ...string) ([]socket, bool) {
	socks, err := runSockets(ctx, p, parse, name, args...)
	if err != nil {
		f.addError("sockets", err)
		return nil, false
	}
	f.SocketsRead = true
	return socks, true
}

// runSockets runs a socket-listing command and parses its output.
func runSockets(ctx context.Context, p probe.Probe, parse func([]byte) ([]socket, error), name probe.Command, args ...string) ([]socket, error) {
	out, err := p.Run(ctx, name, args...)
	if err == nil && out.ExitCode != 0 {
		err = fmt.Errorf("%s exit status %d", name, out.ExitCode)
	}
	if err != nil {
		return nil, err
	}
	return parse(out.Stdout)
}

// runningTools marks the known tools the process list shows running and
// returns the process ids of each.
func runningTools(p probe.Probe, f *facts, goos string) map[string][]int {
	procs, err := p.Processes()
	if err != nil {
		f.addError("process list", err)
		return nil
	}
	f.ProcessListRead = true
	pids := map[string][]int{}
	// Names and program paths, and the first argument of the processes
	// argsRead keeps in an evidence bundle, so replay reads what the live
	// run read.
	for _, pr := range procs {
		if id := classifyProcess(goos, pr.Name, pr.Exe); id != "" {
			t := f.tool(id)
			t.Running = true
			if info(id).session || sessionProcess(id, goos, pr.Name, pr.Exe, pr.Args()) {
				t.Connected = yes
			}
			pids[id] = append(pids[id], int(pr.PID))
		}
	}
	return pids
}

// judgeSockets sets where each running tool listens and whether someone
// is connected through it, from sockets whose owners were read (`ss -p`):
// a connection on a port the tool listens on, or a server's connection to
// another computer (a reverse connection to a listening viewer). A
// listening remote-desktop port whose owner could not be seen is kept as
// an unowned listener.
func judgeSockets(f *facts, socks []socket, pids map[string][]int) {
	ownerTool := func(o owner) string {
		for id, list := range pids {
			if slices.Contains(list, o.PID) {
				return id
			}
		}
		return classifyProcess("linux", o.Name, "")
	}
	type key struct {
		tool string
		port int
	}
	listening := map[key]bool{}
	unowned := false
	for _, s := range socks {
		if !s.Listen {
			continue
		}
		if len(s.Owners) == 0 {
			unowned = true
			if k := s.openRemotePort(); k != "" && !slices.Contains(f.UnownedListeners, k) {
				f.UnownedListeners = append(f.UnownedListeners, k)
				f.Errors = append(f.Errors, "program listening on port "+strconv.Itoa(s.LocalPort)+": not visible without root")
			}
			continue
		}
		for _, o := range s.Owners {
			id := ownerTool(o)
			if id == "" {
				other := otherListener{Program: o.Name, Kind: s.openRemotePort(), Port: s.LocalPort}
				if other.Kind != "" && !slices.Contains(f.OtherListeners, other) {
					f.OtherListeners = append(f.OtherListeners, other)
				}
				continue
			}
			t := f.tool(id)
			t.Running = true
			if t.Listening != network {
				t.Listening = s.Reach()
			}
			listening[key{id, s.LocalPort}] = true
		}
	}
	// Someone is connected through a tool when it holds a connection on a
	// port it listens on, or, for a server that does not reach out through
	// its vendor, any connection to another computer: a VNC server
	// connects out to a viewer that listens (x11vnc -connect, TigerVNC's
	// vncconfig -connect), and the viewer watches through that.
	unownedOut := false
	for _, s := range socks {
		if !s.Established {
			continue
		}
		if len(s.Owners) == 0 && s.PeerRemote() {
			unownedOut = true
		}
		for _, o := range s.Owners {
			id := ownerTool(o)
			if id != "" && (listening[key{id, s.LocalPort}] || !info(id).relay && s.PeerRemote()) {
				t := f.tool(id)
				t.Running, t.Connected = true, yes
			}
		}
	}
	// A running server that holds no listening socket listens nowhere,
	// unless some sockets' owners could not be seen: it may be one of them.
	// A server that may connect out (not a desktop's idle sharing service)
	// may then also hold one of the connections whose owner is hidden.
	for i := range f.Tools {
		t := &f.Tools[i]
		if !t.Running || info(t.Tool).relay || t.Listening != "" {
			continue
		}
		connected := no
		switch {
		case t.Connected == yes:
			connected = yes
		case unowned:
			connected = unknown
		case unownedOut && !info(t.Tool).idle:
			connected = unknown
			f.Errors = append(f.Errors, displayName(t.Tool)+"'s connections: programs holding connections to other computers not visible without root")
		}
		t.Listening, t.Connected = none, connected
		if unowned {
			t.Listening = unknown
		}
	}
	for i := range f.Tools {
		if t := &f.Tools[i]; t.Listening != "" && t.Listening != unknown && t.Connected == "" {
			t.Connected = no
		}
	}
}

// readAutostart lists the folders whose entries make a program start by
// itself (systemd wants, launchd plists) and marks each known tool that
// is found or was seen: Enabled yes or no, unknown when a folder could
// not be listed.
func readAutostart(p probe.Probe, f *facts, dirs []string, field func(toolInfo) []string) {
	var names []string
	readAll := true
	for _, d := range dirs {
		list, err := p.ReadDir(d)
		switch {
		case err == nil:
			names = append(names, list...)
		case errors.Is(err, probe.ErrNotFound):
		default:
			readAll = false
			f.addError("start-up items", err)
		}
	}
	for _, n := range names {
		if id := unitTool(n, field); id != "" {
			f.tool(id).Enabled = yes
		}
	}
	for i := range f.Tools {
		t := &f.Tools[i]
		if t.Enabled != "" || len(field(info(t.Tool))) == 0 {
			continue
		}
		t.Enabled = no
		if !readAll {
			t.Enabled = unknown
		}
	}
}
