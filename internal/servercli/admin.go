package servercli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/web/password"
)

// adminNameMax bounds an admin's login name.
const adminNameMax = 100

func (e *env) adminCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Manage dashboard admin accounts",
		Long: `Create, list and disable the accounts that sign in to the dashboard, and
reset their passwords. Passwords are stored as argon2id hashes only.
Every change is written to the audit log with the actor "cli".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(e.adminCreateCommand(), e.adminListCommand(), e.adminDisableCommand(), e.adminEnableCommand(), e.adminSetPasswordCommand())
	return cmd
}

func (e *env) adminCreateCommand() *cobra.Command {
	var name, passwordFile string
	cmd := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create an admin account",
		Long: `Create a dashboard admin account. The password comes from --password-file
(its first line), or is asked for twice when standard input is a terminal;
with neither, a strong password is generated and printed once on standard
output — store it in a password manager.`,
		Example: `  sessionguard-server admin create --name alice
  sessionguard-server admin create --name bob --password-file /run/secrets/bob`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validAdminName(name); err != nil {
				return err
			}
			return e.changePassword(cmd.Context(), passwordFile, name, "admin.create",
				func(ctx context.Context, st store.Store, hash string) error {
					_, err := st.CreateAdmin(ctx, name, hash)
					if errors.Is(err, store.ErrConflict) {
						return fmt.Errorf("an admin named %q exists already; use admin set-password to change its password", name)
					}
					return err
				},
				"Created admin %q. The password above is shown once: store it now.", "Created admin %q.")
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the admin's login name (required)")
	cmd.Flags().StringVar(&passwordFile, "password-file", "", "read the password from the first line of this file")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func (e *env) adminListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List admin accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd.Context(), func(ctx context.Context, st store.Store) error {
				admins, err := st.Admins(ctx)
				if err != nil {
					return err
				}
				if len(admins) == 0 {
					fmt.Fprintln(e.stderr, "No admin accounts yet: sessionguard-server admin create --name NAME")
					return nil
				}
				w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "NAME\tSTATE\tCREATED\tLAST LOGIN")
				for _, a := range admins {
					state := "active"
					if a.Disabled() {
						state = "disabled " + a.DisabledAt.Format(time.DateOnly)
					}
					last := "never"
					if a.LastLoginAt != nil {
						last = a.LastLoginAt.Format(time.DateTime) + " UTC"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", a.Name, state, a.CreatedAt.Format(time.DateOnly), last)
				}
				return w.Flush()
			})
		},
	}
}

func (e *env) adminDisableCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "disable NAME",
		Short: "Stop an admin signing in and end their sessions",
		Long: `Disable an admin account: it can no longer sign in, and its open dashboard
sessions end at once. The account and its audit trail are kept.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.changeAdmin(cmd.Context(), args[0], "admin.disable", store.Store.DisableAdmin, "Disabled admin %q; their sessions have ended.\n")
		},
	}
}

func (e *env) adminEnableCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "enable NAME",
		Short: "Let a disabled admin sign in again",
		Long: `Enable an admin account that was disabled: it signs in again with its
password as it was. To give it a new password too, run admin set-password.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.changeAdmin(cmd.Context(), args[0], "admin.enable", store.Store.EnableAdmin, "Enabled admin %q: they can sign in again.\n")
		},
	}
}

// changeAdmin applies change to the admin account name, records action
// in the audit log and says done (a format taking the name).
func (e *env) changeAdmin(ctx context.Context, name, action string, change func(store.Store, context.Context, string) error, done string) error {
	return e.withStore(ctx, func(ctx context.Context, st store.Store) error {
		if err := change(st, ctx, name); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("there is no admin named %q (see admin list)", name)
		} else if err != nil {
			return err
		}
		if err := cliAudit(ctx, st, action, name); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, done, name)
		return nil
	})
}

func (e *env) adminSetPasswordCommand() *cobra.Command {
	var passwordFile string
	cmd := &cobra.Command{
		Use:   "set-password NAME",
		Short: "Replace an admin's password and end their sessions",
		Long: `Set a new password for an admin (from --password-file, a prompt on a
terminal, or generated and printed once). Their open dashboard sessions end.
Also the way to unlock an account paused by failed sign-ins.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			return e.changePassword(cmd.Context(), passwordFile, name, "admin.set_password",
				func(ctx context.Context, st store.Store, hash string) error {
					err := st.SetAdminPassword(ctx, name, hash)
					if errors.Is(err, store.ErrNotFound) {
						return fmt.Errorf("there is no admin named %q (see admin list)", name)
					}
					return err
				},
				"New password for %q above, shown once; their sessions have ended.", "Password of %q changed; their sessions have ended.")
		},
	}
	cmd.Flags().StringVar(&passwordFile, "password-file", "", "read the password from the first line of this file")
	return cmd
}

