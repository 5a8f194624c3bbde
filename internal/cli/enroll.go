package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/agent/credentials"
	"github.com/sessionguard/sessionguard/agent/enroll"
	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	"github.com/sessionguard/sessionguard/report"
)

// EnrollSecretEnv carries the enrol secret without it showing in ps.
const EnrollSecretEnv = "SESSIONGUARD_ENROLL_SECRET"

// maxSecretFile bounds a --secret-file.
const maxSecretFile = 4096

// Test hooks: the HTTP client (nil: the default) and the credential store.
var (
	enrollHTTPClient *http.Client
	enrollStore      = func(path string, log *slog.Logger) (*credentials.Store, error) {
		return credentials.New(credentials.Options{Path: path, Logger: log})
	}
)

func (e *env) enrollCommand() *cobra.Command {
	var server, secret, secretFile, name, stateDir string
	cmd := &cobra.Command{
		Use:   "enroll",
		Short: "Enrol this computer with a SessionGuard server so that it reports there",
		Long: `Exchange an enrol secret (from your administrator) for a device token, and keep
the token in the OS keyring, or in a file only this account can read when there is
no keyring. The token is never printed.

Give the secret in a file (--secret-file, "-" for standard input) or in the
environment (` + EnrollSecretEnv + `) rather than with --secret, which other users can
see in the process list. Enrolling again replaces the previous enrolment.`,
		Example: `  sessionguard enroll --server https://sessionguard.example.org --secret-file /root/enrol-secret
  ` + EnrollSecretEnv + `=… sessionguard enroll --server https://sessionguard.example.org --name front-desk-1`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if server == "" {
				return errors.New("enroll needs --server URL (see 'sessionguard enroll --help')")
			}
			s, err := enrolSecret(cmd, secret, secretFile)
			if err != nil {
				return err
			}
			if name == "" {
				if name, err = os.Hostname(); err != nil || strings.TrimSpace(name) == "" {
					return errors.New("cannot tell this computer's name: give --name DEVICE")
				}
			}
			agent := report.Agent{Version: Version, Host: probe.HostOf(live.New())}
			creds, err := (&enroll.Client{HTTPClient: enrollHTTPClient}).Enroll(cmd.Context(), server, s, name, agent)
			if err != nil {
				return err
			}
			store, err := enrollStore(filepath.Join(stateDir, statedir.CredentialsFile), newPlainLogger(e.stderr))
			if err != nil {
				return err
			}
			if err := store.Save(creds); err != nil {
				return fmt.Errorf("enrolled, but %w", err)
			}
			fmt.Fprintf(e.stdout, "Enrolled as %s with %s\n", strings.TrimSpace(name), creds.ServerURL)
			return nil
		},
	}
	cmd.Flags().StringVar(&server, "server", "", "the SessionGuard server's `URL` (https://)")
	cmd.Flags().StringVar(&secret, "secret", "", "the enrol `SECRET` (visible to other users in the process list; prefer --secret-file or "+EnrollSecretEnv+")")
	cmd.Flags().StringVar(&secretFile, "secret-file", "", "read the enrol secret from `FILE` (\"-\" for standard input)")
	cmd.Flags().StringVar(&name, "name", "", "how administrators will see this `DEVICE` (the host name by default)")
	cmd.Flags().StringVar(&stateDir, "state-dir", statedir.Default(), "the agent's state `DIR`, where the credentials are kept (as for 'agent run')")
	return cmd
}

// enrolSecret picks the secret from --secret, --secret-file or the
// environment, in that order; giving both flags is a mistake.
func enrolSecret(cmd *cobra.Command, flag, file string) (string, error) {
	var s string
	switch {
	case flag != "" && file != "":
		return "", errors.New("give the enrol secret with --secret or --secret-file, not both")
	case flag != "":
		s = flag
	case file != "":
		var r io.Reader
		if file == "-" {
			r = cmd.InOrStdin()
		} else {
			f, err := os.Open(file)
			if err != nil {
				return "", fmt.Errorf("reading the enrol secret: %w", err)
			}
			defer f.Close()
			r = f
		}
		data, err := io.ReadAll(io.LimitReader(r, maxSecretFile+1))
		if err != nil {
			return "", fmt.Errorf("reading the enrol secret: %w", err)
		}
		if len(data) > maxSecretFile {
			return "", fmt.Errorf("reading the enrol secret: %s is larger than %d bytes, is it the right file?", file, maxSecretFile)
		}
		s = string(data)
	default:
		s = os.Getenv(EnrollSecretEnv)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("no enrol secret: give --secret-file FILE, set %s, or --secret", EnrollSecretEnv)
	}
	return s, nil
}
