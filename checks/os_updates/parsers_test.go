package osupdates

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pierrec/lz4/v4"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Cases from dpkg's own test suite (lib/dpkg/t/t-version.c) and Debian
// policy 5.6.12: ~ sorts before everything, letters before other marks,
// digits compare as numbers, the epoch decides first.
func TestCompareDebVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.0", "1.1", -1},
		{"1.0~rc1", "1.0", -1},
		{"1.0~~", "1.0~", -1},
		{"1.0~", "1.0", -1},
		{"1.0", "1.0+b1", -1},
		{"1.0a", "1.0+", -1},
		{"1:0.1", "2.0", 1},
		{"0:2.0", "2.0", 0},
		{"1.10", "1.9", 1},
		{"3.0.17-1~deb12u2", "3.0.17-1~deb12u3", -1},
		{"3.0.17-1~deb12u2", "3.0.17-1", -1},
		{"1:9.2p1-2+deb12u6", "1:9.2p1-2+deb12u10", -1},
		{"5.2.15-2+b8", "5.2.15-2+b13", -1},
		{"2.36-9+deb12u10", "2.36-9+deb12u9", 1},
		{"1.2-3", "1.2-3.1", -1},
		{"7.88.1-10+deb12u8", "7.88.1-10+deb12u14", -1},
		{"1.0-0ubuntu0.22.04.1", "1.0-0ubuntu0.22.04.2", -1},
	} {
		got := compareDebVersions(tc.a, tc.b)
		if sign(got) != tc.want {
			t.Errorf("CompareDebVersions(%q, %q) = %d, want sign %d", tc.a, tc.b, got, tc.want)
		}
		if sign(compareDebVersions(tc.b, tc.a)) != -tc.want {
			t.Errorf("CompareDebVersions(%q, %q) is not antisymmetric", tc.b, tc.a)
		}
	}
}

