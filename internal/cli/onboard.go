package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/agent"
	"github.com/sessionguard/sessionguard/agent/credentials"
	"github.com/sessionguard/sessionguard/agent/enroll"
	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	"github.com/sessionguard/sessionguard/report"
)

// The onboarding configuration: the keys of the enrol file the installer
// reads (and of the environment, which wins over the file).
const (
	ServerURLEnv  = "SESSIONGUARD_SERVER_URL"
	DeviceNameEnv = "SESSIONGUARD_DEVICE_NAME"
)

// maxEnrolConfig bounds the enrol file.
const maxEnrolConfig = 16 << 10

// DefaultEnrolConfig is the file an administrator writes before installing
// (or that a configuration-management tool drops): KEY=VALUE lines with
// SESSIONGUARD_SERVER_URL and SESSIONGUARD_ENROLL_SECRET.
func DefaultEnrolConfig() string {
	switch runtime.GOOS {
	case "windows":
		base := os.Getenv("ProgramData")
		if base == "" {
			base = `C:\ProgramData`
		}
		return base + `\SessionGuard\enroll.env`
	case "darwin":
		return "/Library/Application Support/SessionGuard/enroll.env"
	default:
		return "/etc/sessionguard/enroll.env"
	}
}

// onboardOptions are the flags of `onboard`.
type onboardOptions struct {
	agentOptions
	server, secret, secretFile, config, name string
}

func (e *env) onboardCommand() *cobra.Command {
	var o onboardOptions
	cmd := &cobra.Command{
		Use:   "onboard",
		Short: "First-run set-up: enrol with the server if configured, check this computer and list what to fix",
		Long: `Set up SessionGuard on this computer. The installers run this after installing;
you can run it again at any time.

1. Enrol with your organisation's server, when a server and an enrol secret are
   configured and this computer is not enrolled yet. They come from the flags,
   else the environment (` + ServerURLEnv + `, ` + EnrollSecretEnv + `,
   ` + DeviceNameEnv + `), else the enrol file (--config; KEY=VALUE lines with
   the same names), which should be readable by root only. Without a server
   SessionGuard works on its own and nothing leaves this computer.
2. Run every check once and print a checklist of what to fix before the first
   session, in plain English.
3. Save the results where the agent and the tray read them at their first start.

The exit code is 0 even when checks fail or the server cannot be reached (the
checklist says so): the computer is installed, it just needs work. It is 2 only
when SessionGuard itself is broken (its state directory cannot be written, a
policy or enrol file is unreadable).`,
		Example: `  sudo sessionguard onboard
  sudo sessionguard onboard --server https://sessionguard.example.org --secret-file /root/enrol-secret
  sudo sessionguard onboard --config /etc/sessionguard/enroll.env`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.onboard(cmd, o)
		},
	}
	o.agentOptions.registerState(cmd, "")
	addSocketFlag(cmd, &o.socket)
	cmd.Flags().StringVar(&o.server, "server", "", "the SessionGuard server's `URL` (https://); default: "+ServerURLEnv+" or the enrol file")
	cmd.Flags().StringVar(&o.secret, "secret", "", "the enrol `SECRET` (visible to other users in the process list; prefer --secret-file)")
	cmd.Flags().StringVar(&o.secretFile, "secret-file", "", "read the enrol secret from `FILE` (\"-\" for standard input)")
	cmd.Flags().StringVar(&o.config, "config", DefaultEnrolConfig(), "the enrol `FILE` (KEY=VALUE lines); a missing file means: no server")
	cmd.Flags().StringVar(&o.name, "name", "", "how administrators will see this `DEVICE` (the host name by default)")
	return cmd
}

// enrolSettings is where onboarding enrols, when anywhere.
type enrolSettings struct {
	server, secret, name string
	// from says where the server came from, for the checklist.
	from string
}

