package packaging

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	agentservice "github.com/sessionguard/sessionguard/agent/service"
)

// The MSI's fixed identities. The upgrade code never changes (it is how a
// newer MSI finds and replaces an older one); the component GUIDs stay with
// their files. The product code is derived from the version, so the same
// version always builds the same product.
const (
	MSIUpgradeCode    = "6f1d4c1e-8c5e-4d3e-9f3a-2b7f0f6a9a10"
	msiAgentComponent = "8a6b7f3c-1d2e-4f5a-9b8c-7d6e5f4a3b2c"
	msiTrayComponent  = "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"
	MSIOnboardAction  = "SessionGuardOnboard"
	msiBuildTimeout   = 2 * time.Minute
)

// The oldest Windows SessionGuard installs on: Windows 10 (build 10240,
// the first) or Windows Server 2016 (build 14393). Go's runtime needs
// Windows 10; on older Windows the agent would crash before it starts. The
// MSI's launch condition refuses older Windows with MinWindowsMessage.
const (
	MinWindowsBuild   = 10240
	MinWindowsMessage = "SessionGuard needs Windows 10 or later (or Windows Server 2016 or later). " +
		"This computer runs an older Windows, which SessionGuard cannot run on and which no longer gets security updates. " +
		"Please ask your IT support about upgrading it."
)

// msiArch maps a Go architecture to wixl's -a and the Program Files folder.
var msiArch = map[string]struct {
	wixl, programFiles string
	win64              bool
}{
	"amd64": {"x64", "ProgramFiles64Folder", true},
	"386":   {"x86", "ProgramFilesFolder", false},
}

// wxsData fills the WiX template.
type wxsData struct {
	Version, Arch                                       string
	ProductCode, UpgradeCode                            string
	AgentComponent, TrayComponent                       string
	ProgramFilesFolder                                  string
	Win64                                               bool
	AgentExe, TrayExe                                   string
	ServiceName, ServiceDisplayName, ServiceDescription string
	ServiceArguments                                    string
	RecoveryDelayMS, RecoveryResetSeconds               int64
	OnboardAction                                       string
	MinWindowsBuild                                     int
	MinWindowsMessage                                   string
}

// msiExePath is where the MSI installs the agent.
const msiExePath = `C:\Program Files\SessionGuard\sessionguard.exe`

// windowsService is the service `sessionguard agent install` creates on
// Windows (agent/service is its one source), which the MSI installs too.
func windowsService() (agentservice.WindowsDefinition, time.Duration, error) {
	var d agentservice.WindowsDefinition
	b, err := agentservice.RenderWindows(msiExePath)
	if err == nil {
		err = json.Unmarshal(b, &d)
	}
	if err != nil {
		return d, 0, err
	}
	// The template installs an automatic LocalSystem service that restarts.
	if d.StartType != "automatic" || d.Account != "LocalSystem" || d.Recovery.Action != "restart" {
		return d, 0, fmt.Errorf("the MSI template installs an automatic LocalSystem service that restarts, but agent/service now says %+v", d)
	}
	delay, err := time.ParseDuration(d.Recovery.Delay)
	return d, delay, err
}

// MSIName is the MSI's file name.
func MSIName(version, arch string) string {
	return "sessionguard-" + version + "-" + arch + ".msi"
}

// productCode derives a GUID from the upgrade code and the version (a
// name-based, version 5 style UUID).
func productCode(version string) string {
	h := sha1.Sum([]byte(MSIUpgradeCode + "/" + version))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// RenderWXS renders the WiX source for arch with the given executables
// (trayExe may be empty).
func (o *Options) RenderWXS(arch, agentExe, trayExe string) ([]byte, error) {
	a, ok := msiArch[arch]
	if !ok {
		return nil, fmt.Errorf("no MSI for windows/%s: wixl builds x86 and x64 installers only", arch)
	}
	svc, delay, err := windowsService()
	if err != nil {
		return nil, err
	}
	version := o.numericVersion()
	d := wxsData{
		Version: version, Arch: arch,
		ProductCode: productCode(version), UpgradeCode: MSIUpgradeCode,
		AgentComponent: msiAgentComponent, TrayComponent: msiTrayComponent,
		ProgramFilesFolder: a.programFiles, Win64: a.win64,
		AgentExe: agentExe, TrayExe: trayExe,
		ServiceName: svc.Name, ServiceDisplayName: svc.DisplayName, ServiceDescription: svc.Description,
		ServiceArguments: strings.Join(svc.Arguments, " "),
		RecoveryDelayMS:  delay.Milliseconds(), RecoveryResetSeconds: int64(svc.Recovery.ResetPeriodSeconds),
		OnboardAction:   MSIOnboardAction,
		MinWindowsBuild: MinWindowsBuild, MinWindowsMessage: MinWindowsMessage,
	}
	tmpl, err := template.New("wxs").Option("missingkey=error").Parse(string(readEmbedded("windows/sessionguard.wxs.tmpl")))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, xmlEscaped(d)); err != nil {
		return nil, err
	}
	// The result must be well-formed XML whatever the paths hold.
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	for {
		if _, err := dec.Token(); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("the rendered WiX source is not well-formed: %w", err)
		}
	}
	return b.Bytes(), nil
}

