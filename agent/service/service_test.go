package service

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	kservice "github.com/kardianos/service"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeService is a kardianos Service whose status the test sets; it records
// the control calls made on it.
type fakeService struct {
	status    kservice.Status
	statusErr error
	calls     []string
}

func (f *fakeService) Run() error       { f.calls = append(f.calls, "run"); return nil }
func (f *fakeService) Start() error     { f.calls = append(f.calls, "start"); return nil }
func (f *fakeService) Stop() error      { f.calls = append(f.calls, "stop"); return nil }
func (f *fakeService) Restart() error   { f.calls = append(f.calls, "restart"); return nil }
func (f *fakeService) Install() error   { f.calls = append(f.calls, "install"); return nil }
func (f *fakeService) Uninstall() error { f.calls = append(f.calls, "uninstall"); return nil }
func (f *fakeService) Logger(chan<- error) (kservice.Logger, error) {
	return kservice.ConsoleLogger, nil
}
func (f *fakeService) SystemLogger(chan<- error) (kservice.Logger, error) {
	return kservice.ConsoleLogger, nil
}
func (f *fakeService) String() string   { return DisplayName }
func (f *fakeService) Platform() string { return string(Systemd) }
func (f *fakeService) Status() (kservice.Status, error) {
	return f.status, f.statusErr
}

var (
	notInstalled = fakeService{statusErr: kservice.ErrNotInstalled}
	stopped      = fakeService{status: kservice.StatusStopped}
	running      = fakeService{status: kservice.StatusRunning}
	failed       = fakeService{statusErr: errors.New(systemdFailed)}
)

func TestManagerControl(t *testing.T) {
	ops := map[string]func(*Manager) error{
		"install":   (*Manager).Install,
		"uninstall": (*Manager).Uninstall,
		"start":     (*Manager).Start,
		"stop":      (*Manager).Stop,
	}
	cases := []struct {
		op      string
		svc     fakeService
		admin   bool
		wantErr error
		msg     string
		calls   []string
	}{
		{"install", notInstalled, false, ErrNotAdmin, "cannot install the SessionGuard agent service: this needs root", nil},
		{"uninstall", running, false, ErrNotAdmin, "cannot uninstall the SessionGuard agent service: this needs root", nil},
		{"start", stopped, false, ErrNotAdmin, "cannot start the SessionGuard agent service: this needs root", nil},
		{"stop", running, false, ErrNotAdmin, "cannot stop the SessionGuard agent service: this needs root", nil},

		{"uninstall", notInstalled, true, ErrNotInstalled, "cannot uninstall the SessionGuard agent service: the SessionGuard agent service is not installed; install it with `sudo sessionguard agent install`", nil},
		{"start", notInstalled, true, ErrNotInstalled, "not installed", nil},
		{"stop", notInstalled, true, ErrNotInstalled, "not installed", nil},
		{"install", stopped, true, ErrAlreadyInstalled, "already installed; run `sudo sessionguard agent uninstall` first", nil},

		{"install", notInstalled, true, nil, "", []string{"install"}},
		{"start", stopped, true, nil, "", []string{"start"}},
		{"start", failed, true, nil, "", []string{"start"}},
		{"start", running, true, nil, "", nil},
		{"stop", running, true, nil, "", []string{"stop"}},
		{"stop", stopped, true, nil, "", nil},
		{"uninstall", running, true, nil, "", []string{"stop", "uninstall"}},
		{"uninstall", stopped, true, nil, "", []string{"uninstall"}},
	}
	for _, c := range cases {
		t.Run(c.op+"/"+c.svc.statusWord()+"/admin="+map[bool]string{true: "yes", false: "no"}[c.admin], func(t *testing.T) {
			svc := c.svc
			m, err := New(Options{Executable: goldenUnixExe, Platform: Systemd, IsAdmin: func() bool { return c.admin }, Service: &svc})
			if err != nil {
				t.Fatal(err)
			}
			err = ops[c.op](m)
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
				t.Fatalf("%s: error %v, want %v", c.op, err, c.wantErr)
			}
			if err != nil && runtime.GOOS != "windows" && !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%s: message %q should contain %q", c.op, err, c.msg)
			}
			if !slices.Equal(svc.calls, c.calls) {
				t.Errorf("%s: calls %q, want %q", c.op, svc.calls, c.calls)
			}
		})
	}
}

func (f fakeService) statusWord() string {
	switch {
	case errors.Is(f.statusErr, kservice.ErrNotInstalled):
		return "not_installed"
	case f.statusErr != nil:
		return "failed"
	case f.status == kservice.StatusRunning:
		return "running"
	default:
		return "stopped"
	}
}

func TestManagerStatus(t *testing.T) {
	for _, c := range []struct {
		svc  fakeService
		want Status
		word string
		err  bool
	}{
		{notInstalled, StatusNotInstalled, "not installed", false},
		{stopped, StatusStopped, "stopped", false},
		{running, StatusRunning, "running", false},
		{failed, StatusFailed, "stopped after an error", false},
		{fakeService{statusErr: errors.New("dbus: connection refused")}, StatusUnknown, "unknown", true},
	} {
		svc := c.svc
		m, err := New(Options{Executable: goldenUnixExe, Platform: Systemd, IsAdmin: func() bool { return false }, Service: &svc})
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Status()
		if got != c.want || (err != nil) != c.err || !strings.HasPrefix(got.String(), c.word) {
			t.Errorf("%s: Status() = %v (%q), %v; want %v", c.svc.statusWord(), got, got, err, c.want)
		}
		if len(svc.calls) != 0 {
			t.Errorf("status made control calls %q", svc.calls)
		}
	}
}

// TestInstalledByPackage: with the unit a .deb or .rpm installed, install
// and uninstall leave it to the package manager; start and stop work.
func TestInstalledByPackage(t *testing.T) {
	unit := filepath.Join(t.TempDir(), Name+".service")
	if err := os.WriteFile(unit, []byte("[Unit]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := packagedUnit
	packagedUnit = unit
	t.Cleanup(func() { packagedUnit = old })
	for _, c := range []struct {
		op      func(*Manager) error
		wantErr error
		calls   []string
	}{
		{(*Manager).Install, ErrInstalledByPackage, nil},
		{(*Manager).Uninstall, ErrInstalledByPackage, nil},
		{(*Manager).Start, nil, []string{"start"}},
	} {
		svc := stopped
		m, err := New(Options{Executable: "/usr/bin/sessionguard", Platform: Systemd, IsAdmin: func() bool { return true }, Service: &svc})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.op(m); !errors.Is(err, c.wantErr) {
			t.Errorf("got %v, want %v", err, c.wantErr)
		}
		if !slices.Equal(svc.calls, c.calls) {
			t.Errorf("calls %q, want %q", svc.calls, c.calls)
		}
	}
	// Without the packaged unit, install goes ahead as before.
	packagedUnit = filepath.Join(t.TempDir(), "none.service")
	svc := notInstalled
	m, err := New(Options{Executable: "/usr/bin/sessionguard", Platform: Systemd, IsAdmin: func() bool { return true }, Service: &svc})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Install(); err != nil || !slices.Equal(svc.calls, []string{"install"}) {
		t.Errorf("install without a packaged unit: %v %q", err, svc.calls)
	}
}
