package smartspeakers

import (
	"context"
	"errors"
	"fmt"

	"github.com/sessionguard/sessionguard/checks/internal/macfw"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// darwinFacts is what was read of the macOS application firewall's
// "Block all incoming connections", which lets in only what Apple's own
// basic services (Bonjour among them: mDNSResponder) receive. Whether it
// lets the direct answers to SessionGuard's own device search in is not
// documented, so with it on an empty answer means nothing.
type darwinFacts struct {
	// GlobalState is socketfilterfw's global state (0 off, 1 on, 2 on and
	// blocking all incoming connections); nil when it could not be read.
	GlobalState *int `json:"global_state,omitempty"`
	// ManagedBlockAll and ManagedEnable are BlockAllIncoming and
	// EnableFirewall of a configuration profile (nil: not set, or no
	// profile).
	ManagedBlockAll *bool `json:"managed_block_all,omitempty"`
	ManagedEnable   *bool `json:"managed_enable_firewall,omitempty"`
	// ManagedUnread is true when a configuration profile's firewall
	// settings exist but could not be read.
	ManagedUnread bool `json:"managed_unread,omitempty"`
	// Errors say why a source could not be read.
	Errors []string `json:"errors,omitempty"`
}

// collectDarwin reads the application firewall's state and a
// configuration profile's firewall settings.
func collectDarwin(ctx context.Context, p probe.Probe) *darwinFacts {
	f := &darwinFacts{}
	out, err := p.Run(ctx, probe.CmdSocketfilterfw, macfw.GlobalStateArgs...)
	if err == nil {
		var state int
		if state, err = macfw.ParseGlobalState(out.Stdout, out.Stderr); err == nil {
			f.GlobalState = &state
		}
	}
	if err != nil {
		f.Errors = append(f.Errors, err.Error())
	}
	b, err := p.ReadFile(macfw.ManagedPlist)
	if err == nil {
		var m macfw.Managed
		if m, err = macfw.ParseManaged(b); err == nil {
			f.ManagedBlockAll, f.ManagedEnable = m.BlockAllIncoming, m.EnableFirewall
		} else {
			err = fmt.Errorf("%s: %w", macfw.ManagedPlist, err)
		}
	}
	if err != nil && !errors.Is(err, probe.ErrNotFound) {
		f.ManagedUnread = true
		f.Errors = append(f.Errors, err.Error())
	}
	return f
}

// droppedAnswers says why direct answers may not have reached this Mac
// ("" when nothing says so), and whether block-all is known to be set.
func (f *darwinFacts) droppedAnswers() (why string, set bool) {
	const blockAll = "the Mac's firewall is set to \"Block all incoming connections\", which may keep out the direct answers to this computer's device searches"
	switch {
	case f.GlobalState != nil && *f.GlobalState == macfw.BlockAll:
		return blockAll, true
	case f.ManagedBlockAll != nil && *f.ManagedBlockAll && (f.ManagedEnable == nil || *f.ManagedEnable):
		return blockAll + " (set by a configuration profile)", true
	case f.GlobalState == nil:
		return "whether the Mac's firewall blocks all incoming connections could not be read (socketfilterfw --getglobalstate)", false
	case f.ManagedUnread:
		return "whether a configuration profile sets the Mac's firewall to block all incoming connections could not be read (" + macfw.ManagedPlist + ")", false
	}
	return "", false
}

// darwinDroppedFix says what to do when the Mac's firewall may drop the
// answers.
const darwinDroppedFix = "The Mac's firewall is set to block all incoming connections, which may keep out the answers devices send back when SessionGuard looks for them, so it cannot tell whether a smart speaker is nearby. If your organisation manages this Mac, ask your IT support; otherwise open System Settings > Network > Firewall > Options and turn off \"Block all incoming connections\" (the firewall stays on), then check again. Until then, look around the room for an Amazon Echo, Google Nest or Google Home, Apple HomePod or Sonos speaker, and mute or unplug it."