// xmlEscaped escapes every string field for an XML attribute.
func xmlEscaped(d wxsData) wxsData {
	esc := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return strings.ReplaceAll(b.String(), `"`, "&quot;")
	}
	d.AgentExe, d.TrayExe = esc(d.AgentExe), esc(d.TrayExe)
	d.ServiceDisplayName, d.ServiceDescription = esc(d.ServiceDisplayName), esc(d.ServiceDescription)
	d.MinWindowsMessage = esc(d.MinWindowsMessage)
	return d
}

// BuildMSI builds the Windows installer for arch with wixl and signs it
// (and the executables in it) when a certificate is configured.
func (o *Options) BuildMSI(ctx context.Context, arch string) (string, error) {
	if err := o.check(); err != nil {
		return "", err
	}
	wixl, err := exec.LookPath("wixl")
	if err != nil {
		return "", fmt.Errorf("building the MSI needs wixl: apt-get install wixl (%w)", err)
	}
	if wixl, err = filepath.Abs(wixl); err != nil {
		return "", err
	}
	agentExe, err := o.requireBinary("windows", arch, AgentBinary)
	if err != nil {
		return "", err
	}
	trayExe, _, err := o.tray("windows", arch)
	if err != nil {
		return "", err
	}
	stageDir, err := os.MkdirTemp("", "sessionguard-msi-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(stageDir)
	// Sign copies of the executables, so the installed files are signed.
	if agentExe, err = o.stageSigned(ctx, stageDir, agentExe); err != nil {
		return "", err
	}
	if trayExe != "" {
		if trayExe, err = o.stageSigned(ctx, stageDir, trayExe); err != nil {
			return "", err
		}
	}
	// wixl takes sources relative to its working directory: the stage.
	trayName := ""
	if trayExe != "" {
		trayName = filepath.Base(trayExe)
	}
	wxs, err := o.RenderWXS(arch, filepath.Base(agentExe), trayName)
	if err != nil {
		return "", err
	}
	src, err := stage(stageDir, "sessionguard.wxs", wxs, 0o644)
	if err != nil {
		return "", err
	}
	out, err := filepath.Abs(filepath.Join(o.OutDir, MSIName(o.numericVersion(), arch)))
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, msiBuildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, wixl, "-a", msiArch[arch].wixl, "-o", out, src)
	cmd.Dir = stageDir
	cmd.Env = append(os.Environ(), fmt.Sprintf("SOURCE_DATE_EPOCH=%d", o.MTime.Unix()))
	if msg, err := cmd.CombinedOutput(); err != nil {
		os.Remove(out)
		return "", fmt.Errorf("wixl failed: %w\n%s", err, wixlErrors(msg))
	}
	if err := o.Sign(ctx, out); err != nil {
		return "", err
	}
	fmt.Fprintf(o.Log, "built %s\n", out)
	return out, nil
}

// wixlErrors drops GLib's warnings about WiX attributes wixl ignores.
func wixlErrors(out []byte) string {
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(l) == "" || strings.Contains(l, "GLib-GObject-WARNING") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// stageSigned copies exe into dir and signs the copy when a certificate is
// configured.
func (o *Options) stageSigned(ctx context.Context, dir, exe string) (string, error) {
	b, err := os.ReadFile(exe)
	if err != nil {
		return "", err
	}
	p, err := stage(dir, filepath.Base(exe), b, 0o644)
	if err != nil {
		return "", err
	}
	return p, o.Sign(ctx, p)
}
