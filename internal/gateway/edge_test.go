package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
)

// subgraphRequest is a decoded subgraph request.
type subgraphRequest struct {
	Subgraph  string
	Query     string
	Variables map[string]json.RawMessage
}

// scripted answers subgraph requests with a function and records them.
type scripted struct {
	mu     sync.Mutex
	calls  []subgraphRequest
	answer func(r subgraphRequest) (int, string)
}

func (s *scripted) Fetch(_ context.Context, subgraph string, req execute.Request) (execute.Response, error) {
	var r subgraphRequest
	if err := json.Unmarshal(req.Body, &r); err != nil {
		return execute.Response{}, err
	}
	r.Subgraph = subgraph
	s.mu.Lock()
	s.calls = append(s.calls, r)
	s.mu.Unlock()
	code, body := s.answer(r)
	return execute.Response{StatusCode: code, Body: []byte(body)}, nil
}

func shop(t testing.TB, answer func(r subgraphRequest) (int, string), opts gateway.Options) (http.Handler, *scripted) {
	t.Helper()
	_, h, s := shopGateway(t, answer, opts)
	return h, s
}

func shopGateway(t testing.TB, answer func(r subgraphRequest) (int, string), opts gateway.Options) (*gateway.Gateway, http.Handler, *scripted) {
	t.Helper()
	sg := mustSupergraph(t)
	s := &scripted{answer: answer}
	opts.Fetcher = s
	gw, err := gateway.New(sg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return gw, gw.Handler(gateway.HandlerOptions{Introspection: true}), s
}

// reps returns the representations of an entity request.
func reps(t testing.TB, r subgraphRequest) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(r.Variables["representations"], &out); err != nil {
		t.Fatalf("representations: %v", err)
	}
	return out
}

// jsonEq compares two JSON texts structurally.
func jsonEq(t testing.TB, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want invalid JSON: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Fatalf("got  %s\nwant %s", gb, wb)
	}
}

func TestEntityBatchDeduplicatedAndErrorsRepathed(t *testing.T) {
	h, s := shop(t, func(r subgraphRequest) (int, string) {
		switch r.Subgraph {
		case "catalog":
			return 200, `{"data":{"products":[
				{"name":"P1","seller":{"__typename":"User","id":"u1"}},
				{"name":"P2","seller":{"__typename":"User","id":"u2"}},
				{"name":"P3","seller":{"__typename":"User","id":"u1"}}]}}`
		default:
			return 200, `{"data":{"_entities":[{"name":"Ada"},{"name":null}]},
				"errors":[{"message":"boom","path":["_entities",1,"name"],"extensions":{"code":"E1"}}]}`
		}
	}, gateway.Options{})
	_, out := post(t, h, map[string]any{"query": `{ products { name seller { name } } }`})
	jsonEq(t, out["data"], `{"products":[{"name":"P1","seller":{"name":"Ada"}},{"name":"P2","seller":{"name":null}},{"name":"P3","seller":{"name":"Ada"}}]}`)
	jsonEq(t, out["errors"], `[{"message":"boom","path":["products",1,"seller","name"],"extensions":{"code":"E1","serviceName":"accounts"}}]`)
	if len(s.calls) != 2 {
		t.Fatalf("%d fetches, want 2", len(s.calls))
	}
	if got := reps(t, s.calls[1]); len(got) != 2 || got[0]["id"] != "u1" || got[1]["id"] != "u2" || got[0]["__typename"] != "User" {
		t.Fatalf("representations not deduplicated in order: %v", got)
	}
}

