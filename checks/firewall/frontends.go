package firewall

import (
	"bytes"
	"fmt"
	"strings"
)

// ufwStatus is what `ufw status verbose` said.
type ufwStatus struct {
	Active bool
	// DefaultIncoming is the default policy for incoming traffic ("deny",
	// "reject", "allow"), empty when not shown (inactive).
	DefaultIncoming string
	// NeedsRoot is true when ufw refused to run without root.
	NeedsRoot bool
}

// parseUFWStatus reads `ufw status verbose` (run with LC_ALL=C).
func parseUFWStatus(stdout, stderr []byte) (ufwStatus, error) {
	var s ufwStatus
	all := string(stdout) + "\n" + string(stderr)
	if strings.Contains(all, "You need to be root") {
		s.NeedsRoot = true
		return s, nil
	}
	seen := false
	for _, line := range strings.Split(all, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "Status: active":
			s.Active, seen = true, true
		case line == "Status: inactive":
			seen = true
		case strings.HasPrefix(line, "Default:"):
			for _, part := range strings.Split(strings.TrimPrefix(line, "Default:"), ",") {
				part = strings.TrimSpace(part)
				if v, ok := strings.CutSuffix(part, "(incoming)"); ok {
					s.DefaultIncoming = strings.TrimSpace(v)
				}
			}
		}
	}
	if !seen {
		return s, fmt.Errorf("ufw status: %w: %q", errUnrecognised, firstLine(all))
	}
	return s, nil
}

// Exit status of firewall-cmd when firewalld is not running.
const firewalldNotRunningExit = 252

// parseFirewalldState reads `firewall-cmd --state`: "running" on stdout with
// exit status 0, or "not running" on stderr with exit status 252. It
// returns whether firewalld runs.
func parseFirewalldState(stdout, stderr []byte, exitCode int) (bool, error) {
	out := strings.TrimSpace(string(stdout))
	errText := strings.TrimSpace(string(stderr))
	switch {
	case exitCode == 0 && out == "running":
		return true, nil
	case exitCode == firewalldNotRunningExit && (errText == "not running" || out == "not running"):
		return false, nil
	}
	return false, fmt.Errorf("firewall-cmd --state: %w (exit status %d): %q", errUnrecognised, exitCode, firstLine(out+"\n"+errText))
}

// nftDenied reports whether nft failed for lack of privileges.
func nftDenied(stderr []byte) bool {
	return bytes.Contains(stderr, []byte("Operation not permitted")) || bytes.Contains(stderr, []byte("Permission denied"))
}

// iptablesDenied reports whether iptables failed for lack of privileges.
func iptablesDenied(stderr []byte) bool {
	return bytes.Contains(stderr, []byte("Permission denied")) || bytes.Contains(stderr, []byte("must be root"))
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:120]
	}
	return strings.TrimSpace(s)
}
