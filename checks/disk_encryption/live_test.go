package diskencryption_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	diskencryption "github.com/sessionguard/sessionguard/checks/disk_encryption"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
)

// TestLiveLUKSRecognised formats a file as LUKS2 with the real cryptsetup
// and checks that the parsers recognise what cryptsetup and blkid say about
// it, and that a file of zeros is not taken for LUKS.
func TestLiveLUKSRecognised(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live LUKS test needs Linux")
	}
	p := live.New()
	if _, err := p.Resolve(probe.CmdCryptsetup); err != nil {
		t.Skipf("cryptsetup is not installed (apt install cryptsetup-bin): %v", err)
	}
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
