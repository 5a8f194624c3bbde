package servercli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/server"
	"github.com/sessionguard/sessionguard/server/fleet"
	"github.com/sessionguard/sessionguard/server/privacy"
	"github.com/sessionguard/sessionguard/server/web"
)

// DefaultListen is where serve listens unless told otherwise: loopback, so
// a first start exposes nothing.
const DefaultListen = "127.0.0.1:8443"

func (e *env) serveCommand() *cobra.Command {
	var (
		o              serveOptions
		trustedProxies string
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
cookies are marked Secure. Plain http is meant for loopback only: on any
other address serve refuses it unless --insecure-http is given (then it
warns at start).

/metrics is not on the main address unless --metrics-token-file names a
file holding a token that scrapers send as "Authorization: Bearer TOKEN";
--metrics-listen serves it on an address of its own (a monitoring network
or loopback). Behind a reverse proxy, list it in --trusted-proxies so the
dashboard's sign-in limits count the client's address from
X-Forwarded-For instead of the proxy's.

--pprof-listen serves Go's runtime profiles (/debug/pprof/: CPU, heap,
goroutines, trace) on a loopback address of its own, for profiling the
server under load; it is off by default and never on the main address.`,
		Example: `  sessionguard-server serve
  sessionguard-server serve --listen :8443 --tls-cert /etc/sessionguard-server/cert.pem --tls-key /etc/sessionguard-server/key.pem
  SESSIONGUARD_SERVER_DB=postgres://sg:…@db/sessionguard sessionguard-server serve --listen 127.0.0.1:8080 --public-url https://sg.example.org --trusted-proxies 127.0.0.1 --metrics-listen 10.0.9.5:9464`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.retentionDays < 1 {
				return errors.New("--retention-days must be at least 1")
			}
			if o.publicURL != "" && !strings.HasPrefix(o.publicURL, "https://") && !strings.HasPrefix(o.publicURL, "http://") {
				return fmt.Errorf("--public-url %q must start with https:// (or http:// for a loopback test)", o.publicURL)
			}
			for flag, addr := range map[string]string{"--listen": o.listen, "--metrics-listen": o.metricsListen, "--pprof-listen": o.pprofListen} {
				if addr == "" && flag != "--listen" {
					continue
				}
				if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
					return fmt.Errorf("%s %q is not host:port, such as 127.0.0.1:8443 (or :8443 for every address)", flag, addr)
				}
			}
			if (o.tlsCert == "") != (o.tlsKey == "") {
				return errors.New("--tls-cert and --tls-key go together: the certificate (PEM) and its private key (PEM)")
			}
			if o.tlsCert != "" {
				// Read now, so a wrong file stops the start with why, before
				// anything says the server is serving.
				if _, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey); err != nil {
					return fmt.Errorf("--tls-cert %s and --tls-key %s: %w (give a PEM certificate, with its chain, and the PEM private key that goes with it)", o.tlsCert, o.tlsKey, err)
				}
			}
			if o.tlsCert == "" && !server.Loopback(o.listen) && !o.insecureHTTP {
				return fmt.Errorf("--listen %s is not a loopback address and no --tls-cert is given: admins' passwords, "+
					"device tokens and reports would cross the network in plain text. Give --tls-cert and --tls-key, or listen on "+
					"127.0.0.1 behind a TLS proxy, or (on a network you trust) add --insecure-http", o.listen)
			}
			if o.pprofListen != "" && !server.Loopback(o.pprofListen) {
				return fmt.Errorf("--pprof-listen %s is not a loopback address: profiles show the server's memory; "+
					"give 127.0.0.1:PORT (or [::1]:PORT) and reach it over SSH if need be", o.pprofListen)
			}
			var err error
			if o.trustedProxies, err = web.ParseTrustedProxies(trustedProxies); err != nil {
				return fmt.Errorf("--trusted-proxies: %w", err)
			}
			if o.metricsTokenFile != "" {
				b, err := os.ReadFile(o.metricsTokenFile)
				if err != nil {
					return fmt.Errorf("--metrics-token-file: %w", err)
				}
				if o.metricsToken = strings.TrimSpace(string(b)); len(o.metricsToken) < 16 {
					return errors.New("--metrics-token-file: the token must be at least 16 characters")
				}
			}
			return e.serve(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", DefaultListen, "address to listen on, host:port (\":8443\" for every interface)")
	f.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS (with --tls-key)")
	f.StringVar(&o.tlsKey, "tls-key", "", "PEM private key file for --tls-cert")
	f.StringVar(&o.publicURL, "public-url", "", "the URL agents and admins use, when a proxy terminates TLS (https:// marks cookies Secure)")
	f.IntVar(&o.retentionDays, "retention-days", 90, "delete reports, results and session records older than this many days (by the server's receive time)")
	f.DurationVar(&o.staleAfter, "stale-after", server.DefaultStaleAfter, "a device without a check run for this long counts as stale")
	f.BoolVar(&o.insecureHTTP, "insecure-http", false, "allow plain http on an address that is not loopback (warns at start)")
	f.StringVar(&o.metricsListen, "metrics-listen", "", "serve /metrics on this address of its own, host:port (plain http: a monitoring network or loopback)")
	f.StringVar(&o.metricsTokenFile, "metrics-token-file", "", "file holding a token (16+ characters): /metrics on the main address for requests with Authorization: Bearer TOKEN")
	f.StringVar(&o.pprofListen, "pprof-listen", "", "serve Go's runtime profiles (/debug/pprof/) on this loopback address, host:port (off when empty)")
	f.StringVar(&trustedProxies, "trusted-proxies", "", "reverse proxies (addresses or CIDR prefixes, comma-separated) whose X-Forwarded-For names the client for the sign-in limits")
	return cmd
}

