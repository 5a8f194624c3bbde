//go:build linux

package live

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

func TestLiveRunAllowListAndEnvironment(t *testing.T) {
	t.Setenv("SESSIONGUARD_TEST_SECRET", "hunter2")
	l := New()
	if _, err := l.run(t.Context(), "sh", []string{"-c", "id"}, nil); !errors.Is(err, probe.ErrNotAllowed) {
		t.Fatalf("sh is not allow-listed, got %v", err)
	}
	if _, err := l.run(t.Context(), "/usr/bin/findmnt", nil, nil); !errors.Is(err, probe.ErrNotAllowed) {
		t.Fatalf("absolute paths are not names, got %v", err)
	}
	if _, err := l.Run(t.Context(), probe.CmdManageBDE, "-status"); !errors.Is(err, probe.ErrNotAllowed) {
		t.Fatalf("a Windows command is not allow-listed on Linux, got %v", err)
	}
	if _, err := l.Run(t.Context(), probe.Command{}); !errors.Is(err, probe.ErrNotAllowed) {
		t.Fatalf("the zero Command is not allow-listed, got %v", err)
	}
	l.allow = map[string][]string{"env": {"/nonexistent/env", "/usr/bin/env"}, "gone": {"/nonexistent/gone"}}
	out, err := l.run(t.Context(), "env", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	env := strings.Fields(string(out.Stdout))
	slices.Sort(env)
	if want := []string{"LANG=C", "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"}; !slices.Equal(env, want) {
		t.Errorf("command environment = %q, want only %q", env, want)
	}
	if _, err := l.run(t.Context(), "gone", nil, nil); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("missing command: %v", err)
	}
}

func TestLiveRunExitCodeAndTimeout(t *testing.T) {
	l := New()
	l.allow = map[string][]string{"false": {"/usr/bin/false", "/bin/false"}, "sleep": {"/usr/bin/sleep", "/bin/sleep"}}
	out, err := l.run(t.Context(), "false", nil, nil)
	if err != nil || out.ExitCode != 1 {
		t.Errorf("false: exit %d, err %v; a non-zero exit is not an error", out.ExitCode, err)
	}
	l.CommandTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err = l.run(t.Context(), "sleep", []string{"30"}, nil)
	if err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("sleep 30 with 200ms timeout: err %v after %v", err, time.Since(start))
	}
}

func TestLiveFiles(t *testing.T) {
	l := New()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "b"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("y"), 0o644); err != nil {
		t.Fatal(err)
	}
	names, err := l.ReadDir(dir)
	if err != nil || !slices.Equal(names, []string{"a", "b"}) {
		t.Errorf("ReadDir = %v, %v", names, err)
	}
	if _, err := l.ReadFile(filepath.Join(dir, "nope")); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := l.Registry(`HKLM\SOFTWARE`, "x"); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("registry on linux: %v", err)
	}
	if _, err := l.WMI("root/cimv2", "Win32_OperatingSystem"); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("wmi on linux: %v", err)
	}
}

