// Package service installs, controls and runs the SessionGuard agent as an
// operating-system service through github.com/kardianos/service: a systemd
// unit on Linux, a launchd daemon on macOS and a Windows service.
//
// The service definitions are rendered here (Render), not by kardianos's
// built-in templates, and handed to kardianos whole through its
// "SystemdScript" and "LaunchdConfig" options. A rendered definition holds no
// template action, so kardianos writes it byte for byte: the golden files in
// testdata are exactly what lands in /etc/systemd/system and
// /Library/LaunchDaemons. The Windows service is created through the Service
// Control Manager from Config and its options; RenderWindows describes it.
//
// Install, Uninstall, Start and Stop refuse, with a plain sentence, when the
// machine has no service manager SessionGuard supports (on Linux: systemd is
// not running; kardianos would otherwise fall back to writing System V init
// scripts), when the caller is not root or an administrator, and when the
// service is not installed. Run is the glue for `sessionguard agent run`: in a
// terminal it runs the agent in the foreground until Ctrl-C; started by the
// service manager it runs it through kardianos's Start/Stop.
package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	kservice "github.com/kardianos/service"
)

// The service's identity, the same on every platform.
const (
	Name        = "sessionguard-agent"
	DisplayName = "SessionGuard agent"
	Description = "Checks that this computer is fit for a confidential online session " +
		"(disk encryption, firewall, anti-virus and more), keeps the session records " +
		"and reports to your organisation's SessionGuard server."
)

// Arguments are the command-line arguments the service manager starts the
// executable with.
var Arguments = []string{"agent", "run"}

// Platform names a service manager. The values are kardianos's platform names.
type Platform string

// The service managers SessionGuard supports.
const (
	Systemd        Platform = "linux-systemd"
	Launchd        Platform = "darwin-launchd"
	WindowsService Platform = "windows-service"
)

// Platforms lists the supported service managers.
var Platforms = []Platform{Systemd, Launchd, WindowsService}

// Errors of Manager. Each reads as a sentence after "cannot … service: ".
var (
	ErrNoServiceManager = errors.New("this system has no service manager SessionGuard supports " +
		"(systemd, launchd, Windows services); run `sessionguard agent run` in the foreground instead")
	ErrNotAdmin         = errors.New(notAdminMessage)
	ErrNotInstalled     = errors.New("the SessionGuard agent service is not installed; install it with `" + sudo + "sessionguard agent install`")
	ErrAlreadyInstalled = errors.New("the SessionGuard agent service is already installed; " +
		"run `" + sudo + "sessionguard agent uninstall` first to reinstall it")
	ErrUnsafeExecutable = errors.New("the sessionguard executable's path cannot be written safely into the service definition")
	// ErrInstalledByPackage: the .deb or .rpm installed the unit, and the
	// package manager owns it.
	ErrInstalledByPackage = errors.New("the sessionguard package installed the agent service (" + PackagedUnitPath +
		"), so the package manager looks after it: start it with `sudo systemctl enable --now " + Name +
		"`, remove it by removing the package")
)

// PackagedUnitPath is where the sessionguard .deb and .rpm install the
// systemd unit (`agent install` writes /etc/systemd/system instead).
const PackagedUnitPath = "/usr/lib/systemd/system/" + Name + ".service"

// packagedUnit is PackagedUnitPath; tests point it elsewhere.
var packagedUnit = PackagedUnitPath

// installedByPackage reports whether a package installed the systemd unit.
func (m *Manager) installedByPackage() bool {
	if m.platform != Systemd {
		return false
	}
	_, err := os.Stat(packagedUnit)
	return err == nil
}

// Status is the state of the installed service.
type Status int

// The states Status reports.
const (
	StatusUnknown Status = iota
	StatusNotInstalled
	StatusStopped
	StatusFailed
	StatusRunning
)

// String is the state in plain words.
func (s Status) String() string {
	switch s {
	case StatusNotInstalled:
		return "not installed"
	case StatusStopped:
		return "stopped"
	case StatusFailed:
		return "stopped after an error (the system log says why)"
	case StatusRunning:
		return "running"
	default:
		return "unknown"
	}
}

// Options configure New. The zero value is the real thing: the running
// executable, the detected service manager, the caller's real privileges.
type Options struct {
	// Executable is the sessionguard binary the service runs; empty means
	// this process's executable, with symlinks resolved.
	Executable string
	// Run is the agent itself, called when the service manager starts the
	// service (see Run). It may be nil for a Manager that only controls.
	Run func(ctx context.Context) error

	// For tests: Platform overrides detection, IsAdmin the privilege check,
	// and Service the kardianos service that Install, Start, … drive.
	Platform Platform
	IsAdmin  func() bool
	Service  kservice.Service
}

// Manager installs and controls the agent service.
type Manager struct {
	platform   Platform
	detectErr  error
	executable string
	isAdmin    func() bool
	svc        kservice.Service
}

// New returns a Manager. It fails only when the executable cannot be found;
// a machine without a supported service manager gets a Manager whose
// methods return ErrNoServiceManager.
func New(o Options) (*Manager, error) {
	m := &Manager{platform: o.Platform, executable: o.Executable, isAdmin: o.IsAdmin, svc: o.Service}
	if m.isAdmin == nil {
		m.isAdmin = isAdmin
	}
	if m.executable == "" {
		exe, err := executable()
		if err != nil {
			return nil, err
		}
		m.executable = exe
	}
	if m.platform == "" {
		m.platform, m.detectErr = detectPlatform()
	}
	if m.detectErr != nil || m.svc != nil {
		return m, nil
	}
	cfg, err := Config(m.platform, m.executable)
	if err != nil {
		// An executable we cannot write into a definition: Install says so.
		m.detectErr = err
		return m, nil
	}
	sys := system(m.platform)
	if sys == nil {
		m.detectErr = ErrNoServiceManager
		return m, nil
	}
	svc, err := sys.New(newProgram(context.Background(), o.Run), cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the %s service: %w", m.platform, err)
	}
	m.svc = svc
	return m, nil
}

