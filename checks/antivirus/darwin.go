package antivirus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// XProtect bundle Info.plist locations: macOS 15 and later keep the copy in
// use under /var/protected/xprotect, updated over iCloud; the traditional
// copy is updated by Software Update.
var xprotectPlists = []string{
	"/var/protected/xprotect/XProtect.bundle/Contents/Info.plist",
	"/Library/Apple/System/Library/CoreServices/XProtect.bundle/Contents/Info.plist",
}

func collectDarwin(ctx context.Context, p probe.Probe) (*darwinFacts, error) {
	df := &darwinFacts{}
	out, err := p.Run(ctx, probe.CmdSpctl, "--status")
	if err != nil {
		df.GatekeeperError = errKind(err)
	} else {
		df.Gatekeeper = parseSpctlStatus(out.Stdout, out.Stderr)
	}

	var versionErrs []string
	for _, path := range xprotectPlists {
		b, err := p.ReadFile(path)
		if err != nil {
			if !errors.Is(err, probe.ErrNotFound) {
				versionErrs = append(versionErrs, path+": "+errKind(err))
			}
			continue
		}
		v, err := parseBundleVersion(b)
		if err != nil {
			versionErrs = append(versionErrs, path+": "+err.Error())
			continue
		}
		if versionNumber(v) > versionNumber(df.XProtectVersion) {
			df.XProtectVersion = v
		}
	}

	out, err = p.Run(ctx, probe.CmdSystemProfiler, "SPInstallHistoryDataType", "-json")
	switch {
	case err != nil:
		df.XProtectError = "install history: " + errKind(err)
	default:
		inst, err := parseXProtectInstall(out.Stdout)
		if err != nil {
			df.XProtectError = "install history: " + err.Error()
			break
		}
		df.XProtectInstalled = inst.Date.UTC().Format(time.RFC3339)
		df.XProtectAgeDays = ageDays(p.Now(), inst.Date)
		if df.XProtectVersion == "" {
			df.XProtectVersion = inst.Version
		}
	}
	if df.XProtectVersion == "" && len(versionErrs) > 0 && df.XProtectError == "" {
		df.XProtectError = "bundle: " + strings.Join(versionErrs, "; ")
	}

	df.MDATP, df.MDATPError = collectMDATP(ctx, p)
	return df, nil
}

// parseSpctlStatus reads `spctl --status`: "enabled", "disabled" or
// "unrecognised". spctl is not localised.
func parseSpctlStatus(stdout, stderr []byte) string {
	for _, b := range [][]byte{stdout, stderr} {
		for line := range strings.Lines(string(b)) {
			switch strings.TrimSpace(line) {
			case "assessments enabled":
				return "enabled"
			case "assessments disabled":
				return "disabled"
			}
		}
	}
	return "unrecognised"
}

// parseBundleVersion reads CFBundleShortVersionString from an Info.plist
// (XML or binary).
func parseBundleVersion(b []byte) (string, error) {
	var info struct {
		Short   string `plist:"CFBundleShortVersionString"`
		Version string `plist:"CFBundleVersion"`
	}
	if _, err := plist.Unmarshal(b, &info); err != nil {
		return "", fmt.Errorf("Info.plist: %w", err)
	}
	v := strings.TrimSpace(info.Short)
	if v == "" {
		v = strings.TrimSpace(info.Version)
	}
	if v == "" {
		return "", errors.New("Info.plist has no CFBundleShortVersionString")
	}
	return v, nil
}

// versionNumber is the leading integer of an XProtect version (e.g. 5272).
func versionNumber(v string) int {
	head, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(head)
	if err != nil {
		return -1
	}
	return n
}

// install is one install-history entry.
type install struct {
	Version string
	Date    time.Time
}

// parseXProtectInstall finds the newest XProtectPlistConfigData update in
// `system_profiler SPInstallHistoryDataType -json` output.
func parseXProtectInstall(b []byte) (install, error) {
	var doc struct {
		Items *[]struct {
			Name    string `json:"_name"`
			Date    string `json:"install_date"`
			Version string `json:"install_version"`
		} `json:"SPInstallHistoryDataType"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(b), &doc); err != nil {
		return install{}, fmt.Errorf("not system_profiler JSON: %w", err)
	}
	if doc.Items == nil {
		return install{}, errors.New("no SPInstallHistoryDataType in the output")
	}
	var best install
	for _, it := range *doc.Items {
		if !strings.HasPrefix(it.Name, "XProtectPlistConfigData") {
			continue
		}
		t, err := time.Parse(time.RFC3339, it.Date)
		if err != nil {
			continue
		}
		if t.After(best.Date) {
			best = install{Version: it.Version, Date: t}
		}
	}
	if best.Date.IsZero() {
		return install{}, errors.New("no XProtect update in the install history")
	}
	return best, nil
}
