package checktest

import (
	"context"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
	"github.com/sessionguard/sessionguard/checks/probe/live"
)

// Collector is a check's Collect function; F is its Facts type.
type Collector[F any] func(ctx context.Context, p probe.Probe) (F, error)

// Evaluator is a check's Evaluate function.
type Evaluator[F any] func(f F, pol checks.Policy) checks.Result

// AnyStatus, as BenchReplay's want, accepts every status but an empty one.
const AnyStatus checks.Status = ""

// BenchReplay benchmarks collect and evaluate, with the default policy,
// against the evidence bundle in dir, which is opened once. A collector
// error fails the benchmark, and so does a result whose status is not want
// (with AnyStatus: a result with no status).
func BenchReplay[F any](b *testing.B, dir string, collect Collector[F], evaluate Evaluator[F], want checks.Status) {
	b.Helper()
	rp, err := evidence.OpenReplay(dir)
	if err != nil {
		b.Fatal(err)
	}
	pol := checks.Catalogue{}.Default()
	ctx := b.Context()
	for b.Loop() {
		f, err := collect(ctx, rp)
		if err != nil {
			b.Fatal(err)
		}
		r := evaluate(f, pol)
		switch {
		case want == AnyStatus && r.Status == "":
			b.Fatal("empty status")
		case want != AnyStatus && r.Status != want:
			b.Fatalf("status %s, want %s", r.Status, want)
		}
	}
}

// BenchEvaluateReplay benchmarks evaluate alone, with the default policy,
// on the facts collected once from the evidence bundle in dir; every result
// must have status want.
func BenchEvaluateReplay[F any](b *testing.B, dir string, collect Collector[F], evaluate Evaluator[F], want checks.Status) {
	b.Helper()
	rp, err := evidence.OpenReplay(dir)
	if err != nil {
		b.Fatal(err)
	}
	f, err := collect(b.Context(), rp)
	if err != nil {
		b.Fatal(err)
	}
	pol := checks.Catalogue{}.Default()
	for b.Loop() {
		if r := evaluate(f, pol); r.Status != want {
			b.Fatalf("status %s", r.Status)
		}
	}
}

// BenchLiveLinux benchmarks c run against this machine with the live probe
// and the default policy; it is skipped anywhere but on Linux.
func BenchLiveLinux(b *testing.B, c checks.Check) {
	b.Helper()
	p := live.New()
	if p.GOOS() != "linux" {
		b.Skip("live benchmark on Linux only")
	}
	pol := checks.Catalogue{c}.Default()
	for b.Loop() {
		_ = c.Run(b.Context(), p, pol)
	}
}