func TestNullPropagatesToNearestNullableParent(t *testing.T) {
	h, _ := shop(t, func(r subgraphRequest) (int, string) {
		return 200, `{"data":{"products":[{"sku":"a"},{"sku":null}],"product":{"sku":null,"name":"x"}}}`
	}, gateway.Options{})
	// products is [Product!]! and sku String!: the null climbs to data.
	_, out := post(t, h, map[string]any{"query": `{ products { sku } }`})
	jsonEq(t, out["data"], `null`)
	jsonEq(t, out["errors"], `[{"message":"Cannot return null for non-nullable field Product.sku.","path":["products",1,"sku"]}]`)
	// product is nullable: only it becomes null.
	_, out = post(t, h, map[string]any{"query": `{ product(sku: "a", region: "IT") { name sku } }`})
	jsonEq(t, out["data"], `{"product":null}`)
}

func TestSubgraphFailuresBecomeCodedErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, code string
		status           int
	}{
		{"http 500", `upstream exploded`, execute.CodeHTTPError, 500},
		{"non-JSON", `<html>`, execute.CodeMalformedResponse, 200},
		{"no data", `{"foo":1}`, execute.CodeMalformedResponse, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := shop(t, func(r subgraphRequest) (int, string) {
				if r.Subgraph == "catalog" {
					return tc.status, tc.body
				}
				return 200, `{"data":{"me":{"name":"Ada"}}}`
			}, gateway.Options{})
			_, out := post(t, h, map[string]any{"query": `{ me { name } product(sku: "a", region: "IT") { name } }`})
			jsonEq(t, out["data"], `{"me":{"name":"Ada"},"product":null}`)
			var errs []struct {
				Path       []any
				Extensions map[string]any
			}
			if err := json.Unmarshal(out["errors"], &errs); err != nil || len(errs) != 1 {
				t.Fatalf("errors: %s", out["errors"])
			}
			if errs[0].Extensions["code"] != tc.code || errs[0].Extensions["serviceName"] != "catalog" || len(errs[0].Path) != 1 || errs[0].Path[0] != "product" {
				t.Fatalf("error: %s", out["errors"])
			}
		})
	}
}

func TestAbstractTypesAliasesVariablesAndTypename(t *testing.T) {
	h, s := shop(t, func(r subgraphRequest) (int, string) {
		switch r.Subgraph {
		case "catalog":
			return 200, `{"data":{"search":[
				{"__typename":"Product","title":"Toy","id":"p1"},
				{"__typename":"User","id":"u1"}]}}`
		case "media":
			return 200, `{"data":{"_entities":[{"images":[{"url":"i1"},{"url":"i2"}]}]}}`
		default:
			return 200, `{"data":{"_entities":[{"name":"Ada"}]}}`
		}
	}, gateway.Options{})
	q := `query S($text: String!, $noImages: Boolean!) {
		__typename
		search(text: $text) {
			kind: __typename
			... on Product { title: name images @skip(if: $noImages) { url } }
			... on User { name }
		}
	}`
	_, out := post(t, h, map[string]any{"query": q, "variables": map[string]any{"text": "t", "noImages": false}})
	jsonEq(t, out["data"], `{"__typename":"Query","search":[{"kind":"Product","title":"Toy","images":[{"url":"i1"},{"url":"i2"}]},{"kind":"User","name":"Ada"}]}`)
	for _, c := range s.calls[1:] {
		if _, ok := c.Variables["text"]; ok {
			t.Fatalf("%s got a variable it does not use", c.Subgraph)
		}
	}
	if string(s.calls[0].Variables["text"]) != `"t"` {
		t.Fatalf("root fetch variables: %v", s.calls[0].Variables)
	}
	_, out = post(t, h, map[string]any{"query": q, "variables": map[string]any{"text": "t", "noImages": true}})
	jsonEq(t, out["data"], `{"__typename":"Query","search":[{"kind":"Product","title":"Toy"},{"kind":"User","name":"Ada"}]}`)
}

