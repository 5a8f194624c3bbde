package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	kservice "github.com/kardianos/service"
	"howett.net/plist"
)

// Keys of kardianos's Config.Option this package sets.
const (
	optSystemdScript          = "SystemdScript"
	optLaunchdConfig          = "LaunchdConfig"
	optKeepAlive              = "KeepAlive"
	optRunAtLoad              = "RunAtLoad"
	optStartType              = "StartType"
	optDelayedAutoStart       = "DelayedAutoStart"
	optOnFailure              = "OnFailure"
	optOnFailureDelayDuration = "OnFailureDelayDuration"
	optOnFailureResetPeriod   = "OnFailureResetPeriod"
)

// The Windows service's start and recovery settings: start at boot, restart
// 5 s after every failure, forget failures after a day without one.
const (
	windowsStartType          = "automatic"
	windowsOnFailure          = "restart"
	windowsOnFailureDelay     = "5s"
	windowsOnFailureResetSecs = 86400
)

// launchdLog is where launchd writes the agent's standard output and error
// (its slog lines).
const launchdLog = "/var/log/" + Name + ".log"

// Config is the kardianos configuration of the service on p, running exe.
// For systemd and launchd it carries the rendered definition in the
// SystemdScript or LaunchdConfig option.
func Config(p Platform, exe string) (*kservice.Config, error) {
	c := &kservice.Config{
		Name:        Name,
		DisplayName: DisplayName,
		Description: Description,
		Executable:  exe,
		Arguments:   slices.Clone(Arguments),
		Option:      kservice.KeyValue{},
	}
	switch p {
	case Systemd:
		unit, err := RenderSystemd(exe)
		if err != nil {
			return nil, err
		}
		c.Option[optSystemdScript] = string(unit)
	case Launchd:
		pl, err := RenderLaunchd(exe)
		if err != nil {
			return nil, err
		}
		c.Option[optLaunchdConfig] = string(pl)
		// Only read by kardianos's own template; kept in step with ours.
		c.Option[optKeepAlive] = true
		c.Option[optRunAtLoad] = true
	case WindowsService:
		// Empty UserName: the service runs as LocalSystem.
		c.Option[optStartType] = windowsStartType
		c.Option[optDelayedAutoStart] = false
		c.Option[optOnFailure] = windowsOnFailure
		c.Option[optOnFailureDelayDuration] = windowsOnFailureDelay
		c.Option[optOnFailureResetPeriod] = windowsOnFailureResetSecs
	default:
		return nil, fmt.Errorf("service manager %q: %w", p, ErrNoServiceManager)
	}
	return c, nil
}

// Render renders the service definition for p: the systemd unit, the launchd
// plist or a JSON description of the Windows service.
func Render(p Platform, exe string) ([]byte, error) {
	switch p {
	case Systemd:
		return RenderSystemd(exe)
	case Launchd:
		return RenderLaunchd(exe)
	case WindowsService:
		return RenderWindows(exe)
	default:
		return nil, fmt.Errorf("service manager %q: %w", p, ErrNoServiceManager)
	}
}

