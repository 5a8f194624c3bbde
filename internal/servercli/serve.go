package servercli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/server"
	"github.com/sessionguard/sessionguard/server/privacy"
	"github.com/sessionguard/sessionguard/server/web"
)

// DefaultListen is where serve listens unless told otherwise: loopback, so
// a first start exposes nothing.
const DefaultListen = "127.0.0.1:8443"

func (e *env) serveCommand() *cobra.Command {
	var (
		listen, tlsCert, tlsKey, publicURL string
		retentionDays                      int
		staleAfter                         time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the agent API, the dashboard and /metrics",
		Long: `Serve the agent API (/api/v1/…), the fleet dashboard and Prometheus
metrics (/metrics) until SIGTERM or Ctrl-C, then shut down gracefully:
requests in flight are answered and every report already received is
committed before the process exits.

The schema is migrated at start. Records older than --retention-days are
deleted by a background job. Give --tls-cert and --tls-key to serve HTTPS
directly; behind a TLS proxy, set --public-url https://… so the dashboard's
cookies are marked Secure. Plain http is meant for loopback only.`,
		Example: `  sessionguard-server serve
  sessionguard-server serve --listen :8443 --tls-cert /etc/sessionguard-server/cert.pem --tls-key /etc/sessionguard-server/key.pem
  SESSIONGUARD_SERVER_DB=postgres://sg:…@db/sessionguard sessionguard-server serve --listen 10.0.0.5:8080 --public-url https://sg.example.org`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if retentionDays < 1 {
				return errors.New("--retention-days must be at least 1")
			}
			if publicURL != "" && !strings.HasPrefix(publicURL, "https://") && !strings.HasPrefix(publicURL, "http://") {
				return fmt.Errorf("--public-url %q must start with https:// (or http:// for a loopback test)", publicURL)
			}
			return e.serve(cmd.Context(), serveOptions{listen: listen, tlsCert: tlsCert, tlsKey: tlsKey,
				publicURL: publicURL, retentionDays: retentionDays, staleAfter: staleAfter})
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", DefaultListen, "address to listen on, host:port (\":8443\" for every interface)")
	f.StringVar(&tlsCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS (with --tls-key)")
	f.StringVar(&tlsKey, "tls-key", "", "PEM private key file for --tls-cert")
	f.StringVar(&publicURL, "public-url", "", "the URL agents and admins use, when a proxy terminates TLS (https:// marks cookies Secure)")
	f.IntVar(&retentionDays, "retention-days", 90, "delete reports, results and session records older than this many days")
	f.DurationVar(&staleAfter, "stale-after", server.DefaultStaleAfter, "a device without a report for this long counts as stale")
	return cmd
}

type serveOptions struct {
	listen, tlsCert, tlsKey, publicURL string
	retentionDays                      int
	staleAfter                         time.Duration
}

func (e *env) serve(ctx context.Context, o serveOptions) error {
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := server.New(server.Config{Store: st, Logger: log, TLSCert: o.tlsCert, TLSKey: o.tlsKey,
		SecureCookies: o.tlsCert != "" || strings.HasPrefix(o.publicURL, "https://"), StaleAfter: o.staleAfter})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		srv.Close()
		return fmt.Errorf("listening on %s: %w (is another server running? choose another --listen)", o.listen, err)
	}
	url := srv.URL(ln.Addr())
	if o.publicURL != "" {
		url = o.publicURL
	}
	log.Info("serving", "url", url, "addr", ln.Addr().String(), "tls", o.tlsCert != "", "version", Version)

	// Background jobs: retention, and the hourly fleet snapshot behind the
	// overview's trend chart.
	jobCtx, stopJobs := context.WithCancel(ctx)
	var jobs sync.WaitGroup
	runJob := func(name string, job func(context.Context) error) {
		jobs.Go(func() {
			if err := job(jobCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error(name+"_job_stopped", "err", err)
			}
		})
	}
	runJob("retention", func(ctx context.Context) error {
		return privacy.RunRetention(ctx, st, privacy.RetentionOptions{Days: o.retentionDays, Logger: log.With("part", "retention")})
	})
	runJob("snapshot", func(ctx context.Context) error {
		return web.RunSnapshots(ctx, st, o.staleAfter, time.Now)
	})
	err = srv.Serve(ctx, ln)
	stopJobs()
	jobs.Wait()
	if err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}