// executable is this process's executable with symlinks resolved, so the
// service keeps working when a symlink such as /usr/local/bin/sessionguard
// is replaced.
func executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the sessionguard executable: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return exe, nil
}

// system is kardianos's System for p. On Linux it is the systemd one even
// when kardianos chose another (it falls back to System V when systemd is
// not running, which SessionGuard does not support); detectPlatform has
// already checked that systemd runs.
func system(p Platform) kservice.System {
	for _, s := range kservice.AvailableSystems() {
		if s.String() == string(p) {
			return s
		}
	}
	return nil
}

// Platform is the service manager in use, or "" when there is none.
func (m *Manager) Platform() Platform {
	if m.detectErr != nil {
		return ""
	}
	return m.platform
}

// Executable is the binary the service runs.
func (m *Manager) Executable() string { return m.executable }

// Install installs the service; it starts at boot from then on. It does not
// start it now (Start does).
func (m *Manager) Install() error {
	if err := m.ready(); err != nil {
		return fmt.Errorf("cannot install the SessionGuard agent service: %w", err)
	}
	if m.installedByPackage() {
		return fmt.Errorf("cannot install the SessionGuard agent service: %w", ErrInstalledByPackage)
	}
	st, err := m.status()
	if err != nil {
		return fmt.Errorf("cannot install the SessionGuard agent service: %w", err)
	}
	if st != StatusNotInstalled {
		return fmt.Errorf("cannot install the SessionGuard agent service: %w", ErrAlreadyInstalled)
	}
	if err := m.svc.Install(); err != nil {
		return fmt.Errorf("installing the SessionGuard agent service with %s: %w", m.platform, err)
	}
	return nil
}

// Uninstall stops the service when it runs and removes it.
func (m *Manager) Uninstall() error {
	st, err := m.installed("uninstall")
	if err != nil {
		return err
	}
	if m.installedByPackage() {
		return fmt.Errorf("cannot uninstall the SessionGuard agent service: %w", ErrInstalledByPackage)
	}
	if st == StatusRunning {
		if err := m.svc.Stop(); err != nil {
			return fmt.Errorf("stopping the SessionGuard agent service before removing it: %w", err)
		}
	}
	if err := m.svc.Uninstall(); err != nil {
		return fmt.Errorf("removing the SessionGuard agent service from %s: %w", m.platform, err)
	}
	return nil
}

// Start starts the installed service. Starting a running service is not an
// error.
func (m *Manager) Start() error {
	st, err := m.installed("start")
	if err != nil || st == StatusRunning {
		return err
	}
	if err := m.svc.Start(); err != nil {
		return fmt.Errorf("starting the SessionGuard agent service with %s: %w", m.platform, err)
	}
	return nil
}

// Stop stops the installed service. Stopping a stopped service is not an
// error.
func (m *Manager) Stop() error {
	st, err := m.installed("stop")
	if err != nil || st == StatusStopped || st == StatusFailed {
		return err
	}
	if err := m.svc.Stop(); err != nil {
		return fmt.Errorf("stopping the SessionGuard agent service with %s: %w", m.platform, err)
	}
	return nil
}

// Status reports whether the service is installed and running. It needs no
// privileges. Without a supported service manager it is StatusNotInstalled
// with ErrNoServiceManager.
func (m *Manager) Status() (Status, error) {
	if m.detectErr != nil {
		if errors.Is(m.detectErr, ErrNoServiceManager) {
			return StatusNotInstalled, m.detectErr
		}
		return StatusUnknown, m.detectErr
	}
	st, err := m.status()
	if err != nil {
		return StatusUnknown, fmt.Errorf("reading the SessionGuard agent service's status: %w", err)
	}
	return st, nil
}

// ready checks the service manager and the caller's privileges.
func (m *Manager) ready() error {
	if m.detectErr != nil {
		return m.detectErr
	}
	if !m.isAdmin() {
		return ErrNotAdmin
	}
	return nil
}

// installed checks that verb may go ahead and returns the current status.
func (m *Manager) installed(verb string) (Status, error) {
	if err := m.ready(); err != nil {
		return StatusUnknown, fmt.Errorf("cannot %s the SessionGuard agent service: %w", verb, err)
	}
	st, err := m.status()
	if err != nil {
		return StatusUnknown, fmt.Errorf("cannot %s the SessionGuard agent service: %w", verb, err)
	}
	if st == StatusNotInstalled {
		return st, fmt.Errorf("cannot %s the SessionGuard agent service: %w", verb, ErrNotInstalled)
	}
	return st, nil
}

// systemdFailed is the error kardianos's systemd Status returns for a unit
// in the failed state (it has no sentinel for it).
const systemdFailed = "service in failed state"

// status maps kardianos's status to ours.
func (m *Manager) status() (Status, error) {
	st, err := m.svc.Status()
	switch {
	case errors.Is(err, kservice.ErrNotInstalled):
		return StatusNotInstalled, nil
	case err != nil && err.Error() == systemdFailed:
		return StatusFailed, nil
	case err != nil:
		return StatusUnknown, err
	case st == kservice.StatusRunning:
		return StatusRunning, nil
	case st == kservice.StatusStopped:
		return StatusStopped, nil
	default:
		return StatusUnknown, nil
	}
}
