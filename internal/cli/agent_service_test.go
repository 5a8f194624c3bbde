package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	kservice "github.com/kardianos/service"
	"github.com/spf13/cobra"

	agentservice "github.com/sessionguard/sessionguard/agent/service"
)

// runAgentService runs `sessionguard agent ARGS…` with the agent service
// commands attached under a bare `agent`, the way Main reports the result.
func runAgentService(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, colour: func() bool { return false }}
	fakeRun := func(ctx context.Context) error { <-ctx.Done(); return nil }
	root := e.rootCommand()
	agent := &cobra.Command{Use: "agent", Short: "The SessionGuard agent"}
	agent.AddCommand(e.agentServiceCommands(fakeRun)...)
	root.AddCommand(agent)
	root.SetArgs(append([]string{"agent"}, args...))
	switch err := root.ExecuteContext(t.Context()); {
	case err == nil:
		code = ExitReady
	case errors.Is(err, errNotReady):
		code = ExitNotReady
	default:
		fmt.Fprintf(&errb, "sessionguard: %s\n", oneLine(err.Error()))
		code = ExitError
	}
	return out.String(), errb.String(), code
}

// TestAgentServiceWithoutSystemd runs the real commands on this machine,
// where systemd is not running: clear one-line errors, nothing installed.
func TestAgentServiceWithoutSystemd(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	if _, err := os.Stat("/run/systemd/system"); err == nil {
		t.Skip("systemd runs here: a real install would install the agent")
	}
	const noManager = "this system has no service manager SessionGuard supports (systemd, launchd, Windows services); " +
		"run `sessionguard agent run` in the foreground instead"
	for _, verb := range []string{"install", "uninstall", "start", "stop"} {
		t.Run(verb, func(t *testing.T) {
			stdout, stderr, code := runAgentService(t, verb)
			want := "sessionguard: cannot " + verb + " the SessionGuard agent service: " + noManager + "\n"
			if code != ExitError || stderr != want || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and stderr %q", code, stdout, stderr, want)
			}
		})
	}
	t.Run("status", func(t *testing.T) {
		stdout, stderr, code := runAgentService(t, "status")
		want := "The SessionGuard agent service is not installed: " + noManager + ".\n"
		if code != ExitReady || stdout != want || stderr != "" {
			t.Errorf("exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
		}
	})
	if _, err := os.Lstat("/etc/systemd/system/" + agentservice.Name + ".service"); err == nil {
		t.Error("a unit was written to /etc/systemd/system")
	}
	if _, err := os.Lstat("/etc/init.d/" + agentservice.Name); err == nil {
		t.Error("an init script was written to /etc/init.d")
	}
}

// fakeService is a kardianos Service in a given state, recording calls;
// each call moves it to the state that follows.
type fakeService struct {
	status    kservice.Status
	statusErr error
	calls     []string
}

func (f *fakeService) set(call string, st kservice.Status, err error) error {
	f.calls = append(f.calls, call)
	f.status, f.statusErr = st, err
	return nil
}
func (f *fakeService) Run() error     { return nil }
func (f *fakeService) Start() error   { return f.set("start", kservice.StatusRunning, nil) }
func (f *fakeService) Stop() error    { return f.set("stop", kservice.StatusStopped, nil) }
func (f *fakeService) Restart() error { return f.set("restart", kservice.StatusRunning, nil) }
func (f *fakeService) Install() error { return f.set("install", kservice.StatusStopped, nil) }
func (f *fakeService) Uninstall() error {
	return f.set("uninstall", kservice.StatusUnknown, kservice.ErrNotInstalled)
}
func (f *fakeService) Logger(chan<- error) (kservice.Logger, error) {
	return kservice.ConsoleLogger, nil
}
func (f *fakeService) SystemLogger(chan<- error) (kservice.Logger, error) {
	return kservice.ConsoleLogger, nil
}
func (f *fakeService) String() string                   { return "fake" }
func (f *fakeService) Platform() string                 { return string(agentservice.Systemd) }
func (f *fakeService) Status() (kservice.Status, error) { return f.status, f.statusErr }

