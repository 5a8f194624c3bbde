package firewall

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/internal/macfw"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// macOS files.
const (
	// managedFirewallPlist is written by a configuration profile (MDM)
	// with the com.apple.security.firewall payload.
	managedFirewallPlist = macfw.ManagedPlist
	// alfPlist held the firewall state up to macOS 14. macOS 15 no
	// longer keeps the settings in a property list (Apple's macOS 15
	// release notes, Deprecations), so a copy left there is stale.
	alfPlist = "/Library/Preferences/com.apple.alf.plist"
	// systemVersionPlist holds ProductVersion, what sw_vers prints: read
	// only when the ALF plist is the last source left.
	systemVersionPlist = "/System/Library/CoreServices/SystemVersion.plist"
	// lastALFPlistMacOS is the last macOS major version whose ALF plist
	// holds the firewall's state.
	lastALFPlistMacOS = 14
)

// Application firewall global states, as socketfilterfw and the ALF plist
// number them.
const (
	alfOff      = macfw.Off
	alfOn       = macfw.On       // on, incoming connections limited to allowed apps
	alfBlockAll = macfw.BlockAll // on, blocking all incoming connections but essential ones
)

// darwinFacts is what was seen on macOS.
type darwinFacts struct {
	// GlobalState is the application firewall's state (0 off, 1 on, 2 on
	// and blocking all incoming connections), nil when not read.
	GlobalState *int `json:"global_state,omitempty"`
	// Source names where GlobalState came from: "socketfilterfw",
	// "system_profiler" or "alf_plist".
	Source string `json:"source,omitempty"`
	// ManagedEnable is EnableFirewall of a configuration profile, nil when
	// no profile sets it.
	ManagedEnable *bool `json:"managed_enable_firewall,omitempty"`
	// ManagedBlockAll is BlockAllIncoming of a configuration profile.
	ManagedBlockAll *bool `json:"managed_block_all,omitempty"`
	// MacOSVersion is SystemVersion.plist's ProductVersion ("14.6.1"),
	// read only when GlobalState came from the ALF plist, which counts
	// only up to macOS 14.
	MacOSVersion string `json:"macos_version,omitempty"`
	// Errors say why sources could not be read.
	Errors []string `json:"errors,omitempty"`
}

func collectDarwin(ctx context.Context, p probe.Probe) *darwinFacts {
	f := &darwinFacts{}
	set := func(state int, source string) {
		f.GlobalState, f.Source = &state, source
	}
	out, err := p.Run(ctx, probe.CmdSocketfilterfw, macfw.GlobalStateArgs...)
	if err == nil {
		var state int
		state, err = macfw.ParseGlobalState(out.Stdout, out.Stderr)
		if err == nil {
			set(state, "socketfilterfw")
		}
	}
	if err != nil {
		f.Errors = append(f.Errors, err.Error())
		out, err = p.Run(ctx, probe.CmdSystemProfiler, "SPFirewallDataType", "-json")
		if err == nil {
			var state int
			state, err = parseSPFirewall(out.Stdout)
			if err == nil {
				set(state, "system_profiler")
			}
		}
		if err != nil {
			f.Errors = append(f.Errors, err.Error())
		}
	}
	if b, err := p.ReadFile(managedFirewallPlist); err == nil {
		m, err := parseManagedFirewallPlist(b)
		if err != nil {
			f.Errors = append(f.Errors, err.Error())
		}
		f.ManagedEnable, f.ManagedBlockAll = m.EnableFirewall, m.BlockAllIncoming
	} else if failedState(err) != stateNotInstalled {
		f.Errors = append(f.Errors, err.Error())
	}
	if f.GlobalState == nil {
		if b, err := p.ReadFile(alfPlist); err == nil {
			state, err := parseALFPlist(b)
			if err != nil {
				f.Errors = append(f.Errors, err.Error())
			} else {
				set(state, "alf_plist")
				f.MacOSVersion = macOSVersion(p, f)
			}
		} else if failedState(err) != stateNotInstalled {
			f.Errors = append(f.Errors, err.Error())
		}
	}
	return f
}

// system_profiler SPFirewallDataType global states.
var spGlobalStates = map[string]int{
	"spfirewall_globalstate_allow_all":         alfOff,
	"spfirewall_globalstate_off":               alfOff,
	"spfirewall_globalstate_limit_connections": alfOn,
	"spfirewall_globalstate_block_all":         alfBlockAll,
}

// parseSPFirewall reads `system_profiler SPFirewallDataType -json`.
func parseSPFirewall(b []byte) (int, error) {
	var doc struct {
		Items []map[string]any `json:"SPFirewallDataType"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return 0, fmt.Errorf("system_profiler SPFirewallDataType: %w: %w", errUnrecognised, err)
	}
	for _, item := range doc.Items {
		v, ok := item["spfirewall_globalstate"].(string)
		if !ok {
			continue
		}
		if state, ok := spGlobalStates[v]; ok {
			return state, nil
		}
		return 0, fmt.Errorf("system_profiler SPFirewallDataType: %w: global state %q", errUnrecognised, v)
	}
	return 0, fmt.Errorf("system_profiler SPFirewallDataType: %w: no spfirewall_globalstate", errUnrecognised)
}

// managedFirewall is what a configuration profile sets.
type managedFirewall = macfw.Managed

// parseManagedFirewallPlist reads the managed com.apple.security.firewall
// preferences (XML or binary plist).
func parseManagedFirewallPlist(b []byte) (managedFirewall, error) {
	m, err := macfw.ParseManaged(b)
	if err != nil {
		return managedFirewall{}, fmt.Errorf("%s: %w: %w", managedFirewallPlist, errUnrecognised, err)
	}
	return m, nil
}

// macOSVersion reads ProductVersion from SystemVersion.plist; "" (with
// the reason in Errors) when it cannot be read.
func macOSVersion(p probe.Probe, f *darwinFacts) string {
	b, err := p.ReadFile(systemVersionPlist)
	if err != nil {
		f.Errors = append(f.Errors, err.Error())
		return ""
	}
	var doc struct {
		ProductVersion string `plist:"ProductVersion"`
	}
	if _, err := plist.Unmarshal(b, &doc); err != nil || doc.ProductVersion == "" {
		f.Errors = append(f.Errors, fmt.Sprintf("%s: %s: no ProductVersion", systemVersionPlist, errUnrecognised))
		return ""
	}
	return doc.ProductVersion
}

// alfPlistCounts reports whether the ALF plist still holds the firewall's
// state on macOS version v: up to macOS 14, not when v is unknown.
func alfPlistCounts(v string) bool {
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	return err == nil && n > 0 && n <= lastALFPlistMacOS
}

// parseALFPlist reads globalstate from com.apple.alf.plist (macOS 14 and
// earlier).
func parseALFPlist(b []byte) (int, error) {
	var doc map[string]any
	if _, err := plist.Unmarshal(b, &doc); err != nil {
		return 0, fmt.Errorf("%s: %w: %w", alfPlist, errUnrecognised, err)
	}
	n, ok := probe.AsInt(doc["globalstate"])
	if !ok || n < alfOff || n > alfBlockAll {
		return 0, fmt.Errorf("%s: %w: globalstate %v", alfPlist, errUnrecognised, doc["globalstate"])
	}
	return int(n), nil
}