// changePassword gets a password (--password-file, a prompt, or generated),
// hashes it, stores it with apply, audits action, and prints a generated
// password once on stdout; the messages take the admin's name.
func (e *env) changePassword(ctx context.Context, passwordFile, name, action string,
	apply func(context.Context, store.Store, string) error, generatedMsg, givenMsg string) error {
	pw, generated, err := e.newPassword(passwordFile)
	if err != nil {
		return err
	}
	hash, err := password.Hash(pw, password.Default)
	if err != nil {
		return err
	}
	// The first admin is made on a new database (admin create).
	return e.withStoreAt(ctx, action == "admin.create", func(ctx context.Context, st store.Store) error {
		if err := apply(ctx, st, hash); err != nil {
			return err
		}
		if err := cliAudit(ctx, st, action, name); err != nil {
			return err
		}
		if generated {
			fmt.Fprintln(e.stdout, pw)
			fmt.Fprintf(e.stderr, generatedMsg+"\n", name)
		} else {
			fmt.Fprintf(e.stderr, givenMsg+"\n", name)
		}
		return nil
	})
}

func cliAudit(ctx context.Context, st store.Store, action, target string) error {
	return cliAuditDetail(ctx, st, action, target, "")
}

// cliAuditDetail records a command-line action with a detail naming what
// it was about.
func cliAuditDetail(ctx context.Context, st store.Store, action, target, detail string) error {
	if err := st.AppendAudit(ctx, store.AuditEntry{At: time.Now().UTC(), Actor: "cli", Action: action, Target: target, Detail: detail}); err != nil {
		return fmt.Errorf("the change is made but could not be written to the audit log: %w", err)
	}
	return nil
}

func validAdminName(name string) error {
	if name == "" || len(name) > adminNameMax || strings.TrimSpace(name) != name || strings.ContainsAny(name, "\t\r\n") {
		return fmt.Errorf("--name must be 1 to %d characters without surrounding spaces", adminNameMax)
	}
	return nil
}

// stdinTerminal reports whether a password can be prompted for.
var stdinTerminal = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }

// newPassword reads the password from a file, prompts for it on a
// terminal, or generates one (generated is then true).
func (e *env) newPassword(file string) (pw string, generated bool, err error) {
	switch {
	case file != "":
		pw, err = readPasswordFile(file)
	case stdinTerminal():
		pw, err = e.promptPassword()
	default:
		return password.Generate(), true, nil
	}
	if err != nil {
		return "", false, err
	}
	if len(pw) < password.MinLength || len(pw) > password.MaxLength {
		return "", false, fmt.Errorf("the password must be %d to %d characters long (or give none and one is generated)", password.MinLength, password.MaxLength)
	}
	return pw, false, nil
}

func readPasswordFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, password.MaxLength+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (e *env) promptPassword() (string, error) {
	fd := int(os.Stdin.Fd())
	fmt.Fprint(e.stderr, "New password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	fmt.Fprint(e.stderr, "Again: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	if string(first) != string(second) {
		return "", errors.New("the two passwords differ; nothing was changed")
	}
	return string(first), nil
}
