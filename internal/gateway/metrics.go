package gateway

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/citizengraph/citizengraph/internal/gateway/execute"
)

// metrics are the gateway's Prometheus instruments, registered on the
// Registerer of Options; nil when none was given.
type metrics struct {
	operations    *prometheus.CounterVec   // type, outcome
	duration      *prometheus.HistogramVec // type
	fetches       *prometheus.CounterVec   // subgraph, outcome
	fetchDuration *prometheus.HistogramVec // subgraph
	subscriptions prometheus.GaugeFunc
	plans         prometheus.CounterFunc
	inbound       *prometheus.CounterVec // role
	following     prometheus.GaugeFunc
	wsLimited     prometheus.CounterFunc
}

func newMetrics(reg prometheus.Registerer, g *Gateway) (*metrics, error) {
	buckets := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	m := &metrics{
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "citizengraph", Subsystem: "gateway", Name: "operations_total",
			Help: "Operations answered, by type (query, mutation, subscription) and outcome (ok; error: the response carries errors; cancelled: the client went away first).",
		}, []string{"type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "citizengraph", Subsystem: "gateway", Name: "operation_duration_seconds",
			Help: "Time to plan and execute a query or mutation, or to open a subscription.", Buckets: buckets,
		}, []string{"type"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "citizengraph", Subsystem: "gateway", Name: "subgraph_requests_total",
			Help: "Subgraph requests, by subgraph and transport outcome: ok, cancelled (the client went away), or the SUBREQUEST_* code of a failed request or a non-2xx status.",
		}, []string{"subgraph", "outcome"}),
		fetchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "citizengraph", Subsystem: "gateway", Name: "subgraph_request_duration_seconds",
			Help: "Round trip of subgraph requests.", Buckets: buckets,
		}, []string{"subgraph"}),
		subscriptions: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "citizengraph", Subsystem: "gateway", Name: "subscriptions_open",
			Help: "Subscriptions open now.",
		}, func() float64 { return float64(g.open.Load()) }),
		plans: prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "citizengraph", Subsystem: "gateway", Name: "plans_built_total",
			Help: "Query plans built: misses of the plan cache.",
		}, func() float64 { return float64(g.built.Load()) }),
		inbound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "citizengraph", Subsystem: "gateway", Name: "inbound_dedup_total",
			Help: "Queries under inbound deduplication, by role: leader (executed, its answer shared with any identical query that arrived while it ran) or follower (answered by an identical query's execution, nothing executed of its own).",
		}, []string{"role"}),
		following: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "citizengraph", Subsystem: "gateway", Name: "inbound_dedup_waiting",
			Help: "Queries waiting now for an identical query's execution.",
		}, func() float64 { return float64(g.DedupFollowers()) }),
		wsLimited: prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "citizengraph", Subsystem: "gateway", Name: "websocket_rate_limited_total",
			Help: "WebSocket connections closed (4429) because their client sent messages faster than its rate allows.",
		}, func() float64 { return float64(g.wsLimited.Load()) }),
	}
	for _, c := range []prometheus.Collector{m.operations, m.duration, m.fetches, m.fetchDuration, m.subscriptions, m.plans, m.inbound, m.following, m.wsLimited} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// operation records one operation.
func (m *metrics) operation(kind string, start time.Time, failed bool) {
	outcome := "ok"
	if failed {
		outcome = "error"
	}
	m.ended(kind, start, outcome)
}

// Roles of deduplicated queries.
const (
	dedupLeader   = "leader"
	dedupFollower = "follower"
)

// inboundRequest counts one deduplicated query.
func (m *metrics) inboundRequest(role string) {
	if m == nil {
		return
	}
	m.inbound.WithLabelValues(role).Inc()
}

// outcomeCancelled is the outcome of work whose client went away.
const outcomeCancelled = "cancelled"

// ended records one operation with its outcome.
func (m *metrics) ended(kind string, start time.Time, outcome string) {
	if m == nil {
		return
	}
	m.operations.WithLabelValues(kind, outcome).Inc()
	m.duration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
}

// clientGone reports whether ctx ended because the client went away (or
// the server is shutting down), rather than by a deadline of ours.
func clientGone(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// observedFetcher logs the failed requests of a fetcher — in full, with
// what clients are not told — and, with metrics, times and counts them.
type observedFetcher struct {
	next execute.Fetcher
	m    *metrics // nil: no metrics
	log  *slog.Logger
}

func (f observedFetcher) Fetch(ctx context.Context, subgraph string, req execute.Request) (execute.Response, error) {
	var start time.Time
	if f.m != nil {
		start = time.Now()
	}
	resp, err := f.next.Fetch(ctx, subgraph, req)
	outcome := "ok"
	if err != nil && clientGone(ctx) {
		// Not a subgraph failure: the client that wanted it left.
		outcome = outcomeCancelled
		f.log.DebugContext(ctx, "subgraph request cancelled: the client went away", "subgraph", subgraph)
	} else if err != nil {
		outcome = execute.CodeHTTPError
		var fe *execute.FetchError
		if errors.As(err, &fe) {
			outcome = fe.Code
		}
		f.log.WarnContext(ctx, "subgraph request failed", "subgraph", subgraph, "code", outcome, "err", err)
	} else if resp.StatusCode < 200 || resp.StatusCode > 299 {
		outcome = execute.CodeHTTPError
		f.log.WarnContext(ctx, "subgraph request failed", "subgraph", subgraph, "code", outcome, "status", resp.StatusCode)
	}
	if f.m != nil {
		f.m.fetchDuration.WithLabelValues(subgraph).Observe(time.Since(start).Seconds())
		f.m.fetches.WithLabelValues(subgraph, outcome).Inc()
	}
	return resp, err
}
