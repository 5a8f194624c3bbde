package packaging

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// The signing hooks' environment: a PKCS#12 certificate and key, a file
// holding its password (never a password on a command line), and an
// optional RFC 3161 timestamp server.
const (
	SignPKCS12Env       = "SESSIONGUARD_SIGN_PKCS12"
	SignPasswordFileEnv = "SESSIONGUARD_SIGN_PASSWORD_FILE"
	SignTimestampEnv    = "SESSIONGUARD_SIGN_TIMESTAMP_URL"
	signTimeout         = 2 * time.Minute
)

// Sign signs a Windows executable or MSI in place with osslsigncode
// (Authenticode, SHA-256) when SESSIONGUARD_SIGN_PKCS12 names a
// certificate; without one it says it skipped signing.
func (o *Options) Sign(ctx context.Context, file string) error {
	cert := os.Getenv(SignPKCS12Env)
	if cert == "" {
		fmt.Fprintf(o.Log, "not signing %s: set %s (and %s) to sign\n", filepath.Base(file), SignPKCS12Env, SignPasswordFileEnv)
		return nil
	}
	tool, err := exec.LookPath("osslsigncode")
	if err != nil {
		return fmt.Errorf("signing needs osslsigncode: apt-get install osslsigncode (%w)", err)
	}
	if tool, err = filepath.Abs(tool); err != nil {
		return err
	}
	args := []string{"sign", "-pkcs12", cert, "-h", "sha256", "-n", "SessionGuard", "-i", "https://sessionguard.example.org"}
	if pw := os.Getenv(SignPasswordFileEnv); pw != "" {
		args = append(args, "-readpass", pw)
	}
	if ts := os.Getenv(SignTimestampEnv); ts != "" {
		args = append(args, "-ts", ts)
	}
	signed := file + ".signed"
	args = append(args, "-in", file, "-out", signed)
	ctx, cancel := context.WithTimeout(ctx, signTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, tool, args...).CombinedOutput(); err != nil {
		os.Remove(signed)
		return fmt.Errorf("signing %s with osslsigncode: %w\n%s", filepath.Base(file), err, out)
	}
	if err := os.Rename(signed, file); err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "signed %s\n", filepath.Base(file))
	return nil
}
