// Package netnstest is for tests only: it lets a Linux test run part of
// itself inside a network namespace of its own, by re-executing the test
// binary under `unshare -n` (root only), so nothing it sends or changes
// reaches the host's network. Tests that cannot do that (not root, no
// unshare) are skipped with a message that says why.
package netnstest

import (
	"context"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/mdns"
)

// How InLoopbackNetns prepares lo, the only interface of a new namespace.
const (
	// LoDown leaves lo as a new namespace has it: down.
	LoDown = "lo-down"
	// LoUp brings lo up, without the multicast flag.
	LoUp = "lo-up"
	// LoMulticast brings lo up with the multicast flag and a route for
	// 224.0.0.0/4, which is what an mDNS browse needs.
	LoMulticast = "lo-multicast"
	// LoVeth is LoMulticast plus a veth pair, VethA and VethB, with IPv4
	// (192.0.2.1 and .2/24) and IPv6 link-local addresses (fe80::1 and ::2,
	// without duplicate address detection): lo carries no IPv6 multicast,
	// a veth pair carries both families. The namespace has a mount
	// namespace of its own too.
	LoVeth = "lo-veth"
)

// The veth pair LoVeth makes.
const (
	VethA = "sg0"
	VethB = "sg1"
)

// Unshare returns the path of unshare, or skips t when it cannot create a
// network namespace: on an OS other than Linux, when not root ("needs root:
// " and why), or when unshare (util-linux) is not installed.
func Unshare(t testing.TB, why string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("network namespaces are Linux only")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: " + why)
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare (util-linux) to create a network namespace")
	}
	return unshare
}

// Command returns a command that runs this test binary again, verbosely and
// once, under `unshare` (from Unshare) in a new network namespace, running
// only the tests that match run (a -test.run pattern), with env ("KEY=value")
// added to this process's environment.
func Command(ctx context.Context, unshare, run string, env ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, unshare, "-n", "--", os.Args[0],
		"-test.run", run, "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// InLoopbackNetns runs the calling test again in a new network namespace
// whose lo is prepared as setup says (LoDown, LoUp or LoMulticast). In that
// child, marked by the environment variable env, it prepares lo and returns
// true: the test goes on. In the parent it returns false once it has checked
// that the child passed, after skipping t as Unshare does (why is what needs
// root), when ip (iproute2) is missing for a setup that needs it, or when
// the namespace cannot be created here.
func InLoopbackNetns(t *testing.T, env, setup, why string) bool {
	t.Helper()
	if os.Getenv(env) != "" {
		prepareLoopback(t, setup)
		return true
	}
	unshare := Unshare(t, why)
	if setup != LoDown && ipCommand() == "" {
		t.Skip("needs ip (iproute2) to configure lo inside the namespace")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := Command(ctx, unshare, "^"+t.Name()+"$", env+"="+setup)
	if setup == LoVeth {
		// A mount namespace too (private, unshare's default), so the test
		// can mount over configuration a daemon reads (StartAvahi).
		cmd.Args = slices.Insert(cmd.Args, 1, "-m")
	}
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(out), "unshare failed") {
		t.Skipf("cannot create a network namespace here: %s", strings.TrimSpace(string(out)))
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in the namespace: %v\n%s", err, out)
	}
	t.Logf("in the namespace:\n%s", out)
	return false
}

func ipCommand() string {
	for _, p := range []string{"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// prepareLoopback checks that lo is the only interface here (so this is an
// isolated namespace) and sets it up as setup says.
func prepareLoopback(t *testing.T, setup string) {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifi := range ifaces {
		if ifi.Name != "lo" {
			t.Fatalf("not an isolated namespace: interface %s is here", ifi.Name)
		}
	}
	var cmds [][]string
	switch setup {
	case LoDown:
	case LoUp:
		cmds = [][]string{{"link", "set", "lo", "up"}}
	case LoMulticast:
		cmds = [][]string{
			{"link", "set", "lo", "up"},
			{"link", "set", "lo", "multicast", "on"},
			{"route", "add", "224.0.0.0/4", "dev", "lo"},
		}
	case LoVeth:
		cmds = [][]string{
			{"link", "set", "lo", "up"},
			{"link", "set", "lo", "multicast", "on"},
			{"route", "add", "224.0.0.0/4", "dev", "lo"},
			{"link", "add", VethA, "type", "veth", "peer", "name", VethB},
			{"addr", "add", "192.0.2.1/24", "dev", VethA},
			{"addr", "add", "192.0.2.2/24", "dev", VethB},
			{"-6", "addr", "add", "fe80::1/64", "dev", VethA, "nodad"},
			{"-6", "addr", "add", "fe80::2/64", "dev", VethB, "nodad"},
			{"link", "set", VethA, "up"},
			{"link", "set", VethB, "up"},
		}
	default:
		t.Fatalf("unknown setup %q", setup)
	}
	for _, args := range cmds {
		if out, err := exec.Command(ipCommand(), args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
}

// StartMDNSResponder advertises one service instance of host (e.g.
// "speaker.local.") at 127.0.0.1 on lo, with hashicorp/mdns, until the test
// ends or the caller shuts it down. Use it inside a namespace prepared with
// LoMulticast.
func StartMDNSResponder(t testing.TB, instance, service, host string, port int, txt []string) *mdns.Server {
	t.Helper()
	zone, err := mdns.NewMDNSService(instance, service, "local.", host, port, []net.IP{net.IPv4(127, 0, 0, 1)}, txt)
	if err != nil {
		t.Fatal(err)
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mdns.NewServer(&mdns.Config{Zone: zone, Iface: lo, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown() })
	return srv
}