func (e *env) onboard(cmd *cobra.Command, o onboardOptions) error {
	ctx := cmd.Context()
	w := e.stdout
	fmt.Fprintln(w, "SessionGuard set-up")
	fmt.Fprintln(w)

	settings, err := onboardSettings(cmd, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Server: %s\n", e.onboardEnrol(ctx, settings, o.stateDir))

	rep, err := e.onboardRun(ctx, o.agentOptions)
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	writeChecklist(w, rep)
	fmt.Fprintf(w, "\nThe results are saved in %s; the tray shows them when it starts.\n", filepath.Join(o.stateDir, statedir.ResultsFile))
	fmt.Fprintln(w, "Run 'sessionguard check' at any time to see them again.")
	return nil
}

// onboardSettings reads the server and secret from the flags, the
// environment and the enrol file, in that order of precedence. No server
// is not an error: SessionGuard then works on its own.
func onboardSettings(cmd *cobra.Command, o onboardOptions) (enrolSettings, error) {
	file, err := readEnrolConfig(o.config)
	if errors.Is(err, fs.ErrPermission) && !cmd.Flags().Changed("config") {
		// The administrator's file, readable by root only: a user's own
		// onboarding runs the checks without it.
		file, err = map[string]string{}, nil
	}
	if err != nil {
		return enrolSettings{}, err
	}
	pick := func(flag, key string) (string, string) {
		switch {
		case flag != "":
			return flag, "the command line"
		case os.Getenv(key) != "":
			return os.Getenv(key), "the environment"
		case file[key] != "":
			return file[key], o.config
		}
		return "", ""
	}
	s := enrolSettings{}
	s.server, s.from = pick(o.server, ServerURLEnv)
	s.name, _ = pick(o.name, DeviceNameEnv)
	if s.server == "" {
		return s, nil
	}
	if o.secret != "" || o.secretFile != "" || os.Getenv(EnrollSecretEnv) != "" {
		s.secret, err = enrolSecret(cmd, o.secret, o.secretFile)
		return s, err
	}
	s.secret = strings.TrimSpace(file[EnrollSecretEnv])
	return s, nil
}

// readEnrolConfig reads KEY=VALUE lines (blank lines and # comments
// skipped, values optionally in quotes). A missing file is empty.
func readEnrolConfig(path string) (map[string]string, error) {
	out := map[string]string{}
	if path == "" {
		return out, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the enrol file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxEnrolConfig+1))
	if err != nil {
		return nil, fmt.Errorf("reading the enrol file: %w", err)
	}
	if len(data) > maxEnrolConfig {
		return nil, fmt.Errorf("the enrol file %s is larger than %d bytes; it should hold a few KEY=VALUE lines", path, maxEnrolConfig)
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(strings.TrimPrefix(k, "export "))
		if !ok || k == "" {
			// Never echo the line: it may hold the secret.
			return nil, fmt.Errorf("the enrol file %s, line %d, is not KEY=VALUE", path, n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out[k] = v
	}
	return out, nil
}

// onboardEnrol enrols when configured and not enrolled yet, and says in
// one line how things stand. A failure is reported, not returned: the
// install stands, and onboarding can be run again.
func (e *env) onboardEnrol(ctx context.Context, s enrolSettings, stateDir string) string {
	log := newPlainLogger(e.stderr)
	store, err := enrollStore(filepath.Join(stateDir, statedir.CredentialsFile), log)
	if err != nil {
		return "cannot read the enrolment: " + oneLine(err.Error())
	}
	if creds, err := store.Load(); err == nil {
		return "enrolled with " + creds.ServerURL + " (already; nothing to do)"
	} else if !errors.Is(err, credentials.ErrNotEnrolled) {
		return "cannot read the enrolment: " + oneLine(err.Error())
	}
	switch {
	case s.server == "":
		return "none configured. SessionGuard works on its own and nothing leaves this computer.\n" +
			"        To report to your organisation, put " + ServerURLEnv + " and " + EnrollSecretEnv + " in\n" +
			"        " + DefaultEnrolConfig() + " and run 'sessionguard onboard' again."
	case s.secret == "":
		return "NOT ENROLLED: " + s.server + " is set in " + s.from + " but there is no enrol secret.\n" +
			"        Add " + EnrollSecretEnv + " (from your administrator) and run 'sessionguard onboard' again."
	}
	name := strings.TrimSpace(s.name)
	if name == "" {
		if name, err = os.Hostname(); err != nil || strings.TrimSpace(name) == "" {
			return "NOT ENROLLED: cannot tell this computer's name; set " + DeviceNameEnv + " and run 'sessionguard onboard' again."
		}
	}
	info := report.Agent{Version: Version, Host: probe.HostOf(live.New())}
	creds, err := (&enroll.Client{HTTPClient: enrollHTTPClient}).Enroll(ctx, s.server, s.secret, name, info)
	if err == nil {
		err = store.Save(creds)
	}
	if err != nil {
		// enroll and credentials scrub the secret from their errors.
		return "NOT ENROLLED: " + oneLine(err.Error()) + "\n        Fix that and run 'sessionguard onboard' again; the checks below ran anyway."
	}
	return "enrolled as " + name + " with " + creds.ServerURL
}

// onboardRun runs every check once: through the running agent when there
// is one (it saves and reports the results), else in-process over the
// same state directory, which saves them for the agent's first start.
func (e *env) onboardRun(ctx context.Context, o agentOptions) (checks.Report, error) {
	client := localapi.NewClient(o.socket)
	defer client.Close()
	rep, err := client.Run(ctx)
	if err == nil {
		return rep, nil
	}
	if !errors.Is(err, localapi.ErrAgentNotRunning) {
		return checks.Report{}, err
	}
	cfg, log, policyErr, err := e.agentConfig(o)
	if err != nil {
		return checks.Report{}, err
	}
	defer log.Close()
	if policyErr != nil {
		fmt.Fprintf(e.stderr, "Note: your organisation's policy has not reached this computer yet (%s); this checklist follows the built-in policy until the agent fetches it.\n", policyErr)
	}
	cfg.Logger = newPlainLogger(e.stderr)
	a, err := agent.New(cfg)
	if err != nil {
		return checks.Report{}, err
	}
	return a.Run(ctx)
}

// writeChecklist prints what to fix, required items first, then what is
// worth fixing, what could not be read, and what is fine.
func writeChecklist(w io.Writer, rep checks.Report) {
	var must, should, unread, fine []checks.Result
	for _, r := range rep.Results {
		switch {
		case r.Required && !r.Status.Acceptable():
			must = append(must, r)
		case r.Status == checks.Unknown:
			unread = append(unread, r)
		case r.Status == checks.Warn || !r.Status.Acceptable():
			should = append(should, r)
		case r.Status == checks.Pass:
			fine = append(fine, r)
		}
	}
	item := func(r checks.Result) {
		fmt.Fprintf(w, "  [ ] %s: %s\n", r.Title, r.Summary)
		if r.Status == checks.Unknown && r.Reason != "" {
			fmt.Fprintf(w, "      Could not be checked: %s\n", r.Reason)
		}
		if r.Fix != "" {
			fmt.Fprintf(w, "      Fix: %s\n", r.Fix)
		}
	}
	if rep.Ready {
		fmt.Fprintln(w, "READY: this computer is ready for a session.")
	} else {
		fmt.Fprintln(w, "NOT READY: fix these before the first session:")
		for _, r := range must {
			item(r)
		}
	}
	if len(should) > 0 {
		fmt.Fprintln(w, "\nWorth fixing (not required by your organisation's policy):")
		for _, r := range should {
			item(r)
		}
	}
	if len(unread) > 0 {
		fmt.Fprintln(w, "\nCould not be checked (neither pass nor fail; look at these yourself):")
		for _, r := range unread {
			item(r)
		}
	}
	if len(fine) > 0 {
		titles := make([]string, len(fine))
		for i, r := range fine {
			titles[i] = r.Title
		}
		fmt.Fprintf(w, "\nAlready fine: %s.\n", strings.Join(titles, ", "))
	}
}
