package main

import (
	"bufio"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/packaging"
)

// The installed paths the autostart files must start: where the packages
// install the binary (see packaging/autostart/README.md).
const (
	linuxTrayPath = packaging.TrayExePath
	macTrayPath   = packaging.MacTrayExe
	windowsRunKey = `HKLM\Software\Microsoft\Windows\CurrentVersion\Run`
)

var autostartDir = filepath.Join("..", "..", "packaging", "autostart")

func TestXDGAutostart(t *testing.T) {
	if packaging.TrayAutostartPath != "/etc/xdg/autostart/sessionguard-tray.desktop" || packaging.MacTrayAgentPath != "/Library/LaunchAgents/org.sessionguard.tray.plist" {
		t.Errorf("the packages install the autostart files at %s and %s", packaging.TrayAutostartPath, packaging.MacTrayAgentPath)
	}
	f, err := os.Open(filepath.Join(autostartDir, "sessionguard-tray.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries := map[string]string{}
	group := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			group = line
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || group != "[Desktop Entry]" {
				t.Errorf("line %q outside [Desktop Entry] or without '='", line)
				continue
			}
			if _, dup := entries[k]; dup {
				t.Errorf("key %s twice", k)
			}
			entries[k] = v
		}
	}
	for k, want := range map[string]string{
		"Type": "Application", "Exec": linuxTrayPath, "Terminal": "false", "X-GNOME-Autostart-enabled": "true", "Name": "SessionGuard",
	} {
		if entries[k] != want {
			t.Errorf("%s=%q, want %q", k, entries[k], want)
		}
	}
	if _, hidden := entries["Hidden"]; hidden {
		t.Error("Hidden= would turn the autostart off")
	}
}

func TestLaunchAgent(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(autostartDir, "org.sessionguard.tray.plist"))
	if err != nil {
		t.Fatal(err)
	}
	// A plist dict is alternating <key> and value elements.
	dec := xml.NewDecoder(strings.NewReader(string(b)))
	dec.Strict = true
	var (
		depth    int
		key      string
		values   = map[string]string{}
		args     []string
		inArgs   bool
		lastText string
	)
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			lastText = ""
			if tok.Name.Local == "array" && key == "ProgramArguments" {
				inArgs = true
			}
			if (tok.Name.Local == "true" || tok.Name.Local == "false") && depth == 3 {
				values[key] = tok.Name.Local
			}
		case xml.CharData:
			lastText += string(tok)
		case xml.EndElement:
			switch {
			case tok.Name.Local == "key" && depth == 3:
				key = lastText
			case tok.Name.Local == "string" && inArgs:
				args = append(args, lastText)
			case tok.Name.Local == "string" && depth == 3:
				values[key] = lastText
			case tok.Name.Local == "array":
				inArgs = false
			}
			depth--
		}
	}
	if values["Label"] != "org.sessionguard.tray" || values["RunAtLoad"] != "true" || values["LimitLoadToSessionType"] != "Aqua" {
		t.Errorf("plist values %v", values)
	}
	if len(args) != 1 || args[0] != macTrayPath {
		t.Errorf("ProgramArguments %q, want [%s]", args, macTrayPath)
	}
}

func TestWindowsRunKeyDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(autostartDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{windowsRunKey, `"C:\Program Files\SessionGuard\sessionguard-tray.exe"`, linuxTrayPath, macTrayPath} {
		if !strings.Contains(string(b), want) {
			t.Errorf("README.md does not document %s", want)
		}
	}
}
