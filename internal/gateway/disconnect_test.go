package gateway_test

import (
	"bytes"
	"context"
	"log"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
)

// syncBuffer is a log sink written from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestClientAbortsUnderLoad: clients that give up at random points —
// before the gateway reads the body, while a subgraph answers, while a
// large answer is written — leave no panic in the logs, and the subgraph
// requests they abandon are counted as cancelled, never as timeouts or
// failures: over HTTP subgraphs and over in-process ones (serve).
func TestClientAbortsUnderLoad(t *testing.T) {
	big := strings.Repeat("x", 256<<10)
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Duration(rand.IntN(8000)) * time.Microsecond):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		name := "Ada"
		if rand.IntN(4) == 0 {
			name = big // an answer long enough to be cut while written
		}
		_, _ = w.Write([]byte(`{"data":{"me":{"id":"1","name":"` + name + `"}}}`))
	})
	sg := mustSupergraph(t)
	t.Run("http", func(t *testing.T) {
		srv := httptest.NewServer(upstream)
		defer srv.Close()
		urls := sg.URLs()
		for name := range urls {
			urls[name] = srv.URL
		}
		abortUnderLoad(t, execute.NewHTTPFetcher(urls, execute.HTTPOptions{Timeout: 10 * time.Second}))
	})
	t.Run("in-process", func(t *testing.T) {
		handlers := map[string]http.Handler{}
		for name := range sg.URLs() {
			handlers[name] = upstream
		}
		abortUnderLoad(t, execute.NewInProcessFetcher(handlers))
	})
}

// abortUnderLoad runs clients that abort at random points against a
// gateway over fetcher and checks its log and metrics.
func abortUnderLoad(t *testing.T, fetcher execute.Fetcher) {
	sg := mustSupergraph(t)
	var logs syncBuffer
	reg := prometheus.NewPedanticRegistry()
	gw, err := gateway.New(sg, gateway.Options{
		Fetcher: fetcher,
		Metrics: reg,
		Logger:  slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(gw.Handler(gateway.HandlerOptions{}))
	srv.Config.ErrorLog = log.New(&logs, "http: ", 0)
	srv.Start()

	rng := rand.New(rand.NewPCG(7, 7))
	var mu sync.Mutex
	wait := func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return time.Duration(rng.IntN(10000)) * time.Microsecond
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 40 {
				ctx, cancel := context.WithTimeout(context.Background(), wait())
				q := `{"query":"{ me { id name } }"}`
				if i%3 == 0 {
					q = `{"query":"{ me { id name n` + strings.Repeat("x", i) + `: name } }"}` // a plan to build
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(q))
				req.Header.Set("Content-Type", "application/json")
				if resp, err := http.DefaultClient.Do(req); err == nil {
					_, _ = bytes.NewBuffer(nil).ReadFrom(resp.Body)
					resp.Body.Close()
				}
				cancel()
			}
		})
	}
	wg.Wait()
	srv.Close() // waits for the handlers of abandoned requests

	if strings.Contains(strings.ToLower(logs.String()), "panic") {
		t.Fatalf("a panic was logged:\n%s", logs.String())
	}
	counts := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "citizengraph_gateway_subgraph_requests_total" && mf.GetName() != "citizengraph_gateway_operations_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" {
					counts[mf.GetName()+"/"+l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Logf("outcomes: %v", counts)
	if n := counts["citizengraph_gateway_subgraph_requests_total/"+execute.CodeTimeout]; n != 0 {
		t.Errorf("%v abandoned subgraph requests counted as timeouts", n)
	}
	// The subgraph never fails: every request and operation either
	// succeeded or was abandoned by its client.
	for k, n := range counts {
		if !strings.HasSuffix(k, "/ok") && !strings.HasSuffix(k, "/cancelled") {
			t.Errorf("%v counted as %s, though only clients gave up", n, k)
		}
	}
	if counts["citizengraph_gateway_subgraph_requests_total/cancelled"] == 0 || counts["citizengraph_gateway_subgraph_requests_total/ok"] == 0 {
		t.Errorf("the clients did not abort at both ends of the subgraph request: %v", counts)
	}
	if counts["citizengraph_gateway_operations_total/cancelled"] == 0 {
		t.Errorf("no operation recorded as cancelled: %v", counts)
	}
}
