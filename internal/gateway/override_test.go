package gateway_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway"
)

// TestPercentOverrideRollsPerRequest: a field overridden behind
// percent(50) is resolved by the new subgraph on some requests and by the
// old one on the others, and the plan cache holds one plan per roll of that
// label (plus the first, label-agnostic lookup) — not one per roll of every
// label for every operation.
func TestPercentOverrideRollsPerRequest(t *testing.T) {
	var mu sync.Mutex
	routed := map[string]int{}
	gw, h, _ := shopGateway(t, func(r subgraphRequest) (int, string) {
		if strings.Contains(r.Query, "price") {
			mu.Lock()
			routed[r.Subgraph]++
			mu.Unlock()
		}
		switch r.Subgraph {
		case "catalog":
			return 200, `{"data":{"product":{"__typename":"Product","sku":"a","region":"IT","name":"Lamp","price":7}}}`
		case "shipping":
			return 200, `{"data":{"_entities":[{"price":7}]}}`
		}
		return 200, `{"data":{"me":{"name":"Ada"}}}`
	}, gateway.Options{})
	for range 200 {
		_, out := post(t, h, map[string]any{"query": `{ product(sku: "a", region: "IT") { name price } }`})
		jsonEq(t, out["data"], `{"product":{"name":"Lamp","price":7}}`)
	}
	if routed["catalog"] < 40 || routed["shipping"] < 40 {
		t.Errorf("price resolved by %v over 200 requests at 50%%", routed)
	}
	if n := gw.PlansBuilt(); n != 3 {
		t.Errorf("%d plans built, want 3 (the first lookup, then one per roll)", n)
	}
	for range 50 {
		post(t, h, map[string]any{"query": `{ me { name } }`})
	}
	if n := gw.PlansBuilt(); n != 4 {
		t.Errorf("%d plans built after an operation without the label, want 4", n)
	}
}
