// Package server composes the SessionGuard server into one http.Handler and
// runs it: the agent API under /api/ (package api), the dashboard (package
// web) with the exports (package export) mounted behind its login, and
// Prometheus metrics: on the main listener only behind a bearer token
// (Config.MetricsToken), otherwise on a listener of their own
// (Server.MetricsHandler, sessionguard-server serve --metrics-listen).
//
// Serve adds what a server facing a network needs: read, write and idle
// timeouts, a header size limit, TLS when a certificate is given (TLS 1.2
// at least, HSTS on every answer) and a graceful shutdown when its context
// ends (SIGTERM in sessionguard-server serve): no new connections, requests
// in flight answered, queued reports committed.
package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sessionguard/sessionguard/server/api"
	"github.com/sessionguard/sessionguard/server/export"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/web"
)

// Defaults of Config.
const (
	DefaultStaleAfter      = 24 * time.Hour
	DefaultShutdownTimeout = 20 * time.Second
	// fleetCacheFor is how long /metrics reuses the device counts.
	fleetCacheFor = 5 * time.Second
)

// Config configures a Server.
type Config struct {
	Store  store.Store
	Logger *slog.Logger
	// TLSCert and TLSKey are PEM files; both or neither.
	TLSCert, TLSKey string
	// SecureCookies marks the dashboard's cookies Secure; it is forced on
	// when the server terminates TLS. Set it when a TLS proxy sits in front.
	SecureCookies bool
	// StaleAfter is how long without a check run makes a device stale
	// (DefaultStaleAfter when 0).
	StaleAfter time.Duration
	// API tunes the agent API (its Logger and Registerer are filled in).
	API api.Options
	// ShutdownTimeout bounds the graceful shutdown (DefaultShutdownTimeout
	// when 0).
	ShutdownTimeout time.Duration
	// MetricsToken, when set, serves /metrics on the main listener to
	// requests carrying "Authorization: Bearer <token>". Without it
	// /metrics there is 404: the device counts, versions and request rates
	// it shows are for a monitoring network (MetricsHandler), not anyone
	// who can reach the dashboard.
	MetricsToken string
	// TrustedProxies are passed to the dashboard (web.Options).
	TrustedProxies []netip.Prefix
}

// Server is the composed server.
type Server struct {
	cfg     Config
	api     *api.API
	handler http.Handler
	metrics http.Handler
	closed  sync.Once
}

// New builds the handler: API, metrics, dashboard.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: no store")
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("give both --tls-cert and --tls-key, or neither")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	tlsOn := cfg.TLSCert != ""
	if tlsOn {
		cfg.SecureCookies = true
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	apiOpts := cfg.API
	apiOpts.Logger = cfg.Logger.With("part", "api")
	apiOpts.Registerer = reg
	a, err := api.New(cfg.Store, apiOpts)
	if err != nil {
		return nil, err
	}
	if err := reg.Register(newFleetCollector(cfg.Store, cfg.StaleAfter, cfg.Logger)); err != nil {
		a.Close()
		return nil, fmt.Errorf("registering fleet metrics: %w", err)
	}
	// The dashboard and exports see the store through the API, so a device
	// revoked on the dashboard is refused by the API at once.
	st := a.Store()
	dash, err := web.New(st, web.Options{
		Logger:         cfg.Logger.With("part", "web"),
		SecureCookies:  cfg.SecureCookies,
		Exports:        export.NewHandler(st, export.Options{Logger: cfg.Logger.With("part", "export"), Actor: web.Actor, StaleAfter: cfg.StaleAfter}),
		StaleAfter:     cfg.StaleAfter,
		TrustedProxies: cfg.TrustedProxies,
	})
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("building the dashboard: %w", err)
	}
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)})

	mux := http.NewServeMux()
	mux.Handle("/api/", a)
	if cfg.MetricsToken != "" {
		mux.Handle("/metrics", bearerOnly(cfg.MetricsToken, metrics))
	} else {
		mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "metrics are served on the --metrics-listen address, or here with --metrics-token", http.StatusNotFound)
		})
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { probeAnswer(w, nil) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
		defer cancel()
		probeAnswer(w, st.Ping(ctx))
	})
	mux.Handle("/", dash)
	var h http.Handler = mux
	if tlsOn {
		h = hsts(h)
	}
	return &Server{cfg: cfg, api: a, handler: h, metrics: metrics}, nil
}

