package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway/compose"
)

// TestGatewayCommandDedupInbound: by default the gateway command shares
// one execution among identical queries in flight (followers show in the
// citizengraph_gateway_inbound_dedup_waiting gauge, the subgraph sees one
// request); with --dedup-inbound=false (and --dedup-inflight=false) each
// query reaches the subgraph.
func TestGatewayCommandDedupInbound(t *testing.T) {
	for _, c := range []struct {
		name  string
		flags []string
		hits  int64
	}{
		{"default", nil, 1},
		{"off", []string{"--dedup-inbound=false", "--dedup-inflight=false"}, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			var hits atomic.Int64
			gate := make(chan struct{})
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				select {
				case <-gate:
				case <-r.Context().Done():
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"data":{"now":1}}`)) //nolint:errcheck
			}))
			defer upstream.Close()
			sdl, err := compose.Compose([]compose.Subgraph{{Name: "clock", URL: upstream.URL, SDL: `
				extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
				type Query { now: Int! }`}})
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "supergraph.graphql")
			if err := os.WriteFile(file, []byte(sdl), 0o644); err != nil {
				t.Fatal(err)
			}
			addr, metricsAddr := freeAddr(t), freeAddr(t)
			gw := startGateway(t, append([]string{"gateway", "--supergraph", file, "--addr", addr, "--metrics-addr", metricsAddr}, c.flags...)...)
			waitHealthy(t, "http://"+addr)

			const n = 4
			var wg sync.WaitGroup
			answers := make([]gqlResponse, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					answers[i] = post(t, "http://"+addr+"/graphql", "same-token", `{ now }`)
				}()
			}
			deadline := time.Now().Add(20 * time.Second)
			for !(hits.Load() == c.hits && (c.hits == n || dedupWaiting(metricsAddr) == n-1)) {
				if time.Now().After(deadline) {
					t.Fatalf("%d subgraph requests, %q followers waiting; want %d", hits.Load(), dedupWaiting(metricsAddr), c.hits)
				}
				time.Sleep(10 * time.Millisecond)
			}
			close(gate)
			wg.Wait()
			for i, a := range answers {
				if len(a.Errors) > 0 || !strings.Contains(string(a.Data), `"now":1`) {
					t.Fatalf("answer %d: %+v", i, a)
				}
			}
			if got := hits.Load(); got != c.hits {
				t.Fatalf("%d subgraph requests, want %d", got, c.hits)
			}
			gw.stop(t)
		})
	}
}

// dedupWaiting reads the inbound dedup gauge from the metrics listener.
func dedupWaiting(addr string) any {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "citizengraph_gateway_inbound_dedup_waiting "); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				return int(f)
			}
		}
	}
	return "no gauge"
}