type serveOptions struct {
	listen, tlsCert, tlsKey, publicURL string
	retentionDays                      int
	staleAfter                         time.Duration
	insecureHTTP                       bool
	metricsListen, metricsTokenFile    string
	metricsToken                       string
	pprofListen                        string
	trustedProxies                     []netip.Prefix
}

func (e *env) serve(ctx context.Context, o serveOptions) error {
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	st, err := e.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := server.New(server.Config{Store: st, Logger: log, TLSCert: o.tlsCert, TLSKey: o.tlsKey,
		SecureCookies: o.tlsCert != "" || strings.HasPrefix(o.publicURL, "https://"), StaleAfter: o.staleAfter,
		MetricsToken: o.metricsToken, TrustedProxies: o.trustedProxies})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		srv.Close()
		return fmt.Errorf("listening on %s: %w (is another server running? choose another --listen)", o.listen, err)
	}
	var metricsLn net.Listener
	if o.metricsListen != "" {
		if metricsLn, err = net.Listen("tcp", o.metricsListen); err != nil {
			ln.Close()
			srv.Close()
			return fmt.Errorf("listening on --metrics-listen %s: %w", o.metricsListen, err)
		}
		log.Info("serving_metrics", "metrics_at", "http://"+metricsLn.Addr().String()+"/metrics")
	}
	var pprofLn net.Listener
	if o.pprofListen != "" {
		if pprofLn, err = net.Listen("tcp", o.pprofListen); err != nil {
			ln.Close()
			if metricsLn != nil {
				metricsLn.Close()
			}
			srv.Close()
			return fmt.Errorf("listening on --pprof-listen %s: %w", o.pprofListen, err)
		}
		log.Info("serving_profiles", "pprof_at", "http://"+pprofLn.Addr().String()+"/debug/pprof/")
	}
	if o.tlsCert == "" && !server.Loopback(o.listen) {
		log.Warn("plain_http_on_the_network", "addr", ln.Addr().String(),
			"why", "--insecure-http: passwords, device tokens and reports cross the network unencrypted; use --tls-cert or a TLS proxy")
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
		return fleet.RunSnapshots(ctx, st, o.staleAfter, time.Now)
	})
	if metricsLn != nil {
		runJob("metrics", func(ctx context.Context) error { return srv.ServeMetrics(ctx, metricsLn) })
	}
	if pprofLn != nil {
		runJob("pprof", func(ctx context.Context) error { return server.ServeProfiling(ctx, pprofLn, log) })
	}
	err = srv.Serve(ctx, ln)
	stopJobs()
	jobs.Wait()
	if err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}
