package servercli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/web"
)

// DefaultTeam is the team enrol secrets go to unless --team names another.
const DefaultTeam = "default"

func (e *env) enrollSecretCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "enroll-secret",
		Short: "Create, list and revoke enrol secrets",
		Long: `An enrol secret lets agents join a team: an installer runs
"sessionguard enroll --server URL --secret S" on each computer. The secret is
printed once, when created; the server keeps only its hash. Revoke a secret
when it has leaked or the roll-out is over: enrolled devices keep working.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var (
		team, expires string
		uses          int
	)
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an enrol secret for a team and print it once",
		Long: `Create an enrol secret for --team (created, with the default policy,
when it does not exist yet) and print it. It is shown only this once.

--uses N lets it enrol N devices at most; --expires ends it after a time
(7d, 36h, 90m). A secret without either enrols until it is revoked: give
a roll-out's secret both, so a leaked one cannot enrol devices for ever.`,
		Example: `  sessionguard-server enroll-secret create
  sessionguard-server enroll-secret create --team counselling --uses 25 --expires 7d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if uses < 0 {
				return errors.New("--uses must be 0 (no limit) or more")
			}
			limits := store.SecretLimits{MaxUses: uses}
			if expires != "" {
				d, err := parseDays(expires)
				if err != nil || d <= 0 {
					return fmt.Errorf("--expires %q: give a time such as 7d, 36h or 90m", expires)
				}
				limits.ExpiresAt = time.Now().Add(d)
			}
			return e.withNewStore(cmd.Context(), func(ctx context.Context, st store.Store) error {
				t, created, err := ensureTeam(ctx, st, team)
				if err != nil {
					return err
				}
				if created {
					if err := cliAuditDetail(ctx, st, "team.create", t.ID, "team "+t.Name+" (with the default policy)"); err != nil {
						return err
					}
					fmt.Fprintf(e.stderr, "Created team %q with the default policy.\n", t.Name)
				}
				secret, id, err := st.CreateLimitedEnrollSecret(ctx, t.ID, limits)
				if err != nil {
					return err
				}
				if err := cliAuditDetail(ctx, st, "enroll_secret.create", id, "for team "+t.Name); err != nil {
					// Not audited, not kept: the secret is never printed.
					_ = st.RevokeEnrollSecret(ctx, id)
					return fmt.Errorf("%w; the secret was revoked again and not shown", err)
				}
				fmt.Fprintf(e.stderr, "Enrol secret %s for team %q (shown once; enrol a computer with\n  sessionguard enroll --server URL --secret-file FILE):\n", id, t.Name)
				fmt.Fprintln(e.stdout, secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&team, "team", DefaultTeam, "team the enrolled devices join")
	create.Flags().IntVar(&uses, "uses", 0, "enrol at most this many devices (0: no limit)")
	create.Flags().StringVar(&expires, "expires", "", "stop enrolling after this long: 7d, 36h, 90m (default: never)")

	list := &cobra.Command{
		Use:   "list",
		Short: "List enrol secrets (IDs and state, never the secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd.Context(), func(ctx context.Context, st store.Store) error {
				teams, err := st.Teams(ctx)
				if err != nil {
					return err
				}
				names := map[string]string{}
				for _, t := range teams {
					names[t.ID] = t.Name
				}
				secrets, err := st.EnrollSecrets(ctx, "")
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tTEAM\tCREATED\tUSES\tEXPIRES\tSTATE")
				now := time.Now()
				for _, s := range secrets {
					state := "active"
					if ok, why := s.Usable(now); !ok {
						state = why
					}
					if s.Revoked() {
						state = "revoked " + s.RevokedAt.Format("2006-01-02 15:04")
					}
					used := fmt.Sprint(s.Uses)
					if s.MaxUses > 0 {
						used += fmt.Sprintf(" of %d", s.MaxUses)
					}
					exp := "never"
					if s.ExpiresAt != nil {
						exp = s.ExpiresAt.Local().Format("2006-01-02 15:04")
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, names[s.TeamID], s.CreatedAt.Format("2006-01-02 15:04"), used, exp, state)
				}
				return tw.Flush()
			})
		},
	}
	revoke := &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke an enrol secret so it enrols no more devices",
		Example: `  sessionguard-server enroll-secret revoke 3f2a…   (IDs from enroll-secret list)`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd.Context(), func(ctx context.Context, st store.Store) error {
				secrets, err := st.EnrollSecrets(ctx, "")
				if err != nil {
					return err
				}
				i := slices.IndexFunc(secrets, func(s store.EnrollSecret) bool { return s.ID == args[0] })
				if i < 0 {
					return fmt.Errorf("no enrol secret %s (see enroll-secret list)", args[0])
				}
				team, err := st.Team(ctx, secrets[i].TeamID)
				if err != nil {
					return err
				}
				if err := st.RevokeEnrollSecret(ctx, args[0]); err != nil {
					if errors.Is(err, store.ErrNotFound) {
						return fmt.Errorf("no enrol secret %s (see enroll-secret list)", args[0])
					}
					return err
				}
				if err := cliAuditDetail(ctx, st, "enroll_secret.revoke", args[0], web.SecretDetail(team.Name, secrets[i])); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Revoked enrol secret %s; devices enrolled with it keep working.\n", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

// parseDays reads a duration that may be given in days ("7d") as well as
// in Go's units ("36h", "90m").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days > 3650 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// withStore opens and migrates the database, runs fn and closes it.
// withStore runs fn on the database, which must be there already (see
// openStore); withNewStore may create it.
func (e *env) withStore(ctx context.Context, fn func(context.Context, store.Store) error) error {
	return e.withStoreAt(ctx, false, fn)
}

func (e *env) withNewStore(ctx context.Context, fn func(context.Context, store.Store) error) error {
	return e.withStoreAt(ctx, true, fn)
}

func (e *env) withStoreAt(ctx context.Context, create bool, fn func(context.Context, store.Store) error) error {
	st, err := e.openStore(ctx, create)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(ctx, st)
}

// ensureTeam returns the team called name, creating it with the default
// policy when missing.
func ensureTeam(ctx context.Context, st store.Store, name string) (store.Team, bool, error) {
	teams, err := st.Teams(ctx)
	if err != nil {
		return store.Team{}, false, err
	}
	for _, t := range teams {
		if store.SameTeamName(t.Name, name) {
			return t, false, nil
		}
	}
	pol, err := json.Marshal(all.DefaultPolicy())
	if err != nil {
		return store.Team{}, false, err
	}
	t, err := st.CreateTeam(ctx, name, pol)
	if errors.Is(err, store.ErrConflict) {
		// Created meanwhile by another command: use it.
		return ensureTeam(ctx, st, name)
	}
	return t, err == nil, err
}
