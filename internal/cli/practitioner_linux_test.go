package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/internal/gobuild"
	"github.com/sessionguard/sessionguard/internal/syncbuf"
)

// installedAgent is the built agent running as root in a private mount
// namespace that looks like an installed system: its socket at the
// default /run/sessionguard/agent.sock, its state in the default
// /var/lib/sessionguard (root-only), and nobody (uid 65534) the user at
// the console (/run/user/65534/bus). /run and /var/lib/sessionguard are
// the namespace's own: the host's are neither read nor changed.
type installedAgent struct {
	bin, base, state string
	// ns is the process that holds the namespace (a shell, then sleep);
	// agentPID the agent it started.
	ns       *exec.Cmd
	agentPID int
	logs     syncbuf.Buffer
}

const (
	practitionerUID = 65534 // nobody: the user at the console
	otherUID        = 65533 // another local user, not at the console
)

func startInstalledAgent(t *testing.T) *installedAgent {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: a mount namespace and clients run as other users")
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, tool := range []string{"unshare", "nsenter", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (util-linux)", tool)
		}
	}
	base, err := os.MkdirTemp("", "sg-practitioner-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil { // other users run the binary
		t.Fatal(err)
	}
	ia := &installedAgent{bin: filepath.Join(base, "sessionguard"), base: base, state: "/var/lib/sessionguard"}
	gobuild.Must(t, gobuild.Program{Pkg: "cmd/sessionguard", Out: ia.bin})
	// The console user's session bus, as the agent looks for it.
	userRun := filepath.Join(base, "user-run")
	if err := os.Mkdir(userRun, 0o700); err != nil {
		t.Fatal(err)
	}
	bus, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(userRun, "bus"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Close() })
	if err := os.Chown(userRun, practitionerUID, practitionerUID); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(base, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(home, practitionerUID, practitionerUID); err != nil {
		t.Fatal(err)
	}
	pol := filepath.Join(base, "policy.json")
	if err := os.WriteFile(pol, []byte(`{"schema":"sessionguard.policy/v1","allow_override":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// /var/lib becomes a tmpfs holding the host's folders (bound back)
	// but sessionguard's. The shell keeps the namespace (as sleep) after
	// the agent stops.
	script := `set -e
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/user/65534
mount --bind "$1" /run/user/65534
mkdir "$3"
mount --bind /var/lib "$3"
mount -t tmpfs -o mode=0755 tmpfs /var/lib
for d in "$3"/*; do
	n=${d##*/}
	if [ -d "$d" ] && [ ! -L "$d" ] && [ "$n" != sessionguard ]; then mkdir "/var/lib/$n"; mount --bind "$d" "/var/lib/$n"; fi
done
pidfile=$2
shift 3
"$@" &
echo $! > "$pidfile"
wait $! || true
exec sleep 3600`
	pidfile := filepath.Join(base, "agent.pid")
	ia.ns = exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", userRun, pidfile, filepath.Join(base, "host-var-lib"),
		ia.bin, "agent", "run", "--policy", pol)
	ia.ns.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	ia.ns.Stdout, ia.ns.Stderr = &ia.logs, &ia.logs
	if err := ia.ns.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ia.stop()
		_ = ia.ns.Process.Kill()
		_ = ia.ns.Wait()
		if t.Failed() {
			t.Logf("agent log:\n%s", ia.logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for ia.agentPID == 0 {
		if b, err := os.ReadFile(pidfile); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			ia.agentPID, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent did not start:\n%s", ia.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for {
		// (Before the agent answers, status runs in-process: over a
		// throw-away state directory.)
		out, _, _ := ia.run(t, 0, "status", "--json", "--state-dir", filepath.Join(base, "poll-state"))
		var st localapi.Status
		if json.Unmarshal([]byte(out), &st) == nil && !st.LastRunAt.IsZero() && !st.Running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent did not finish its first check run; last status %q", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return ia
}

// stop stops the agent (SIGTERM, as the service manager does) and waits
// until it is gone; the namespace stays.
func (ia *installedAgent) stop() {
	if ia.agentPID == 0 {
		return
	}
	_ = syscall.Kill(ia.agentPID, syscall.SIGTERM)
	for range 500 {
		if _, err := os.Stat("/proc/" + strconv.Itoa(ia.agentPID)); err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	ia.agentPID = 0
}

// command is the CLI run as uid inside the agent's namespace, with the
// bare environment a login gives.
func (ia *installedAgent) command(uid int, args ...string) *exec.Cmd {
	argv := []string{"-t", strconv.Itoa(ia.ns.Process.Pid), "-m", "--"}
	if uid != 0 {
		argv = append(argv, "setpriv", "--reuid", strconv.Itoa(uid), "--regid", strconv.Itoa(uid), "--clear-groups", "--")
	}
	argv = append(argv, ia.bin)
	cmd := exec.Command("nsenter", append(argv, args...)...)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + filepath.Join(ia.base, "home"), "LANG=C.UTF-8"}
	return cmd
}

func (ia *installedAgent) run(t *testing.T, uid int, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := ia.command(uid, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// practitionerText fails when text meant for a person carries a
// structured log line or a lock file's name.
func practitionerText(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, "level=") || strings.Contains(s, "msg=") || strings.Contains(s, ".lock") {
		t.Errorf("%s: not plain English:\n%s", what, s)
	}
}

// TestPractitionerOnInstalledSystem meets the CLI as the counsellor does on
// an installed computer: the agent runs as root, they are the user at the
// screen, and they type the commands with no flags.
func TestPractitionerOnInstalledSystem(t *testing.T) {
	ia := startInstalledAgent(t)
	me := practitionerUID

	out, errOut, code := ia.run(t, me, "status", "--json")
	var st localapi.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != ExitNotReady {
		t.Fatalf("status: exit %d %v\n%s%s", code, err, out, errOut)
	}
	if !st.CanWrite {
		t.Skip("the agent does not see nobody at the console here (a logind session?)")
	}

	// version: the CLI's and the agent's.
	out, _, code = ia.run(t, me, "version")
	if code != 0 || !strings.Contains(out, "sessionguard dev (linux/") || !strings.Contains(out, "running on this computer is the same version") {
		t.Errorf("version: exit %d\n%s", code, out)
	}
	if out, _, code := ia.run(t, me, "--version"); code != 0 || out != "sessionguard dev\n" {
		t.Errorf("--version: exit %d %q", code, out)
	}

	// status reads the root agent, not a run of its own.
	out, errOut, code = ia.run(t, me, "status")
	if code != ExitNotReady || !strings.Contains(out, "RED") || strings.Contains(out, "not running") || errOut != "" {
		t.Errorf("status: exit %d\n%s%s", code, out, errOut)
	}

	// check: a fresh run by the agent; the same verdicts the agent keeps
	// (what the tray shows), not a run with nobody's rights.
	out, errOut, code = ia.run(t, me, "check")
	if code != ExitNotReady || !strings.Contains(out, "Checked just now by the SessionGuard agent.") || errOut != "" {
		t.Errorf("check: exit %d\n%s%s", code, out, errOut)
	}
	out, _, _ = ia.run(t, me, "check", "--json")
	mine := decodeReport(t, out)
	out, _, _ = ia.run(t, 0, "check", "--cached", "--json")
	agents := decodeReport(t, out)
	if statuses(mine) != statuses(agents) || len(mine.Results) != len(all.Checks()) {
		t.Errorf("the practitioner's check differs from the agent's results:\n%s\n%s", statuses(mine), statuses(agents))
	}
	out, _, _ = ia.run(t, me, "check", "--local", "--json")
	t.Logf("for comparison, check --local as the practitioner: %s; the agent: %s", statuses(decodeReport(t, out)), statuses(agents))
	out, _, code = ia.run(t, me, "check", "--only", "firewall,disk_encryption", "--json")
	if rep := decodeReport(t, out); len(rep.Results) != 2 || code != ExitNotReady || rep.Ready {
		t.Errorf("check --only through the agent: exit %d %s", code, statuses(rep))
	}

	// session start: not ready says which checks by title.
	out, _, code = ia.run(t, me, "session", "start", "--label", "CR-2291")
	if code != ExitNotReady || !strings.Contains(out, "Disk encryption") || strings.Contains(out, "disk_encryption") {
		t.Errorf("start while not ready: exit %d\n%s", code, out)
	}
	out, errOut, code = ia.run(t, me, "session", "start", "--label", "CR-2291", "--override-reason", "urgent safeguarding concern")
	if code != 0 || !strings.Contains(out, "Session CR-2291 started") || !strings.Contains(out, "Disk encryption") || strings.Contains(out, "disk_encryption") {
		t.Fatalf("override start: exit %d\n%s%s", code, out, errOut)
	}
	// A second start says which session is open, since when, and how to
	// end it.
	_, errOut, code = ia.run(t, me, "session", "start", "--label", "CR-3000", "--override-reason", "IT support is fixing it")
	if code != ExitError || !regexp.MustCompile(`^sessionguard: session CR-2291 is already open \(started at \d\d:\d\d, less than a minute ago\): end it first with 'sessionguard session end'`).MatchString(errOut) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("second start: exit %d %q", code, errOut)
	}

	// The log is root's; the practitioner sees it through the agent.
	if _, errOut, code := ia.run(t, me, "session", "list", "--log", filepath.Join(ia.state, "sessions.log")); code != ExitError || !strings.Contains(errOut, "administrator only") {
		t.Errorf("reading the root-only log directly: exit %d %q", code, errOut)
	}
	out, errOut, code = ia.run(t, me, "session", "list")
	if code != 0 || !strings.Contains(out, "CR-2291") || !strings.Contains(out, "open") || !strings.Contains(out, "urgent safeguarding concern") || errOut != "" {
		t.Errorf("session list: exit %d\n%s%s", code, out, errOut)
	}
	if out, _, code := ia.run(t, me, "session", "end"); code != 0 || !strings.Contains(out, "Session CR-2291 ended") {
		t.Errorf("session end: exit %d\n%s", code, out)
	}
	out, errOut, code = ia.run(t, me, "session", "verify")
	if code != 0 || !strings.Contains(out, "Checked by the SessionGuard agent: "+filepath.Join(ia.state, "sessions.log")) || !strings.Contains(out, "OK: 2 records, chain intact") {
		t.Errorf("session verify: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = ia.run(t, me, "session", "list", "--json")
	var list sessionListJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 || len(list.Sessions) != 1 || list.Sessions[0].End == nil || !list.Intact {
		t.Errorf("session list --json: exit %d %v\n%s", code, err, out)
	}
	if _, errOut, code := ia.run(t, me, "session", "verify", "--log", filepath.Join(ia.base, "missing.log")); code != ExitError || !strings.Contains(errOut, "there is no session log at") {
		t.Errorf("verify --log MISSING: exit %d %q", code, errOut)
	}

	// Another user of this computer, not at the screen: the agent's
	// latest results, and no sessions.
	out, errOut, code = ia.run(t, otherUID, "check")
	if code != ExitNotReady || !strings.Contains(out, "Only the person at this computer's screen or an administrator can ask it to check again.") || errOut != "" {
		t.Errorf("check by another user: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := ia.run(t, otherUID, "session", "list"); code != ExitError || !strings.Contains(errOut, "only an administrator or the person logged in at this computer's screen") {
		t.Errorf("session list by another user: exit %d %q", code, errOut)
	}

	// At a terminal: colours, and the same words.
	ptyOut := ia.runPTY(t, me, "check")
	if !strings.Contains(ptyOut, "\x1b[31m✘\x1b[0m") || !strings.Contains(ptyOut, "Checked just now by the SessionGuard agent.") {
		t.Errorf("check at a terminal:\n%q", ptyOut)
	}
	practitionerText(t, "check at a terminal", ptyOut)

	// The agent stops: check says so plainly and runs here; verify has no
	// agent to ask and no log of the practitioner's own: an error.
	ia.stop()
	out, errOut, code = ia.run(t, me, "check")
	if code == ExitError || !strings.Contains(errOut, "the SessionGuard agent is not running, so the checks ran here with your own rights") || strings.Count(errOut, "\n") != 1 || !strings.Contains(out, "Disk encryption") {
		t.Errorf("check without the agent: exit %d\n%s%s", code, out, errOut)
	}
	practitionerText(t, "check without the agent", errOut)
	// The agent's log is there, the agent is not: not "no sessions".
	if _, errOut, code := ia.run(t, me, "session", "list"); code != ExitError || !strings.Contains(errOut, "the SessionGuard agent is not running, and its session log (/var/lib/sessionguard/sessions.log) can be read through it or by an administrator only") {
		t.Errorf("list without the agent: exit %d %q", code, errOut)
	}
	if _, errOut, code := ia.run(t, me, "session", "verify"); code != ExitError || strings.Contains(errOut, "OK") {
		t.Errorf("verify without the agent: exit %d %q", code, errOut)
	}
	if out, errOut, code := ia.run(t, 0, "session", "verify"); code != 0 || !strings.Contains(out, "OK: 2 records, chain intact") {
		t.Errorf("verify by root without the agent: exit %d\n%s%s", code, out, errOut)
	}
	// (status without the agent makes the practitioner's own, empty, log.)
	out, _, code = ia.run(t, me, "status")
	if code == ExitError || !strings.Contains(out, "The SessionGuard agent is not running, so these results are from a check run here just now") {
		t.Errorf("status without the agent: exit %d\n%s", code, out)
	}
	if out, _, code := ia.run(t, me, "version"); code != 0 || !strings.Contains(out, "The SessionGuard agent is not running on this computer.") {
		t.Errorf("version without the agent: exit %d\n%s", code, out)
	}
}

// runPTY runs the CLI as uid under a pseudo-terminal and returns what the
// person sees.
func (ia *installedAgent) runPTY(t *testing.T, uid int, args ...string) string {
	t.Helper()
	cmd := ia.command(uid, args...)
	cmd.Env = append(cmd.Env, "TERM=xterm-256color")
	f, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	_, _ = io.Copy(&out, f) // EIO when the child exits
	_ = cmd.Wait()
	return out.String()
}

func statuses(rep checks.Report) string {
	var b strings.Builder
	for _, r := range rep.Results {
		b.WriteString(r.ID + "=" + string(r.Status) + " ")
	}
	return b.String()
}
