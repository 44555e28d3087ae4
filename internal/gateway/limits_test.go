package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/guard"
)

// fanOut is a document of n fragments, each spreading the one before it
// twice under two fields: 2^n fields once expanded, in a few hundred bytes.
func fanOut(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ me { ...F%d } }\nfragment F0 on User { id }\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on User { id ...F%d name ... on User { ...F%d } }\n", i, i-1, i-1)
	}
	return b.String()
}

// nested is a chain of n fragments, each spreading the next.
func nested(n int) string {
	var b strings.Builder
	b.WriteString("{ me { ...N0 } }\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment N%d on User { id ...N%d }\n", i, i+1)
	}
	fmt.Fprintf(&b, "fragment N%d on User { name }\n", n)
	return b.String()
}

// deepList is a JSON list nested n deep.
func deepList(n int) json.RawMessage {
	return json.RawMessage(strings.Repeat("[", n) + `"x"` + strings.Repeat("]", n))
}

// TestAdversarialRequestsRefused: documents shaped to make parsing,
// validation or planning expensive are refused with a coded error before
// any of that work, and reach no subgraph.
func TestAdversarialRequestsRefused(t *testing.T) {
	h, s := shop(t, func(r subgraphRequest) (int, string) { return 200, `{"data":{"me":{"id":"1","name":"A"}}}` }, gateway.Options{})
	var manyOps strings.Builder
	for i := range 400 {
		fmt.Fprintf(&manyOps, "query Q%d { me { ...Big } }\n", i)
	}
	manyOps.WriteString("fragment Big on User { " + strings.Repeat("id name ", 20) + "}")
	var manyFrags strings.Builder
	manyFrags.WriteString("{ me { id ")
	for i := range 300 {
		fmt.Fprintf(&manyFrags, "...M%d ", i)
	}
	manyFrags.WriteString("} }\n")
	for i := range 300 {
		fmt.Fprintf(&manyFrags, "fragment M%d on User { id }\n", i)
	}
	var aliases strings.Builder
	for i := range 65 {
		fmt.Fprintf(&aliases, "a%d: id ", i)
	}
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		op          string
		code        string
		status      int
	}{
		{name: "repeated field, 330 KB", query: "{ me { " + strings.Repeat("id ", 110000) + "} }", code: guard.CodeMaxFields},
		{name: "a list argument of 110000 values", query: `{ product(sku: "a", region: "b", x: [` + strings.Repeat("1 ", 110000) + `]) { name } }`, code: guard.CodeMaxTokens},
		{name: "repeated field under the token limit", query: "{ me { " + strings.Repeat("id ", 5000) + "} }", code: guard.CodeMaxFields},
		{name: "repeated subselections", query: "{ " + strings.Repeat("me { address { city } } ", 1500) + "}", code: guard.CodeMaxFields},
		{name: "fragment fan-out", query: fanOut(40), code: guard.CodeMaxFields},
		{name: "nested fragments", query: nested(40), code: guard.CodeMaxFragmentDepth},
		{name: "many fragments", query: manyFrags.String(), code: guard.CodeMaxFragments},
		{name: "aliases", query: "{ me { " + aliases.String() + "} }", code: guard.CodeMaxAliases},
		{name: "deep selections", query: "{ me { " + strings.Repeat("wishlist { seller { ", 8) + "name" + strings.Repeat(" } }", 8) + " } }", code: guard.CodeMaxDepth},
		{name: "many operations", query: manyOps.String(), op: "Q7", code: guard.CodeMaxFields},
		{name: "huge string under the body limit", query: `{ product(sku: "` + strings.Repeat("x", 900<<10) + `", region: "IT") { name } }`, code: ""},
		{name: "huge body", query: `{ product(sku: "` + strings.Repeat("x", 2<<20) + `", region: "IT") { name } }`, code: guard.CodeBodyTooLarge, status: http.StatusRequestEntityTooLarge},
		{name: "deep list in variables", query: `query($t: String!) { search(text: $t) { ... on User { name } } }`, vars: map[string]any{"t": deepList(5000)}, code: "BAD_USER_INPUT"},
		{name: "syntax error", query: `{ me { id `, code: "GRAPHQL_PARSE_FAILED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.calls = nil
			body := map[string]any{"query": tc.query, "variables": tc.vars}
			if tc.op != "" {
				body["operationName"] = tc.op
			}
			code, out := post(t, h, body)
			if tc.code == "" {
				if out["errors"] != nil {
					t.Fatalf("refused: %s", out["errors"])
				}
				return
			}
			if len(s.calls) > 0 {
				t.Fatalf("%d subgraph requests", len(s.calls))
			}
			var errs []struct {
				Message    string
				Extensions map[string]any
			}
			if err := json.Unmarshal(out["errors"], &errs); err != nil || len(errs) == 0 {
				t.Fatalf("status %d, errors %s", code, out["errors"])
			}
			if errs[0].Extensions["code"] != tc.code {
				t.Fatalf("code %v (%s), want %s", errs[0].Extensions["code"], errs[0].Message, tc.code)
			}
			if tc.status == 0 && strings.HasPrefix(tc.code, "MAX_") {
				tc.status = http.StatusUnprocessableEntity // a request error
			}
			if tc.status != 0 && code != tc.status {
				t.Fatalf("status %d, want %d", code, tc.status)
			}
		})
	}
}

