//go:build !windows

package live

import (
	"fmt"
	"os/exec"
	"syscall"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// liveOS holds what differs between operating systems in the live probe.
type liveOS struct{}

func newLiveOS() liveOS { return liveOS{} }

func (liveOS) expand(p string) string { return p }

// env is the whole environment of a command: no inherited variables, a fixed
// PATH for the tools' own children, and the C locale so output is not
// translated.
func (liveOS) env() []string {
	return []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "LANG=C"}
}

// prepare puts the command in its own process group so a timeout kills
// whatever it started too.
func (liveOS) prepare(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

func (liveOS) registry(key, value string) (any, error) {
	return nil, fmt.Errorf("registry %s\\%s: no registry on this OS: %w", key, value, probe.ErrNotFound)
}

func (liveOS) registryKeyExists(key string) (bool, error) {
	return false, fmt.Errorf("registry key %s: no registry on this OS: %w", key, probe.ErrUnavailable)
}

func (liveOS) registryValues(key string) (map[string]any, error) {
	return nil, fmt.Errorf("registry key %s: no registry on this OS: %w", key, probe.ErrUnavailable)
}

func (liveOS) wmi(namespace, class string) ([]map[string]any, error) {
	return nil, fmt.Errorf("wmi %s %s: no WMI on this OS: %w", namespace, class, probe.ErrNotFound)
}

func (liveOS) oemCodePage() int { return 0 }

// osVersion is host.os_version (see hostOSVersion).
func (liveOS) osVersion() string { return hostOSVersion() }
