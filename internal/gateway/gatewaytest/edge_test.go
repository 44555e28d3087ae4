package gatewaytest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

type gqlResult struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func decodeResult(t *testing.T, b []byte) gqlResult {
	t.Helper()
	var r gqlResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, b)
	}
	return r
}

func (r gqlResult) codes() []string {
	var out []string
	for _, e := range r.Errors {
		c, _ := e.Extensions["code"].(string)
		out = append(out, c)
	}
	return out
}

func TestEdgeGETAndPOST(t *testing.T) {
	env := Start(t, Config{Composer: Apollo})

	res, body := env.Get(t, "query="+url.QueryEscape("{ me { name } topProducts(first: 1) { name reviews { stars } } }"))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET status %d: %s", res.StatusCode, body)
	}
	if got := string(body); !strings.Contains(got, `"me":{"name":"Ada Lovelace"}`) || !strings.Contains(got, `"reviews":[{"stars":5},{"stars":3}]`) {
		t.Fatalf("GET response: %s", got)
	}

	// GET must not run mutations.
	res, body = env.Get(t, "query="+url.QueryEscape(`mutation { createUser(input: {name: "X", username: "x"}) { id } }`))
	if r := decodeResult(t, body); res.StatusCode == http.StatusOK && len(r.Errors) == 0 {
		t.Fatalf("a mutation over GET ran: %d %s", res.StatusCode, body)
	}

	// POST with several operations picks the one named by operationName.
	req, _ := json.Marshal(map[string]any{
		"query":         "query A { me { name } } query B { user(id: \"u3\") { name } }",
		"operationName": "B",
	})
	res, body = env.Post(t, req, nil)
	if res.StatusCode != http.StatusOK || string(body) != `{"data":{"user":{"name":"Grace Hopper"}}}` {
		t.Fatalf("POST operationName B: %d %s", res.StatusCode, body)
	}
}

func TestEdgeAPQ(t *testing.T) {
	env := Start(t, Config{Composer: Apollo})
	query := "{ product(upc: \"2\") { name shippingCost } }"
	sum := sha256.Sum256([]byte(query))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}

	hashOnly, _ := json.Marshal(map[string]any{"extensions": ext})
	_, body := env.Post(t, hashOnly, nil)
	if r := decodeResult(t, body); len(r.Errors) != 1 || r.codes()[0] != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %s", body)
	}
	full, _ := json.Marshal(map[string]any{"query": query, "extensions": ext})
	want := `{"data":{"product":{"name":"Chair","shippingCost":1127}}}`
	if _, body = env.Post(t, full, nil); string(body) != want {
		t.Fatalf("register: %s", body)
	}
	if _, body = env.Post(t, hashOnly, nil); string(body) != want {
		t.Fatalf("hash only after registering: %s", body)
	}
	extJSON, _ := json.Marshal(ext)
	if _, body = env.Get(t, "extensions="+url.QueryEscape(string(extJSON))); string(body) != want {
		t.Fatalf("GET hash only: %s", body)
	}
}

func TestEdgeLimits(t *testing.T) {
	deep := "{ topProducts { reviews { author { reviews { product { name } } } } } }" // depth 6
	tests := []struct {
		name     string
		cfg      Config
		over     string
		within   string
		wantCode string
	}{
		{
			name: "depth", cfg: Config{Composer: Apollo, MaxDepth: 4}, over: deep,
			within:   "{ topProducts { reviews { author { name } } } }",
			wantCode: "MAX_DEPTH_EXCEEDED",
		},
		{
			name: "aliases", cfg: Config{Composer: Apollo, MaxAliases: 2},
			over:     `{ a: me { name } b: me { name } c: me { n: name } }`,
			within:   `{ a: me { name } b: me { name } }`,
			wantCode: "MAX_ALIASES_EXCEEDED",
		},
		{
			name: "cost", cfg: Config{Composer: Apollo, MaxCost: 10}, over: deep,
			within:   "{ me { name } }",
			wantCode: "MAX_COST_EXCEEDED",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := Start(t, tt.cfg)
			r := decodeResult(t, env.Query(t, tt.over, nil))
			if len(r.Errors) == 0 || r.codes()[0] != tt.wantCode || r.Errors[0].Message == "" {
				t.Fatalf("over the limit: errors %+v, want code %s", r.Errors, tt.wantCode)
			}
			if len(r.Data) > 0 {
				t.Fatalf("over the limit the operation ran: %+v", r.Data)
			}
			if r := decodeResult(t, env.Query(t, tt.within, nil)); len(r.Errors) != 0 || len(r.Data) == 0 {
				t.Fatalf("within the limit: %+v", r)
			}
		})
	}
}

func TestEdgeForwardsHeaders(t *testing.T) {
	env := Start(t, Config{Composer: Apollo})
	const (
		bearer = "Bearer test-token"
		trace  = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	)
	body, _ := json.Marshal(map[string]any{"query": "{ topProducts(first: 1) { name inStock } }"})
	_, out := env.Post(t, body, http.Header{"Authorization": {bearer}, "Traceparent": {trace}})
	if r := decodeResult(t, out); len(r.Errors) != 0 {
		t.Fatalf("query failed: %s", out)
	}
	for _, name := range []string{"products", "inventory"} {
		hs := env.SubgraphHeaders(name)
		if len(hs) == 0 {
			t.Fatalf("%s received no request", name)
		}
		for _, h := range hs {
			if h.Get("Authorization") != bearer || h.Get("Traceparent") != trace {
				t.Errorf("%s got Authorization %q, traceparent %q", name, h.Get("Authorization"), h.Get("Traceparent"))
			}
		}
	}
	if hs := env.SubgraphHeaders("accounts"); len(hs) != 0 {
		t.Errorf("accounts was asked %d times for a query it has no part in", len(hs))
	}
}

// TestEdgeVariableValues: a variable value that does not coerce to its type
// is the client's input error, a request error without data coded
// BAD_USER_INPUT that names the variable (as graphql-js and Apollo Server);
// an invalid document stays GRAPHQL_VALIDATION_FAILED.
func TestEdgeVariableValues(t *testing.T) {
	env := Start(t, Config{})
	for _, tc := range []struct {
		name, query, vars, code, mention string
	}{
		{"string for an Int", `query ($n: Int) { topProducts(first: $n) { name } }`, `{"n": "five"}`, "BAD_USER_INPUT", `"$n"`},
		{"null for a non-null", `query ($t: String!) { search(text: $t) { __typename } }`, `{"t": null}`, "BAD_USER_INPUT", `"$t"`},
		{"missing non-null", `query ($t: String!) { search(text: $t) { __typename } }`, `{}`, "BAD_USER_INPUT", `"$t"`},
		{"undeclared field", `{ topProducts { nope } }`, `{}`, "GRAPHQL_VALIDATION_FAILED", "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"query":` + strconv.Quote(tc.query) + `,"variables":` + tc.vars + `}`
			_, b := env.Post(t, []byte(body), nil)
			var r map[string]json.RawMessage
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatalf("not JSON: %s", b)
			}
			if _, ok := r["data"]; ok {
				t.Fatalf("a request error has no data: %s", b)
			}
			res := decodeResult(t, b)
			if len(res.Errors) != 1 || res.codes()[0] != tc.code || !strings.Contains(res.Errors[0].Message, tc.mention) {
				t.Fatalf("want one %s error mentioning %s, got %s", tc.code, tc.mention, b)
			}
		})
	}
}