// TestBodyLimitWithoutContentLength: a chunked body over the limit is cut
// off while read, with the same coded error.
func TestBodyLimitWithoutContentLength(t *testing.T) {
	h, _ := shop(t, func(r subgraphRequest) (int, string) { return 200, `{"data":{}}` }, gateway.Options{})
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := io.MultiReader(strings.NewReader(`{"query":"{ me { id } }","x":"`), bytes.NewReader(bytes.Repeat([]byte("x"), 3<<20)), strings.NewReader(`"}`))
	req, _ := http.NewRequest(http.MethodPost, srv.URL, body)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), guard.CodeBodyTooLarge) {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
}

// TestLimitsAdmitRealDocuments: the defaults admit the federation
// benchmark's query (the heaviest we serve in tests), nested fragments
// within the limit, and a fan-out that stays under the field limit.
func TestLimitsAdmitRealDocuments(t *testing.T) {
	h, _ := shop(t, func(r subgraphRequest) (int, string) { return 200, `{"data":{"me":{"id":"1","name":"A"}}}` }, gateway.Options{})
	for name, q := range map[string]string{"nested fragments": nested(25), "fan-out": fanOut(8)} {
		if _, out := post(t, h, map[string]any{"query": q}); out["errors"] != nil {
			t.Fatalf("%s: %s", name, out["errors"])
		}
	}
}

