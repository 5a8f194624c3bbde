package smartspeakers

import (
	"errors"
	"fmt"
	"slices"

	"github.com/sessionguard/sessionguard/checks/internal/winfw"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/internal/text"
)

// unicastResponsesValue is Windows Firewall's per-profile setting that,
// at 1, drops the direct (unicast) answers to a multicast question this
// computer asked, which it otherwise lets in for 3 seconds
// (INetFwPolicy2::UnicastResponsesToMulticastBroadcastDisabled; "Allow
// unicast response: No" in the profile's settings). Absent is 0.
const unicastResponsesValue = "DisableUnicastResponsesToMulticastBroadcast"

// windowsFacts is what was read of Windows Firewall's handling of the
// direct answers the mDNS browse waits for.
type windowsFacts struct {
	// ActiveProfiles are the firewall profiles of the networks in use;
	// empty when they could not be told (every profile then counts).
	ActiveProfiles []string `json:"active_profiles,omitempty"`
	// UnicastResponsesDisabled are the profiles read (those in use, else
	// every one) whose setting drops the
	// direct answers: a policy's (Group Policy's or device management's)
	// value over the computer's own, any policy's 1 counting.
	UnicastResponsesDisabled []string `json:"unicast_responses_disabled,omitempty"`
	// UnicastResponsesUnread are the profiles whose setting exists but
	// could not be read.
	UnicastResponsesUnread []string `json:"unicast_responses_unread,omitempty"`
	// Errors say why a source could not be read.
	Errors []string `json:"errors,omitempty"`
}

// collectWindows reads which profiles the networks in use have and, for
// those (every profile when they cannot be told), whether Windows
// Firewall drops direct answers.
func collectWindows(p probe.Probe) *windowsFacts {
	f := &windowsFacts{}
	rows, err := p.WMI(winfw.StandardCimv2, winfw.ConnectionProfileClass)
	if err != nil {
		f.Errors = append(f.Errors, err.Error())
	}
	f.ActiveProfiles = winfw.ActiveProfiles(rows)
	profiles := f.ActiveProfiles
	if len(profiles) == 0 {
		profiles = winfw.ProfileNames
	}
	for _, name := range profiles {
		switch disabled, err := unicastResponsesDisabled(p, name); {
		case err != nil:
			f.UnicastResponsesUnread = append(f.UnicastResponsesUnread, name)
			f.Errors = append(f.Errors, err.Error())
		case disabled:
			f.UnicastResponsesDisabled = append(f.UnicastResponsesDisabled, name)
		}
	}
	return f
}

// unicastResponsesDisabled reads the setting for one profile: a policy
// that sets it decides (Windows applies a policy's profile settings over
// the computer's own); a policy that says 1 counts whatever another says,
// so the reading that drops answers wins. An error when a value that
// could decide exists but cannot be read.
func unicastResponsesDisabled(p probe.Probe, profile string) (bool, error) {
	read := func(key string) (n int64, found bool, err error) {
		v, err := p.Registry(key, unicastResponsesValue)
		if errors.Is(err, probe.ErrNotFound) {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		n, ok := probe.AsInt(v)
		if !ok {
			return 0, false, fmt.Errorf(`%s\%s: not a number: %v`, key, unicastResponsesValue, v)
		}
		return n, true, nil
	}
	var policy []int64
	var unread error
	for _, key := range winfw.PolicyProfileKeys(profile) {
		n, found, err := read(key)
		switch {
		case err != nil:
			unread = errors.Join(unread, err)
		case found:
			policy = append(policy, n)
		}
	}
	switch {
	case slices.ContainsFunc(policy, func(n int64) bool { return n != 0 }):
		return true, nil
	case unread != nil:
		return false, unread
	case len(policy) > 0:
		return false, nil
	}
	n, _, err := read(winfw.LocalProfileKey(profile))
	return n != 0, err
}

// droppedAnswers says why direct answers may not have reached this
// computer on Windows ("" when nothing says so): the setting is on (set),
// or unread, for a profile in use (every profile when those in use are
// not known: the collector read only those).
func (f *windowsFacts) droppedAnswers() (why string, set bool) {
	which := "the profile of the network in use"
	if len(f.ActiveProfiles) == 0 {
		which = "which profile the network in use has could not be read"
	}
	if on := f.UnicastResponsesDisabled; len(on) > 0 {
		return fmt.Sprintf("Windows Firewall does not let in direct answers to this computer's device searches: %s is 1 for the %s profile (%s)", unicastResponsesValue, text.JoinAnd(on), which), true
	}
	if unread := f.UnicastResponsesUnread; len(unread) > 0 {
		return fmt.Sprintf("whether Windows Firewall lets in direct answers to this computer's device searches could not be read: %s of the %s profile (%s)", unicastResponsesValue, text.JoinAnd(unread), which), false
	}
	return "", false
}

// windowsDroppedFix says what to do when Windows Firewall drops the answers.
const windowsDroppedFix = "Windows Firewall is set not to let in the answers devices send back when this computer looks for them, so SessionGuard cannot tell whether a smart speaker is nearby. If your organisation manages this computer, ask your IT support; otherwise open Windows Defender Firewall with Advanced Security, choose Windows Defender Firewall Properties, and on the tab of the network's profile choose Settings > Customize and set \"Allow unicast response\" to Yes. Until then, look around the room for an Amazon Echo, Google Nest or Google Home, Apple HomePod or Sonos speaker, and mute or unplug it." //nolint:misspell // "Customize" is the button's label in Windows
