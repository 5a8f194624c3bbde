package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// ProfilingHandler serves Go's runtime profiles (net/http/pprof) under
// /debug/pprof/: CPU, heap, allocations, goroutines, mutex and block
// profiles and the execution trace. It is never part of Handler:
// sessionguard-server serve mounts it on a loopback listener of its own,
// and only when --pprof-listen is given, since a profile shows the
// server's memory and code paths.
func ProfilingHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return mux
}

// ServeProfiling serves ProfilingHandler on ln until ctx ends; ln should
// be on loopback (serve --pprof-listen refuses any other address).
func ServeProfiling(ctx context.Context, ln net.Listener, log *slog.Logger) error {
	// A CPU profile or trace runs for its ?seconds= (30 by default).
	return serveAside(ctx, ln, ProfilingHandler(), 10*time.Minute, log, "profiles")
}