// BenchmarkWorstAdmitted: the cost of the most expensive documents the
// default limits admit, and of refusing documents at the limits, against
// a small query; every iteration sends a new text (an alias numbered), so
// no cache helps, as an attacker would.
func BenchmarkWorstAdmitted(b *testing.B) {
	h, _ := shop(b, func(r subgraphRequest) (int, string) { return 200, `{"data":{"me":{"id":"1","name":"A"}}}` }, gateway.Options{})
	for _, bc := range []struct{ name, format string }{
		{"normal", "{ m%d: me { id name } }"},
		{"admitted/repeated field", "{ m%d: me { " + strings.Repeat("id ", guard.DefaultMaxFields-2) + "} }"},
		{"admitted/fragment fan-out", strings.Replace(fanOut(9), "{ me {", "{ m%d: me {", 1)},
		{"admitted/nested fragments", strings.Replace(nested(guard.DefaultMaxFragmentDepth-1), "{ me {", "{ m%d: me {", 1)},
		{"refused/tokens", `{ m%d: product(sku: "a", region: "b", x: [` + strings.Repeat("1 ", guard.DefaultMaxTokens) + `]) { name } }`},
		{"refused/fields", "{ m%d: me { " + strings.Repeat("id ", guard.DefaultMaxTokens-10) + "} }"},
		{"refused/fragment fan-out", strings.Replace(fanOut(30), "{ me {", "{ m%d: me {", 1)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				body, _ := json.Marshal(map[string]any{"query": fmt.Sprintf(bc.format, i)})
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 && rec.Code != 422 {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}

// TestRateLimitAtTheGateway: past its burst a client gets 429 with
// Retry-After and RATE_LIMITED, with CORS headers a browser can read.
func TestRateLimitAtTheGateway(t *testing.T) {
	sg := mustSupergraph(t)
	gw, err := gateway.New(sg, gateway.Options{Fetcher: &scripted{answer: func(subgraphRequest) (int, string) { return 200, `{"data":{"me":{"id":"1"}}}` }}})
	if err != nil {
		t.Fatal(err)
	}
	const portal = "https://portale.comune.test"
	h := gw.Handler(gateway.HandlerOptions{RateLimit: guard.NewRateLimiter(0.1, 2).Wrap, AllowedOrigins: []string{portal}})
	for i := range 3 {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ me { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", portal)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		limited := rec.Code == http.StatusTooManyRequests
		if limited != (i == 2) || rec.Header().Get("Access-Control-Allow-Origin") != portal {
			t.Fatalf("request %d: %d %v %s", i, rec.Code, rec.Header(), rec.Body.String())
		}
		if limited && (rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), guard.CodeRateLimited)) {
			t.Fatalf("refusal: %v %s", rec.Header(), rec.Body.String())
		}
	}
}

// TestIntrospectionOffByDefault: the production default refuses
// introspection with a code and never offers federation's _service or
// _entities; the option turns introspection on.
func TestIntrospectionOffByDefault(t *testing.T) {
	gw, _, _ := shopGateway(t, func(subgraphRequest) (int, string) { return 200, `{"data":{"me":{"id":"1"}}}` }, gateway.Options{})
	for _, on := range []bool{false, true} {
		h := gw.Handler(gateway.HandlerOptions{Introspection: on})
		for _, q := range []string{`{ __schema { queryType { name } } }`, `{ __type(name: "User") { name } }`, `{ me { id } t: __schema { types { name } } }`} {
			_, out := post(t, h, map[string]any{"query": q})
			refused := strings.Contains(string(out["errors"]), "INTROSPECTION_DISABLED")
			if refused == on || (!on && string(out["data"]) != "null" && out["data"] != nil) {
				t.Errorf("introspection %v, %s: %s %s", on, q, out["errors"], out["data"])
			}
		}
		for _, q := range []string{`{ _service { sdl } }`, `{ _entities(representations: []) { __typename } }`} {
			if _, out := post(t, h, map[string]any{"query": q}); !strings.Contains(string(out["errors"]), "GRAPHQL_VALIDATION_FAILED") {
				t.Errorf("introspection %v, %s answered: %s", on, q, out["data"])
			}
		}
		if _, out := post(t, h, map[string]any{"query": `{ __typename me { __typename id } }`}); out["errors"] != nil {
			t.Errorf("__typename refused: %s", out["errors"])
		}
	}
}

// TestPersistedQueryOverTheLimitsIsNotStored: registering an automatic
// persisted query is checked against the limits before it is stored, so
// the hash alone cannot run it later.
func TestPersistedQueryOverTheLimitsIsNotStored(t *testing.T) {
	h, s := shop(t, func(subgraphRequest) (int, string) { return 200, `{"data":{"me":{"id":"1"}}}` }, gateway.Options{})
	q := "{ me { " + strings.Repeat("wishlist { seller { ", 8) + "id" + strings.Repeat(" } }", 8) + " } }"
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha(q)}}
	if _, out := post(t, h, map[string]any{"query": q, "extensions": ext}); !strings.Contains(string(out["errors"]), guard.CodeMaxDepth) {
		t.Fatalf("registration: %s", out["errors"])
	}
	if _, out := post(t, h, map[string]any{"extensions": ext}); !strings.Contains(string(out["errors"]), "PERSISTED_QUERY_NOT_FOUND") {
		t.Fatalf("by hash: %s %s", out["errors"], out["data"])
	}
	if len(s.calls) != 0 {
		t.Fatalf("%d subgraph requests", len(s.calls))
	}
}
