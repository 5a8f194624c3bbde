package firewall

import (
	"context"
	"errors"
	"fmt"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ID is the stable check identifier.
const ID = "firewall"

// Check is the firewall check.
var Check checks.Check = checks.Definition[Facts]{
	CheckID:    ID,
	CheckTitle: "Firewall",
	Collect:    Collect,
	Evaluate:   Evaluate,
	UnknownFix: unknownFix,
}

// Facts are the raw observations.
type Facts struct {
	OS      string        `json:"os"`
	Linux   *LinuxFacts   `json:"linux,omitempty"`
	Darwin  *DarwinFacts  `json:"darwin,omitempty"`
	Windows *WindowsFacts `json:"windows,omitempty"`
}

// Source states.
const (
	StateRead         = "read"
	StateNotInstalled = "not_installed"
	StateDenied       = "access_denied"
	StateUnrecognised = "unrecognised"
	StateError        = "error"
)

// Source is what one Linux source said.
type Source struct {
	// Name is "nft", "iptables", "ufw" or "firewalld".
	Name string `json:"name"`
	// State is read, not_installed, access_denied, unrecognised or error.
	State string `json:"state"`
	// Filtering is whether this source shows incoming connections being
	// filtered (nil when it was not read).
	Filtering *bool `json:"filtering,omitempty"`
	// Active is, for ufw and firewalld, whether the service is on.
	Active *bool `json:"active,omitempty"`
	// Detail is a short note: the default incoming policy, or why the
	// source could not be read.
	Detail string `json:"detail,omitempty"`
}

// LinuxFacts is what was seen on Linux.
type LinuxFacts struct {
	Sources []Source `json:"sources"`
	// InputChains are nftables base chains on the input hook.
	InputChains []InputChain `json:"input_chains,omitempty"`
	// FrontEnds are the tools recognised from the ruleset's tables and
	// chains (docker, firewalld, ufw).
	FrontEnds []string `json:"front_ends,omitempty"`
	// LegacyTablesPresent is true when iptables-nft warned that rules
	// were loaded with iptables-legacy.
	LegacyTablesPresent bool `json:"legacy_tables_present,omitempty"`
}

func (f *LinuxFacts) source(name string) *Source {
	for i := range f.Sources {
		if f.Sources[i].Name == name {
			return &f.Sources[i]
		}
	}
	return nil
}

// Collect gathers the facts for the probe's operating system.
func Collect(ctx context.Context, p probe.Probe) (Facts, error) {
	f := Facts{OS: p.GOOS()}
	switch p.GOOS() {
	case "linux":
		f.Linux = collectLinux(ctx, p)
	case "darwin":
		f.Darwin = collectDarwin(ctx, p)
	case "windows":
		f.Windows = collectWindows(ctx, p)
	default:
		return f, fmt.Errorf("the firewall is not checked on %s", p.GOOS())
	}
	return f, nil
}

// failedState classifies the error of a probe call.
func failedState(err error) string {
	switch {
	case errors.Is(err, probe.ErrNotFound):
		return StateNotInstalled
	case errors.Is(err, probe.ErrAccessDenied):
		return StateDenied
	default:
		return StateError
	}
}

func boolPtr(b bool) *bool { return &b }
