package packaging

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"howett.net/plist"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testEpoch is the SOURCE_DATE_EPOCH of the test builds.
var testEpoch = time.Unix(1700000000, 0).UTC()

// need finds an apt tool: a missing one skips the test, and fails it on CI.
func need(t *testing.T, tool, aptPackage string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: apt-get install %s", tool, aptPackage)
		}
		t.Skipf("%s is missing: apt-get install %s", tool, aptPackage)
	}
	return p
}

// run runs a tool and returns its standard output.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\n%s%s", name, args, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func writeFile(t *testing.T, path, content string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// standIns writes stand-in binaries for every target and the tray's
// autostart files; it returns the binary and autostart directories.
func standIns(t *testing.T) (bin, autostart string) {
	t.Helper()
	bin, autostart = t.TempDir(), t.TempDir()
	for _, f := range []string{
		"linux-amd64/sessionguard", "linux-amd64/sessionguard-tray", "linux-amd64/sessionguard-server",
		"darwin-arm64/sessionguard", "darwin-arm64/sessionguard-tray",
	} {
		writeFile(t, filepath.Join(bin, f), "#!/bin/sh\necho stand-in "+f+"\n", 0o755)
	}
	for _, f := range []string{"windows-amd64/sessionguard.exe", "windows-amd64/sessionguard-tray.exe"} {
		writeFile(t, filepath.Join(bin, f), "MZ stand-in "+f, 0o644)
	}
	writeFile(t, filepath.Join(autostart, TrayDesktopFile),
		"[Desktop Entry]\nType=Application\nName=SessionGuard\nExec=/usr/bin/sessionguard-tray\nNoDisplay=true\n", 0o644)
	if err := os.MkdirAll(filepath.Join(autostart, filepath.Dir(TrayMenuFile)), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(autostart, TrayMenuFile),
		"[Desktop Entry]\nType=Application\nName=SessionGuard\nExec=/usr/bin/sessionguard-tray\n", 0o644)
	writeFile(t, filepath.Join(autostart, TrayLaunchAgent), `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>Label</key><string>org.sessionguard.tray</string></dict></plist>
`, 0o644)
	return bin, autostart
}

func testOptions(bin, autostart, out string) *Options {
	return &Options{Version: "1.2.3", BinDir: bin, AutostartDir: autostart, OutDir: out, MTime: testEpoch}
}

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		writeFile(t, path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it; review the diff):\n%s", path, got)
	}
}

var debListing = regexp.MustCompile(`^(\S+) (\S+)\s+\d+ \S+ \S+ \./(.*)$`)

// describeDeb is a .deb's payload (mode, owner, path), its control file
// without the size, its conffiles and its maintainer scripts' names.
func describeDeb(t *testing.T, deb string) (string, map[string]string) {
	t.Helper()
	var b strings.Builder
	entries := map[string]string{}
	for line := range strings.Lines(run(t, "dpkg-deb", "--contents", deb)) {
		m := debListing.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			t.Fatalf("unexpected dpkg-deb line %q", line)
		}
		fmt.Fprintf(&b, "%s %s /%s\n", m[1], m[2], m[3])
		entries["/"+strings.TrimSuffix(m[3], "/")] = m[1] + " " + m[2]
	}
	control := t.TempDir()
	run(t, "dpkg-deb", "--control", deb, control)
	names, _ := filepath.Glob(filepath.Join(control, "*"))
	b.WriteString("-- control members:")
	for _, n := range names {
		b.WriteString(" " + filepath.Base(n))
	}
	b.WriteString("\n")
	for _, member := range []string{"control", "conffiles"} {
		data, err := os.ReadFile(filepath.Join(control, member))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "-- %s:\n", member)
		for line := range strings.Lines(string(data)) {
			if !strings.HasPrefix(line, "Installed-Size:") {
				b.WriteString(line)
			}
		}
	}
	return b.String(), entries
}

func TestMaintainerScriptsParse(t *testing.T) {
	sh := need(t, "sh", "dash")
	for _, dir := range []string{"files/linux", "files/macos"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			b, _ := os.ReadFile(p)
			if !bytes.HasPrefix(b, []byte("#!/bin/sh\n")) {
				continue
			}
			run(t, sh, "-n", p)
		}
	}
}

