package unixlogin

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// osFiles is a probe that reads this computer's files.
type osFiles struct{ probe.Probe }

func (osFiles) ReadFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, probe.ErrNotFound)
	}
	return b, err
}

// TestPasswordlessAgreesWithLinuxPAM runs every stack of stackCases that
// Passwordless gives a verdict on through the real Linux-PAM, as a
// service of its own in /etc/pam.d (removed after), with pamtester
// authenticating the "nobody" account (its password is locked: "*")
// given no password: PAM lets it in exactly when Passwordless says the
// stack lets a person in without one.
func TestPasswordlessAgreesWithLinuxPAM(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("writes a PAM service to /etc/pam.d: Linux, as root")
	}
	pamtester, err := exec.LookPath("pamtester")
	if err != nil {
		t.Skip("needs pamtester (make deps installs it)")
	}
	for i, c := range stackCases {
		if c.err != "" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			prefix := fmt.Sprintf("sgtest-%d-%d-", os.Getpid(), i)
			named := strings.NewReplacer("common-auth", prefix+"common-auth", "password-auth", prefix+"password-auth", "postlogin", prefix+"postlogin")
			for name, content := range map[string]string{"gdm-password": c.gdm, "common-auth": c.extra, "password-auth": c.extra, "postlogin": "session optional pam_umask.so silent\n"} {
				file := filepath.Join("/etc/pam.d", prefix+name)
				if err := os.WriteFile(file, []byte(named.Replace(content)), 0o644); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Remove(file) })
			}
			service := prefix + "gdm-password"
			rule, err := Passwordless(osFiles{}, "", service, nil, func(e Passwd) bool { return e.Name == "nobody" })
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, pamtester, service, "nobody", "authenticate")
			cmd.Stdin = strings.NewReader("")
			out, runErr := cmd.CombinedOutput()
			var exit *exec.ExitError
			if runErr != nil && !errors.As(runErr, &exit) {
				t.Fatalf("pamtester: %v", runErr)
			}
			letIn := runErr == nil
			if letIn != (rule.Via != "") {
				t.Errorf("Linux-PAM lets nobody in without a password: %v (%s); Passwordless says %+v", letIn, strings.TrimSpace(string(out)), rule)
			}
		})
	}
}
