package gateway_test

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	var logs bytes.Buffer
	h, _ := shop(t, func(r subgraphRequest) (int, string) {
		if r.Subgraph == "catalog" {
			return 500, "exploded"
		}
		return 200, `{"data":{"me":{"name":"Ada"}}}`
	}, gateway.Options{Metrics: reg, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for range 3 {
		post(t, h, map[string]any{"query": `{ me { name } }`})
	}
	post(t, h, map[string]any{"query": `{ me { name } product(sku: "a", region: "IT") { name } }`})
	post(t, h, map[string]any{"query": `{ me { name(nope: 1) } }`}) // invalid: no operation runs

	want := `
# HELP citizengraph_gateway_operations_total Operations answered, by type (query, mutation, subscription) and outcome (ok; error: the response carries errors; cancelled: the client went away first).
# TYPE citizengraph_gateway_operations_total counter
citizengraph_gateway_operations_total{outcome="error",type="query"} 1
citizengraph_gateway_operations_total{outcome="ok",type="query"} 3
# HELP citizengraph_gateway_subgraph_requests_total Subgraph requests, by subgraph and transport outcome: ok, cancelled (the client went away), or the SUBREQUEST_* code of a failed request or a non-2xx status.
# TYPE citizengraph_gateway_subgraph_requests_total counter
citizengraph_gateway_subgraph_requests_total{outcome="SUBREQUEST_HTTP_ERROR",subgraph="catalog"} 1
citizengraph_gateway_subgraph_requests_total{outcome="ok",subgraph="accounts"} 4
# HELP citizengraph_gateway_subscriptions_open Subscriptions open now.
# TYPE citizengraph_gateway_subscriptions_open gauge
citizengraph_gateway_subscriptions_open 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"citizengraph_gateway_operations_total",
		"citizengraph_gateway_subgraph_requests_total", "citizengraph_gateway_subscriptions_open"); err != nil {
		t.Fatal(err)
	}
	// Two operations, neither touching the field behind the shop's
	// percent(50) override label: one plan each, whatever the rolls.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "citizengraph_gateway_plans_built_total" {
			if v := mf.GetMetric()[0].GetCounter().GetValue(); v != 2 {
				t.Errorf("plans built %v, want 2", v)
			}
		}
	}
	if n := testutil.CollectAndCount(reg, "citizengraph_gateway_operation_duration_seconds"); n != 1 {
		t.Errorf("%d duration series, want 1 (query)", n)
	}
	if n := testutil.CollectAndCount(reg, "citizengraph_gateway_subgraph_request_duration_seconds"); n != 2 {
		t.Errorf("%d subgraph duration series, want 2", n)
	}
	// The failure is logged for operators, once.
	if n := strings.Count(logs.String(), `msg="subgraph request failed" subgraph=catalog code=SUBREQUEST_HTTP_ERROR status=500`); n != 1 {
		t.Errorf("%d log lines for the failed request:\n%s", n, logs.String())
	}
	// A second gateway on the same registry is refused, not silently merged.
	if _, err := gateway.New(mustSupergraph(t), gateway.Options{Metrics: reg}); err == nil {
		t.Error("two gateways registered the same metrics")
	}
}

func mustSupergraph(t testing.TB) *supergraph.Supergraph {
	t.Helper()
	sdl, err := os.ReadFile("plan/testdata/shop.supergraph.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(string(sdl))
	if err != nil {
		t.Fatal(err)
	}
	return sg
}