func TestLinuxPackagesGoldenAndReproducible(t *testing.T) {
	need(t, "dpkg-deb", "dpkg")
	need(t, "rpm", "rpm")
	bin, auto := standIns(t)
	first, second := t.TempDir(), t.TempDir()
	var built []string
	for _, out := range []string{first, second} {
		var err error
		built, err = testOptions(bin, auto, out).BuildLinux("amd64")
		if err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"sessionguard_1.2.3_amd64.deb", "sessionguard_1.2.3_amd64.rpm",
		"sessionguard-server_1.2.3_amd64.deb", "sessionguard-server_1.2.3_amd64.rpm"}
	var names []string
	for _, p := range built {
		names = append(names, filepath.Base(p))
	}
	if !slices.Equal(names, want) {
		t.Fatalf("built %q, want %q", names, want)
	}
	for _, name := range want {
		a, _ := os.ReadFile(filepath.Join(first, name))
		b, _ := os.ReadFile(filepath.Join(second, name))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: two builds from the same inputs differ (%d and %d bytes)", name, len(a), len(b))
		}
	}
	for _, pkg := range []string{"sessionguard", "sessionguard-server"} {
		deb := filepath.Join(first, pkg+"_1.2.3_amd64.deb")
		desc, debEntries := describeDeb(t, deb)
		golden(t, pkg+".deb.golden", desc)

		// The rpm holds the same files with the same modes and owners.
		rpmOut := run(t, "rpm", "-qp", "--qf", `[%{FILEMODES:perms} %{FILEUSERNAME}/%{FILEGROUPNAME} %{FILENAMES}\n]`,
			filepath.Join(first, pkg+"_1.2.3_amd64.rpm"))
		rpmFiles := map[string]string{}
		for line := range strings.Lines(rpmOut) {
			f := strings.Fields(line)
			rpmFiles[f[2]] = f[0] + " " + f[1]
		}
		for path, attr := range debEntries {
			if attr[0] == 'd' {
				if r, ok := rpmFiles[path]; ok && r != attr {
					t.Errorf("%s: directory %s is %s in the rpm, %s in the deb", pkg, path, r, attr)
				}
				continue
			}
			if rpmFiles[path] != attr {
				t.Errorf("%s: %s is %q in the rpm, %q in the deb", pkg, path, rpmFiles[path], attr)
			}
		}
		for path := range rpmFiles {
			if _, ok := debEntries[path]; !ok {
				t.Errorf("%s: the rpm has %s, the deb does not", pkg, path)
			}
		}
	}
	// The agent's unit is the one agent/service renders, and the scripts
	// are the ones in files/linux.
	control := t.TempDir()
	run(t, "dpkg-deb", "--control", filepath.Join(first, "sessionguard_1.2.3_amd64.deb"), control)
	for member, src := range map[string]string{"postinst": "agent-postinst.sh", "prerm": "agent-prerm.sh", "postrm": "agent-postrm.sh"} {
		got, _ := os.ReadFile(filepath.Join(control, member))
		if !bytes.Equal(got, readEmbedded("linux/"+src)) {
			t.Errorf("the deb's %s is not files/linux/%s", member, src)
		}
	}
	unit := run(t, "dpkg-deb", "--fsys-tarfile", filepath.Join(first, "sessionguard_1.2.3_amd64.deb"))
	if !strings.Contains(unit, "ExecStart=/usr/bin/sessionguard agent run\n") ||
		!strings.Contains(unit, "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n") {
		t.Error("the agent's unit in the deb is not agent/service's hardened unit")
	}
}