// systemdUnit is the unit. %[1]s is the executable, %[2]s the arguments.
//
// The hardening leaves the agent what it needs: it runs as root to read
// system settings; it runs gsettings as the console user (a setuid drop,
// which NoNewPrivileges allows) and reads users' settings, so the home
// directories and /run/user are read-only, not hidden; it writes only its
// state (/var/lib/sessionguard) and its socket (/run/sessionguard, 0755 so
// every local user reaches the socket). It listens on no network port: the
// address families are the local API's unix socket, IPv4/IPv6 for reporting
// and the mDNS browse, and netlink for nft and ip. No ProtectClock,
// PrivateDevices or DeviceAllow: each closes the device policy, and the
// disk-encryption check reads block devices (blkid, cryptsetup).
//
// The sessionguard .deb and .rpm ship this same unit (packaging renders it
// with RenderSystemd), so the package and "agent install" agree.
const systemdUnit = `# The SessionGuard agent, installed by the sessionguard package or by
# ` + "`sessionguard agent install`" + ` (removed with the package or ` + "`sessionguard agent uninstall`" + `).
# Reinstall rather than edit; override settings with ` + "`systemctl edit " + Name + "`" + `.
# %[3]s
[Unit]
Description=%[4]s
After=network-online.target
Wants=network-online.target
ConditionFileIsExecutable=%[1]s
# Restart=always keeps restarting it, never giving up.
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart=%[1]s %[2]s
Restart=always
RestartSec=5
TimeoutStopSec=30
RuntimeDirectory=sessionguard
RuntimeDirectoryMode=0755
StateDirectory=sessionguard
StateDirectoryMode=0700
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=true
ProtectControlGroups=true
ProtectKernelTunables=true
RestrictSUIDSGID=true
RestrictRealtime=true
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
ProtectHostname=true
ProtectKernelLogs=true
SystemCallArchitectures=native
LockPersonality=true

[Install]
WantedBy=multi-user.target
`

// RenderSystemd renders the systemd unit running exe.
func RenderSystemd(exe string) ([]byte, error) {
	if err := checkUnixPath(exe); err != nil {
		return nil, err
	}
	// Arguments are constant words; quote nothing, but check.
	for _, a := range Arguments {
		if err := checkUnixPath("/" + a); err != nil {
			return nil, fmt.Errorf("argument %q: %w", a, err)
		}
	}
	// Description= expands specifiers: escape a %.
	return noTemplateActions(fmt.Appendf(nil, systemdUnit, exe, strings.Join(Arguments, " "),
		Description, strings.ReplaceAll(DisplayName, "%", "%%")))
}

// launchdPlist is the launchd daemon's property list. Fields are encoded in
// this order.
type launchdPlist struct {
	Label             string   `plist:"Label"`
	ProgramArguments  []string `plist:"ProgramArguments"`
	RunAtLoad         bool     `plist:"RunAtLoad"`
	KeepAlive         bool     `plist:"KeepAlive"`
	ProcessType       string   `plist:"ProcessType"`
	StandardOutPath   string   `plist:"StandardOutPath"`
	StandardErrorPath string   `plist:"StandardErrorPath"`
}

// RenderLaunchd renders the launchd plist (a daemon: it runs as root)
// running exe.
func RenderLaunchd(exe string) ([]byte, error) {
	if err := checkUnixPath(exe); err != nil {
		return nil, err
	}
	p := launchdPlist{
		Label:             Name,
		ProgramArguments:  append([]string{exe}, Arguments...),
		RunAtLoad:         true,
		KeepAlive:         true,
		ProcessType:       "Standard",
		StandardOutPath:   launchdLog,
		StandardErrorPath: launchdLog,
	}
	out, err := plist.MarshalIndent(p, plist.XMLFormat, "\t")
	if err != nil {
		return nil, fmt.Errorf("encoding the launchd plist: %w", err)
	}
	return noTemplateActions(append(out, '\n'))
}

// WindowsDefinition describes the Windows service kardianos creates.
type WindowsDefinition struct {
	Name        string   `json:"name"`
	DisplayName string   `json:"display_name"`
	Description string   `json:"description"`
	Executable  string   `json:"executable"`
	Arguments   []string `json:"arguments"`
	// CommandLine is the service's ImagePath, quoted as the Service Control
	// Manager gets it.
	CommandLine      string          `json:"command_line"`
	Account          string          `json:"account"`
	ServiceType      string          `json:"service_type"`
	StartType        string          `json:"start_type"`
	DelayedAutoStart bool            `json:"delayed_auto_start"`
	Recovery         WindowsRecovery `json:"recovery"`
	EventLogSource   string          `json:"event_log_source"`
}

// WindowsRecovery is what the Service Control Manager does when the service
// fails. The action repeats for every failure until ResetPeriodSeconds pass
// without one.
type WindowsRecovery struct {
	Action             string `json:"action"`
	Delay              string `json:"delay"`
	ResetPeriodSeconds int    `json:"reset_period_seconds"`
}

