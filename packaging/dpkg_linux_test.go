package packaging

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/sessionguard/sessionguard/internal/gobuild"
	"github.com/sessionguard/sessionguard/report"
)

// These tests install the packages with dpkg (root, no systemd needed)
// inside a throw-away root (inThrowawayRoot): what they install, upgrade and
// purge never reaches this machine, and what this machine has installed
// never stops them.

// needRoot skips without root, and fails on CI.
func needRoot(t *testing.T) {
	t.Helper()
	need(t, "dpkg", "dpkg")
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the dpkg tests need root")
		}
		t.Skip("the dpkg tests need root")
	}
}

// dpkg runs dpkg with a clean environment (no session bus: the agent's
// keyring lookup must not wait for one) and returns its combined output.
func dpkg(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "dpkg", args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND=noninteractive", "LANG=C.UTF-8", "HOME=/root"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg %q: %v\n%s", args, err, out)
	}
	return string(out)
}

// present lists, sorted, every path that exists under roots.
func present(t *testing.T, roots []string) []string {
	t.Helper()
	var out []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			out = append(out, p)
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	slices.Sort(out)
	return out
}

func assertPresent(t *testing.T, step string, roots, want []string) {
	t.Helper()
	slices.Sort(want)
	if got := present(t, roots); !slices.Equal(got, want) {
		t.Errorf("after %s:\n got  %q\n want %q", step, got, want)
	}
}

// assertFile checks a path's type, mode and owner.
func assertFile(t *testing.T, path string, mode fs.FileMode, uid, gid uint32) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Error(err)
		return
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode() != mode || st.Uid != uid || st.Gid != gid {
		t.Errorf("%s is %v %d:%d, want %v %d:%d", path, fi.Mode(), st.Uid, st.Gid, mode, uid, gid)
	}
}

// buildAgent builds the real sessionguard for this machine into bin.
func buildAgent(t *testing.T, bin string) {
	t.Helper()
	exe := filepath.Join(bin, "linux-"+runtime.GOARCH, AgentBinary)
	_ = os.Remove(exe) // the stand-in
	goBuild(t, exe, "../cmd/sessionguard")
}

// goBuild builds pkg (relative to this directory) into exe.
func goBuild(t *testing.T, exe, pkg string) {
	t.Helper()
	need(t, "go", "golang")
	gobuild.Must(t, gobuild.Program{Pkg: pkg, Out: exe})
}

// notInstalled fails when pkg or any of paths is on this machine already:
// the test would destroy someone's installation.
func notInstalled(t *testing.T, pkg string, paths []string) {
	t.Helper()
	if err := exec.CommandContext(t.Context(), "dpkg-query", "-W", pkg).Run(); err == nil {
		t.Fatalf("%s is installed on this machine; the test would remove it (dpkg -P %s first)", pkg, pkg)
	}
	if got := present(t, paths); len(got) > 0 {
		t.Fatalf("%q exist already; the test would delete them", got)
	}
}

// agentDocs are some of the man pages and completions the agent's package
// installs.
var agentDocs = []string{manDir + "/sessionguard.1.gz", manDir + "/sessionguard-session-start.1.gz",
	manDir + "/sessionguard-tray.1.gz", bashComplDir + "/sessionguard", zshComplDir + "/_sessionguard",
	fishComplDir + "/sessionguard.fish"}

var agentRoots = []string{
	AgentExePath, TrayExePath, AgentUnitPath, TrayAutostartPath, TrayMenuPath, EnrolConfigDir, "/usr/share/doc/sessionguard",
	"/var/lib/sessionguard", "/run/sessionguard", "/etc/systemd/system/multi-user.target.wants/sessionguard-agent.service",
}

