package smartspeakers_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	smartspeakers "github.com/sessionguard/sessionguard/checks/smart_speakers"
	"github.com/sessionguard/sessionguard/internal/netnstest"
)

// The live tests run the real check (live.New(), real mDNS browses) inside
// a network namespace the test creates: the test binary re-runs itself
// under `unshare -n` (root only), gives the namespace's lo the multicast
// flag and a 224.0.0.0/4 route, and starts hashicorp/mdns responders on
// it. Nothing is sent outside that namespace.

const netnsEnv = "SESSIONGUARD_SPEAKERS_NETNS"

// inNetns returns true in the child (inside the namespace, lo prepared as
// setup says: netnstest.LoMulticast or LoDown), false in the parent after it
// checked that the child passed.
func inNetns(t *testing.T, setup string) bool {
	t.Helper()
	return netnstest.InLoopbackNetns(t, netnsEnv, setup, "the test browses inside a network namespace it creates with unshare -n")
}

func runLive(t *testing.T) (checks.Result, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // the engine's default check timeout
	defer cancel()
	start := time.Now()
	r := smartspeakers.Check.Run(ctx, live.New(), checks.Catalogue{smartspeakers.Check}.Default())
	return r, time.Since(start)
}

func TestLiveNamespaceGoogleSpeaker(t *testing.T) {
	if !inNetns(t, netnstest.LoMulticast) {
		return
	}
	srv := netnstest.StartMDNSResponder(t, "Sam's Nest Mini", "_googlecast._tcp", "speaker.local.", 8009, []string{
		"id=e8b58877627a8cea281b68f6f4a17d69", "ve=05", "md=Google Nest Mini", "ic=/setup/icon.png",
		"fn=Sam's Nest Mini", "ca=198660", "st=0", "nf=1", "rs=",
	})
	r, took := runLive(t)
	t.Logf("with a responder: %s in %v: %s", r.Status, took, r.Summary)
	if r.Status != checks.Warn || !strings.Contains(r.Summary, "Google or Nest speaker: Google Nest Mini") {
		t.Errorf("result %+v, want warn naming the Google speaker", r)
	}
	if r.Required {
		t.Errorf("smart_speakers is not required by default")
	}
	if took > smartspeakers.BrowseBudget {
		t.Errorf("the check took %v: the browses should run concurrently", took)
	}
	var f smartspeakers.Facts
	if err := json.Unmarshal(r.Facts, &f); err != nil {
		t.Fatal(err)
	}
	if f.Counts[smartspeakers.KindGoogleSpeaker] != 1 || len(f.Browses) != len(smartspeakers.Services) {
		t.Errorf("facts %s", r.Facts)
	}
	if strings.Contains(string(r.Facts), "Sam") || strings.Contains(string(r.Facts), "speaker.local") || strings.Contains(string(r.Facts), "127.0.0.1") {
		t.Errorf("facts carry the instance name, host or address: %s", r.Facts)
	}

	// The responder gone, nothing answers: pass.
	_ = srv.Shutdown()
	r, took = runLive(t)
	t.Logf("without a responder: %s in %v: %s", r.Status, took, r.Summary)
	if r.Status != checks.Pass {
		t.Errorf("nothing answering: %+v, want pass", r)
	}
}

func TestLiveNamespaceNoNetwork(t *testing.T) {
	if !inNetns(t, netnstest.LoDown) {
		return
	}
	r, took := runLive(t)
	t.Logf("no interface up: %s in %v: %s", r.Status, took, r.Reason)
	if r.Status != checks.Unknown || !strings.Contains(r.Reason, "no network interface that is up and can multicast") {
		t.Errorf("result %+v, want unknown with the reason", r)
	}
}

// TestLiveNamespaceFirewallDropsMDNS: with a firewall whose input drops
// mDNS (a default-drop nftables input with no mDNS rule, as firewalld's
// public zone is), a speaker that answers is not heard: the check says it
// could not look, not that nothing is there.
func TestLiveNamespaceFirewallDropsMDNS(t *testing.T) {
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("needs nft (nftables) for the firewall")
	}
	if !inNetns(t, netnstest.LoMulticast) {
		return
	}
	netnstest.StartMDNSResponder(t, "Kitchen speaker", "_googlecast._tcp", "speaker.local.", 8009, []string{"md=Google Nest Mini"})
	nft := exec.Command("nft", "-f", "-")
	nft.Stdin = strings.NewReader(`table inet sgtest {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state related,established accept
		udp dport != 5353 accept
	}
}
`)
	if out, err := nft.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
	r, took := runLive(t)
	t.Logf("behind the firewall: %s in %v: %s (%s)", r.Status, took, r.Summary, r.Reason)
	if r.Status != checks.Unknown || !strings.Contains(r.Reason, "never came back") {
		t.Errorf("result %+v, want unknown: the speaker's answers were dropped", r)
	}
	if took > smartspeakers.BrowseBudget {
		t.Errorf("the check took %v", took)
	}
}
