package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"howett.net/plist"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Fixed executables, so the golden files are stable.
const (
	goldenUnixExe    = "/usr/bin/sessionguard"
	goldenWindowsExe = `C:\Program Files\SessionGuard\sessionguard.exe`
)

func TestRenderGolden(t *testing.T) {
	for _, c := range []struct {
		p   Platform
		exe string
	}{
		{Systemd, goldenUnixExe},
		{Launchd, goldenUnixExe},
		{WindowsService, goldenWindowsExe},
	} {
		t.Run(string(c.p), func(t *testing.T) {
			got, err := Render(c.p, c.exe)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", string(c.p)+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s definition differs from %s (go test -update rewrites it):\n%s", c.p, golden, got)
			}
		})
	}
}

// TestSystemdUnitContent checks the unit's settings one by one, so a
// careless -update cannot silently drop one.
func TestSystemdUnitContent(t *testing.T) {
	unit, err := RenderSystemd(goldenUnixExe)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string][]string{}
	section := ""
	for line := range strings.Lines(string(unit)) {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = line
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Errorf("line %q is not key=value", line)
			}
			settings[section+k] = append(settings[section+k], v)
		}
	}
	want := map[string]string{
		"[Unit]Description":                DisplayName,
		"[Service]ExecStart":               "/usr/bin/sessionguard agent run",
		"[Service]Restart":                 "always",
		"[Service]ProtectSystem":           "strict",
		"[Service]ProtectHome":             "read-only",
		"[Service]RuntimeDirectory":        "sessionguard",
		"[Service]RuntimeDirectoryMode":    "0755",
		"[Service]StateDirectory":          "sessionguard",
		"[Service]NoNewPrivileges":         "true",
		"[Service]PrivateTmp":              "true",
		"[Service]RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6 AF_NETLINK",
		"[Install]WantedBy":                "multi-user.target",
	}
	for k, v := range want {
		if got := settings[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want exactly %q", k, got, v)
		}
	}
	for _, forbidden := range []string{"[Service]User", "[Service]DynamicUser", "[Service]ProtectKernelModules"} {
		if v, ok := settings[forbidden]; ok {
			t.Errorf("%s = %q: the agent runs as root and must load what the checks need", forbidden, v)
		}
	}
	for _, forbidden := range []string{"[Service]ProtectClock", "[Service]PrivateDevices", "[Service]DeviceAllow", "[Service]DevicePolicy"} {
		if v, ok := settings[forbidden]; ok {
			t.Errorf("%s = %q closes the device policy: the disk-encryption check reads block devices", forbidden, v)
		}
	}
}

// TestSystemdAnalyzeVerify has systemd itself check the unit, with an
// executable that exists.
func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	dir := t.TempDir()
	exe := filepath.Join(dir, "sessionguard")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit, err := RenderSystemd(exe)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, Name+".service")
	if err := os.WriteFile(path, unit, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), analyze, "verify", "--man=no", path)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func TestLaunchdPlistContent(t *testing.T) {
	b, err := RenderLaunchd(goldenUnixExe)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	format, err := plist.Unmarshal(b, &got)
	if err != nil {
		t.Fatal(err)
	}
	if format != plist.XMLFormat {
		t.Errorf("format %d, want XML", format)
	}
	want := map[string]any{
		"Label":             Name,
		"ProgramArguments":  []any{"/usr/bin/sessionguard", "agent", "run"},
		"RunAtLoad":         true,
		"KeepAlive":         true,
		"ProcessType":       "Standard",
		"StandardOutPath":   "/var/log/sessionguard-agent.log",
		"StandardErrorPath": "/var/log/sessionguard-agent.log",
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Errorf("plist\n%s\nwant\n%s", gj, wj)
	}
	if _, ok := got["UserName"]; ok {
		t.Error("a launchd daemon without UserName runs as root; UserName must stay unset")
	}
}

func TestWindowsDefinition(t *testing.T) {
	b, err := RenderWindows(goldenWindowsExe)
	if err != nil {
		t.Fatal(err)
	}
	var d WindowsDefinition
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d.Name != Name || d.DisplayName != DisplayName || d.Account != "LocalSystem" || d.StartType != "automatic" ||
		d.Recovery.Action != "restart" || d.Recovery.Delay != "5s" || d.Recovery.ResetPeriodSeconds != 86400 {
		t.Errorf("unexpected definition %+v", d)
	}
	if want := `"C:\Program Files\SessionGuard\sessionguard.exe" agent run`; d.CommandLine != want {
		t.Errorf("command line %s, want %s", d.CommandLine, want)
	}
	if !slices.Equal(d.Arguments, []string{"agent", "run"}) {
		t.Errorf("arguments %q", d.Arguments)
	}
}

func TestEscapeArg(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `""`},
		{"run", "run"},
		{`C:\sg\sessionguard.exe`, `C:\sg\sessionguard.exe`},
		{`C:\Program Files\sg.exe`, `"C:\Program Files\sg.exe"`},
		{`a "b"`, `"a \"b\""`},
		{`C:\dir with space\`, `"C:\dir with space\\"`},
		{`a\"b`, `a\\\"b`},
	} {
		if got := escapeArg(c.in); got != c.want {
			t.Errorf("escapeArg(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestUnsafeExecutableRefused(t *testing.T) {
	for _, exe := range []string{
		"sessionguard",
		"/usr/bin/../bin/sessionguard",
		"/opt/Session Guard/sessionguard",
		"/opt/sg%n/sessionguard",
		"/opt/$HOME/sessionguard",
		`/opt/"sg"/sessionguard`,
		`/opt/sg\x20/sessionguard`,
		"/opt/{{Path}}/sessionguard",
		"/opt/sg\n/sessionguard",
	} {
		for _, p := range []Platform{Systemd, Launchd} {
			if _, err := Render(p, exe); !errors.Is(err, ErrUnsafeExecutable) {
				t.Errorf("Render(%s, %q) = %v, want ErrUnsafeExecutable", p, exe, err)
			}
		}
	}
	for _, exe := range []string{"/usr/bin/sessionguard", `sessionguard.exe`, `C:relative.exe`} {
		if _, err := RenderWindows(exe); !errors.Is(err, ErrUnsafeExecutable) {
			t.Errorf("RenderWindows(%q) = %v, want ErrUnsafeExecutable", exe, err)
		}
	}
	if _, err := Render("linux-upstart", goldenUnixExe); !errors.Is(err, ErrNoServiceManager) {
		t.Errorf("Render(upstart) = %v, want ErrNoServiceManager", err)
	}
}

func TestConfigCarriesDefinition(t *testing.T) {
	for _, c := range []struct {
		p      Platform
		exe    string
		option string
	}{
		{Systemd, goldenUnixExe, optSystemdScript},
		{Launchd, goldenUnixExe, optLaunchdConfig},
	} {
		cfg, err := Config(c.p, c.exe)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Render(c.p, c.exe)
		if got, _ := cfg.Option[c.option].(string); got != string(want) {
			t.Errorf("%s: option %s does not hold the rendered definition", c.p, c.option)
		}
		if cfg.Name != Name || cfg.Executable != c.exe || !slices.Equal(cfg.Arguments, Arguments) || cfg.UserName != "" {
			t.Errorf("%s: config %+v", c.p, cfg)
		}
	}
}

func BenchmarkRenderSystemd(b *testing.B) {
	for b.Loop() {
		if _, err := RenderSystemd(goldenUnixExe); err != nil {
			b.Fatal(err)
		}
	}
}
