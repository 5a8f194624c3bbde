package voiceassistants_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	voiceassistants "github.com/sessionguard/sessionguard/checks/voice_assistants"
)

// liveFound runs the check against this machine and returns its result and
// the assistants it found.
func liveFound(t *testing.T) (checks.Result, []string) {
	t.Helper()
	f, err := voiceassistants.Collect(t.Context(), live.New())
	if err != nil {
		t.Fatalf("live collect: %v", err)
	}
	if !f.ProcessListRead {
		t.Fatalf("live process list not read: %v", f.Errors)
	}
	var found []string
	for _, fd := range f.Found {
		found = append(found, fd.Assistant)
	}
	return voiceassistants.Evaluate(f, checks.Catalogue{voiceassistants.Check}.Default()), found
}

// TestLiveWyomingSatellite starts a real process that looks like a Home
// Assistant voice satellite, checks that the live check fails naming it,
// stops it and checks that the finding is gone. Whatever else this machine
// runs is taken as the baseline, so another assistant cannot make it flaky.
func TestLiveWyomingSatellite(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live argv scan test runs on Linux")
	}
	_, baseline := liveFound(t)
	if slices.Contains(baseline, voiceassistants.WyomingSatellite) {
		t.Skip("a Wyoming satellite already runs on this machine; cannot test start and stop")
	}

	starts := map[string]func(t *testing.T) *exec.Cmd{
		"copied_binary": func(t *testing.T) *exec.Cmd {
			sleep, err := exec.LookPath("sleep")
			if err != nil {
				t.Skip("sleep not found")
			}
			dst := filepath.Join(t.TempDir(), "wyoming-satellite")
			copyFile(t, sleep, dst)
			return exec.Command(dst, "60")
		},
		"python_module": func(t *testing.T) *exec.Cmd {
			py := ""
			for _, c := range []string{"/usr/bin/python3", "/root/.pyenv/shims/python3"} {
				if _, err := os.Stat(c); err == nil {
					py = c
					break
				}
			}
			if py == "" {
				if p, err := exec.LookPath("python3"); err == nil {
					py = p
				}
			}
			if py == "" {
				t.Skip("python3 not found: cannot start a python -m wyoming_satellite process")
			}
			// A pyenv shim is a shell script that starts the interpreter
			// later; run the real interpreter so argv is python's at once.
			out, err := exec.Command(py, "-c", "import sys; print(sys.executable)").Output()
			if err != nil {
				t.Skipf("python3 does not run: %v", err)
			}
			py = strings.TrimSpace(string(out))
			dir := t.TempDir()
			mod := filepath.Join(dir, "wyoming_satellite")
			if err := os.Mkdir(mod, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(mod, "__main__.py"), []byte("import time\ntime.sleep(60)\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, "-m", "wyoming_satellite", "--name", "Test", "--uri", "tcp://127.0.0.1:0")
			cmd.Dir = dir
			return cmd
		},
	}
	for name, start := range starts {
		t.Run(name, func(t *testing.T) {
			cmd := start(t)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			stopped := false
			stop := func() {
				if !stopped {
					stopped = true
					_ = cmd.Process.Kill()
					_ = cmd.Wait()
				}
			}
			t.Cleanup(stop)

			r, found := liveFound(t)
			if r.Status != checks.Fail {
				t.Errorf("with a satellite running: status %s (%s), want fail", r.Status, r.Summary)
			}
			if !slices.Contains(found, voiceassistants.WyomingSatellite) {
				t.Errorf("found %v, want %s", found, voiceassistants.WyomingSatellite)
			}
			if r.Fix == "" || !strings.Contains(r.Fix, "voice satellite") {
				t.Errorf("fix %q does not name the satellite", r.Fix)
			}

			stop()
			r, found = liveFound(t)
			if slices.Contains(found, voiceassistants.WyomingSatellite) {
				t.Errorf("after stopping: still found %v", found)
			}
			if len(baseline) == 0 && r.Status != checks.Pass {
				t.Errorf("after stopping: status %s (%s), want pass", r.Status, r.Summary)
			}
		})
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
