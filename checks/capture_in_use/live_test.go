package captureinuse_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	captureinuse "github.com/sessionguard/sessionguard/checks/capture_in_use"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
)

// needTools skips when a tool is missing, or fails under CI=true
// (scripts/deps.sh installs them).
func needTools(t *testing.T, pkg string, tools ...string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("live sound-server test on Linux only")
	}
	for _, tool := range tools {
		if _, err := os.Stat(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing: apt-get install %s", tool, pkg)
			}
			t.Skipf("%s is missing (apt-get install %s)", tool, pkg)
		}
	}
}

// privateSession points this process (and so the live probe's commands
// run "as the console user", who is this process's user while a session
// bus address is set) at a runtime folder of its own, so the machine's own
// sound server, if any, is never touched.
func privateSession(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", run)
	t.Setenv("HOME", dir)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(dir, "no-bus"))
	return run
}

// start runs a program for the length of the test.
func start(t *testing.T, argv ...string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s: %s", argv[0], out.String())
		}
	})
}

func waitFor(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s did not appear", path)
}

// runUntil runs the check with the live probe until it sees program
// capturing (a recording client needs a moment to connect), or gives up.
func runUntil(t *testing.T, pol checks.Policy, program string) checks.Result {
	t.Helper()
	var r checks.Result
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		r = captureinuse.Check.Run(t.Context(), live.New(), pol)
		if strings.Contains(string(r.Facts), `"program":"`+program+`"`) {
			return r
		}
	}
	t.Fatalf("never saw %s capturing: %s %q %s", program, r.Status, r.Summary, r.Facts)
	return r
}

// liveVerdicts: the recording client fails the check; the same client
// named as a call app passes it.
func liveVerdicts(t *testing.T, program, via string) checks.Result {
	pol := checks.Catalogue{captureinuse.Check}.Default()
	r := runUntil(t, pol, program)
	if r.Status != checks.Fail || !strings.Contains(r.Summary, `"`+program+`" is recording`) || !strings.Contains(string(r.Facts), `"via":"`+via+`"`) {
		t.Errorf("recording: %s %q %s, want fail naming %s via %s", r.Status, r.Summary, r.Facts, program, via)
	}
	allowed := pol.With(captureinuse.CallAppsSetting.Name, []string{"Zoom", program})
	if r := captureinuse.Check.Run(t.Context(), live.New(), allowed); r.Status != checks.Pass || !strings.Contains(r.Summary, "In use by your call app") {
		t.Errorf("%s as a call app: %s %q %s %s, want pass", program, r.Status, r.Summary, r.Reason, r.Facts)
	}
	return r
}

// TestLivePulseAudio runs a real PulseAudio daemon with a null source in a
// private runtime folder and records from it with parecord.
func TestLivePulseAudio(t *testing.T) {
	needTools(t, "pulseaudio pulseaudio-utils", "/usr/bin/pulseaudio", "/usr/bin/pactl", "/usr/bin/parecord")
	run := privateSession(t)
	start(t, "/usr/bin/pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--disable-shm=yes",
		"-L", "module-native-protocol-unix", "-L", "module-null-sink sink_name=speakers", "-L", "module-null-source source_name=mic")
	waitFor(t, filepath.Join(run, "pulse", "native"))

	// Nothing records yet.
	pol := checks.Catalogue{captureinuse.Check}.Default()
	if r := captureinuse.Check.Run(t.Context(), live.New(), pol); r.Status != checks.Pass || !strings.Contains(string(r.Facts), `"streams":"pulseaudio"`) {
		t.Errorf("idle: %s %q %s %s, want pass read through pulseaudio", r.Status, r.Summary, r.Reason, r.Facts)
	}
	start(t, "/usr/bin/parecord", "-d", "mic", filepath.Join(t.TempDir(), "rec.wav"))
	r := liveVerdicts(t, "pacat", captureinuse.ViaPulseAudio)
	// pactl's source list tells the null source for a microphone.
	if !strings.Contains(r.Summary, "recording the microphone") {
		t.Errorf("summary %q, want the microphone named", r.Summary)
	}
}

// TestLivePipeWire runs a real PipeWire daemon (no session manager, so the
// stream is not linked and reads as "sound") and records with pw-record.
func TestLivePipeWire(t *testing.T) {
	needTools(t, "pipewire pipewire-bin", "/usr/bin/pipewire", "/usr/bin/pw-dump", "/usr/bin/pw-record")
	run := privateSession(t)
	start(t, "/usr/bin/pipewire")
	waitFor(t, filepath.Join(run, "pipewire-0"))
	start(t, "/usr/bin/pw-record", filepath.Join(t.TempDir(), "rec.wav"))
	liveVerdicts(t, "pw-cat", captureinuse.ViaPipeWire)
}

// TestLiveNoSoundServer: with no sound server running for this user the
// check asks nothing and judges by the open devices.
func TestLiveNoSoundServer(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	privateSession(t)
	p := live.New()
	procs, err := p.Processes()
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(procs, func(pr probe.Process) bool { return pr.Name == "pipewire" || pr.Name == "pulseaudio" }) {
		t.Skip("a sound server runs on this machine")
	}
	f, err := captureinuse.Collect(t.Context(), p)
	if err != nil || f.Streams != captureinuse.StateNone {
		t.Errorf("streams %q, %v; want none", f.Streams, err)
	}
}
