package service

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallWithoutSystemd is the acceptance test: on a Linux machine where
// systemd is not running (this one), the real install fails with a clear
// message, panics not, and writes no unit and no System V init script.
func TestInstallWithoutSystemd(t *testing.T) {
	if _, err := os.Stat(systemdRunningDir); err == nil {
		t.Skip("systemd runs here: a real install would install the agent")
	}
	written := []string{
		"/etc/systemd/system/" + Name + ".service",
		"/lib/systemd/system/" + Name + ".service",
		"/etc/init.d/" + Name,
		"/etc/init/" + Name + ".conf",
	}
	for _, p := range written {
		if _, err := os.Lstat(p); err == nil {
			t.Fatalf("%s exists before the test; remove it by hand", p)
		}
	}
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Install()
	const want = "cannot install the SessionGuard agent service: this system has no service manager SessionGuard supports " +
		"(systemd, launchd, Windows services); run `sessionguard agent run` in the foreground instead"
	if !errors.Is(err, ErrNoServiceManager) || err.Error() != want {
		t.Errorf("Install() = %v,\nwant %s", err, want)
	}
	for verb, op := range map[string]func() error{"uninstall": m.Uninstall, "start": m.Start, "stop": m.Stop} {
		if err := op(); !errors.Is(err, ErrNoServiceManager) || !strings.HasPrefix(err.Error(), "cannot "+verb+" the SessionGuard agent service: this system has no service manager") {
			t.Errorf("%s: %v", verb, err)
		}
	}
	if st, err := m.Status(); st != StatusNotInstalled || !errors.Is(err, ErrNoServiceManager) {
		t.Errorf("Status() = %v, %v", st, err)
	}
	if m.Platform() != "" {
		t.Errorf("Platform() = %q, want none", m.Platform())
	}
	for _, p := range written {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	rcLinks, _ := filepath.Glob("/etc/rc?.d/*" + Name)
	if len(rcLinks) > 0 {
		t.Errorf("init links were written: %q", rcLinks)
	}
}
