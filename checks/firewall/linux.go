package firewall

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// collectLinux asks nftables first; iptables, ufw and firewalld only when no
// filtering was found yet, so a filtering machine costs one command.
func collectLinux(ctx context.Context, p probe.Probe) *LinuxFacts {
	f := &LinuxFacts{}
	f.Sources = append(f.Sources, nftSource(ctx, p, f))
	if f.filtering() {
		return f
	}
	f.Sources = append(f.Sources, iptablesSource(ctx, p, f))
	if f.filtering() {
		return f
	}
	f.Sources = append(f.Sources, ufwSource(ctx, p), firewalldSource(ctx, p))
	return f
}

// filtering reports whether a ruleset source already shows filtering.
func (f *LinuxFacts) filtering() bool {
	for _, s := range f.Sources {
		if s.Filtering != nil && *s.Filtering {
			return true
		}
	}
	return false
}

func nftSource(ctx context.Context, p probe.Probe, f *LinuxFacts) Source {
	s := Source{Name: "nft"}
	out, err := p.Run(ctx, "nft", "-j", "list", "ruleset")
	if err != nil {
		s.State, s.Detail = failedState(err), err.Error()
		return s
	}
	if out.ExitCode != 0 {
		s.State, s.Detail = StateError, fmt.Sprintf("exit status %d: %s", out.ExitCode, firstLine(string(out.Stderr)))
		if nftDenied(out.Stderr) {
			s.State = StateDenied
		}
		return s
	}
	rs, err := ParseNftJSON(out.Stdout)
	if err != nil {
		s.State, s.Detail = StateUnrecognised, err.Error()
		return s
	}
	s.State, s.Filtering = StateRead, boolPtr(rs.Filtering())
	f.InputChains, f.FrontEnds = rs.InputChains, rs.FrontEnds
	switch {
	case rs.Tables == 0:
		s.Detail = "empty ruleset"
	case len(rs.InputChains) == 0:
		s.Detail = "no chain on the input hook"
	}
	return s
}

func iptablesSource(ctx context.Context, p probe.Probe, f *LinuxFacts) Source {
	s := Source{Name: "iptables"}
	out, err := p.Run(ctx, "iptables", "-S")
	if err != nil {
		s.State, s.Detail = failedState(err), err.Error()
		return s
	}
	if out.ExitCode != 0 {
		s.State, s.Detail = StateError, fmt.Sprintf("exit status %d: %s", out.ExitCode, firstLine(string(out.Stderr)))
		if iptablesDenied(out.Stderr) {
			s.State = StateDenied
		}
		return s
	}
	in, err := ParseIptablesS(out.Stdout, out.Stderr)
	if err != nil {
		s.State, s.Detail = StateUnrecognised, err.Error()
		return s
	}
	f.LegacyTablesPresent = in.LegacyTablesPresent
	s.State, s.Filtering = StateRead, boolPtr(in.Filtering)
	s.Detail = "INPUT policy " + in.Policy
	if in.Default != strings.ToLower(in.Policy) {
		s.Detail += ", ends in " + in.Default
	}
	addFront := func(front string, ok bool) {
		if ok && !containsString(f.FrontEnds, front) {
			f.FrontEnds = append(f.FrontEnds, front)
		}
	}
	addFront("ufw", in.UFW)
	addFront("docker", in.Docker)
	return s
}

func ufwSource(ctx context.Context, p probe.Probe) Source {
	s := Source{Name: "ufw"}
	out, err := p.Run(ctx, "ufw", "status", "verbose")
	if err != nil {
		s.State, s.Detail = failedState(err), err.Error()
		return s
	}
	st, err := ParseUFWStatus(out.Stdout, out.Stderr)
	switch {
	case err != nil:
		s.State, s.Detail = StateUnrecognised, err.Error()
	case st.NeedsRoot:
		s.State, s.Detail = StateDenied, "ufw needs root to show its status"
	default:
		s.State, s.Active = StateRead, boolPtr(st.Active)
		if st.Active {
			s.Detail = "default incoming: " + st.DefaultIncoming
			s.Filtering = boolPtr(st.DefaultIncoming == "deny" || st.DefaultIncoming == "reject")
		} else {
			s.Filtering = boolPtr(false)
		}
	}
	return s
}

func firewalldSource(ctx context.Context, p probe.Probe) Source {
	s := Source{Name: "firewalld"}
	out, err := p.Run(ctx, "firewall-cmd", "--state")
	if err != nil {
		s.State, s.Detail = failedState(err), err.Error()
		return s
	}
	running, err := ParseFirewalldState(out.Stdout, out.Stderr, out.ExitCode)
	if err != nil {
		s.State, s.Detail = StateUnrecognised, err.Error()
		if errors.Is(err, ErrUnrecognised) && iptablesDenied(out.Stderr) {
			s.State = StateDenied
		}
		return s
	}
	s.State, s.Active = StateRead, boolPtr(running)
	return s
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
