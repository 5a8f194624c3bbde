package netnstest

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// AvahiDaemon is avahi-daemon as Debian's avahi-daemon package installs it.
const AvahiDaemon = "/usr/sbin/avahi-daemon"

// NeedAvahi skips t when avahi-daemon is not installed, and fails it under
// CI (scripts/deps.sh installs it). Call it before InLoopbackNetns: a test
// skipped inside the namespace fails in the parent.
func NeedAvahi(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(AvahiDaemon); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: scripts/deps.sh installs avahi-daemon", AvahiDaemon)
		}
		t.Skip("needs avahi-daemon (apt install avahi-daemon)")
	}
}

// Avahi is a running avahi-daemon.
type Avahi struct {
	cmd  *exec.Cmd
	done chan error
}

// StartAvahi runs avahi-daemon on the interface iface, over family
// ("udp4" or "udp6"), publishing the static service group serviceXML (an
// avahi.service(5) document), without D-Bus, and returns once it says the service is established. It runs
// inside a namespace prepared with LoVeth, whose private mount namespace
// lets it mount an /etc/avahi/services and a /run of its own: the host's
// avahi configuration and state are never touched.
func StartAvahi(t *testing.T, iface, family, serviceXML string) *Avahi {
	t.Helper()
	dir := t.TempDir()
	services := filepath.Join(dir, "services")
	if err := os.Mkdir(services, 0o750); err != nil {
		t.Fatal(err)
	}
	// A fresh /run (avahi's pid file and socket go to /run/avahi-daemon)
	// and an /etc/avahi/services of the test's own, in this namespace only.
	for _, m := range []struct{ src, target, fstype string }{
		{"tmpfs", "/run", "tmpfs"},
		{services, "/etc/avahi/services", ""},
	} {
		flags := uintptr(0)
		if m.fstype == "" {
			flags = unix.MS_BIND
		}
		if err := unix.Mount(m.src, m.target, m.fstype, flags, "mode=0755"); err != nil {
			t.Fatalf("mounting over %s (is this a LoVeth namespace?): %v", m.target, err)
		}
		t.Cleanup(func() { _ = unix.Unmount(m.target, unix.MNT_DETACH) })
	}
	if err := os.Mkdir("/run/avahi-daemon", 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "services", "test.service"), []byte(serviceXML), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "avahi-daemon.conf")
	if err := os.WriteFile(conf, []byte(`[server]
host-name=speaker
domain-name=local
use-ipv4=`+yesNo(family == "udp4")+`
use-ipv6=`+yesNo(family == "udp6")+`
allow-interfaces=`+iface+`
enable-dbus=no
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(AvahiDaemon, "-f", conf, "--no-drop-root", "--no-chroot", "--no-rlimits", "--debug")
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &Avahi{cmd: cmd, done: make(chan error, 1)}
	established := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "successfully established") {
				close(established)
			}
		}
		a.done <- cmd.Wait()
	}()
	t.Cleanup(func() { a.Stop(t) })
	select {
	case <-established:
	case <-time.After(10 * time.Second):
		t.Fatalf("avahi-daemon did not establish the service within 10 s")
	}
	return a
}

// Stop ends avahi-daemon with SIGTERM, on which it says goodbye to what it
// published, and waits for it.
func (a *Avahi) Stop(t *testing.T) {
	t.Helper()
	if a.cmd.ProcessState != nil || a.done == nil {
		return
	}
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("stopping avahi-daemon: %v", err)
	}
	select {
	case err := <-a.done:
		if err != nil {
			t.Logf("avahi-daemon exited: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = a.cmd.Process.Kill()
		t.Errorf("avahi-daemon did not stop within 10 s of SIGTERM")
	}
	a.done = nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