func TestDpkgAgentInstallRemovePurge(t *testing.T) {
	needRoot(t)
	if !inThrowawayRoot(t, AgentBinary, agentRoots) {
		return
	}
	notInstalled(t, AgentBinary, agentRoots)
	bin, auto := standIns(t)
	if runtime.GOARCH != "amd64" {
		writeFile(t, filepath.Join(bin, "linux-"+runtime.GOARCH, TrayBinary), "#!/bin/sh\n", 0o755)
	}
	buildAgent(t, bin)
	// The package is built by sgpkg in its own process: nfpm's compression
	// under the race detector would take half a minute.
	out := t.TempDir()
	sgpkg := filepath.Join(t.TempDir(), "sgpkg")
	goBuild(t, sgpkg, "./cmd/sgpkg")
	docs := generateDocs(t)
	for _, version := range []string{"1.2.3", "1.2.4"} {
		cmd := exec.CommandContext(t.Context(), sgpkg, "--version", version, "--bin", bin, "--autostart", auto, "--out", out,
			"--formats", "deb", "--linux-arch", runtime.GOARCH, "--require-tray", "--docs", docs)
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sgpkg: %v\n%s", err, msg)
		}
	}
	deb := filepath.Join(out, LinuxPackageName(AgentBinary, "1.2.3", runtime.GOARCH, "deb"))
	upgrade := filepath.Join(out, LinuxPackageName(AgentBinary, "1.2.4", runtime.GOARCH, "deb"))
	t.Cleanup(func() {
		// Purge whatever state the test left, never failing the cleanup.
		_ = exec.Command("dpkg", "-P", AgentBinary).Run()
		_ = os.RemoveAll("/var/lib/sessionguard")
		_ = os.RemoveAll(EnrolConfigDir)
	})

	// A server to enrol with, and the enrol file an admin writes before
	// installing (too open: the postinst closes it).
	const secret = "enrol-secret-from-dpkg-test"
	enrolled := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req report.EnrollRequest
		_ = json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req)
		if r.URL.Path != report.PathEnroll || req.Secret != secret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		select {
		case enrolled <- req.DeviceName:
		default:
		}
		_ = json.NewEncoder(w).Encode(report.EnrollResponse{DeviceID: "dev-1", Token: "sgd_tok_dpkg_test"})
	}))
	defer srv.Close()
	writeFile(t, filepath.Join(EnrolConfigDir, "enroll.env"),
		"SESSIONGUARD_SERVER_URL="+srv.URL+"\nSESSIONGUARD_ENROLL_SECRET="+secret+"\nSESSIONGUARD_DEVICE_NAME=dpkg-test\n", 0o644)

	installOut := dpkg(t, "-i", deb)
	for _, want := range []string{
		"Setting up sessionguard (1.2.3)",
		"SessionGuard set-up",
		"Server: enrolled as dpkg-test with " + srv.URL,
		"The results are saved in /var/lib/sessionguard/results.json",
	} {
		if !strings.Contains(installOut, want) {
			t.Errorf("dpkg -i output lacks %q:\n%s", want, installOut)
		}
	}
	if !strings.Contains(installOut, "READY: this computer is ready") && !strings.Contains(installOut, "NOT READY: fix these before the first session:") {
		t.Errorf("dpkg -i printed no checklist:\n%s", installOut)
	}
	if _, err := os.Stat("/run/systemd/system"); os.IsNotExist(err) && !strings.Contains(installOut, "systemd is not running here") {
		t.Errorf("without systemd the postinst must say the service was not started:\n%s", installOut)
	}
	if strings.Contains(installOut, secret) || strings.Contains(installOut, "sgd_tok_dpkg_test") {
		t.Errorf("the enrol secret or the device token was printed:\n%s", installOut)
	}
	select {
	case name := <-enrolled:
		if name != "dpkg-test" {
			t.Errorf("enrolled as %q", name)
		}
	default:
		t.Error("the postinst did not enrol")
	}

	assertFile(t, AgentExePath, 0o755, 0, 0)
	assertFile(t, TrayExePath, 0o755, 0, 0)
	for _, p := range agentDocs {
		assertFile(t, p, 0o644, 0, 0)
	}
	assertFile(t, AgentUnitPath, 0o644, 0, 0)
	assertFile(t, TrayAutostartPath, 0o644, 0, 0)
	assertFile(t, TrayMenuPath, 0o644, 0, 0)
	assertFile(t, EnrolConfigDir, fs.ModeDir|0o755, 0, 0)
	assertFile(t, filepath.Join(EnrolConfigDir, "enroll.env"), 0o600, 0, 0)
	assertFile(t, "/var/lib/sessionguard", fs.ModeDir|0o700, 0, 0)
	assertFile(t, "/var/lib/sessionguard/results.json", 0o600, 0, 0)
	assertFile(t, "/var/lib/sessionguard/sessions.log", 0o600, 0, 0)
	assertFile(t, "/var/lib/sessionguard/credentials.json", 0o600, 0, 0)
	b, err := os.ReadFile("/var/lib/sessionguard/results.json")
	if err != nil || !strings.Contains(string(b), `"schema":"sessionguard.check/v1"`) {
		t.Errorf("results.json for the agent's first start: %v %.200s", err, b)
	}
	// What the agent writes while it runs: a spool entry.
	writeFile(t, "/var/lib/sessionguard/spool/0000000001.json", "{}", 0o600)

	installed := []string{
		AgentExePath, TrayExePath, AgentUnitPath, TrayAutostartPath, TrayMenuPath,
		EnrolConfigDir, EnrolConfigDir + "/enroll.env",
		"/usr/share/doc/sessionguard", EnrolExamplePath,
		"/var/lib/sessionguard", "/var/lib/sessionguard/results.json", "/var/lib/sessionguard/sessions.log",
		"/var/lib/sessionguard/credentials.json", "/var/lib/sessionguard/spool", "/var/lib/sessionguard/spool/0000000001.json",
	}
	assertPresent(t, "dpkg -i", agentRoots, installed)

	// Upgrade: the state stays, onboarding runs again without enrolling
	// again, and the session log keeps its records.
	logBefore, err := os.ReadFile("/var/lib/sessionguard/sessions.log")
	if err != nil {
		t.Fatal(err)
	}
	upgradeOut := dpkg(t, "-i", upgrade)
	for _, want := range []string{"Setting up sessionguard (1.2.4)", "(already; nothing to do)", "The results are saved in"} {
		if !strings.Contains(upgradeOut, want) {
			t.Errorf("dpkg -i of the upgrade lacks %q:\n%s", want, upgradeOut)
		}
	}
	if len(enrolled) > 0 {
		t.Error("the upgrade enrolled again")
	}
	assertPresent(t, "the upgrade", agentRoots, installed)
	if b, _ := os.ReadFile("/var/lib/sessionguard/sessions.log"); !bytes.Equal(b, logBefore) {
		t.Errorf("the upgrade changed the session log: %q, was %q", b, logBefore)
	}

	// Remove: the programs go; the session log, spool, results, enrolment
	// and the admin's enrol file stay.
	dpkg(t, "-r", AgentBinary)
	assertPresent(t, "dpkg -r", agentRoots, []string{
		EnrolConfigDir, EnrolConfigDir + "/enroll.env",
		"/var/lib/sessionguard", "/var/lib/sessionguard/results.json", "/var/lib/sessionguard/sessions.log",
		"/var/lib/sessionguard/credentials.json", "/var/lib/sessionguard/spool", "/var/lib/sessionguard/spool/0000000001.json",
	})
	if st, _ := exec.CommandContext(t.Context(), "dpkg-query", "-W", "-f", "${Status}", AgentBinary).Output(); string(st) != "deinstall ok config-files" {
		t.Errorf("after dpkg -r the status is %q", st)
	}

	// Purge: nothing is left.
	dpkg(t, "-P", AgentBinary)
	assertPresent(t, "dpkg -P", agentRoots, nil)
	assertPresent(t, "dpkg -P", agentDocs, nil)
	if err := exec.CommandContext(t.Context(), "dpkg-query", "-W", AgentBinary).Run(); err == nil {
		t.Error("dpkg still knows the package after a purge")
	}
}

