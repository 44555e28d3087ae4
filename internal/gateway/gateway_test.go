package gateway_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/plan"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// cannedFetcher answers recorded requests with recorded responses and fails
// on any other request.
type cannedFetcher struct {
	answers map[string][]byte
	calls   atomic.Int64
	mu      sync.Mutex
	seen    []string
}

func (f *cannedFetcher) Fetch(_ context.Context, subgraph string, req execute.Request) (execute.Response, error) {
	f.calls.Add(1)
	body, ok := f.answers[subgraph+"\x00"+string(req.Body)]
	if !ok {
		f.mu.Lock()
		f.seen = append(f.seen, subgraph+": "+string(req.Body))
		f.mu.Unlock()
		return execute.Response{}, &execute.FetchError{Subgraph: subgraph, Code: execute.CodeHTTPError, Err: fmt.Errorf("unexpected request")}
	}
	return execute.Response{StatusCode: 200, Body: body}, nil
}

func loadBench(t testing.TB) (*supergraph.Supergraph, string, *cannedFetcher, []byte) {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sg, err := supergraph.Parse(string(read("bench.supergraph.graphql")))
	if err != nil {
		t.Fatal(err)
	}
	var rec []struct{ Subgraph, Request, Response string }
	if err := json.Unmarshal(read("bench.fetches.json"), &rec); err != nil {
		t.Fatal(err)
	}
	f := &cannedFetcher{answers: map[string][]byte{}}
	for _, r := range rec {
		f.answers[r.Subgraph+"\x00"+r.Request] = []byte(r.Response)
	}
	return sg, string(read("bench.query.graphql")), f, read("bench.response.json")
}

func post(t testing.TB, h http.Handler, body any) (int, map[string]json.RawMessage) {
	t.Helper()
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, rec.Body.String())
	}
	return rec.Code, out
}

func TestBenchQueryAnswersExactlyWithSevenFetches(t *testing.T) {
	sg, query, f, want := loadBench(t)
	gw, err := gateway.New(sg, gateway.Options{Fetcher: f})
	if err != nil {
		t.Fatal(err)
	}
	h := gw.Handler(gateway.HandlerOptions{})
	for i := range 2 { // the second run is served from the plan cache
		f.calls.Store(0)
		code, out := post(t, h, map[string]any{"query": query})
		if code != 200 || out["errors"] != nil {
			t.Fatalf("run %d: status %d errors %s unexpected requests %v", i, code, out["errors"], f.seen)
		}
		if !bytes.Equal(out["data"], want) {
			t.Fatalf("run %d: data differs from the reference response", i)
		}
		if n := f.calls.Load(); n != 7 {
			t.Fatalf("run %d: %d subgraph fetches, want 7", i, n)
		}
	}
}

func BenchmarkPlan(b *testing.B) {
	sg, query, _, _ := loadBench(b)
	doc, errs := gqlparser.LoadQuery(sg.API, query)
	if errs != nil {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := plan.Build(sg, doc, doc.Operations[0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExecute(b *testing.B) {
	sg, query, f, want := loadBench(b)
	doc, errs := gqlparser.LoadQuery(sg.API, query)
	if errs != nil {
		b.Fatal(errs)
	}
	p, err := plan.Build(sg, doc, doc.Operations[0])
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if res := execute.Run(ctx, p, nil, f); !bytes.Equal(res.Data, want) {
		b.Fatal("wrong response")
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(want)))
	for b.Loop() {
		execute.Run(ctx, p, nil, f)
	}
}

func BenchmarkGateway(b *testing.B) { benchGateway(b, gateway.Options{}) }

// BenchmarkGatewayWithMetrics is BenchmarkGateway recording Prometheus
// metrics: their cost is the difference.
func BenchmarkGatewayWithMetrics(b *testing.B) {
	benchGateway(b, gateway.Options{Metrics: prometheus.NewRegistry()})
}

// BenchmarkGatewayDedupInbound is BenchmarkGateway with inbound
// deduplication on and one request at a time (nothing to share): the cost
// of the key and the bookkeeping is the difference.
func BenchmarkGatewayDedupInbound(b *testing.B) {
	benchGateway(b, gateway.Options{DedupInbound: true})
}

func benchGateway(b *testing.B, opts gateway.Options) {
	sg, query, f, _ := loadBench(b)
	opts.Fetcher = f
	gw, err := gateway.New(sg, opts)
	if err != nil {
		b.Fatal(err)
	}
	h := gw.Handler(gateway.HandlerOptions{})
	body, _ := json.Marshal(map[string]any{"query": query})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestPlanCacheKeyedByNormalizedOperation sends the bench query in three
// spellings — reformatted, with comments, and again verbatim — and expects
// one plan to serve them all.
func TestPlanCacheKeyedByNormalizedOperation(t *testing.T) {
	sg, query, f, want := loadBench(t)
	gw, err := gateway.New(sg, gateway.Options{Fetcher: f})
	if err != nil {
		t.Fatal(err)
	}
	h := gw.Handler(gateway.HandlerOptions{})
	spellings := []string{
		query,
		"# the portal's home page\n" + query + "\n\n# end\n",
		strings.Join(strings.Fields(query), " "),
		query,
	}
	for i, q := range spellings {
		code, out := post(t, h, map[string]any{"query": q})
		if code != 200 || out["errors"] != nil || !bytes.Equal(out["data"], want) {
			t.Fatalf("spelling %d: status %d errors %s", i, code, out["errors"])
		}
	}
	if n := gw.PlansBuilt(); n != 1 {
		t.Fatalf("plans built = %d, want 1 for %d spellings of one operation", n, len(spellings))
	}
	// A different operation is a different plan.
	if code, out := post(t, h, map[string]any{"query": "{ __typename }"}); code != 200 || out["errors"] != nil {
		t.Fatalf("__typename: %d %s", code, out["errors"])
	}
	if n := gw.PlansBuilt(); n != 2 {
		t.Fatalf("plans built = %d after a second operation, want 2", n)
	}
}

// TestConcurrentRequestsReuseDecodingMemory sends the bench query from
// several clients at once, so decoded responses are recycled between
// requests while others are in flight; every answer must stay exact.
func TestConcurrentRequestsReuseDecodingMemory(t *testing.T) {
	sg, query, f, want := loadBench(t)
	gw, err := gateway.New(sg, gateway.Options{Fetcher: f})
	if err != nil {
		t.Fatal(err)
	}
	h := gw.Handler(gateway.HandlerOptions{})
	var wg sync.WaitGroup
	for c := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				code, out := post(t, h, map[string]any{"query": query})
				if code != 200 || out["errors"] != nil || !bytes.Equal(out["data"], want) {
					t.Errorf("client %d request %d: status %d errors %s, data differs: %v", c, i, code, out["errors"], !bytes.Equal(out["data"], want))
					return
				}
			}
		}()
	}
	wg.Wait()
}