// TestRecordThenReplay records live answers, writes the bundle and checks
// that replay gives back exactly the same answers.
func TestRecordThenReplay(t *testing.T) {
	// Replay finds a command by the base name of the path recorded, so the
	// two allow-listed names run printf and false through links named as
	// the commands are.
	bin := t.TempDir()
	for name, target := range map[string]string{"xset": "/usr/bin/printf", "gsettings": "/bin/false"} {
		if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	live := New()
	live.allow = map[string][]string{
		"xset":      {filepath.Join(bin, "xset")},
		"gsettings": {filepath.Join(bin, "gsettings")},
	}
	rec := evidence.NewRecorder(live)
	dir := t.TempDir()
	binFile := filepath.Join(dir, "bin.dat")
	if err := os.WriteFile(filepath.Join(dir, "unread"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(binFile, []byte{0xff, 0x00, 0xfe}, 0o600); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		out probe.Output
		err error
	}
	ask := func(p probe.Probe) []any {
		var got []any
		o1, e1 := p.Run(t.Context(), probe.CmdXset, `caf\351\n`) // printf
		o2, e2 := p.Run(t.Context(), probe.CmdGsettings)         // false
		got = append(got, answer{o1, e1}, answer{o2, e2})
		b, err := p.ReadFile(binFile)
		got = append(got, string(b), err == nil)
		head, err := p.ReadFileHead(binFile, 2)
		got = append(got, string(head), err)
		_, err = p.ReadFile(filepath.Join(dir, "absent"))
		got = append(got, errors.Is(err, probe.ErrNotFound))
		names, err := p.ReadDir(dir)
		got = append(got, names, err) // "unread" is listed, never read
		return got
	}
	want := ask(rec)
	bundle := filepath.Join(t.TempDir(), "bundle")
	if err := rec.WriteBundle(bundle); err != nil {
		t.Fatal(err)
	}
	rp, err := evidence.OpenReplay(bundle)
	if err != nil {
		t.Fatal(err)
	}
	got := ask(rp)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("replay answers differ:\n got %#v\nwant %#v", got, want)
	}
	if !rp.Now().Equal(rec.Now()) || rp.GOOS() != "linux" {
		t.Errorf("clock/goos: %v %v vs %v", rp.Now(), rp.GOOS(), rec.Now())
	}
	raw, _ := os.ReadFile(filepath.Join(bundle, evidence.CommandsFile))
	if !strings.Contains(string(raw), `"stdout_b64"`) || !strings.Contains(string(raw), `"`+filepath.Join(bin, "xset")+`"`) {
		t.Errorf("commands.json should hold the absolute path and base64 for non-UTF-8 output:\n%s", raw)
	}
	if err := rec.WriteBundle(bundle); err == nil {
		t.Error("writing into a non-empty directory must fail")
	}
}

func BenchmarkLiveRun(b *testing.B) {
	l := New()
	for b.Loop() {
		if _, err := l.Run(b.Context(), probe.CmdFindmnt, "-J", "/"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestProcessesShareAListing: callers that ask while a listing runs get
// that listing, each its own copy; one that asks within ProcessesFresh of
// it gets it too, one that asks later reads again.
func TestProcessesShareAListing(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	l := New()
	l.list = func() ([]probe.Process, error) {
		calls.Add(1)
		<-release
		return []probe.Process{{PID: 7, Name: "sleep", Cmdline: []string{"sleep", "600"}}}, nil
	}
	results := make(chan []probe.Process, 3)
	for range 3 {
		go func() {
			ps, err := l.Processes()
			if err != nil {
				t.Error(err)
			}
			results <- ps
		}()
	}
	for i := 0; ; i++ {
		l.procsMu.Lock()
		waiting := l.procs != nil && l.procs.waiters == 2
		l.procsMu.Unlock()
		if waiting {
			break
		}
		if i == 5000 {
			close(release)
			t.Fatalf("the other callers never waited for the listing under way (%d listings)", calls.Load())
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	a, b := <-results, <-results
	<-results
	if calls.Load() != 1 {
		t.Errorf("%d listings for 3 callers at once, want 1", calls.Load())
	}
	a[0].Name, a[0].Cmdline[1] = "changed", "changed"
	if b[0].Name != "sleep" || b[0].Cmdline[1] != "600" {
		t.Errorf("callers share one copy: %+v", b[0])
	}
	if _, err := l.Processes(); err != nil || calls.Load() != 1 {
		t.Errorf("a caller right after: %v, %d listings, want still 1", err, calls.Load())
	}
	l.procsMu.Lock()
	l.lastAt = l.lastAt.Add(-ProcessesFresh)
	l.procsMu.Unlock()
	if _, err := l.Processes(); err != nil || calls.Load() != 2 {
		t.Errorf("a later caller: %v, %d listings, want 2", err, calls.Load())
	}
}

// TestReadLargeFiles: ReadFile stops at MaxFileSize, ReadFileHead reads a
// larger file whole up to MaxHeadSize (sized by the file, so a list is not
// read through doubling copies), cuts it at n, and refuses n past the limit;
// /proc files, which report no length, are read whole.
func TestReadLargeFiles(t *testing.T) {
	p := filepath.Join(t.TempDir(), "Packages")
	want := bytes.Repeat([]byte("Package: x\nVersion: 1\n\n"), MaxFileSize/8)
	if err := os.WriteFile(p, want, 0o600); err != nil {
		t.Fatal(err)
	}
	l := New()
	if _, err := l.ReadFile(p); err == nil {
		t.Errorf("ReadFile read %d bytes, over MaxFileSize", len(want))
	}
	if b, err := l.ReadFileHead(p, MaxHeadSize); err != nil || !bytes.Equal(b, want) {
		t.Errorf("ReadFileHead(MaxHeadSize): %d bytes, %v; want the whole %d", len(b), err, len(want))
	}
	if b, err := l.ReadFileHead(p, len(want)-1); err != nil || !bytes.Equal(b, want[:len(want)-1]) {
		t.Errorf("ReadFileHead(size-1): %d bytes, %v; want the file cut one byte short", len(b), err)
	}
	if _, err := l.ReadFileHead(p, MaxHeadSize+1); err == nil {
		t.Error("ReadFileHead past MaxHeadSize was allowed")
	}
	if b, err := l.ReadFileHead("/proc/self/status", MaxHeadSize); err != nil || !bytes.Contains(b, []byte("VmRSS")) {
		t.Errorf("/proc/self/status: %q, %v", b, err)
	}
}

// TestConsoleUserAskedOnceARun: the checks of one run ask who is at the
// screen many times at once; one look-up answers them, an error too, and
// the next after ConsoleUserFresh looks again.
func TestConsoleUserAskedOnceARun(t *testing.T) {
	var calls atomic.Int32
	l := New()
	l.lookUpConsole = func() (probe.User, error) {
		calls.Add(1)
		time.Sleep(20 * time.Millisecond)
		return probe.User{}, probe.ErrNotFound
	}
	done := make(chan error, 8)
	for range 8 {
		go func() { _, err := l.ConsoleUser(); done <- err }()
	}
	for range 8 {
		if err := <-done; !errors.Is(err, probe.ErrNotFound) {
			t.Errorf("err %v, want not found", err)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("%d look-ups for 8 callers at once, want 1", calls.Load())
	}
	l.consoleMu.Lock()
	l.consoleAt = time.Now().Add(-ConsoleUserFresh)
	l.consoleMu.Unlock()
	l.lookUpConsole = func() (probe.User, error) { calls.Add(1); return probe.User{UID: "1000", Name: "sam"}, nil }
	if u, err := l.ConsoleUser(); err != nil || u.Name != "sam" || calls.Load() != 2 {
		t.Errorf("after ConsoleUserFresh: %+v %v, %d look-ups; want sam from a second look-up", u, err, calls.Load())
	}
}
