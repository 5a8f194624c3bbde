package agent

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"sort"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
)

// Schedule timings.
const (
	// NetworkPollInterval is how often the network is looked at for a
	// change (another Wi-Fi, a cable plugged in, a VPN up), and the
	// clock and the screen for a sleep, another person signed in, or
	// results out of date.
	NetworkPollInterval = 10 * time.Second
	// NetworkSettle is how long a change must last before checks run, so
	// one roam does not start several runs.
	NetworkSettle = 3 * time.Second
	// ClockJump is how far the wall clock may move apart from the time the
	// computer was awake between two ticks before the agent takes it that
	// the computer slept (or its clock was set) and checks again at once.
	ClockJump = 30 * time.Second
	// WakePollInterval is how often the clocks are compared for a sleep:
	// soon after the lid opens the light turns grey and the checks run.
	// Reading two clocks costs nothing, unlike the network and the screen.
	WakePollInterval = 2 * time.Second
)

// Schedule runs the checks now, then every report_interval_seconds of the
// policy, soon after the network changes, when the policy changes, and at
// once when the computer wakes from sleep, another person signs in at the
// screen or the results are out of date, until ctx ends. Its timers count only the time the computer is awake
// (Go's monotonic clock stops during sleep on Linux, macOS and Windows),
// so the wall clock is what tells a sleep.
func (a *Agent) Schedule(ctx context.Context) {
	if a.lan != nil {
		go a.lan.Run(ctx)
	}
	a.runLogged(ctx, "start")
	netTick := time.NewTicker(NetworkPollInterval)
	defer netTick.Stop()
	wakeTick := time.NewTicker(WakePollInterval)
	defer wakeTick.Stop()
	lastNet := networkFingerprint()
	next := time.Now().Add(a.interval())
	var settle <-chan time.Time
	var wake wakeWatch
	wake.jumped(a.clockReading())
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
			if why := a.due(); why != "" {
				a.runLogged(ctx, why)
				next = time.Now().Add(a.interval())
			}
		case <-wakeTick.C:
			if wake.jumped(a.clockReading()) {
				// The tray shows grey from now (staleLocked).
				a.broadcast(localapi.EventStatus)
				a.runLogged(ctx, "wake")
				next = time.Now().Add(a.interval())
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

// due says why the checks must run now, at a network tick, or "" when
// they need not: another person is at the screen (the light turns grey at
// once, even with a run under way), or the results are out of date. A
// wake from sleep is noticed by its own, quicker tick.
func (a *Agent) due() string {
	who := a.consoleTags.tag(a.cfg.Probe)
	a.mu.Lock()
	switched := a.seenConsole != "" && who != a.seenConsole
	a.seenConsole = who
	why := ""
	if a.current == nil && (a.last == nil || a.staleLocked()) {
		why = "out_of_date"
		if switched {
			why = "console_user_changed"
		}
	}
	a.mu.Unlock()
	if switched && why == "" {
		a.broadcast(localapi.EventStatus)
	}
	return why
}

// clockReading is the wall clock and the time awake, read together.
type clockReading struct {
	wall  time.Time
	awake time.Duration
}

func (a *Agent) clockReading() clockReading {
	// Round(0) drops the monotonic reading: Sub must use the wall clock.
	return clockReading{wall: a.cfg.Now().Round(0), awake: a.awake()}
}

// wakeWatch notices the computer waking from sleep: between two readings
// the wall clock moved more than ClockJump further than the time awake.
type wakeWatch struct {
	last clockReading
	seen bool
}

// jumped takes a reading and reports whether the clocks moved apart since
// the last one (false for the first).
func (w *wakeWatch) jumped(r clockReading) bool {
	last, seen := w.last, w.seen
	w.last, w.seen = r, true
	return seen && clocksApart(last, r)
}

// clocksApart reports whether between two readings the wall clock moved
// more than ClockJump further (or less far) than the time awake.
func clocksApart(from, to clockReading) bool {
	drift := to.wall.Sub(from.wall) - (to.awake - from.awake)
	return drift > ClockJump || drift < -ClockJump
}

func (a *Agent) interval() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.intervalLocked()
}

func (a *Agent) intervalLocked() time.Duration {
	secs := a.policy.ReportIntervalSeconds
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
