package packaging

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the rpm packager

	agentservice "github.com/sessionguard/sessionguard/agent/service"
)

// Where the Linux packages install things.
const (
	AgentExePath        = "/usr/bin/" + AgentBinary
	TrayExePath         = "/usr/bin/" + TrayBinary
	ServerExePath       = "/usr/bin/" + ServerBinary
	AgentUnitPath       = agentservice.PackagedUnitPath
	ServerUnitPath      = "/usr/lib/systemd/system/sessionguard-server.service"
	TrayAutostartPath   = "/etc/xdg/autostart/" + TrayDesktopFile
	TrayMenuPath        = "/usr/share/applications/" + TrayDesktopFile
	EnrolConfigDir      = "/etc/sessionguard"
	EnrolExamplePath    = "/usr/share/doc/sessionguard/enroll.env.example"
	ServerConfigPath    = "/etc/sessionguard-server/server.env"
	linuxPackageLicense = "Proprietary"
)

// Formats are the Linux package formats.
var Formats = []string{"deb", "rpm"}

// linuxFile is one file of a Linux package.
type linuxFile struct {
	src, dst string
	mode     fs.FileMode
	typ      string
}

// stage writes embedded or rendered content into dir and returns its path.
func stage(dir, name string, content []byte, mode fs.FileMode) (string, error) {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, mode); err != nil {
		return "", fmt.Errorf("staging %s: %w", name, err)
	}
	return p, nil
}

// info is the nfpm description of a package.
func (o *Options) info(name, arch, description string, payload []linuxFile, scripts nfpm.Scripts) *nfpm.Info {
	var contents files.Contents
	for _, f := range payload {
		contents = append(contents, &files.Content{
			Source: f.src, Destination: f.dst, Type: f.typ,
			FileInfo: &files.ContentFileInfo{Owner: "root", Group: "root", Mode: f.mode, MTime: o.MTime},
		})
	}
	info := &nfpm.Info{
		Name:        name,
		Arch:        arch,
		Platform:    "linux",
		Version:     o.Version,
		Section:     "admin",
		Priority:    "optional",
		Maintainer:  o.Maintainer,
		Vendor:      "SessionGuard",
		Homepage:    "https://sessionguard.example.org",
		License:     linuxPackageLicense,
		Description: description,
		MTime:       o.MTime,
		Overridables: nfpm.Overridables{
			Contents: contents,
			Scripts:  scripts,
			Umask:    0o022,
			RPM: nfpm.RPM{
				// The build host goes into the header; fixed for reproducible builds.
				BuildHost: "sessionguard-build",
				Group:     "Applications/System",
				Summary:   firstLine(description),
			},
		},
	}
	return nfpm.WithDefaults(info)
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}

// AgentInfo describes the sessionguard package for arch, staging its
// generated files in stageDir.
func (o *Options) AgentInfo(arch, stageDir string) (*nfpm.Info, error) {
	exe, err := o.requireBinary("linux", arch, AgentBinary)
	if err != nil {
		return nil, err
	}
	unit, err := agentservice.RenderSystemd(AgentExePath)
	if err != nil {
		return nil, err
	}
	unitFile, err := stage(stageDir, "agent.service", unit, 0o644)
	if err != nil {
		return nil, err
	}
	example, err := stage(stageDir, "enroll.env.example", readEmbedded("linux/enroll.env.example"), 0o644)
	if err != nil {
		return nil, err
	}
	payload := []linuxFile{
		{src: exe, dst: AgentExePath, mode: 0o755},
		{src: unitFile, dst: AgentUnitPath, mode: 0o644},
		{src: example, dst: EnrolExamplePath, mode: 0o644},
		{dst: EnrolConfigDir, mode: 0o755, typ: files.TypeDir},
	}
	tray, desktopFiles, err := o.tray("linux", arch, TrayDesktopFile, TrayMenuFile)
	if err != nil {
		return nil, err
	}
	var trayMan []string
	if tray != "" {
		payload = append(payload,
			linuxFile{src: tray, dst: TrayExePath, mode: 0o755},
			linuxFile{src: desktopFiles[0], dst: TrayAutostartPath, mode: 0o644},
			linuxFile{src: desktopFiles[1], dst: TrayMenuPath, mode: 0o644})
		trayMan = append(trayMan, TrayBinary+".1")
	}
	docs, err := o.docsPayload(AgentBinary, stageDir, trayMan...)
	if err != nil {
		return nil, err
	}
	payload = append(payload, docs...)
	scripts, err := stageScripts(stageDir, "agent", false)
	if err != nil {
		return nil, err
	}
	info := o.info(AgentBinary, arch, "Keeps this computer fit for confidential 1:1 video sessions\n"+
		"SessionGuard checks disk encryption, firewall, anti-virus, Wi-Fi, screen lock,\n"+
		"user accounts and listening devices, says in plain English what to fix, keeps\n"+
		"a tamper-evident session log and reports to your organisation's server.", payload, scripts)
	info.Recommends = agentRecommends
	return info, nil
}