// TestAgentServiceCommands drives the commands against a service manager in
// a given state and a caller with or without root.
func TestAgentServiceCommands(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the messages say sudo")
	}
	notInstalled := fakeService{statusErr: kservice.ErrNotInstalled}
	stopped := fakeService{status: kservice.StatusStopped}
	running := fakeService{status: kservice.StatusRunning}
	cases := []struct {
		name   string
		args   []string
		svc    fakeService
		admin  bool
		code   int
		stdout string
		stderr string
		calls  []string
	}{
		{"install not root", []string{"install"}, notInstalled, false, ExitError, "",
			"sessionguard: cannot install the SessionGuard agent service: this needs root; run it again with sudo\n", nil},
		{"start not root", []string{"start"}, stopped, false, ExitError, "",
			"sessionguard: cannot start the SessionGuard agent service: this needs root; run it again with sudo\n", nil},
		{"stop not root", []string{"stop"}, running, false, ExitError, "",
			"sessionguard: cannot stop the SessionGuard agent service: this needs root; run it again with sudo\n", nil},
		{"uninstall not root", []string{"uninstall"}, running, false, ExitError, "",
			"sessionguard: cannot uninstall the SessionGuard agent service: this needs root; run it again with sudo\n", nil},
		{"start not installed", []string{"start"}, notInstalled, true, ExitError, "",
			"sessionguard: cannot start the SessionGuard agent service: the SessionGuard agent service is not installed; install it with `sudo sessionguard agent install`\n", nil},
		{"stop not installed", []string{"stop"}, notInstalled, true, ExitError, "",
			"sessionguard: cannot stop the SessionGuard agent service: the SessionGuard agent service is not installed; install it with `sudo sessionguard agent install`\n", nil},
		{"uninstall not installed", []string{"uninstall"}, notInstalled, true, ExitError, "",
			"sessionguard: cannot uninstall the SessionGuard agent service: the SessionGuard agent service is not installed; install it with `sudo sessionguard agent install`\n", nil},
		{"install twice", []string{"install"}, running, true, ExitError, "",
			"sessionguard: cannot install the SessionGuard agent service: the SessionGuard agent service is already installed; run `sudo sessionguard agent uninstall` first to reinstall it\n", nil},
		{"install", []string{"install"}, notInstalled, true, ExitReady,
			"Installed the SessionGuard agent service (linux-systemd), which runs /usr/bin/sessionguard agent run.\nStarted it.\n", "",
			[]string{"install", "start"}},
		{"install --no-start", []string{"install", "--no-start"}, notInstalled, true, ExitReady,
			"Installed the SessionGuard agent service (linux-systemd), which runs /usr/bin/sessionguard agent run.\nIt starts at the next boot, or now with: sessionguard agent start\n", "",
			[]string{"install"}},
		{"start", []string{"start"}, stopped, true, ExitReady, "The SessionGuard agent service is running.\n", "", []string{"start"}},
		{"stop", []string{"stop"}, running, true, ExitReady, "The SessionGuard agent service is stopped.\n", "", []string{"stop"}},
		{"uninstall", []string{"uninstall"}, running, true, ExitReady, "Removed the SessionGuard agent service.\n", "", []string{"stop", "uninstall"}},
		{"status not installed", []string{"status"}, notInstalled, false, ExitReady, "The SessionGuard agent service is not installed.\n", "", nil},
		{"status stopped", []string{"status"}, stopped, false, ExitReady, "The SessionGuard agent service is stopped.\n", "", nil},
		{"status running", []string{"status"}, running, false, ExitReady, "The SessionGuard agent service is running.\n", "", nil},
		{"status unreadable", []string{"status"}, fakeService{statusErr: errors.New("systemctl: timed out")}, false, ExitError, "",
			"sessionguard: reading the SessionGuard agent service's status: systemctl: timed out\n", nil},
		{"stray argument", []string{"start", "now"}, stopped, true, ExitError, "", "takes no arguments", nil},
	}
	orig := newAgentServiceManager
	t.Cleanup(func() { newAgentServiceManager = orig })
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc := c.svc
			newAgentServiceManager = func(run func(context.Context) error) (*agentservice.Manager, error) {
				if run == nil {
					t.Error("the agent's run function did not reach the manager")
				}
				return agentservice.New(agentservice.Options{
					Executable: "/usr/bin/sessionguard", Run: run,
					Platform: agentservice.Systemd, IsAdmin: func() bool { return c.admin }, Service: &svc,
				})
			}
			stdout, stderr, code := runAgentService(t, c.args...)
			if code != c.code || stdout != c.stdout || !strings.Contains(stderr, c.stderr) || (c.stderr == "") != (stderr == "") {
				t.Errorf("exit %d, stdout %q, stderr %q\nwant exit %d, stdout %q, stderr %q", code, stdout, stderr, c.code, c.stdout, c.stderr)
			}
			if !slices.Equal(svc.calls, c.calls) {
				t.Errorf("service manager calls %q, want %q", svc.calls, c.calls)
			}
		})
	}
}
