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
// lets it mount an empty /etc/avahi/services and /run/avahi-daemon of its
// own: the host's avahi configuration and state are never touched.
func StartAvahi(t *testing.T, iface, family, serviceXML string) *Avahi {
	t.Helper()
	dir := t.TempDir()
	for _, m := range []struct{ target, src string }{
		{"/etc/avahi/services", filepath.Join(dir, "services")},
		{"/run/avahi-daemon", filepath.Join(dir, "run")},
	} {
		if err := os.MkdirAll(m.src, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(m.target, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := unix.Mount(m.src, m.target, "", unix.MS_BIND, ""); err != nil {
			t.Fatalf("mounting over %s (is this a LoVeth namespace?): %v", m.target, err)
		}
		t.Cleanup(func() { _ = unix.Unmount(m.target, unix.MNT_DETACH) })
	}
	if err := os.WriteFile(filepath.Join(dir, "services", "test.service"), []byte(serviceXML), 0o644); err != nil {
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
`), 0o644); err != nil {
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
	case <-a.done:
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
