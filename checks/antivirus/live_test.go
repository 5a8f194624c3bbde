package antivirus

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
)

// writeDatabase writes a ClamAV database file the way freshclam leaves a
// .cld: a 512-byte header, then a gzipped tar; pad makes it larger.
func writeDatabase(t *testing.T, path, header string, pad int) {
	t.Helper()
	var payload bytes.Buffer
	gz := gzip.NewWriter(&payload)
	tw := tar.NewWriter(gz)
	body := bytes.Repeat([]byte("x"), 100+pad)
	if err := tw.WriteHeader(&tar.Header{Name: "COPYING", Mode: 0o644, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	head := []byte(header)
	head = append(head, bytes.Repeat([]byte(" "), cvdHeaderSize-len(head))...)
	if pad > 0 {
		// Incompressible filler so the file is really that large.
		filler := make([]byte, pad)
		for i := range filler {
			filler[i] = byte(i*7919 + i>>8)
		}
		payload.Write(filler)
	}
	if err := os.WriteFile(path, append(head, payload.Bytes()...), 0o644); err != nil {
		t.Fatal(err)
	}
}

const liveHeader = "ClamAV-VDB:20 Nov 2026 07-41 +0000:27830:2076000:90:X:X:raynman:1795160460"

// TestLiveClamAVTools reads a database header with the real clamscan and
// sigtool and checks the parsers agree with the header parser.
func TestLiveClamAVTools(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live ClamAV test needs Linux")
	}
	p := live.New()
	for _, tool := range []probe.Command{probe.CmdClamscan, probe.CmdSigtool} {
		if _, err := p.Resolve(tool); err != nil {
			t.Skipf("%s is not installed (apt install clamav): %v", tool, err)
		}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "daily.cld")
	writeDatabase(t, file, liveHeader, 0)

	b, err := p.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	head, err := parseCVDHeader(b)
	if err != nil || head.Version != 27830 || head.BuildTime != "2026-11-20T07:41:00Z" {
		t.Fatalf("header: %+v, %v", head, err)
	}
	out, err := p.Run(t.Context(), probe.CmdSigtool, "--info", file)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := parseSigtoolInfo(out.Stdout)
	if err != nil || sig.Version != head.Version || sig.BuildTime != head.BuildTime {
		t.Errorf("sigtool: %+v, %v (stdout %q)", sig, err, out.Stdout)
	}
	out, err = p.Run(t.Context(), probe.CmdClamscan, "--version", "--database="+dir)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := parseClamscanVersion(out.Stdout)
	if err != nil || cs.Version != head.Version {
		t.Fatalf("clamscan: %+v, %v (stdout %q)", cs, err, out.Stdout)
	}
	// clamscan prints local time; the live probe passes no TZ, so it is
	// the machine's zone, which Go's time.Local also is.
	built, _ := time.Parse(time.RFC3339, head.BuildTime)
	wall := built.In(time.Local).Format(time.ANSIC)
	if got, _ := time.Parse(time.RFC3339, cs.BuildTime); got.Format(time.ANSIC) != wall {
		t.Errorf("clamscan build time %s, want local wall time %s", cs.BuildTime, wall)
	}

	// An empty database directory: clamscan reports no database.
	empty := t.TempDir()
	out, err = p.Run(t.Context(), probe.CmdClamscan, "--version", "--database="+empty)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseClamscanVersion(out.Stdout); !errors.Is(err, errNoDatabase) {
		t.Errorf("empty database dir: err = %v, want errNoDatabase (stdout %q)", err, out.Stdout)
	}
}

// TestLiveLargeDatabaseHeader: a daily.cvd larger than ReadFile's limit
// (real ones are about 60 MB) is judged from its header, read with
// ReadFileHead.
func TestLiveLargeDatabaseHeader(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live ClamAV test needs Linux")
	}
	p := live.New()
	if _, err := p.Resolve(probe.CmdClamscan); err != nil {
		t.Skipf("clamscan is not installed (apt install clamav): %v", err)
	}
	dir := t.TempDir()
	writeDatabase(t, filepath.Join(dir, "daily.cvd"), liveHeader, live.MaxFileSize+1024)
	if _, err := p.ReadFile(filepath.Join(dir, "daily.cvd")); err == nil {
		t.Fatal("ReadFile read a file over MaxFileSize; the head read is not exercised")
	}
	info, errText := readDaily(t.Context(), p, dir, []string{"daily.cvd"}, nil)
	if info == nil || info.Source != "header" || info.Version != 27830 {
		t.Fatalf("readDaily = %+v, %q", info, errText)
	}
}