// agentRecommends are the packages the agent reads with when they are
// there: iw shows the Wi-Fi access point's own security elements, without
// which a WPA2 connection behind NetworkManager with iwd (or iwd alone)
// cannot be told from WPA/WPA2 mixed mode and is unknown. The same
// package name on Debian, Fedora, openSUSE and Arch.
var agentRecommends = []string{"iw"}

// ServerInfo describes the sessionguard-server package for arch.
func (o *Options) ServerInfo(arch, stageDir string) (*nfpm.Info, error) {
	exe, err := o.requireBinary("linux", arch, ServerBinary)
	if err != nil {
		return nil, err
	}
	unit, err := stage(stageDir, "server.service", readEmbedded("linux/sessionguard-server.service"), 0o644)
	if err != nil {
		return nil, err
	}
	env, err := stage(stageDir, "server.env", readEmbedded("linux/server.env"), 0o600)
	if err != nil {
		return nil, err
	}
	payload := []linuxFile{
		{src: exe, dst: ServerExePath, mode: 0o755},
		{src: unit, dst: ServerUnitPath, mode: 0o644},
		{src: env, dst: ServerConfigPath, mode: 0o600, typ: files.TypeConfigNoReplace},
	}
	docs, err := o.docsPayload(ServerBinary, stageDir)
	if err != nil {
		return nil, err
	}
	payload = append(payload, docs...)
	scripts, err := stageScripts(stageDir, "server", true)
	if err != nil {
		return nil, err
	}
	return o.info(ServerBinary, arch, "SessionGuard server: agent API, fleet dashboard and exports\n"+
		"Receives check reports and session records from SessionGuard agents and serves\n"+
		"the fleet dashboard. SQLite by default, PostgreSQL optionally.", payload, scripts), nil
}

// stageScripts writes the maintainer scripts of pkg ("agent" or "server").
func stageScripts(dir, pkg string, preinst bool) (nfpm.Scripts, error) {
	var s nfpm.Scripts
	for _, sc := range []struct {
		name string
		to   *string
	}{{"postinst", &s.PostInstall}, {"prerm", &s.PreRemove}, {"postrm", &s.PostRemove}, {"preinst", &s.PreInstall}} {
		if sc.name == "preinst" && !preinst {
			continue
		}
		p, err := stage(dir, pkg+"-"+sc.name, readEmbedded("linux/"+pkg+"-"+sc.name+".sh"), 0o755)
		if err != nil {
			return s, err
		}
		*sc.to = p
	}
	return s, nil
}

// LinuxPackageName is the file name of a Linux package.
func LinuxPackageName(pkg, version, arch, format string) string {
	return pkg + "_" + version + "_" + arch + "." + format
}

// BuildLinux builds the agent and server packages in every format for arch
// and returns their paths.
func (o *Options) BuildLinux(arch string) ([]string, error) {
	return o.BuildLinuxFormats(arch, Formats)
}

// BuildLinuxFormats builds the agent and server packages in formats (deb,
// rpm) for arch and returns their paths.
func (o *Options) BuildLinuxFormats(arch string, formats []string) ([]string, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	var out []string
	for _, pkg := range []struct {
		name string
		info func(arch, stageDir string) (*nfpm.Info, error)
	}{{AgentBinary, o.AgentInfo}, {ServerBinary, o.ServerInfo}} {
		for _, format := range formats {
			p, err := o.buildLinuxPackage(pkg.name, arch, format, pkg.info)
			if err != nil {
				return out, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func (o *Options) buildLinuxPackage(name, arch, format string, describe func(arch, stageDir string) (*nfpm.Info, error)) (string, error) {
	stageDir, err := os.MkdirTemp("", "sessionguard-package-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(stageDir)
	info, err := describe(arch, stageDir)
	if err != nil {
		return "", err
	}
	packager, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	info.Target = filepath.Join(o.OutDir, LinuxPackageName(name, o.Version, arch, format))
	if err := nfpm.PrepareForPackager(info, format); err != nil {
		return "", fmt.Errorf("%s %s: %w", name, format, err)
	}
	tmp := info.Target + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	err = packager.Package(info, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, info.Target)
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("building %s: %w", filepath.Base(info.Target), err)
	}
	fmt.Fprintf(o.Log, "built %s\n", info.Target)
	return info.Target, nil
}
