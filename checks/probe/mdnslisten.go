package probe

import (
	"context"
	"time"
)

// MDNSAnnouncement is one service instance a responder on the link made
// known without being asked by us: an unsolicited announcement, or its
// answer to another host's query, both sent to the mDNS group.
type MDNSAnnouncement struct {
	// Service is the DNS-SD service type, as the listener was given it
	// (e.g. _googlecast._tcp).
	Service  string
	Instance MDNSInstance
	// TTL is how long the responder says the instance stays valid; 0 is a
	// goodbye (RFC 6762 §10.1): the instance is leaving.
	TTL time.Duration
}

// Goodbye reports whether the announcement says the instance is gone.
func (a MDNSAnnouncement) Goodbye() bool { return a.TTL == 0 }

// MDNSListener is implemented by probes that can listen to the mDNS group
// passively (the live probe). ListenMDNS joins the group on the machine's
// multicast interfaces and calls heard with each instance of services that
// is announced complete (with its port and TXT record) or said goodbye to,
// until ctx ends; it returns an error only when it could not listen at
// all. heard is called from one goroutine at a time.
type MDNSListener interface {
	ListenMDNS(ctx context.Context, services []string, heard func(MDNSAnnouncement)) error
}
