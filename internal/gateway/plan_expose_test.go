package gateway_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway"
)

// TestExposeQueryPlan: with ExposePlans, a request carrying the header gets
// its plan in extensions; without the option or the header, nothing.
func TestExposeQueryPlan(t *testing.T) {
	sg, query, f, want := loadBench(t)
	for _, c := range []struct {
		expose, header bool
	}{{true, true}, {true, false}, {false, true}} {
		gw, err := gateway.New(sg, gateway.Options{Fetcher: f, ExposePlans: c.expose})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]any{"query": query})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if c.header {
			req.Header.Set(gateway.ExposePlanHeader, "true")
		}
		rec := httptest.NewRecorder()
		gw.Handler(gateway.HandlerOptions{}).ServeHTTP(rec, req)
		var out struct {
			Data       json.RawMessage
			Extensions *struct {
				QueryPlan       string
				SubgraphFetches int
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Data, want) {
			t.Errorf("%+v: data differs", c)
		}
		if got := out.Extensions != nil; got != (c.expose && c.header) {
			t.Fatalf("%+v: extensions %+v", c, out.Extensions)
		}
		if out.Extensions != nil && (out.Extensions.SubgraphFetches != 7 || strings.Count(out.Extensions.QueryPlan, "Fetch(") != 7) {
			t.Errorf("exposed plan: %d fetches\n%s", out.Extensions.SubgraphFetches, out.Extensions.QueryPlan)
		}
	}
}
