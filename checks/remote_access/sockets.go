package remoteaccess

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// errUnrecognised marks output whose shape is not the one expected: the
// state is then unknown, never pass.
var errUnrecognised = errors.New("output not recognised")

// socket is one TCP socket: its state, its local and peer ends, and the
// programs that hold it (only when they could be seen).
type socket struct {
	// Listen is true for a listening socket, Established for a connected
	// one; other states (TIME-WAIT, SYN-SENT…) are neither.
	Listen, Established bool
	LocalAddr           string
	LocalPort           int
	// PeerAddr is the other end's address (of a connected socket).
	PeerAddr string
	Owners   []owner
}

// owner is a program holding a socket: its name (the kernel's, cut to 15
// bytes on Linux) and process id.
type owner struct {
	Name string
	PID  int
}

// Reach is where a listening socket can be reached from: Network or
// Loopback.
func (s socket) Reach() string {
	return addrReach(s.LocalAddr)
}

// PeerRemote reports whether a connected socket's other end is another
// computer (not this one's loopback).
func (s socket) PeerRemote() bool {
	return s.Established && s.PeerAddr != "" && addrReach(s.PeerAddr) == network
}

// addrReach is Loopback for an address of this computer's loopback, else
// Network.
func addrReach(addr string) string {
	a := strings.Trim(strings.ToLower(addr), "[]")
	if i := strings.IndexByte(a, '%'); i >= 0 {
		if strings.HasPrefix(a[i:], "%lo") {
			return loopback
		}
		a = a[:i]
	}
	a = strings.TrimPrefix(a, "::ffff:")
	if strings.HasPrefix(a, "127.") || a == "::1" || a == "localhost" {
		return loopback
	}
	return network
}

var ssUsers = regexp.MustCompile(`\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)`)

// parseSS reads `ss -tanp` (or -ltnp, -tuanp) output run with LC_ALL=C:
// a header line (State… or Netid State…) and one line per socket, the
// owning programs in users:((…)) when they could be seen. Output without
// that header is not recognised.
func parseSS(b []byte) ([]socket, error) {
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	if len(lines) == 0 || !(strings.HasPrefix(lines[0], "State") || strings.HasPrefix(lines[0], "Netid")) {
		return nil, fmt.Errorf("ss: %w", errUnrecognised)
	}
	netid := strings.HasPrefix(lines[0], "Netid")
	var out []socket
	for _, line := range lines[1:] {
		users := ""
		if i := strings.Index(line, "users:("); i >= 0 {
			line, users = line[:i], line[i:]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if netid {
			if f[0] != "tcp" {
				continue
			}
			f = f[1:]
		}
		if len(f) < 5 {
			return nil, fmt.Errorf("ss line %q: %w", line, errUnrecognised)
		}
		addr, port, ok := splitHostPort(f[3], ':')
		if !ok {
			return nil, fmt.Errorf("ss local address %q: %w", f[3], errUnrecognised)
		}
		s := socket{Listen: f[0] == "LISTEN", Established: f[0] == "ESTAB", LocalAddr: addr, LocalPort: port}
		if peer, _, ok := splitHostPort(f[4], ':'); ok {
			s.PeerAddr = peer
		}
		for _, m := range ssUsers.FindAllStringSubmatch(users, -1) {
			pid, _ := strconv.Atoi(m[2])
			s.Owners = append(s.Owners, owner{Name: strings.ReplaceAll(m[1], `\"`, `"`), PID: pid})
		}
		out = append(out, s)
	}
	return out, nil
}

// splitHostPort splits "addr<sep>port" at the last sep; port "*" is 0.
func splitHostPort(s string, sep byte) (string, int, bool) {
	i := strings.LastIndexByte(s, sep)
	if i < 0 {
		return "", 0, false
	}
	if s[i+1:] == "*" {
		return s[:i], 0, true
	}
	port, err := strconv.Atoi(s[i+1:])
	if err != nil || port < 0 || port > 65535 {
		return "", 0, false
	}
	return s[:i], port, true
}

// parseNetstat reads macOS `netstat -an -p tcp`: "Active Internet
// connections", a Proto… header, and one line per socket with the port
// after the address's last dot and the state last. macOS netstat does
// not name the owning programs.
func parseNetstat(b []byte) ([]socket, error) {
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	if !strings.Contains(text, "Proto") || !strings.Contains(text, "Local Address") {
		return nil, fmt.Errorf("netstat: %w", errUnrecognised)
	}
	var out []socket
	for line := range strings.Lines(text) {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasPrefix(f[0], "tcp") {
			continue
		}
		addr, port, ok := splitHostPort(f[3], '.')
		if !ok {
			return nil, fmt.Errorf("netstat local address %q: %w", f[3], errUnrecognised)
		}
		state := f[len(f)-1]
		s := socket{Listen: state == "LISTEN", Established: state == "ESTABLISHED", LocalAddr: addr, LocalPort: port}
		if peer, _, ok := splitHostPort(f[4], '.'); ok {
			s.PeerAddr = peer
		}
		out = append(out, s)
	}
	return out, nil
}

// openRemotePort is the remote-desktop protocol (vnc, rdp) of a socket
// listening on that protocol's port where other computers reach it, or
// "".
func (s socket) openRemotePort() string {
	if !s.Listen || s.Reach() != network {
		return ""
	}
	return remotePortKind(s.LocalPort)
}

// remotePortKind names the remote-desktop protocol a well-known port
// serves: vnc (5900–5909) or rdp (3389), else "".
func remotePortKind(port int) string {
	switch {
	case port >= 5900 && port <= 5909:
		return "vnc"
	case port == 3389:
		return "rdp"
	}
	return ""
}
