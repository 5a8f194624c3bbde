package live

import (
	"bufio"
	"context"
	"errors"
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

	"github.com/sessionguard/sessionguard/checks/probe"
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

// Host firewalls for TestMDNSNetnsFirewallDropsGroup, each in a table of
// its own (applyRules flushes the ruleset first).
var (
	// defaultDropRules is a stateful default-drop input with no mDNS
	// rule: multicast answers are new flows and are dropped.
	defaultDropRules = `table inet sgtest {
	chain input {
		type filter hook input priority 0; policy drop;
		iifname "lo" accept
		ct state related,established accept
		tcp dport 22 accept
	}
}
`
	// firewalldPublicRules is firewalld's IPv6 reverse-path filter and
	// input chain with the public zone's services (ssh, dhcpv6-client)
	// and not mdns: what is not let in is rejected.
	//nolint:misspell // nd-neighbor-solicit is nft's keyword
	firewalldPublicRules = `table inet firewalld {
	chain filter_PREROUTING {
		type filter hook prerouting priority filter + 10; policy accept;
		icmpv6 type { nd-router-advert, nd-neighbor-solicit } accept
		meta nfproto ipv6 fib saddr . mark . iif oif missing drop
	}
	chain filter_INPUT {
		type filter hook input priority filter + 10; policy accept;
		ct state { established, related } accept
		ct status dnat accept
		iifname "lo" accept
		ct state invalid drop
		tcp dport 22 ct state new,untracked accept
		ip6 daddr fe80::/64 udp dport 546 ct state new,untracked accept
		reject with icmpx admin-prohibited
	}
}
`
	// firewalldMDNSRules is the same with the mdns service added.
	firewalldMDNSRules = strings.Replace(firewalldPublicRules, "\t\treject", `		ip daddr 224.0.0.251 udp dport 5353 ct state new,untracked accept
		ip6 daddr ff02::fb udp dport 5353 ct state new,untracked accept
		reject`, 1)
	// ipv4MDNSOnlyRules lets mDNS in over IPv4 only.
	ipv4MDNSOnlyRules = strings.Replace(defaultDropRules, "\t\ttcp dport 22 accept", "\t\tip daddr 224.0.0.251 udp dport 5353 accept", 1)
)

// applyRules replaces the namespace's ruleset with rules, and waits out
// the second avahi waits before multicasting a record again (RFC 6762 §6).
func applyRules(t *testing.T, rules string) {
	t.Helper()
	nft := exec.Command("nft", "-f", "-")
	nft.Stdin = strings.NewReader("flush ruleset\n" + rules)
	if out, err := nft.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
	time.Sleep(1100 * time.Millisecond)
}

// applyIptables replaces the namespace's ruleset with a default-drop
// input made by iptables and ip6tables, as ufw makes its own, letting in
// mDNS sent to the group when acceptMDNS is set, as ufw's before.rules
// and before6.rules do, and waits as applyRules does. It says false when
// iptables is missing.
func applyIptables(t *testing.T, acceptMDNS bool) bool {
	t.Helper()
	if _, err := exec.LookPath("ip6tables"); err != nil {
		return false
	}
	applyRules(t, "")
	for cmd, group := range map[string]string{"iptables": "224.0.0.251", "ip6tables": "ff02::fb"} {
		rules := [][]string{{"-P", "INPUT", "DROP"}, {"-A", "INPUT", "-i", "lo", "-j", "ACCEPT"},
			{"-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"}}
		if acceptMDNS {
			rules = append(rules, []string{"-A", "INPUT", "-p", "udp", "-d", group, "--dport", "5353", "-j", "ACCEPT"})
		}
		for _, args := range rules {
			if out, err := exec.Command(cmd, args...).CombinedOutput(); err != nil {
				t.Fatalf("%s %s: %v: %s", cmd, strings.Join(args, " "), err, out)
			}
		}
	}
	time.Sleep(1100 * time.Millisecond)
	return true
}

// TestMDNSNetnsFirewallDropsGroup: a firewall that drops mDNS sent to the
// group keeps every answer out; the browse then says it could not hear,
// rather than that nothing is there. Firewalls that let mDNS in still
// find the speaker, and an empty answer there is still trusted.
func TestMDNSNetnsFirewallDropsGroup(t *testing.T) {
	netnstest.NeedAvahi(t)
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("needs nft (nftables) for the firewall")
	}
	if !inMDNSNetns(t, netnstest.LoMulticast) {
		return
	}
	startFarSpeaker(t)
	nftables := func(rules string) func(*testing.T) bool {
		return func(t *testing.T) bool { applyRules(t, rules); return true }
	}
	iptables := func(acceptMDNS bool) func(*testing.T) bool {
		return func(t *testing.T) bool { return applyIptables(t, acceptMDNS) }
	}
	for _, fw := range []struct {
		name  string
		apply func(*testing.T) bool
	}{{"default drop", nftables(defaultDropRules)}, {"firewalld public zone", nftables(firewalldPublicRules)}, {"iptables default drop", iptables(false)}} {
		if !fw.apply(t) {
			t.Logf("%s: no iptables here", fw.name)
			continue
		}
		for _, svc := range []string{"_googlecast._tcp", "_amzn-wplay._tcp"} {
			start := time.Now()
			found, err := browseMDNS(t.Context(), svc)
			t.Logf("%s, %s: %v, %v in %v", fw.name, svc, found, err, time.Since(start))
			if len(found) != 0 {
				t.Fatalf("%s: the firewall let an answer in; the setup is wrong", fw.name)
			}
			if !errors.Is(err, probe.ErrUnavailable) || !strings.Contains(err.Error(), "never came back to it on "+nearLink+" (IPv4, IPv6)") {
				t.Errorf("%s: browse for %s heard nothing and said %v; want that it could not hear", fw.name, svc, err)
			}
		}
	}

	for _, fw := range []struct {
		name   string
		apply  func(*testing.T) bool
		deafTo string // the families an empty answer is not trusted in
	}{
		{"ufw-like", nftables(ufwLikeRules), ""},
		{"firewalld with mdns", nftables(firewalldMDNSRules), ""},
		{"ufw's mDNS rules in iptables", iptables(true), ""},
		{"mDNS over IPv4 only", nftables(ipv4MDNSOnlyRules), "IPv6"},
	} {
		if !fw.apply(t) {
			t.Logf("%s: no iptables here", fw.name)
			continue
		}
		if !browseForSpeaker(t) {
			t.Fatalf("%s: the speaker was not found", fw.name)
		}
		found, err := browseMDNS(t.Context(), "_amzn-wplay._tcp")
		t.Logf("%s, a type nobody offers: %v, %v", fw.name, found, err)
		switch {
		case len(found) != 0:
			t.Errorf("%s: a type nobody offers found %v", fw.name, found)
		case fw.deafTo == "" && err != nil:
			t.Errorf("%s: an empty answer was not trusted: %v", fw.name, err)
		case fw.deafTo != "" && (!errors.Is(err, probe.ErrUnavailable) || !strings.Contains(err.Error(), nearLink+" ("+fw.deafTo+")")):
			t.Errorf("%s: an empty answer said %v; want that %s could not be heard", fw.name, err, fw.deafTo)
		}
	}
}