var serverRoots = []string{ServerExePath, ServerUnitPath, "/etc/sessionguard-server", "/var/lib/sessionguard-server",
	"/etc/systemd/system/multi-user.target.wants/sessionguard-server.service"}

func TestDpkgServerInstallRemovePurge(t *testing.T) {
	needRoot(t)
	if !inThrowawayRoot(t, ServerBinary, serverRoots) {
		return
	}
	notInstalled(t, ServerBinary, serverRoots)
	bin, auto := standIns(t)
	// The real server: its CLI is run from the installed package below.
	serverExe := filepath.Join(bin, "linux-"+runtime.GOARCH, ServerBinary)
	_ = os.Remove(serverExe) // the stand-in
	goBuild(t, serverExe, "../cmd/sessionguard-server")
	o := testOptions(bin, auto, t.TempDir())
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	deb, err := o.buildLinuxPackage(ServerBinary, runtime.GOARCH, "deb", o.ServerInfo)
	if err != nil {
		t.Fatal(err)
	}
	userExisted := exec.CommandContext(t.Context(), "getent", "passwd", "sessionguard-server").Run() == nil
	t.Cleanup(func() {
		_ = exec.Command("dpkg", "-P", ServerBinary).Run()
		_ = os.RemoveAll("/var/lib/sessionguard-server")
		if !userExisted {
			_ = exec.Command("userdel", "sessionguard-server").Run()
			_ = exec.Command("groupdel", "sessionguard-server").Run()
		}
	})

	out := dpkg(t, "-i", deb)
	if !strings.Contains(out, "settings are in /etc/sessionguard-server/server.env") {
		t.Errorf("dpkg -i output:\n%s", out)
	}
	uid, gid := lookupIDs(t, "sessionguard-server")
	assertFile(t, ServerExePath, 0o755, 0, 0)
	assertFile(t, ServerUnitPath, 0o644, 0, 0)
	assertFile(t, ServerConfigPath, 0o640, 0, gid)
	assertFile(t, "/var/lib/sessionguard-server", fs.ModeDir|0o750, uid, gid)

	// The README's first step after installing: the server's CLI, run as
	// its user from /, uses the service's database from server.env.
	const db = "/var/lib/sessionguard-server/sessionguard-server.db"
	for _, args := range [][]string{{"admin", "create", "--name", "alice"}, {"enroll-secret", "create"}} {
		cmd := exec.CommandContext(t.Context(), "runuser", append([]string{"-u", "sessionguard-server", "--", ServerExePath}, args...)...)
		cmd.Dir = "/"
		cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil || strings.TrimSpace(stdout.String()) == "" {
			t.Fatalf("sessionguard-server %s as its user from /: %v\n%s%s", args, err, stdout.String(), stderr.String())
		}
		if want := "Database: sqlite:" + db + " (from " + ServerConfigPath + ")"; !strings.Contains(stderr.String(), want) {
			t.Errorf("sessionguard-server %s does not say %q:\n%s", args, want, stderr.String())
		}
	}
	assertFile(t, db, 0o600, uid, gid)
	if _, err := os.Stat("/var/sessionguard-server.db"); err == nil {
		t.Error("the CLI wrote a stray database relative to /")
	}
	shell, _ := exec.CommandContext(t.Context(), "getent", "passwd", "sessionguard-server").Output()
	if !strings.HasSuffix(strings.TrimSpace(string(shell)), "nologin") {
		t.Errorf("the server's user can log in: %s", shell)
	}
	// The admin's edit of the conffile survives remove; purge deletes it.
	writeFile(t, ServerConfigPath, "SESSIONGUARD_SERVER_DB=postgres://edited\n", 0o600)

	dpkg(t, "-r", ServerBinary)
	assertPresent(t, "dpkg -r", serverRoots, []string{"/etc/sessionguard-server", ServerConfigPath,
		"/var/lib/sessionguard-server", "/var/lib/sessionguard-server/sessionguard-server.db"})
	if b, _ := os.ReadFile(ServerConfigPath); !strings.Contains(string(b), "edited") {
		t.Error("dpkg -r replaced the admin's server.env")
	}
	dpkg(t, "-P", ServerBinary)
	assertPresent(t, "dpkg -P", serverRoots, nil)
}

func lookupIDs(t *testing.T, user string) (uid, gid uint32) {
	t.Helper()
	id := func(flag string) uint32 {
		out, err := exec.CommandContext(t.Context(), "id", flag, user).Output()
		if err != nil {
			t.Fatalf("the package did not create the user %s: %v", user, err)
		}
		n, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 32)
		if err != nil || n == 0 {
			t.Fatalf("id %s %s = %q: want a non-root id", flag, user, out)
		}
		return uint32(n)
	}
	return id("-u"), id("-g")
}