func TestMissingTray(t *testing.T) {
	bin, auto := standIns(t)
	for _, f := range []string{"linux-amd64/sessionguard-tray", "windows-amd64/sessionguard-tray.exe"} {
		if err := os.Remove(filepath.Join(bin, f)); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	o := testOptions(bin, auto, t.TempDir())
	o.Log = &log
	info, err := o.AgentInfo("amd64", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range info.Contents {
		if strings.Contains(c.Destination, "tray") {
			t.Errorf("without a tray binary the package still holds %s", c.Destination)
		}
	}
	if !strings.Contains(log.String(), "packaging without the tray") {
		t.Errorf("no warning about the missing tray: %q", log.String())
	}
	o.RequireTray = true
	if _, err := o.AgentInfo("amd64", t.TempDir()); err == nil || !strings.Contains(err.Error(), "tray") {
		t.Errorf("RequireTray: %v", err)
	}
	if _, err := o.ServerInfo("arm64", t.TempDir()); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("a missing server binary: %v", err)
	}
}

func TestVersionChecked(t *testing.T) {
	bin, auto := standIns(t)
	for v, ok := range map[string]bool{"1.2.3": true, "v1.2.3": true, "1.2.3-rc1": true, "1.2": false, "4debb0f-dirty": false, "1.2.3;rm": false} {
		o := testOptions(bin, auto, t.TempDir())
		o.Version = v
		if err := o.check(); (err == nil) != ok {
			t.Errorf("version %q: %v", v, err)
		}
	}
	o := testOptions(bin, auto, t.TempDir())
	o.MTime = time.Time{}
	if err := o.check(); err == nil {
		t.Error("no SOURCE_DATE_EPOCH accepted")
	}
}

func TestWXSGolden(t *testing.T) {
	o := testOptions("", "", "")
	if err := o.check(); err == nil {
		t.Fatal("options without directories accepted")
	}
	wxs, err := o.RenderWXS("amd64", "sessionguard.exe", "sessionguard-tray.exe")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sessionguard.wxs.golden", string(wxs))
	if _, err := o.RenderWXS("arm64", "a.exe", ""); err == nil {
		t.Error("an arm64 MSI rendered; wixl cannot build one")
	}
	// Awkward paths stay well-formed XML.
	if _, err := o.RenderWXS("amd64", `a "&<b>.exe`, ""); err != nil {
		t.Errorf("escaping: %v", err)
	}
}

// msiTable is one table exported by msiinfo: rows of tab-separated cells,
// without the three header lines.
func msiTable(t *testing.T, msi, table string) [][]string {
	t.Helper()
	out := run(t, "msiinfo", "export", msi, table)
	var rows [][]string
	for i, line := range strings.Split(strings.TrimRight(out, "\r\n"), "\n") {
		if i < 3 {
			continue
		}
		rows = append(rows, strings.Split(strings.TrimRight(line, "\r"), "\t"))
	}
	return rows
}

func hasRow(rows [][]string, match func([]string) bool) bool {
	return slices.ContainsFunc(rows, match)
}

func TestMSI(t *testing.T) {
	need(t, "wixl", "wixl")
	need(t, "msiinfo", "msitools")
	t.Setenv(SignPKCS12Env, "")
	bin, auto := standIns(t)
	first, second := t.TempDir(), t.TempDir()
	for _, out := range []string{first, second} {
		if _, err := testOptions(bin, auto, out).BuildMSI(t.Context(), "amd64"); err != nil {
			t.Fatal(err)
		}
	}
	msi := filepath.Join(first, "sessionguard-1.2.3-amd64.msi")

	files := msiTable(t, msi, "File")
	for _, name := range []string{"sessionguard.exe", "sessionguard-tray.exe"} {
		if !hasRow(files, func(r []string) bool { return len(r) > 2 && r[2] == name }) {
			t.Errorf("File table lacks %s: %q", name, files)
		}
	}
	svc := msiTable(t, msi, "ServiceInstall")
	// Name, DisplayName, ServiceType 16 (own process), StartType 2 (auto), account, arguments.
	if !hasRow(svc, func(r []string) bool {
		return len(r) > 10 && r[1] == "sessionguard-agent" && r[3] == "16" && r[4] == "2" && r[8] == "LocalSystem" && r[10] == "agent run"
	}) {
		t.Errorf("ServiceInstall: %q", svc)
	}
	if ctl := msiTable(t, msi, "ServiceControl"); !hasRow(ctl, func(r []string) bool { return len(r) > 1 && r[1] == "sessionguard-agent" }) {
		t.Errorf("ServiceControl: %q", ctl)
	}
	props := msiTable(t, msi, "Property")
	prop := func(name string) string {
		for _, r := range props {
			if len(r) > 1 && r[0] == name {
				return r[1]
			}
		}
		return ""
	}
	if prop("ProductVersion") != "1.2.3" || prop("UpgradeCode") != "{"+MSIUpgradeCode+"}" || !strings.EqualFold(prop("ProductCode"), "{"+productCode("1.2.3")+"}") {
		t.Errorf("product properties: %q", props)
	}
	if hidden := prop("MsiHiddenProperties"); !strings.Contains(hidden, "ENROLLSECRET") || !strings.Contains(hidden, MSIOnboardAction) {
		t.Errorf("MsiHiddenProperties %q must hide ENROLLSECRET and the onboarding action", hidden)
	}
	reg := msiTable(t, msi, "Registry")
	if !hasRow(reg, func(r []string) bool {
		return len(r) > 4 && r[1] == "2" && r[2] == `Software\Microsoft\Windows\CurrentVersion\Run` && r[3] == "SessionGuard" &&
			r[4] == `"[INSTALLDIR]sessionguard-tray.exe"`
	}) {
		t.Errorf("Registry lacks the tray's HKLM Run key: %q", reg)
	}
	// The Start-menu shortcut that starts the tray again after Quit:
	// Shortcut, Directory_, Name, Component_, Target (advertised: the feature).
	if sc := msiTable(t, msi, "Shortcut"); !hasRow(sc, func(r []string) bool {
		return len(r) > 4 && r[1] == "ProgramMenuFolder" && strings.HasSuffix(r[2], "SessionGuard") && r[3] == "Tray" && r[4] == "Complete"
	}) {
		t.Errorf("Shortcut lacks the tray in the Start menu: %q", sc)
	}
	ca := msiTable(t, msi, "CustomAction")
	if !hasRow(ca, func(r []string) bool {
		return len(r) > 3 && r[0] == MSIOnboardAction && r[2] == "sessionguard.exe" &&
			r[3] == `onboard --server "[SERVERURL]" --secret "[ENROLLSECRET]"`
	}) {
		t.Errorf("CustomAction lacks onboarding with SERVERURL and ENROLLSECRET: %q", ca)
	}
	if !hasRow(ca, func(r []string) bool {
		return len(r) > 3 && r[0] == "ServiceRecovery" && r[2] == "SCEXE" &&
			r[3] == "failure sessionguard-agent reset= 86400 actions= restart/5000/restart/5000/restart/5000"
	}) {
		t.Errorf("CustomAction lacks the service's recovery (restart after 5 s, as agent/service sets it): %q", ca)
	}
	// Windows 10 / Server 2016 or later, told in plain words; the build
	// number is read from the registry, as VersionNT says 603 on Windows 10.
	if lc := msiTable(t, msi, "LaunchCondition"); !hasRow(lc, func(r []string) bool {
		return len(r) > 1 && r[0] == fmt.Sprintf("Installed OR WINDOWSBUILD >= %d", MinWindowsBuild) && r[1] == MinWindowsMessage
	}) {
		t.Errorf("LaunchCondition lacks the minimum Windows: %q", lc)
	}
	if as := msiTable(t, msi, "AppSearch"); !hasRow(as, func(r []string) bool {
		return len(r) > 1 && r[0] == "WINDOWSBUILD" && r[1] == "WindowsBuildNumber"
	}) {
		t.Errorf("AppSearch lacks WINDOWSBUILD: %q", as)
	}
	// Root 2 is HKLM; type 2 raw, +16 the 64-bit view.
	if rl := msiTable(t, msi, "RegLocator"); !hasRow(rl, func(r []string) bool {
		return len(r) > 4 && r[0] == "WindowsBuildNumber" && r[1] == "2" && r[2] == `SOFTWARE\Microsoft\Windows NT\CurrentVersion` &&
			r[3] == "CurrentBuildNumber" && r[4] == "18"
	}) {
		t.Errorf("RegLocator lacks CurrentBuildNumber: %q", rl)
	}
	// The build number must be read before the condition is tested.
	for _, table := range []string{"InstallExecuteSequence", "InstallUISequence"} {
		var search, launch int
		for _, r := range msiTable(t, msi, table) {
			if len(r) > 2 && (r[0] == "AppSearch" || r[0] == "LaunchConditions") {
				n, _ := strconv.Atoi(r[2])
				if r[0] == "AppSearch" {
					search = n
				} else {
					launch = n
				}
			}
		}
		if search == 0 || launch == 0 || search >= launch {
			t.Errorf("%s: AppSearch at %d, LaunchConditions at %d; the search must come first", table, search, launch)
		}
	}
	seq := msiTable(t, msi, "InstallExecuteSequence")
	seqOf := func(action string) string {
		for _, r := range seq {
			if len(r) > 2 && r[0] == action {
				return r[2]
			}
		}
		return ""
	}
	if !(seqOf("InstallServices") < seqOf(MSIOnboardAction) && seqOf(MSIOnboardAction) < seqOf("StartServices") &&
		seqOf("InstallFinalize") > seqOf(MSIOnboardAction) && seqOf("SetScExe") < seqOf("ServiceRecovery") &&
		seqOf("InstallServices") < seqOf("ServiceRecovery") && seqOf("ServiceRecovery") < seqOf("StartServices")) {
		t.Errorf("onboarding must run after InstallServices, before StartServices: %q", seq)
	}

	// Reproducible except the summary information's time and package code.
	for _, table := range []string{"File", "ServiceInstall", "ServiceControl", "Property", "Registry", "CustomAction", "Shortcut",
		"InstallExecuteSequence", "Component", "Directory", "Feature", "Media", "MsiFileHash"} {
		a := msiTable(t, msi, table)
		b := msiTable(t, filepath.Join(second, "sessionguard-1.2.3-amd64.msi"), table)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("table %s differs between two builds:\n%q\n%q", table, a, b)
		}
	}
}