func TestInterfaceObjectResolvesConcreteType(t *testing.T) {
	h, s := shop(t, func(r subgraphRequest) (int, string) {
		switch r.Subgraph {
		case "catalog":
			return 200, `{"data":{"featured":[{"__typename":"Media","id":"m1","rating":5}]}}`
		default:
			return 200, `{"data":{"_entities":[{"__typename":"Movie","title":"Film","minutes":90}]}}`
		}
	}, gateway.Options{})
	_, out := post(t, h, map[string]any{"query": `{ featured { __typename title rating ... on Movie { minutes } ... on Book { pages } } }`})
	jsonEq(t, out["data"], `{"featured":[{"__typename":"Movie","title":"Film","rating":5,"minutes":90}]}`)
	if got := reps(t, s.calls[1]); got[0]["__typename"] != "Media" {
		t.Fatalf("representation for the interface owner: %v", got)
	}
}

func TestMutationsRunInOrder(t *testing.T) {
	h, s := shop(t, func(r subgraphRequest) (int, string) {
		switch {
		case strings.Contains(r.Query, "addProduct"):
			return 200, `{"data":{"addProduct":{"name":"N"}}}`
		case strings.Contains(r.Query, "logout"):
			return 200, `{"data":{"logout":true}}`
		default:
			return 200, `{"data":{"login":{"id":"u1"}}}`
		}
	}, gateway.Options{})
	_, out := post(t, h, map[string]any{"query": `mutation { login(email: "a") { id } addProduct(input: {name: "N", category: TOYS}) { name } logout }`})
	jsonEq(t, out["data"], `{"login":{"id":"u1"},"addProduct":{"name":"N"},"logout":true}`)
	var order []string
	for _, c := range s.calls {
		order = append(order, c.Subgraph)
	}
	if strings.Join(order, ",") != "accounts,catalog,accounts" {
		t.Fatalf("order %v", order)
	}
}

func TestInaccessibleIsHiddenAndIntrospectionAnswered(t *testing.T) {
	h, s := shop(t, func(r subgraphRequest) (int, string) { return 200, `{"data":{}}` }, gateway.Options{})
	_, out := post(t, h, map[string]any{"query": `{ me { passwordHash } }`})
	if !strings.Contains(string(out["errors"]), "GRAPHQL_VALIDATION_FAILED") {
		t.Fatalf("inaccessible field accepted: %s", out["errors"])
	}
	_, out = post(t, h, map[string]any{"query": `{ __schema { queryType { name } types { name fields { name } enumValues { name } } } u: __type(name: "User") { fields { name } } }`})
	d := string(out["data"])
	for _, hidden := range []string{"join__", "link__", "passwordHash", "internalStats", "SECRET", "_entities"} {
		if strings.Contains(d, hidden) {
			t.Fatalf("introspection shows %s: %s", hidden, d)
		}
	}
	for _, shown := range []string{`"queryType":{"name":"Query"}`, `"wishlist"`, `"BOOKS"`, `"u":{"fields":[{"name":"id"}`} {
		if !strings.Contains(d, shown) {
			t.Fatalf("introspection lacks %s: %s", shown, d)
		}
	}
	if len(s.calls) != 0 {
		t.Fatalf("introspection reached subgraphs")
	}
}

func TestLimits(t *testing.T) {
	h, _ := shop(t, func(r subgraphRequest) (int, string) { return 200, `{"data":{"me":{"id":"1"}}}` },
		gateway.Options{MaxDepth: 2, MaxAliases: 1, MaxCost: 20})
	for q, code := range map[string]string{
		`{ me { address { city } } }`:            gateway.CodeMaxDepth,
		`{ a: me { id } b: me { id } }`:          gateway.CodeMaxAliases,
		`{ products { wishlist: sku name id } }`: gateway.CodeMaxCost,
	} {
		_, out := post(t, h, map[string]any{"query": q})
		if !strings.Contains(string(out["errors"]), code) {
			t.Fatalf("%s: want %s, got %s", q, code, out["errors"])
		}
	}
	_, out := post(t, h, map[string]any{"query": `{ me { id } }`})
	jsonEq(t, out["data"], `{"me":{"id":"1"}}`)
}

