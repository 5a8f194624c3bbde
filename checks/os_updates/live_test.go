package osupdates_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	osupdates "github.com/sessionguard/sessionguard/checks/os_updates"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
)

// need skips when a tool is missing, and fails on CI (scripts/deps.sh
// installs it).
func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (scripts/deps.sh installs it)", tool)
			}
			t.Skipf("%s is missing; scripts/deps.sh installs it", tool)
		}
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the live tests need root (dpkg --root, apt-get update into a private state, flatpak --system into a private installation)")
		}
		t.Skip("the live tests need root")
	}
}

// run runs a tool in dir and returns what it wrote on stdout.
func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND=noninteractive", "LANG=C.UTF-8", "HOME=/root"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// snapshot is every file under the roots: its kind, mode, size, time and
// content hash, so any change to apt's or dpkg's state shows.
func snapshot(t *testing.T, roots ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			entry := fmt.Sprintf("%v %d %d", info.Mode(), info.Size(), info.ModTime().UnixNano())
			if info.Mode().IsRegular() {
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				sum := sha256.Sum256(b)
				entry += " " + hex.EncodeToString(sum[:])
			}
			out[p] = entry
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// moved is the live probe with apt's and dpkg's state read from a private
// root instead of the system's.
type moved struct {
	probe.Probe
	lists, status string
}

func (m moved) path(p string) string {
	if rest, ok := strings.CutPrefix(p, "/var/lib/apt/lists"); ok {
		return m.lists + rest
	}
	if p == "/var/lib/dpkg/status" {
		return m.status
	}
	return p
}

func (m moved) ReadFile(p string) ([]byte, error) { return m.Probe.ReadFile(m.path(p)) }
func (m moved) ReadFileHead(p string, n int) ([]byte, error) {
	return m.Probe.ReadFileHead(m.path(p), n)
}
func (m moved) ReadDir(p string) ([]string, error) { return m.Probe.ReadDir(m.path(p)) }

// buildDeb builds sg-osupdates-probe at version v with dpkg-deb.
func buildDeb(t *testing.T, dir, v string) string {
	t.Helper()
	return buildNamedDeb(t, dir, "sg-osupdates-probe", v)
}

// buildNamedDeb builds an empty package name at version v with dpkg-deb.
func buildNamedDeb(t *testing.T, dir, name, v string) string {
	t.Helper()
	root := filepath.Join(dir, "build-"+name+"-"+v)
	doc := filepath.Join(root, "usr/share/doc", name)
	for _, d := range []string{filepath.Join(root, "DEBIAN"), doc} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	control := "Package: " + name + "\nVersion: " + v + "\nArchitecture: all\nMaintainer: SessionGuard tests <tests@example.invalid>\nDescription: os_updates live test package\n"
	write(t, filepath.Join(root, "DEBIAN/control"), control)
	write(t, filepath.Join(doc, "README"), "a package the os_updates live test installs into a private root\n")
	deb := filepath.Join(dir, name+"_"+v+"_all.deb")
	run(t, dir, "dpkg-deb", "--root-owner-group", "-b", root, deb)
	return deb
}

// privateRoot makes an empty dpkg root in dir and installs debs into it;
// it returns the root's status file.
func privateRoot(t *testing.T, dir string, debs ...string) (root, status string) {
	t.Helper()
	root = filepath.Join(dir, "root")
	for _, d := range []string{"info", "updates", "triggers"} {
		if err := os.MkdirAll(filepath.Join(root, "var/lib/dpkg", d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	status = filepath.Join(root, "var/lib/dpkg/status")
	write(t, status, "")
	for _, deb := range debs {
		run(t, dir, "dpkg", "--root="+root, "--log=/dev/null", "-i", deb)
	}
	return root, status
}

// aptRepo publishes debs in a file: repository at repo under dists/dist,
// with a Release file of header (its Origin, Label, Suite … lines; the
// date, architectures and checksum are added) dated published, and
// pad appended to the Packages list.
func aptRepo(t *testing.T, repo, dist, header string, published time.Time, pad string, debs ...string) {
	t.Helper()
	pkgs := filepath.Join(repo, "dists", dist, "main/binary-amd64/Packages")
	pool := filepath.Join(repo, "pool")
	if err := os.MkdirAll(pool, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, deb := range debs {
		if err := os.Rename(deb, filepath.Join(pool, filepath.Base(deb))); err != nil {
			t.Fatal(err)
		}
	}
	write(t, pkgs, run(t, repo, "dpkg-scanpackages", "--multiversion", "pool", "/dev/null")+pad)
	b, err := os.ReadFile(pkgs)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	write(t, filepath.Join(repo, "dists", dist, "Release"), fmt.Sprintf(
		"%sDate: %s\nValid-Until: %s\nArchitectures: amd64\nComponents: main\nSHA256:\n %x %d main/binary-amd64/Packages\n",
		header, published.Format(time.RFC1123), time.Now().UTC().Add(7*24*time.Hour).Format(time.RFC1123), sum, len(b)))
}

// aptUpdate lets the real apt-get fetch the lists of sources (sources.list
// lines) into a private state directory; it returns the lists folder.
func aptUpdate(t *testing.T, dir, sources, status string) string {
	t.Helper()
	write(t, filepath.Join(dir, "sources.list"), sources)
	state := filepath.Join(dir, "state")
	for _, d := range []string{filepath.Join(state, "lists/partial"), filepath.Join(dir, "cache"), filepath.Join(dir, "parts")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	run(t, dir, "apt-get",
		"-o", "Dir::Etc::sourcelist="+filepath.Join(dir, "sources.list"), "-o", "Dir::Etc::sourceparts="+filepath.Join(dir, "parts"),
		"-o", "Dir::State="+state, "-o", "Dir::State::status="+status, "-o", "Dir::Cache="+filepath.Join(dir, "cache"),
		"-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root", "-o", "APT::Architecture=amd64",
		"-o", "Acquire::GzipIndexes=false", "-qq", "update")
	return filepath.Join(state, "lists")
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLiveAptSecurityPending makes a security archive (Release Label
// Debian-Security) offering sg-osupdates-probe 1.1, installs 1.0 into a
// private dpkg root, lets apt fetch the archive's lists into a private
// state directory, and runs the check on this machine's probe with apt's
// lists and dpkg's status read from there: one security update, waiting
// since the Release's date. Installing 1.1 clears it. The check also runs
// against the system's own apt state; the system's /var/lib/apt and
// /var/lib/dpkg stay byte for byte as they were.
func TestLiveAptSecurityPending(t *testing.T) {
	need(t, "dpkg", "dpkg-deb", "dpkg-scanpackages", "apt-get")
	if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
		t.Skip("not a dpkg system")
	}
	before := snapshot(t, "/var/lib/apt", "/var/lib/dpkg")

	dir := t.TempDir()
	old, newer := buildDeb(t, dir, "1.0"), buildDeb(t, dir, "1.1")
	root, status := privateRoot(t, dir, old)
	repo := filepath.Join(dir, "repo")
	// Padded past ReadFile's 4 MB with packages nobody has installed, as
	// an Ubuntu security list stored uncompressed is.
	var pad strings.Builder
	for i := 0; pad.Len() <= 2*live.MaxFileSize; i++ {
		fmt.Fprintf(&pad, "\nPackage: sg-osupdates-pad%d\nVersion: 1.%d\nArchitecture: amd64\nMaintainer: SessionGuard tests <tests@invalid>\nFilename: pool/sg-osupdates-pad%d_1.%d_amd64.deb\nSize: 1000\nDescription: padding so the list is larger than the probe's ReadFile limit\n", i, i, i, i)
	}
	published := time.Now().UTC().Add(-20 * 24 * time.Hour).Truncate(time.Second)
	aptRepo(t, repo, "bookworm-security", "Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nCodename: bookworm-security\n", published, pad.String(), newer)
	listsDir := aptUpdate(t, dir, "deb [trusted=yes] file:"+repo+" bookworm-security main\n", status)
	lists, err := filepath.Glob(filepath.Join(listsDir, "*_Packages"))
	if err != nil || len(lists) != 1 {
		t.Fatalf("apt stored lists %v (%v), want one uncompressed Packages list", lists, err)
	}
	if fi, err := os.Stat(lists[0]); err != nil || fi.Size() <= live.MaxFileSize {
		t.Fatalf("stored list %v, %v: want one larger than ReadFile's %d bytes", fi, err, live.MaxFileSize)
	}

	p := moved{Probe: live.New(), lists: listsDir, status: status}
	pol := checks.Catalogue{osupdates.Check}.Default()
	f, err := osupdates.Collect(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Updates.Read || f.Updates.Security != 1 || f.Updates.Since == nil || !f.Updates.Since.Equal(published) {
		t.Fatalf("updates %+v (%v), want 1 security update waiting since %s", f.Updates, f.Errors, published)
	}
	if r := osupdates.Check.Run(t.Context(), p, pol); r.Status != checks.Fail {
		t.Errorf("status %s (%s), want fail", r.Status, r.Summary)
	}
	f.Auto = osupdates.Auto{State: osupdates.AutoOn, By: "test"}
	if r := osupdates.Evaluate(f, pol); r.Status != checks.Fail || !strings.Contains(r.Summary, "1 security update has been waiting") || !strings.Contains(r.Summary, "at least 20 days") {
		t.Errorf("pending judged %s %q, want fail: 1 security update waiting at least 20 days", r.Status, r.Summary)
	}

	// A list that fills the bound may have been cut: never judged whole.
	saved := *osupdates.MaxWholeFile
	*osupdates.MaxWholeFile = live.MaxFileSize
	cut, err := osupdates.Collect(t.Context(), p)
	*osupdates.MaxWholeFile = saved
	cut.Auto = osupdates.Auto{State: osupdates.AutoOn, By: "test"}
	if r := osupdates.Evaluate(cut, pol); err != nil || cut.Updates.Read || r.Status != checks.Unknown || !strings.Contains(r.Reason, "cut at 4 MB") {
		t.Errorf("list cut at the bound: %s %q (%v, %v), want unknown saying it was cut", r.Status, r.Reason, cut.Updates, err)
	}

	// The newer version installed: nothing waits.
	run(t, dir, "dpkg", "--root="+root, "--log=/dev/null", "-i", filepath.Join(repo, "pool", filepath.Base(newer)))
	if f, err = osupdates.Collect(t.Context(), p); err != nil || !f.Updates.Read || f.Updates.Security != 0 {
		t.Errorf("after installing 1.1: updates %+v, %v; want none waiting", f.Updates, err)
	}

	// The system's own state, read as the agent reads it.
	start := time.Now()
	r := osupdates.Check.Run(t.Context(), live.New(), pol)
	t.Logf("this machine: %s in %v: %s", r.Status, time.Since(start), r.Summary)
	if r.Status == checks.Pass || r.Status == "" {
		var sys osupdates.Facts
		if f, err := osupdates.Collect(t.Context(), live.New()); err == nil {
			sys = f
		}
		if !sys.Updates.Read || sys.Auto.State != osupdates.AutoOn {
			t.Errorf("passes with updates %+v, auto %+v", sys.Updates, sys.Auto)
		}
	}
	if after := snapshot(t, "/var/lib/apt", "/var/lib/dpkg"); !equalSnapshots(t, before, after) {
		t.Error("the system's apt or dpkg state changed")
	}
}

func equalSnapshots(t *testing.T, a, b map[string]string) bool {
	t.Helper()
	same := len(a) == len(b)
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s: %q became %q", k, v, b[k])
			same = false
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			t.Errorf("%s: appeared", k)
			same = false
		}
	}
	return same
}

// TestLiveAptBrowserFromItsMaker: a browser installed from its maker's own
// apt source (an archive with Google's Origin, as dl.google.com publishes
// Chrome) whose newer release waits counts as a security update, named in
// the summary — unattended-upgrades leaves it alone by default; a newer
// package of any other name in that source does not count. Real apt-get
// fetches both archives' lists into a private state.
func TestLiveAptBrowserFromItsMaker(t *testing.T) {
	need(t, "dpkg", "dpkg-deb", "dpkg-scanpackages", "apt-get")
	if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
		t.Skip("not a dpkg system")
	}
	before := snapshot(t, "/var/lib/apt", "/var/lib/dpkg")
	dir := t.TempDir()
	chromeOld, chromeNew := buildNamedDeb(t, dir, "google-chrome-stable", "140.0.7339.80-1"), buildNamedDeb(t, dir, "google-chrome-stable", "140.0.7339.127-1")
	toolOld, toolNew := buildNamedDeb(t, dir, "sg-vendor-tool", "1.0"), buildNamedDeb(t, dir, "sg-vendor-tool", "2.0")
	secOld, secNew := buildDeb(t, dir, "1.0"), buildDeb(t, dir, "1.0+deb12u1")
	_, status := privateRoot(t, dir, chromeOld, toolOld, secOld)
	published := time.Now().UTC().Add(-12 * 24 * time.Hour).Truncate(time.Second)
	vendor, security := filepath.Join(dir, "vendor"), filepath.Join(dir, "security")
	aptRepo(t, vendor, "stable", "Origin: Google LLC\nLabel: Google\nSuite: stable\nCodename: stable\n", published, "", chromeNew, toolNew)
	aptRepo(t, security, "bookworm-security", "Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nCodename: bookworm-security\n", time.Now().UTC().Add(-2*24*time.Hour), "", secNew)
	sources := "deb [trusted=yes] file:" + vendor + " stable main\ndeb [trusted=yes] file:" + security + " bookworm-security main\n"
	p := moved{Probe: live.New(), lists: aptUpdate(t, dir, sources, status), status: status}

	f, err := osupdates.Collect(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	// The Debian security update and Chrome's; not the vendor's tool.
	if !f.Updates.Read || f.Updates.Security != 2 || !slices.Equal(f.Updates.Browsers, []string{"google-chrome-stable"}) ||
		f.Updates.Since == nil || !f.Updates.Since.Equal(published) {
		t.Fatalf("updates %+v (%v), want 2 security updates including google-chrome-stable, waiting since %s", f.Updates, f.Errors, published)
	}
	// Google's list brings Chrome's updates: its age, older than the
	// security archive's, is how old the picture may be.
	if f.Updates.Checked == nil || !f.Updates.Checked.Equal(published) {
		t.Errorf("lists checked %v, want %s (the vendor archive's Date)", f.Updates.Checked, published)
	}
	f.Auto = osupdates.Auto{State: osupdates.AutoOn, By: "test"}
	r := osupdates.Evaluate(f, checks.Catalogue{osupdates.Check}.Default())
	if r.Status != checks.Warn || !strings.Contains(r.Summary, "2 security updates (including the web browser google-chrome-stable) have been waiting") {
		t.Errorf("judged %s %q", r.Status, r.Summary)
	}
	if after := snapshot(t, "/var/lib/apt", "/var/lib/dpkg"); !equalSnapshots(t, before, after) {
		t.Error("the system's apt or dpkg state changed")
	}
}
