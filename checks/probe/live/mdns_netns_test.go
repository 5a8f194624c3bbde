package live

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/internal/netnstest"
)

// These tests browse for real, with hashicorp/mdns responders, inside a
// network namespace of their own: the test binary re-runs itself under
// `unshare -n` (root only), so no packet leaves the namespace. Its only
// interface is lo; the lo-multicast setup gives lo the multicast flag and
// a route for 224.0.0.0/4, which is what an mDNS browse needs.

const mdnsNetnsEnv = "SESSIONGUARD_MDNS_NETNS"

// inMDNSNetns re-runs the calling test in a new network namespace and
// returns false in the parent (which has checked the child passed), or
// true in the child, after preparing lo as setup says (netnstest.LoDown,
// LoUp or LoMulticast).
func inMDNSNetns(t *testing.T, setup string) bool {
	t.Helper()
	return netnstest.InLoopbackNetns(t, mdnsNetnsEnv, setup, "the test browses inside a network namespace it creates with unshare -n")
}

// startResponder advertises one service instance on lo.
func startResponder(t *testing.T, instance, service string, port int, txt []string) {
	t.Helper()
	netnstest.StartMDNSResponder(t, instance, service, "responder.local.", port, txt)
}

func TestMDNSNetnsNoInterfaceUp(t *testing.T) {
	if !inMDNSNetns(t, netnstest.LoDown) {
		return
	}
	start := time.Now()
	found, err := browseMDNS(t.Context(), "_googlecast._tcp")
	if !errors.Is(err, probe.ErrUnavailable) || found != nil {
		t.Fatalf("browse with every interface down = %v, %v; want ErrUnavailable", found, err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("took %v; nothing can be sent, so it should return at once", d)
	}
	t.Logf("reason: %v", err)
}

func TestMDNSNetnsNoMulticastFlag(t *testing.T) {
	if !inMDNSNetns(t, netnstest.LoUp) {
		return
	}
	found, err := (&Live{}).MDNS(t.Context(), "_googlecast._tcp")
	if !errors.Is(err, probe.ErrUnavailable) || found != nil {
		t.Fatalf("browse on a loopback without multicast = %v, %v; want ErrUnavailable", found, err)
	}
}

func TestMDNSNetnsFindsResponder(t *testing.T) {
	if !inMDNSNetns(t, netnstest.LoMulticast) {
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
	if elapsed < probe.MDNSBrowseTimeout-200*time.Millisecond || elapsed > probe.MDNSBrowseTimeout+time.Second {
		t.Errorf("browse took %v, want about %v", elapsed, probe.MDNSBrowseTimeout)
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
	if !inMDNSNetns(t, netnstest.LoMulticast) {
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
