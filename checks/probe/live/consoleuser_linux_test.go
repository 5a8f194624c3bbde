package live

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
)

func TestActiveGraphicalSession(t *testing.T) {
	cases := []struct {
		name, out string
		uid       string
		ok        bool
	}{
		{"gnome wayland", "Uid=1000\nActive=yes\nType=wayland\nClass=user\nRemote=no\n", "1000", true},
		{"x11", "Uid=1001\nActive=yes\nType=x11\nClass=user\nRemote=no\n", "1001", true},
		{"greeter", "Uid=118\nActive=yes\nType=x11\nClass=greeter\nRemote=no\n", "", false},
		{"ssh", "Uid=1000\nActive=yes\nType=tty\nClass=user\nRemote=yes\n", "", false},
		{"background", "Uid=1000\nActive=no\nType=wayland\nClass=user\nRemote=no\n", "", false},
		{"garbage", "Failed to get session: No such file or directory\n", "", false},
	}
	for _, c := range cases {
		uid, ok := ActiveGraphicalSession([]byte(c.out))
		if uid != c.uid || ok != c.ok {
			t.Errorf("%s: got %q %v", c.name, uid, ok)
		}
	}
}

func TestRuntimeBusUIDs(t *testing.T) {
	dir := t.TempDir()
	for _, uid := range []string{"0", "1000", "1001", "notauid"} {
		if err := os.MkdirAll(filepath.Join(dir, uid), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, uid := range []string{"0", "1000"} {
		l, err := net.Listen("unix", filepath.Join(dir, uid, "bus"))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
	}
	if got := runtimeBusUIDs(dir); !slices.Equal(got, []string{"1000"}) {
		t.Errorf("got %v, want [1000]: root and users without a bus are not console users", got)
	}
}

func TestRunAsAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching users needs root")
	}
	l := New()
	l.allow = map[string][]string{"id": {"/usr/bin/id"}, "env": {"/usr/bin/env"}}
	nobody := probe.User{UID: "65534", Name: "nobody", Home: "/nonexistent"}
	out, err := l.run(t.Context(), "id", []string{"-u"}, &nobody)
	if err != nil || strings.TrimSpace(string(out.Stdout)) != "65534" {
		t.Fatalf("id -u as nobody: %q %v", out.Stdout, err)
	}
	out, err = l.run(t.Context(), "env", nil, &nobody)
	if err != nil || !strings.Contains(string(out.Stdout), "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/65534/bus") || !strings.Contains(string(out.Stdout), "HOME=/nonexistent") {
		t.Errorf("user environment: %q %v", out.Stdout, err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/tmp/test-bus")
	u, err := l.ConsoleUser()
	if err != nil || u.UID != "0" {
		t.Fatalf("root inside a session bus is the console user: %+v %v", u, err)
	}
	out, err = l.runAsConsoleUser(t.Context(), "env", nil)
	if err != nil || !strings.Contains(string(out.Stdout), "DBUS_SESSION_BUS_ADDRESS=unix:path=/tmp/test-bus") {
		t.Errorf("the session bus passes through: %q %v", out.Stdout, err)
	}
}