// RenderWindows describes, as indented JSON, the Windows service that
// Config(WindowsService, exe) makes kardianos create.
func RenderWindows(exe string) ([]byte, error) {
	if !windowsAbs(exe) {
		return nil, fmt.Errorf("%w: %q is not an absolute Windows path", ErrUnsafeExecutable, exe)
	}
	c, err := Config(WindowsService, exe)
	if err != nil {
		return nil, err
	}
	account := c.UserName
	if account == "" {
		account = "LocalSystem"
	}
	cmdline := escapeArg(c.Executable)
	for _, a := range c.Arguments {
		cmdline += " " + escapeArg(a)
	}
	d := WindowsDefinition{
		Name:             c.Name,
		DisplayName:      c.DisplayName,
		Description:      c.Description,
		Executable:       c.Executable,
		Arguments:        c.Arguments,
		CommandLine:      cmdline,
		Account:          account,
		ServiceType:      "own_process",
		StartType:        c.Option[optStartType].(string),
		DelayedAutoStart: c.Option[optDelayedAutoStart].(bool),
		Recovery: WindowsRecovery{
			Action:             c.Option[optOnFailure].(string),
			Delay:              c.Option[optOnFailureDelayDuration].(string),
			ResetPeriodSeconds: c.Option[optOnFailureResetPeriod].(int),
		},
		EventLogSource: c.Name,
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the Windows service description: %w", err)
	}
	return append(out, '\n'), nil
}

// checkUnixPath accepts an absolute, clean path of characters a systemd
// ExecStart= and a plist hold literally: no spaces, quotes, backslashes,
// specifiers (%), variables ($) or template braces.
func checkUnixPath(p string) error {
	if !path.IsAbs(p) || path.Clean(p) != p {
		return fmt.Errorf("%w: %q is not a clean absolute path", ErrUnsafeExecutable, p)
	}
	for _, r := range p {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._+-@,:=~", r)
		if !ok {
			return fmt.Errorf("%w: %q has the character %q; install sessionguard at a plain path such as /usr/bin/sessionguard",
				ErrUnsafeExecutable, p, r)
		}
	}
	return nil
}

// windowsAbs reports whether p is a drive-letter absolute path (C:\…).
func windowsAbs(p string) bool {
	return len(p) > 3 && (p[0] >= 'A' && p[0] <= 'Z' || p[0] >= 'a' && p[0] <= 'z') && p[1] == ':' && p[2] == '\\' &&
		!strings.ContainsAny(p, "\"\x00\n\r")
}

// noTemplateActions makes sure kardianos's template engine, which the
// rendered definition passes through, has nothing to expand: then it writes
// the definition byte for byte.
func noTemplateActions(b []byte) ([]byte, error) {
	if bytes.Contains(b, []byte("{{")) {
		return nil, fmt.Errorf("%w: the definition would contain \"{{\"", ErrUnsafeExecutable)
	}
	return b, nil
}

// escapeArg quotes s for a Windows command line as syscall.EscapeArg does
// (which x/sys/windows/svc/mgr uses to build the service's ImagePath); it is
// here so the description renders on every platform.
func escapeArg(s string) string {
	if s == "" {
		return `""`
	}
	needsBackslash := strings.ContainsAny(s, `"\`)
	hasSpace := strings.ContainsAny(s, " \t")
	if !needsBackslash && !hasSpace {
		return s
	}
	if !needsBackslash {
		return `"` + s + `"`
	}
	var b strings.Builder
	if hasSpace {
		b.WriteByte('"')
	}
	slashes := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		default:
			slashes = 0
		case '\\':
			slashes++
		case '"':
			for ; slashes > 0; slashes-- {
				b.WriteByte('\\')
			}
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	if hasSpace {
		for ; slashes > 0; slashes-- {
			b.WriteByte('\\')
		}
		b.WriteByte('"')
	}
	return b.String()
}
