package live

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// passThroughEnv is what a command run for the user this process already
// is keeps of this process's environment: how to reach the session's bus
// and settings, nothing else.
var passThroughEnv = []string{
	"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_DIRS",
	"XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "DISPLAY", "WAYLAND_DISPLAY", "HOME",
}

// consoleUser finds the user at the screen. A process that is not root, or
// that already lives in a desktop session (it has a session bus), is that
// user. As a root service it asks logind for the active graphical session
// on seat0, and without logind takes the single user with a session bus in
// /run/user.
func (liveOS) consoleUser() (probe.User, error) {
	if os.Geteuid() != 0 || os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return currentUser()
	}
	if uid, ok := logindConsoleUID(); ok {
		return lookupUID(uid)
	}
	uids := runtimeBusUIDs("/run/user")
	if len(uids) == 1 {
		return lookupUID(uids[0])
	}
	return probe.User{}, fmt.Errorf("console user: no active graphical session: %w", probe.ErrNotFound)
}

// logindConsoleUID asks loginctl for the active local graphical session.
func logindConsoleUID() (string, bool) {
	l := New()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	out, err := l.Run(ctx, probe.CmdLoginctl, "list-sessions", "--no-legend", "--no-pager")
	if err != nil || out.ExitCode != 0 {
		return "", false
	}
	sc := bufio.NewScanner(bytes.NewReader(out.Stdout))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		props, err := l.Run(ctx, probe.CmdLoginctl, "show-session", fields[0], "-p", "Uid", "-p", "Active", "-p", "Type", "-p", "Class", "-p", "Remote")
		if err != nil || props.ExitCode != 0 {
			continue
		}
		if uid, ok := ActiveGraphicalSession(props.Stdout); ok {
			return uid, true
		}
	}
	return "", false
}

// ActiveGraphicalSession reads `loginctl show-session -p Uid -p Active -p
// Type -p Class -p Remote` output and returns the uid when it is an active,
// local, graphical user session.
func ActiveGraphicalSession(out []byte) (string, bool) {
	p := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			p[k] = v
		}
	}
	graphical := p["Type"] == "x11" || p["Type"] == "wayland" || p["Type"] == "mir"
	if p["Active"] == "yes" && p["Class"] == "user" && p["Remote"] != "yes" && graphical && p["Uid"] != "" {
		return p["Uid"], true
	}
	return "", false
}

// runtimeBusUIDs lists the non-root uids under dir (/run/user) that have a
// session bus socket.
func runtimeBusUIDs(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var uids []string
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil || n == 0 {
			continue
		}
		if fi, err := os.Stat(filepath.Join(dir, e.Name(), "bus")); err == nil && fi.Mode()&os.ModeSocket != 0 {
			uids = append(uids, e.Name())
		}
	}
	sort.Strings(uids)
	return uids
}

// asUser runs cmd as u: with u's credentials, HOME and session bus when this
// process is root and u is someone else; with this process's session
// variables when u is this process's user.
func (liveOS) asUser(cmd *exec.Cmd, u probe.User) error {
	switched, err := credentialFor(cmd, u)
	if err != nil {
		return err
	}
	if switched {
		runtime := "/run/user/" + u.UID
		cmd.Env = append(userEnv(cmd.Env, u), "XDG_RUNTIME_DIR="+runtime, "DBUS_SESSION_BUS_ADDRESS=unix:path="+runtime+"/bus")
		return nil
	}
	for _, k := range passThroughEnv {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	return nil
}
