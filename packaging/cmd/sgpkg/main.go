// Command sgpkg builds SessionGuard's packages (.deb, .rpm, .msi and the
// macOS pkg layout) from one version number and a directory of binaries.
// `make package` builds the binaries and runs it; see packaging/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/packaging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("sgpkg", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var (
		o       = packaging.Options{Log: stdout}
		formats = fl.String("formats", "deb,rpm,msi,macos", "comma-separated formats to build: deb, rpm, msi, macos")
		linux   = fl.String("linux-arch", "amd64,arm64", "Linux architectures (Go names)")
		windows = fl.String("windows-arch", "amd64", "Windows architectures for the MSI (wixl builds x86 and x64 only)")
		darwin  = fl.String("darwin-arch", "arm64,amd64", "macOS architectures for the pkg layout")
	)
	fl.StringVar(&o.Version, "version", "", "the version, MAJOR.MINOR.PATCH[-prerelease] (required)")
	fl.StringVar(&o.BinDir, "bin", "dist/pkgbin", "the directory of <os>-<arch>/ binary directories")
	fl.StringVar(&o.AutostartDir, "autostart", "packaging/autostart", "the directory of the tray's autostart files")
	fl.StringVar(&o.OutDir, "out", "dist", "where to write the packages")
	fl.BoolVar(&o.RequireTray, "require-tray", false, "fail when the tray is not built, instead of packaging without it")
	fl.StringVar(&o.Maintainer, "maintainer", packaging.DefaultMaintainer, "the Maintainer of the .deb and .rpm")
	fl.StringVar(&o.DocsDir, "docs", "", "the man pages and shell completions sgdocs wrote, for the .deb and .rpm (none when empty)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, `Usage: sgpkg --version 1.4.0 [flags]

Builds the SessionGuard packages into --out from the binaries in
--bin/<os>-<arch>/ (sessionguard, sessionguard-tray, sessionguard-server).
SOURCE_DATE_EPOCH (seconds) stamps every file, so builds are reproducible.
Signing: SESSIONGUARD_SIGN_PKCS12 (a .pfx/.p12 file) and
SESSIONGUARD_SIGN_PASSWORD_FILE sign the Windows executables and the MSI with
osslsigncode; SESSIONGUARD_SIGN_TIMESTAMP_URL adds a timestamp.

Flags:`)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	epoch, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64)
	if err != nil || epoch <= 0 {
		fmt.Fprintf(stderr, "sgpkg: set SOURCE_DATE_EPOCH to a Unix time, e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%%ct)\n")
		return 2
	}
	o.MTime = time.Unix(epoch, 0).UTC()
	if err := build(ctx, &o, split(*formats), split(*linux), split(*windows), split(*darwin)); err != nil {
		fmt.Fprintf(stderr, "sgpkg: %v\n", err)
		return 1
	}
	return 0
}

func build(ctx context.Context, o *packaging.Options, formats, linux, windows, darwin []string) error {
	want := map[string]bool{}
	for _, f := range formats {
		switch f {
		case "deb", "rpm", "msi", "macos":
			want[f] = true
		default:
			return fmt.Errorf("unknown format %q (deb, rpm, msi, macos)", f)
		}
	}
	var linuxFormats []string
	for _, f := range packaging.Formats {
		if want[f] {
			linuxFormats = append(linuxFormats, f)
		}
	}
	if len(linuxFormats) > 0 {
		for _, arch := range linux {
			if _, err := o.BuildLinuxFormats(arch, linuxFormats); err != nil {
				return err
			}
		}
	}
	if want["msi"] {
		for _, arch := range windows {
			if _, err := o.BuildMSI(ctx, arch); err != nil {
				return err
			}
		}
	}
	if want["macos"] {
		for _, arch := range darwin {
			if _, err := o.LayoutMacOS(arch); err != nil {
				return err
			}
		}
	}
	return nil
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
