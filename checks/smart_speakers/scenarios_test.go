package smartspeakers_test

import (
	"context"
	"sync"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe"
	smartspeakers "github.com/sessionguard/sessionguard/checks/smart_speakers"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, smartspeakers.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}

func TestNoPassWithoutEvidence(t *testing.T) {
	// Collect browses every service type at once; checktest.Denying keeps
	// its notes in plain maps, so the browses reach it one at a time.
	checktest.RunBasisProperty(t, oneBrowseAtATime{smartspeakers.Check}, "testdata", checktest.Basis{})
}

// oneBrowseAtATime runs a check with its probe's MDNS calls serialised.
type oneBrowseAtATime struct{ checks.Check }

func (c oneBrowseAtATime) Run(ctx context.Context, p probe.Probe, pol checks.Policy) checks.Result {
	return c.Check.Run(ctx, &serialMDNS{Probe: p}, pol)
}

type serialMDNS struct {
	probe.Probe
	mu sync.Mutex
}

func (s *serialMDNS) MDNS(ctx context.Context, service string) ([]probe.MDNSInstance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Probe.MDNS(ctx, service)
}

func (s *serialMDNS) Host() probe.Host { return probe.HostOf(s.Probe) }
