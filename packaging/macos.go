package packaging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	agentservice "github.com/sessionguard/sessionguard/agent/service"
)

// Where the macOS package installs things (relative to the payload root).
const (
	MacAgentExe      = "/usr/local/bin/" + AgentBinary
	MacTrayExe       = "/usr/local/bin/" + TrayBinary
	MacDaemonPlist   = "/Library/LaunchDaemons/" + agentservice.Name + ".plist"
	MacTrayAgentPath = "/Library/LaunchAgents/" + TrayLaunchAgent
	MacPackageID     = "org.sessionguard.agent"
	// MacTrayApp is the tray as an application, so a person who quit it
	// opens it again from Launchpad or Applications (the LaunchAgent starts
	// /usr/local/bin's copy at log-in; one tray runs per person either way).
	MacTrayApp = "/Applications/SessionGuard.app"
)

// macTrayAppInfo is the app's Info.plist: a menu-bar app (no Dock icon)
// whose executable is the tray.
const macTrayAppInfo = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleIdentifier</key><string>org.sessionguard.tray.app</string>
	<key>CFBundleName</key><string>SessionGuard</string>
	<key>CFBundleDisplayName</key><string>SessionGuard</string>
	<key>CFBundleExecutable</key><string>` + TrayBinary + `</string>
	<key>CFBundlePackageType</key><string>APPL</string>
	<key>CFBundleShortVersionString</key><string>{{VERSION}}</string>
	<key>CFBundleVersion</key><string>{{VERSION}}</string>
	<key>LSMinimumSystemVersion</key><string>` + MinMacOS + `</string>
	<key>LSUIElement</key><true/>
</dict>
</plist>
`

// macHostArch is productbuild's name for a Go architecture.
var macHostArch = map[string]string{"arm64": "arm64", "amd64": "x86_64"}

// LayoutMacOS writes OutDir/macos-<arch>/: root/ (the payload), scripts/
// (preinstall, postinstall) and distribution.xml, ready for
//
//	pkgbuild --root root --scripts scripts --identifier org.sessionguard.agent \
//	  --version V --ownership recommended sessionguard-component.pkg
//	productbuild --distribution distribution.xml --package-path . sessionguard-V-ARCH.pkg
//
// on a Mac (.github/workflows/macos-package.yml). It returns the directory.
func (o *Options) LayoutMacOS(arch string) (string, error) {
	if err := o.check(); err != nil {
		return "", err
	}
	hostArch, ok := macHostArch[arch]
	if !ok {
		return "", fmt.Errorf("no macOS package for darwin/%s", arch)
	}
	agentExe, err := o.requireBinary("darwin", arch, AgentBinary)
	if err != nil {
		return "", err
	}
	trayExe, trayFiles, err := o.tray("darwin", arch, TrayLaunchAgent)
	if err != nil {
		return "", err
	}
	trayPlist := ""
	if trayExe != "" {
		trayPlist = trayFiles[0]
	}
	daemon, err := agentservice.RenderLaunchd(MacAgentExe)
	if err != nil {
		return "", err
	}
	dist, err := renderDistribution(o.numericVersion(), arch, hostArch)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(o.OutDir, "macos-"+arch)
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	type entry struct {
		path    string
		content []byte
		from    string
		mode    fs.FileMode
	}
	entries := []entry{
		{path: "root" + MacAgentExe, from: agentExe, mode: 0o755},
		{path: "root" + MacDaemonPlist, content: daemon, mode: 0o644},
		{path: "scripts/preinstall", content: readEmbedded("macos/preinstall"), mode: 0o755},
		{path: "scripts/postinstall", content: readEmbedded("macos/postinstall"), mode: 0o755},
		{path: "distribution.xml", content: dist, mode: 0o644},
	}
	if trayExe != "" {
		info := strings.ReplaceAll(macTrayAppInfo, "{{VERSION}}", o.numericVersion())
		entries = append(entries,
			entry{path: "root" + MacTrayExe, from: trayExe, mode: 0o755},
			entry{path: "root" + MacTrayAgentPath, from: trayPlist, mode: 0o644},
			entry{path: "root" + MacTrayApp + "/Contents/Info.plist", content: []byte(info), mode: 0o644},
			entry{path: "root" + MacTrayApp + "/Contents/MacOS/" + TrayBinary, from: trayExe, mode: 0o755})
	}
	for _, e := range entries {
		if e.from != "" {
			if e.content, err = os.ReadFile(e.from); err != nil {
				return "", err
			}
		}
		p := filepath.Join(dir, filepath.FromSlash(e.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, e.content, e.mode); err != nil {
			return "", err
		}
		// WriteFile's mode is masked by the umask; the payload's is not.
		if err := os.Chmod(p, e.mode); err != nil {
			return "", err
		}
	}
	// Same inputs, same tree: every file and directory gets MTime.
	err = filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, o.MTime, o.MTime)
	})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(o.Log, "laid out %s (build the .pkg on macOS: see packaging/README.md)\n", dir)
	return dir, nil
}

// The oldest macOS SessionGuard installs on (Go's runtime needs macOS 12
// Monterey), and what the installer says on an older one.
const (
	MinMacOS        = "12.0"
	MinMacOSMessage = "SessionGuard needs macOS 12 (Monterey) or later. This Mac runs an older macOS, " +
		"which SessionGuard cannot run on. Please ask your IT support about updating it."
)

func renderDistribution(version, arch, hostArch string) ([]byte, error) {
	tmpl, err := template.New("distribution").Option("missingkey=error").Parse(string(readEmbedded("macos/distribution.xml.tmpl")))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	// A JSON string is a JavaScript string literal; the message holds no "]]>".
	msg, err := json.Marshal(MinMacOSMessage)
	if err != nil {
		return nil, err
	}
	err = tmpl.Execute(&b, map[string]string{"Version": version, "Arch": arch, "HostArch": hostArch,
		"MinMacOS": MinMacOS, "MinMacOSMessageJS": string(msg)})
	return b.Bytes(), err
}
