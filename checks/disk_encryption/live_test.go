package diskencryption_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	diskencryption "github.com/sessionguard/sessionguard/checks/disk_encryption"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
)

// liveCryptsetup is the live probe, for a test that runs the real
// cryptsetup: skipped off Linux and without it.
func liveCryptsetup(t *testing.T) *live.Live {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("live LUKS test needs Linux")
	}
	p := live.New()
	if _, err := p.Resolve(probe.CmdCryptsetup); err != nil {
		t.Skipf("cryptsetup is not installed (apt install cryptsetup-bin): %v", err)
	}
	return p
}

// TestLiveLUKSRecognised formats a file as LUKS2 with the real cryptsetup
// and checks that the parsers recognise what cryptsetup and blkid say about
// it, and that a file of zeros is not taken for LUKS.
func TestLiveLUKSRecognised(t *testing.T) {
	p := liveCryptsetup(t)
	dir := t.TempDir()
	luksFile, zeros, key := filepath.Join(dir, "luks.img"), filepath.Join(dir, "zeros.img"), filepath.Join(dir, "key")
	for _, f := range []string{luksFile, zeros} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(f, 20<<20); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(key, []byte("sessionguard-test-key"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	out, err := p.Run(ctx, probe.CmdCryptsetup, "luksFormat", "--batch-mode", "--type", "luks2", "--pbkdf", "pbkdf2",
		"--pbkdf-force-iterations", "1000", "--key-file", key, luksFile)
	if err != nil || out.ExitCode != 0 {
		t.Fatalf("luksFormat: %v exit %d: %s", err, out.ExitCode, out.Stderr)
	}

	out, err = p.Run(ctx, probe.CmdCryptsetup, "isLuks", luksFile)
	if err != nil {
		t.Fatal(err)
	}
	if info := diskencryption.ParseIsLuks(out.ExitCode); !info.Recognised || !info.IsLUKS {
		t.Errorf("isLuks on LUKS2 file: %+v (exit %d)", info, out.ExitCode)
	}
	out, err = p.Run(ctx, probe.CmdCryptsetup, "luksDump", luksFile)
	if err != nil {
		t.Fatal(err)
	}
	if info := diskencryption.ParseLuksDump(out.Stdout, out.Stderr, out.ExitCode); !info.IsLUKS || info.Version != "2" {
		t.Errorf("luksDump on LUKS2 file: %+v", info)
	}

	out, err = p.Run(ctx, probe.CmdCryptsetup, "isLuks", zeros)
	if err != nil {
		t.Fatal(err)
	}
	if info := diskencryption.ParseIsLuks(out.ExitCode); !info.Recognised || info.IsLUKS {
		t.Errorf("isLuks on zeros: %+v (exit %d)", info, out.ExitCode)
	}
	out, err = p.Run(ctx, probe.CmdCryptsetup, "luksDump", zeros)
	if err != nil {
		t.Fatal(err)
	}
	if info := diskencryption.ParseLuksDump(out.Stdout, out.Stderr, out.ExitCode); !info.Recognised || info.IsLUKS {
		t.Errorf("luksDump on zeros: %+v (stderr %q)", info, out.Stderr)
	}

	if _, err := p.Resolve(probe.CmdBlkid); err != nil {
		t.Skipf("blkid is not installed: %v", err)
	}
	out, err = p.Run(ctx, probe.CmdBlkid, "-p", "-o", "export", luksFile)
	if err != nil {
		t.Fatal(err)
	}
	if info := diskencryption.ParseBlkidExport(out.Stdout, out.Stderr, out.ExitCode); !info.IsLUKS || info.Version != "2" || info.Type != "crypto_LUKS" {
		t.Errorf("blkid on LUKS2 file: %+v", info)
	}
	out, err = p.Run(ctx, probe.CmdBlkid, "-p", "-o", "export", zeros)
	if err != nil {
		t.Fatal(err)
	}
	if info := diskencryption.ParseBlkidExport(out.Stdout, out.Stderr, out.ExitCode); !info.Recognised || info.IsLUKS {
		t.Errorf("blkid on zeros: %+v (exit %d)", info, out.ExitCode)
	}
}

// TestLiveLUKSReencryptionRead starts LUKS2 re-encryptions with the real
// cryptsetup (--init-only: the header is written as a re-encryption under
// way leaves it, stopped before any data moves, as after an interruption)
// and checks that parseLuksDump reads each one's mode from luksDump, the
// same after the bundle scrubber: a plain file being encrypted in place,
// a new key, a decryption (its header detached, as LUKS2 decryption needs),
// and an ordinary LUKS2 header with none.
func TestLiveLUKSReencryptionRead(t *testing.T) {
	p := liveCryptsetup(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	if err := os.WriteFile(key, []byte("sessionguard-test-key"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	run := func(args ...string) {
		t.Helper()
		out, err := p.Run(ctx, probe.CmdCryptsetup, args...)
		if err != nil || out.ExitCode != 0 {
			t.Fatalf("cryptsetup %v: %v exit %d: %s", args, err, out.ExitCode, out.Stderr)
		}
	}
	kdf := []string{"--batch-mode", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--key-file", key}
	image := func(name string, luks bool) string {
		t.Helper()
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(f, 64<<20); err != nil {
			t.Fatal(err)
		}
		if luks {
			run(append([]string{"luksFormat", "--type", "luks2"}, append(kdf, f)...)...)
		}
		return f
	}
	plain, rekey, decrypt, none := image("plain.img", false), image("rekey.img", true), image("decrypt.img", true), image("none.img", true)
	header := filepath.Join(dir, "decrypt.hdr")
	run(append([]string{"reencrypt", "--encrypt", "--init-only", "--reduce-device-size", "16M"}, append(kdf, plain)...)...)
	run(append([]string{"reencrypt", "--init-only"}, append(kdf, rekey)...)...)
	run(append([]string{"reencrypt", "--decrypt", "--init-only", "--header", header, "--force-offline-reencrypt"}, append(kdf, decrypt)...)...)
	luksDumpAsNobody(t, plain)
	for _, c := range []struct{ dev, want string }{{plain, "encrypt"}, {rekey, "reencrypt"}, {header, "decrypt"}, {none, ""}} {
		out, err := p.Run(ctx, probe.CmdCryptsetup, "luksDump", c.dev)
		if err != nil {
			t.Fatal(err)
		}
		info := diskencryption.ParseLuksDump(out.Stdout, out.Stderr, out.ExitCode)
		if !info.IsLUKS || info.Version != "2" || info.Reencrypt != c.want {
			t.Errorf("%s: %+v, want LUKS2 re-encryption %q\n%s", filepath.Base(c.dev), info, c.want, out.Stdout)
		}
		if scrubbed := diskencryption.ParseLuksDump(diskencryption.ScrubLuksDump(out.Stdout), nil, 0); scrubbed != info {
			t.Errorf("%s: scrubbed %+v, raw %+v", filepath.Base(c.dev), scrubbed, info)
		}
		if s := string(diskencryption.ScrubLuksDump(out.Stdout)); strings.Contains(s, "UUID") || strings.Contains(s, "Salt") {
			t.Errorf("%s: scrubbed dump keeps the UUID or a salt:\n%s", filepath.Base(c.dev), s)
		}
	}
}

// TestLiveCheckNotPass runs the check on this machine, whose root file
// system is not encrypted: it must not pass.
func TestLiveCheckNotPass(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live check test runs on the Linux CI machine")
	}
	r := diskencryption.Check.Run(t.Context(), live.New(), checks.Catalogue{diskencryption.Check}.Default())
	if r.Status == checks.Pass {
		t.Fatalf("disk_encryption passed on the CI machine, whose root is not encrypted: %+v", r)
	}
	if !r.Status.Valid() || r.Summary == "" {
		t.Fatalf("bad result: %+v", r)
	}
	if r.Status != checks.Pass && r.Fix == "" {
		t.Errorf("no fix for %s", r.Status)
	}
	if r.Status == checks.Unknown && r.Reason == "" {
		t.Errorf("unknown without reason")
	}
	t.Logf("live: %s — %s %s", r.Status, r.Summary, r.Reason)
}

// personAt is the live probe with a given person at the screen: this
// machine has no graphical session.
type personAt struct {
	probe.Probe
	user probe.User
}

func (p personAt) ConsoleUser() (probe.User, error) { return p.user, nil }

// TestLiveHomeFollowedThroughSymlink: a home folder that is a symlink onto
// another filesystem (here the tmpfs at /dev/shm, standing in for a
// second disk) is judged where it really is; the mount table alone puts
// the symlink's path on the filesystem it is written under.
func TestLiveHomeFollowedThroughSymlink(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux")
	}
	l := live.New()
	out, err := l.Run(t.Context(), probe.CmdFindmnt, "-n", "-o", "TARGET", "-T", "/dev/shm")
	// Mounted over twice, it is listed twice.
	if targets := strings.Fields(string(out.Stdout)); err != nil || len(targets) == 0 || targets[len(targets)-1] != "/dev/shm" {
		t.Skipf("/dev/shm is not a filesystem of its own here: %v %q", err, out.Stdout)
	}
	real, err := os.MkdirTemp("/dev/shm", "sg-home-")
	if err != nil {
		t.Skipf("cannot write /dev/shm: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(real) })
	home := filepath.Join(t.TempDir(), "person")
	if err := os.Symlink(real, home); err != nil {
		t.Fatal(err)
	}
	facts := func(home string) map[string]any {
		r := diskencryption.Check.Run(t.Context(), personAt{Probe: l, user: probe.User{UID: "1000", Name: "person", Home: home}}, checks.Catalogue{diskencryption.Check}.Default())
		if strings.Contains(string(r.Facts), home) || strings.Contains(string(r.Facts), real) {
			t.Errorf("facts hold the home's path: %s", r.Facts)
		}
		var f struct {
			Linux map[string]any `json:"linux"`
		}
		if err := json.Unmarshal(r.Facts, &f); err != nil {
			t.Fatal(err)
		}
		return f.Linux
	}
	got := facts(home)
	uh, _ := got["user_home"].(map[string]any)
	if uh == nil || uh["fstype"] != "tmpfs" || uh["mount"] != "home folder" {
		t.Errorf("the symlinked home was not followed to the tmpfs: %v", got)
	}
	// The real folder itself, named directly, is judged the same way.
	if uh, _ := facts(real)["user_home"].(map[string]any); uh == nil || uh["fstype"] != "tmpfs" {
		t.Errorf("a home on the tmpfs itself: %v", uh)
	}
}

// luksDumpAsNobody runs cryptsetup luksDump on dev as a person would
// without root (as nobody, through util-linux's setpriv, when the test
// runs as root): cryptsetup cannot open the device, and what it says must
// not read as a header.
func luksDumpAsNobody(t *testing.T, dev string) {
	t.Helper()
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		return
	}
	cmd := exec.CommandContext(t.Context(), setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "cryptsetup", "luksDump", dev)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var exit *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &exit) || exit.ExitCode() != 4 {
		t.Fatalf("luksDump as nobody: %v (%s), want exit status 4", err, stderr.Bytes())
	}
	if info := diskencryption.ParseLuksDump(stdout.Bytes(), stderr.Bytes(), exit.ExitCode()); info.Recognised {
		t.Errorf("luksDump as nobody read as %+v (%s)", info, stderr.Bytes())
	}
}
