//go:build linux || darwin

package live

import (
	"strings"
	"testing"
)

// bindMDNS is shared by Linux and macOS: it binds a group address or
// nothing. The wildcard, a unicast address or a family mismatch would
// share unicast port 5353 with the system's responder or bind the wrong
// thing, so each is refused before a socket is made.
func TestBindMDNSRefusesAllButAGroup(t *testing.T) {
	for _, tc := range []struct{ family, addr, want string }{
		{"udp4", "0.0.0.0:5353", "not a multicast group"},
		{"udp6", "[::]:5353", "not a multicast group"},
		{"udp4", "127.0.0.1:5353", "not a multicast group"},
		{"udp6", "[fe80::1%lo]:5353", "not a multicast group"},
		{"udp6", "224.0.0.251:5353", "not a udp6 address"},
		{"udp4", "[ff02::fb%lo]:5353", "not a udp4 address"},
		{"udp6", "[ff02::fb%no-such-if0]:5353", "no such network interface"},
		{"udp4", "224.0.0.251", "not an ip:port"},
	} {
		c, err := bindMDNS(t.Context(), tc.family, tc.addr)
		if err == nil {
			c.Close()
			t.Errorf("%s %s bound, want refused", tc.family, tc.addr)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: %v, want %q", tc.family, tc.addr, err, tc.want)
		}
	}
}
