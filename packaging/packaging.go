// Package packaging builds SessionGuard's installers from one version
// number and a directory of binaries:
//
//   - sessionguard_<v>_<arch>.deb and .rpm (nfpm as a library): the agent
//     CLI, its systemd unit (the one agent/service renders, so the package and
//     `sessionguard agent install` ship the same hardened unit), the tray and
//     its XDG autostart file, and maintainer scripts that run
//     `sessionguard onboard` at install;
//   - sessionguard-server_<v>_<arch>.deb and .rpm: the server, its own
//     hardened unit, /etc/sessionguard-server/server.env as a conffile, a
//     system user and a state directory;
//   - sessionguard-<v>-<arch>.msi: WiX source rendered from a template and
//     built by wixl (msitools), with the agent service, the tray's Run key
//     and an onboarding custom action;
//   - macos-<arch>/: the pkgbuild/productbuild layout (payload, launchd
//     plists, pre/postinstall scripts, distribution.xml) that the macOS CI
//     workflow turns into a signed, notarised .pkg.
//
// The binaries come from BinDir/<os>-<arch>/ (sessionguard, sessionguard-tray
// and sessionguard-server, with .exe on Windows). The tray is optional while
// it is being written: without it the packages leave out the tray and its
// autostart entry and say so, unless RequireTray is set.
//
// Builds are reproducible: every timestamp is MTime (SOURCE_DATE_EPOCH), the
// build host is fixed, and the same inputs give the same .deb and .rpm bytes.
// wixl stamps the MSI's summary information with the build time and a random
// package code; everything else in the MSI is the same (see README.md).
package packaging

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

//go:embed files
var embedded embed.FS

// Names of the binaries in BinDir/<os>-<arch>/.
const (
	AgentBinary  = "sessionguard"
	TrayBinary   = "sessionguard-tray"
	ServerBinary = "sessionguard-server"
)

// Names of the autostart files in AutostartDir (written with the tray).
// TrayMenuFile is the applications-menu entry that starts the tray again
// after Quit (the autostart file is hidden from menus).
const (
	TrayDesktopFile = "sessionguard-tray.desktop"
	TrayMenuFile    = "applications/" + TrayDesktopFile
	TrayLaunchAgent = "org.sessionguard.tray.plist"
)

// Options say what to package and where to put it.
type Options struct {
	// Version is MAJOR.MINOR.PATCH, optionally with a -prerelease for the
	// .deb and .rpm; a leading "v" is dropped.
	Version string
	// BinDir holds <os>-<arch>/ directories of binaries.
	BinDir string
	// AutostartDir holds the tray's autostart files.
	AutostartDir string
	// OutDir receives the packages.
	OutDir string
	// MTime stamps every file and header (SOURCE_DATE_EPOCH).
	MTime time.Time
	// RequireTray makes a missing tray binary an error.
	RequireTray bool
	// Maintainer goes into the .deb and .rpm headers.
	Maintainer string
	// DocsDir holds the man pages and shell completions sgdocs wrote
	// (<program>/man1/*.1, <program>/completions/{bash,zsh,fish}); the
	// .deb and .rpm install them. Empty: packages without them.
	DocsDir string
	// Log receives progress and warnings (io.Discard when nil).
	Log io.Writer
}

// DefaultMaintainer is the packages' Maintainer field.
const DefaultMaintainer = "SessionGuard maintainers <packages@sessionguard.example.org>"

var versionPattern = regexp.MustCompile(`^(\d{1,5})\.(\d{1,5})\.(\d{1,5})(-[0-9A-Za-z][0-9A-Za-z.]{0,40})?$`)

// check validates the options and fills defaults.
func (o *Options) check() error {
	if len(o.Version) > 0 && o.Version[0] == 'v' {
		o.Version = o.Version[1:]
	}
	if !versionPattern.MatchString(o.Version) {
		return fmt.Errorf("version %q is not MAJOR.MINOR.PATCH[-prerelease] (e.g. 1.4.0 or 1.4.0-rc1)", o.Version)
	}
	if o.BinDir == "" || o.OutDir == "" {
		return errors.New("packaging needs a binary directory and an output directory")
	}
	if o.MTime.IsZero() {
		return errors.New("packaging needs a timestamp for reproducible packages: set SOURCE_DATE_EPOCH (make package uses the last commit's time)")
	}
	if o.Maintainer == "" {
		o.Maintainer = DefaultMaintainer
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return os.MkdirAll(o.OutDir, 0o755)
}

// numericVersion is the MAJOR.MINOR.PATCH part of the version (the MSI's
// ProductVersion and the macOS package version take no prerelease).
func (o *Options) numericVersion() string {
	m := versionPattern.FindStringSubmatch(o.Version)
	return m[1] + "." + m[2] + "." + m[3]
}

// binary is the path of name for goos/goarch, or "" when it is missing.
func (o *Options) binary(goos, goarch, name string) (string, error) {
	if goos == "windows" {
		name += ".exe"
	}
	p := filepath.Join(o.BinDir, goos+"-"+goarch, name)
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", nil
	case err != nil:
		return "", err
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("%s is not a regular file", p)
	}
	return p, nil
}

// requireBinary is binary, failing when it is missing.
func (o *Options) requireBinary(goos, goarch, name string) (string, error) {
	p, err := o.binary(goos, goarch, name)
	if err == nil && p == "" {
		err = fmt.Errorf("%s for %s/%s is missing from %s (build it first; make package does)",
			name, goos, goarch, filepath.Join(o.BinDir, goos+"-"+goarch))
	}
	return p, err
}

// tray returns the tray binary and its files from AutostartDir (paths in
// the order of names) for goos/goarch, or nothing when the tray or one of
// its files is missing (an error with RequireTray).
func (o *Options) tray(goos, goarch string, names ...string) (bin string, files []string, err error) {
	bin, err = o.binary(goos, goarch, TrayBinary)
	if err != nil {
		return "", nil, err
	}
	missing := bin == ""
	for _, name := range names {
		p := filepath.Join(o.AutostartDir, name)
		if _, err := os.Stat(p); err != nil {
			missing = true
		}
		files = append(files, p)
	}
	if !missing {
		return bin, files, nil
	}
	msg := fmt.Sprintf("the tray for %s/%s is not built yet (%s, files %s in %s)", goos, goarch,
		filepath.Join(o.BinDir, goos+"-"+goarch, TrayBinary), strings.Join(names, ", "), o.AutostartDir)
	if o.RequireTray {
		return "", nil, errors.New(msg)
	}
	fmt.Fprintf(o.Log, "warning: %s: packaging without the tray\n", msg)
	return "", nil, nil
}

// readEmbedded returns an embedded file.
func readEmbedded(name string) []byte {
	b, err := embedded.ReadFile("files/" + name)
	if err != nil {
		panic(err) // a file missing from the embed list is a build bug
	}
	return b
}
