package agent

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"sort"
	"time"
)

// Schedule timings.
const (
	// NetworkPollInterval is how often the network is looked at for a
	// change (another Wi-Fi, a cable plugged in, a VPN up).
	NetworkPollInterval = 10 * time.Second
	// NetworkSettle is how long a change must last before checks run, so
	// one roam does not start several runs.
	NetworkSettle = 3 * time.Second
)

// Schedule runs the checks now, then every report_interval_seconds of the
// policy, soon after the network changes and when the policy changes, until
// ctx ends.
func (a *Agent) Schedule(ctx context.Context) {
	if a.lan != nil {
		go a.lan.Run(ctx)
	}
	a.runLogged(ctx, "start")
	netTick := time.NewTicker(NetworkPollInterval)
	defer netTick.Stop()
	lastNet := networkFingerprint()
	next := time.Now().Add(a.interval())
	var settle <-chan time.Time
	for {
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
			a.runLogged(ctx, "interval")
			next = time.Now().Add(a.interval())
		case <-netTick.C:
			if fp := networkFingerprint(); fp != lastNet {
				lastNet = fp
				if a.lan != nil {
					// What was seen on the last network says nothing
					// about this one: browse it afresh.
					a.lan.Forget()
					go a.lan.BrowseAll(ctx)
				}
				settle = time.After(NetworkSettle)
			}
		case <-settle:
			settle = nil
			a.runLogged(ctx, "network_change")
			next = time.Now().Add(a.interval())
		case <-a.policyChanged:
			a.runLogged(ctx, "policy_change")
			next = time.Now().Add(a.interval())
		}
		timer.Stop()
	}
}

func (a *Agent) interval() time.Duration {
	secs := a.Policy().ReportIntervalSeconds
	if secs <= 0 {
		secs = 900
	}
	return time.Duration(secs) * time.Second
}

func (a *Agent) runLogged(ctx context.Context, why string) {
	if _, err := a.Run(ctx); err != nil && ctx.Err() == nil {
		a.cfg.Logger.Warn("scheduled check run failed", "trigger", why, "err", err)
	}
}

// networkFingerprint summarises the interfaces that are up and their
// addresses; it changes when the computer joins another network.
func networkFingerprint() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return ""
	}
	var parts []string
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, ad := range addrs {
			parts = append(parts, ifc.Name+"="+ad.String())
		}
	}
	sort.Strings(parts)
	sum := sha256.Sum256([]byte(fmt.Sprint(parts)))
	return fmt.Sprintf("%x", sum[:8])
}