// TestLiveCheck runs the check on this machine. The CI machine has ClamAV
// installed without a database (the network is closed), so it must not
// pass, and when no daily database exists it must say so.
func TestLiveCheck(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live check test runs on Linux")
	}
	p := live.New()
	r := Check.Run(t.Context(), p, checks.Catalogue{Check}.Default())
	if !r.Status.Valid() || r.Summary == "" {
		t.Fatalf("no verdict: %+v", r)
	}
	t.Logf("live: %s: %s %s", r.Status, r.Summary, r.Reason)
	var f facts
	if err := json.Unmarshal(r.Facts, &f); err != nil {
		t.Fatal(err)
	}
	if f.Linux == nil {
		t.Fatalf("no Linux facts: %s", r.Facts)
	}
	hasDaily := false
	for _, n := range []string{"daily.cld", "daily.cvd"} {
		if _, err := os.Stat(filepath.Join(defaultClamDBDir, n)); err == nil {
			hasDaily = true
		}
	}
	_, freshErr := os.Stat("/etc/clamav/freshclam.conf")
	if freshErr != nil || hasDaily {
		t.Skipf("this machine is not the CI setup (ClamAV without a database); got %s", r.Status)
	}
	if r.Status == checks.Pass {
		t.Fatalf("ClamAV without a database passed: %s", r.Summary)
	}
	if f.Linux.ClamAV == nil || f.Linux.ClamAV.DatabaseError != errNoDatabase.Error() {
		t.Errorf("ClamAV facts = %+v, want the no-database error", f.Linux.ClamAV)
	}
	if f.Linux.MDATP == nil && r.Status != checks.Fail {
		t.Errorf("status = %s, want fail (no database, default policy)", r.Status)
	}
}

// TestLiveAgentMatch: the name-and-program match endpoint products are
// judged by holds on the real process list (the kernel's 15-byte names,
// /proc/<pid>/exe): this test binary is found as a program run from its
// directory, and not from another.
func TestLiveAgentMatch(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live process list test runs on Linux")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	procs, err := live.New().Processes()
	if err != nil {
		t.Fatal(err)
	}
	name, dir := filepath.Base(exe), filepath.Dir(exe)
	var self *probe.Process
	for i := range procs {
		if int(procs[i].PID) == os.Getpid() {
			self = &procs[i]
		}
	}
	if self == nil {
		t.Fatal("this process is not in the process list")
	}
	if !isProgram(*self, name, []string{dir}) {
		t.Errorf("isProgram(%+v, %q, %q) = false", *self, name, dir)
	}
	if isProgram(*self, name, []string{"/opt/CrowdStrike"}) {
		t.Errorf("matched outside its directory: %+v", *self)
	}
}

// TestLiveAgentMatchLongName: an agent whose name is longer than the
// kernel's 15 bytes (falcon-sensor-bpf) is still matched by name and
// program.
func TestLiveAgentMatchLongName(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live process list test runs on Linux")
	}
	sleep, err := os.ReadFile("/usr/bin/sleep")
	if err != nil {
		t.Skipf("no /usr/bin/sleep to copy: %v", err)
	}
	dir := t.TempDir()
	agent := filepath.Join(dir, "falcon-sensor-bpf")
	if err := os.WriteFile(agent, sleep, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(agent, "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var found *probe.Process
	for range 50 {
		procs, err := live.New().Processes()
		if err != nil {
			t.Fatal(err)
		}
		for i := range procs {
			if int(procs[i].PID) == cmd.Process.Pid && procs[i].Exe != "" {
				found = &procs[i]
			}
		}
		if found != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if found == nil {
		t.Fatal("the copied agent is not in the process list")
	}
	if !isProgram(*found, "falcon-sensor-bpf", []string{dir}) {
		t.Errorf("isProgram(%+v) = false", *found)
	}
}
