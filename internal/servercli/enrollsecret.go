package servercli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/checks"
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
	var team string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an enrol secret for a team and print it once",
		Long: `Create an enrol secret for --team (created, with the default policy,
when it does not exist yet) and print it. It is shown only this once.`,
		Example: `  sessionguard-server enroll-secret create
  sessionguard-server enroll-secret create --team counselling`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd.Context(), func(ctx context.Context, st store.Store) error {
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
				secret, id, err := st.CreateEnrollSecret(ctx, t.ID)
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
				fmt.Fprintln(tw, "ID\tTEAM\tCREATED\tSTATE")
				for _, s := range secrets {
					state := "active"
					if s.Revoked() {
						state = "revoked " + s.RevokedAt.Format("2006-01-02 15:04")
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.ID, names[s.TeamID], s.CreatedAt.Format("2006-01-02 15:04"), state)
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

// withStore opens and migrates the database, runs fn and closes it.
func (e *env) withStore(ctx context.Context, fn func(context.Context, store.Store) error) error {
	st, err := e.openStore(ctx)
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
		if t.Name == name {
			return t, false, nil
		}
	}
	pol, err := json.Marshal(checks.Default())
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
