package live

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/internal/netnstest"
	"github.com/sessionguard/sessionguard/internal/proctest"
	"github.com/sessionguard/sessionguard/internal/reuseport"
)

// TestMDNSListenNetnsHearsAnnouncementsAndGoodbyes listens inside a network
// namespace with a veth pair while a responder announces a speaker, on
// IPv4 and on IPv6 in turn, then says goodbye: each reaches the listener
// without any query sent. Another program holds port 5353 first (as
// avahi would), and the responder shares the port too.
func TestMDNSListenNetnsHearsAnnouncementsAndGoodbyes(t *testing.T) {
	if !inMDNSNetns(t, netnstest.LoVeth) {
		return
	}
	// A resident responder's sockets, bound as avahi binds them (the
	// wildcard address, SO_REUSEADDR and SO_REUSEPORT): the listener must
	// bind beside them, and take none of the unicast datagrams to port
	// 5353 meant for them.
	lc := net.ListenConfig{Control: reuseport.Control}
	resident4, err := lc.ListenPacket(t.Context(), "udp4", "0.0.0.0:5353")
	if err != nil {
		t.Fatal(err)
	}
	defer resident4.Close()
	resident6, err := lc.ListenPacket(t.Context(), "udp6", "[::]:5353")
	if err != nil {
		t.Fatal(err)
	}
	defer resident6.Close()

	heard := make(chan probe.MDNSAnnouncement, 256)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- New().ListenMDNS(ctx, []string{"_googlecast._tcp", "_airplay._tcp"}, func(a probe.MDNSAnnouncement) { heard <- a })
	}()

	for _, tc := range []struct {
		family, name string
		ip           net.IP
	}{
		{"udp4", "Kitchen speaker", net.ParseIP("192.0.2.2")},
		{"udp6", "Hall speaker", net.ParseIP("fe80::2")},
	} {
		t.Run(tc.family, func(t *testing.T) {
			txt := []string{"md=Google Nest Mini", "fn=" + tc.name}
			speaker := netnstest.NewAnnouncer(t, netnstest.VethB, tc.family, tc.name, "_googlecast._tcp", "speaker.local.", tc.ip, 8009, txt)
			other := netnstest.NewAnnouncer(t, netnstest.VethB, tc.family, "Printer", "_ipp._tcp", "printer.local.", tc.ip, 631, []string{"ty=Laser"})
			// The listener may not have joined yet: announce until heard,
			// as a responder repeats its announcement (RFC 6762 §8.3).
			got := waitHeard(t, heard, tc.name, false, func() { other.Announce(120); speaker.Announce(120) })
			if got.Service != "_googlecast._tcp" || got.TTL != 120*time.Second || got.Instance.Port != 8009 ||
				got.Instance.Host != "speaker.local" || !slices.Equal(got.Instance.TXT, txt) {
				t.Errorf("heard %+v", got)
			}
			waitHeard(t, heard, tc.name, true, speaker.Goodbye)
		})
	}
	for len(heard) > 0 {
		if a := <-heard; a.Service != "_googlecast._tcp" {
			t.Errorf("heard an announcement of a type not listened for: %+v", a)
		}
	}
	// The listener is running (it heard both families): unicast to port
	// 5353 still reaches the resident, every datagram.
	for _, r := range []struct {
		conn net.PacketConn
		to   string
	}{{resident4, "192.0.2.1:5353"}, {resident6, "[fe80::1%" + netnstest.VethA + "]:5353"}} {
		if got := unicastReceived(t, r.conn, r.to, 20); got != 20 {
			t.Errorf("%s: the resident received %d of 20 unicast datagrams; the listener took the rest", r.to, got)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenMDNS: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("ListenMDNS did not return when its context ended")
	}
}

// waitHeard calls send every 100 ms until the listener hears instance
// (a goodbye, or an announcement), for at most 5 s.
func waitHeard(t *testing.T, heard <-chan probe.MDNSAnnouncement, instance string, goodbye bool, send func()) probe.MDNSAnnouncement {
	t.Helper()
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	send()
	for {
		select {
		case a := <-heard:
			if a.Service != "_googlecast._tcp" {
				t.Errorf("heard an announcement of a type not listened for: %+v", a)
			}
			if a.Instance.Name == instance && a.Goodbye() == goodbye {
				return a
			}
		case <-tick.C:
			send()
		case <-deadline:
			t.Fatalf("%s (goodbye %v) not heard within 5 s", instance, goodbye)
		}
	}
}

func TestMDNSListenNetnsNoInterface(t *testing.T) {
	if !inMDNSNetns(t, netnstest.LoUp) {
		return
	}
	err := New().ListenMDNS(t.Context(), []string{"_googlecast._tcp"}, func(probe.MDNSAnnouncement) {})
	if !errors.Is(err, probe.ErrUnavailable) {
		t.Fatalf("listening with no multicast interface = %v, want ErrUnavailable", err)
	}
}

