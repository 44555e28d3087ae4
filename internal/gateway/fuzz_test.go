package gateway_test

import (
	"encoding/json"
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway"
)

// FuzzGateway sends arbitrary operations and variables through the edge
// with subgraphs answering arbitrary JSON: the gateway must never panic
// and must always answer a well-formed GraphQL response.
func FuzzGateway(f *testing.F) {
	for _, s := range []struct{ q, vars, answer string }{
		{`{ me { id name } }`, `{}`, `{"data":{"me":{"id":"1","name":"A"}}}`},
		{`query($t: String!) { search(text: $t) { ... on Product { name images { url } } ... on User { name } } }`, `{"t":"x"}`, `{"data":{"search":[{"__typename":"Product","id":"1"}]}}`},
		{`{ featured { title rating ... on Movie { minutes } } }`, `{}`, `{"data":{"featured":[{"__typename":"Media","id":"m"}],"_entities":[null]}}`},
		{`{ products { seller { email recommended { name } } } }`, `{}`, `{"errors":[{"message":"x","path":["_entities",0]}]}`},
		{`mutation { login(email: "a") { id } logout }`, `{}`, `not json`},
		{`{ __schema { types { name } } }`, `{}`, `{}`},
		{`query Q($s: Boolean!) { me @skip(if: $s) { id } }`, `{"s":"yes"}`, `{"data":null}`},
		{`{ product(sku: "a", region: "b") { shippingCost(to: "x") dimensions { size } } }`, `{}`, `{"data":{"product":{"__typename":"Product","sku":"a","region":"b","dimensions":{"weight":1,"size":"s"}}}}`},
	} {
		f.Add(s.q, s.vars, s.answer)
	}
	f.Fuzz(func(t *testing.T, query, vars, answer string) {
		h, _ := shop(t, func(r subgraphRequest) (int, string) { return 200, answer }, gateway.Options{MaxDepth: 20})
		var v map[string]any
		_ = json.Unmarshal([]byte(vars), &v)
		code, out := post(t, h, map[string]any{"query": query, "variables": v})
		if code >= 500 {
			t.Fatalf("status %d for %q", code, query)
		}
		if out["data"] == nil && out["errors"] == nil {
			t.Fatalf("neither data nor errors for %q", query)
		}
	})
}