// MetricsHandler serves the Prometheus metrics alone, for a listener of
// their own (sessionguard-server serve --metrics-listen).
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics)
	return mux
}

// bearerOnly lets through requests carrying the token, compared in
// constant time.
func bearerOnly(token string, h http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(got))
		if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sessionguard-metrics"`)
			http.Error(w, "a metrics token is required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// ReadyTimeout bounds the database round trip of GET /readyz.
const ReadyTimeout = 2 * time.Second

// probeAnswer answers a load balancer's probe: /healthz (the process
// serves) always 200, /readyz 200 when the database answers, else 503. The
// body is one word; the error goes to no one (a probe is unauthenticated).
func probeAnswer(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "unavailable\n")
		return
	}
	_, _ = io.WriteString(w, "ok\n")
}

// Handler is the composed handler (tests use it with httptest).
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the API's writers after committing what they hold; Serve
// does it itself on shutdown.
func (s *Server) Close() { s.closed.Do(s.api.Close) }

// hsts tells browsers to use https only, for a year.
func hsts(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		h.ServeHTTP(w, r)
	})
}

// Serve serves on ln until ctx ends, then shuts down gracefully: it stops
// accepting, lets requests in flight finish (at most ShutdownTimeout),
// commits queued reports and returns nil. Any other failure is returned.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute, // exports stream for a while
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("loading the TLS certificate and key: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
		err = srv.Shutdown(sctx)
		cancel()
		if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
			err = serveErr
		}
	}
	s.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

// URL returns the base URL for a listener's address (for messages and
// tests): https when TLS is configured.
func (s *Server) URL(addr net.Addr) string {
	scheme := "http"
	if s.cfg.TLSCert != "" {
		scheme = "https"
	}
	host := addr.String()
	if strings.HasPrefix(host, "[::]:") || strings.HasPrefix(host, "0.0.0.0:") {
		_, port, _ := net.SplitHostPort(host)
		host = net.JoinHostPort("localhost", port)
	}
	return scheme + "://" + host
}

// fleetCollector exports devices by state from store.FleetCounts, cached
// for a few seconds so a scrape costs one query at most.
type fleetCollector struct {
	st         store.Store
	staleAfter time.Duration
	log        *slog.Logger
	desc       *prometheus.Desc

	mu     sync.Mutex
	at     time.Time
	counts store.FleetCounts
	err    error
}

func newFleetCollector(st store.Store, staleAfter time.Duration, log *slog.Logger) *fleetCollector {
	return &fleetCollector{st: st, staleAfter: staleAfter, log: log, desc: prometheus.NewDesc(
		"sessionguard_devices", "Enrolled (not revoked) devices by state: ready, not_ready, stale (no report within the stale period), never_reported.",
		[]string{"state"}, nil)}
}

func (c *fleetCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *fleetCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if time.Since(c.at) > fleetCacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		now := time.Now()
		c.counts, c.err = c.st.FleetCounts(ctx, "", now.Add(-c.staleAfter))
		cancel()
		c.at = now
		if c.err != nil {
			c.log.Warn("counting_devices_for_metrics_failed", "err", c.err)
		}
	}
	counts, err := c.counts, c.err
	c.mu.Unlock()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for state, n := range map[string]int{"ready": counts.Ready, "not_ready": counts.NotReady, "stale": counts.Stale, "never_reported": counts.NeverReported} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), state)
	}
}

// ServeMetrics serves MetricsHandler on ln (plain http, for a monitoring
// network or loopback) until ctx ends.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	return serveAside(ctx, ln, s.MetricsHandler(), 30*time.Second, s.cfg.Logger, "metrics")
}

// serveAside serves h on a listener of its own (plain http: metrics,
// profiles) until ctx ends.
func serveAside(ctx context.Context, ln net.Listener, h http.Handler, writeTimeout time.Duration, log *slog.Logger, what string) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      writeTimeout,
		MaxHeaderBytes:    8 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving %s: %w", what, err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-errc
		return nil
	}
}

// Loopback reports whether a listen address (host:port) binds loopback
// only: 127.0.0.0/8, ::1 or "localhost". An empty host (":8443") binds
// every interface.
func Loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
