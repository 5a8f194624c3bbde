package live

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/internal/netnstest"
)

// These tests put the browsing agent and a speaker in two network
// namespaces joined by a veth pair, as a laptop and a speaker on one Wi-Fi
// network: the test's own namespace (see inMDNSNetns) holds the agent's
// end, farLink, which carries the default route; a second namespace,
// created with unshare -n -m by TestMDNSFarSpeakerHelper, holds the other
// end and an avahi-daemon publishing a Google Nest Mini. Both namespaces
// end with the test.

const (
	farEnv   = "SESSIONGUARD_MDNS_FAR_SPEAKER"
	farReady = "far speaker ready"
	farStart = "far speaker namespace made"
	nearLink = "sgnear"
	farLink  = "sgfar"
)

// ufwLikeRules is a stateful host firewall as ufw and firewalld set one up
// by default: inbound dropped unless it is loopback, belongs to a flow this
// host started (conntrack), or is mDNS sent to the group.
const ufwLikeRules = `table inet sgtest {
	chain input {
		type filter hook input priority 0; policy drop;
		iifname "lo" accept
		ct state related,established accept
		ip daddr 224.0.0.251 udp dport 5353 accept
		ip6 daddr ff02::fb udp dport 5353 accept
	}
}
`

// TestMDNSFarSpeakerHelper is the speaker's side: it runs only in the
// namespace startFarSpeaker makes: it says farStart, takes farLink once it
// is moved in,
// publishes the speaker with avahi, says farReady and waits for its
// standard input to close.
func TestMDNSFarSpeakerHelper(t *testing.T) {
	if os.Getenv(farEnv) == "" {
		t.Skip("the speaker's side of the two-namespace tests; they run it")
	}
	fmt.Println(farStart)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := net.InterfaceByName(farLink); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never arrived in this namespace", farLink)
		}
		time.Sleep(10 * time.Millisecond)
	}
	runIP(t, "link", "set", "lo", "up")
	runIP(t, "addr", "add", "192.0.2.2/24", "dev", farLink)
	runIP(t, "link", "set", farLink, "up")
	netnstest.StartAvahi(t, farLink, "udp4", `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group><name>Kitchen speaker</name><service><type>_googlecast._tcp</type><port>8009</port>
<txt-record>md=Google Nest Mini</txt-record><txt-record>fn=Kitchen</txt-record></service></service-group>`)
	fmt.Println(farReady)
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
	}
}

func runIP(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// startFarSpeaker makes the veth pair, starts the speaker's namespace
// with the far end in it, gives the near end 192.0.2.1/24 and the default
// route, and returns once avahi has published the speaker and announced
// it (so no announcement falls in a browse: what a browse finds answered
// its query).
func startFarSpeaker(t *testing.T) {
	t.Helper()
	netnstest.NeedAvahi(t)
	runIP(t, "link", "add", nearLink, "type", "veth", "peer", "name", farLink)
	unshare := netnstest.Unshare(t, "the speaker runs in a namespace of its own")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, unshare, "-n", "-m", "--", os.Args[0],
		"-test.run", "^TestMDNSFarSpeakerHelper$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), farEnv+"=1")
	cmd.Stderr = cmd.Stdout
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started, ready := make(chan struct{}), make(chan struct{})
	var output strings.Builder
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			output.WriteString(sc.Text() + "\n")
			switch sc.Text() {
			case farStart:
				close(started)
			case farReady:
				close(ready)
			}
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		waited := make(chan error, 1)
		go func() { <-copied; waited <- cmd.Wait() }()
		select {
		case err := <-waited:
			if err != nil {
				t.Errorf("speaker's namespace: %v\n%s", err, output.String())
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("the speaker's namespace did not end")
		}
		cancel()
	})
	// unshare execs the test binary in the new namespace (same pid) once
	// made: the far end moves there after the test binary says it runs.
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatalf("the speaker's namespace did not start")
	}
	runIP(t, "link", "set", farLink, "netns", fmt.Sprint(cmd.Process.Pid))
	runIP(t, "addr", "add", "192.0.2.1/24", "dev", nearLink)
	runIP(t, "link", "set", nearLink, "up")
	runIP(t, "route", "add", "default", "via", "192.0.2.2", "dev", nearLink)
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatalf("the speaker did not start")
	}
	// avahi announces a new service three times, 1 s then 2 s apart
	// (RFC 6762 §8.3), and multicasts a record at most once a second.
	time.Sleep(4 * time.Second)
}