func TestSignHook(t *testing.T) {
	bin, auto := standIns(t)
	var log bytes.Buffer
	o := testOptions(bin, auto, t.TempDir())
	o.Log = &log
	t.Setenv(SignPKCS12Env, "")
	f := filepath.Join(t.TempDir(), "x.msi")
	writeFile(t, f, "not signed", 0o644)
	if err := o.Sign(t.Context(), f); err != nil || !strings.Contains(log.String(), "not signing x.msi") {
		t.Errorf("without a certificate: %v %q", err, log.String())
	}
	// With a certificate that does not exist, osslsigncode runs and fails.
	need(t, "osslsigncode", "osslsigncode")
	t.Setenv(SignPKCS12Env, filepath.Join(t.TempDir(), "missing.p12"))
	if err := o.Sign(t.Context(), f); err == nil || !strings.Contains(err.Error(), "osslsigncode") {
		t.Errorf("signing with a missing certificate: %v", err)
	}
	if b, _ := os.ReadFile(f); string(b) != "not signed" {
		t.Error("a failed signing changed the file")
	}
}

func TestMacOSLayout(t *testing.T) {
	bin, auto := standIns(t)
	o := testOptions(bin, auto, t.TempDir())
	dir, err := o.LayoutMacOS("arm64")
	if err != nil {
		t.Fatal(err)
	}
	var tree strings.Builder
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if !fi.ModTime().Equal(testEpoch) {
			t.Errorf("%s has mtime %v, want SOURCE_DATE_EPOCH", p, fi.ModTime())
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(&tree, "%s %s\n", fi.Mode(), filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "macos-layout.golden", tree.String())

	daemon, err := os.ReadFile(filepath.Join(dir, "root", MacDaemonPlist))
	if err != nil {
		t.Fatal(err)
	}
	var pl map[string]any
	if _, err := plist.Unmarshal(daemon, &pl); err != nil {
		t.Fatal(err)
	}
	if args, _ := pl["ProgramArguments"].([]any); len(args) != 3 || args[0] != MacAgentExe {
		t.Errorf("LaunchDaemon runs %v, want %s agent run", pl["ProgramArguments"], MacAgentExe)
	}
	// The tray as an app (to open it again after Quit): a menu-bar app
	// whose executable is the tray binary itself.
	info, err := os.ReadFile(filepath.Join(dir, "root", MacTrayApp, "Contents", "Info.plist"))
	if err != nil {
		t.Fatal(err)
	}
	var app map[string]any
	if _, err := plist.Unmarshal(info, &app); err != nil {
		t.Fatalf("the app's Info.plist: %v", err)
	}
	if app["CFBundleExecutable"] != TrayBinary || app["LSUIElement"] != true || app["CFBundleShortVersionString"] != "1.2.3" || app["CFBundlePackageType"] != "APPL" {
		t.Errorf("the app's Info.plist: %v", app)
	}
	appExe, _ := os.ReadFile(filepath.Join(dir, "root", MacTrayApp, "Contents", "MacOS", TrayBinary))
	if trayExe, _ := os.ReadFile(filepath.Join(bin, "darwin-arm64", TrayBinary)); len(appExe) == 0 || !bytes.Equal(appExe, trayExe) {
		t.Error("the app's executable is not the tray binary")
	}
	dist, err := os.ReadFile(filepath.Join(dir, "distribution.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(dist, new(struct{})); err != nil {
		t.Errorf("distribution.xml: %v", err)
	}
	if !bytes.Contains(dist, []byte(`hostArchitectures="arm64"`)) || !bytes.Contains(dist, []byte(`version="1.2.3"`)) {
		t.Errorf("distribution.xml:\n%s", dist)
	}
	if _, err := o.LayoutMacOS("386"); err == nil {
		t.Error("a darwin/386 layout was made")
	}
}

// TestServerUnit has systemd check the server's unit and rate its
// hardening (systemd-analyze security: 0 is the most locked down, 10 the
// least; the server's must stay "OK", below 2).
func TestServerUnit(t *testing.T) {
	analyze := need(t, "systemd-analyze", "systemd")
	dir := t.TempDir()
	unit := strings.ReplaceAll(string(readEmbedded("linux/sessionguard-server.service")), ServerExePath, "/bin/true")
	// The settings file does not exist on this machine; "-" lets verify pass.
	unit = strings.ReplaceAll(unit, "EnvironmentFile=/", "EnvironmentFile=-/")
	path := filepath.Join(dir, "sessionguard-server.service")
	writeFile(t, path, unit, 0o644)
	if out, err := exec.CommandContext(t.Context(), analyze, "verify", "--man=no", path).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out := run(t, analyze, "security", "--offline=true", "--no-pager", path)
	m := regexp.MustCompile(`Overall exposure level for sessionguard-server.service: (\d+)\.(\d)`).FindStringSubmatch(out)
	if m == nil || m[1] != "0" && m[1] != "1" {
		t.Errorf("the server's unit is not hardened enough:\n%s", out)
	}
	for _, want := range []string{"User=sessionguard-server\n", "EnvironmentFile=/etc/sessionguard-server/server.env\n",
		"StateDirectory=sessionguard-server\n", "ProtectSystem=strict\n", "NoNewPrivileges=true\n"} {
		if !strings.Contains(string(readEmbedded("linux/sessionguard-server.service")), want) {
			t.Errorf("the server's unit lacks %q", want)
		}
	}
}

// TestSignMSI signs a real MSI with a throw-away certificate through the
// signing hook and finds the Authenticode signature in it.
func TestSignMSI(t *testing.T) {
	need(t, "wixl", "wixl")
	openssl := need(t, "openssl", "openssl")
	tool := need(t, "osslsigncode", "osslsigncode")
	t.Setenv(SignPKCS12Env, "")
	bin, auto := standIns(t)
	o := testOptions(bin, auto, t.TempDir())
	msi, err := o.BuildMSI(t.Context(), "amd64")
	if err != nil {
		t.Fatal(err)
	}
	if exec.CommandContext(t.Context(), tool, "extract-signature", "-in", msi, "-out", filepath.Join(t.TempDir(), "sig")).Run() == nil {
		t.Fatal("the MSI is signed without a certificate")
	}
	keys := t.TempDir()
	key, cert, p12, pw := filepath.Join(keys, "k.pem"), filepath.Join(keys, "c.pem"), filepath.Join(keys, "c.p12"), filepath.Join(keys, "pw")
	run(t, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=SessionGuard test")
	run(t, openssl, "pkcs12", "-export", "-inkey", key, "-in", cert, "-out", p12, "-passout", "pass:test-pass-123")
	writeFile(t, pw, "test-pass-123\n", 0o600)
	t.Setenv(SignPKCS12Env, p12)
	t.Setenv(SignPasswordFileEnv, pw)
	var log bytes.Buffer
	o.Log = &log
	if err := o.Sign(t.Context(), msi); err != nil {
		t.Fatal(err)
	}
	run(t, tool, "extract-signature", "-in", msi, "-out", filepath.Join(t.TempDir(), "sig"))
	if strings.Contains(log.String(), "test-pass-123") {
		t.Error("the certificate's password was logged")
	}
}

// BenchmarkAgentDeb builds the agent .deb with a 16 MiB binary (the real
// one is about 15 MB), the bulk of `make package`'s packaging time.
func BenchmarkAgentDeb(b *testing.B) {
	bin, auto := b.TempDir(), b.TempDir()
	big := make([]byte, 16<<20)
	for i := range big {
		big[i] = byte(i * 7 % 251) // compressible, like code
	}
	for name, content := range map[string][]byte{"sessionguard": big, "sessionguard-tray": []byte("#!/bin/sh\n")} {
		if err := os.MkdirAll(filepath.Join(bin, "linux-amd64"), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bin, "linux-amd64", name), content, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(auto, TrayDesktopFile), []byte("[Desktop Entry]\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	o := testOptions(bin, auto, b.TempDir())
	if err := o.check(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(big)))
	for b.Loop() {
		if _, err := o.buildLinuxPackage(AgentBinary, "amd64", "deb", o.AgentInfo); err != nil {
			b.Fatal(err)
		}
	}
}

// The distribution's installation check, run by node with Installer's
// system.compareVersions and my.result: macOS 11 is refused with the plain
// message, 12 and later pass.
func TestMacOSVersionCheck(t *testing.T) {
	node := need(t, "node", "nodejs")
	dist, err := renderDistribution("1.2.3", "arm64", "arm64")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Check struct {
			Script string `xml:"script,attr"`
		} `xml:"installation-check"`
		Script     string `xml:"script"`
		VolumeMins []struct {
			Min string `xml:"min,attr"`
		} `xml:"volume-check>allowed-os-versions>os-version"`
	}
	if err := xml.Unmarshal(dist, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Check.Script != "sessionguardSupportedMacOS()" || len(doc.VolumeMins) != 1 || doc.VolumeMins[0].Min != MinMacOS {
		t.Fatalf("distribution.xml: installation-check %q, volume-check %v:\n%s", doc.Check.Script, doc.VolumeMins, dist)
	}
	harness := doc.Script + `
function compareVersions(a, b) {
	const x = a.split('.').map(Number), y = b.split('.').map(Number);
	for (let i = 0; i < Math.max(x.length, y.length); i++) {
		if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) < (y[i] || 0) ? -1 : 1;
	}
	return 0;
}
const out = {};
for (const v of ['10.15.7', '11.7.10', '12.0', '12.7.6', '14.5', '26.1']) {
	globalThis.system = {compareVersions, version: {ProductVersion: v}};
	globalThis.my = {result: {}};
	out[v] = {ok: ` + doc.Check.Script + `, result: my.result};
}
console.log(JSON.stringify(out));
`
	cmd := exec.CommandContext(t.Context(), node, "-")
	cmd.Stdin = strings.NewReader(harness)
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got map[string]struct {
		OK     bool `json:"ok"`
		Result struct{ Type, Title, Message string }
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	for v, want := range map[string]bool{"10.15.7": false, "11.7.10": false, "12.0": true, "12.7.6": true, "14.5": true, "26.1": true} {
		r := got[v]
		if r.OK != want {
			t.Errorf("macOS %s: allowed %v, want %v", v, r.OK, want)
		}
		if !want && (r.Result.Type != "Fatal" || r.Result.Message != MinMacOSMessage || r.Result.Title == "") {
			t.Errorf("macOS %s refused with %+v, want a Fatal result with the plain message", v, r.Result)
		}
	}
}
