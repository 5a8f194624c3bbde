package probe

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/mdns"
)

// These tests browse for real, with hashicorp/mdns responders, inside a
// network namespace of their own: the test binary re-runs itself under
// `unshare -n` (root only), so no packet leaves the namespace. Its only
// interface is lo; the lo-multicast setup gives lo the multicast flag and
// a route for 224.0.0.0/4, which is what an mDNS browse needs.

const mdnsNetnsEnv = "SESSIONGUARD_MDNS_NETNS"

// inMDNSNetns re-runs the calling test in a new network namespace and
// returns false in the parent (which has checked the child passed), or
// true in the child, after preparing lo as setup says: "lo-down" (lo as a
// new namespace has it: down), "lo-up" (up, no multicast flag) or
// "lo-multicast".
func inMDNSNetns(t *testing.T, setup string) bool {
	t.Helper()
	if os.Getenv(mdnsNetnsEnv) != "" {
		prepareLoopback(t, setup)
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test browses inside a network namespace it creates with unshare -n")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare (util-linux) to create a network namespace")
	}
	if setup != "lo-down" && ipCommand() == "" {
		t.Skip("needs ip (iproute2) to configure lo inside the namespace")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, "-n", "--", os.Args[0],
		"-test.run", "^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), mdnsNetnsEnv+"="+setup)
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
	case "lo-down":
	case "lo-up":
		cmds = [][]string{{"link", "set", "lo", "up"}}
	case "lo-multicast":
		cmds = [][]string{
			{"link", "set", "lo", "up"},
			{"link", "set", "lo", "multicast", "on"},
			{"route", "add", "224.0.0.0/4", "dev", "lo"},
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

// startResponder advertises one service instance on lo.
func startResponder(t *testing.T, instance, service string, port int, txt []string) *mdns.Server {
	t.Helper()
	svc, err := mdns.NewMDNSService(instance, service, "local.", "responder.local.", port, []net.IP{net.IPv4(127, 0, 0, 1)}, txt)
	if err != nil {
		t.Fatal(err)
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mdns.NewServer(&mdns.Config{Zone: svc, Iface: lo, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown() })
	return srv
}

func TestMDNSNetnsNoInterfaceUp(t *testing.T) {
	if !inMDNSNetns(t, "lo-down") {
		return
	}
	start := time.Now()
	found, err := browseMDNS(t.Context(), "_googlecast._tcp")
	if !errors.Is(err, ErrUnavailable) || found != nil {
		t.Fatalf("browse with every interface down = %v, %v; want ErrUnavailable", found, err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("took %v; nothing can be sent, so it should return at once", d)
	}
	t.Logf("reason: %v", err)
}

func TestMDNSNetnsNoMulticastFlag(t *testing.T) {
	if !inMDNSNetns(t, "lo-up") {
		return
	}
	found, err := (&Live{}).MDNS(t.Context(), "_googlecast._tcp")
	if !errors.Is(err, ErrUnavailable) || found != nil {
		t.Fatalf("browse on a loopback without multicast = %v, %v; want ErrUnavailable", found, err)
	}
}

func TestMDNSNetnsFindsResponder(t *testing.T) {
	if !inMDNSNetns(t, "lo-multicast") {
		return
	}
	startResponder(t, "Kitchen speaker", "_googlecast._tcp", 8009,
		[]string{"id=e8b58877627a8cea281b68f6f4a17d69", "ve=05", "md=Google Nest Mini", "fn=Kitchen speaker", "ca=198660", "st=0", "nf=1", "rs="})
	startResponder(t, "Living Room", "_airplay._tcp", 7000,
		[]string{"model=AudioAccessory5,1", "protovers=1.1"})

	start := time.Now()
	found, err := New().MDNS(t.Context(), "_googlecast._tcp")
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("browse: %v", err)
	}
	if len(found) != 1 {
		t.Fatalf("found %d instances, want the one Google speaker: %+v", len(found), found)
	}
	got := found[0]
	if got.Name != "Kitchen speaker" || got.Port != 8009 || got.Host != "responder.local" || !slices.Contains(got.TXT, "md=Google Nest Mini") {
		t.Errorf("instance = %+v", got)
	}
	if elapsed < MDNSBrowseTimeout-200*time.Millisecond || elapsed > MDNSBrowseTimeout+time.Second {
		t.Errorf("browse took %v, want about %v", elapsed, MDNSBrowseTimeout)
	}

	air, err := New().MDNS(t.Context(), "_airplay._tcp.")
	if err != nil || len(air) != 1 || air[0].Name != "Living Room" || !slices.Contains(air[0].TXT, "model=AudioAccessory5,1") {
		t.Errorf("airplay browse = %+v, %v", air, err)
	}
	none, err := New().MDNS(t.Context(), "_amzn-wplay._tcp")
	if err != nil || len(none) != 0 {
		t.Errorf("browse for a type nobody offers = %+v, %v; want nothing, no error", none, err)
	}
}

func TestMDNSNetnsHonoursDeadline(t *testing.T) {
	if !inMDNSNetns(t, "lo-multicast") {
		return
	}
	startResponder(t, "Kitchen speaker", "_googlecast._tcp", 8009, []string{"md=Google Nest Mini"})
	ctx, cancel := context.WithTimeout(t.Context(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	found, err := New().MDNS(ctx, "_googlecast._tcp")
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("a 400 ms context took %v", d)
	}
	if err != nil || len(found) != 1 {
		t.Errorf("found = %+v, %v; a responder on lo answers within 400 ms", found, err)
	}

	ctx2, cancel2 := context.WithCancel(t.Context())
	time.AfterFunc(200*time.Millisecond, cancel2)
	start = time.Now()
	_, err = New().MDNS(ctx2, "_googlecast._tcp")
	if d := time.Since(start); d > 700*time.Millisecond {
		t.Errorf("a context cancelled after 200 ms took %v", d)
	}
	if err == nil {
		t.Errorf("a cancelled browse returned no error")
	}
}