// browseForSpeaker browses for the speaker, again after the 1 s a
// responder waits before multicasting the same record twice (RFC 6762
// §6) if it did not answer, and says whether it was found.
func browseForSpeaker(t *testing.T) bool {
	t.Helper()
	for attempt := 1; attempt <= 3; attempt++ {
		start := time.Now()
		found, err := browseMDNS(t.Context(), "_googlecast._tcp")
		took := time.Since(start)
		if took > 2*time.Second {
			t.Errorf("a browse took %v", took)
		}
		if err == nil && len(found) == 1 && found[0].Name == "Kitchen speaker" && slices.Contains(found[0].TXT, "md=Google Nest Mini") {
			t.Logf("found %+v in %v (attempt %d)", found[0], took, attempt)
			return true
		}
		t.Logf("attempt %d: %+v, %v", attempt, found, err)
		time.Sleep(1100 * time.Millisecond)
	}
	return false
}

// legacyAnswers is how many instances answer hashicorp/mdns's query from
// an ephemeral port alone on the near end: what the browse heard before.
func legacyAnswers(t *testing.T) int {
	t.Helper()
	ifi, err := net.InterfaceByName(nearLink)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := queryInterface(t.Context(), "_googlecast._tcp", ifi, 250*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestMDNSNetnsStatefulFirewallStillFindsSpeaker: with a ufw-like firewall
// on, the legacy query's unicast answers are dropped, and the browse finds
// the speaker through the answers sent to the group.
func TestMDNSNetnsStatefulFirewallStillFindsSpeaker(t *testing.T) {
	netnstest.NeedAvahi(t)
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("needs nft (nftables) for the firewall")
	}
	if !inMDNSNetns(t, netnstest.LoMulticast) {
		return
	}
	// This computer's own responder holds port 5353 as avahi-daemon does
	// (the wildcard address, SO_REUSEADDR): the browse shares the port.
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		if cerr := rc.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
		}); cerr != nil {
			return cerr
		}
		return err
	}}
	resident, err := lc.ListenPacket(t.Context(), "udp4", "0.0.0.0:5353")
	if err != nil {
		t.Fatal(err)
	}
	defer resident.Close()
	startFarSpeaker(t)
	if !browseForSpeaker(t) {
		t.Fatalf("no firewall: the speaker was not found")
	}
	if n := legacyAnswers(t); n == 0 {
		t.Errorf("no firewall: the legacy query found nothing; the setup is wrong")
	}

	nft := exec.Command("nft", "-f", "-")
	nft.Stdin = strings.NewReader(ufwLikeRules)
	if out, err := nft.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
	time.Sleep(1100 * time.Millisecond)
	if n := legacyAnswers(t); n != 0 {
		t.Fatalf("the firewall let %d legacy unicast answers in; it should drop them", n)
	}
	time.Sleep(1100 * time.Millisecond)
	if !browseForSpeaker(t) {
		t.Fatalf("with a stateful firewall: the speaker was not found")
	}
}

// TestMDNSNetnsDefaultRouteInterfaceFirst: with more multicast interfaces
// than mdnsMaxInterfaces, the one carrying the default route, listed last
// by the OS, is still asked, first, and the speaker behind it found.
func TestMDNSNetnsDefaultRouteInterfaceFirst(t *testing.T) {
	netnstest.NeedAvahi(t)
	if !inMDNSNetns(t, netnstest.LoMulticast) {
		return
	}
	// Container bridges stand-ins: veth pairs, both ends here, up, with
	// an address (the dummy driver may not be loaded).
	for i := range (mdnsMaxInterfaces + 1) / 2 {
		a, b := fmt.Sprintf("sgbr%da", i), fmt.Sprintf("sgbr%db", i)
		runIP(t, "link", "add", a, "type", "veth", "peer", "name", b)
		for j, name := range []string{a, b} {
			runIP(t, "addr", "add", fmt.Sprintf("10.77.%d.%d/24", i, j+1), "dev", name)
			runIP(t, "link", "set", name, "up")
		}
	}
	startFarSpeaker(t)
	set, err := listMDNSInterfaces()
	if err != nil {
		t.Fatal(err)
	}
	if len(set.list) != mdnsMaxInterfaces || set.list[0].Name != nearLink || len(set.skipped) != 1 || !set.routed[set.list[0].Index] {
		var names []string
		for _, ifi := range set.list {
			names = append(names, ifi.Name)
		}
		t.Fatalf("interfaces %v, skipped %v; want %s first, one bridge left out", names, set.skipped, nearLink)
	}
	if !browseForSpeaker(t) {
		t.Fatalf("the speaker behind the default route was not found")
	}
}
