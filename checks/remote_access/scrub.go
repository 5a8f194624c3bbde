package remoteaccess

import (
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// Stand-in addresses (documentation ranges): still reachable from the
// network to the check, and nobody's address.
const (
	standInV4 = "192.0.2.1"
	standInV6 = "2001:db8::1"
)

// scrub keeps addresses and account names out of an evidence bundle: in
// `ss` and `netstat` output every local and peer address that is neither a
// wildcard nor loopback becomes a documentation address (so where a tool
// listens still reads as network or loopback), and in `qwinsta` the user
// name column becomes a pseudonym. Anything else is returned unchanged.
func scrub(name string, args []string, out []byte) []byte {
	switch evidence.CommandBase(name) {
	case "ss":
		return scrubLines(out, func(line string) string {
			users := ""
			if i := strings.Index(line, "users:("); i >= 0 {
				line, users = line[:i], line[i:]
			}
			f := strings.Fields(line)
			first := 3
			if len(f) > 0 && (f[0] == "tcp" || f[0] == "udp") {
				first = 4
			}
			if len(f) < first+2 || f[0] == "State" || f[0] == "Netid" {
				return strings.Join(append(f, users), " ")
			}
			f[first], f[first+1] = scrubAddr(f[first], ':'), scrubAddr(f[first+1], ':')
			return strings.TrimSpace(strings.Join(f, " ") + " " + users)
		})
	case "netstat":
		return scrubLines(out, func(line string) string {
			f := strings.Fields(line)
			if len(f) < 6 || !strings.HasPrefix(f[0], "tcp") && !strings.HasPrefix(f[0], "udp") {
				return line
			}
			f[3], f[4] = scrubAddr(f[3], '.'), scrubAddr(f[4], '.')
			return strings.Join(f, " ")
		})
	case "qwinsta":
		return scrubLines(out, scrubSessionLine)
	}
	return out
}

func scrubLines(out []byte, fn func(string) string) []byte {
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		cr := strings.HasSuffix(l, "\r")
		l = fn(strings.TrimSuffix(l, "\r"))
		if cr {
			l += "\r"
		}
		lines[i] = l
	}
	return []byte(strings.Join(lines, "\n"))
}

// scrubAddr replaces the address in "addr<sep>port" unless it is a
// wildcard or loopback.
func scrubAddr(s string, sep byte) string {
	i := strings.LastIndexByte(s, sep)
	if i < 0 {
		return s
	}
	host, port := s[:i], s[i:]
	bare := strings.Trim(host, "[]")
	if j := strings.IndexByte(bare, '%'); j >= 0 {
		bare = bare[:j]
	}
	switch bare {
	case "*", "0.0.0.0", "::", "":
		return s
	}
	if (socket{LocalAddr: host}).Reach() == loopback {
		return s
	}
	if strings.Contains(bare, ":") {
		if strings.HasPrefix(host, "[") {
			return "[" + standInV6 + "]" + port
		}
		return standInV6 + port
	}
	return standInV4 + port
}

// scrubSessionLine replaces the user name of a qwinsta row: the words
// between the session name (blank for a disconnected session) and the id.
func scrubSessionLine(line string) string {
	if len(line) < 2 {
		return line
	}
	lead, rest := line[:1], line[1:]
	f := strings.Fields(rest)
	id := -1
	for i, w := range f {
		if w != "" && strings.Trim(w, "0123456789") == "" {
			id = i
			break
		}
	}
	start := 1
	if strings.HasPrefix(rest, " ") {
		start = 0 // no session name
	}
	if id <= start {
		return line
	}
	user := strings.Join(f[start:id], " ")
	f = append(append(f[:start:start], evidence.Pseudonym("user", user)), f[id:]...)
	return lead + strings.Join(f, "  ")
}
