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
	entries := desktopEntry(t, filepath.Join(autostartDir, "sessionguard-tray.desktop"))
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

// desktopEntry reads a .desktop file's [Desktop Entry] keys.
func desktopEntry(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
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
				t.Errorf("%s: line %q outside [Desktop Entry] or without '='", path, line)
				continue
			}
			if _, dup := entries[k]; dup {
				t.Errorf("%s: key %s twice", path, k)
			}
			entries[k] = v
		}
	}
	return entries
}

// TestApplicationsMenuEntry: after Quit the practitioner starts the tray
// again from the applications menu: the .deb installs an entry there that
// menus show (no NoDisplay or Hidden) and that starts the installed tray.
func TestApplicationsMenuEntry(t *testing.T) {
	if packaging.TrayMenuPath != "/usr/share/applications/sessionguard-tray.desktop" {
		t.Errorf("the menu entry is installed at %s", packaging.TrayMenuPath)
	}
	entries := desktopEntry(t, filepath.Join(autostartDir, filepath.FromSlash(packaging.TrayMenuFile)))
	for k, want := range map[string]string{
		"Type": "Application", "Exec": linuxTrayPath, "Terminal": "false", "Name": "SessionGuard", "Categories": "Utility;",
	} {
		if entries[k] != want {
			t.Errorf("%s=%q, want %q", k, entries[k], want)
		}
	}
	for _, k := range []string{"NoDisplay", "Hidden", "OnlyShowIn", "NotShowIn"} {
		if _, ok := entries[k]; ok {
			t.Errorf("%s= would keep the entry out of the menu", k)
		}
	}
	if !strings.Contains(entries["Comment"], "ready for a confidential session") {
		t.Errorf("Comment=%q", entries["Comment"])
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