func TestGETAndPersistedQueries(t *testing.T) {
	h, _ := shop(t, func(r subgraphRequest) (int, string) { return 200, `{"data":{"me":{"id":"1"}}}` }, gateway.Options{})
	req := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(`{ me { id } }`), nil)
	req.Header.Set("Apollo-Require-Preflight", "true")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"me":{"id":"1"}`) {
		t.Fatalf("GET: %d %s", rec.Code, rec.Body.String())
	}
	q := `{ me { id } }`
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha(q)}}
	_, out := post(t, h, map[string]any{"extensions": ext})
	if !strings.Contains(string(out["errors"]), "PERSISTED_QUERY_NOT_FOUND") {
		t.Fatalf("unknown persisted query: %s", out["errors"])
	}
	_, out = post(t, h, map[string]any{"query": q, "extensions": ext})
	jsonEq(t, out["data"], `{"me":{"id":"1"}}`)
	_, out = post(t, h, map[string]any{"extensions": ext})
	jsonEq(t, out["data"], `{"me":{"id":"1"}}`)
}

func TestClientAliasCollidingWithKeyField(t *testing.T) {
	h, s := shop(t, func(r subgraphRequest) (int, string) {
		if r.Subgraph == "accounts" {
			return 200, `{"data":{"me":{"id":"Ada","__typename":"User","_cg_id":"u1"}}}`
		}
		return 200, `{"data":{"_entities":[{"wishlist":[{"id":"Toy"}]}]}}`
	}, gateway.Options{})
	_, out := post(t, h, map[string]any{"query": `{ me { id: name wishlist { id: name } } }`})
	jsonEq(t, out["data"], `{"me":{"id":"Ada","wishlist":[{"id":"Toy"}]}}`)
	if got := reps(t, s.calls[1]); len(got) != 1 || got[0]["id"] != "u1" {
		t.Fatalf("representation %v", got)
	}
}

func TestListsOfListsScalarsEnumsAndFragmentConditions(t *testing.T) {
	h, s := shop(t, func(r subgraphRequest) (int, string) {
		switch r.Subgraph {
		case "shipping":
			return 200, `{"data":{"shippingZones":[["IT-N","IT-C"],[],["FR"]]}}`
		case "accounts":
			return 200, `{"data":{"me":{"createdAt":{"custom":"scalar","n":1.50},"name":"Ada"}}}`
		default:
			return 200, `{"data":{"products":[{"category":"BOOKS","name":"P"}]}}`
		}
	}, gateway.Options{})
	q := `query Q($withName: Boolean!) {
		shippingZones
		me { createdAt ... @include(if: $withName) { name } }
		products { category ...N @skip(if: $withName) }
	}
	fragment N on Product { name }`
	_, out := post(t, h, map[string]any{"query": q, "variables": map[string]any{"withName": true}})
	jsonEq(t, out["data"], `{"shippingZones":[["IT-N","IT-C"],[],["FR"]],"me":{"createdAt":{"custom":"scalar","n":1.50},"name":"Ada"},"products":[{"category":"BOOKS"}]}`)
	if !strings.Contains(string(out["data"]), `"n":1.50`) {
		t.Fatalf("custom scalar re-encoded: %s", out["data"])
	}
	for _, c := range s.calls {
		if strings.Contains(c.Query, "@skip") || strings.Contains(c.Query, "@include") || strings.Contains(c.Query, "withName") {
			t.Fatalf("condition forwarded instead of evaluated by the gateway: %s", c.Query)
		}
	}
	_, out = post(t, h, map[string]any{"query": q, "variables": map[string]any{"withName": false}})
	jsonEq(t, out["data"], `{"shippingZones":[["IT-N","IT-C"],[],["FR"]],"me":{"createdAt":{"custom":"scalar","n":1.50}},"products":[{"category":"BOOKS","name":"P"}]}`)
}