// dpkg --compare-versions is the reference where dpkg is installed.
func TestCompareDebVersionsAgreesWithDpkg(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("no dpkg here")
	}
	pairs := [][2]string{{"1.0~rc1", "1.0"}, {"1:1.0", "2.0"}, {"1.0+b1", "1.0"}, {"2.36-9+deb12u9", "2.36-9+deb12u10"}, {"1.0a", "1.0+"}, {"0.9.8~beta.1", "0.9.8~beta"}}
	for _, p := range pairs {
		lt := exec.Command(dpkg, "--compare-versions", p[0], "lt", p[1]).Run() == nil
		if got := compareDebVersions(p[0], p[1]) < 0; got != lt {
			t.Errorf("%s < %s: dpkg says %v, CompareDebVersions %v", p[0], p[1], lt, got)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestParseAptRelease(t *testing.T) {
	sec, err := parseAptRelease(checktest.ReadParserData(t, "debian12-security.InRelease.head"))
	if err != nil {
		t.Fatal(err)
	}
	if !sec.Security() || sec.Origin != "Debian" || sec.Codename != "bookworm-security" || sec.Date.IsZero() || !sec.ValidUntil.After(sec.Date) {
		t.Errorf("security release %+v", sec)
	}
	upd, err := parseAptRelease(checktest.ReadParserData(t, "debian12-updates.InRelease.head"))
	if err != nil {
		t.Fatal(err)
	}
	if upd.Security() || upd.Suite != "oldstable-updates" {
		t.Errorf("bookworm-updates read as %+v (security %v)", upd, upd.Security())
	}
	for _, tc := range []struct {
		head string
		want bool
	}{
		{"Origin: Ubuntu\nLabel: Ubuntu\nSuite: jammy-security\nCodename: jammy\n", true},
		{"Origin: Ubuntu\nLabel: Ubuntu\nSuite: jammy-updates\nCodename: jammy\n", false},
		{"Origin: UbuntuESM\nLabel: UbuntuESM\nSuite: jammy-infra-security\nCodename: jammy\n", true},
		{"Origin: Debian\nLabel: Debian-Security\nSuite: oldoldstable\nCodename: buster\n", true},
		{"Origin: Debian\nLabel: Debian\nSuite: oldoldstable\nCodename: buster/updates\n", true},
		{"Origin: Kali\nLabel: Kali\nSuite: kali-rolling\nCodename: kali-rolling\n", false},
	} {
		r, err := parseAptRelease([]byte(tc.head))
		if err != nil || r.Security() != tc.want {
			t.Errorf("%q: security %v (%v), want %v", tc.head, r.Security(), err, tc.want)
		}
	}
	if _, err := parseAptRelease([]byte("<html>captive portal</html>\n")); err == nil {
		t.Error("a page that is not a Release file was read as one")
	}
}

func TestOpenList(t *testing.T) {
	plain := []byte("Package: openssl\nVersion: 3.0.17-1~deb12u3\nArchitecture: amd64\n\n")
	var gz, l4 bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	lw := lz4.NewWriter(&l4)
	lw.Write(plain)
	lw.Close()
	for name, b := range map[string][]byte{"x_Packages": plain, "x_Packages.gz": gz.Bytes(), "x_Packages.lz4": l4.Bytes()} {
		r, err := openList(name, b)
		var got []debPackage
		if err == nil {
			err = eachPackage(r, func(p debPackage) { got = append(got, p) })
		}
		if err != nil || len(got) != 1 || got[0] != (debPackage{Name: "openssl", Arch: "amd64", Version: "3.0.17-1~deb12u3"}) {
			t.Errorf("%s: %+v, %v", name, got, err)
		}
	}
	if _, err := openList("x_Packages.xz", []byte("x")); err == nil || !strings.Contains(err.Error(), "xz") {
		t.Errorf("xz: %v, want an error naming xz", err)
	}
	if _, err := openList("x_Packages.gz", []byte("not gzip")); err == nil {
		t.Error("a corrupt gzip list was read")
	}
	r, _ := openList("x_Packages.lz4", l4.Bytes()[:l4.Len()-6])
	if err := eachPackage(r, func(debPackage) {}); err == nil {
		t.Error("a truncated lz4 list was read to its end")
	}
}

func TestParseDpkgStatus(t *testing.T) {
	status := "Package: unattended-upgrades\nStatus: install ok installed\nArchitecture: all\nVersion: 2.9.1+nmu3\n\n" +
		"Package: openssl\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u2\n\n" +
		"Package: libssl3\nStatus: hold ok installed\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u2\nDescription: x\n more\n"
	s := parseDpkgStatus([]byte(status))
	if !s.unattended || len(s.versions) != 2 || s.versions["libssl3\x00amd64"] != "3.0.11-1~deb12u2" {
		t.Errorf("%+v", s)
	}
}

func TestParseAptConfig(t *testing.T) {
	// apt-config -o … dump APT::Periodic on Debian 12.
	got := parseAptConfig([]byte("APT::Periodic \"\";\nAPT::Periodic::Unattended-Upgrade \"1\";\nAPT::Periodic::Update-Package-Lists \"1\";\n"))
	if got["APT::Periodic::Unattended-Upgrade"] != "1" || got["APT::Periodic::Update-Package-Lists"] != "1" || got["APT::Periodic"] != "" {
		t.Errorf("%v", got)
	}
}

func TestParseInstalledOn(t *testing.T) {
	for s, want := range map[string]string{
		"11/12/2026":       "2026-11-12",
		"1/9/2026":         "2026-01-09",
		"20261112":         "2026-11-12",
		"01d99b2e7fdb0000": "2023-06-10", // FILETIME of 2023-06-10 00:00 UTC
	} {
		got, ok := parseInstalledOn(s)
		if !ok || got.Format(time.DateOnly) != want {
			t.Errorf("%q: %v %v, want %s", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "12.11.2026", "gestern"} {
		if _, ok := parseInstalledOn(s); ok {
			t.Errorf("%q was read as a date", s)
		}
	}
}

func TestPatchTuesday(t *testing.T) {
	for at, want := range map[string]string{
		"2026-12-05T10:00:00Z": "2026-11-10T17:00:00Z",
		"2026-12-08T16:59:00Z": "2026-11-10T17:00:00Z",
		"2026-12-08T17:00:00Z": "2026-12-08T17:00:00Z",
		"2027-01-05T00:00:00Z": "2026-12-08T17:00:00Z",
		"2027-01-12T18:00:00Z": "2027-01-12T17:00:00Z",
	} {
		now, _ := time.Parse(time.RFC3339, at)
		if got := patchTuesday(now).Format(time.RFC3339); got != want {
			t.Errorf("patchTuesday(%s) = %s, want %s", at, got, want)
		}
	}
}

func TestEOLLinesAndSetting(t *testing.T) {
	for _, l := range builtinEOL {
		if _, err := parseEOLLine(l); err != nil {
			t.Errorf("built-in line: %v", err)
		}
	}
	for _, bad := range []string{"debian 12", "debian 12 30/06/2028", "Debian! 12 2028-06-30", "debian 12 2028-06-30 extra", "debian ../ 2028-06-30"} {
		if _, err := parseEOLLine(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := eolSetting.Check(json.RawMessage(`["debian 12 2028-06-30", "pop 24.04 2029-05-31"]`)); err != nil {
		t.Error(err)
	}
	// The policy editor splits a list at spaces: the same words as names
	// mean the same lines.
	split := checks.Catalogue{Check}.Default().With(eolSetting.Name, json.RawMessage(`["debian", "12", "2026-01-31"]`))
	if e, ok := lookupEOL(eolSetting.Table(split), release{Systems: []string{"debian"}, Version: "12"}); !ok || e.End.Format(time.DateOnly) != "2026-01-31" {
		t.Errorf("split words: %+v", e)
	}
	if err := eolSetting.Check(json.RawMessage(`["debian twelve"]`)); err == nil {
		t.Error("a line without a date passed the policy's validation")
	}
	pol := checks.Catalogue{Check}.Default().With(eolSetting.Name, json.RawMessage(`["debian 12 2026-01-31", "kali 2026.4 rolling"]`))
	table := eolSetting.Table(pol)
	e, ok := lookupEOL(table, release{Systems: []string{"debian"}, Version: "12"})
	if !ok || !e.FromPolicy || e.End.Format(time.DateOnly) != "2026-01-31" {
		t.Errorf("policy line did not replace the built-in one: %+v", e)
	}
	if e, ok := lookupEOL(table, release{Systems: []string{"kali"}, Version: "2026.4"}); !ok || !e.Rolling {
		t.Errorf("policy line not added: %+v %v", e, ok)
	}
	for _, tc := range []struct {
		r    release
		want string
	}{
		{release{Systems: []string{"ubuntu-esm", "ubuntu"}, Version: "20.04"}, "2030-04-30"},
		{release{Systems: []string{"ubuntu-esm", "ubuntu"}, Version: "24.10"}, "2025-07-10"},
		{release{Systems: []string{"rhel"}, Version: "9.4"}, "2032-05-31"},
		{release{Systems: []string{"linuxmint"}, Version: "21.3"}, "2027-04-30"},
		{release{Systems: []string{"windows-10"}, Version: "21H2"}, "2023-06-13"},
		{release{Systems: []string{"windows-10"}, Version: "22H2"}, "2025-10-14"},
		{release{Systems: []string{"windows-11-enterprise", "windows-11"}, Version: "23H2"}, "2026-11-10"},
		{release{Systems: []string{"macos"}, Version: "15.7.2"}, "2027-09-15"},
	} {
		e, ok := lookupEOL(eolSetting.Table(checks.Policy{}), tc.r)
		if !ok || e.End.Format(time.DateOnly) != tc.want {
			t.Errorf("%+v: %+v %v, want %s", tc.r, e, ok, tc.want)
		}
	}
	// 1.2 must not match a table line for 1.
	if _, ok := lookupEOL(eolSetting.Table(checks.Policy{}), release{Systems: []string{"debian"}, Version: "120"}); ok {
		t.Error("debian 120 matched debian 12")
	}
}

// sw_vers on macOS 26.1 and with a Rapid Security Response applied.
func TestMacRelease(t *testing.T) {
	for out, want := range map[string]release{
		"ProductName:\t\tmacOS\nProductVersion:\t\t26.1\nBuildVersion:\t\t25B78\n":                                   {Systems: []string{"macos"}, Version: "26.1", Build: "25B78", Name: "macOS 26.1"},
		"ProductName:\t\tmacOS\nProductVersion:\t\t13.4.1\nProductVersionExtra:\t(c)\nBuildVersion:\t\t22F770820d\n": {Systems: []string{"macos"}, Version: "13.4.1", Build: "22F770820d", Name: "macOS 13.4.1 (c)"},
	} {
		var f facts
		macReleaseFrom([]byte(out), &f)
		if f.Release.Version != want.Version || f.Release.Build != want.Build || f.Release.Name != want.Name || len(f.Release.Systems) != 1 {
			t.Errorf("%q: %+v", out, f.Release)
		}
	}
}

func TestParseDnfSecurity(t *testing.T) {
	// dnf 5 (Fedora 40, from dnf5 issue 1501's output) and dnf 4 (RHEL 9).
	dnf5 := "Updating and loading repositories:\nRepositories loaded.\nName                   Type Severity                                Package              Issued\n" +
		"FEDORA-2024-635a54eb7e secu Importan   glib2-debuginfo-2.80.2-1.fc40.x86_64 2024-05-12 04:16:43\n" +
		"FEDORA-2024-635a54eb7e secu Importan glib2-debugsource-2.80.2-1.fc40.x86_64 2024-05-12 04:16:43\n"
	rows, ok := parseDnfSecurity([]byte(dnf5))
	if !ok || len(rows) != 2 || rows[0].Issued.Format(time.DateTime) != "2024-05-12 04:16:43" {
		t.Errorf("dnf5: %v %v", rows, ok)
	}
	rows, ok = parseDnfSecurity([]byte("RHSA-2024:3339 Important/Sec. glibc-2.34-100.el9_4.2.x86_64\n"))
	if !ok || len(rows) != 1 || !rows[0].Issued.IsZero() || rows[0].ID != "RHSA-2024:3339" {
		t.Errorf("dnf4: %v %v", rows, ok)
	}
	if rows, ok := parseDnfSecurity(nil); !ok || len(rows) != 0 {
		t.Errorf("nothing waiting: %v %v", rows, ok)
	}
	if _, ok := parseDnfSecurity([]byte("Keine Übereinstimmung gefunden.\n")); ok {
		t.Error("an unknown message was read as no updates")
	}
}

func TestParseZypperPatches(t *testing.T) {
	out := "Loading repository data...\nReading installed packages...\n\n" +
		"Repository         | Name                        | Category | Severity  | Interactive | Status | Summary\n" +
		"-------------------+-----------------------------+----------+-----------+-------------+--------+--------\n" +
		"Update repository  | openSUSE-SLE-15.6-2024-2203 | security | important | ---         | needed | Security update for the Linux Kernel\n" +
		"Update repository  | openSUSE-SLE-15.6-2024-2111 | security | low       | ---         | not needed | Security update for x\n"
	rows, ok := parseZypperPatches([]byte(out))
	if !ok || len(rows) != 1 || rows[0].ID != "openSUSE-SLE-15.6-2024-2203" {
		t.Errorf("%v %v", rows, ok)
	}
	if rows, ok := parseZypperPatches([]byte("Loading repository data...\nReading installed packages...\nNo updates found.\n")); !ok || len(rows) != 0 {
		t.Errorf("none: %v %v", rows, ok)
	}
	if _, ok := parseZypperPatches([]byte("Repository 'x' is out-of-date.\n")); ok {
		t.Error("zypper output without the table was read")
	}
}

func TestParseDnfUpgrades(t *testing.T) {
	// dnf 4's `check-update -q` (Fedora 40, purejava/fedora-update issue
	// 23: a blank line first, columns padded), its "Obsoleting Packages"
	// section (OpenMandriva distribution issue 2548) and a long name on a
	// line of its own; dnf 5's without a heading (Fedora 41, the same
	// issue) and with its "Upgrades" heading (AvengeMedia/DankMaterialShell
	// issue 3522).
	dnf4 := "\nbrave-browser.x86_64                    1.71.121-1                    brave-browser-rpm-release.s3.brave.com_x86_64_\n" +
		"dkms.noarch                             3.1.1-1.fc40                  updates\n" +
		"microsoft-edge-stable.x86_64\n                                        130.0.2849.68-1               microsoft-edge\n" +
		"Obsoleting Packages\n" +
		"kernel-headers.x86_64                   6.2.6-100.fc36                updates\n" +
		"    kernel-headers.x86_64               5.18.13-200.fc36              @updates\n"
	ups, ok := parseDnfUpgrades([]byte(dnf4))
	want := []rpmUpgrade{{"brave-browser", "brave-browser-rpm-release.s3.brave.com_x86_64_"}, {"dkms", "updates"}, {"microsoft-edge-stable", "microsoft-edge"}, {"kernel-headers", "updates"}}
	if !ok || fmt.Sprint(ups) != fmt.Sprint(want) {
		t.Errorf("dnf 4: %v %v", ups, ok)
	}
	dnf5 := "Upgrades\n" +
		"apparmor-libs.x86_64                      6.0.0~alpha1-1.fc44 terra\n" +
		"google-chrome-stable.x86_64               131.0.6778.85-1     google-chrome\n\n" +
		"Obsoleting packages\n" +
		"google-chrome-stable.x86_64               131.0.6778.85-1     google-chrome\n" +
		"    python3-proton-vpn-api-core.noarch    5.2.5-1.fc44        protonvpn-fedora-stable\n"
	ups, ok = parseDnfUpgrades([]byte(dnf5))
	if want := []rpmUpgrade{{"apparmor-libs", "terra"}, {"google-chrome-stable", "google-chrome"}}; !ok || fmt.Sprint(ups) != fmt.Sprint(want) {
		t.Errorf("dnf 5: %v %v", ups, ok)
	}
	if ups, ok := parseDnfUpgrades([]byte("warp-terminal.x86_64 v0.2024.10.29.08.02.stable_02-1 warpdotdev\n")); !ok || len(ups) != 1 || ups[0].Name != "warp-terminal" {
		t.Errorf("dnf 5 without a heading: %v %v", ups, ok)
	}
	if ups, ok := parseDnfUpgrades(nil); !ok || len(ups) != 0 {
		t.Errorf("nothing waiting: %v %v", ups, ok)
	}
	for _, bad := range []string{"Error: Cache-only enabled but no cache for 'google-chrome'\n", "google-chrome-stable.x86_64\n"} {
		if _, ok := parseDnfUpgrades([]byte(bad)); ok {
			t.Errorf("%q was read as a list", bad)
		}
	}
}

func TestParseZypperUpdates(t *testing.T) {
	// zypper's update.cc (xmlPrintOtherUpdateOn), as captured in
	// kdeldycke/meta-package-manager's zypper tests.
	out := "<?xml version='1.0'?>\n<stream>\n<message type=\"info\">Loading repository data...</message>\n<message type=\"info\">Reading installed packages...</message>\n" +
		"<update-status version=\"0.6\">\n<update-list>\n" +
		`<update kind="package" name="libopenh264-8" edition="2.6.0-2.suse1699.10" arch="aarch64" edition-old="2.6.0~noopenh264-1.5"><summary>H.264 codec library</summary><license/><source url="http://codecs.opensuse.org/openh264/openSUSE_Tumbleweed" alias="repo-openh264"/></update>` +
		`<update kind="package" name="google-chrome-stable" edition="126.0.6478.126-1" arch="x86_64" edition-old="124.0.6367.207-1"><summary>Google Chrome</summary><source url="https://dl.google.com/linux/chrome/rpm/stable/x86_64" alias="google-chrome"/></update>` +
		"\n</update-list>\n</update-status>\n</stream>\n"
	ups, ok := parseZypperUpdates([]byte(out))
	if want := []rpmUpgrade{{"libopenh264-8", "repo-openh264"}, {"google-chrome-stable", "google-chrome"}}; !ok || fmt.Sprint(ups) != fmt.Sprint(want) {
		t.Errorf("%v %v", ups, ok)
	}
	none := "<?xml version='1.0'?>\n<stream>\n<update-status version=\"0.6\">\n<update-list/>\n</update-status>\n</stream>\n"
	if ups, ok := parseZypperUpdates([]byte(none)); !ok || len(ups) != 0 {
		t.Errorf("none: %v %v", ups, ok)
	}
	for _, bad := range []string{"Loading repository data...\nNo updates found.\n", "<?xml version='1.0'?>\n<stream>\n<message type=\"error\">Repository 'x' is invalid.</message>\n</stream>\n"} {
		if _, ok := parseZypperUpdates([]byte(bad)); ok {
			t.Errorf("%q was read as a list", bad)
		}
	}
}

// TestRpmBrowsers: a browser from a repository without advisories counts,
// dated by the repository; one from a repository with advisories (the
// distribution's Firefox) is left to its advisory; other packages never
// count.
func TestRpmBrowsers(t *testing.T) {
	at := time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
	p := kernelFiles{modules: map[string][]string{"/var/cache/libdnf5": {"google-chrome-5d3c2b1a09f8e7d6", "updates-a0a3d3b3c7d0b8c2"}}, files: map[string]string{
		"/var/cache/libdnf5/google-chrome-5d3c2b1a09f8e7d6/repodata/repomd.xml": "<repomd><revision>1717027200</revision></repomd>",
		"/var/cache/libdnf5/updates-a0a3d3b3c7d0b8c2/repodata/repomd.xml":       "<repomd><revision>1717200000</revision><data type=\"updateinfo\"></data></repomd>",
	}}
	f := facts{At: at}
	rows := rpmBrowsers(p, &f, sourceDnf, []rpmUpgrade{{"google-chrome-stable", "google-chrome"}, {"firefox", "updates"}, {"glib2", "updates"}, {"brave-browser", "brave-browser"}})
	if len(rows) != 2 || rows[0].ID != "google-chrome-stable" || !rows[0].Issued.Equal(time.Unix(1717027200, 0)) || rows[1].ID != "brave-browser" || !rows[1].Issued.IsZero() {
		t.Errorf("rows %v", rows)
	}
	if !f.Updates.BrowsersRead || fmt.Sprint(f.Updates.Browsers) != "[brave-browser google-chrome-stable]" {
		t.Errorf("facts %+v", f.Updates)
	}
}

func TestAutomaticSetting(t *testing.T) {
	conf := "[commands]\n#  security = only the security upgrades\nupgrade_type = Security\napply_updates = yes\n[emitters]\nupgrade_type = default\n"
	if got := automaticSetting([]byte(conf), "upgrade_type"); got != "security" {
		t.Errorf("upgrade_type %q", got)
	}
	if securityOnlyNote("security") == "" || securityOnlyNote("default") != "" || securityOnlyNote("") != "" {
		t.Error("security-only note")
	}
}

func TestApplyUpdates(t *testing.T) {
	for conf, want := range map[string]bool{
		"[commands]\napply_updates = yes\n":                     true,
		"[commands]\napply_updates = no\n":                      false,
		"[commands]\nupgrade_type = security\n":                 false,
		"[emitters]\napply_updates = yes\n[commands]\n":         false,
		"[commands]\n# apply_updates = yes\napply_updates=True": true,
	} {
		if got := applyUpdates(layeredSetting([][]byte{[]byte(conf)}, "apply_updates")); got != want {
			t.Errorf("%q: %v", conf, got)
		}
	}
}

// TestLayeredSetting: dnf5-automatic reads its packaged defaults, the
// deprecated /etc/dnf/dnf5-plugins file and /etc/dnf/automatic.conf in
// that order, a later file's setting winning; a file that does not set it
// leaves the earlier one's.
func TestLayeredSetting(t *testing.T) {
	defaults := []byte("[commands]\nupgrade_type = default\napply_updates = no\n")
	for _, c := range []struct {
		name  string
		confs [][]byte
		want  bool
	}{
		{"defaults only", [][]byte{defaults, nil, nil}, false},
		{"the deprecated file turns it on", [][]byte{defaults, []byte("[commands]\napply_updates = yes\n"), nil}, true},
		{"/etc/dnf/automatic.conf turns it off again", [][]byte{defaults, []byte("[commands]\napply_updates = yes\n"), []byte("[commands]\napply_updates = no\n")}, false},
		{"/etc/dnf/automatic.conf without the setting keeps the earlier one", [][]byte{defaults, []byte("[commands]\napply_updates = yes\n"), []byte("[commands]\nupgrade_type = security\n")}, true},
	} {
		if got := applyUpdates(layeredSetting(c.confs, "apply_updates")); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// The frame reader against the reference library's writer: every block
// size, linked and independent blocks, checksums, data that compresses
// well and data that does not, and two frames one after the other.
func TestLZ4ReaderMatchesReference(t *testing.T) {
	var text bytes.Buffer
	for i := 0; text.Len() < 700<<10; i++ {
		fmt.Fprintf(&text, "Package: lib%d\nVersion: %d.%d-1~deb12u%d\nArchitecture: amd64\n\n", i%97, i%13, i%7, i)
	}
	noise := make([]byte, 300<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	for _, plain := range [][]byte{text.Bytes(), noise, append(append([]byte{}, noise[:1000]...), text.Bytes()[:5000]...), {}} {
		for _, size := range []lz4.BlockSize{lz4.Block64Kb, lz4.Block256Kb, lz4.Block1Mb, lz4.Block4Mb} {
			for _, opts := range [][]lz4.Option{{}, {lz4.ChecksumOption(false)}, {lz4.BlockChecksumOption(true)}, {lz4.CompressionLevelOption(lz4.Level9)}} {
				var z bytes.Buffer
				w := lz4.NewWriter(&z)
				if err := w.Apply(append([]lz4.Option{lz4.BlockSizeOption(size)}, opts...)...); err != nil {
					t.Fatal(err)
				}
				w.Write(plain)
				w.Close()
				twice := append(append([]byte{}, z.Bytes()...), z.Bytes()...)
				got, err := io.ReadAll(newLZ4Reader(twice))
				if err != nil || !bytes.Equal(got, append(append([]byte{}, plain...), plain...)) {
					t.Fatalf("%d bytes, block %v, %v: %d bytes back, %v", len(plain), size, opts, len(got), err)
				}
			}
		}
	}
	for _, bad := range [][]byte{nil, []byte("not lz4 at all"), {0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0xc0, 0x10, 0, 0, 0, 0xff}} {
		if _, err := io.ReadAll(newLZ4Reader(bad)); err == nil {
			t.Errorf("%q read without an error", bad)
		}
	}
}

// apt's own lz4 list on this machine, against lz4cat.
func TestLZ4ReaderOnAptList(t *testing.T) {
	lists, _ := filepath.Glob("/var/lib/apt/lists/*_Packages.lz4")
	if len(lists) == 0 {
		t.Skip("apt keeps no lz4 list here (Acquire::GzipIndexes is off)")
	}
	lz4cat, err := exec.LookPath("lz4cat")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("lz4cat is missing (scripts/deps.sh installs lz4)")
		}
		t.Skip("lz4cat is missing; scripts/deps.sh installs lz4")
	}
	// The security archive's list (several blocks, linked), else any.
	sort.SliceStable(lists, func(i, j int) bool {
		return strings.Contains(lists[i], "security") && !strings.Contains(lists[j], "security")
	})
	b, err := os.ReadFile(lists[0])
	if err != nil {
		t.Fatal(err)
	}
	want, err := exec.Command(lz4cat, lists[0]).Output()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(newLZ4Reader(b))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes, %v; lz4cat gives %d", lists[0], len(got), err, len(want))
	}
}

func TestParseNeedsRestarting(t *testing.T) {
	// dnf 5's (dnf5's behave test "Update core packages") and dnf 4's
	// (dnf-plugins-core needs_restarting.py, RHEL 9) words.
	required := "Core libraries or services have been updated since boot-up:\n  * glibc\n  * kernel\n  * kernel-core\n\n" +
		"Reboot is required to fully utilize these updates.\nMore information: https://access.redhat.com/solutions/27943\n"
	notRequired := "No core libraries or services have been updated since boot-up.\nReboot should not be necessary.\n"
	for _, c := range []struct {
		out  string
		exit int
		want string
	}{
		{required, 1, rebootIsRequired},
		{"Core libraries or services have been updated since boot-up:\n  * kernel\n", 1, rebootIsRequired},
		{notRequired, 0, rebootNotRequired},
		// dnf exits 1 on its own errors: the words decide.
		{"No such command: needs-restarting. Please use /usr/bin/dnf --help\n", 1, rebootUnknown},
		{"", 1, rebootUnknown},
		{"", 0, rebootUnknown},
		{required, 0, rebootUnknown},
		{notRequired, 1, rebootUnknown},
		{"Keine Kernbibliotheken oder Dienste wurden seit dem Systemstart aktualisiert.\n", 0, rebootUnknown},
	} {
		if got := parseNeedsRestarting(probe.Output{Stdout: []byte(c.out), ExitCode: c.exit}); got != c.want {
			t.Errorf("exit %d %q: %s, want %s", c.exit, c.out, got, c.want)
		}
	}
}

// TestRpmReboot: dnf without needs-restarting tells nothing (as macOS);
// one that fails or answers in words not recognised is a source unread.
func TestRpmReboot(t *testing.T) {
	dnf4 := "No such command: needs-restarting. Please use /usr/bin/dnf --help\nIt could be a DNF plugin command, try: \"dnf install 'dnf-command(needs-restarting)'\"\n"
	dnf5 := "Unknown argument \"needs-restarting\" for command \"dnf5\". Add \"--help\" for more information about the arguments.\nIt could be a command provided by a plugin, try: dnf5 install 'dnf5-command(needs-restarting)'\n"
	for _, c := range []struct {
		name   string
		out    probe.Output
		err    error
		reboot string
		unread string // unread.Why, "" for none
	}{
		{"dnf 4 without the plugin", probe.Output{Stderr: []byte(dnf4), ExitCode: 1}, nil, rebootUnknown, ""},
		{"dnf 5 without the plugin", probe.Output{Stderr: []byte(dnf5), ExitCode: 2}, nil, rebootUnknown, ""},
		{"not required", probe.Output{Stdout: []byte("Reboot should not be necessary.\n")}, nil, rebootNotRequired, ""},
		{"no cache", probe.Output{Stderr: []byte("Error: Cache-only enabled but no cache for repository \"fedora\"\n"), ExitCode: 1}, nil, rebootUnknown, "answer not recognised (exit status 1)"},
		{"timed out", probe.Output{}, fmt.Errorf("dnf: %w", context.DeadlineExceeded), rebootUnknown, "timed out"},
		{"denied", probe.Output{}, fmt.Errorf("dnf: %w", probe.ErrAccessDenied), rebootUnknown, "access denied"},
	} {
		f := facts{Updates: updates{Reboot: rebootUnknown}}
		rpmReboot(&f, "dnf needs-restarting", c.out, c.err)
		why := ""
		if f.Updates.RebootUnread != nil {
			why = f.Updates.RebootUnread.Why
		}
		if f.Updates.Reboot != c.reboot || why != c.unread || len(f.Errors) != 1 && c.reboot == rebootUnknown {
			t.Errorf("%s: reboot %s, unread %q, errors %q; want %s, %q", c.name, f.Updates.Reboot, why, f.Errors, c.reboot, c.unread)
		}
	}
}

func TestParsePacmanUpgrades(t *testing.T) {
	for _, c := range []struct {
		out  string
		exit int
		n    int
		ok   bool
	}{
		{"linux 6.9.1.arch1-1 -> 6.9.2.arch1-1\nfirefox 126.0-1 -> 126.0.1-1 [ignored]\n", 0, 2, true},
		{"", 1, 0, true}, // nothing upgradable
		{"", 0, 0, true},
		{"error: failed to initialize alpm library:\n(root: /, dbpath: /var/lib/pacman/)\n", 1, 0, false},
		{"linux 6.9.1.arch1-1 -> 6.9.2.arch1-1\n", 1, 0, false},
		{"Paket linux wird aktualisiert\n", 0, 0, false},
	} {
		n, ok := parsePacmanUpgrades(probe.Output{Stdout: []byte(c.out), ExitCode: c.exit})
		if n != c.n || ok != c.ok {
			t.Errorf("exit %d %q: %d %v, want %d %v", c.exit, c.out, n, ok, c.n, c.ok)
		}
	}
}

// pacmanDB is a sync database as Arch's repositories publish it: a tar of
// <name>-<version>/desc entries.
func pacmanDB(t *testing.T, builds ...int64) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for i, built := range builds {
		desc := fmt.Sprintf("%%FILENAME%%\np%d-1.0-1-x86_64.pkg.tar.zst\n\n%%NAME%%\np%d\n\n%%VERSION%%\n1.0-1\n\n%%BUILDDATE%%\n%d\n\n%%PACKAGER%%\nArch Linux <noreply@archlinux.org>\n\n", i, i, built)
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("p%d-1.0-1/desc", i), Mode: 0o644, Size: int64(len(desc))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(desc)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestNewestBuildDate(t *testing.T) {
	plain := pacmanDB(t, 1715418104, 1717105203, 1712733150)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(plain)
	w.Close()
	for name, b := range map[string][]byte{"plain": plain, "gzip": gz.Bytes()} {
		if got, err := newestBuildDate(b); err != nil || got.Unix() != 1717105203 {
			t.Errorf("%s: %v %v, want the newest build date", name, got, err)
		}
	}
	for name, b := range map[string][]byte{
		"zstd":       {0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0},
		"no dates":   pacmanDB(t),
		"not a tar":  []byte("%NAME%\nlinux\n"),
		"cut gzip":   gz.Bytes()[:gz.Len()/2],
		"empty file": nil,
	} {
		if got, err := newestBuildDate(b); err == nil {
			t.Errorf("%s: read as %v", name, got)
		}
	}
}

func TestParseSnap(t *testing.T) {
	// The shapes of snapd's cmd_refresh.go (showRefreshTimes, --abs-time
	// prints RFC 3339) and cmd_list.go (Notes last).
	now := time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		out   string
		all   bool
		until string
		ok    bool
	}{
		{"timer: 00:00~24:00/4\nlast: 2024-05-31T07:29:12+02:00\nnext: 2024-06-01T13:45:00+02:00\n", false, "", true},
		{"timer: 00:00~24:00/4\nlast: 2024-05-31T07:29:12+02:00\nhold: forever\nnext: 2024-06-01T13:45:00+02:00\n", true, "", true},
		{"schedule: mon,10:00\nlast: n/a\nhold: 2024-07-01T10:30:00+01:00\nnext: 2024-06-03T10:00:00+01:00\n", true, "2024-07-01T09:30:00Z", true},
		{"timer: 00:00~24:00/4\nlast: 2024-05-01T07:29:12Z\nhold: 2024-05-20T10:30:00Z\nnext: n/a\n", false, "", true}, // expired
		{"timer: 00:00~24:00/4\nhold: in 60 days, at 10:30 UTC\n", false, "", false},                                   // relative time
		{"error: cannot communicate with server: connection refused\n", false, "", false},
	} {
		s, ok := parseSnapRefreshTime([]byte(c.out), now)
		until := ""
		if s.HeldUntil != nil {
			until = s.HeldUntil.Format(time.RFC3339)
		}
		if ok != c.ok || s.HeldAll != c.all || until != c.until {
			t.Errorf("%q: %+v %q %v, want held %v until %q ok %v", c.out, s, until, ok, c.all, c.until, c.ok)
		}
	}
	list := "Name      Version   Rev    Tracking         Publisher   Notes\n" +
		"core22    20240408  1380   latest/stable    canonical✓  base\n" +
		"firefox   126.0-2   4259   latest/stable/…  mozilla✓    held\n" +
		"thunderbird 115.11.0-1 489 latest/stable   canonical✓  disabled,held\n" +
		"snapd     2.63      21759  latest/stable    canonical✓  snapd\n"
	if n, ok := parseSnapListHeld([]byte(list)); !ok || n != 2 {
		t.Errorf("snap list: %d %v, want 2 held", n, ok)
	}
	if n, ok := parseSnapListHeld(nil); !ok || n != 0 {
		t.Errorf("no snaps installed: %d %v", n, ok)
	}
	if n, ok := parseSnapListHeld([]byte("No snaps are installed yet. Try 'snap install hello-world'.\n")); ok {
		t.Errorf("an unrecognised answer read as %d held", n)
	}
}

// TestSnapdAnswer: only nothing listening on snapd's socket is "not
// running"; any other failure is an answer missing, whose reason says so.
func TestSnapdAnswer(t *testing.T) {
	const dial = `error: cannot communicate with server: Get "http://localhost/v2/system-info": dial unix /run/snapd.socket: connect: `
	for _, c := range []struct {
		name string
		out  probe.Output
		err  error
		want string
	}{
		{"answered", probe.Output{Stdout: []byte("timer: 00:00~24:00/4\n")}, nil, ""},
		{"no socket", probe.Output{Stderr: []byte(dial + "no such file or directory\n"), ExitCode: 1}, nil, snapdNotRunning},
		{"refused", probe.Output{Stderr: []byte(dial + "connection refused\n"), ExitCode: 1}, nil, snapdNotRunning},
		{"server went away", probe.Output{Stderr: []byte(`error: cannot communicate with server: Get "http://localhost/v2/system-info": EOF` + "\n"), ExitCode: 1}, nil, "answer not recognised (exit status 1)"},
		{"old snap", probe.Output{Stderr: []byte("error: unknown flag `abs-time'\n"), ExitCode: 1}, nil, "answer not recognised (exit status 1)"},
		{"denied", probe.Output{}, fmt.Errorf("running snap: %w", probe.ErrAccessDenied), accessDenied},
	} {
		if got := snapdAnswer(c.out, c.err); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestCountAptOrigins: the origins unattended-upgrades may install from,
// counted from apt-config dumps of real configurations
// (testdata/parsers/aptconfig/PROVENANCE.md). A cleared list, or none set,
// counts none: unattended-upgrades then installs nothing.
func TestCountAptOrigins(t *testing.T) {
	for file, want := range map[string]int{
		"origins_debian12_default.txt": 3,
		"origins_ubuntu_default.txt":   4,
		"origins_debian12_cleared.txt": 0,
		"origins_none_set.txt":         0,
		"origins_lower_case.txt":       1,
	} {
		if got := countAptListEntries(checktest.ReadParserData(t, "aptconfig", file), originsPattern, allowedOrigins); got != want {
			t.Errorf("%s: %d origins, want %d", file, got, want)
		}
	}
	// Another list's entries, and an empty entry, are no origin.
	if got := countAptListEntries([]byte("Unattended-Upgrade::Package-Blacklist:: \"linux-\";\nUnattended-Upgrade::Origins-Pattern:: \"\";\n"), originsPattern, allowedOrigins); got != 0 {
		t.Errorf("counted %d origins in other lists and empty entries", got)
	}
}
