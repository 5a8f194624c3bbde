// Package macfw reads the macOS application firewall's state as
// socketfilterfw and a configuration profile give it, for the checks that
// judge it (firewall: is it on; smart_speakers: does "Block all incoming
// connections" keep out the answers a device search waits for).
package macfw

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Global states, as socketfilterfw, system_profiler and the ALF plist
// number them.
const (
	Off      = 0
	On       = 1 // on, incoming connections limited to allowed apps
	BlockAll = 2 // on, blocking all incoming connections but essential ones
)

// ManagedPlist is written by a configuration profile (MDM) with the
// com.apple.security.firewall payload.
const ManagedPlist = "/Library/Managed Preferences/com.apple.security.firewall.plist"

// GlobalStateArgs are socketfilterfw's arguments that print the state.
var GlobalStateArgs = []string{"--getglobalstate"}

var stateRE = regexp.MustCompile(`\(State = (\d+)\)`)

// ParseGlobalState reads `socketfilterfw --getglobalstate`: "Firewall is
// enabled. (State = 1)", "Firewall is disabled. (State = 0)", "(State = 2)"
// for block all; versions without the number say "Firewall is enabled." or
// that it is blocking all non-essential incoming connections. Any other
// output is an error quoting its first line (stdout's, else stderr's).
func ParseGlobalState(stdout, stderr []byte) (int, error) {
	text := strings.TrimSpace(string(stdout))
	if m := stateRE.FindStringSubmatch(text); m != nil {
		n, err := strconv.Atoi(m[1])
		if err == nil && n >= Off && n <= BlockAll {
			return n, nil
		}
	}
	lower := strings.ToLower(text)
	switch {
	case strings.Contains(lower, "blocking all"):
		return BlockAll, nil
	case strings.Contains(lower, "firewall is disabled"):
		return Off, nil
	case strings.Contains(lower, "firewall is enabled"):
		return On, nil
	}
	first := strings.TrimSpace(text + "\n" + string(stderr))
	first, _, _ = strings.Cut(first, "\n")
	if len(first) > 120 {
		first = first[:120]
	}
	return 0, fmt.Errorf("socketfilterfw %s: %w: %q", strings.Join(GlobalStateArgs, " "), ErrUnrecognised, strings.TrimSpace(first))
}

// ErrUnrecognised is an answer the parsers here do not know.
var ErrUnrecognised = errors.New("output not recognised")

// Managed is what a configuration profile sets (nil: not set).
type Managed struct {
	EnableFirewall   *bool
	BlockAllIncoming *bool
}

// ParseManaged reads the managed com.apple.security.firewall preferences
// (XML or binary plist).
func ParseManaged(b []byte) (Managed, error) {
	var doc map[string]any
	if _, err := plist.Unmarshal(b, &doc); err != nil {
		return Managed{}, err
	}
	var m Managed
	if v, ok := probe.AsBool(doc["EnableFirewall"]); ok {
		m.EnableFirewall = &v
	}
	if v, ok := probe.AsBool(doc["BlockAllIncoming"]); ok {
		m.BlockAllIncoming = &v
	}
	return m, nil
}