// unicastReceived sends n datagrams to addr from an ephemeral port and
// counts how many conn receives within a second.
func unicastReceived(t *testing.T, conn net.PacketConn, addr string, n int) int {
	t.Helper()
	sendUnicast(t, addr, n)
	got := 0
	buf := make([]byte, mdnsMaxPacket)
	conn.SetReadDeadline(time.Now().Add(time.Second))
	for got < n {
		k, _, err := conn.ReadFrom(buf)
		if err != nil {
			break
		}
		if string(buf[:k]) == "unicast" { // not the announcements it also gets
			got++
		}
	}
	return got
}

// rebindChildEnv makes the test binary, run again by
// TestMDNSListenNetnsResponderRebindsAsAnotherUser, the restarted
// responder.
const rebindChildEnv = "SG_TEST_MDNS_REBIND_CHILD"

// TestMDNSListenNetnsResponderRebindsAsAnotherUser is a responder
// restarting while the agent listens: avahi (like mDNSResponder on a Mac)
// runs as its own user and binds *:5353 afresh. The agent's sockets, bound
// by root to the groups, must not refuse that bind, and the unicast
// datagrams to port 5353 must all go to the responder again.
func TestMDNSListenNetnsResponderRebindsAsAnotherUser(t *testing.T) {
	if os.Getenv(rebindChildEnv) != "" {
		t.Skip("the responder's half, run by the parent test")
	}
	if !inMDNSNetns(t, netnstest.LoVeth) {
		return
	}
	ifaces, err := multicastInterfaces()
	if err != nil || len(ifaces) == 0 {
		t.Fatalf("interfaces: %v %v", ifaces, err)
	}
	for _, family := range []string{"udp4", "udp6"} {
		for _, s := range mdnsSockets("linux", family, ifaces) {
			c, err := joinMDNSGroup(t.Context(), family, s.addr, s.ifaces)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
		}
	}

	// The test binary, where user nobody can run it.
	dir, err := os.MkdirTemp("", "sg-rebind-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil { //nolint:gosec // run by another user
		t.Fatal(err)
	}
	cmd := proctest.TestAsNobody(t, dir, t.Name()+"Child", rebindChildEnv+"=1")
	cmd.Args = append(cmd.Args, "-test.v")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A responder that never says it is bound is killed after 20 s.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	defer context.AfterFunc(ctx, func() { _ = cmd.Process.Kill() })()
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if sc.Text() == "rebind: bound" {
			break
		}
	}
	if len(lines) == 0 || lines[len(lines)-1] != "rebind: bound" {
		cmd.Wait()
		t.Fatalf("the responder could not bind beside the listener:\n%s", strings.Join(lines, "\n"))
	}
	sendUnicast(t, "192.0.2.1:5353", 20)
	sendUnicast(t, "[fe80::1%"+netnstest.VethA+"]:5353", 20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("responder: %v\n%s", err, strings.Join(lines, "\n"))
	}
	t.Logf("the responder (uid 65534):\n%s", strings.Join(lines, "\n"))
	for _, want := range []string{"rebind: udp4 20", "rebind: udp6 20"} {
		if !slices.Contains(lines, want) {
			t.Errorf("want %q from the responder; it said:\n%s", want, strings.Join(lines, "\n"))
		}
	}
}

// TestMDNSListenNetnsResponderRebindsAsAnotherUserChild is the restarted
// responder: as user nobody it binds *:5353 on both families as avahi
// does, says so, and counts the unicast datagrams it receives in 2 s.
func TestMDNSListenNetnsResponderRebindsAsAnotherUserChild(t *testing.T) {
	if os.Getenv(rebindChildEnv) == "" {
		t.Skip("run by TestMDNSListenNetnsResponderRebindsAsAnotherUser")
	}
	lc := net.ListenConfig{Control: reuseport.Control}
	conns := map[string]net.PacketConn{}
	for family, addr := range map[string]string{"udp4": "0.0.0.0:5353", "udp6": "[::]:5353"} {
		c, err := lc.ListenPacket(t.Context(), family, addr)
		if err != nil {
			fmt.Printf("rebind: %s as uid %d: %v\n", addr, os.Getuid(), err)
			t.FailNow()
		}
		defer c.Close()
		conns[family] = c
	}
	fmt.Println("rebind: bound")
	var wg sync.WaitGroup
	for family, c := range conns {
		wg.Go(func() {
			got := 0
			buf := make([]byte, 64)
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			for got < 20 {
				n, _, err := c.ReadFrom(buf)
				if err != nil {
					break
				}
				if string(buf[:n]) == "unicast" {
					got++
				}
			}
			fmt.Printf("rebind: %s %d\n", family, got)
		})
	}
	wg.Wait()
}

// sendUnicast sends n datagrams saying "unicast" to addr from an
// ephemeral port.
func sendUnicast(t *testing.T, addr string, n int) {
	t.Helper()
	to, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	out, err := net.ListenUDP("udp", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	for range n {
		if _, err := out.WriteTo([]byte("unicast"), to); err != nil {
			t.Fatal(err)
		}
	}
}
