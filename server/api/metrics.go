package api

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the API's Prometheus series.
type metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	batchSize prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "sessionguard",
			Name:      "api_requests_total",
			Help:      "Agent API requests by endpoint and outcome (accepted, duplicate, unauthorized, malformed, invalid, too_large, …).",
		}, []string{"endpoint", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "sessionguard",
			Name:      "api_request_duration_seconds",
			Help:      "Agent API request latency by endpoint, from the request read to the answer (reports include their group commit).",
			Buckets:   []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"endpoint"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "sessionguard",
			Name:      "ingest_batch_reports",
			Help:      "Reports per group-commit transaction.",
			Buckets:   []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.batchSize} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering API metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) observe(endpoint, outcome string, d time.Duration) {
	m.requests.WithLabelValues(endpoint, outcome).Inc()
	m.latency.WithLabelValues(endpoint).Observe(d.Seconds())
}

func (m *metrics) batch(n int) { m.batchSize.Observe(float64(n)) }
